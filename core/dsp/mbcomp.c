/* mbcomp.c — four-band compressor for the master.  The bands come from Linkwitz-Riley crossovers
 * (4th order: two cascaded 2nd-order Butterworth sections; S. Linkwitz, "Active crossover networks
 * for noncoincident drivers", JAES 24(1), 1976) arranged as a tree with allpass compensation so the
 * four bands add up to an allpass: the unit at ratio 1 and 0 dB band gains changes no magnitude
 * (tests/c/test_master_fx.c measures the sum flat).  The split at the middle crossover comes first;
 * the low branch then passes the high crossover's allpass and the high branch the low crossover's, so
 * every band carries the same three allpass phases (D. Self, "The Design of Active Crossovers").
 *
 * Each band has a feed-forward compressor, stereo-linked on the louder channel, after D. Giannoulis,
 * M. Massberg and J. D. Reiss, "Digital Dynamic Range Compressor Design — A Tutorial and Analysis",
 * JAES 60(6), 2012: a level detector (instant rise, a fall slow enough to bridge the band's lowest
 * periods: 80, 30, 15 and 10 ms from the low band up, so a steady tone reads steady), a soft-knee gain
 * computer in dB, and a smooth branching detector on the gain (attack when the gain falls, release
 * when it recovers).  Then the band's gain and the output gain.
 *
 * The crossover sections run as bq.h's gliding state-variable filters in double (one SVF gives a
 * crossover's low-pass and high-pass, its band-pass the allpass): the same transfer functions as
 * the cookbook's Butterworth sections, but a crossover frequency can glide without the bumps a
 * modulated direct form makes.  Crossovers are designed every FX_GRID frames from the parameters'
 * ramps and their coefficients follow through bq.h's smoothers; thresholds, ratios, the knee and the
 * gains follow their ramps sample by sample, attack and release are taken on the same grid.  NaN,
 * infinities and denormals leave the filter and detector states once per block.
 *
 * No latency.  Block sizes never change the output.  Thread: fx.h's contract.  RT-safe: process,
 * set, reset — yes. */
#include "dsp/fx_master.h"
#include "dsp/bq.h"
#include "fx_common.h"
#include <math.h>
#include <string.h>

enum { XLOW, XMID, XHIGH, BAND0 = 3, PER_BAND = 5, KNEE = BAND0 + 4 * PER_BAND, OUTPUT, NPARAMS };
enum { THR, RATIO, ATTACK, RELEASE, GAIN };

#define BAND_PARAMS(b, atk, rel, thr)                                                                       \
    {b "_thr", -60, 0, thr, "dB", 1, b " band: threshold"},                                                 \
    {b "_ratio", 1, 20, 2, "", 1, b " band: ratio (1 = no compression)"},                                   \
    {b "_attack", 0.1f, 300, atk, "ms", 1, b " band: attack"},                                              \
    {b "_release", 5, 3000, rel, "ms", 1, b " band: release"},                                              \
    {b "_gain", -24, 24, 0, "dB", 1, b " band: gain after compression"}

static const lt_fx_param params[NPARAMS] = {
    {"xlow", 20, 1000, 120, "Hz", 1, "crossover between the low and low-mid bands"},
    {"xmid", 100, 8000, 1000, "Hz", 1, "crossover between the low-mid and high-mid bands"},
    {"xhigh", 1000, 18000, 6000, "Hz", 1, "crossover between the high-mid and high bands"},
    BAND_PARAMS("low", 30, 300, -18),
    BAND_PARAMS("lomid", 15, 200, -18),
    BAND_PARAMS("himid", 8, 150, -18),
    BAND_PARAMS("high", 5, 100, -18),
    {"knee", 0, 24, 6, "dB", 1, "width of the soft knee around each threshold"},
    {"output", -24, 24, 0, "dB", 1, "gain after the bands are summed"},
};

/* The SVFs of one channel: the middle split (A gives the first low-pass and high-pass, B and C the
 * second ones), the allpasses that keep the branches in phase (D: xhigh's on the low branch, E:
 * xlow's on the high branch), and the low and high splits (F, G, H at xlow; I, J, K at xhigh). */
enum { SA, SB, SC, SD, SE, SF, SG, SH, SI, SJ, SK, NSVF };

