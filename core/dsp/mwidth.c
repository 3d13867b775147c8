/* mwidth.c — mastering stereo width with a mono-safe low end: mid/side, the side scaled by `width`,
 * and below `mono_below` the side removed so the bass is mono (vinyl cutting, club systems with a
 * mono sub, phones).  The split is a Linkwitz-Riley (4th-order) high-pass on the side, and the mid
 * passes the matching allpass, so above the split mid and side keep their phase relation and the
 * image does not smear (S. Linkwitz, JAES 1976; the LR high-pass and low-pass are in phase and sum
 * to that allpass).  With mono_below at 0 the split sits at 5 Hz: inaudible, and moving the parameter
 * from 0 never switches a filter in or out, so it glides without a click.
 * No latency.  Block sizes do not change the output except where a moving parameter is sampled per
 * block.  Thread: fx.h's contract.  RT-safe: yes. */
#include "dsp/fx_master.h"
#include "dsp/bq.h"
#include <math.h>
#include <string.h>

enum { WIDTH, MONO_BELOW, NPARAMS };

static const lt_fx_param params[NPARAMS] = {
    {"width", 0, 2, 1, "", 1, "side level: 0 = mono, 1 = as is, 2 = side doubled"},
    {"mono_below", 0, 500, 0, "Hz", 1, "the side is removed below this (Linkwitz-Riley 24 dB/octave); 0 = off"},
};

typedef struct mwidth {
    float       sr, p[NPARAMS], f;
    lt_bq       hp, ap;
    lt_bq_state zs[2], zm;
} mwidth;

static size_t mw_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return sizeof(mwidth); }

static void design(mwidth *s) {
    float f = s->p[MONO_BELOW] < 5 ? 5 : s->p[MONO_BELOW];
    if (f == s->f) return;
    s->f = f;
    s->hp = lt_bq_design(LT_BQ_HIGHPASS, s->sr, f, M_SQRT1_2, 0);
    s->ap = lt_bq_design(LT_BQ_ALLPASS, s->sr, f, M_SQRT1_2, 0);
}

static void mw_reset(void *st) {
    mwidth *s = st;
    memset(s->zs, 0, sizeof s->zs);
    memset(&s->zm, 0, sizeof s->zm);
}

static void mw_init(void *st, float sr, const float *p, const lt_fx_data *d) {
    (void)d;
    mwidth *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    memcpy(s->p, p, sizeof s->p);
    design(s);
}

static void mw_set(void *st, int i, float v) {
    mwidth *s = st;
    if (i < 0 || i >= NPARAMS) return;
    s->p[i] = v;
    design(s);
}

static void mw_process(void *st, const lt_fx_block *b) {
    mwidth *s = st;
    s->p[WIDTH] = b->p[WIDTH];
    if (b->p[MONO_BELOW] != s->p[MONO_BELOW]) { s->p[MONO_BELOW] = b->p[MONO_BELOW]; design(s); }
    for (int i = 0; i < b->n; i++) {
        double w = b->p[WIDTH] + b->dp[WIDTH] * i;
        double m = 0.5 * ((double)b->l[i] + b->r[i]), sd = 0.5 * ((double)b->l[i] - b->r[i]);
        sd = lt_bq_tick(&s->hp, &s->zs[1], lt_bq_tick(&s->hp, &s->zs[0], sd)) * w;
        m = lt_bq_tick(&s->ap, &s->zm, m);
        b->l[i] = (float)(m + sd);
        b->r[i] = (float)(m - sd);
    }
    /* NaN, infinities and denormals leave the feedback states once per block */
    lt_bq_state *z[3] = {&s->zs[0], &s->zs[1], &s->zm};
    for (int k = 0; k < 3; k++) {
        z[k]->z1 = lt_zapd(z[k]->z1);
        z[k]->z2 = lt_zapd(z[k]->z2);
    }
}

const lt_fx_def lt_fx_mwidth = {
    .name = "mwidth",
    .help = "mastering stereo width: side level, and mono below a frequency (phase-coherent split)",
    .example = "mwidth{ width = 1.15, mono_below = 120 }",
    .nparams = NPARAMS,
    .params = params,
    .mix_default = 1,
    .size = mw_size,
    .init = mw_init,
    .set = mw_set,
    .reset = mw_reset,
    .process = mw_process,
};
