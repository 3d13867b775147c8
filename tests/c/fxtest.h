/* fxtest.h — drives a mix-side processor (graph/fx.h) the way the engine will: the instance memory
 * allocated zeroed, init with the parameter values, smoothed parameters gliding linearly block by
 * block through p/dp, stepped ones through set(), the key fed with the unit's own input when nothing
 * else is routed, blocks of 1..32 frames.  Plus the measurements the fx tests share (lock-in
 * amplitude and phase, RMS, the largest step between samples, a seeded noise).  Header-only. */
#ifndef LT_FXTEST_H
#define LT_FXTEST_H
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "graph/fx.h"

#ifndef PI
#define PI 3.14159265358979323846
#endif

typedef struct fxt {
    const lt_fx_def *d;
    void  *st;
    size_t size;
    float  sr;
    double bpm;
    float  p[LT_FX_MAX_PARAMS], target[LT_FX_MAX_PARAMS];
    int    left[LT_FX_MAX_PARAMS];          /* frames of glide left */
    unsigned rng;                           /* block sizes when run with block 0 */
    float *kl, *kr;                         /* optional external key (else the input) */
} fxt;

static inline int fxt_index(const fxt *t, const char *name)
{
    int k = lt_fx_param_index(t->d, name);
    if (k < 0) {
        fprintf(stderr, "fxtest: %s has no parameter %s\n", t->d->name, name);
        exit(2);
    }
    return k;
}

/* fxt_new("delay", 48000, NULL, "time", 0.25, "feedback", 0.5, NULL): an instance initialised with
 * its defaults overridden by the name/value pairs. */
static inline fxt *fxt_new(const char *name, float sr, const lt_fx_data *data, ...)
{
    fxt *t = calloc(1, sizeof *t);
    va_list ap;
    const char *pn;
    int k;
    t->d = lt_fx_find(name);
    if (!t->d) {
        fprintf(stderr, "fxtest: no processor %s\n", name);
        exit(2);
    }
    t->sr = sr;
    t->bpm = 120;
    t->rng = 1234567u;
    for (k = 0; k < t->d->nparams; k++) t->p[k] = t->target[k] = t->d->params[k].def;
    va_start(ap, data);
    while ((pn = va_arg(ap, const char *)) != NULL) {
        double v = va_arg(ap, double);
        k = fxt_index(t, pn);
        t->p[k] = t->target[k] = (float)v;
    }
    va_end(ap);
    t->size = t->d->size(sr, data);
    t->st = calloc(1, t->size);
    t->d->init(t->st, sr, t->p, data);
    return t;
}

static inline void fxt_free(fxt *t)
{
    if (!t) return;
    free(t->st);
    free(t);
}

/* A parameter change as the engine makes it: a smoothed one glides linearly over `frames` (0: jumps
 * at the next block), a stepped one goes through set() at once. */
static inline void fxt_glide(fxt *t, const char *name, float v, int frames)
{
    int k = fxt_index(t, name);
    if (t->d->params[k].smoothed) {
        t->target[k] = v;
        t->left[k] = frames;
        if (frames <= 0) t->p[k] = v;
    } else {
        t->p[k] = t->target[k] = v;
        if (t->d->set) t->d->set(t->st, k, v);
    }
}

/* The engine's smoothing time for smoothed parameters (fx.h: "glides over ~20 ms"). */
static inline int fxt_glide_frames(const fxt *t) { return (int)(0.02f * t->sr); }
static inline void fxt_change(fxt *t, const char *name, float v) { fxt_glide(t, name, v, fxt_glide_frames(t)); }

static inline float fxt_get(const fxt *t, const char *name) { return t->p[fxt_index(t, name)]; }

/* Runs n frames in place in blocks of `block` frames (0: random lengths 1..32 from the instance's
 * own seeded sequence).  The key is t->kl/kr when set (read from the same frame), else a copy of the
 * input. */
