/* bind_edit.c — lute.edit: audio buffers and non-destructive edits from Lua (thin over
 * core/edit/edit.h).  Every operation returns a new buffer and leaves its input as it was; the
 * files buffers come from are only ever read.
 *
 *   edit.load(path) -> buf | nil, message           edit.buffer(frames, channels, rate) -> silent buf
 *   edit.from_floats(string, channels, rate) -> buf (interleaved float32, as core.render gives)
 *   buf:frames() buf:channels() buf:rate() buf:peak() buf:max_step([from, to]) buf:loudness()
 *   buf:sample(frame, channel) -> number (frames and channels from 0)   buf:floats() -> string
 *   buf:save(path) -> true | nil, message
 *   buf:trim(from, to)  buf:split(at) -> a, b  buf:reverse()  buf:gain(db)
 *   buf:envelope{ {frame, db}, ... }  buf:fade_in(frames, curve)  buf:fade_out(frames, curve)
 *   buf:normalize{ peak = dB } | { lufs = LUFS } -> buf, gain_db
 *   buf:stretch{ ratio =, semitones =, formants = bool, crisp = bool }
 *   buf:strip_silence{ threshold = dB, min = frames, pre = frames, post = frames } -> { {from, to}, ... }
 *   buf:keep(regions, fade_frames)  buf:place(src, at, gain) (src added into a copy of buf)
 *   buf:onsets{ threshold =, min_gap = s, floor = dB } -> { {frame =, db =, strength =}, ... }
 *   buf:move_slices(onsets, targets, pre_frames)   (lists of frames)
 *   edit.crossfade(a, b, frames, "power" | "gain")
 *   edit.comp({ {buf, start}, ... }, { {take, from, to}, ... }, xfade_frames, "power" | "gain")
 *   edit.grid_targets(frames, origin, step, strength) -> frames
 *   edit.velocities(onsets, range_db) -> { 1..127, ... }
 *   edit.fade_gain(curve, x) -> number
 * Curves: "linear", "exp", "log", "s", "power".  Bad arguments raise errors naming what would be
 * right; an expected failure (a file that cannot be read) returns nil, message.
 * Thread: control only.  RT-safe: no. */
#include "bind_record.h"
#include "edit/edit.h"
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MT LT_EDIT_BUF_MT

static lt_abuf *check_buf(lua_State *L, int i) { return luaL_checkudata(L, i, BUF_MT); }

/* A new buffer userdata, empty (safe to collect) until the caller fills it. */
static lt_abuf *new_buf(lua_State *L) {
    lt_abuf *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, BUF_MT);
    return b;
}

static int fail_edit(lua_State *L, lt_edit_err e, const char *what) {
    if (e == LT_EDIT_ENOMEM) return luaL_error(L, "%s: out of memory", what);
    return luaL_error(L, "%s: %s", what, lt_edit_strerror(e));
}

static int b_gc(lua_State *L) { lt_abuf_free(check_buf(L, 1)); return 0; }
static int b_frames(lua_State *L) { lua_pushinteger(L, check_buf(L, 1)->frames); return 1; }
static int b_channels(lua_State *L) { lua_pushinteger(L, check_buf(L, 1)->channels); return 1; }
static int b_rate(lua_State *L) { lua_pushinteger(L, check_buf(L, 1)->rate); return 1; }
static int b_peak(lua_State *L) { lua_pushnumber(L, lt_abuf_peak(check_buf(L, 1))); return 1; }

static int b_max_step(lua_State *L) {
    lt_abuf *b = check_buf(L, 1);
    lua_pushnumber(L, lt_abuf_max_step(b, luaL_optinteger(L, 2, 0), luaL_optinteger(L, 3, b->frames)));
    return 1;
}

static int b_loudness(lua_State *L) {
    double l;
    lt_edit_err e = lt_edit_loudness(check_buf(L, 1), &l);
    if (e) return fail_edit(L, e, "loudness");
    lua_pushnumber(L, l);
    return 1;
}

static int b_sample(lua_State *L) {
    lt_abuf *b = check_buf(L, 1);
    lua_Integer f = luaL_checkinteger(L, 2), c = luaL_optinteger(L, 3, 0);
    if (f < 0 || f >= b->frames || c < 0 || c >= b->channels) { lua_pushnumber(L, 0); return 1; }
    lua_pushnumber(L, b->s[f * b->channels + c]);
    return 1;
}

