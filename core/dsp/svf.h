/* svf.h — resonant two-pole state-variable filter, topology-preserving transform (Zavalishin,
 * "The Art of VA Filter Design"; the Simper/Cytomic trapezoidal SVF).  Its low-pass output equals
 * the bilinear transform, prewarped at the cutoff, of H(s) = 1 / (s²/ω² + s/(Qω) + 1).
 *
 * Thread: owner.  RT-safe: yes. */
#ifndef LT_DSP_SVF_H
#define LT_DSP_SVF_H

typedef struct lt_svf {
    float sr;
    float cutoff, q;          /* current parameters */
    float g, k, a1, a2, a3;   /* coefficients, recomputed only when cutoff or q change */
    float ic1eq, ic2eq;       /* state (the filter's memory) */
} lt_svf;

void lt_svf_init(lt_svf *f, float sr);        /* sets sr, default cutoff 1000 Hz, q 0.7071, clears */
void lt_svf_reset(lt_svf *f);                 /* clears the state only */
/* Changes cutoff (Hz, clamped to 10 Hz .. 0.49 sr) and q (clamped 0.1 .. 50), keeping the state. */
void lt_svf_set(lt_svf *f, float cutoff, float q);
/* Low-pass, in place allowed (in == out).  Flushes denormal state at the end of the block. */
void lt_svf_lowpass(lt_svf *f, const float *in, float *out, int n);
/* Four filters at once, in place: signal j is buf[j*stride .. j*stride + n).  The same samples as
 * four lt_svf_lowpass calls; interleaving four independent feedback chains lets the CPU overlap them
 * (one filter alone is bound by the latency of its feedback).  The four must be distinct. */
void lt_svf_lowpass4(lt_svf *const f[4], float *buf, int stride, int n);
/* Analytic magnitude |H(e^jω)| of the low-pass at frequency `hz`, for tests and plots. */
double lt_svf_lowpass_mag(double sr, double cutoff, double q, double hz);
#endif
