/* vops.c — the list of every voice op (vop.h), in one fixed order: the order help("units") lists
 * them in; and the choice of instruction set for their kernels.  A new unit adds its def here. */
#include <stdlib.h>
#include <string.h>
#include "graph/vop.h"
#include "dsp/vops_defs.h"

/* Each family file exports its defs; declare them here as they are added. */

const lt_vop_def *const lt_vop_defs[] = {
    &lt_vop_saw, &lt_vop_square, &lt_vop_tri, &lt_vop_sine, &lt_vop_sub, &lt_vop_sync, &lt_vop_fm,
    &lt_vop_noise, &lt_vop_pink, &lt_vop_wavetable,
    &lt_vop_lpf, &lt_vop_hpf, &lt_vop_bpf, &lt_vop_notch, &lt_vop_ladder, &lt_vop_onepole, &lt_vop_comb,
    &lt_vop_formant,
    &lt_vop_adsr, &lt_vop_env, &lt_vop_ar, &lt_vop_lfo, &lt_vop_slew, &lt_vop_sah,
    &lt_vop_add, &lt_vop_subtract, &lt_vop_mul, &lt_vop_div, &lt_vop_neg, &lt_vop_pan, &lt_vop_vca,
    &lt_vop_abs, &lt_vop_clip, &lt_vop_tanh, &lt_vop_min, &lt_vop_max, &lt_vop_select, &lt_vop_db,
    &lt_vop_midi_to_hz,
    &lt_vop_saw_lpf, &lt_vop_vca_pan, &lt_vop_saw_lpf_pan,
    NULL
};
const int lt_vop_count = (int)(sizeof lt_vop_defs / sizeof lt_vop_defs[0]) - 1;

const lt_vop_def *lt_vop_find(const char *name) {
    for (int i = 0; i < lt_vop_count; i++)
        if (strcmp(lt_vop_defs[i]->name, name) == 0) return lt_vop_defs[i];
    return NULL;
}

static int isa = -1;

/* AVX2 when the CPU has it, unless forced; a forced AVX2 on a CPU without it falls back to SSE2
 * (the caller reads back what it got, as sokol's saudio_desc does). */
int lt_isa_select(const char *force) {
    if (!force) force = getenv("LUTE_ISA");
    int have_avx2 = __builtin_cpu_supports("avx2");
    if (force && strcmp(force, "sse2") == 0) isa = LT_ISA_SSE2;
    else if (force && strcmp(force, "avx2") == 0) isa = have_avx2 ? LT_ISA_AVX2 : LT_ISA_SSE2;
    else isa = have_avx2 ? LT_ISA_AVX2 : LT_ISA_SSE2;
    return isa;
}

int lt_isa(void) {
    if (isa < 0) lt_isa_select(NULL);
    return isa;
}

const char *lt_isa_name(int i) { return i == LT_ISA_AVX2 ? "avx2" : "sse2"; }
