/* fx_convolve.c — convolution with an impulse response (a room, a plate, a cabinet), zero latency.
 *
 * The impulse response (lt_fx_data: 1 or 2 channels at the engine's rate) is split into a head of
 * B = 256 taps, convolved directly sample by sample, and partitions of B taps after it, convolved by
 * uniformly partitioned overlap-save FFT convolution with a frequency-domain delay line (Stockham,
 * "High-speed convolution and correlation", 1966; Wefers, "Partitioned convolution algorithms for
 * real-time auralization", 2015, ch. 5) with FFTW (fftw3f, real transforms of 2B).  The head covers
 * exactly the B frames an FFT partition needs to fill, so the output has no latency; the FFT part of
 * each block is spread over the B frames before it is due (the older partitions are summed while
 * the current block fills, in a fixed order, so the result does not depend on how the engine splits
 * its quanta), leaving one small transform per 256 frames for the last moment.
 *
 * A mono response is applied to both channels; a stereo one left to left and right to right.  The
 * response is scaled to unit energy (its louder channel), so a hot file neither jumps in level nor
 * clips, and `gain` trims.  No response at all passes the signal unchanged.  FFTW plans are made once
 * per process on the control thread (FFTW_ESTIMATE: the same plan, hence the same bits, every run)
 * and executed on each instance's own aligned buffers; executing allocates nothing.  The spectra are
 * kept split (real parts, imaginary parts) so the multiply-accumulate and the head's dot product run
 * four lanes at a time (GCC/Clang vector extensions: SSE on x86, NEON on ARM, the same sums in the
 * same order everywhere). */
#include <pthread.h>
#include <fftw3.h>
#include "fx_common.h"

#define CB 256                       /* partition (and head) length */
#define CN (2 * CB)                  /* FFT length */
#define CBINS (CB + 1)
#define CSTRIDE 272                  /* a split spectrum: CBINS real parts, then CBINS imaginary parts,
                                        each padded to 272 floats (64-byte aligned) */

typedef float v4f __attribute__((vector_size(16)));
typedef float v4u __attribute__((vector_size(16), aligned(4)));   /* unaligned loads */

static fftwf_plan plan_fwd, plan_inv;
static pthread_once_t plan_once = PTHREAD_ONCE_INIT;

static void make_plans(void)
{
    float *x = fftwf_malloc(sizeof(float) * CN);
    fftwf_complex *X = fftwf_malloc(sizeof(fftwf_complex) * CBINS);
    plan_fwd = fftwf_plan_dft_r2c_1d(CN, x, X, FFTW_ESTIMATE);
    plan_inv = fftwf_plan_dft_c2r_1d(CN, X, x, FFTW_ESTIMATE);
    fftwf_free(x);
    fftwf_free(X);
}

typedef struct conv_ch {
    float         *head;             /* B taps, reversed: head[B - 1 - m] = h[m] */
    float         *hist;             /* input history, 2B, doubled */
    float         *inbuf;            /* [previous block, current block] */
    float         *tbuf;             /* IFFT result (2B) */
    float         *tout;             /* tail output for the current block (B) */
    float         *fdl;              /* P split spectra of input blocks (2 CSTRIDE floats each), a ring */
    float         *acc;              /* the split sum being built for the next block */
    fftwf_complex *spec;             /* an interleaved spectrum, FFTW's side */
    const float   *H;                /* P split spectra of the response's partitions (scaled by 1/2B) */
} conv_ch;

typedef struct conv_st {
    float   sr;
    int     P;                       /* partitions after the head */
    int     pos;                     /* frame within the current block */
    int     ring;                    /* fdl slot of the newest spectrum */
    int     done;                    /* partitions already summed into acc for the next block */
    int     hpos;
    int     stereo_ir;
    float   tail_s;
    conv_ch ch[2];
    float  *H[2];
} conv_st;

static void conv_shape(const lt_fx_data *d, int *P, int *nh)
{
    int64_t n = d && d->samples && d->frames > 0 ? d->frames : 1;
    *P = n > CB ? (int)((n - CB + CB - 1) / CB) : 0;
    *nh = d && d->samples && d->channels == 2 ? 2 : 1;
}

