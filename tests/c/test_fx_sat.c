/* test_fx_sat.c — the saturators and the bitcrusher measured.
 * Aliasing: a 3 kHz sine driven hard at 44.1 kHz (where the aliases of its harmonics fall between
 * them: 44100 is not a multiple of 3000), one second analysed with an exact-period FFT (FFTW, no
 * window, no leakage); the aliased energy is everything but DC and the seven harmonics below Nyquist,
 * relative to the fundamental; printed for os 1, 2, 4 and asserted to fall by the oversampling.
 * Curves: the fundamental and the 2nd and 3rd harmonics of a 100 Hz sine against the Fourier
 * coefficients of each curve computed here by numerical integration.  sat keeps unity gain for quiet
 * signals; every factor has the same latency, measured from the phase of a quiet tone; an `os` change
 * crossfades and ends on exactly the samples of an instance started at the new factor.
 * crush: the quantiser's SNR against 6.02 bits + 1.76 dB (scaled to the level) and the
 * sample-and-hold's rate, counted. */
#include <stdio.h>
#include <fftw3.h>
#include "check.h"
#include "fxtest.h"

#define SR 48000

static float l[3 * SR], r[3 * SR];

/* Aliased energy relative to the fundamental (dB) of `name` with params, 3 kHz at 44.1 kHz: all of
 * it, and (in *below) the part below 18 kHz — above, the half-band's transition band (18.4 to 25.7 kHz
 * at 44.1 kHz) lets the harmonics near 24 kHz fold back partly attenuated. */
static double aliasing(const char *name, const char *p1, double v1, int os, double *below)
{
    const int sr = 44100, n = sr;
    fxt *t = fxt_new(name, sr, NULL, p1, v1, "os", (double)os, NULL);
    double *in = fftw_malloc(sizeof(double) * n), fund = 0, alias = 0, alias18 = 0;
    fftw_complex *out = fftw_malloc(sizeof(fftw_complex) * (n / 2 + 1));
    fftw_plan plan = fftw_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE);
    int i, k;
    for (i = 0; i < 2 * n; i++) l[i] = r[i] = 0.5f * (float)sin(2 * PI * 3000.0 * i / sr);
    fxt_run(t, l, r, 2 * n, 32);
    for (i = 0; i < n; i++) in[i] = l[n + i];
    fftw_execute(plan);
    for (k = 1; k <= n / 2; k++) {
        double p = out[k][0] * out[k][0] + out[k][1] * out[k][1];
        if (k % 3000 == 0) {
            if (k == 3000) fund = p;
        } else {
            alias += p;
            if (k < 18000) alias18 += p;
        }
    }
    *below = 10 * log10(alias18 / fund + 1e-30);
    fftw_destroy_plan(plan);
    fftw_free(in);
    fftw_free(out);
    fxt_free(t);
    return 10 * log10(alias / fund + 1e-30);
}

/* Fourier sine/cosine coefficient k of f(A sin th) (for the curves' harmonics). */
typedef double (*curve_fn)(double x, const double *a);
static double harmonic(curve_fn f, const double *a, double A, int k)
{
    const int N = 20000;
    double s = 0, c = 0;
    int i;
    for (i = 0; i < N; i++) {
        double th = 2 * PI * (i + 0.5) / N, y = f(A * sin(th), a);
        s += y * sin(k * th);
        c += y * cos(k * th);
    }
    return 2 * sqrt(s * s + c * c) / N;
}

static double c_drive(double x, const double *a) { return tanh(a[0] * x); }
static double c_dist(double x, const double *a)
{
    double u = a[0] * x + a[1], u0 = a[1];
    return u / pow(1 + u * u * u * u, 0.25) - u0 / pow(1 + u0 * u0 * u0 * u0, 0.25);
}
static double c_shape(double x, const double *a) { double k = 2 * a[0] / (1 - a[0]); return (1 + k) * x / (1 + k * fabs(x)); }
static double c_sat(double x, const double *a)
{
    double g = a[0], b = a[1], t = tanh(g * b);
    return (tanh(g * (x + b)) - t) / (g * (1 - t * t));
}

/* |H| of the 5 Hz DC blocker at hz (the dist and sat outputs pass it). */
static double dcb(double hz)
{
    double cw = cos(2 * PI * 5.0 / SR), R = cw - sqrt((1 - cw) * (3 - cw)), w = 2 * PI * hz / SR;
    return sqrt(2 * (1 - cos(w)) / (1 - 2 * R * cos(w) + R * R));
}

