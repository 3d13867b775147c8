/* limiter.c — the true-peak limiter at the end of a master chain: lookahead, stereo-linked, so that
 * the output's peaks *between* the samples stay at or below the ceiling as true-peak meters read them
 * (lute's own, libebur128's, ffmpeg's ebur128).
 *
 * Detection: the drive-gained input is oversampled 8x through the interpolator lute's meter uses
 * (dsp/tpinterp.h: a Kaiser-windowed sinc cut at Nyquist, 32 taps per phase — the same kind as the
 * libswresample filter through which ffmpeg's ebur128 reads true peaks, a little flatter near
 * Nyquist) and each local maximum of the oversampled stream is refined by a parabola, giving the
 * peak of every inter-sample interval; the gain that interval needs is ceiling / peak.  Stretches
 * that cannot reach the ceiling (by the interpolator's gain bound) skip the interpolation.  Gain path: instant attack and exponential release on that requirement, then a
 * running minimum over the lookahead (D + 1 samples, a monotonic deque: D. Lemire, "Streaming maximum-
 * minimum filter using no more than three comparisons per element", 2006) and two moving averages
 * whose combined support is D + 1 - 2K (K = 16, half the interpolator), so the gain ramps smoothly
 * down over the lookahead and is provably at or below every requirement within K samples of the peak
 * it serves — the whole neighbourhood the interpolator reads — when that peak leaves the delay line.
 * (The min-then-average construction follows the usual lookahead design described by G. Bransford /
 * Signalsmith Audio, "Designing a straightforward limiter", 2022.)  A margin of 0.05 dB covers the
 * remaining error of the gain varying under the interpolator's taps and meters whose interpolators
 * ripple slightly above unity.
 *
 * Latency: the lookahead, D frames, fixed when the instance is made (changing `lookahead` later
 * only shortens the gain ramp; it cannot lengthen the delay line).  Block sizes do not change the
 * output (per-sample state), except where the `gain` ramp is sampled per block.
 * Thread: fx.h's contract.  RT-safe: process, set, reset — yes. */
#include "dsp/fx_master.h"
#include "dsp/tpinterp.h"
#include <math.h>
#include <string.h>

#define P 8
#define T LT_INTERP_TAPS
#define K (T / 2)
#define HIST T                      /* history kept before each block: the previous interval's window too */
#define MAX_LOOKAHEAD_MS 20.0f
#define MARGIN_DB 0.05

enum { GAIN, CEILING, RELEASE, LOOKAHEAD, TRUEPEAK, NPARAMS };

static const lt_fx_param params[NPARAMS] = {
    {"gain", -24, 48, 0, "dB", 1, "drive into the limiter (what loudness targeting sets)"},
    {"ceiling", -24, 0, -1, "dBTP", 1, "the highest true peak let out"},
    {"release", 1, 2000, 100, "ms", 0, "time for the gain to come back up (63%)"},
    {"lookahead", 0.8f, MAX_LOOKAHEAD_MS, 3, "ms", 0, "how early the gain starts to fall (= the latency; fixed at creation)"},
    {"truepeak", 0, 1, 1, "", 0, "1: hold the true peak (8x oversampled), 0: the sample peak only"},
};

typedef struct limiter {
    float  sr;
    float  p[NPARAMS];
    int    D, S1, S2, dmax;       /* delay, box lengths; dmax = allocated delay */
    float  h[T * P];               /* the interpolator */
    float  bound;
    double ceil_lin, rel_coef, drive;
    /* per channel: interpolation window (history + block), last oversampled value, delay line */
    float  win[2][HIST + LT_QUANTUM];
    float  last[2];                /* per channel: the previous interval's last oversampled value;
                                      NaN = not computed */
    float  pk[LT_QUANTUM];
    float *delay[2];               /* dmax + 1 samples each, circular */
    int64_t t;                     /* samples processed */
    double env;                    /* release envelope */
    /* running minimum: deque of (value, index) over a circular array of dmax + 2 */
    float  *dq_v;
    int64_t *dq_i;
    int     dq_head, dq_len, dq_cap;
    /* the two moving averages */
    float  *box1, *box2;
    double  sum1, sum2;
    int     pos1, pos2, boxcap;
    float   min_gain;              /* lowest gain in the last block, for reduction() */
} limiter;

static int frames_for(float sr, float ms) { return (int)lrintf(sr * ms / 1000.0f); }

static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

static size_t lim_size(float sr, const lt_fx_data *data) {
    (void)data;
    int dmax = frames_for(sr, MAX_LOOKAHEAD_MS) + 2;
    return align16(sizeof(limiter)) + 2 * align16(sizeof(float) * (dmax + 1)) + align16(sizeof(float) * (dmax + 2)) +
           align16(sizeof(int64_t) * (dmax + 2)) + 2 * align16(sizeof(float) * (dmax + 2));
}