static int b_floats(lua_State *L) {
    lt_abuf *b = check_buf(L, 1);
    lua_pushlstring(L, (const char *)b->s, sizeof(float) * (size_t)b->frames * (size_t)b->channels);
    return 1;
}

static int b_tostring(lua_State *L) {
    lt_abuf *b = check_buf(L, 1);
    lua_pushfstring(L, "audio (%d frames, %d channels, %d Hz)", (int)b->frames, b->channels, b->rate);
    return 1;
}

static int b_save(lua_State *L) {
    char msg[1024];
    if (lt_abuf_save(check_buf(L, 1), luaL_checkstring(L, 2), msg, sizeof msg)) { luaL_pushfail(L); lua_pushstring(L, msg); return 2; }
    lua_pushboolean(L, 1);
    return 1;
}

static int e_load(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    lt_abuf *b = new_buf(L);
    char msg[1200];
    if (lt_abuf_load(b, path, msg, sizeof msg)) { luaL_pushfail(L); lua_pushstring(L, msg); return 2; }
    return 1;
}

static int check_channels(lua_State *L, int i) {
    lua_Integer c = luaL_optinteger(L, i, 1);
    luaL_argcheck(L, c >= 1 && c <= 64, i, "channels must be 1 .. 64");
    return (int)c;
}

static int check_rate(lua_State *L, int i) {
    lua_Integer r = luaL_optinteger(L, i, 48000);
    luaL_argcheck(L, r >= 1000 && r <= 768000, i, "rate must be 1000 .. 768000");
    return (int)r;
}

static int e_buffer(lua_State *L) {
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0 && n <= (lua_Integer)48000 * 3600, 1, "frames must be 0 .. an hour at 48 kHz");
    int c = check_channels(L, 2), r = check_rate(L, 3);
    lt_abuf *b = new_buf(L);
    lt_edit_err e = lt_abuf_alloc(b, n, c, r);
    if (e) return fail_edit(L, e, "edit.buffer");
    return 1;
}

static int e_from_floats(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int c = check_channels(L, 2), r = check_rate(L, 3);
    luaL_argcheck(L, len % (sizeof(float) * (size_t)c) == 0, 1, "not whole frames of float32");
    lt_abuf *b = new_buf(L);
    lt_edit_err e = lt_abuf_alloc(b, (int64_t)(len / (sizeof(float) * (size_t)c)), c, r);
    if (e) return fail_edit(L, e, "edit.from_floats");
    memcpy(b->s, s, len);
    return 1;
}

/* ---- edits: each returns a new buffer ---- */

static lt_abuf *copy_of(lua_State *L, int i) {
    lt_abuf *in = check_buf(L, i);
    lt_abuf *out = new_buf(L);
    lt_edit_err e = lt_abuf_copy(in, out);
    if (e) fail_edit(L, e, "copy");
    return out;
}

static int b_copy(lua_State *L) { copy_of(L, 1); return 1; }

static int b_trim(lua_State *L) {
    lt_abuf *in = check_buf(L, 1);
    lua_Integer from = luaL_checkinteger(L, 2), to = luaL_checkinteger(L, 3);
    luaL_argcheck(L, to >= from, 3, "a trim ends after it starts");
    lt_abuf *out = new_buf(L);
    lt_edit_err e = lt_edit_trim(in, from, to, out);
    if (e) return fail_edit(L, e, "trim");
    return 1;
}

static int b_split(lua_State *L) {
    lt_abuf *in = check_buf(L, 1);
    lua_Integer at = luaL_checkinteger(L, 2);
    luaL_argcheck(L, at >= 0 && at <= in->frames, 2, "the split point must lie inside the clip");
    lt_abuf *a = new_buf(L), *b = new_buf(L);
    lt_edit_err e = lt_edit_split(in, at, a, b);
    if (e) return fail_edit(L, e, "split");
    return 2;
}

static int b_reverse(lua_State *L) {
    lt_abuf *in = check_buf(L, 1);
    lt_abuf *out = new_buf(L);
    lt_edit_err e = lt_edit_reverse(in, out);
    if (e) return fail_edit(L, e, "reverse");
    return 1;
}