int main(void)
{
    int i;

    /* aliasing with and without oversampling */
    {
        /* the bound at os 4 below 18 kHz: what is left is folding at the 4x rate itself, large for
         * shape (its kink at 0 makes harmonics that fall as 1/n^2), tiny for the smooth curves */
        static const struct { const char *name, *p; double v, bound; } cases[] = {
            { "drive", "drive", 24, -90 }, { "dist", "drive", 24, -70 }, { "shape", "shape", 0.9, -50 },
            { "sat", "drive", 24, -90 },
        };
        int c;
        for (c = 0; c < 4; c++) {
            double b1, b2, b4;
            double a1 = aliasing(cases[c].name, cases[c].p, cases[c].v, 1, &b1);
            double a2 = aliasing(cases[c].name, cases[c].p, cases[c].v, 2, &b2);
            double a4 = aliasing(cases[c].name, cases[c].p, cases[c].v, 4, &b4);
            printf("aliasing of a 3 kHz sine (0.5) at 44.1 kHz, %s %s=%g (aliased energy / fundamental): "
                   "os 1 %.1f dB, os 2 %.1f dB, os 4 %.1f dB; below 18 kHz %.1f, %.1f, %.1f dB\n",
                   cases[c].name, cases[c].p, cases[c].v, a1, a2, a4, b1, b2, b4);
            CHECK(b4 < b1 - 25 && b2 < b1 - 8 && b4 < cases[c].bound && a4 < a1 - 20,
                  "%s: aliasing below 18 kHz %.1f dB at os 1, %.1f dB at os 2, %.1f dB at os 4 (want < %g); "
                  "in all %.1f -> %.1f dB", cases[c].name, b1, b2, b4, cases[c].bound, a1, a4);
        }
    }

    /* the curves: harmonics of a 100 Hz sine against the analytic Fourier coefficients */
    {
        static const struct { const char *name; curve_fn f; double a[2]; double A; int dcblocked; } cases[] = {
            { "drive", c_drive, { 3.981, 0 }, 0.5, 0 },        /* drive 12 dB */
            { "dist", c_dist, { 7.943, 0.2 }, 0.3, 1 },        /* drive 18 dB, bias 0.2 */
            { "shape", c_shape, { 0.5, 0 }, 0.8, 0 },
            { "sat", c_sat, { 3.981, 0.1 }, 0.5, 1 },          /* drive 12 dB, bias 0.1 */
        };
        int c, k;
        for (c = 0; c < 4; c++) {
            fxt *t;
            double worst = 0;
            if (c == 0) t = fxt_new("drive", SR, NULL, "drive", 12.0, NULL);
            else if (c == 1) t = fxt_new("dist", SR, NULL, "drive", 18.0, "bias", 0.2, "tone", 20000.0, "gain", 0.0, NULL);
            else if (c == 2) t = fxt_new("shape", SR, NULL, "shape", 0.5, NULL);
            else t = fxt_new("sat", SR, NULL, "drive", 12.0, "bias", 0.1, NULL);
            for (i = 0; i < 2 * SR; i++) l[i] = r[i] = (float)(cases[c].A * sin(2 * PI * 100 * i / SR));
            fxt_run(t, l, r, 2 * SR, 32);
            for (k = 1; k <= 3; k++) {
                double want = harmonic(cases[c].f, cases[c].a, cases[c].A, k), got;
                if (cases[c].dcblocked) want *= dcb(100.0 * k);
                if (c == 1) {   /* the tone low-pass at 20 kHz, clamped to 0.45 sr: its gain at k x 100 Hz */
                    double x = tan(PI * 100 * k / SR) / tan(PI * 0.45 * SR / SR);
                    want /= sqrt(1 + x * x);
                }
                if (want < 1e-4) continue;    /* the missing even harmonics of symmetric curves */
                got = fxt_amp(l + SR, SR, 100.0 * k, SR);
                worst = fmax(worst, fabs(fxt_db(got / want)));
            }
            CHECK(worst < 0.02, "%s: harmonics 1..3 of a 100 Hz sine of %.1f within %.4f dB of the curve's "
                  "Fourier coefficients", cases[c].name, cases[c].A, worst);
            fxt_free(t);
        }
    }

    /* sat keeps quiet signals at unity gain */
    {
        fxt *t = fxt_new("sat", SR, NULL, "drive", 24.0, "bias", 0.1, NULL);
        double db;
        for (i = 0; i < SR; i++) l[i] = r[i] = 0.001f * (float)sin(2 * PI * 1000 * i / SR);
        fxt_run(t, l, r, SR, 32);
        db = fxt_db(fxt_amp(l + SR / 2, SR / 2, 1000, SR) / 0.001);
        CHECK(fabs(db) < 0.01, "sat drive 24 dB on a -60 dBFS tone: gain %.4f dB (unity for quiet signals)", db);
        fxt_free(t);
    }

    /* the same latency at every factor, as reported */
    {
        int os;
        for (os = 1; os <= 4; os *= 2) {
            fxt *t = fxt_new("drive", SR, NULL, "drive", 0.0, "os", (double)os, NULL);
            double pin, pout, delay;
            for (i = 0; i < SR; i++) l[i] = r[i] = 0.001f * (float)sin(2 * PI * 500 * i / SR);
            fxt_lockin(l + SR / 2, SR / 2, 500, SR, &pin);
            fxt_run(t, l, r, SR, 32);
            fxt_lockin(l + SR / 2, SR / 2, 500, SR, &pout);
            delay = fmod(pin - pout + 4 * PI, 2 * PI) / (2 * PI * 500) * SR;
            CHECK(fabs(delay - fxt_latency(t)) < 0.01, "drive os %d: a quiet tone comes out %.3f frames late, "
                  "latency() says %d", os, delay, fxt_latency(t));
            fxt_free(t);
        }
    }

    /* an os change: after the 20 ms fade, exactly the samples of an instance started at the new factor */
    {
        fxt *t = fxt_new("dist", SR, NULL, "os", 1.0, NULL), *u = fxt_new("dist", SR, NULL, "os", 4.0, NULL);
        static float l2[SR], r2[SR];
        float worst = 0;
        for (i = 0; i < SR; i++) l[i] = r[i] = l2[i] = r2[i] = 0.4f * (float)sin(2 * PI * 220 * i / SR);
        fxt_run(t, l, r, SR / 4, 32);
        fxt_glide(t, "os", 4.0f, 0);
        fxt_run(t, l + SR / 4, r + SR / 4, SR - SR / 4, 32);
        fxt_run(u, l2, r2, SR, 32);
        for (i = SR / 2; i < SR; i++) worst = fmaxf(worst, fabsf(l[i] - l2[i]));
        CHECK(worst < 1e-6f, "dist os 1 -> 4: 0.25 s after the change the output differs by %.2g from an "
              "instance running at 4x from the start", worst);
        fxt_free(t);
        fxt_free(u);
    }

    /* crush: quantiser SNR and sample-and-hold rate */
    {
        static const double bits[] = { 6, 8, 12 };
        int k;
        for (k = 0; k < 3; k++) {
            fxt *t = fxt_new("crush", SR, NULL, "bits", bits[k], NULL);
            const double A = 0.9, step = pow(2.0, 1 - bits[k]);
            double sig, noise = 0, want = 10 * log10(6 * A * A / (step * step));
            for (i = 0; i < SR; i++) l[i] = r[i] = (float)(A * sin(2 * PI * 997 * i / SR));
            fxt_run(t, l, r, SR, 32);
            for (i = 0; i < SR; i++) {
                double e = l[i] - A * sin(2 * PI * 997 * i / SR);
                noise += e * e;
            }
            sig = A * A / 2;
            noise /= SR;
            CHECK(fabs(10 * log10(sig / noise) - want) < 0.5, "crush %g bits on a 0.9 sine: SNR %.2f dB, want "
                  "%.2f (6.02 bits + 1.76, scaled to the level)", bits[k], 10 * log10(sig / noise), want);
            fxt_free(t);
        }
        {
            fxt *t = fxt_new("crush", SR, NULL, "bits", 24.0, "rate", 7000.0, NULL);
            int changes = 0;
            for (i = 0; i < SR; i++) l[i] = r[i] = (float)i;     /* a ramp: every new sample differs */
            fxt_run(t, l, r, SR, 32);
            for (i = 1; i < SR; i++) changes += l[i] != l[i - 1];
            CHECK(abs(changes + 1 - 7000) <= 1, "crush rate 7000 Hz: %d new samples taken in one second",
                  changes + 1);
            fxt_free(t);
        }
    }
    return check_done("test_fx_sat");
}
