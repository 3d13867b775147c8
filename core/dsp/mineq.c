/* mineq.c — the minimum-phase mastering EQ: the band layout of eqbands.h as a cascade of
 * second-order sections, no latency.  Peaks are Vicanek's matched design (their shape holds up to
 * Nyquist instead of cramping as bilinear peaks do); shelves and cuts are the cookbook's bilinear
 * designs, prewarped at their frequency (a high shelf or cut close to Nyquist bends a little: use
 * lineq where that matters).
 *
 * Every band has its sections whether it is on or not (two for each cut, one for each shelf and
 * peak), run as bq.h's gliding state-variable sections in double: a band that is off (a cut at 0, a
 * shelf or peak at 0 dB, a frequency past 0.49 of the rate) is its design with the mix of an identity,
 * so switching it on or off glides like any other change, and a steady identity is skipped.  Designs
 * are made from the parameters' ramps every FX_GRID frames counted from the instance's start, only
 * when a band's values moved, and the coefficients follow them through bq.h's two-stage smoothers
 * (about FX_SMOOTH_MS, fx_common.h): a gain, frequency or Q glides without a click, and the block
 * lengths never change the output.  The one discontinuity is the parameters' own: a high cut leaving
 * 0 (off) starts at the low frequency its ramp is at, which the smoothers turn into a quick fade to
 * that low-pass, not a step.
 * Thread: fx.h's contract.  RT-safe: process, set, reset — yes. */
#include "dsp/fx_master.h"
#include "dsp/eqbands.h"
#include "fx_common.h"
#include <string.h>

/* The two quality factors of a 4th-order Butterworth (as eqbands.c). */
#define BW4_Q1 0.54119610
#define BW4_Q2 1.30656296

enum { S_LC1, S_LC2, S_LS, S_P1, S_HS = S_P1 + 4, S_HC1, S_HC2, NSEC };
enum { B_LC, B_LS, B_P1, B_HS = B_P1 + 4, B_HC, NBAND };

/* The parameters each band is designed from (-1: none). */
static const int band_params[NBAND][3] = {
    {LT_EQ_LOWCUT, -1, -1},
    {LT_EQ_LOW_FREQ, LT_EQ_LOW_GAIN, LT_EQ_LOW_Q},
    {LT_EQ_P1_FREQ, LT_EQ_P1_GAIN, LT_EQ_P1_Q},
    {LT_EQ_P2_FREQ, LT_EQ_P2_GAIN, LT_EQ_P2_Q},
    {LT_EQ_P3_FREQ, LT_EQ_P3_GAIN, LT_EQ_P3_Q},
    {LT_EQ_P4_FREQ, LT_EQ_P4_GAIN, LT_EQ_P4_Q},
    {LT_EQ_HIGH_FREQ, LT_EQ_HIGH_GAIN, LT_EQ_HIGH_Q},
    {LT_EQ_HIGHCUT, -1, -1},
};

typedef struct mineq {
    float        sr;
    double       sa;                   /* smoother step fraction */
    int          grid;                 /* frames to the next design point */
    float        p[LT_EQ_NPARAMS];     /* the values the sections are designed for */
    lt_svf_glide sec[NSEC];
    double       z[NSEC][2][2];        /* [section][channel][state] */
    uint8_t      asleep[NSEC];         /* skipped as an identity (its states zeroed) */
} mineq;

static size_t mq_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return sizeof(mineq); }

static lt_svf_co with_identity_mix(lt_svf_co c) {
    c.m0 = 1;
    c.m1 = c.m2 = 0;
    return c;
}

/* The sections of band b for the values p (as lt_eq_sections lays them out, plus the off state). */
static void design_band(mineq *s, int b, const float *p) {
    double sr = s->sr, nyq = 0.49 * sr;
    lt_bq c;
    switch (b) {
    case B_LC: {
        /* off is the limit of a cut going down to 0 Hz: the 1 Hz design with an identity mix */
        double f = p[LT_EQ_LOWCUT];
        int on = f > 0;
        for (int k = 0; k < 2; k++) {
            c = lt_bq_design(LT_BQ_HIGHPASS, sr, on ? f : 1, k ? BW4_Q2 : BW4_Q1, 0);
            lt_svf_co co = lt_bq_svf(&c);
            lt_svf_glide_set(&s->sec[S_LC1 + k], on ? co : with_identity_mix(co));
        }
        break;
    }
    case B_HC: {
        /* off (0, or at or past 0.49 of the rate) is the design at 0.49 of the rate with an identity mix:
         * what a cut gliding up to the top becomes */
        double f = p[LT_EQ_HIGHCUT];
        int on = f > 0 && f < nyq;
        for (int k = 0; k < 2; k++) {
            c = lt_bq_design(LT_BQ_LOWPASS, sr, on ? f : nyq, k ? BW4_Q2 : BW4_Q1, 0);
            lt_svf_co co = lt_bq_svf(&c);
            lt_svf_glide_set(&s->sec[S_HC1 + k], on ? co : with_identity_mix(co));
        }
        break;
    }
    case B_LS:
    case B_HS: {
        const int *bp = band_params[b];
        double f = p[bp[0]], gain = p[bp[1]], q = p[bp[2]];
        int on = gain != 0 && (b == B_LS || f < nyq);
        c = lt_bq_design(b == B_LS ? LT_BQ_LOWSHELF : LT_BQ_HIGHSHELF, sr, f < nyq ? f : nyq, q, on ? gain : 0);
        lt_svf_co co = lt_bq_svf(&c);
        lt_svf_glide_set(&s->sec[b == B_LS ? S_LS : S_HS], on ? co : with_identity_mix(co));
        break;
    }
    default: {
        const int *bp = band_params[b];
        double f = p[bp[0]], gain = p[bp[1]], q = p[bp[2]];
        int on = gain != 0 && f < nyq;
        c = lt_bq_peak_matched(sr, f < nyq ? f : nyq, q, on ? gain : 0);
        lt_svf_co co = lt_bq_svf(&c);
        lt_svf_glide_set(&s->sec[S_P1 + b - B_P1], on ? co : with_identity_mix(co));
        break;
    }
    }
}

