/* fx_registry.c — the list of every mix-side processor (fx.h), in one fixed order: the order help()
 * lists them in.  A new unit adds its def here and nowhere else. */
#include <string.h>
#include "graph/fx.h"
#include "dsp/fx_master.h"

/* Each family file exports its defs; declare them here as they are added. */
extern const lt_fx_def lt_fx_gain, lt_fx_polarity, lt_fx_mono, lt_fx_swap, lt_fx_width, lt_fx_dcblock,
    lt_fx_delay_samples, lt_fx_delay_ms;                                          /* fx_util.c */
extern const lt_fx_def lt_fx_delay;                                                /* fx_delay.c */
extern const lt_fx_def lt_fx_reverb;                                               /* fx_reverb.c */
extern const lt_fx_def lt_fx_convolve;                                             /* fx_convolve.c */
extern const lt_fx_def lt_fx_chorus, lt_fx_flanger, lt_fx_phaser, lt_fx_tremolo, lt_fx_autopan,
    lt_fx_ringmod;                                                                 /* fx_mod.c */
extern const lt_fx_def lt_fx_lpf, lt_fx_hpf, lt_fx_bpf;                            /* fx_filter.c */
extern const lt_fx_def lt_fx_drive, lt_fx_dist, lt_fx_shape, lt_fx_sat, lt_fx_crush;  /* fx_sat.c */
extern const lt_fx_def lt_fx_comp, lt_fx_duck, lt_fx_gate, lt_fx_expander, lt_fx_deess,
    lt_fx_transient;                                                               /* fx_dyn.c */
extern const lt_fx_def lt_fx_eq;                                                   /* fx_eq.c */

const lt_fx_def *const lt_fx_defs[] = {
    &lt_fx_gain, &lt_fx_polarity, &lt_fx_mono, &lt_fx_swap, &lt_fx_width, &lt_fx_dcblock,
    &lt_fx_delay, &lt_fx_reverb, &lt_fx_convolve, &lt_fx_chorus, &lt_fx_flanger, &lt_fx_phaser, &lt_fx_tremolo, &lt_fx_autopan,
    &lt_fx_ringmod, &lt_fx_lpf, &lt_fx_hpf, &lt_fx_bpf, &lt_fx_drive, &lt_fx_dist, &lt_fx_shape,
    &lt_fx_sat, &lt_fx_crush, &lt_fx_comp, &lt_fx_duck, &lt_fx_gate, &lt_fx_expander, &lt_fx_deess,
    &lt_fx_transient, &lt_fx_eq,
    &lt_fx_delay_samples, &lt_fx_delay_ms,
    &lt_fx_lineq, &lt_fx_mineq, &lt_fx_mbcomp, &lt_fx_softclip, &lt_fx_mwidth, &lt_fx_limiter,   /* mastering */
    NULL
};
const int lt_fx_count = (int)(sizeof lt_fx_defs / sizeof lt_fx_defs[0]) - 1;

const lt_fx_def *lt_fx_find(const char *name) {
    for (int i = 0; i < lt_fx_count; i++)
        if (strcmp(lt_fx_defs[i]->name, name) == 0) return lt_fx_defs[i];
    return NULL;
}

int lt_fx_param_index(const lt_fx_def *d, const char *name) {
    for (int i = 0; i < d->nparams; i++)
        if (strcmp(d->params[i].name, name) == 0) return i;
    return -1;
}