/* The box lengths for a lookahead of D samples: two averages whose supports add to D + 1 - 2K. */
static void set_lookahead(limiter *s, float ms) {
    int d = frames_for(s->sr, ms);
    if (d < 2 * K + 2) d = 2 * K + 2;
    if (d > s->dmax) d = s->dmax;
    int S = d + 1 - 2 * K;
    s->S1 = (S + 1) / 2;
    s->S2 = S + 1 - s->S1;
    if (s->D == 0) s->D = d;      /* the delay is fixed at creation */
}

static void recompute(limiter *s) {
    s->ceil_lin = pow(10.0, (s->p[CEILING] - MARGIN_DB) / 20.0);
    s->rel_coef = exp(-1.0 / (s->p[RELEASE] / 1000.0 * s->sr));
}

static void lim_reset(void *st) {
    limiter *s = st;
    memset(s->win, 0, sizeof s->win);
    s->last[0] = s->last[1] = NAN;
    for (int c = 0; c < 2; c++) memset(s->delay[c], 0, sizeof(float) * (s->dmax + 1));
    s->t = 0;
    s->env = 1;
    s->dq_head = s->dq_len = 0;
    for (int i = 0; i < s->boxcap; i++) s->box1[i] = s->box2[i] = 1;
    s->sum1 = s->S1;
    s->sum2 = s->S2;
    s->pos1 = s->pos2 = 0;
    s->min_gain = 1;
}

static void lim_init(void *st, float sr, const float *p, const lt_fx_data *data) {
    (void)data;
    limiter *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    s->dmax = frames_for(sr, MAX_LOOKAHEAD_MS) + 2;
    char *mem = (char *)st + align16(sizeof(limiter));
    for (int c = 0; c < 2; c++) { s->delay[c] = (float *)mem; mem += align16(sizeof(float) * (s->dmax + 1)); }
    s->dq_cap = s->dmax + 2;
    s->dq_v = (float *)mem; mem += align16(sizeof(float) * s->dq_cap);
    s->dq_i = (int64_t *)mem; mem += align16(sizeof(int64_t) * s->dq_cap);
    s->boxcap = s->dmax + 2;
    s->box1 = (float *)mem; mem += align16(sizeof(float) * s->boxcap);
    s->box2 = (float *)mem;
    lt_interp_design(s->h, P, T, 8.0, 1.0);
    s->bound = lt_interp_bound(s->h, P, T) * 1.05f;
    memcpy(s->p, p, sizeof s->p);
    set_lookahead(s, s->p[LOOKAHEAD]);
    recompute(s);
    s->drive = pow(10.0, s->p[GAIN] / 20.0);
    lim_reset(s);
}

static void lim_set(void *st, int i, float v) {
    limiter *s = st;
    if (i < 0 || i >= NPARAMS) return;
    s->p[i] = v;
    if (i == LOOKAHEAD) {
        /* New average lengths, refilled with the lowest gain they hold: never above what they promised. */
        float lo = 1;
        for (int k = 0; k < s->S1; k++) if (s->box1[k] < lo) lo = s->box1[k];
        for (int k = 0; k < s->S2; k++) if (s->box2[k] < lo) lo = s->box2[k];
        set_lookahead(s, v);
        for (int k = 0; k < s->boxcap; k++) s->box1[k] = s->box2[k] = lo;
        s->sum1 = (double)lo * s->S1;
        s->sum2 = (double)lo * s->S2;
        s->pos1 = s->pos2 = 0;
    }
    recompute(s);
}

/* The peak of the interval [n, n+1) of one channel, from w = &win[n - K + 1]: the oversampled
 * values and the parabola's vertex at each local maximum of the stream (prev: the value before). */
static float interval_peak(const float *h, const float *w, float prev, float *lastv) {
    float v[P + 2];
    v[0] = prev;
    lt_interp8(h, w, v + 1);
    v[P + 1] = w[K];          /* x[n+1] */
    float pk = 0;
    for (int q = 1; q <= P; q++) {
        float a = fabsf(v[q]);
        if (a > pk) pk = a;
        if (a >= fabsf(v[q - 1]) && a >= fabsf(v[q + 1])) {
            float top = fabsf(lt_interp_vertex(v[q - 1], v[q], v[q + 1]));
            if (top > pk) pk = top;
        }
    }
    *lastv = v[P];
    return pk;
}

