/* svf.c — resonant two-pole low-pass, the trapezoidal (topology-preserving transform) state-variable
 * filter of Zavalishin ("The Art of VA Filter Design", ch. 4) in Andrew Simper's formulation
 * (Cytomic, "Linear trapezoidal integrated SVF", 2013).
 *
 * Its two integrator states are the filter's memory, so changing cutoff or q mid-signal changes only
 * the coefficients: no discontinuity, no zipper beyond the step itself, and the filter stays stable
 * under fast modulation, unlike a direct-form biquad whose state means something else per coefficient
 * set.  The low-pass equals the bilinear transform of 1 / (s²/ω² + s/(Qω) + 1) with the cutoff
 * prewarped, which lt_svf_lowpass_mag evaluates exactly. */
#include <math.h>
#include "svf.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* The parameter ranges, shared by the filter and its analytic response so they describe the same
 * filter: 10 Hz .. 0.49 sr keeps tan() finite, q 0.1 .. 50 keeps the feedback well away from zero. */
static double clamp_cutoff(double sr, double cutoff)
{
    double hi = 0.49 * sr;
    if (!(cutoff >= 10.0)) return 10.0;         /* also NaN */
    return cutoff < hi ? cutoff : hi;
}

static double clamp_q(double q)
{
    if (!(q >= 0.1)) return 0.1;
    return q < 50.0 ? q : 50.0;
}

static void coefficients(lt_svf *f)
{
    double g = tan(M_PI * f->cutoff / f->sr), k = 1.0 / f->q;
    double a1 = 1.0 / (1.0 + g * (g + k));
    f->g = (float)g;
    f->k = (float)k;
    f->a1 = (float)a1;
    f->a2 = (float)(g * a1);
    f->a3 = (float)(g * g * a1);
}

void lt_svf_init(lt_svf *f, float sr)
{
    f->sr = sr > 0 ? sr : 48000.0f;
    f->cutoff = (float)clamp_cutoff(f->sr, 1000.0);
    f->q = 0.7071f;
    coefficients(f);
    lt_svf_reset(f);
}

void lt_svf_reset(lt_svf *f)
{
    f->ic1eq = f->ic2eq = 0.0f;
}

void lt_svf_set(lt_svf *f, float cutoff, float q)
{
    float c = (float)clamp_cutoff(f->sr, cutoff), r = (float)clamp_q(q);
    if (c == f->cutoff && r == f->q) return;    /* tan() only when something changed */
    f->cutoff = c;
    f->q = r;
    coefficients(f);
}

/* Pd's PD_BIGORSMALL / SuperCollider's zapgremlins: a decaying state becomes denormal (and slow) long
 * after it is inaudible, and a NaN or infinity would poison the voice forever; both become 0. */
static inline float zap(float x)
{
    float a = fabsf(x);
    return (a > 1e-15f && a < 1e15f) ? x : 0.0f;
}

void lt_svf_lowpass(lt_svf *f, const float *in, float *out, int n)
{
    const float a1 = f->a1, a2 = f->a2, a3 = f->a3;
    float ic1 = f->ic1eq, ic2 = f->ic2eq;
    int i;
    for (i = 0; i < n; i++) {
        float v3 = in[i] - ic2;
        float v1 = a1 * ic1 + a2 * v3;
        float v2 = ic2 + a2 * ic1 + a3 * v3;
        ic1 = 2.0f * v1 - ic1;
        ic2 = 2.0f * v2 - ic2;
        out[i] = v2;
    }
    f->ic1eq = zap(ic1);
    f->ic2eq = zap(ic2);
}

void lt_svf_lowpass4(lt_svf *const f[4], float *buf, int stride, int n)
{
    float a1[4], a2[4], a3[4], ic1[4], ic2[4];
    float *x[4];
    int i, j;
    for (j = 0; j < 4; j++) {
        a1[j] = f[j]->a1, a2[j] = f[j]->a2, a3[j] = f[j]->a3;
        ic1[j] = f[j]->ic1eq, ic2[j] = f[j]->ic2eq;
        x[j] = buf + j * stride;
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < 4; j++) {
            float v3 = x[j][i] - ic2[j];
            float v1 = a1[j] * ic1[j] + a2[j] * v3;
            float v2 = ic2[j] + a2[j] * ic1[j] + a3[j] * v3;
            ic1[j] = 2.0f * v1 - ic1[j];
            ic2[j] = 2.0f * v2 - ic2[j];
            x[j][i] = v2;
        }
    for (j = 0; j < 4; j++) {
        f[j]->ic1eq = zap(ic1[j]);
        f[j]->ic2eq = zap(ic2[j]);
    }
}

/* With g = tan(pi fc / sr) and z = e^(jθ), the bilinear map gives s/ω = j tan(θ/2) / g = j x, so
 * H = 1 / (1 - x² + j x / q): unity at DC, q at the cutoff, zero at Nyquist. */
double lt_svf_lowpass_mag(double sr, double cutoff, double q, double hz)
{
    double g, x, re, im;
    if (!(sr > 0)) return 0.0;
    hz = fabs(hz);
    if (hz >= 0.5 * sr) return 0.0;
    cutoff = clamp_cutoff(sr, cutoff);
    q = clamp_q(q);
    g = tan(M_PI * cutoff / sr);
    x = tan(M_PI * hz / sr) / g;
    re = 1.0 - x * x;
    im = x / q;
    return 1.0 / sqrt(re * re + im * im);
}
