/* onsets.c — where the hits of a loop start, for slicing a break at its onsets.
 *
 * Detection is spectral flux (Masri 1996; Bello et al., "A tutorial on onset detection in music
 * signals", IEEE TSAP 2005): the sum over frequency bins of the rise in log-compressed magnitude
 * from one short-time spectrum to the next (Hann window of ~21 ms, hop of 1/8 of it, FFTW), so a
 * quiet hit counts as much as a loud one and a sustained sound fading does not count at all.  Peaks
 * are picked as Böck, Krebs and Schedl do ("Evaluating the online capabilities of onset detection
 * methods", ISMIR 2012): a frame is an onset when it is the largest within ±30 ms, exceeds the mean
 * of the 100 ms before and 30 ms after by a margin (0.02 x threshold of the largest flux: a
 * kick's sine sweep rises in few bins, so its flux is a tenth of a snare's, while the flux of a
 * decaying noise tail stays below 0.005), and lies
 * at least min_gap after the previous onset.
 *
 * A spectral frame is ~21 ms long, too coarse to cut at.  Each detected onset is then placed on the
 * steepest rise of a 1 ms energy envelope within the frame that found it: the first millisecond whose
 * energy most exceeds that of the millisecond before it (as a ratio), which for a drum hit is its
 * first millisecond.  Plans are made with FFTW_ESTIMATE, whose choice of algorithm does not depend on
 * timing, so the result is the same every run. */
#include "sampler/sample.h"
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int lt_sample_onsets(const lt_sample *s, const lt_onset_config *cfg, int64_t *out, int max) {
    const double sr = s->rate;
    const double threshold = cfg && cfg->threshold > 0 ? cfg->threshold : 1.0;
    const double gap_s = cfg && cfg->min_gap > 0 ? cfg->min_gap : 0.03;
    int N = 256;
    while (N < 0.021 * sr) N *= 2;                   /* 1024 at 44.1 and 48 kHz */
    const int hop = N / 8, nb = N / 2 + 1;
    const int64_t n = s->frames;
    const int64_t nframes = n / hop + 2;             /* frame j is centred on sample j * hop */
    const int ch = s->channels;
    const float *x = s->level[0].data;
    int count = -1;

    float *mono = malloc(sizeof(float) * (size_t)n);
    double *cum = malloc(sizeof(double) * (size_t)(n + 1));
    float *win = malloc(sizeof(float) * (size_t)N);
    float *buf = fftwf_malloc(sizeof(float) * (size_t)N);
    fftwf_complex *spec = fftwf_malloc(sizeof(fftwf_complex) * (size_t)nb);
    float *prev = calloc((size_t)nb, sizeof(float)), *cur = malloc(sizeof(float) * (size_t)nb);
    double *flux = calloc((size_t)nframes, sizeof(double));
    fftwf_plan plan = NULL;
    if (!mono || !cum || !win || !buf || !spec || !prev || !cur || !flux) goto done;
    plan = fftwf_plan_dft_r2c_1d(N, buf, spec, FFTW_ESTIMATE);
    if (!plan) goto done;

    cum[0] = 0.0;
    for (int64_t i = 0; i < n; i++) {
        float v = ch == 2 ? 0.5f * (x[2 * i] + x[2 * i + 1]) : x[i];
        mono[i] = v;
        cum[i + 1] = cum[i] + (double)v * v;
    }
    for (int i = 0; i < N; i++) win[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / N));

    /* Log compression with gamma relative to the sample's peak, so the detection does not depend on
     * the sample's level. */
    float peak = 0.0f;
    for (int64_t i = 0; i < n; i++) peak = fabsf(mono[i]) > peak ? fabsf(mono[i]) : peak;
    if (peak <= 0.0f) { count = 0; goto done; }
    const double gamma = 1000.0 / (peak * N * 0.25);
    double fmax = 0.0;
    for (int64_t j = 0; j < nframes; j++) {
        int64_t start = j * hop - N / 2;
        for (int i = 0; i < N; i++) {
            int64_t t = start + i;
            buf[i] = t >= 0 && t < n ? mono[t] * win[i] : 0.0f;
        }
        fftwf_execute(plan);
        double f = 0.0;
        for (int k = 0; k < nb; k++) {
            double mag = hypot(spec[k][0], spec[k][1]);
            cur[k] = (float)log1p(gamma * mag);
            double d = cur[k] - prev[k];
            if (d > 0) f += d;
        }
        memcpy(prev, cur, sizeof(float) * (size_t)nb);
        flux[j] = f;
        if (f > fmax) fmax = f;
    }
    if (fmax <= 0.0) { count = 0; goto done; }

    const int wmax = (int)ceil(0.030 * sr / hop), pre = (int)ceil(0.100 * sr / hop), post = wmax;
    const double delta = 0.02 * threshold * fmax;
    const int64_t gap = (int64_t)llround(gap_s * sr), e = (int64_t)llround(0.001 * sr);
    int64_t last = -gap - 1;
    count = 0;
    for (int64_t j = 0; j < nframes; j++) {
        int is_max = 1;
        double sum = 0.0;
        int64_t lo = j - pre < 0 ? 0 : j - pre, hi = j + post >= nframes ? nframes - 1 : j + post;
        for (int64_t k = j - wmax; k <= j + wmax && is_max; k++) {
            if (k < 0 || k >= nframes || k == j) continue;
            if (flux[k] > flux[j] || (flux[k] == flux[j] && k < j)) is_max = 0;
        }
        if (!is_max) continue;
        for (int64_t k = lo; k <= hi; k++) sum += flux[k];

        if (flux[j] < sum / (double)(hi - lo + 1) + delta) continue;

        /* Place it: the 1 ms step whose energy rises most over the millisecond before it, searched
         * across the frame that saw it (and the hop before). */
        int64_t a = j * hop - N / 2 - hop, b = j * hop + N / 2;
        if (a < 0) a = 0;
        if (b > n - 1) b = n - 1;
        const double eps = 1e-12 * (double)peak * peak * (double)e;
        double best = -1.0;
        int64_t at = a;
        for (int64_t t = a; t <= b; t++) {
            int64_t t0 = t - e < 0 ? 0 : t - e, t1 = t + e > n ? n : t + e;
            double before = cum[t] - cum[t0], after = cum[t1] - cum[t];
            double r = (after + eps) / (before + eps);
            if (r > best) { best = r; at = t; }
        }
        if (at - last < gap) continue;
        if (count < max && out) out[count] = at;
        count++;
        last = at;
    }
done:
    if (plan) fftwf_destroy_plan(plan);
    free(mono); free(cum); free(win); free(prev); free(cur); free(flux);
    if (buf) fftwf_free(buf);
    if (spec) fftwf_free(spec);
    return count;
}
