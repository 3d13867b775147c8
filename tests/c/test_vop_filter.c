/* test_vop_filter.c — the filter voice ops (filter_v8.c) against their analytic responses and under
 * abuse: magnitude of lpf, hpf, bpf, notch, onepole and ladder at 20 frequencies below fs/4 within
 * 0.1 dB of the bilinear transform of their analog prototypes (measured from the impulse response);
 * the ladder's self-oscillation settles at a bounded level; a cutoff sweep 20 Hz -> 20 kHz in 10 ms
 * gives no NaN and no step larger than the filter gives at either end; the comb tunes a
 * Karplus-Strong pluck to the cent; the formant filter peaks at each vowel's formants. */
#include <stdio.h>
#include "check.h"
#include "vop_harness.h"                   /* before complex.h: FFTW's complex type stays double[2] */
#include "dsp/vops_defs.h"
#include <complex.h>

#define SR 48000.0

static double qof(double res) { return 0.70710678 * pow(32.0, res); }

/* |H| of the analog prototype through the bilinear transform prewarped at the cutoff. */
static double analytic(const char *kind, double fc, double res, double hz)
{
    if (fc > 0.49 * SR) fc = 0.49 * SR;
    double g = tan(M_PI * fc / SR), x = tan(M_PI * hz / SR) / g;
    if (!strcmp(kind, "onepole")) return 1 / sqrt(1 + x * x);
    if (!strcmp(kind, "ladder")) {
        double complex G = 1 / (1 + I * x), G4 = G * G * G * G;
        return cabs(G4 / (1 + 4 * res * G4));
    }
    double q = qof(res);
    double complex D = 1 - x * x + I * x / q;
    if (!strcmp(kind, "lpf")) return 1 / cabs(D);
    if (!strcmp(kind, "hpf")) return x * x / cabs(D);
    if (!strcmp(kind, "bpf")) return (x / q) / cabs(D);
    return fabs(1 - x * x) / cabs(D);
}

/* |H(hz)| from the impulse response h[0..n) of amplitude amp. */
static double measured(const float *h, int n, double amp, double hz)
{
    double complex s = 0;
    for (int i = 0; i < n; i++) s += h[i] * cexp(-2 * I * M_PI * hz * i / SR);
    return cabs(s) / amp;
}

static float *impulse_response(const lt_vop_def *d, const float *vals, double amp, int n)
{
    float *x = calloc((size_t)n, sizeof(float));
    x[0] = (float)amp;
    float *sig[LT_VOP_MAX_IN] = { x };
    float *h = vh_run1(d, 0, NULL, 0, (float)SR, n, vals, sig, 32, NULL);
    free(x);
    return h;
}

static void response_check(const lt_vop_def *d, double fc, double res, double drive, double amp, int n)
{
    const float vals[4] = { 0, (float)fc, (float)res, (float)drive };
    float *h = impulse_response(d, vals, amp, n);
    double worst = 0, at = 0;
    int counted = 0;
    for (int k = 0; k < 20; k++) {
        double hz = 20 * pow(11500.0 / 20, k / 19.0);
        double a = analytic(d->name, fc, res, hz) * (drive > 0 ? exp2(4 * drive) : 1), m = measured(h, n, amp, hz);
        if (20 * log10(a) < -90) continue;           /* below the float noise floor of the measure */
        counted++;
        double e = fabs(20 * log10(m / a));
        if (e > worst) { worst = e; at = hz; }
    }
    printf("%-8s cutoff %5g Hz res %.2f%s: |H| within %.4f dB of the analytic response at %d of 20 frequencies "
           "20 Hz..11.5 kHz (worst at %.0f Hz)\n", d->name, fc, res, drive > 0 ? " (drive)" : "", worst, counted, at);
    CHECK(worst < 0.1 && counted >= 12, "%s cutoff %g res %g: magnitude within 0.1 dB of the analytic response "
          "(worst %.4f dB at %.0f Hz, %d frequencies)", d->name, fc, res, worst, at, counted);
    free(h);
}

/* The state-variable filter in double, Simper's equations verbatim, with a cutoff per frame: what
 * the kernel should compute under modulation. */
static void svf_ref(const char *kind, const float *x, const float *fc, double res, double *y, int n)
{
    double ic1 = 0, ic2 = 0, k = 1 / qof(res);
    for (int i = 0; i < n; i++) {
        double f = fc[i] < 10 ? 10 : fc[i] > 0.49 * SR ? 0.49 * SR : fc[i];
        double g = tan(M_PI * f / SR), a1 = 1 / (1 + g * (g + k)), a2 = g * a1, a3 = g * a2;
        double v3 = x[i] - ic2, v1 = a1 * ic1 + a2 * v3, v2 = ic2 + a2 * ic1 + a3 * v3;
        ic1 = 2 * v1 - ic1;
        ic2 = 2 * v2 - ic2;
        y[i] = !strcmp(kind, "lpf") ? v2 : !strcmp(kind, "bpf") ? k * v1 : !strcmp(kind, "hpf") ? x[i] - k * v1 - v2
             : x[i] - k * v1;
    }
}

