/* chain.h — an insert chain of fx.h units run offline over audio in memory: what `lute master`
 * runs (no engine needed), and how the tests drive the mastering units.  Each unit is instantiated
 * from its def (size, init), processed in blocks of LT_QUANTUM frames in chain order with steady
 * parameters, and the chain's latency (the sum of the units') is removed: output frame i is what
 * input frame i became.  A unit's `mix` below 1 blends its output with its input delayed by its own
 * latency, as the engine does.
 * Thread: control.  RT-safe: no (allocates). */
#ifndef LT_MASTER_CHAIN_H
#define LT_MASTER_CHAIN_H
#include <stddef.h>
#include <stdint.h>
#include "graph/fx.h"

#define LT_CHAIN_MAX 32

typedef struct lt_chain_unit {
    const lt_fx_def *def;
    float    params[LT_FX_MAX_PARAMS];
    float    mix;
    char     key[64];
    lt_fx_data data;
    float   *data_samples;       /* owned copy of the data, or NULL */
    void    *st;
    int      latency;
    float    max_reduction;      /* largest reduction() seen in the last run, dB */
    float   *dry;                /* ring of latency + LT_QUANTUM frames when mix < 1 */
    int      dry_len, dry_pos;
} lt_chain_unit;

typedef struct lt_chain {
    float         sr;
    int           n;
    lt_chain_unit u[LT_CHAIN_MAX];
} lt_chain;

void lt_chain_init(lt_chain *c, float sr);
/* Adds a unit with these parameter values (NULL: the defaults) and mix (ignored for LT_FX_NO_MIX
 * units).  data: interleaved samples for units with a data_field, else NULL.  -1 with err. */
int  lt_chain_add(lt_chain *c, const lt_fx_def *def, const float *params, float mix, const lt_fx_data *data,
                  char *err, size_t errlen);
int  lt_chain_latency(const lt_chain *c);
/* Runs `frames` stereo interleaved frames from in to out (they may be the same buffer), latency
 * removed; units are reset first, so every run starts from silence.  -1 with err if out of memory. */
int  lt_chain_run(lt_chain *c, const float *in, float *out, int64_t frames, char *err, size_t errlen);
void lt_chain_free(lt_chain *c);
#endif