static int b_gain(lua_State *L) {
    double db = luaL_checknumber(L, 2);
    luaL_argcheck(L, db > -200 && db < 100, 2, "gain in dB, -200 .. 100");
    lt_edit_gain(copy_of(L, 1), db);
    return 1;
}

static int b_envelope(lua_State *L) {
    check_buf(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, n >= 1 && n <= 100000, 2, "an envelope needs at least one {frame, db} point");
    lt_breakpoint *p = malloc(sizeof *p * (size_t)n);
    if (!p) return luaL_error(L, "out of memory");
    for (lua_Integer i = 0; i < n; i++) {
        lua_rawgeti(L, 2, i + 1);
        int ok = lua_istable(L, -1);
        if (ok) {
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            ok = lua_isinteger(L, -2) && lua_isnumber(L, -1);
            p[i].frame = lua_tointeger(L, -2);
            p[i].db = lua_tonumber(L, -1);
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
        if (!ok || (i && p[i].frame < p[i - 1].frame)) {
            free(p);
            return luaL_error(L, "envelope point %d: expected {frame, dB} with frames in order", (int)i + 1);
        }
    }
    lt_abuf *out = copy_of(L, 1);
    lt_edit_envelope(out, p, (int)n);
    free(p);
    return 1;
}

static lt_fade_curve check_curve(lua_State *L, int i) {
    const char *s = luaL_optstring(L, i, "linear");
    int c = lt_fade_curve_parse(s);
    if (c < 0) luaL_argerror(L, i, lua_pushfstring(L, "unknown fade curve '%s' (linear, exp, log, s, power)", s));
    return (lt_fade_curve)c;
}

static int b_fade(lua_State *L, int out_fade) {
    check_buf(L, 1);
    lua_Integer len = luaL_checkinteger(L, 2);
    luaL_argcheck(L, len >= 0, 2, "a fade's length is frames >= 0");
    lt_fade_curve c = check_curve(L, 3);
    lt_abuf *out = copy_of(L, 1);
    if (out_fade) lt_edit_fade_out(out, len, c);
    else lt_edit_fade_in(out, len, c);
    return 1;
}
static int b_fade_in(lua_State *L) { return b_fade(L, 0); }
static int b_fade_out(lua_State *L) { return b_fade(L, 1); }

static int b_normalize(lua_State *L) {
    check_buf(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "peak");
    lua_getfield(L, 2, "lufs");
    int has_peak = !lua_isnil(L, -2), has_lufs = !lua_isnil(L, -1);
    double peak = lua_tonumber(L, -2), lufs = lua_tonumber(L, -1);
    lua_pop(L, 2);
    if (has_peak == has_lufs) return luaL_argerror(L, 2, "normalize{ peak = dBFS } or normalize{ lufs = LUFS }, one of them");
    lt_abuf *out = copy_of(L, 1);
    double g;
    lt_edit_err e = has_peak ? lt_edit_normalize_peak(out, peak, &g) : lt_edit_normalize_loudness(out, lufs, &g);
    if (e == LT_EDIT_EARG)
        return luaL_error(L, has_peak ? "normalize: the clip is silent" : "normalize: the clip is too quiet or too short (under 400 ms) to have a loudness");
    if (e) return fail_edit(L, e, "normalize");
    lua_pushnumber(L, g);
    return 2;
}

static int b_stretch(lua_State *L) {
    lt_abuf *in = check_buf(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lt_stretch_opts o = {0};
    lua_getfield(L, 2, "ratio"); o.ratio = luaL_optnumber(L, -1, 1); lua_pop(L, 1);
    lua_getfield(L, 2, "semitones"); o.semitones = luaL_optnumber(L, -1, 0); lua_pop(L, 1);
    lua_getfield(L, 2, "formants"); o.formants = lua_toboolean(L, -1); lua_pop(L, 1);
    lua_getfield(L, 2, "crisp"); o.crisp = lua_toboolean(L, -1); lua_pop(L, 1);
    lt_abuf *out = new_buf(L);
    char msg[256];
    lt_edit_err e = lt_edit_stretch(in, &o, out, msg, sizeof msg);
    if (e == LT_EDIT_EARG) return luaL_error(L, "stretch: %s", msg);
    if (e) return luaL_error(L, "stretch: %s", msg[0] ? msg : lt_edit_strerror(e));
    return 1;
}

static lua_Integer int_field(lua_State *L, int t, const char *k, lua_Integer def) {
    lua_getfield(L, t, k);
    lua_Integer v = lua_isnil(L, -1) ? def : (lua_Integer)luaL_checknumber(L, -1);
    lua_pop(L, 1);
    return v;
}

static double num_field(lua_State *L, int t, const char *k, double def) {
    lua_getfield(L, t, k);
    double v = lua_isnil(L, -1) ? def : luaL_checknumber(L, -1);
    lua_pop(L, 1);
    return v;
}

static void push_regions(lua_State *L, const lt_region *r, int n) {
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_createtable(L, 2, 0);
        lua_pushinteger(L, r[i].from); lua_rawseti(L, -2, 1);
        lua_pushinteger(L, r[i].to); lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, i + 1);
    }
}

