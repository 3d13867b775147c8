/* lineq.c — the linear-phase mastering EQ: the band layout of eqbands.h (the same parameters as
 * mineq) as one symmetric FIR whose magnitude is the bands' *analog* response, exact up to Nyquist,
 * with no phase shift between frequencies (transients keep their shape; the price is latency and a
 * little pre-ringing around steep or narrow bands).
 *
 * Design (frequency sampling): the analog magnitude on N/2 + 1 bins, inverse FFT to a zero-phase
 * impulse response, shifted to the middle of N - 1 taps and Blackman-windowed.  Convolution: uniformly
 * partitioned overlap-save (FFT size 2B for partitions of B taps; A. Torger and A. Farina, "Real-time
 * partitioned convolution for Ambiophonics surround sound", 2001).  At 44.1/48 kHz N = 8192 (5.9 Hz
 * resolution at 48 kHz) and B = 1024; twice that per doubling of the rate.
 *
 * Latency: B + N/2 - 1 frames (5119 at 44.1/48 kHz, about 107 ms), declared.  A parameter change
 * redesigns the filter at the next partition boundary and crossfades the two filters' outputs over
 * one partition (no click); moving parameters continuously costs a redesign per partition.
 * FFTW plans are made on the control thread (init) and shared by all instances; processing uses
 * FFTW's new-array execute, which is thread-safe.  Block sizes do not change the output.
 * Thread: fx.h's contract.  RT-safe: process, set, reset — yes (FFTW execute does not allocate). */
#include "dsp/fx_master.h"
#include "dsp/eqbands.h"
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct plan_pair { int n; fftwf_plan fwd, inv; } plan_pair;
static plan_pair plans[8];
static int nplans;

/* A forward and inverse real FFT of size n, made once (control thread). */
static const plan_pair *get_plans(int n) {
    for (int i = 0; i < nplans; i++) if (plans[i].n == n) return &plans[i];
    if (nplans == 8) return NULL;
    float *t = fftwf_malloc(sizeof(float) * n);
    fftwf_complex *f = fftwf_malloc(sizeof(fftwf_complex) * (n / 2 + 1));
    if (!t || !f) { fftwf_free(t); fftwf_free(f); return NULL; }
    plan_pair *p = &plans[nplans];
    /* ESTIMATE: the same algorithm every run, so the same bits. */
    p->fwd = fftwf_plan_dft_r2c_1d(n, t, f, FFTW_ESTIMATE);
    p->inv = fftwf_plan_dft_c2r_1d(n, f, t, FFTW_ESTIMATE);
    fftwf_free(t);
    fftwf_free(f);
    if (!p->fwd || !p->inv) return NULL;
    p->n = n;
    nplans++;
    return p;
}

typedef struct lineq {
    float  sr;
    int    N, B, NP, bins, stride;  /* FIR size, partition, partitions, bins of a 2B FFT, spectrum stride
                                       (bins rounded up to 64 bytes: FFTW's new-array execute needs every
                                       array aligned as the planned ones were) */
    float  want[LT_EQ_NPARAMS];     /* the latest parameter values */
    float  have[LT_EQ_NPARAMS];     /* those of the filter in use */
    int    fill, pos, cur;
    const plan_pair *big, *small;
    float         *in[2], *out[2];  /* 2B, B */
    fftwf_complex *fdl[2];          /* NP spectra per channel */
    fftwf_complex *H[2];            /* two filter sets (in use, next) of NP spectra */
    float         *t1, *t2;         /* 2B scratch */
    fftwf_complex *acc;             /* bins */
    float         *dt;              /* N: design */
    fftwf_complex *df;              /* N/2 + 1 */
} lineq;

static void sizes(float sr, int *N, int *B) {
    *N = sr <= 50000 ? 8192 : sr <= 100000 ? 16384 : 32768;
    *B = *N / 8;
}

static size_t al(size_t n) { return (n + 63) & ~(size_t)63; }

static size_t le_size(float sr, const lt_fx_data *d) {
    (void)d;
    int N, B;
    sizes(sr, &N, &B);
    int NP = N / B, bins = B + 1, stride = (bins + 7) & ~7;
    (void)bins;
    return al(sizeof(lineq)) + 64 + 2 * al(sizeof(float) * 2 * B) + 2 * al(sizeof(float) * B) +
           2 * al(sizeof(fftwf_complex) * NP * stride) + 2 * al(sizeof(fftwf_complex) * NP * stride) +
           2 * al(sizeof(float) * 2 * B) + al(sizeof(fftwf_complex) * stride) + al(sizeof(float) * N) +
           al(sizeof(fftwf_complex) * (N / 2 + 1));
}

/* Designs the filter for `want` into set `set`. */
static void design(lineq *s, int set) {
    int N = s->N, B = s->B, half = N / 2;
    for (int k = 0; k <= half; k++) {
        s->df[k][0] = (float)lt_eqbands_mag(s->want, s->sr, (double)k * s->sr / N);
        s->df[k][1] = 0;
    }
    fftwf_execute_dft_c2r(s->big->inv, s->df, s->dt);   /* zero-phase response, times N */
    int L = N - 1, c = (L - 1) / 2;
    float *h = s->t2;   /* one partition at a time */
    for (int p = 0; p < s->NP; p++) {
        for (int i = 0; i < B; i++) {
            int n = p * B + i;
            float v = 0;
            if (n < L) {
                double w = 0.42 - 0.5 * cos(2 * M_PI * n / (L - 1)) + 0.08 * cos(4 * M_PI * n / (L - 1));
                v = (float)(s->dt[(n - c + N) % N] / N * w);
            }
            h[i] = v;
        }
        for (int i = B; i < 2 * B; i++) h[i] = 0;
        fftwf_complex *Hp = s->H[set] + (size_t)p * s->stride;
        fftwf_execute_dft_r2c(s->small->fwd, h, Hp);
        float scale = 1.0f / (2 * B);
        for (int k = 0; k < s->bins; k++) { Hp[k][0] *= scale; Hp[k][1] *= scale; }
    }
    memcpy(s->have, s->want, sizeof s->have);
}

