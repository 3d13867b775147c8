/* kweight.h — BS.1770's K-weighting (a high shelf, then the RLB high-pass) designed for any sample
 * rate with the formulas libebur128 uses, and its power response, so a strip's meter and the
 * reference matcher weigh loudness as lute analyze does.
 * Thread: any.  RT-safe: yes (arithmetic only). */
#ifndef LT_DSP_KWEIGHT_H
#define LT_DSP_KWEIGHT_H
#include <math.h>

/* b[s] / a[s]: the two sections' numerators and denominators (a[s][0] = 1). */
static inline void lt_kweight_design(double sr, double b[2][3], double a[2][3]) {
    double K = tan(M_PI * 1681.974450955533 / sr), Vh = pow(10.0, 3.999843853973347 / 20.0);
    double Vb = pow(Vh, 0.4996667741545416), Q = 0.7071752369554196, a0 = 1.0 + K / Q + K * K;
    b[0][0] = (Vh + Vb * K / Q + K * K) / a0; b[0][1] = 2.0 * (K * K - Vh) / a0; b[0][2] = (Vh - Vb * K / Q + K * K) / a0;
    a[0][0] = 1.0; a[0][1] = 2.0 * (K * K - 1.0) / a0; a[0][2] = (1.0 - K / Q + K * K) / a0;
    K = tan(M_PI * 38.13547087602444 / sr); Q = 0.5003270373238773; a0 = 1.0 + K / Q + K * K;
    b[1][0] = 1.0; b[1][1] = -2.0; b[1][2] = 1.0;
    a[1][0] = 1.0; a[1][1] = 2.0 * (K * K - 1.0) / a0; a[1][2] = (1.0 - K / Q + K * K) / a0;
}

/* |H(f)|^2 of the whole weighting at frequency f (Hz). */
static inline double lt_kweight_power(double sr, double f) {
    double b[2][3], a[2][3], p = 1.0, w = 2.0 * M_PI * f / sr;
    lt_kweight_design(sr, b, a);
    for (int s = 0; s < 2; s++) {
        double c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
        double nr = b[s][0] + b[s][1] * c1 + b[s][2] * c2, ni = -(b[s][1] * s1 + b[s][2] * s2);
        double dr = a[s][0] + a[s][1] * c1 + a[s][2] * c2, di = -(a[s][1] * s1 + a[s][2] * s2);
        p *= (nr * nr + ni * ni) / (dr * dr + di * di);
    }
    return p;
}
#endif
