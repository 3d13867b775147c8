/* bind_sample.h — samples and kits for Lua (lute.sample), thin over core/sampler/sample.h.
 *
 *   sample.load(path [, rate]) -> sample | nil, "path: reason"
 *   sample.from_buffer(buf [, name [, rate]]) -> sample | nil, message   (a lute.edit buffer: a
 *                              rendered clip, converted to the engine's rate; the floats stay in C)
 *   sample.kit{ s1, s2, ... }  -> kit            (holds a reference to each sample)
 *   sample.dir(path)           -> { {name=, dir=bool}, ... } sorted by name | nil, "path: reason"
 *   sample.stat(path)          -> { mtime=, size=, dir=bool } | nil, "path: reason"
 *   sample.rate()              -> the rate load uses by default (the engine's, or 48000 without one)
 *   s:frames() s:channels() s:duration() s:rate() s:source_rate() s:source_channels() s:path()
 *   s:hash() (16 hex digits)  s:onsets([threshold [, min_gap]]) -> { frame, ... } (0-based frames)
 *   s:stretch(ratio [, semitones]) -> a new sample | nil, message
 *   s:read([first [, count]]) -> { v, ... } frames of level 0, channels averaged (tests, analysis)
 *   s:floats() -> string       level 0 as interleaved float32 (for lute.edit.from_floats)
 *   #kit  kit:sample(i) (0-based, as the engine indexes)  kit:hash()
 * Misuse (a wrong argument type, a ratio out of range) raises an error; an expected failure (a
 * missing or unreadable file) returns nil and a message naming the file.
 *
 * For the engine's side of the binding (the instrument node, the synthesized kit):
 * lt_check_sample / lt_check_kit return the core object inside a userdata (raising a Lua error
 * naming the argument otherwise; the userdata keeps its reference, so take your own with
 * lt_sample_ref / lt_kit_ref to keep the object past it); lt_push_sample / lt_push_kit wrap a core
 * object in a new userdata, taking over one reference the caller holds.
 * Thread: control only (the thread that owns the lua_State).  RT-safe: no. */
#ifndef LT_BIND_SAMPLE_H
#define LT_BIND_SAMPLE_H
#include <lua.h>
#include "sampler/sample.h"

int        lt_open_sample(lua_State *L);
lt_sample *lt_check_sample(lua_State *L, int arg);
lt_kit    *lt_check_kit(lua_State *L, int arg);
void       lt_push_sample(lua_State *L, lt_sample *s);
void       lt_push_kit(lua_State *L, lt_kit *k);
#endif