typedef struct mbcomp {
    float        sr;
    double       sa;                   /* smoother step fraction */
    int          grid;                 /* frames to the next design point */
    float        p[NPARAMS];           /* the values crossovers and times were made for */
    float        fx[3];                /* the crossover frequencies designed */
    lt_svf_glide x[3];                 /* the crossovers (g, k = sqrt 2; the mix is not used) */
    double       z[2][NSVF][2];        /* [channel][svf][state] */
    double       g[4];                 /* smoothed gain (dB, <= 0) per band */
    double       lvl[4], lvl_fall[4];  /* level detector per band */
    double       atk[4], rel[4];
    float        band_max_gr;
} mbcomp;

static size_t mb_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return sizeof(mbcomp); }

static void crossovers(mbcomp *s) {
    float f0 = s->p[XLOW], f1 = s->p[XMID], f2 = s->p[XHIGH], top = 0.45f * s->sr;
    /* keep them ordered and apart (a quarter octave) whatever the user sets */
    if (f2 > top) f2 = top;
    if (f1 > f2 / 1.19f) f1 = f2 / 1.19f;
    if (f0 > f1 / 1.19f) f0 = f1 / 1.19f;
    float f[3] = {f0, f1, f2};
    for (int k = 0; k < 3; k++) {
        if (f[k] == s->fx[k]) continue;
        s->fx[k] = f[k];
        lt_bq c = lt_bq_design(LT_BQ_LOWPASS, s->sr, f[k], M_SQRT1_2, 0);
        lt_svf_glide_set(&s->x[k], lt_bq_svf(&c));
    }
}

static void times(mbcomp *s) {
    static const double fall_ms[4] = {80, 30, 15, 10};
    for (int b = 0; b < 4; b++) {
        s->lvl_fall[b] = exp(-1.0 / (fall_ms[b] / 1000.0 * s->sr));
        const float *bp = s->p + BAND0 + b * PER_BAND;
        s->atk[b] = exp(-1.0 / (bp[ATTACK] / 1000.0 * s->sr));
        s->rel[b] = exp(-1.0 / (bp[RELEASE] / 1000.0 * s->sr));
    }
}

/* Takes the values p: new crossover designs (they glide) and time constants where they moved. */
static void update(mbcomp *s, const float *p) {
    int xo = 0, tm = 0;
    for (int k = 0; k < NPARAMS; k++) {
        if (p[k] == s->p[k]) continue;
        if (k <= XHIGH) xo = 1;
        else if (k < KNEE && ((k - BAND0) % PER_BAND == ATTACK || (k - BAND0) % PER_BAND == RELEASE)) tm = 1;
        s->p[k] = p[k];
    }
    if (xo) crossovers(s);
    if (tm) times(s);
}

static void mb_reset(void *st) {
    mbcomp *s = st;
    memset(s->z, 0, sizeof s->z);
    for (int k = 0; k < 3; k++) lt_svf_glide_snap(&s->x[k]);
    for (int b = 0; b < 4; b++) s->g[b] = s->lvl[b] = 0;
    s->band_max_gr = 0;
    s->grid = 0;
}

static void mb_init(void *st, float sr, const float *p, const lt_fx_data *d) {
    (void)d;
    mbcomp *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    s->sa = lt_svf_glide_coef(FX_SMOOTH_MS, sr);
    memcpy(s->p, p, sizeof s->p);
    crossovers(s);
    times(s);
    mb_reset(s);
}

/* Every parameter is smoothed: a set() (a caller outside the engine) is a value to glide to. */
static void mb_set(void *st, int i, float v) {
    mbcomp *s = st;
    if (i < 0 || i >= NPARAMS) return;
    float p[NPARAMS];
    memcpy(p, s->p, sizeof p);
    p[i] = v;
    update(s, p);
}

/* The gain computer: the gain (dB, <= 0) for a level x (dB). */
static inline double computer(double x, double thr, double ratio, double knee) {
    double over = x - thr;
    if (2 * over < -knee) return 0;
    if (knee > 0 && 2 * fabs(over) <= knee) {
        double t = over + knee / 2;
        return (1 / ratio - 1) * t * t / (2 * knee);
    }
    return (1 / ratio - 1) * over;
}