/* A 100 Hz sine through the filter while the cutoff sweeps 20 Hz -> 20 kHz in 10 ms (audio rate).
 * Without resonance the output may not step more than the input does (a click would); with it the
 * state-variable filters must follow the double-precision reference (the time-varying filter the
 * design promises, click-free by construction: its states are continuous), and every filter stays
 * finite and bounded. */
static void sweep_check(const lt_vop_def *d, double res)
{
    const int n = 9600, s0 = 2400, sl = 480;         /* 50 ms at 20 Hz, the sweep, then 20 kHz */
    float *x = malloc(sizeof(float) * n), *fc = malloc(sizeof(float) * n), *r = malloc(sizeof(float) * n);
    float *dr = calloc((size_t)n, sizeof(float));
    for (int i = 0; i < n; i++) {
        x[i] = (float)sin(2 * M_PI * 100 * i / SR);
        double u = (double)(i - s0) / sl;
        fc[i] = (float)(20 * pow(1000.0, u < 0 ? 0 : u > 1 ? 1 : u));
        r[i] = (float)res;
    }
    float *sig[LT_VOP_MAX_IN] = { x, fc, r, dr };
    float *y = vh_run1(d, 0, NULL, 0, (float)SR, n, NULL, sig, 0, NULL);
    double step = vh_max_step(y, n), in_step = vh_max_step(x, n), peak = vh_peak(y, n);
    CHECK(vh_finite(y, n) && peak < qof(res) * 1.5 + 1, "%s res %g: a 10 ms cutoff sweep gives no NaN and stays "
          "bounded (peak %.3f)", d->name, res, peak);
    if (res == 0) {
        printf("%-8s res 0   sweep 20 Hz->20 kHz in 10 ms under a 100 Hz sine: largest step %.4f (the input's %.4f)\n",
               d->name, step, in_step);
        CHECK(step < 2 * in_step + 1e-3, "%s: no click in the sweep (largest step %.4f, the input's %.4f)", d->name,
              step, in_step);
    }
    if (res > 0 && strcmp(d->name, "ladder")) {
        double *ref = malloc(sizeof(double) * n), dev = 0;
        svf_ref(d->name, x, fc, res, ref, n);
        for (int i = 0; i < n; i++) dev = fmax(dev, fabs(y[i] - ref[i]));
        printf("%-8s res %.1f sweep: peak %.3f, largest deviation from the double-precision filter %.2g\n", d->name,
               res, peak, dev);
        CHECK(dev < 1e-3 * fmax(1, peak), "%s res %g: the swept filter follows the exact time-varying filter "
              "(deviation %.2g)", d->name, res, dev);
        free(ref);
    }
    free(x); free(fc); free(r); free(dr); free(y);
}