static void lim_process(void *st, const lt_fx_block *b) {
    limiter *s = st;
    for (int i = 0; i < NPARAMS; i++)
        if (i != GAIN && b->p[i] != s->p[i]) lim_set(s, i, b->p[i]);
    int n = b->n;
    /* the drive ramps linearly (in gain) across the block from its value at frame 0 to frame n */
    double g0 = pow(10.0, b->p[GAIN] / 20.0), g1 = pow(10.0, (b->p[GAIN] + b->dp[GAIN] * n) / 20.0);
    s->p[GAIN] = b->p[GAIN] + b->dp[GAIN] * n;
    float *io[2] = {b->l, b->r};
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < n; i++) s->win[c][HIST + i] = (float)(io[c][i] * (g0 + (g1 - g0) * i / n));
    s->drive = g1;
    int D = s->D, S1 = s->S1, S2 = s->S2, dm = s->dmax + 1;
    double c = s->ceil_lin, rel = s->rel_coef, env = s->env;
    float minimum = 1;
    int tp = s->p[TRUEPEAK] >= 0.5f;
    /* the peak of each interval n = t - K, both channels; interval n reads x[n - K + 1 .. n + K],
     * which is win[i + 1 .. i + T] for the block's frame i */
    for (int i = 0; i < n; i++) s->pk[i] = 0;
    for (int ch = 0; ch < 2; ch++) {
        float last = s->last[ch];
        const float *wc = s->win[ch];
        if (tp) {   /* the whole block at once: can anything in it reach the ceiling? */
            float m = 0;
            for (int k = 1; k <= n + T - 1; k++) { float a = fabsf(wc[k]); if (a > m) m = a; }
            if (m * s->bound <= (float)c) { s->last[ch] = NAN; continue; }
        }
        for (int i = 0; i < n; i++) {
            const float *w = wc + i + 1;
            float p;
            if (!tp) p = fabsf(w[K - 1]);
            else {
                float m = 0;
                for (int k = 0; k < T; k++) { float a = fabsf(w[k]); if (a > m) m = a; }
                if (m * s->bound <= (float)c) { p = 0; last = NAN; }   /* nothing here can reach the ceiling */
                else {
                    if (isnan(last)) { float v[P]; lt_interp8(s->h, w - 1, v); last = v[P - 1]; }
                    p = interval_peak(s->h, w, last, &last);
                }
            }
            if (p > s->pk[i]) s->pk[i] = p;
        }
        s->last[ch] = last;
    }
    for (int i = 0; i < n; i++) {
        int64_t t = s->t + i;
        float pk = s->pk[i];
        double r = pk > c ? c / pk : 1.0;
        env = 1.0 - (1.0 - env) * rel;
        if (r < env) env = r;
        /* running minimum over the last D + 1 envelope values */
        int64_t idx = t;
        while (s->dq_len > 0 && s->dq_v[(s->dq_head + s->dq_len - 1) % s->dq_cap] >= (float)env) s->dq_len--;
        int slot = (s->dq_head + s->dq_len) % s->dq_cap;
        s->dq_v[slot] = (float)env;
        s->dq_i[slot] = idx;
        s->dq_len++;
        while (s->dq_i[s->dq_head] <= idx - (D + 1)) { s->dq_head = (s->dq_head + 1) % s->dq_cap; s->dq_len--; }
        float hmin = s->dq_v[s->dq_head];
        /* two moving averages */
        s->sum1 += hmin - s->box1[s->pos1];
        s->box1[s->pos1] = hmin;
        if (++s->pos1 >= S1) s->pos1 = 0;
        float a1 = (float)(s->sum1 / S1);
        s->sum2 += a1 - s->box2[s->pos2];
        s->box2[s->pos2] = a1;
        if (++s->pos2 >= S2) s->pos2 = 0;
        float g = (float)(s->sum2 / S2);
        if (g > 1) g = 1;
        if (g < minimum) minimum = g;
        /* the audio, D samples late */
        int wpos = (int)(t % dm), rpos = (int)((t - D + dm * 4) % dm);
        for (int ch = 0; ch < 2; ch++) {
            s->delay[ch][wpos] = s->win[ch][HIST + i];
            io[ch][i] = s->delay[ch][rpos] * g;
        }
        if ((t & 65535) == 65535) {   /* re-add the averages now and then: no drift */
            double a = 0, z = 0;
            for (int k = 0; k < S1; k++) a += s->box1[k];
            for (int k = 0; k < S2; k++) z += s->box2[k];
            s->sum1 = a;
            s->sum2 = z;
        }
    }
    s->env = env;
    s->t += n;
    s->min_gain = minimum;
    for (int ch = 0; ch < 2; ch++) memmove(s->win[ch], s->win[ch] + n, sizeof(float) * HIST);
    /* flush denormals from the state that feeds back */
    if (fabs(s->env) < 1e-30) s->env = 0;
}

static int lim_latency(const void *st) { return ((const limiter *)st)->D; }

static float lim_reduction(const void *st) {
    const limiter *s = st;
    return s->min_gain < 1 ? -20.0f * log10f(s->min_gain) : 0.0f;
}

const lt_fx_def lt_fx_limiter = {
    .name = "limiter",
    .help = "true-peak limiter with lookahead: no peak, between the samples either, above the ceiling",
    .example = "limiter{ ceiling = -1, release = 100 }",
    .nparams = NPARAMS,
    .params = params,
    .flags = LT_FX_NO_MIX,
    .mix_default = 1,
    .size = lim_size,
    .init = lim_init,
    .set = lim_set,
    .reset = lim_reset,
    .process = lim_process,
    .latency = lim_latency,
    .reduction = lim_reduction,
};
