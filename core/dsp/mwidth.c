/* mwidth.c — mastering stereo width with a mono-safe low end: mid/side, the side scaled by `width`,
 * and below `mono_below` the side removed so the bass is mono (vinyl cutting, club systems with a
 * mono sub, phones).  The split is a Linkwitz-Riley (4th-order) high-pass on the side, and the mid
 * passes the matching allpass, so above the split mid and side keep their phase relation and the
 * image does not smear (S. Linkwitz, JAES 1976; the LR high-pass and low-pass are in phase and sum
 * to that allpass).  With mono_below at 0 the split sits at 5 Hz: inaudible, and moving the parameter
 * from 0 never switches a filter in or out, so it glides without a click.  The sections are bq.h's
 * gliding state-variable filters in double (one design gives the high-pass and the allpass), made
 * every FX_GRID frames from the ramp and followed through its smoothers; the width follows its ramp
 * sample by sample.
 * No latency.  Block sizes never change the output.  Thread: fx.h's contract.  RT-safe: yes. */
#include "dsp/fx_master.h"
#include "dsp/bq.h"
#include "fx_common.h"
#include <math.h>
#include <string.h>

enum { WIDTH, MONO_BELOW, NPARAMS };

static const lt_fx_param params[NPARAMS] = {
    {"width", 0, 2, 1, "", 1, "side level: 0 = mono, 1 = as is, 2 = side doubled"},
    {"mono_below", 0, 500, 0, "Hz", 1, "the side is removed below this (Linkwitz-Riley 24 dB/octave); 0 = off"},
};

typedef struct mwidth {
    float        sr, p[NPARAMS], f;
    double       sa;                   /* smoother step fraction */
    int          grid;                 /* frames to the next design point */
    lt_svf_glide x;                    /* Butterworth at the split (g, k = sqrt 2) */
    double       zs[2][2], zm[2];      /* side high-pass (two sections), mid allpass */
} mwidth;

static size_t mw_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return sizeof(mwidth); }

static void design(mwidth *s, float mono_below) {
    float f = mono_below < 5 ? 5 : mono_below;
    s->p[MONO_BELOW] = mono_below;
    if (f == s->f) return;
    s->f = f;
    lt_bq c = lt_bq_design(LT_BQ_HIGHPASS, s->sr, f, M_SQRT1_2, 0);
    lt_svf_glide_set(&s->x, lt_bq_svf(&c));
}

static void mw_reset(void *st) {
    mwidth *s = st;
    memset(s->zs, 0, sizeof s->zs);
    memset(s->zm, 0, sizeof s->zm);
    lt_svf_glide_snap(&s->x);
    s->grid = 0;
}

static void mw_init(void *st, float sr, const float *p, const lt_fx_data *d) {
    (void)d;
    mwidth *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    s->sa = lt_svf_glide_coef(FX_SMOOTH_MS, sr);
    memcpy(s->p, p, sizeof s->p);
    design(s, p[MONO_BELOW]);
    mw_reset(s);
}

/* Both parameters are smoothed: a set() (a caller outside the engine) is a value to glide to. */
static void mw_set(void *st, int i, float v) {
    mwidth *s = st;
    if (i < 0 || i >= NPARAMS) return;
    if (i == MONO_BELOW) design(s, v);
    else s->p[i] = v;
}

static void mw_process(void *st, const lt_fx_block *b) {
    mwidth *s = st;
    const double k = M_SQRT2;
    s->p[WIDTH] = b->p[WIDTH];
    for (int i = 0; i < b->n; i++) {
        if (s->grid == 0) {
            design(s, fx_p(b, MONO_BELOW, i));
            s->grid = FX_GRID;
        }
        s->grid--;
        lt_svf_glide_step(&s->x, s->sa);
        double w = fx_p(b, WIDTH, i), bp, lp;
        double m = 0.5 * ((double)b->l[i] + b->r[i]), sd = 0.5 * ((double)b->l[i] - b->r[i]);
        lt_svf_tick(&s->x, s->zs[0], sd, &bp, &lp);
        sd = sd - k * bp - lp;
        lt_svf_tick(&s->x, s->zs[1], sd, &bp, &lp);
        sd = (sd - k * bp - lp) * w;
        lt_svf_tick(&s->x, s->zm, m, &bp, &lp);
        m -= 2 * k * bp;
        b->l[i] = (float)(m + sd);
        b->r[i] = (float)(m - sd);
    }
    /* NaN, infinities and denormals leave the feedback states once per block */
    for (int j = 0; j < 2; j++) {
        s->zs[0][j] = lt_zapd(s->zs[0][j]);
        s->zs[1][j] = lt_zapd(s->zs[1][j]);
        s->zm[j] = lt_zapd(s->zm[j]);
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
