/* test_fx_reverb.c — the reverb measured: RT60 from the Schroeder backward integral of the impulse
 * response (slope between -5 and -35 dB) against `decay`, within 10 %, across decays and sizes;
 * with damping the mid band keeps the decay and the top decays faster; the predelay lands on the
 * frame; the two channels are decorrelated; no DC; and 60 s of silence after a note costs little CPU
 * (printed, against the cost of the same 60 s with sound going in). */
#include <stdio.h>
#include "check.h"
#include "fxtest.h"

#define SR 48000

/* RT60 (s) of an impulse response (both channels summed in energy), from the decay curve's slope
 * between -5 and -35 dB. */
static double rt60(const float *l, const float *r, int n)
{
    double *edc = malloc(sizeof(double) * n), acc = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    int i, m = 0;
    for (i = n - 1; i >= 0; i--) {
        acc += (double)l[i] * l[i] + (double)r[i] * r[i];
        edc[i] = acc;
    }
    for (i = 0; i < n; i++) {
        double db = 10 * log10(edc[i] / edc[0] + 1e-300);
        if (db <= -5 && db >= -35) {
            double t = (double)i / SR;
            sx += t, sy += db, sxx += t * t, sxy += t * db, m++;
        }
    }
    free(edc);
    if (m < 10) return 0;
    return -60 / ((m * sxy - sx * sy) / (m * sxx - sx * sx));
}

/* A 2nd-order TPT band-pass (unity peak) run over x in place. */
static void bandpass(float *x, int n, double fc, double q)
{
    double g = tan(PI * fc / SR), k = 1 / q, a1 = 1 / (1 + g * (g + k)), a2 = g * a1, a3 = g * a2, s1 = 0, s2 = 0;
    int i;
    for (i = 0; i < n; i++) {
        double v3 = x[i] - s2, v1 = a1 * s1 + a2 * v3, v2 = s2 + a2 * s1 + a3 * v3;
        s1 = 2 * v1 - s1;
        s2 = 2 * v2 - s2;
        x[i] = (float)(k * v1);
    }
}

static fxt *impulse(float *l, float *r, int n, double size, double decay, double damping, double pre)
{
    fxt *t = fxt_new("reverb", SR, NULL, "size", size, "decay", decay, "damping", damping, "predelay", pre, NULL);
    memset(l, 0, sizeof(float) * n);
    memset(r, 0, sizeof(float) * n);
    l[0] = r[0] = 1.0f;
    fxt_run(t, l, r, n, 32);
    return t;
}

