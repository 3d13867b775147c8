/* vop_harness.h — drives one voice op (vop.h) the way the engine will: frame-major wires of 8 lanes,
 * calls of at most LT_QUANTUM frames (split at the frames where a lane is triggered), the absolute
 * frame, the active and trig masks, a chosen instruction set; collects each lane's output as a plain
 * signal.  Plus the measurements the vop tests share (spectra, tone magnitude, pitch, level).
 *
 * Inputs and outputs are lane-major: signal k of lane j, frame t is at sig[j * len + t].  A NULL input
 * is the def's default, passed as a constant wire. */
#ifndef LT_VOP_HARNESS_H
#define LT_VOP_HARNESS_H
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fftw3.h>
#include "graph/vop.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct vh {
    const lt_vop_def *def;
    int           isa;
    float         sr;
    void         *state;
    lt_vop_data   data;
    int64_t       frame;
    int           active;
    int           busy;          /* the busy mask of the last call */
    int           busy_seen;     /* OR of every call's busy mask */
} vh;

static inline void vh_zero_lane(vh *h, int lane)
{
    float *s = h->state;
    for (uint32_t v = 0; v < h->def->state_size / 32; v++) s[v * 8 + lane] = 0.0f;
}

static inline void vh_start_lane(vh *h, int lane, uint32_t seed)
{
    vh_zero_lane(h, lane);
    if (h->def->start) {
        lt_vop_lane l = { seed, 69.0f, 440.0f, 1.0f, h->sr };
        h->def->start(h->state, lane, &h->data, &l);
    }
}

/* A block of 8 lanes with fresh state, every lane active and started with seed 1000 + lane. */
static inline void vh_init(vh *h, const lt_vop_def *def, int isa, float sr, int opt, const float *tab, int ntab)
{
    memset(h, 0, sizeof *h);
    h->def = def;
    h->isa = isa;
    h->sr = sr;
    h->state = aligned_alloc(32, def->state_size ? def->state_size : 32);
    memset(h->state, 0, def->state_size ? def->state_size : 32);
    h->data.opt = opt;
    h->data.data = tab;
    h->data.ndata = ntab;
    h->active = 0xff;
    for (int j = 0; j < LT_LANES; j++) vh_start_lane(h, j, 1000u + (uint32_t)j);
}

static inline void vh_free(vh *h) { free(h->state); h->state = NULL; }

/* Call sizes: block > 0 is a fixed size (clipped to LT_QUANTUM); block = 0 takes a fixed irregular
 * sequence (1, 7, 32, 3, 16, 29, ...) so every split point is tried. */
static inline int vh_next_size(int block, int *k)
{
    static const int seq[] = { 1, 7, 32, 3, 16, 29, 2, 32, 11, 5, 24, 32, 9, 13, 31, 4 };
    int n = block > 0 ? block : seq[(*k)++ % (int)(sizeof seq / sizeof *seq)];
    return n > LT_QUANTUM ? LT_QUANTUM : n;
}

/* Frames after the first of a CONST input are filled with this (NaN by default; a test may set
 * the true value's place-holder to compare renders, see test_vop_common.c). */
static float vh_poison = NAN;
static int vh_fill_const;          /* 1: fill CONST wires with their value in every frame */

/* Renders len frames.  rate[k] (or AUDIO when rate is NULL) is passed for given inputs; trig, when
 * not NULL, holds a lane mask per frame: a call starts there with those lanes in `trig`. */
static inline void vh_render(vh *h, const float *const *in, const uint8_t *rate, float *const *out,
                             int len, int block, const int *trig)
{
    static float wire[LT_VOP_MAX_IN][LT_QUANTUM * LT_LANES] __attribute__((aligned(32)));
    static float ow[LT_VOP_MAX_OUT][LT_QUANTUM * LT_LANES] __attribute__((aligned(32)));
    const lt_vop_def *d = h->def;
    int pos = 0, k = 0;
    while (pos < len) {
        int n = vh_next_size(block, &k);
        if (n > len - pos) n = len - pos;
        if (trig)
            for (int i = 1; i < n; i++)
                if (trig[pos + i]) { n = i; break; }
        lt_vop_call c;
        memset(&c, 0, sizeof c);
        c.n = n;
        c.nin = d->max_in;
        for (int q = 0; q < d->max_in; q++) {
            c.rate[q] = in && in[q] ? (rate ? rate[q] : LT_RATE_AUDIO) : LT_RATE_CONST;
            /* A constant input's frames after the first are NaN: kernels may read only frame 0 of it
             * (the engine may pass a single lane vector), and a kernel that reads further shows NaN. */
            for (int i = 0; i < n; i++)
                for (int j = 0; j < LT_LANES; j++)
                    wire[q][i * LT_LANES + j] = i > 0 && c.rate[q] == LT_RATE_CONST && !vh_fill_const ? vh_poison
                                              : in && in[q] ? in[q][j * len + pos + i] : d->in_default[q];
            c.in[q] = wire[q];
        }
        for (int o = 0; o < d->n_out; o++) c.out[o] = ow[o];
        c.state = h->state;
        c.data = &h->data;
        c.frame = h->frame;
        c.active = h->active;
        c.trig = trig ? trig[pos] : 0;
        c.sr = h->sr;
        c.inv_sr = 1.0f / h->sr;
        d->fn[h->isa](&c);
        h->busy = c.busy;
        h->busy_seen |= c.busy;
        for (int o = 0; o < d->n_out; o++)
            if (out && out[o])
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < LT_LANES; j++) out[o][j * len + pos + i] = ow[o][i * LT_LANES + j];
        h->frame += n;
        pos += n;
    }
}

