/* fx_eq.c — the parametric EQ: up to 8 bands in series, each a bell, low or high shelf, low or high
 * cut (12, 24, 36 or 48 dB/oct), notch or band-pass.
 *
 * Each band's second-order sections are designed by eq_design.c to match their analog prototypes up
 * to Nyquist (no bilinear cramping) and run as trapezoidal state-variable filters (Zavalishin, "The Art
 * of VA Filter Design", ch. 4; the structure of core/dsp/svf.c) whose three outputs are mixed to give
 * any biquad's numerator (Simper, "Solving the continuous SVF equations using trapezoidal integration
 * and equivalent currents", Cytomic 2013, fig. "general biquad"): the mix of the band's design
 * H = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2) is
 *   g^2 = (1 + a1 + a2) / (1 - a1 + a2), k = 2 (1 - a2) / ((1 - a1 + a2) g), d = 1 + g k + g^2,
 *   hp d (b0 - b1 + b2) / 4 + bp d (b0 - b2) / (2 g) + lp d (b0 + b1 + b2) / (4 g^2).
 * The SVF keeps its states meaningful whatever its coefficients, so frequency, gain and Q glide
 * (designs on a grid of FX_GRID frames, coefficients through the 2 ms smoother of fx_common.h)
 * without the bumps a direct-form biquad makes when modulated.  Cuts steeper than 12 dB/oct are
 * Butterworth cascades; a 12 dB/oct cut takes the band's Q.
 *
 * A change of a band's type or slope (stepped) crossfades over 20 ms from the old filter to the new
 * one, both running; a change waits for a crossfade in progress.  Block lengths do not change the
 * output; reset returns to the first render.
 *
 * Parameters b<n>_type, b<n>_freq, b<n>_gain, b<n>_q, b<n>_slope for n = 1..8 (docs/effects.md gives
 * the Lua band notation that fills them). */
#include "fx_common.h"
#include "eq_design.h"

#define EQ_BANDS 8
#define EQ_SECS 4
#define EQ_FIELDS 5
#define EQ_FADE_S 0.020f

enum { F_TYPE, F_FREQ, F_GAIN, F_Q, F_SLOPE };

