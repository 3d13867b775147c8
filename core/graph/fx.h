/* fx.h — the ABI of a mix-side processor: an insert effect on a track, a bus or the master (delay,
 * reverb, eq, comp, limiter, ...).  One struct per unit type (lt_fx_def) and an instance state the
 * engine allocates for it; Soundpipe's shape (one small struct, init / process per unit), with
 * miniaudio's "tell me your size, I give you the memory" so nothing allocates on the audio thread.
 *
 * Life of an instance (DESIGN.md, "The graph"):
 *   control thread:  size(sr, data) bytes are allocated (zeroed), init(st, sr, params, data) sets the
 *                    sample-rate constants, takes the parameter values and clears the memory — the
 *                    three phases of Faust's instanceConstants / ResetUserInterface / Clear;
 *   audio thread:    process(st, block) for each piece of each quantum, in place on a stereo pair;
 *                    set(st, index, value) when a parameter steps (a non-smoothed parameter);
 *                    reset(st) clears the memory (a panic, an output-guard trip);
 *   control thread:  the memory is freed after the audio thread hands the instance back.
 * An instance that survives a re-evaluation keeps its state: its parameters change through the block
 * values (smoothed) or `set` (stepped), never through a new init.
 *
 * Parameters: the engine keeps each parameter's current value and ramp and passes, per block, its
 * value at the block's first frame and its per-frame increment (0 when steady), so a unit can ramp
 * sample by sample (gains) or recompute coefficients once per block and glide them (filters); a
 * unit recomputes a coefficient only when its parameter moved.  Every unit also gets a generic `mix`
 * (wet/dry) from the engine, which keeps the dry signal and blends; a unit never implements it.
 *
 * Determinism: process gives the same bits for the same input, parameters and block splits on
 * every run; when the block lengths do not matter to the result (they should not, except where a
 * parameter's ramp is sampled per block) say so in the unit's header and test it.
 *
 * Thread: as above.  RT-safe: process, set, reset — yes (no allocation, locks, I/O, Lua). */
#ifndef LT_GRAPH_FX_H
#define LT_GRAPH_FX_H
#include <stddef.h>
#include <stdint.h>
#include "quantum.h"

#define LT_FX_MAX_PARAMS 64

typedef struct lt_fx_param {
    const char *name;        /* "time", "feedback": the Lua field name */
    float       min, max, def;
    const char *unit;        /* "s", "dB", "Hz", "" */
    uint8_t     smoothed;    /* 1: glides over ~20 ms (block values ramp); 0: steps through set() */
    const char *help;        /* one line */
} lt_fx_param;

/* Data an instance is built from that is not a number: an impulse response, a table.  Owned by the
 * control thread, immutable, alive as long as the instance. */
typedef struct lt_fx_data {
    int          channels;   /* 1 or 2 */
    int64_t      frames;
    const float *samples;    /* interleaved, at the engine's rate */
} lt_fx_data;

typedef struct lt_fx_block {
    int          n;          /* frames, 1 .. LT_QUANTUM */
    float       *l, *r;      /* the signal, processed in place */
    const float *kl, *kr;    /* sidechain key for LT_FX_KEYED units; when nothing is routed to the
                                key, the engine passes the unit's own input here */
    const float *p;          /* parameter values at frame 0 of the block (index as in the def) */
    const float *dp;         /* per-frame increments; value at frame i = p[k] + dp[k] * i */
    float        sr;
    double       bpm;        /* tempo at the block's start (for units that sync to it) */
} lt_fx_block;

enum {
    LT_FX_KEYED  = 1 << 0,   /* reads a sidechain key (kl, kr) */
    LT_FX_TAIL   = 1 << 1,   /* rings after its input stops (reverb, delay): a removed instance keeps
                                running, disconnected, for up to tail() seconds, then is handed back */
    LT_FX_NO_MIX = 1 << 2,   /* the engine offers no `mix` (a utility where wet/dry means nothing) */
};

typedef struct lt_fx_def {
    const char        *name;         /* the Lua constructor: reverb{ ... } */
    const char        *help;         /* one line: what it does */
    const char        *example;      /* one line of Lua using it */
    int                nparams;
    const lt_fx_param *params;
    uint32_t           flags;
    float              mix_default;  /* the generic mix parameter's default (1 = all wet) */
    const char        *data_field;   /* the Lua field that names its data file ("ir"), or NULL */
    size_t (*size)(float sr, const lt_fx_data *data);
    void   (*init)(void *st, float sr, const float *params, const lt_fx_data *data);
    void   (*set)(void *st, int index, float value);
    void   (*reset)(void *st);
    void   (*process)(void *st, const lt_fx_block *b);
    int    (*latency)(const void *st);             /* frames of delay it adds (lookahead); NULL = 0 */
    float  (*tail)(const void *st);                /* seconds it may ring after silence; NULL = 0 */
    float  (*reduction)(const void *st);           /* dynamics: current gain reduction in dB (>= 0); NULL */
} lt_fx_def;

/* Every processor lute has, in one fixed order (core/dsp/fx_registry.c).  Thread: any. */
extern const lt_fx_def *const lt_fx_defs[];
extern const int lt_fx_count;
const lt_fx_def *lt_fx_find(const char *name);   /* NULL when unknown */
int lt_fx_param_index(const lt_fx_def *d, const char *name);   /* -1 when unknown */
#endif