/* One channel's sample through the crossover tree: the four bands. */
static inline void split(const mbcomp *s, double z[NSVF][2], double x, double band[4]) {
    const double k = M_SQRT2;
    double bp, lp, bp2, lp2;
    lt_svf_tick(&s->x[1], z[SA], x, &bp, &lp);
    double hp = x - k * bp - lp;
    lt_svf_tick(&s->x[1], z[SB], lp, &bp2, &lp2);
    double lo = lp2;
    lt_svf_tick(&s->x[1], z[SC], hp, &bp2, &lp2);
    double hi = hp - k * bp2 - lp2;
    lt_svf_tick(&s->x[2], z[SD], lo, &bp, &lp);
    lo -= 2 * k * bp;
    lt_svf_tick(&s->x[0], z[SE], hi, &bp, &lp);
    hi -= 2 * k * bp;
    lt_svf_tick(&s->x[0], z[SF], lo, &bp, &lp);
    hp = lo - k * bp - lp;
    lt_svf_tick(&s->x[0], z[SG], lp, &bp2, &lp2);
    band[0] = lp2;
    lt_svf_tick(&s->x[0], z[SH], hp, &bp2, &lp2);
    band[1] = hp - k * bp2 - lp2;
    lt_svf_tick(&s->x[2], z[SI], hi, &bp, &lp);
    hp = hi - k * bp - lp;
    lt_svf_tick(&s->x[2], z[SJ], lp, &bp2, &lp2);
    band[2] = lp2;
    lt_svf_tick(&s->x[2], z[SK], hp, &bp2, &lp2);
    band[3] = hp - k * bp2 - lp2;
}

static void mb_process(void *st, const lt_fx_block *b) {
    mbcomp *s = st;
    int moving = 0;
    for (int k = 0; k < NPARAMS; k++) moving |= b->dp[k] != 0.0f;
    float maxgr = 0;
    for (int i = 0; i < b->n; i++) {
        if (s->grid == 0) {
            if (moving) {
                float p[NPARAMS];
                for (int k = 0; k < NPARAMS; k++) p[k] = fx_p(b, k, i);
                update(s, p);
            } else update(s, b->p);
            s->grid = FX_GRID;
        }
        s->grid--;
        for (int k = 0; k < 3; k++) lt_svf_glide_step(&s->x[k], s->sa);
        double band[2][4], sum[2] = {0, 0};
        split(s, s->z[0], b->l[i], band[0]);
        split(s, s->z[1], b->r[i], band[1]);
        double knee = fx_p(b, KNEE, i);
        for (int k = 0; k < 4; k++) {
            int o = BAND0 + k * PER_BAND;
            double ratio = fx_p(b, o + RATIO, i);
            double in = fmax(fabs(band[0][k]), fabs(band[1][k]));
            s->lvl[k] = in > s->lvl[k] ? in : s->lvl_fall[k] * s->lvl[k];
            /* at ratio 1 the gain releases to 0 dB and the computer is skipped */
            if (ratio > 1.0001 || s->g[k] != 0) {
                double target = 0;
                if (ratio > 1.0001) {
                    double x = s->lvl[k] > 1e-9 ? 20 * log10(s->lvl[k]) : -180;
                    target = computer(x, fx_p(b, o + THR, i), ratio, knee);
                }
                double a = target < s->g[k] ? s->atk[k] : s->rel[k];
                s->g[k] = a * s->g[k] + (1 - a) * target;
                if (target == 0 && s->g[k] > -1e-9) s->g[k] = 0;
                if (-s->g[k] > maxgr) maxgr = (float)-s->g[k];
            }
            double lin = exp((s->g[k] + fx_p(b, o + GAIN, i)) * (M_LN10 / 20));
            sum[0] += band[0][k] * lin;
            sum[1] += band[1][k] * lin;
        }
        double out = exp(fx_p(b, OUTPUT, i) * (M_LN10 / 20));
        b->l[i] = (float)(sum[0] * out);
        b->r[i] = (float)(sum[1] * out);
    }
    /* NaN, infinities and denormals leave the filter and detector states once per block */
    for (int ch = 0; ch < 2; ch++)
        for (int k = 0; k < NSVF; k++) {
            s->z[ch][k][0] = lt_zapd(s->z[ch][k][0]);
            s->z[ch][k][1] = lt_zapd(s->z[ch][k][1]);
        }
    for (int k = 0; k < 4; k++) {
        s->lvl[k] = lt_zapd(s->lvl[k]);
        s->g[k] = lt_zapd(s->g[k]);
    }
    s->band_max_gr = maxgr;
}

static float mb_reduction(const void *st) { return ((const mbcomp *)st)->band_max_gr; }

const lt_fx_def lt_fx_mbcomp = {
    .name = "mbcomp",
    .help = "four-band compressor on Linkwitz-Riley crossovers whose bands sum flat",
    .example = "mbcomp{ low_thr = -20, low_ratio = 2, high_thr = -24, high_ratio = 1.5 }",
    .nparams = NPARAMS,
    .params = params,
    .mix_default = 1,
    .size = mb_size,
    .init = mb_init,
    .set = mb_set,
    .reset = mb_reset,
    .process = mb_process,
    .reduction = mb_reduction,
};