#define BAND(n, f) \
    { "b" #n "_type", 0.0f, 7.0f, 0.0f, "", 0, "band " #n ": 0 off, 1 bell, 2 low shelf, 3 high shelf, " \
      "4 low cut, 5 high cut, 6 notch, 7 band-pass" }, \
    { "b" #n "_freq", 20.0f, 20000.0f, f, "Hz", 1, "band " #n " frequency" }, \
    { "b" #n "_gain", -24.0f, 24.0f, 0.0f, "dB", 1, "band " #n " gain (bell and shelves)" }, \
    { "b" #n "_q", 0.1f, 18.0f, 0.70710678f, "", 1, "band " #n " Q (bell, shelves, notch, band-pass, 12 dB/oct cuts)" }, \
    { "b" #n "_slope", 12.0f, 48.0f, 12.0f, "dB/oct", 0, "band " #n " cut slope: 12, 24, 36 or 48" }

static const lt_fx_param eq_params[EQ_BANDS * EQ_FIELDS] = {
    BAND(1, 40.0f), BAND(2, 100.0f), BAND(3, 250.0f), BAND(4, 630.0f),
    BAND(5, 1600.0f), BAND(6, 4000.0f), BAND(7, 8000.0f), BAND(8, 16000.0f),
};

typedef struct eq_sec {
    fx_smooth g, k, c0, c1, c2;      /* what runs, following the design */
    float a1, a2, a3;                /* the design's SVF gains (used when steady) */
    float s1[2], s2[2];
} eq_sec;

typedef struct eq_slot {
    int    type, n;                  /* n sections; type LT_EQ_OFF (n = 0) passes the signal */
    eq_sec sec[EQ_SECS];
} eq_slot;

typedef struct eq_band {
    eq_slot slot[2];
    int     cur;                     /* slot[cur] is the band; slot[1 - cur] the one fading out */
    int     fpos;                    /* frames into a crossfade (0: none) */
    int     type, slope, pend_type, pend_slope;
    float   dfreq, dgain, dq;        /* what slot[cur] was designed for */
} eq_band;

typedef struct eq_st {
    float      sr, sa;
    int        fade, grid;
    lt_eq_grid fit;
    eq_band    band[EQ_BANDS];
} eq_st;

static size_t eq_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(eq_st); }

static int eq_type(float v)
{
    int t = (int)floorf(v + 0.5f);
    return t < 0 ? 0 : t >= LT_EQ_NTYPES ? LT_EQ_NTYPES - 1 : t;
}

static int eq_slope(float v)
{
    int s = 12 * (int)floorf(v / 12.0f + 0.5f);
    return s < 12 ? 12 : s > 48 ? 48 : s;
}

/* A biquad as SVF gains and output mix. */
static void sec_targets(eq_sec *s, const lt_biquad *q)
{
    double P = 1 + q->a1 + q->a2, M = 1 - q->a1 + q->a2, g, k, d, mhp, mbp, mlp;
    if (!(P > 1e-300) || !(M > 1e-300)) {     /* not a stable design: pass the signal */
        g = 0.1, k = 1.4142135623731, mhp = 1, mbp = k, mlp = 1;
    } else {
        g = sqrt(P / M);
        k = 2 * (1 - q->a2) / (M * g);
        d = 4 / M;
        mhp = d * (q->b0 - q->b1 + q->b2) / 4;
        mbp = d * (q->b0 - q->b2) / (2 * g);
        mlp = d * (q->b0 + q->b1 + q->b2) / (4 * g * g);
    }
    s->g.tgt = (float)g;
    s->k.tgt = (float)k;
    s->c0.tgt = (float)mhp;
    s->c1.tgt = (float)(mbp - mhp * k);
    s->c2.tgt = (float)(mlp - mhp);
    {
        double a1 = 1 / (1 + g * (g + k));
        s->a1 = (float)a1;
        s->a2 = (float)(g * a1);
        s->a3 = (float)(g * g * a1);
    }
}

static void sec_snap(eq_sec *s)
{
    fx_smooth_init(&s->g, s->g.tgt);
    fx_smooth_init(&s->k, s->k.tgt);
    fx_smooth_init(&s->c0, s->c0.tgt);
    fx_smooth_init(&s->c1, s->c1.tgt);
    fx_smooth_init(&s->c2, s->c2.tgt);
}

/* (Re)designs the band's current slot for its type and slope at these values. */
static void band_design(eq_st *e, eq_band *b, float freq, float gain, float q)
{
    eq_slot *sl = &b->slot[b->cur];
    int k, cut = b->type == LT_EQ_LOWCUT || b->type == LT_EQ_HIGHCUT;
    double hz = freq < 0.49f * e->sr ? freq : 0.49f * e->sr;
    sl->type = b->type;
    sl->n = b->type == LT_EQ_OFF ? 0 : cut ? b->slope / 12 : 1;
    for (k = 0; k < sl->n; k++) {
        double qk = (cut && sl->n > 1) ? lt_eq_butterworth_q(sl->n, k) : q;
        lt_biquad bq = lt_eq_design(&e->fit, b->type, hz, gain, qk);
        sec_targets(&sl->sec[k], &bq);
    }
    b->dfreq = freq;
    b->dgain = gain;
    b->dq = q;
}

static void eq_reset(void *st)
{
    eq_st *e = st;
    int i, j, k;
    for (i = 0; i < EQ_BANDS; i++) {
        eq_band *b = &e->band[i];
        if (b->pend_type >= 0) b->type = b->pend_type;
        if (b->pend_slope >= 0) b->slope = b->pend_slope;
        b->pend_type = b->pend_slope = -1;
        b->fpos = 0;
        band_design(e, b, b->dfreq, b->dgain, b->dq);
        for (j = 0; j < 2; j++)
            for (k = 0; k < EQ_SECS; k++) {
                eq_sec *s = &b->slot[j].sec[k];
                s->s1[0] = s->s1[1] = s->s2[0] = s->s2[1] = 0;
                sec_snap(s);
            }
        b->slot[1 - b->cur].type = LT_EQ_OFF;
        b->slot[1 - b->cur].n = 0;
    }
    e->grid = 0;
}

static void eq_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    eq_st *e = st;
    int i;
    (void)data;
    e->sr = sr;
    e->sa = fx_smooth_coef(sr);
    e->fade = (int)(EQ_FADE_S * sr);
    lt_eq_grid_init(&e->fit, sr);
    for (i = 0; i < EQ_BANDS; i++) {
        eq_band *b = &e->band[i];
        const float *q = p + i * EQ_FIELDS;
        memset(b, 0, sizeof *b);
        b->type = eq_type(q[F_TYPE]);
        b->slope = eq_slope(q[F_SLOPE]);
        b->pend_type = b->pend_slope = -1;
        b->dfreq = q[F_FREQ];
        b->dgain = q[F_GAIN];
        b->dq = q[F_Q];
    }
    eq_reset(st);
}

static void eq_set(void *st, int k, float v)
{
    eq_st *e = st;
    eq_band *b;
    if (k < 0 || k >= EQ_BANDS * EQ_FIELDS) return;
    b = &e->band[k / EQ_FIELDS];
    if (k % EQ_FIELDS == F_TYPE) b->pend_type = eq_type(v);
    else if (k % EQ_FIELDS == F_SLOPE) b->pend_slope = eq_slope(v);
}

/* One frame of a slot, both channels, in place. */
static inline void slot_run(eq_slot *sl, float sa, float *x0, float *x1)
{
    int k;
    for (k = 0; k < sl->n; k++) {
        eq_sec *s = &sl->sec[k];
        float g = fx_smooth_next(&s->g, sa), kk = fx_smooth_next(&s->k, sa);
        float c0 = fx_smooth_next(&s->c0, sa), c1 = fx_smooth_next(&s->c1, sa), c2 = fx_smooth_next(&s->c2, sa);
        float a1 = s->a1, a2 = s->a2, a3 = s->a3, v1, v2, v3;
        if (g != s->g.tgt || kk != s->k.tgt) {
            a1 = 1.0f / (1.0f + g * (g + kk));
            a2 = g * a1;
            a3 = g * a2;
        }
        v3 = *x0 - s->s2[0];
        v1 = a1 * s->s1[0] + a2 * v3;
        v2 = s->s2[0] + a2 * s->s1[0] + a3 * v3;
        s->s1[0] = 2.0f * v1 - s->s1[0];
        s->s2[0] = 2.0f * v2 - s->s2[0];
        *x0 = c0 * *x0 + c1 * v1 + c2 * v2;
        v3 = *x1 - s->s2[1];
        v1 = a1 * s->s1[1] + a2 * v3;
        v2 = s->s2[1] + a2 * s->s1[1] + a3 * v3;
        s->s1[1] = 2.0f * v1 - s->s1[1];
        s->s2[1] = 2.0f * v2 - s->s2[1];
        *x1 = c0 * *x1 + c1 * v1 + c2 * v2;
    }
}

/* A stepped change: the current slot starts fading out, a fresh one (new type/slope) fades in. */
static void band_switch(eq_st *e, eq_band *b, float freq, float gain, float q)
{
    eq_slot *fresh;
    int k;
    b->cur = 1 - b->cur;
    if (b->pend_type >= 0) b->type = b->pend_type;
    if (b->pend_slope >= 0) b->slope = b->pend_slope;
    b->pend_type = b->pend_slope = -1;
    band_design(e, b, freq, gain, q);
    fresh = &b->slot[b->cur];
    for (k = 0; k < EQ_SECS; k++) {
        eq_sec *s = &fresh->sec[k];
        s->s1[0] = s->s1[1] = s->s2[0] = s->s2[1] = 0;
        sec_snap(s);
    }
    b->fpos = 1;
}

static void eq_process(void *st, const lt_fx_block *blk)
{
    eq_st *e = st;
    int i, j, k;
    for (i = 0; i < blk->n; i++) {
        float l = blk->l[i], r = blk->r[i];
        if (e->grid == 0) {
            for (j = 0; j < EQ_BANDS; j++) {
                eq_band *b = &e->band[j];
                float f = fx_p(blk, j * EQ_FIELDS + F_FREQ, i), g = fx_p(blk, j * EQ_FIELDS + F_GAIN, i);
                float q = fx_p(blk, j * EQ_FIELDS + F_Q, i);
                if (b->fpos == 0 && ((b->pend_type >= 0 && b->pend_type != b->type) ||
                                     (b->pend_slope >= 0 && b->pend_slope != b->slope)))
                    band_switch(e, b, f, g, q);
                else if (b->fpos == 0) b->pend_type = b->pend_slope = -1;
                if (b->type != LT_EQ_OFF && (f != b->dfreq || g != b->dgain || q != b->dq)) band_design(e, b, f, g, q);
                else if (b->type == LT_EQ_OFF) b->dfreq = f, b->dgain = g, b->dq = q;
            }
            e->grid = FX_GRID;
        }
        e->grid--;
        for (j = 0; j < EQ_BANDS; j++) {
            eq_band *b = &e->band[j];
            if (b->fpos) {
                float ol = l, orr = r, w = fx_xfade_w(b->fpos, e->fade);
                slot_run(&b->slot[1 - b->cur], e->sa, &ol, &orr);
                slot_run(&b->slot[b->cur], e->sa, &l, &r);
                l = ol + w * (l - ol);
                r = orr + w * (r - orr);
                if (++b->fpos > e->fade) {
                    b->fpos = 0;
                    b->slot[1 - b->cur].n = 0;
                    b->slot[1 - b->cur].type = LT_EQ_OFF;
                }
            } else if (b->slot[b->cur].n) slot_run(&b->slot[b->cur], e->sa, &l, &r);
        }
        blk->l[i] = l;
        blk->r[i] = r;
    }
    for (j = 0; j < EQ_BANDS; j++)
        for (i = 0; i < 2; i++)
            for (k = 0; k < EQ_SECS; k++) {
                eq_sec *s = &e->band[j].slot[i].sec[k];
                s->s1[0] = fx_zap(s->s1[0]), s->s1[1] = fx_zap(s->s1[1]);
                s->s2[0] = fx_zap(s->s2[0]), s->s2[1] = fx_zap(s->s2[1]);
            }
}

const lt_fx_def lt_fx_eq = {
    "eq", "parametric EQ: up to 8 bands (bell, shelves, cuts to 48 dB/oct, notch, band-pass), no cramping",
    "eq{ { \"hp\", 35 }, { \"bell\", 120, -3, 1.2 }, { \"hs\", 8000, 2 } }",
    EQ_BANDS * EQ_FIELDS, eq_params, 0, 1.0f, NULL,
    eq_size, eq_init, eq_set, eq_reset, eq_process, NULL, NULL, NULL,
};
