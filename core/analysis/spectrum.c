/* spectrum.c — Welch's averaged periodogram (P. D. Welch, "The use of fast Fourier transform for
 * the estimation of power spectra", IEEE Trans. Audio Electroacoust. 15(2), 1967) over FFTW —
 * Hann-windowed segments one after another, without overlap: over minutes of programme the average
 * is as good, at half the FFTs of the usual half overlap — and
 * third-octave band levels from it (band edges after IEC 61260: centre 1000 * 2^(k/3) Hz, edges a
 * sixth of an octave either side).  See spectrum.h. */
#include "analysis/spectrum.h"
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct lt_welch {
    int      nfft, channels, fill, segments;
    int64_t  total;
    float   *buf;       /* channels * nfft: the current segment, per channel */
    float   *win;
    float   *in;        /* fftwf_malloc'd: windowed segment */
    fftwf_complex *out;
    fftwf_plan plan;
    double  *acc;       /* summed |X|^2 over segments and channels */
    double  *psd;
    double   wpow;      /* sum of w^2 */
};

const double lt_band_nominal[31] = {20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630,
                                    800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000,
                                    12500, 16000, 20000};

int lt_welch_size(int rate) {
    int n = 1024;
    while (n < rate * 0.68) n *= 2;
    return n;
}

lt_welch *lt_welch_new(int nfft, int channels) {
    lt_welch *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->nfft = nfft;
    w->channels = channels;
    w->buf = calloc((size_t)nfft * channels, sizeof(float));
    w->win = malloc(sizeof(float) * nfft);
    w->in = fftwf_malloc(sizeof(float) * nfft);
    w->out = fftwf_malloc(sizeof(fftwf_complex) * (nfft / 2 + 1));
    w->acc = calloc(nfft / 2 + 1, sizeof(double));
    w->psd = calloc(nfft / 2 + 1, sizeof(double));
    if (!w->buf || !w->win || !w->in || !w->out || !w->acc || !w->psd) { lt_welch_free(w); return NULL; }
    /* FFTW_ESTIMATE: the same plan on every run, so the same numbers (determinism). */
    w->plan = fftwf_plan_dft_r2c_1d(nfft, w->in, w->out, FFTW_ESTIMATE);
    if (!w->plan) { lt_welch_free(w); return NULL; }
    for (int i = 0; i < nfft; i++) {
        w->win[i] = (float)(0.5 - 0.5 * cos(2 * M_PI * i / nfft));   /* periodic Hann: 50% overlap sums flat */
        w->wpow += (double)w->win[i] * w->win[i];
    }
    return w;
}

static void segment(lt_welch *w) {
    int n = w->nfft, nb = n / 2 + 1;
    for (int c = 0; c < w->channels; c++) {
        const float *b = w->buf + (size_t)c * n;
        for (int i = 0; i < n; i++) w->in[i] = b[i] * w->win[i];
        fftwf_execute(w->plan);
        for (int k = 0; k < nb; k++) w->acc[k] += (double)w->out[k][0] * w->out[k][0] + (double)w->out[k][1] * w->out[k][1];
    }
    w->segments++;
}

void lt_welch_add(lt_welch *w, const float *x, int64_t frames) {
    int n = w->nfft, ch = w->channels;
    for (int64_t i = 0; i < frames;) {
        int take = n - w->fill;
        if (take > frames - i) take = (int)(frames - i);
        for (int c = 0; c < ch; c++) {
            float *b = w->buf + (size_t)c * n + w->fill;
            const float *s = x + i * ch + c;
            for (int j = 0; j < take; j++) b[j] = s[(size_t)j * ch];
        }
        w->fill += take;
        i += take;
        w->total += take;
        if (w->fill == n) {
            segment(w);
            w->fill = 0;
        }
    }
}

const double *lt_welch_psd(lt_welch *w, int *nbins) {
    int n = w->nfft, nb = n / 2 + 1;
    double scale;
    if (w->segments == 0 && w->total > 0) {
        /* Shorter than one segment: one zero-padded segment, scaled back to the samples it had. */
        lt_welch tmp = *w;
        double *acc = calloc(nb, sizeof(double));
        float *buf = calloc((size_t)n * w->channels, sizeof(float));
        if (acc && buf) {
            for (int c = 0; c < w->channels; c++) memcpy(buf + (size_t)c * n, w->buf + (size_t)c * n, sizeof(float) * w->fill);
            tmp.acc = acc;
            tmp.buf = buf;
            tmp.segments = 0;
            segment(&tmp);
            scale = 2.0 / ((double)n * w->wpow * w->channels) * ((double)n / w->fill);
            for (int k = 0; k < nb; k++) w->psd[k] = acc[k] * scale;
        }
        free(acc);
        free(buf);
    } else if (w->segments > 0) {
        scale = 2.0 / ((double)n * w->wpow * w->channels * w->segments);
        for (int k = 0; k < nb; k++) w->psd[k] = w->acc[k] * scale;
    } else memset(w->psd, 0, sizeof(double) * nb);
    w->psd[0] *= 0.5;              /* DC and Nyquist have no mirror image */
    w->psd[nb - 1] *= 0.5;
    if (nbins) *nbins = nb;
    return w->psd;
}

void lt_welch_free(lt_welch *w) {
    if (!w) return;
    if (w->plan) fftwf_destroy_plan(w->plan);
    free(w->buf);
    free(w->win);
    fftwf_free(w->in);
    fftwf_free(w->out);
    free(w->acc);
    free(w->psd);
    free(w);
}

void lt_bands_from_psd(const double *psd, int nbins, int rate, double *band_db) {
    double df = (double)rate / (2.0 * (nbins - 1));
    for (int b = 0; b < 31; b++) {
        double fc = 1000.0 * pow(2.0, (b - 17) / 3.0);
        double lo = fc * pow(2.0, -1.0 / 6), hi = fc * pow(2.0, 1.0 / 6);
        if (lo >= rate / 2.0) { band_db[b] = NAN; continue; }
        /* Bins are split at the edges in proportion, so narrow low bands are not quantised to bins. */
        double p = 0;
        int k0 = (int)floor(lo / df), k1 = (int)ceil(hi / df);
        for (int k = k0; k <= k1 && k < nbins; k++) {
            double a = (k - 0.5) * df, z = (k + 0.5) * df;
            double ov = fmin(z, hi) - fmax(a, lo);
            if (ov > 0) p += psd[k] * ov / df;
        }
        band_db[b] = p > 0 ? 10 * log10(2 * p) : -INFINITY;
    }
}
