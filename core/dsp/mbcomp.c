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
 * No latency.  Block sizes do not change the output except where a moving parameter is sampled per
 * block.  Thread: fx.h's contract.  RT-safe: process, set, reset — yes. */
#include "dsp/fx_master.h"
#include "dsp/bq.h"
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

typedef struct mbcomp {
    float       sr;
    float       p[NPARAMS];
    float       fx[3];                 /* the crossover frequencies in use */
    lt_bq       lp[3], hp[3], ap[3];   /* per crossover: Butterworth LP and HP sections, allpass */
    /* per channel: mid split (2+2 sections), low branch: AP(xhigh) + split(xlow), high branch:
     * AP(xlow) + split(xhigh) */
    lt_bq_state z[2][16];
    double      g[4];                  /* smoothed gain (dB, <= 0) per band */
    double      lvl[4], lvl_fall[4];   /* level detector per band */
    double      atk[4], rel[4];
    float       band_max_gr;
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
        s->lp[k] = lt_bq_design(LT_BQ_LOWPASS, s->sr, f[k], M_SQRT1_2, 0);
        s->hp[k] = lt_bq_design(LT_BQ_HIGHPASS, s->sr, f[k], M_SQRT1_2, 0);
        s->ap[k] = lt_bq_design(LT_BQ_ALLPASS, s->sr, f[k], M_SQRT1_2, 0);
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

static void mb_reset(void *st) {
    mbcomp *s = st;
    memset(s->z, 0, sizeof s->z);
    for (int b = 0; b < 4; b++) s->g[b] = s->lvl[b] = 0;
    s->band_max_gr = 0;
}

static void mb_init(void *st, float sr, const float *p, const lt_fx_data *d) {
    (void)d;
    mbcomp *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    memcpy(s->p, p, sizeof s->p);
    crossovers(s);
    times(s);
    mb_reset(s);
}

static void mb_set(void *st, int i, float v) {
    mbcomp *s = st;
    if (i < 0 || i >= NPARAMS) return;
    s->p[i] = v;
    crossovers(s);
    times(s);
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

static void mb_process(void *st, const lt_fx_block *b) {
    mbcomp *s = st;
    if (memcmp(s->p, b->p, sizeof s->p) != 0) {
        memcpy(s->p, b->p, sizeof s->p);
        crossovers(s);
        times(s);
    }
    double knee = s->p[KNEE], out = pow(10.0, s->p[OUTPUT] / 20.0);
    double thr[4], ratio[4], makeup[4];
    for (int k = 0; k < 4; k++) {
        const float *bp = s->p + BAND0 + k * PER_BAND;
        thr[k] = bp[THR];
        ratio[k] = bp[RATIO];
        makeup[k] = bp[GAIN];
    }
    float maxgr = 0;
    for (int i = 0; i < b->n; i++) {
        double band[4][2];
        float *io[2] = {b->l, b->r};
        for (int ch = 0; ch < 2; ch++) {
            lt_bq_state *z = s->z[ch];
            double x = io[ch][i];
            double lo = lt_bq_tick(&s->lp[1], &z[1], lt_bq_tick(&s->lp[1], &z[0], x));
            double hi = lt_bq_tick(&s->hp[1], &z[3], lt_bq_tick(&s->hp[1], &z[2], x));
            lo = lt_bq_tick(&s->ap[2], &z[4], lo);
            hi = lt_bq_tick(&s->ap[0], &z[5], hi);
            band[0][ch] = lt_bq_tick(&s->lp[0], &z[7], lt_bq_tick(&s->lp[0], &z[6], lo));
            band[1][ch] = lt_bq_tick(&s->hp[0], &z[9], lt_bq_tick(&s->hp[0], &z[8], lo));
            band[2][ch] = lt_bq_tick(&s->lp[2], &z[11], lt_bq_tick(&s->lp[2], &z[10], hi));
            band[3][ch] = lt_bq_tick(&s->hp[2], &z[13], lt_bq_tick(&s->hp[2], &z[12], hi));
        }
        double sum[2] = {0, 0};
        for (int k = 0; k < 4; k++) {
            double g = 0;
            if (ratio[k] > 1.0001) {
                double in = fmax(fabs(band[k][0]), fabs(band[k][1]));
                s->lvl[k] = in > s->lvl[k] ? in : s->lvl_fall[k] * s->lvl[k];
                double x = s->lvl[k] > 1e-9 ? 20 * log10(s->lvl[k]) : -180;
                double target = computer(x, thr[k], ratio[k], knee);
                double a = target < s->g[k] ? s->atk[k] : s->rel[k];
                s->g[k] = a * s->g[k] + (1 - a) * target;
                g = s->g[k];
                if (-g > maxgr) maxgr = (float)-g;
            } else s->g[k] = 0;
            double lin = pow(10.0, (g + makeup[k]) / 20.0);
            sum[0] += band[k][0] * lin;
            sum[1] += band[k][1] * lin;
        }
        b->l[i] = (float)(sum[0] * out);
        b->r[i] = (float)(sum[1] * out);
    }
    for (int ch = 0; ch < 2; ch++)
        for (int k = 0; k < 14; k++) {
            if (fabs(s->z[ch][k].z1) < 1e-30) s->z[ch][k].z1 = 0;
            if (fabs(s->z[ch][k].z2) < 1e-30) s->z[ch][k].z2 = 0;
        }
    for (int k = 0; k < 4; k++) if (s->lvl[k] < 1e-30) s->lvl[k] = 0;
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