static inline void fxt_run(fxt *t, float *l, float *r, int n, int block)
{
    float kl[LT_QUANTUM], kr[LT_QUANTUM], dp[LT_FX_MAX_PARAMS];
    int i = 0, k;
    while (i < n) {
        lt_fx_block b;
        int m;
        if (block > 0) m = block;
        else {
            t->rng = t->rng * 1664525u + 1013904223u;
            m = 1 + (int)((t->rng >> 16) % LT_QUANTUM);
        }
        if (m > LT_QUANTUM) m = LT_QUANTUM;
        if (m > n - i) m = n - i;
        for (k = 0; k < t->d->nparams; k++) {
            dp[k] = 0;
            if (t->left[k] > 0) {
                int s = m < t->left[k] ? m : t->left[k];
                dp[k] = (t->target[k] - t->p[k]) / (float)t->left[k];
                /* a glide that ends inside the block: the engine holds the target after its end; a
                 * linear slope over the whole block is the closest it can say with p/dp */
                if (s < m) dp[k] = (t->target[k] - t->p[k]) / (float)m;
            }
        }
        if (t->kl) {
            memcpy(kl, t->kl + i, sizeof(float) * (size_t)m);
            memcpy(kr, t->kr + i, sizeof(float) * (size_t)m);
        } else {
            memcpy(kl, l + i, sizeof(float) * (size_t)m);
            memcpy(kr, r + i, sizeof(float) * (size_t)m);
        }
        b.n = m;
        b.l = l + i;
        b.r = r + i;
        b.kl = kl;
        b.kr = kr;
        b.p = t->p;
        b.dp = dp;
        b.sr = t->sr;
        b.bpm = t->bpm;
        t->d->process(t->st, &b);
        for (k = 0; k < t->d->nparams; k++)
            if (t->left[k] > 0) {
                t->left[k] -= m;
                if (t->left[k] <= 0) {
                    t->left[k] = 0;
                    t->p[k] = t->target[k];
                } else t->p[k] += dp[k] * (float)m;
            }
        i += m;
    }
}

static inline void fxt_reset(fxt *t) { if (t->d->reset) t->d->reset(t->st); }
static inline int fxt_latency(const fxt *t) { return t->d->latency ? t->d->latency(t->st) : 0; }

/* ---- measurements ---- */

static unsigned fxt_seed = 12345u;
/* Uniform noise in [-1, 1), a fixed sequence. */
static inline float fxt_noise(void)
{
    fxt_seed = fxt_seed * 1664525u + 1013904223u;
    return (float)((fxt_seed >> 8) * (2.0 / 16777216.0) - 1.0);
}

/* Amplitude and phase of the `hz` component of x[0..n) by a Hann-windowed lock-in. */
static inline double fxt_lockin(const float *x, int n, double hz, double sr, double *phase)
{
    double re = 0, im = 0, wsum = 0;
    int i;
    for (i = 0; i < n; i++) {
        double w = 0.5 - 0.5 * cos(2 * PI * i / n), ph = 2 * PI * hz * i / sr;
        re += w * x[i] * cos(ph);
        im -= w * x[i] * sin(ph);
        wsum += w;
    }
    if (phase) *phase = atan2(im, re);
    return 2 * sqrt(re * re + im * im) / wsum;
}
static inline double fxt_amp(const float *x, int n, double hz, double sr) { return fxt_lockin(x, n, hz, sr, NULL); }

static inline double fxt_rms(const float *x, int n)
{
    double s = 0;
    int i;
    for (i = 0; i < n; i++) s += (double)x[i] * x[i];
    return n > 0 ? sqrt(s / n) : 0;
}

static inline double fxt_mean(const float *x, int n)
{
    double s = 0;
    int i;
    for (i = 0; i < n; i++) s += x[i];
    return n > 0 ? s / n : 0;
}

static inline float fxt_peak(const float *x, int n)
{
    float m = 0;
    int i;
    for (i = 0; i < n; i++) m = fmaxf(m, fabsf(x[i]));
    return m;
}

/* The largest step between neighbouring samples in x[from .. to): what a click is made of. */
static inline float fxt_slew(const float *x, int from, int to)
{
    float m = 0;
    int i;
    for (i = from > 0 ? from : 1; i < to; i++) m = fmaxf(m, fabsf(x[i] - x[i - 1]));
    return m;
}

/* The largest third difference y[n] - 3y[n-1] + 3y[n-2] - y[n-3] in x[from .. to): a jump of size s
 * in the signal shows as s, a kink (a jump in slope) as the jump in slope; a tone of amplitude A at f
 * only as A (2 pi f / sr)^3 (1.5e-6 for 0.5 at 110 Hz), and resonant ringing at a few hundred Hz as
 * little.  What a click is made of, without mistaking a resonance or a louder steady state for one. */
static inline float fxt_disc(const float *x, int from, int to)
{
    float m = 0;
    int i;
    for (i = from > 2 ? from : 3; i < to; i++)
        m = fmaxf(m, fabsf(x[i] - 3.0f * x[i - 1] + 3.0f * x[i - 2] - x[i - 3]));
    return m;
}

static inline int fxt_finite(const float *x, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

static inline double fxt_db(double x) { return 20 * log10(x > 1e-30 ? x : 1e-30); }

/* CPU seconds of this process (user + system). */
static inline double fxt_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline float *fxt_buf(int n) { return calloc((size_t)n, sizeof(float)); }
#endif
