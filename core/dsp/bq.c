/* bq.c — biquad designs (see bq.h for the sources). */
#include "dsp/bq.h"
#include <complex.h>
#include <math.h>

lt_bq lt_bq_identity(void) { return (lt_bq){1, 0, 0, 0, 0}; }

lt_bq lt_bq_design(lt_bq_kind kind, double sr, double f0, double q, double gain_db) {
    if (f0 > 0.499 * sr) f0 = 0.499 * sr;
    if (f0 < 1) f0 = 1;
    if (q < 0.05) q = 0.05;
    double A = pow(10.0, gain_db / 40.0), w0 = 2 * M_PI * f0 / sr, cw = cos(w0), sw = sin(w0);
    double alpha = sw / (2 * q), b0, b1, b2, a0, a1, a2, sq = 2 * sqrt(A) * alpha;
    switch (kind) {
    case LT_BQ_LOWPASS: b0 = (1 - cw) / 2; b1 = 1 - cw; b2 = b0; a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha; break;
    case LT_BQ_HIGHPASS: b0 = (1 + cw) / 2; b1 = -(1 + cw); b2 = b0; a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha; break;
    case LT_BQ_ALLPASS: b0 = 1 - alpha; b1 = -2 * cw; b2 = 1 + alpha; a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha; break;
    case LT_BQ_PEAK:
        b0 = 1 + alpha * A; b1 = -2 * cw; b2 = 1 - alpha * A; a0 = 1 + alpha / A; a1 = -2 * cw; a2 = 1 - alpha / A; break;
    case LT_BQ_LOWSHELF:
        b0 = A * ((A + 1) - (A - 1) * cw + sq); b1 = 2 * A * ((A - 1) - (A + 1) * cw); b2 = A * ((A + 1) - (A - 1) * cw - sq);
        a0 = (A + 1) + (A - 1) * cw + sq; a1 = -2 * ((A - 1) + (A + 1) * cw); a2 = (A + 1) + (A - 1) * cw - sq; break;
    case LT_BQ_HIGHSHELF:
    default:
        b0 = A * ((A + 1) + (A - 1) * cw + sq); b1 = -2 * A * ((A - 1) + (A + 1) * cw); b2 = A * ((A + 1) + (A - 1) * cw - sq);
        a0 = (A + 1) - (A - 1) * cw + sq; a1 = 2 * ((A - 1) - (A + 1) * cw); a2 = (A + 1) - (A - 1) * cw - sq; break;
    }
    return (lt_bq){b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

lt_bq lt_bq_peak_matched(double sr, double f0, double q, double gain_db) {
    if (f0 > 0.499 * sr) f0 = 0.499 * sr;
    if (f0 < 1) f0 = 1;
    double A = pow(10.0, gain_db / 40.0);
    /* Vicanek's peaking filter is H(s) = (s² + s·G/Qp + 1)/(s² + s/Qp + 1): the cookbook's analog
     * peak with pole quality Qp = A·Q and centre gain G = A². */
    double G = A * A, Qp = A * q;
    double w0 = 2 * M_PI * f0 / sr, zeta = 1 / (2 * Qp);
    double a1, a2 = exp(-2 * zeta * w0);
    if (zeta <= 1) a1 = -2 * exp(-zeta * w0) * cos(sqrt(1 - zeta * zeta) * w0);
    else a1 = -2 * exp(-zeta * w0) * cosh(sqrt(zeta * zeta - 1) * w0);
    double A0 = (1 + a1 + a2) * (1 + a1 + a2), A1 = (1 - a1 + a2) * (1 - a1 + a2), A2 = -4 * a2;
    double s2 = sin(w0 / 2) * sin(w0 / 2);
    double phi0 = 1 - s2, phi1 = s2, phi2 = 4 * phi0 * phi1;
    double R1 = (A0 * phi0 + A1 * phi1 + A2 * phi2) * G * G;
    double R2 = (-A0 + A1 + 4 * (phi0 - phi1) * A2) * G * G;
    double B0 = A0, B2 = (R1 - R2 * phi1 - B0) / (4 * phi1 * phi1), B1 = R2 + B0 + 4 * (phi1 - phi0) * B2;
    if (B1 < 0) B1 = 0;
    double W = 0.5 * (sqrt(B0) + sqrt(B1));
    double disc = W * W + B2;
    if (disc < 0) disc = 0;
    double b0 = 0.5 * (W + sqrt(disc)), b1 = 0.5 * (sqrt(B0) - sqrt(B1)), b2 = -B2 / (4 * b0);
    return (lt_bq){b0, b1, b2, a1, a2};
}

double lt_bq_mag(const lt_bq *c, double sr, double f) {
    double complex z = cexp(-I * 2 * M_PI * f / sr);
    double complex num = c->b0 + c->b1 * z + c->b2 * z * z, den = 1 + c->a1 * z + c->a2 * z * z;
    return cabs(num / den);
}

double lt_bq_analog_mag(lt_bq_kind kind, double f0, double q, double gain_db, double f) {
    double complex s = I * f / f0, h;
    double A = pow(10.0, gain_db / 40.0), sa = sqrt(A);
    switch (kind) {
    case LT_BQ_LOWPASS: h = 1 / (s * s + s / q + 1); break;
    case LT_BQ_HIGHPASS: h = s * s / (s * s + s / q + 1); break;
    case LT_BQ_ALLPASS: h = 1; break;
    case LT_BQ_PEAK: h = (s * s + s * A / q + 1) / (s * s + s / (A * q) + 1); break;
    case LT_BQ_LOWSHELF: h = A * (s * s + sa / q * s + A) / (A * s * s + sa / q * s + 1); break;
    case LT_BQ_HIGHSHELF:
    default: h = A * (A * s * s + sa / q * s + 1) / (s * s + sa / q * s + A); break;
    }
    return cabs(h);
}

lt_svf_co lt_bq_svf(const lt_bq *c) {
    double P = 1 + c->a1 + c->a2, M = 1 - c->a1 + c->a2;
    lt_svf_co o;
    if (!(P > 1e-300) || !(M > 1e-300)) return (lt_svf_co){0.1, M_SQRT2, 1, 0, 0};   /* unstable: pass */
    o.g = sqrt(P / M);
    o.k = 2 * (1 - c->a2) / (M * o.g);
    o.m0 = (c->b0 - c->b1 + c->b2) / M;
    o.m1 = 2 * (c->b0 - c->b2) / (M * o.g) - o.m0 * o.k;
    o.m2 = (c->b0 + c->b1 + c->b2) / (M * o.g * o.g) - o.m0;
    return o;
}

void lt_svf_glide_set(lt_svf_glide *s, lt_svf_co c) {
    double t[5] = {c.g, c.k, c.m0, c.m1, c.m2};
    for (int j = 0; j < 5; j++)
        if (t[j] != s->tgt[j]) {
            s->tgt[j] = t[j];
            s->steady = 0;
        }
}

void lt_svf_glide_snap(lt_svf_glide *s) {
    for (int j = 0; j < 5; j++) s->v[j] = s->w[j] = s->tgt[j];
    s->steady = 0;
    lt_svf_glide_step(s, 0);
}
