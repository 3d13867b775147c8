/* tpinterp.h — the polyphase interpolator behind lute's true-peak readings: the meter
 * (core/analysis/truepeak.c, 4x) and the limiter's detector (core/dsp/limiter.c, 8x) both look
 * between the samples with it, so what the limiter holds is what the meter reads.
 *
 * A Kaiser-windowed sinc cut at the original Nyquist frequency, T taps per phase, P phases.  The
 * value at n + p/P is the dot product of taps [p] with x[n - T/2 + 1 .. n + T/2].  The coefficient
 * table is laid out tap-major (h[k * P + p]) so that all P phases of one tap are adjacent and the
 * loop over phases vectorises without reordering any sum (the same bits on every build).
 * With T = 32 (beta 8) the interpolated level is within 0.01 dB of the true one up to 0.82 of
 * Nyquist (18 kHz at 44.1 kHz) and within 0.05 dB up to 0.86; a parabola through the oversampled
 * maximum and its two neighbours then finds the peak between the oversampled points.
 *
 * Thread: any.  RT-safe: lt_interp_design no (call it at init), the rest yes. */
#ifndef LT_DSP_TPINTERP_H
#define LT_DSP_TPINTERP_H

#define LT_INTERP_TAPS 32

/* Fills h[T * P] (tap-major).  Each phase is scaled to unity gain at DC.  cutoff: the sinc's cut as
 * a fraction of the original Nyquist frequency; at 1, phase 0 is exactly the sample.  (0.97 with
 * beta 9 is libswresample's default filter, the one ffmpeg's ebur128 reads true peaks through.) */
void  lt_interp_design(float *h, int P, int T, double beta, double cutoff);
/* The largest sum of |taps| over the phases: no interpolated value exceeds this times the largest
 * |x| under the taps (used to skip quiet stretches). */
float lt_interp_bound(const float *h, int P, int T);

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* v[0..P-1]: the values at n + p/P, from xk = &x[n - T/2 + 1] (T samples).  The _x4 and _x2 forms
 * do 4 (or 2) consecutive n at once, v[j * P + p] for n + j: independent sums run side by side,
 * each added in tap order, so they give the bits of the one-at-a-time loop on any build. */
static inline void lt_interp4(const float *h, const float *xk, float *v) {
    float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int k = 0; k < LT_INTERP_TAPS; k++) {
        float s = xk[k];
        const float *c = h + k * 4;
        a0 += c[0] * s; a1 += c[1] * s; a2 += c[2] * s; a3 += c[3] * s;
    }
    v[0] = a0; v[1] = a1; v[2] = a2; v[3] = a3;
}

static inline void lt_interp4_x4(const float *h, const float *xk, float *v) {
#if defined(__SSE2__)
    __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int k = 0; k < LT_INTERP_TAPS; k++) {
        __m128 c = _mm_loadu_ps(h + k * 4);
        a0 = _mm_add_ps(a0, _mm_mul_ps(c, _mm_set1_ps(xk[k])));
        a1 = _mm_add_ps(a1, _mm_mul_ps(c, _mm_set1_ps(xk[k + 1])));
        a2 = _mm_add_ps(a2, _mm_mul_ps(c, _mm_set1_ps(xk[k + 2])));
        a3 = _mm_add_ps(a3, _mm_mul_ps(c, _mm_set1_ps(xk[k + 3])));
    }
    _mm_storeu_ps(v, a0); _mm_storeu_ps(v + 4, a1); _mm_storeu_ps(v + 8, a2); _mm_storeu_ps(v + 12, a3);
#else
    for (int j = 0; j < 4; j++) lt_interp4(h, xk + j, v + 4 * j);
#endif
}

static inline void lt_interp8(const float *h, const float *xk, float *v) {
    float a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int k = 0; k < LT_INTERP_TAPS; k++) {
        float s = xk[k];
        const float *c = h + k * 8;
        for (int p = 0; p < 8; p++) a[p] += c[p] * s;
    }
    for (int p = 0; p < 8; p++) v[p] = a[p];
}

static inline void lt_interp8_x2(const float *h, const float *xk, float *v) {
#if defined(__SSE2__)
    __m128 a0 = _mm_setzero_ps(), a1 = a0, b0 = a0, b1 = a0;
    for (int k = 0; k < LT_INTERP_TAPS; k++) {
        __m128 c0 = _mm_loadu_ps(h + k * 8), c1 = _mm_loadu_ps(h + k * 8 + 4);
        __m128 s = _mm_set1_ps(xk[k]), t = _mm_set1_ps(xk[k + 1]);
        a0 = _mm_add_ps(a0, _mm_mul_ps(c0, s));
        a1 = _mm_add_ps(a1, _mm_mul_ps(c1, s));
        b0 = _mm_add_ps(b0, _mm_mul_ps(c0, t));
        b1 = _mm_add_ps(b1, _mm_mul_ps(c1, t));
    }
    _mm_storeu_ps(v, a0); _mm_storeu_ps(v + 4, a1); _mm_storeu_ps(v + 8, b0); _mm_storeu_ps(v + 12, b1);
#else
    lt_interp8(h, xk, v);
    lt_interp8(h, xk + 1, v + 8);
#endif
}

/* The peak of the parabola through three neighbouring oversampled values whose middle one has the
 * largest magnitude (the vertex, in magnitude); b when the three do not bend. */
static inline float lt_interp_vertex(float a, float b, float c) {
    if (b < 0) { a = -a; b = -b; c = -c; }
    float den = a - 2 * b + c;
    if (!(den < 0)) return b;
    float d = 0.5f * (a - c) / den;
    if (d > 0.5f) d = 0.5f;
    if (d < -0.5f) d = -0.5f;
    return b - 0.25f * (a - c) * d;
}
#endif