static int b_strip_silence(lua_State *L) {
    lt_abuf *in = check_buf(L, 1);
    if (lua_isnoneornil(L, 2)) { lua_settop(L, 1); lua_newtable(L); }
    luaL_checktype(L, 2, LUA_TTABLE);
    lt_silence_opts o = {.threshold_db = num_field(L, 2, "threshold", 0), .min_silence = int_field(L, 2, "min", 0),
                         .pre_roll = int_field(L, 2, "pre", 0), .post_roll = int_field(L, 2, "post", 0)};
    luaL_argcheck(L, o.threshold_db <= 0, 2, "threshold is in dBFS, below 0");
    luaL_argcheck(L, o.pre_roll >= 0 && o.post_roll >= 0 && o.min_silence >= 0, 2, "min, pre and post are frames >= 0");
    lt_region *r;
    int n;
    lt_edit_err e = lt_edit_strip_silence(in, &o, &r, &n);
    if (e) return fail_edit(L, e, "strip_silence");
    push_regions(L, r, n);
    free(r);
    return 1;
}

static lt_region *check_regions(lua_State *L, int i, int *n) {
    luaL_checktype(L, i, LUA_TTABLE);
    lua_Integer m = luaL_len(L, i);
    lt_region *r = malloc(sizeof *r * (size_t)(m ? m : 1));
    if (!r) luaL_error(L, "out of memory");
    for (lua_Integer k = 0; k < m; k++) {
        lua_rawgeti(L, i, k + 1);
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        int ok = lua_isinteger(L, -2) && lua_isinteger(L, -1);
        r[k].from = lua_tointeger(L, -2);
        r[k].to = lua_tointeger(L, -1);
        lua_pop(L, 3);
        if (!ok || r[k].to < r[k].from || (k && r[k].from < r[k - 1].to)) {
            free(r);
            luaL_error(L, "region %d: expected {from, to} frames, in order and not overlapping", (int)k + 1);
        }
    }
    *n = (int)m;
    return r;
}

static int b_keep(lua_State *L) {
    check_buf(L, 1);
    int n;
    lt_region *r = check_regions(L, 2, &n);
    lua_Integer fade = luaL_optinteger(L, 3, 0);
    lt_abuf *out = copy_of(L, 1);
    lt_edit_err e = lt_edit_keep_regions(out, r, n, fade);
    free(r);
    if (e) return fail_edit(L, e, "keep");
    return 1;
}

static int b_place(lua_State *L) {
    check_buf(L, 1);
    lt_abuf *src = check_buf(L, 2);
    lua_Integer at = luaL_checkinteger(L, 3);
    double gain = luaL_optnumber(L, 4, 1.0);
    lt_abuf *out = copy_of(L, 1);
    if (lt_edit_place(out, src, at, (float)gain)) return luaL_error(L, "place: %d channels into %d (mono goes anywhere)", src->channels, out->channels);
    return 1;
}

