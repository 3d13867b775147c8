/* osc.c — band-limited saw and square oscillators by PolyBLEP.
 *
 * A naive saw jumps from +1 to -1 once a period; sampled, that step folds harmonics above Nyquist
 * back into the audible band.  PolyBLEP (Välimäki & Huovilainen, "Antialiasing oscillators in
 * subtractive synthesis", IEEE SPM 2007) subtracts a two-sample polynomial approximation of the
 * band-limited step residual around each discontinuity.  The square is a naive square with a
 * residual at both of its edges (rising at phase 0, falling at phase 0.5).
 *
 * The phase is a double so that pitch stays exact over long notes (a float phase increment of
 * 440/48000 is off by up to 3e-9 per sample, a drift audible against other voices after minutes).
 * Frequency glides linearly across each call from the previous call's value, so a pitch change never
 * steps; with a constant frequency the output does not depend on how the calls are blocked. */
#include "osc.h"

void lt_osc_init(lt_osc *o, float sr)
{
    o->sr = sr > 0 ? sr : 48000.0f;
    lt_osc_reset(o, 0.0);
}

void lt_osc_reset(lt_osc *o, double phase)
{
    phase -= (double)(long long)phase;          /* keep 0..1 for any finite start */
    if (phase < 0) phase += 1.0;
    o->phase = phase == phase ? phase : 0.0;    /* NaN -> 0 */
    o->freq = -1.0f;
}

/* The residual of a band-limited step of height 2 at phase 0, for the sample at phase t with phase
 * increment dt: the step is smoothed by the integral of a cubic B-spline spanning the two samples
 * before and the two after it (Välimäki, Pekonen & Nam, "Perceptually informed synthesis of
 * bandlimited classical waveforms using integrated polynomial interpolation", JASA 2012).  Its
 * spectrum falls as sinc^4 instead of the two-sample version's sinc^2, which takes a saw's audible
 * aliases from about -34 dB to about -50 dB.  Both neighbouring steps are summed, so periods down to
 * two samples stay right. */
static inline double blep(double t, double dt)
{
    double r = 0.0, x;
    if (t < 2.0 * dt) {                        /* just after a step: x in 0..2 samples */
        x = t / dt;
        if (x < 1.0) r += x * (2.0 / 3.0) - x * x * x * (1.0 / 3.0) + x * x * x * x * 0.125 - 0.5;
        else { x = 2.0 - x; r -= x * x * x * x * (1.0 / 24.0); }
    }
    if (t > 1.0 - 2.0 * dt) {                  /* just before the next one: x in -2..0 */
        x = (t - 1.0) / dt;
        if (x > -1.0) r += 0.5 + x * (2.0 / 3.0) - x * x * x * (1.0 / 3.0) - x * x * x * x * 0.125;
        else { x += 2.0; r += x * x * x * x * (1.0 / 24.0); }
    }
    return 2.0 * r;
}

/* Frequency to phase increment, clamped to 0 .. just under Nyquist: above that the two-sample
 * residuals overlap and the waveform is meaningless anyway. */
static inline double incr(double freq, double sr)
{
    double dt = freq / sr;
    if (!(dt > 0.0)) return 0.0;               /* also NaN */
    return dt < 0.499 ? dt : 0.499;
}

/* The sample loop, inlined once per shape and per glide/steady so neither test runs per sample. */
static inline double run(double t, double sr, int square, int glide, double f0, double df,
                         double dt, float *out, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        double y;
        if (glide) dt = incr(f0 + df * (i + 1), sr);
        if (square) {
            double t2 = t + 0.5;
            if (t2 >= 1.0) t2 -= 1.0;
            y = (t < 0.5 ? 1.0 : -1.0) + blep(t, dt) - blep(t2, dt);
        } else {
            y = 2.0 * t - 1.0 - blep(t, dt);
        }
        out[i] = (float)y;
        t += dt;
        if (t >= 1.0) t -= 1.0;
    }
    return t;
}

void lt_osc_process(lt_osc *o, lt_osc_shape shape, float freq, float *out, int n)
{
    double sr = o->sr, f0 = o->freq < 0 ? freq : o->freq;
    double df = n > 0 ? ((double)freq - f0) / n : 0.0, dt = incr(freq, sr);
    int sq = shape == LT_OSC_SQUARE;
    if (df != 0.0)
        o->phase = sq ? run(o->phase, sr, 1, 1, f0, df, dt, out, n) : run(o->phase, sr, 0, 1, f0, df, dt, out, n);
    else
        o->phase = sq ? run(o->phase, sr, 1, 0, f0, df, dt, out, n) : run(o->phase, sr, 0, 0, f0, df, dt, out, n);
    o->freq = freq;
}