static void le_reset(void *st) {
    lineq *s = st;
    for (int c = 0; c < 2; c++) {
        memset(s->in[c], 0, sizeof(float) * 2 * s->B);
        memset(s->out[c], 0, sizeof(float) * s->B);
        memset(s->fdl[c], 0, sizeof(fftwf_complex) * s->NP * s->stride);
    }
    s->fill = s->pos = 0;
}

static void le_init(void *st, float sr, const float *p, const lt_fx_data *d) {
    (void)d;
    lineq *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    sizes(sr, &s->N, &s->B);
    s->NP = s->N / s->B;
    s->bins = s->B + 1;
    s->stride = (s->bins + 7) & ~7;
    char *m = (char *)(((uintptr_t)st + al(sizeof(lineq)) + 63) & ~(uintptr_t)63);
#define TAKE(ptr, type, count) do { ptr = (type *)m; m += al(sizeof(type) * (count)); } while (0)
    for (int c = 0; c < 2; c++) TAKE(s->in[c], float, 2 * s->B);
    for (int c = 0; c < 2; c++) TAKE(s->out[c], float, s->B);
    for (int c = 0; c < 2; c++) TAKE(s->fdl[c], fftwf_complex, s->NP * s->stride);
    for (int c = 0; c < 2; c++) TAKE(s->H[c], fftwf_complex, s->NP * s->stride);
    TAKE(s->t1, float, 2 * s->B);
    TAKE(s->t2, float, 2 * s->B);
    TAKE(s->acc, fftwf_complex, s->stride);
    TAKE(s->dt, float, s->N);
    TAKE(s->df, fftwf_complex, s->N / 2 + 1);
#undef TAKE
    s->big = get_plans(s->N);
    s->small = get_plans(2 * s->B);
    memcpy(s->want, p, sizeof s->want);
    le_reset(s);
    if (s->big && s->small) design(s, 0);
}

static void le_set(void *st, int i, float v) {
    lineq *s = st;
    if (i >= 0 && i < LT_EQ_NPARAMS) s->want[i] = v;
}

/* out = IFFT(sum over partitions of the input spectra times the filter set's spectra), second half. */
static void convolve(lineq *s, int ch, const fftwf_complex *H, float *dst) {
    int bins = s->bins, NP = s->NP;
    for (int k = 0; k < bins; k++) s->acc[k][0] = s->acc[k][1] = 0;
    for (int p = 0; p < NP; p++) {
        const fftwf_complex *X = s->fdl[ch] + (size_t)((s->pos - p + NP) % NP) * s->stride, *Hp = H + (size_t)p * s->stride;
        for (int k = 0; k < bins; k++) {
            float xr = X[k][0], xi = X[k][1], hr = Hp[k][0], hi = Hp[k][1];
            s->acc[k][0] += xr * hr - xi * hi;
            s->acc[k][1] += xr * hi + xi * hr;
        }
    }
    fftwf_execute_dft_c2r(s->small->inv, s->acc, s->t1);
    memcpy(dst, s->t1 + s->B, sizeof(float) * s->B);
}

static void hop(lineq *s) {
    int B = s->B, fade = 0, next = s->cur ^ 1;
    if (memcmp(s->want, s->have, sizeof s->have) != 0) { design(s, next); fade = 1; }
    for (int ch = 0; ch < 2; ch++) {
        memcpy(s->t1, s->in[ch], sizeof(float) * 2 * B);
        fftwf_execute_dft_r2c(s->small->fwd, s->t1, s->fdl[ch] + (size_t)s->pos * s->stride);
        convolve(s, ch, s->H[s->cur], s->out[ch]);
        if (fade) {
            convolve(s, ch, s->H[next], s->t2);
            for (int i = 0; i < B; i++) {
                float w = (i + 0.5f) / B;
                s->out[ch][i] += w * (s->t2[i] - s->out[ch][i]);
            }
        }
        memmove(s->in[ch], s->in[ch] + B, sizeof(float) * B);
    }
    if (fade) s->cur = next;
    s->pos = (s->pos + 1) % s->NP;
    s->fill = 0;
}

static void le_process(void *st, const lt_fx_block *b) {
    lineq *s = st;
    if (!s->big || !s->small) return;   /* no FFT plans (out of memory at init): pass through */
    memcpy(s->want, b->p, sizeof s->want);
    float *io[2] = {b->l, b->r};
    for (int i = 0; i < b->n; i++) {
        for (int ch = 0; ch < 2; ch++) {
            float x = io[ch][i];
            io[ch][i] = s->out[ch][s->fill];
            s->in[ch][s->B + s->fill] = x;
        }
        if (++s->fill == s->B) hop(s);
    }
}

static int le_latency(const void *st) {
    const lineq *s = st;
    return s->B + s->N / 2 - 1;
}

const lt_fx_def lt_fx_lineq = {
    .name = "lineq",
    .help = "linear-phase mastering EQ (mineq's bands, exact analog shapes, no phase shift; ~107 ms latency)",
    .example = "lineq{ lowcut = 25, low_gain = 1.5, p3_freq = 3500, p3_gain = -1, high_gain = 1 }",
    .nparams = LT_EQ_NPARAMS,
    .params = lt_eq_params,
    .mix_default = 1,
    .size = le_size,
    .init = le_init,
    .set = le_set,
    .reset = le_reset,
    .process = le_process,
    .latency = le_latency,
};