static int b_onsets(lua_State *L) {
    lt_abuf *in = check_buf(L, 1);
    if (lua_isnoneornil(L, 2)) { lua_settop(L, 1); lua_newtable(L); }
    luaL_checktype(L, 2, LUA_TTABLE);
    lt_onset_opts o = {.threshold = num_field(L, 2, "threshold", 0), .min_gap = num_field(L, 2, "min_gap", 0),
                       .floor_db = num_field(L, 2, "floor", 0)};
    lt_onset *on;
    int n;
    lt_edit_err e = lt_edit_onsets(in, &o, &on, &n);
    if (e) return fail_edit(L, e, "onsets");
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, on[i].frame); lua_setfield(L, -2, "frame");
        lua_pushnumber(L, on[i].peak_db); lua_setfield(L, -2, "db");
        lua_pushnumber(L, on[i].strength); lua_setfield(L, -2, "strength");
        lua_rawseti(L, -2, i + 1);
    }
    free(on);
    return 1;
}

static int64_t *check_frames(lua_State *L, int i, int *n) {
    luaL_checktype(L, i, LUA_TTABLE);
    lua_Integer m = luaL_len(L, i);
    int64_t *f = malloc(sizeof *f * (size_t)(m ? m : 1));
    if (!f) luaL_error(L, "out of memory");
    for (lua_Integer k = 0; k < m; k++) {
        lua_rawgeti(L, i, k + 1);
        if (lua_istable(L, -1)) { lua_getfield(L, -1, "frame"); lua_remove(L, -2); }   /* onsets too */
        int ok = lua_isinteger(L, -1);
        f[k] = lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (!ok) { free(f); luaL_error(L, "argument #%d: item %d is not a frame (an integer)", i, (int)k + 1); }
    }
    *n = (int)m;
    return f;
}

static int b_move_slices(lua_State *L) {
    lt_abuf *in = check_buf(L, 1);
    int n, m;
    int64_t *on = check_frames(L, 2, &n);
    int64_t *tg = check_frames(L, 3, &m);
    lua_Integer pre = luaL_optinteger(L, 4, in->rate / 500);
    if (n != m) { free(on); free(tg); return luaL_error(L, "move_slices: %d onsets but %d targets", n, m); }
    lt_abuf *out = new_buf(L);
    lt_edit_err e = lt_edit_move_slices(in, on, tg, n, pre, out);
    free(on);
    free(tg);
    if (e == LT_EDIT_EARG) return luaL_error(L, "move_slices: onsets and targets must both increase (two onsets on one grid line?)");
    if (e) return fail_edit(L, e, "move_slices");
    return 1;
}

static lt_xfade_kind check_xfade(lua_State *L, int i) {
    const char *s = luaL_optstring(L, i, "power");
    if (!strcmp(s, "power") || !strcmp(s, "equal_power")) return LT_XFADE_POWER;
    if (!strcmp(s, "gain") || !strcmp(s, "equal_gain") || !strcmp(s, "linear")) return LT_XFADE_GAIN;
    luaL_argerror(L, i, lua_pushfstring(L, "crossfade '%s': \"power\" (equal power) or \"gain\" (equal gain)", s));
    return LT_XFADE_POWER;
}

static int e_crossfade(lua_State *L) {
    lt_abuf *a = check_buf(L, 1), *b = check_buf(L, 2);
    lua_Integer len = luaL_checkinteger(L, 3);
    lt_xfade_kind k = check_xfade(L, 4);
    luaL_argcheck(L, len >= 0 && len <= a->frames && len <= b->frames, 3, "the overlap must fit in both clips");
    luaL_argcheck(L, a->channels == b->channels, 2, "both clips need the same channels");
    lt_abuf *out = new_buf(L);
    lt_edit_err e = lt_edit_crossfade(a, b, len, k, out);
    if (e) return fail_edit(L, e, "crossfade");
    return 1;
}