static size_t conv_layout(conv_st *s, const lt_fx_data *d)
{
    fx_arena a = fx_arena_of(s, sizeof *s);
    int P, nh, c;
    conv_shape(d, &P, &nh);
    for (c = 0; c < 2; c++) {
        conv_ch ch;
        ch.head = fx_take(&a, sizeof(float) * CB);
        ch.hist = fx_take(&a, sizeof(float) * 2 * CB);
        ch.inbuf = fx_take(&a, sizeof(float) * CN);
        ch.tbuf = fx_take(&a, sizeof(float) * CN);
        ch.tout = fx_take(&a, sizeof(float) * CB);
        ch.fdl = fx_take(&a, sizeof(float) * 2 * CSTRIDE * (size_t)(P > 0 ? P : 1));
        ch.acc = fx_take(&a, sizeof(float) * 2 * CSTRIDE);
        ch.spec = fx_take(&a, sizeof(fftwf_complex) * CBINS);
        ch.H = NULL;
        if (s) s->ch[c] = ch;
    }
    for (c = 0; c < nh; c++) {
        float *H = fx_take(&a, sizeof(float) * 2 * CSTRIDE * (size_t)(P > 0 ? P : 1));
        if (s) s->H[c] = H;
    }
    if (s) {
        s->P = P;
        s->stereo_ir = nh == 2;
    }
    return fx_arena_size(sizeof *s, a.used);
}

static size_t conv_size(float sr, const lt_fx_data *d) { (void)sr; return conv_layout(NULL, d); }

static void conv_reset(void *st)
{
    conv_st *s = st;
    int c;
    for (c = 0; c < 2; c++) {
        conv_ch *ch = &s->ch[c];
        memset(ch->hist, 0, sizeof(float) * 2 * CB);
        memset(ch->inbuf, 0, sizeof(float) * CN);
        memset(ch->tout, 0, sizeof(float) * CB);
        memset(ch->fdl, 0, sizeof(float) * 2 * CSTRIDE * (size_t)(s->P > 0 ? s->P : 1));
        memset(ch->acc, 0, sizeof(float) * 2 * CSTRIDE);
    }
    s->pos = s->ring = s->done = s->hpos = 0;
}

static void split(const fftwf_complex *X, float *out)
{
    int k;
    for (k = 0; k < CBINS; k++) out[k] = X[k][0], out[CSTRIDE + k] = X[k][1];
}

static void join(const float *in, fftwf_complex *X)
{
    int k;
    for (k = 0; k < CBINS; k++) X[k][0] = in[k], X[k][1] = in[CSTRIDE + k];
}

static void conv_init(void *st, float sr, const float *p, const lt_fx_data *d)
{
    conv_st *s = st;
    int c, j, m, nch = d && d->samples && d->frames > 0 ? d->channels : 0;
    int64_t n = nch ? d->frames : 0;
    double energy = 0, scale = 1;
    (void)p;
    pthread_once(&plan_once, make_plans);
    conv_layout(s, d);
    s->sr = sr;
    s->tail_s = (float)((double)(n > 0 ? n : 1) / sr);
    for (c = 0; c < nch && c < 2; c++) {
        double e = 0;
        int64_t i;
        for (i = 0; i < n; i++) e += (double)d->samples[i * nch + c] * d->samples[i * nch + c];
        energy = e > energy ? e : energy;
    }
    if (energy > 0) scale = 1 / sqrt(energy);
    for (c = 0; c < 2; c++) {
        int src = nch == 2 ? c : 0;
        conv_ch *ch = &s->ch[c];
        for (m = 0; m < CB; m++) {
            double h = nch ? (m < n ? d->samples[(int64_t)m * nch + src] * scale : 0) : (m == 0 ? 1 : 0);
            ch->head[CB - 1 - m] = (float)h;
        }
    }
    /* the partitions' spectra, with the inverse transform's 1/2B folded in */
    for (c = 0; c < (s->stereo_ir ? 2 : 1); c++) {
        float *tmp = s->ch[0].tbuf;
        for (j = 0; j < s->P; j++) {
            for (m = 0; m < CN; m++) {
                int64_t k = (int64_t)CB + (int64_t)j * CB + m;
                tmp[m] = (m < CB && k < n) ? (float)(d->samples[k * nch + c] * scale / CN) : 0.0f;
            }
            fftwf_execute_dft_r2c(plan_fwd, tmp, s->ch[0].spec);
            split(s->ch[0].spec, s->H[c] + (size_t)j * 2 * CSTRIDE);
        }
    }
    s->ch[0].H = s->H[0];
    s->ch[1].H = s->stereo_ir ? s->H[1] : s->H[0];
    conv_reset(st);
}

/* acc += H_j X over the bins, split spectra, four bins at a time (the last, Nyquist, alone). */
static inline void cmac(float *acc, const float *H, const float *X)
{
    int k;
    for (k = 0; k < CB; k += 4) {
        v4f hr = *(const v4f *)(H + k), hi = *(const v4f *)(H + CSTRIDE + k);
        v4f xr = *(const v4f *)(X + k), xi = *(const v4f *)(X + CSTRIDE + k);
        *(v4f *)(acc + k) += hr * xr - hi * xi;
        *(v4f *)(acc + CSTRIDE + k) += hr * xi + hi * xr;
    }
    acc[CB] += H[CB] * X[CB] - H[CSTRIDE + CB] * X[CSTRIDE + CB];
    acc[CSTRIDE + CB] += H[CB] * X[CSTRIDE + CB] + H[CSTRIDE + CB] * X[CB];
}