int main(void)
{
    int i;
    static float l[16 * SR], r[16 * SR], bl[16 * SR], br[16 * SR];

    /* RT60 across decays and sizes, damping 0 */
    {
        static const double cases[][2] = { { 0.7, 0.5 }, { 0.7, 1 }, { 0.7, 2 }, { 0.7, 5 }, { 0.7, 10 },
                                            { 0.0, 1 }, { 0.3, 2 }, { 1.0, 2 }, { 1.0, 8 } };
        int k;
        for (k = 0; k < 9; k++) {
            int n = (int)(1.2 * cases[k][1] * SR) + SR / 2;
            fxt *t = impulse(l, r, n, cases[k][0], cases[k][1], 0, 0);
            double got = rt60(l, r, n);
            CHECK(fabs(got / cases[k][1] - 1) < 0.1, "reverb size %g decay %g s, damping 0: RT60 measured %.3f s "
                  "(%+.1f %%)", cases[k][0], cases[k][1], got, 100 * (got / cases[k][1] - 1));
            fxt_free(t);
        }
    }

    /* damping: the mid band keeps the decay, the top decays faster */
    {
        int n = (int)(2.4 * SR) + SR / 2;
        fxt *t = impulse(l, r, n, 0.7, 2.0, 0.5, 0);
        double mid, top;
        memcpy(bl, l, sizeof(float) * n);
        memcpy(br, r, sizeof(float) * n);
        bandpass(bl, n, 500, 1.4);
        bandpass(br, n, 500, 1.4);
        mid = rt60(bl, br, n);
        memcpy(bl, l, sizeof(float) * n);
        memcpy(br, r, sizeof(float) * n);
        bandpass(bl, n, 10000, 1.4);
        bandpass(br, n, 10000, 1.4);
        top = rt60(bl, br, n);
        CHECK(fabs(mid / 2.0 - 1) < 0.1 && top < 0.8 * mid, "reverb decay 2 s, damping 0.5: RT60 %.3f s around "
              "500 Hz, %.3f s around 10 kHz", mid, top);
        fxt_free(t);
    }

    /* predelay, decorrelation, level, no DC */
    {
        const double pre = 0.1;
        int n = 3 * SR, onset = -1;
        fxt *t = impulse(l, r, n, 0.7, 2.0, 0.5, pre);
        double e = 0, el = 0, er = 0, c = 0, want = pre * SR + floor(28.7e-3 * SR * (0.25 + 1.25 * 0.7) + 0.5);
        for (i = 0; i < n; i++)
            if (fabsf(l[i]) > 1e-9f || fabsf(r[i]) > 1e-9f) { onset = i; break; }
        for (i = 0; i < n; i++) el += (double)l[i] * l[i], er += (double)r[i] * r[i], c += (double)l[i] * r[i];
        e = 0.5 * (el + er);
        CHECK(abs(onset - (int)floor(want)) <= 2, "reverb predelay 100 ms: the tail starts at frame %d, want %d "
              "(predelay + the shortest line)", onset, (int)floor(want));
        CHECK(fabs(c / sqrt(el * er)) < 0.2, "reverb: left and right impulse responses correlate by %.3f "
              "(decorrelated)", c / sqrt(el * er));
        printf("reverb defaults (size 0.7, decay 2 s): impulse response energy %.3f per channel (%.1f dB)\n", e,
               10 * log10(e));
        CHECK(e > 0.5 && e < 2, "reverb: an impulse of energy 1 leaves a tail of energy %.2f per channel (about 1: "
              "white noise keeps its level)", e);
        fxt_free(t);
        t = fxt_new("reverb", SR, NULL, NULL);
        fxt_seed = 21;
        for (i = 0; i < n; i++) l[i] = r[i] = 0;
        for (i = 0; i < SR / 5; i++) l[i] = 0.5f * fxt_noise(), r[i] = 0.5f * fxt_noise();
        fxt_run(t, l, r, n, 32);
        CHECK(fabs(fxt_mean(l, n)) < 1e-3 * fxt_rms(l, n) + 1e-7 && fabs(fxt_mean(r, n)) < 1e-3 * fxt_rms(r, n) + 1e-7,
              "reverb: a noise burst's tail has mean %.2g / %.2g against RMS %.2g: no DC", fxt_mean(l, n),
              fxt_mean(r, n), fxt_rms(l, n));
        fxt_free(t);
    }

    /* 60 s of silence after a note: cost, against 60 s of sound */
    {
        const int n = 60 * SR, blk = 32;
        float *x = fxt_buf(n), *y = fxt_buf(n);
        fxt *t = fxt_new("reverb", SR, NULL, "decay", 2.0, NULL), *u = fxt_new("reverb", SR, NULL, "decay", 2.0, NULL);
        double t0, busy, quiet, first;
        fxt_seed = 8;
        for (i = 0; i < SR / 5; i++) x[i] = 0.5f * fxt_noise(), y[i] = 0.5f * fxt_noise();
        t0 = fxt_cpu();
        fxt_run(t, x, y, SR, blk);          /* the note and its first second */
        first = fxt_cpu() - t0;
        memset(x, 0, sizeof(float) * n);
        memset(y, 0, sizeof(float) * n);
        t0 = fxt_cpu();
        fxt_run(t, x, y, n, blk);
        quiet = fxt_cpu() - t0;
        CHECK(fxt_peak(x + 20 * SR, n - 20 * SR) == 0 && fxt_finite(x, n), "reverb decay 2 s: 20 s after the note "
              "the output is exactly 0 (peak %.2g), the state cleared", fxt_peak(x + 20 * SR, n - 20 * SR));
        for (i = 0; i < n; i++) x[i] = 0.1f * fxt_noise(), y[i] = 0.1f * fxt_noise();
        t0 = fxt_cpu();
        fxt_run(u, x, y, n, blk);
        busy = fxt_cpu() - t0;
        printf("reverb CPU: %.1f ms per second of sound (%.0fx real time); 60 s of silence after a note %.1f ms in all "
               "(%.2f ms per second, the first second of tail %.1f ms)\n", busy / 60 * 1000, 60 / busy, quiet * 1000,
               quiet / 60 * 1000, first * 1000);
        CHECK(quiet < 0.25 * busy, "reverb: 60 s of silence after a note cost %.1f ms, 60 s of sound %.1f ms: no "
              "denormal slowdown, the tail stops costing once it is gone", quiet * 1000, busy * 1000);
        free(x);
        free(y);
        fxt_free(t);
        fxt_free(u);
    }
    return check_done("test_fx_reverb");
}
