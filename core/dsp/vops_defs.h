/* vops_defs.h — every voice op definition (vop.h), one object per unit, defined in the family files
 * vops_osc.c, vops_filter.c, vops_env.c, vops_util.c and listed in order by vops.c.
 * Thread: any (constant data).  RT-safe: yes. */
#ifndef LT_DSP_VOPS_DEFS_H
#define LT_DSP_VOPS_DEFS_H
#include <stdint.h>
#include "graph/vop.h"

/* sources */
extern const lt_vop_def lt_vop_saw, lt_vop_square, lt_vop_tri, lt_vop_sine, lt_vop_noise, lt_vop_pink,
    lt_vop_wavetable, lt_vop_fm, lt_vop_sub, lt_vop_sync;
/* filters */
extern const lt_vop_def lt_vop_lpf, lt_vop_hpf, lt_vop_bpf, lt_vop_notch, lt_vop_ladder, lt_vop_onepole,
    lt_vop_comb, lt_vop_formant;
/* envelopes and modulators */
extern const lt_vop_def lt_vop_adsr, lt_vop_env, lt_vop_ar, lt_vop_lfo, lt_vop_slew, lt_vop_sah;
/* utilities */
extern const lt_vop_def lt_vop_add, lt_vop_subtract, lt_vop_mul, lt_vop_div, lt_vop_neg, lt_vop_pan,
    lt_vop_vca, lt_vop_abs, lt_vop_clip, lt_vop_tanh, lt_vop_min, lt_vop_max, lt_vop_select, lt_vop_db,
    lt_vop_midi_to_hz;
/* fused chains (the compiler's; not for Lua) */
extern const lt_vop_def lt_vop_saw_lpf, lt_vop_vca_pan, lt_vop_saw_lpf_pan;

/* A well-spread nonzero 32-bit state from a voice's seed.  Thread: any.  RT-safe: yes. */
uint32_t lt_vop_seed_mix(uint32_t x);
#endif
