/* test_fx_mod.c — the modulation effects measured against their LFOs.
 * chorus / flanger: impulses every 50 ms; the centroid of each echo is the tap's delay at that moment
 * (Hermite interpolation reproduces a linear signal, so the centroid is exact), compared with
 * delay + depth (1 + sin 2 pi rate t) / 2 over 5 s — which checks rate, depth, delay and the
 * right channel's phase at once.
 * phaser: held still (depth 0) its wet output is the analytic N-stage allpass (unity magnitude, phase
 * -2N atan(x), x the prewarped frequency ratio) and the 50/50 blend has its notches where that phase
 * is an odd multiple of 180 degrees; swept, the corner recovered from the measured phase follows
 * freq * 2^(depth/2 sin 2 pi rate t).
 * tremolo / autopan: DC through them is the gain law itself; ringmod: sidebands at f +- carrier. */
#include <stdio.h>
#include "check.h"
#include "fxtest.h"

#define SR 48000

static float l[8 * SR], r[8 * SR], dl[8 * SR];

/* The delay at frame n of a tap swept from base to base + depth (frames). */
static double swept(double n, double rate, double base, double depth, double lag)
{
    return base + depth * (0.5 + 0.5 * sin(2 * PI * (n * rate / SR - lag)));
}

static void check_sweep(const char *name, double rate, double delay_ms, double depth_ms, double spread)
{
    fxt *t = fxt_new(name, SR, NULL, "rate", rate, "delay", delay_ms, "depth", depth_ms, "spread", spread,
                     "feedback", 0.0, NULL);
    const int every = 2400, n = 5 * SR;   /* longer than the longest delay */
    const double base = delay_ms * SR / 1000, depth = depth_ms * SR / 1000;
    double worst = 0, worst_r = 0;
    int i, k;
    memset(l, 0, sizeof(float) * n);
    memset(r, 0, sizeof(float) * n);
    for (i = every; i < n - every; i += every) l[i] = r[i] = 1.0f;
    fxt_run(t, l, r, n, 32);
    for (k = every; k < n - 2 * every; k += every) {
        int c;
        for (c = 0; c < 2; c++) {
            const float *y = c ? r : l;
            double s0 = 0, s1 = 0, d, want, nstar;
            int j;
            for (j = k; j < k + every; j++) s0 += y[j], s1 += (double)j * y[j];
            d = s1 / s0 - k;
            /* the tap read the impulse at frame n* = k + d(n*) */
            nstar = k + base;
            for (j = 0; j < 20; j++) nstar = k + swept(nstar, rate, base, depth, c ? 0.5 * spread : 0);
            want = nstar - k;
            if (c) worst_r = fmax(worst_r, fabs(d - want));
            else worst = fmax(worst, fabs(d - want));
        }
    }
    CHECK(worst < 0.02 && worst_r < 0.02, "%s rate %g Hz, delay %g ms, depth %g ms, spread %g: each echo's "
          "delay within %.4f (left) and %.4f (right) frames of the swept LFO over 5 s", name, rate, delay_ms,
          depth_ms, spread, worst, worst_r);
    fxt_free(t);
}

/* Phase of N TPT allpasses at hz with corner fc. */
static double ap_phase(int N, double fc, double hz)
{
    return -2.0 * N * atan(tan(PI * hz / SR) / tan(PI * fc / SR));
}

static double wrap(double a)
{
    while (a > PI) a -= 2 * PI;
    while (a < -PI) a += 2 * PI;
    return a;
}

