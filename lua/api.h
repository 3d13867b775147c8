/* api.h — the bindings that expose the engine to Lua as the module `lute.core` (thin: check the
 * arguments, call core/, translate the result).  The friendly language on top is lua/lute.lua.
 * Thread: control only.  RT-safe: no. */
#ifndef LT_API_H
#define LT_API_H
#include <lua.h>
#include <stdint.h>
#include "engine.h"
#include "graph/mix.h"

typedef struct lt_api_state {
    lt_engine *engine;
    lt_mix    *mix;              /* the control thread's model of the mix (graph/mix.h) */
    int live;                    /* 1 = a device is playing, 0 = offline render or exec */
    int64_t lookahead;           /* frames the scheduler works ahead */
    struct lt_meter **meter;     /* per node index (0 = master), made on a node's first reading */
    int64_t guard_reports, late_reports, stale_reports, limit_reports, flywheel_reports;
    int quit_requested;
    int inputs;                  /* device input channels (live), or the --input file's (offline) */
    int32_t roundtrip;           /* frames from an output frame to the same moment at the input (live) */
    struct lt_input_file *input_file;
} lt_api_state;

/* What the meters of a channel (or an effect's gain reduction) read, kept on the control thread. */
#define LT_METER_HISTORY 60      /* 3 s of 50 ms readings: the short-term loudness window */
#define LT_GATE_BINS 750         /* 0.1 LU bins from -70 to +5 LUFS: the master's integrated loudness */
typedef struct lt_gating { double e[LT_GATE_BINS]; uint32_t n[LT_GATE_BINS]; int step; } lt_gating;
typedef struct lt_meter {
    float peak_l, peak_r, rms, reduction;
    float true_peak, correlation; /* the master only: linear (-1: not measured yet), -1 .. 1 */
    float ks[LT_METER_HISTORY];   /* K-weighted mean squares, a ring */
    int   ks_pos, ks_n;
    lt_gating *gating;            /* the master only: 400 ms blocks for the gated integrated loudness */
} lt_meter;
/* Momentary loudness (400 ms) and the integrated loudness (BS.1770 gating) since the meter began. */
double lt_meter_momentary(const lt_meter *m);
double lt_meter_integrated(const lt_meter *m);
/* Short-term loudness (LUFS, BS.1770, 3 s window) of a meter; -inf when silent. */
double lt_meter_shortterm(const lt_meter *m);

/* Creates the engine and the mix for a session.  -1 when out of memory. */
int  lt_api_init(lt_api_state *st, int rate, int live, int lookahead_ms);
/* Frees them (the audio thread must have stopped). */
void lt_api_close(lt_api_state *st);

/* Registers `lute.core` (package.preload) bound to `st`, which must outlive L. */
void lt_api_open(lua_State *L, lt_api_state *st);
/* Drains the engine's replies: frees what the audio thread handed back (plans, pools, nodes), keeps
 * meters, reports guard trips, late events and flywheel turns through lute's message printer.  Call
 * often (every control tick). */
void lt_api_pump(lua_State *L, lt_api_state *st);
/* Calls lute._tick(upto_frame) under the watchdog; prints its errors.  Returns 0, or -1 on error. */
int lt_api_tick(lua_State *L, int64_t upto_frame);
/* One step of the control side: drain the replies, then schedule up to `upto` plus the lookahead.
 * The live loop, offline renders and the background tick of a slow evaluation all go through it. */
void lt_api_advance(lua_State *L, lt_api_state *st, int64_t upto);
/* The ring MIDI messages reach Lua handlers through (live only; NULL offline). */
struct lt_ring;
void lt_api_set_midi_ring(struct lt_ring *r);
/* Prints a message from lute (an error from a reload, a loop, the guard) without breaking the REPL line. */
void lt_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern void (*lt_message_hook)(const char *text);
#endif