/* One input signal for all lanes: a constant. */
static inline float *vh_const(int len, float v)
{
    float *s = malloc(sizeof(float) * LT_LANES * (size_t)len);
    for (int i = 0; i < LT_LANES * len; i++) s[i] = v;
    return s;
}

/* Renders `d` for len frames in calls of `block` (0: irregular) with every lane given the same
 * inputs: input k is the signal sig[k] (AUDIO rate) when sig && sig[k], else the constant val[k]
 * (CONST rate; val NULL: the defaults).  Returns lane 0 of output `o` (malloc'd); out2, when not
 * NULL, receives lane 0 of output 1. */
static inline float *vh_run1(const lt_vop_def *d, int opt, const float *tab, int ntab, float sr, int len,
                             const float *val, float *const *sig, int block, float **out2)
{
    float *in[LT_VOP_MAX_IN] = { 0 }, *out[2];
    uint8_t rate[LT_VOP_MAX_IN];
    for (int k = 0; k < d->max_in; k++) {
        in[k] = malloc(sizeof(float) * LT_LANES * (size_t)len);
        int a = sig && sig[k];
        rate[k] = a ? LT_RATE_AUDIO : LT_RATE_CONST;
        for (int j = 0; j < LT_LANES; j++)
            for (int t = 0; t < len; t++)
                in[k][j * len + t] = a ? sig[k][t] : val ? val[k] : d->in_default[k];
    }
    for (int o = 0; o < 2; o++) out[o] = malloc(sizeof(float) * LT_LANES * (size_t)len);
    vh h;
    vh_init(&h, d, lt_isa(), sr, opt, tab, ntab);
    vh_render(&h, (const float *const *)in, rate, out, len, block, NULL);
    vh_free(&h);
    for (int k = 0; k < d->max_in; k++) free(in[k]);
    if (out2) *out2 = out[1]; else free(out[1]);
    return out[0];
}

/* ---- measurements ----------------------------------------------------------------------------- */

/* Power spectrum |X[k]|^2 of x[0..n) (no window), k = 0 .. n/2. */
static inline double *vh_power(const float *x, int n)
{
    double *in = fftw_malloc(sizeof(double) * n);
    fftw_complex *spec = fftw_malloc(sizeof(fftw_complex) * (n / 2 + 1));
    fftw_plan plan = fftw_plan_dft_r2c_1d(n, in, spec, FFTW_ESTIMATE);
    double *p = malloc(sizeof(double) * (n / 2 + 1));
    for (int k = 0; k < n; k++) in[k] = x[k];
    fftw_execute(plan);
    for (int k = 0; k <= n / 2; k++) p[k] = spec[k][0] * spec[k][0] + spec[k][1] * spec[k][1];
    fftw_destroy_plan(plan);
    fftw_free(in);
    fftw_free(spec);
    return p;
}

/* The loudest component below 20 kHz that is not a harmonic of f0, relative to the fundamental, in
 * dB, over exactly n = sr samples of a waveform whose f0 is a whole number of Hz (every harmonic and
 * alias then falls on a whole bin, so no window is needed and nothing leaks). */
static inline double vh_worst_alias_db(const float *x, int n, int f0, double sr)
{
    double *p = vh_power(x, n), worst = 0;
    for (int k = 1; k <= n / 2; k++) {
        if (k % f0 == 0 || k * sr / n > 20000) continue;
        if (p[k] > worst) worst = p[k];
    }
    double r = 10 * log10(worst / p[f0] + 1e-30);
    free(p);
    return r;
}

/* Magnitude and phase of x at hz over n samples, by direct correlation in double. */
static inline double vh_tone_mag(const float *x, int n, double hz, double sr)
{
    double re = 0, im = 0;
    for (int i = 0; i < n; i++) {
        double a = 2 * M_PI * hz * i / sr;
        re += x[i] * cos(a);
        im -= x[i] * sin(a);
    }
    return 2 * sqrt(re * re + im * im) / n;
}

/* Frequency from rising zero crossings (interpolated), skipping the first. */
static inline double vh_zero_crossing_hz(const float *x, int n, double sr)
{
    double first = -1, last = -1;
    int count = 0;
    for (int i = 1; i < n; i++)
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (i - 1) + x[i - 1] / (double)(x[i - 1] - x[i]);
            if (++count == 2) first = t;
            last = t;
        }
    if (count < 3) return 0;
    return (count - 2) / (last - first) * sr;
}

static inline double vh_rms(const float *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s / n);
}

static inline double vh_mean(const float *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s / n;
}

static inline double vh_peak(const float *x, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++) if (fabs(x[i]) > m) m = fabs(x[i]);
    return m;
}

static inline int vh_finite(const float *x, int n)
{
    for (int i = 0; i < n; i++) if (!isfinite(x[i])) return 0;
    return 1;
}

/* The largest sample-to-sample step. */
static inline double vh_max_step(const float *x, int n)
{
    double m = 0;
    for (int i = 1; i < n; i++) if (fabs(x[i] - x[i - 1]) > m) m = fabs(x[i] - x[i - 1]);
    return m;
}

static inline double vh_db(double x) { return 20 * log10(x + 1e-300); }
#endif