int main(void)
{
    int i;

    check_sweep("chorus", 0.8, 7, 4, 0.5);
    check_sweep("chorus", 3.0, 20, 10, 1.0);
    check_sweep("flanger", 0.25, 0.5, 3, 0.25);
    check_sweep("flanger", 5.0, 1, 1, 0.0);

    /* flanger feedback makes a comb: peaks at multiples of 1/delay, the first one 1/(1-fb) */
    {
        fxt *t = fxt_new("flanger", SR, NULL, "delay", 1.0, "depth", 0.0, "feedback", 0.8, NULL);
        double a1, a15;
        for (i = 0; i < SR; i++) l[i] = r[i] = 0.1f * (float)sin(2 * PI * 1000 * i / SR);
        fxt_run(t, l, r, SR, 32);
        a1 = fxt_amp(l + SR / 2, SR / 2, 1000, SR) / 0.1;
        fxt_free(t);
        t = fxt_new("flanger", SR, NULL, "delay", 1.0, "depth", 0.0, "feedback", 0.8, NULL);
        for (i = 0; i < SR; i++) l[i] = r[i] = 0.1f * (float)sin(2 * PI * 1500 * i / SR);
        fxt_run(t, l, r, SR, 32);
        a15 = fxt_amp(l + SR / 2, SR / 2, 1500, SR) / 0.1;
        /* wet = z^-D / (1 - fb z^-D): |.| = 1/(1-fb) at 1 kHz (D = 1 ms), 1/(1+fb) at 1.5 kHz */
        CHECK(fabs(a1 - 5.0) < 0.05 && fabs(a15 - 1 / 1.8) < 0.01, "flanger feedback 0.8, 1 ms: gain %.3f "
              "at 1 kHz (want 5), %.4f at 1.5 kHz (want %.4f)", a1, a15, 1 / 1.8);
        fxt_free(t);
    }

    /* phaser held still: an allpass of known phase; its notches with the dry signal */
    {
        static const int stages[] = { 2, 4, 6 };
        int s;
        for (s = 0; s < 3; s++) {
            double worst_ph = 0, worst_mag = 0;
            int h;
            for (h = 0; h < 10; h++) {
                double hz = 100 * pow(100.0, h / 9.0) * 0.99, pd, pw, ad, aw;
                fxt *t = fxt_new("phaser", SR, NULL, "depth", 0.0, "freq", 1000.0, "feedback", 0.0,
                                 "stages", (double)stages[s], NULL);
                for (i = 0; i < SR; i++) l[i] = dl[i] = r[i] = 0.5f * (float)sin(2 * PI * hz * i / SR);
                fxt_run(t, l, r, SR, 32);
                ad = fxt_lockin(dl + SR / 2, SR / 2, hz, SR, &pd);
                aw = fxt_lockin(l + SR / 2, SR / 2, hz, SR, &pw);
                worst_mag = fmax(worst_mag, fabs(fxt_db(aw / ad)));
                worst_ph = fmax(worst_ph, fabs(wrap(pw - pd - ap_phase(stages[s], 1000, hz))) * 180 / PI);
                fxt_free(t);
            }
            CHECK(worst_mag < 0.01 && worst_ph < 0.05, "phaser %d stages at 1 kHz, still: |wet| within %.4f dB "
                  "of 1 and phase within %.4f degrees of -2N atan(x), 100 Hz..10 kHz", stages[s], worst_mag,
                  worst_ph);
        }
        {
            /* 4 stages: the blend cancels where each stage turns 45 and 135 degrees */
            double notch[2], a[2];
            int k;
            notch[0] = atan(tan(PI / 8) * tan(PI * 1000 / SR)) * SR / PI;
            notch[1] = atan(tan(3 * PI / 8) * tan(PI * 1000 / SR)) * SR / PI;
            for (k = 0; k < 2; k++) {
                fxt *t = fxt_new("phaser", SR, NULL, "depth", 0.0, "freq", 1000.0, "feedback", 0.0, NULL);
                for (i = 0; i < SR; i++) l[i] = dl[i] = r[i] = 0.5f * (float)sin(2 * PI * notch[k] * i / SR);
                fxt_run(t, l, r, SR, 32);
                for (i = 0; i < SR; i++) l[i] = 0.5f * (l[i] + dl[i]);
                a[k] = fxt_db(fxt_amp(l + SR / 2, SR / 2, notch[k], SR) / 0.5);
                fxt_free(t);
            }
            CHECK(a[0] < -60 && a[1] < -60, "phaser 4 stages at 1 kHz mixed 50/50: %.1f dB at %.1f Hz and "
                  "%.1f dB at %.1f Hz (the analytic notches)", a[0], notch[0], a[1], notch[1]);
        }
    }

    /* phaser swept: the corner recovered from the measured phase follows the LFO */
    {
        const double rate = 0.5, freq = 1000, depth = 2, hz = 1000;
        fxt *t = fxt_new("phaser", SR, NULL, "rate", rate, "depth", depth, "freq", freq, "feedback", 0.0,
                         "stages", 2.0, "spread", 0.0, NULL);
        double worst = 0;
        int n = 4 * SR, w = 240, k;
        for (i = 0; i < n; i++) l[i] = dl[i] = r[i] = 0.5f * (float)sin(2 * PI * hz * i / SR);
        fxt_run(t, l, r, n, 32);
        for (k = SR / 10; k + w < n; k += 2400) {
            double pd, pw, th, x, fc, want;
            fxt_lockin(dl + k, w, hz, SR, &pd);
            fxt_lockin(l + k, w, hz, SR, &pw);
            th = wrap(pw - pd);                       /* = -4 atan(x), in (-2 pi, 0): unwrap */
            if (th > 0) th -= 2 * PI;
            x = tan(-th / 4);
            fc = atan(tan(PI * hz / SR) / x) * SR / PI;
            want = freq * pow(2.0, depth / 2 * sin(2 * PI * rate * (k + w / 2.0) / SR));
            worst = fmax(worst, fabs(log2(fc / want)));
        }
        CHECK(worst < 0.02, "phaser rate 0.5 Hz, depth 2 oct around 1 kHz: corner from the measured phase "
              "within %.4f octaves of the LFO over 4 s", worst);
        fxt_free(t);
    }

    /* tremolo: DC through it is the gain law */
    {
        static const float rates[] = { 5.0f, 20.0f };
        int k;
        for (k = 0; k < 2; k++) {
            fxt *t = fxt_new("tremolo", SR, NULL, "rate", (double)rates[k], "depth", 0.6, "spread", 1.0, NULL);
            double worst = 0, worst_r = 0;
            for (i = 0; i < 2 * SR; i++) l[i] = r[i] = 1.0f;
            fxt_run(t, l, r, 2 * SR, 32);
            for (i = 0; i < 2 * SR; i++) {
                double ph = (double)i * rates[k] / SR;
                worst = fmax(worst, fabs(l[i] - (1 - 0.6 * (0.5 - 0.5 * sin(2 * PI * ph)))));
                worst_r = fmax(worst_r, fabs(r[i] - (1 - 0.6 * (0.5 - 0.5 * sin(2 * PI * (ph - 0.5))))));
            }
            CHECK(worst < 2e-4 && worst_r < 2e-4, "tremolo %g Hz depth 0.6: gain within %.2g (left) and %.2g "
                  "(right, 180 degrees behind) of 1 - depth (1 - sin) / 2 over 2 s", rates[k], worst, worst_r);
            fxt_free(t);
        }
        {
            fxt *t = fxt_new("tremolo", SR, NULL, "rate", 10.0, "depth", 1.0, "shape", 1.0, NULL);
            float lo = 1, hi = 0;
            for (i = 0; i < SR; i++) l[i] = r[i] = 1.0f;
            fxt_run(t, l, r, SR, 32);
            for (i = 0; i < SR; i++) lo = fminf(lo, l[i]), hi = fmaxf(hi, l[i]);
            CHECK(lo < 1e-4f && hi > 0.9999f && fxt_slew(l, 1, SR) < 0.02f, "tremolo shape 1 (soft square): "
                  "%.5f .. %.5f, largest step %.4f per frame (edges of a few ms, no click)", lo, hi,
                  fxt_slew(l, 1, SR));
            fxt_free(t);
        }
    }

    /* autopan: constant power, the law of the pan position */
    {
        fxt *t = fxt_new("autopan", SR, NULL, "rate", 2.0, "depth", 0.8, NULL);
        double worst_pow = 0, worst = 0;
        for (i = 0; i < 2 * SR; i++) l[i] = r[i] = 1.0f;
        fxt_run(t, l, r, 2 * SR, 32);
        for (i = 0; i < 2 * SR; i++) {
            double pos = 0.8 * sin(2 * PI * 2.0 * i / SR), a = PI / 4 * (pos + 1);
            worst_pow = fmax(worst_pow, fabs((double)l[i] * l[i] + (double)r[i] * r[i] - 2));
            worst = fmax(worst, fmax(fabs(l[i] - sqrt(2.0) * cos(a)), fabs(r[i] - sqrt(2.0) * sin(a))));
        }
        CHECK(worst_pow < 1e-4 && worst < 2e-4, "autopan 2 Hz depth 0.8: L^2 + R^2 within %.2g of 2 (constant "
              "power), gains within %.2g of the pan law", worst_pow, worst);
        fxt_free(t);
    }

    /* ringmod: a 1 kHz tone times a 300 Hz carrier is 700 Hz + 1300 Hz at half amplitude */
    {
        fxt *t = fxt_new("ringmod", SR, NULL, "freq", 300.0, NULL);
        double a7, a13, a10;
        for (i = 0; i < SR; i++) l[i] = r[i] = 0.5f * (float)sin(2 * PI * 1000 * i / SR);
        fxt_run(t, l, r, SR, 32);
        a7 = fxt_amp(l, SR, 700, SR);
        a13 = fxt_amp(l, SR, 1300, SR);
        a10 = fxt_amp(l, SR, 1000, SR);
        CHECK(fabs(a7 - 0.25) < 1e-4 && fabs(a13 - 0.25) < 1e-4 && fxt_db(a10 / 0.5) < -100,
              "ringmod 300 Hz on 1 kHz: %.5f at 700 Hz, %.5f at 1300 Hz (want 0.25), the tone itself %.1f dB",
              a7, a13, fxt_db(a10 / 0.5));
        fxt_free(t);
    }
    return check_done("test_fx_mod");
}