int main(void)
{
    printf("kernels: %s\n", lt_isa_name(lt_isa_select(NULL)));
    static const double cut[] = { 200, 1000, 5000 }, res[] = { 0, 0.3, 0.6 };
    const lt_vop_def *svf[] = { &lt_vop_lpf, &lt_vop_hpf, &lt_vop_bpf, &lt_vop_notch };
    for (int f = 0; f < 4; f++)
        for (int k = 0; k < 3; k++) response_check(svf[f], cut[k], res[k], 0, 1.0, 32768);
    for (int k = 0; k < 3; k++) response_check(&lt_vop_onepole, cut[k], 0, 0, 1.0, 32768);
    static const double lres[] = { 0, 0.5, 0.9 };
    for (int k = 0; k < 3; k++) response_check(&lt_vop_ladder, cut[k], lres[k], 0, 1e-4, 65536);
    response_check(&lt_vop_ladder, 1000, 0.5, 1.0, 1e-5, 65536);

    /* the ladder self-oscillates from res 1 and settles at a bounded level */
    for (int k = 0; k < 3; k++) {
        static const float r[] = { 1.0f, 1.2f, 1.2f }, dv[] = { 0, 0, 1 };
        const int n = 2 * 48000;
        const float vals[4] = { 0, 1000, r[k], dv[k] };
        float *h = impulse_response(&lt_vop_ladder, vals, 0.1, n);
        double rms = vh_rms(h + n - 24000, 24000), peak = vh_peak(h, n);
        double hz = vh_zero_crossing_hz(h + n / 2, n / 2, SR);
        printf("ladder cutoff 1 kHz res %.1f drive %.0f, after an impulse: RMS %.3f over the last 0.5 s, peak %.3f, "
               "%.1f Hz\n", r[k], dv[k], rms, peak, hz);
        CHECK(vh_finite(h, n) && peak < 1.5, "ladder res %.1f: self-oscillation is bounded (peak %.3f)", r[k], peak);
        if (r[k] > 1.0f)
            CHECK(rms > 0.1 && fabs(hz / 1000 - 1) < 0.1, "ladder res %.1f sustains an oscillation near the cutoff "
                  "(RMS %.3f, %.1f Hz)", r[k], rms, hz);
        free(h);
    }
    /* the state-variable filter at full resonance driven hard at its cutoff stays finite and bounded */
    {
        const int n = 48000;
        float *x = malloc(sizeof(float) * n);
        for (int i = 0; i < n; i++) x[i] = (float)sin(2 * M_PI * 1000 * i / SR);
        const float vals[3] = { 0, 1000, 1 };
        float *sig[LT_VOP_MAX_IN] = { x };
        float *y = vh_run1(&lt_vop_lpf, 0, NULL, 0, (float)SR, n, vals, sig, 32, NULL);
        double peak = vh_peak(y, n);
        CHECK(vh_finite(y, n) && fabs(peak / qof(1) - 1) < 0.01, "lpf at res 1 (Q %.1f) driven at its cutoff "
              "peaks at Q: %.2f", qof(1), peak);
        free(x); free(y);
    }
    /* cutoff sweeps */
    const lt_vop_def *sw[] = { &lt_vop_lpf, &lt_vop_hpf, &lt_vop_bpf, &lt_vop_notch, &lt_vop_ladder, &lt_vop_onepole };
    for (int f = 0; f < 6; f++) { sweep_check(sw[f], 0); if (f != 5) sweep_check(sw[f], 0.7); }

    /* comb: Karplus-Strong tuning and damping */
    {
        const int n = 2 * 48000;
        for (int k = 0; k < 2; k++) {
            static const double f0s[] = { 220, 1318.51 };
            double f0 = f0s[k];
            const float vals[4] = { 0, (float)(1 / f0), 0.995f, 0 };
            float *h = impulse_response(&lt_vop_comb, vals, 1.0, n);
            double best = 0, bhz = 0;
            for (double hz = f0 * 0.99; hz < f0 * 1.01; hz += f0 * 1e-5) {
                double m = measured(h + 4800, 48000, 1, hz);
                if (m > best) { best = m; bhz = hz; }
            }
            double cents = 1200 * log2(bhz / f0);
            printf("comb delay 1/%.2f s: fundamental %.3f Hz (%.2f cents)\n", f0, bhz, cents);
            CHECK(fabs(cents) < 1.0, "comb tuned to %.2f Hz plays %.3f Hz (%.2f cents)", f0, bhz, cents);
            free(h);
        }
        /* damp: the 10th harmonic fades faster than the fundamental */
        const float v0[4] = { 0, 1.0f / 220, 0.995f, 0 }, v1[4] = { 0, 1.0f / 220, 0.995f, 0.4f };
        float *a = impulse_response(&lt_vop_comb, v0, 1.0, n), *b = impulse_response(&lt_vop_comb, v1, 1.0, n);
        double ra = measured(a + 48000, 24000, 1, 2200) / measured(a + 48000, 24000, 1, 220);
        double rb = measured(b + 48000, 24000, 1, 2200) / measured(b + 48000, 24000, 1, 220);
        printf("comb damp 0 -> 0.4: 10th harmonic re the fundamental after 1 s %.1f dB -> %.1f dB\n",
               20 * log10(ra), 20 * log10(rb));
        CHECK(rb < ra * 0.1, "comb damp darkens the decay (%.1f dB -> %.1f dB)", 20 * log10(ra), 20 * log10(rb));
        free(a); free(b);
    }

    /* formant: peaks at the vowel's first formants */
    {
        static const double F[5][3] = { { 650, 1080, 2650 }, { 400, 1700, 2600 }, { 290, 1870, 2800 },
                                        { 400, 800, 2600 }, { 350, 600, 2700 } };
        static const char *vow = "aeiou";
        for (int v = 0; v < 5; v++) {
            const float vals[2] = { 0, (float)v };
            float *h = impulse_response(&lt_vop_formant, vals, 1.0, 32768);
            int ok = 1;
            for (int f = 0; f < 2; f++) {
                double m = measured(h, 32768, 1, F[v][f]);
                double lo = measured(h, 32768, 1, F[v][f] * 0.85), hi = measured(h, 32768, 1, F[v][f] * 1.15);
                if (!(m > lo && m > hi)) ok = 0;
            }
            double g1 = 20 * log10(measured(h, 32768, 1, F[v][0]));
            printf("formant vowel %c: peaks at %g and %g Hz, %.2f dB at the first\n", vow[v], F[v][0], F[v][1], g1);
            CHECK(ok && fabs(g1) < 1.5, "formant %c peaks at its first two formants, the first near 0 dB (%.2f)",
                  vow[v], g1);
            free(h);
        }
    }
    return check_done("test_vop_filter");
}