/* Sums partitions j = done+1 .. upto into each channel's accumulator (j >= 1: spectra already in
 * the delay line; the newest spectrum, slot `ring`, is partition 0's partner, added at the end). */
static void conv_spread(conv_st *s, int upto)
{
    int c, j;
    for (j = s->done + 1; j <= upto; j++) {
        int slot = s->ring - j + 1;           /* the spectrum j - 1 blocks older than the newest */
        if (slot < 0) slot += s->P;
        for (c = 0; c < 2; c++)
            cmac(s->ch[c].acc, s->ch[c].H + (size_t)j * 2 * CSTRIDE, s->ch[c].fdl + (size_t)slot * 2 * CSTRIDE);
    }
    s->done = upto > s->done ? upto : s->done;
}

static void conv_process(void *st, const lt_fx_block *b)
{
    conv_st *s = st;
    float *x[2] = { b->l, b->r };
    int i, c, m;
    for (i = 0; i < b->n; i++) {
        float g = fx_db2lin(fx_p(b, 0, i));
        for (c = 0; c < 2; c++) {
            conv_ch *ch = &s->ch[c];
            float in = fx_finite(x[c][i]), acc;
            const float *w;
            v4f a0 = { 0, 0, 0, 0 }, a1 = a0;
            ch->hist[s->hpos] = ch->hist[s->hpos + CB] = in;
            ch->inbuf[CB + s->pos] = in;
            w = ch->hist + s->hpos + 1;           /* the last CB inputs, oldest first */
            for (m = 0; m < CB; m += 8) {
                a0 += *(const v4f *)(ch->head + m) * *(const v4u *)(w + m);
                a1 += *(const v4f *)(ch->head + m + 4) * *(const v4u *)(w + m + 4);
            }
            a0 += a1;
            acc = (a0[0] + a0[1]) + (a0[2] + a0[3]);
            x[c][i] = (acc + ch->tout[s->pos]) * g;
        }
        if (++s->hpos == CB) s->hpos = 0;
        if (++s->pos == CB) {
            /* a block is complete: its spectrum, the partitions not summed yet, then the tail of the
             * next block */
            s->pos = 0;
            if (s->P > 0) {
                conv_spread(s, s->P - 1);
                s->ring = (s->ring + 1) % s->P;
                for (c = 0; c < 2; c++) {
                    conv_ch *ch = &s->ch[c];
                    float *X = ch->fdl + (size_t)s->ring * 2 * CSTRIDE;
                    fftwf_execute_dft_r2c(plan_fwd, ch->inbuf, ch->spec);
                    split(ch->spec, X);
                    cmac(ch->acc, ch->H, X);
                    join(ch->acc, ch->spec);
                    fftwf_execute_dft_c2r(plan_inv, ch->spec, ch->tbuf);
                    memcpy(ch->tout, ch->tbuf + CB, sizeof(float) * CB);
                    memset(ch->acc, 0, sizeof(float) * 2 * CSTRIDE);
                    memcpy(ch->inbuf, ch->inbuf + CB, sizeof(float) * CB);
                }
                s->done = 0;
            }
        } else if (s->P > 1) {
            /* spread the older partitions over the block: by frame pos, pos/CB of them */
            int upto = (int)(((int64_t)(s->P - 1) * s->pos) / CB);
            if (upto > s->done) conv_spread(s, upto);
        }
    }
    for (c = 0; c < 2; c++) {
        /* NaN guard: a non-finite tail (from a non-finite input before fx_finite) cannot arise, but a
         * spectrum that overflowed would persist for the length of the response */
        if (!isfinite(s->ch[c].tout[0])) memset(s->ch[c].tout, 0, sizeof(float) * CB);
    }
}

static float conv_tail(const void *st) { return ((const conv_st *)st)->tail_s; }

static const lt_fx_param conv_params[] = {
    { "gain", -24.0f, 24.0f, 0.0f, "dB", 1, "level (the response is scaled to unit energy first)" },
};

const lt_fx_def lt_fx_convolve = {
    "convolve", "convolution with an impulse response file (partitioned FFT, zero latency)",
    "convolve{ ir = \"irs/hall.wav\", mix = 0.3 }",
    1, conv_params, LT_FX_TAIL, 0.3f, "ir",
    conv_size, conv_init, NULL, conv_reset, conv_process, NULL, conv_tail, NULL,
};