/* Designs the bands whose values differ from the ones designed (all of them when `all`). */
static void design(mineq *s, const float *p, int all) {
    for (int b = 0; b < NBAND; b++) {
        const int *bp = band_params[b];
        int moved = all;
        for (int j = 0; j < 3; j++)
            if (bp[j] >= 0 && p[bp[j]] != s->p[bp[j]]) moved = 1;
        if (!moved) continue;
        for (int j = 0; j < 3; j++)
            if (bp[j] >= 0) s->p[bp[j]] = p[bp[j]];
        design_band(s, b, s->p);
    }
}

static void mq_reset(void *st) {
    mineq *s = st;
    memset(s->z, 0, sizeof s->z);
    memset(s->asleep, 0, sizeof s->asleep);
    for (int i = 0; i < NSEC; i++) lt_svf_glide_snap(&s->sec[i]);
    s->grid = 0;
}

static void mq_init(void *st, float sr, const float *p, const lt_fx_data *d) {
    (void)d;
    mineq *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    s->sa = lt_svf_glide_coef(FX_SMOOTH_MS, sr);
    memcpy(s->p, p, sizeof s->p);
    design(s, p, 1);
    mq_reset(s);
}

/* Every parameter is smoothed: a set() (a caller outside the engine) is a design to glide to. */
static void mq_set(void *st, int i, float v) {
    mineq *s = st;
    if (i < 0 || i >= LT_EQ_NPARAMS) return;
    float p[LT_EQ_NPARAMS];
    memcpy(p, s->p, sizeof p);
    p[i] = v;
    design(s, p, 0);
}

static void mq_process(void *st, const lt_fx_block *b) {
    mineq *s = st;
    int moving = 0;
    for (int k = 0; k < LT_EQ_NPARAMS; k++) moving |= b->dp[k] != 0.0f;
    if (!moving && memcmp(s->p, b->p, sizeof s->p) == 0) {
        /* nothing to design in this block: if every section sleeps, only the grid moves on */
        int awake = 0;
        for (int k = 0; k < NSEC; k++) awake |= !s->asleep[k];
        if (!awake) {
            s->grid = ((s->grid - b->n) % FX_GRID + FX_GRID) % FX_GRID;
            return;
        }
    }
    for (int i = 0; i < b->n; i++) {
        if (s->grid == 0) {
            /* the values at this frame; the steady case compares the block's values (no ramp) */
            if (moving) {
                float p[LT_EQ_NPARAMS];
                for (int k = 0; k < LT_EQ_NPARAMS; k++) p[k] = fx_p(b, k, i);
                design(s, p, 0);
            } else design(s, b->p, 0);
            s->grid = FX_GRID;
        }
        s->grid--;
        double x0 = b->l[i], x1 = b->r[i];
        for (int k = 0; k < NSEC; k++) {
            lt_svf_glide *c = &s->sec[k];
            if (lt_svf_glide_identity(c)) {
                if (!s->asleep[k]) memset(s->z[k], 0, sizeof s->z[k]);
                s->asleep[k] = 1;
                continue;
            }
            if (s->asleep[k]) lt_svf_glide_wake(c);
            s->asleep[k] = 0;
            lt_svf_glide_step(c, s->sa);
            x0 = lt_svf_glide_tick(c, s->z[k][0], x0);
            x1 = lt_svf_glide_tick(c, s->z[k][1], x1);
        }
        b->l[i] = (float)x0;
        b->r[i] = (float)x1;
    }
    /* NaN, infinities and denormals leave the states once per block */
    for (int k = 0; k < NSEC; k++)
        for (int ch = 0; ch < 2; ch++)
            for (int j = 0; j < 2; j++) s->z[k][ch][j] = lt_zapd(s->z[k][ch][j]);
}

const lt_fx_def lt_fx_mineq = {
    .name = "mineq",
    .help = "minimum-phase mastering EQ: low cut, low shelf, four peaks, high shelf, high cut (no latency)",
    .example = "mineq{ lowcut = 25, low_gain = 1.5, p3_freq = 3500, p3_gain = -1, high_gain = 1 }",
    .nparams = LT_EQ_NPARAMS,
    .params = lt_eq_params,
    .mix_default = 1,
    .size = mq_size,
    .init = mq_init,
    .set = mq_set,
    .reset = mq_reset,
    .process = mq_process,
};