static int e_comp(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer xf = luaL_optinteger(L, 3, 0);
    lt_xfade_kind k = check_xfade(L, 4);
    int nt = (int)luaL_len(L, 1), nr = (int)luaL_len(L, 2);
    luaL_argcheck(L, nt >= 1, 1, "a comp needs takes: { {buffer, start_frame}, ... }");
    luaL_argcheck(L, nr >= 1, 2, "a comp needs regions: { {take, from, to}, ... }");
    lt_comp_take *t = malloc(sizeof *t * (size_t)nt);
    lt_comp_region *r = malloc(sizeof *r * (size_t)nr);
    if (!t || !r) { free(t); free(r); return luaL_error(L, "out of memory"); }
    for (int i = 0; i < nt; i++) {
        lua_rawgeti(L, 1, i + 1);
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        t[i].buf = luaL_testudata(L, -2, BUF_MT);
        t[i].start = lua_tointeger(L, -1);
        int ok = t[i].buf && lua_isinteger(L, -1);
        lua_pop(L, 3);
        if (!ok) { free(t); free(r); return luaL_error(L, "comp take %d: expected {buffer, start_frame}", i + 1); }
    }
    for (int i = 0; i < nr; i++) {
        lua_rawgeti(L, 2, i + 1);
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        lua_rawgeti(L, -3, 3);
        int ok = lua_isinteger(L, -3) && lua_isinteger(L, -2) && lua_isinteger(L, -1);
        r[i] = (lt_comp_region){(int)lua_tointeger(L, -3) - 1, lua_tointeger(L, -2), lua_tointeger(L, -1)};
        lua_pop(L, 4);
        if (!ok) { free(t); free(r); return luaL_error(L, "comp region %d: expected {take, from, to} (take numbered from 1, frames)", i + 1); }
    }
    lt_abuf *out = new_buf(L);
    char msg[512];
    lt_edit_err e = lt_edit_comp(t, nt, r, nr, xf, k, out, msg, sizeof msg);
    free(t);
    free(r);
    if (e == LT_EDIT_EARG) return luaL_error(L, "comp: %s", msg);
    if (e) return fail_edit(L, e, "comp");
    return 1;
}

static int e_grid_targets(lua_State *L) {
    int n;
    int64_t *on = check_frames(L, 1, &n);
    double origin = luaL_checknumber(L, 2), step = luaL_checknumber(L, 3), strength = luaL_optnumber(L, 4, 1.0);
    int64_t *tg = malloc(sizeof *tg * (size_t)(n ? n : 1));
    if (!tg) { free(on); return luaL_error(L, "out of memory"); }
    lt_edit_grid_targets(on, n, origin, step, strength, tg);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) { lua_pushinteger(L, tg[i]); lua_rawseti(L, -2, i + 1); }
    free(on);
    free(tg);
    return 1;
}

static int e_velocities(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    int n = (int)luaL_len(L, 1);
    double range = luaL_optnumber(L, 2, 40);
    lt_onset *on = malloc(sizeof *on * (size_t)(n ? n : 1));
    int *vel = malloc(sizeof *vel * (size_t)(n ? n : 1));
    if (!on || !vel) { free(on); free(vel); return luaL_error(L, "out of memory"); }
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, 1, i + 1);
        lua_getfield(L, -1, "db");
        on[i].peak_db = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : -HUGE_VAL;
        lua_pop(L, 2);
    }
    lt_edit_velocities(on, n, range, vel);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) { lua_pushinteger(L, vel[i]); lua_rawseti(L, -2, i + 1); }
    free(on);
    free(vel);
    return 1;
}

static int e_fade_gain(lua_State *L) {
    lt_fade_curve c = check_curve(L, 1);
    lua_pushnumber(L, lt_fade_gain(c, luaL_checknumber(L, 2)));
    return 1;
}

int lt_open_edit(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"frames", b_frames}, {"channels", b_channels}, {"rate", b_rate}, {"peak", b_peak}, {"max_step", b_max_step},
        {"loudness", b_loudness}, {"sample", b_sample}, {"floats", b_floats}, {"save", b_save}, {"copy", b_copy},
        {"trim", b_trim}, {"split", b_split}, {"reverse", b_reverse}, {"gain", b_gain}, {"envelope", b_envelope},
        {"fade_in", b_fade_in}, {"fade_out", b_fade_out}, {"normalize", b_normalize}, {"stretch", b_stretch},
        {"strip_silence", b_strip_silence}, {"keep", b_keep}, {"place", b_place}, {"onsets", b_onsets},
        {"move_slices", b_move_slices}, {NULL, NULL}};
    static const luaL_Reg funcs[] = {
        {"load", e_load}, {"buffer", e_buffer}, {"from_floats", e_from_floats}, {"crossfade", e_crossfade},
        {"comp", e_comp}, {"grid_targets", e_grid_targets}, {"velocities", e_velocities}, {"fade_gain", e_fade_gain},
        {NULL, NULL}};
    if (luaL_newmetatable(L, BUF_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, b_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, b_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, funcs);
    return 1;
}
