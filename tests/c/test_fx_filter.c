/* test_fx_filter.c — lpf, hpf, bpf measured: the magnitude at 20 frequencies against the analytic
 * bilinear response (within 0.1 dB below fs/4), the resonance bounded at the largest q, a cutoff sweep
 * of 20 Hz -> 20 kHz in 10 ms with no NaN, no blow-up (the peak within the resonance gain q of the
 * tone) and no click (the generic test in test_fx_all.c measures discontinuities), and the envelope
 * follower moving the cutoff by `follow` octaves per unit of level. */
#include <stdio.h>
#include "check.h"
#include "fxtest.h"

#define SR 48000

static float l[2 * SR], r[2 * SR];

/* |H| of the TPT SVF outputs (bilinear, prewarped at the cutoff): x = tan(pi f / sr) / tan(pi fc / sr). */
static double mag(int mode, double fc, double q, double hz)
{
    double x = tan(PI * hz / SR) / tan(PI * fc / SR), re = 1 - x * x, im = x / q, d = sqrt(re * re + im * im);
    return mode == 0 ? 1 / d : mode == 1 ? x * x / d : (x / q) / d;
}

static double measured(const char *name, double fc, double q, double hz)
{
    fxt *t = fxt_new(name, SR, NULL, "cutoff", fc, "q", q, NULL);
    int i;
    double a;
    for (i = 0; i < SR; i++) l[i] = r[i] = 0.25f * (float)sin(2 * PI * hz * i / SR);
    fxt_run(t, l, r, SR, 32);
    a = fxt_amp(l + SR / 2, SR / 2, hz, SR) / 0.25;
    fxt_free(t);
    return a;
}

int main(void)
{
    static const char *names[3] = { "lpf", "hpf", "bpf" };
    static const double cuts[] = { 100, 1000, 8000 }, qs[] = { 0.7071, 3, 12 };
    int m, c, q, i;

    for (m = 0; m < 3; m++)
        for (c = 0; c < 3; c++)
            for (q = 0; q < 3; q++) {
                double worst = 0, at = 0;
                int k;
                for (k = 0; k < 20; k++) {
                    double hz = 30 * pow(400.0, k / 19.0), want = mag(m, cuts[c], qs[q], hz), err;
                    if (hz >= SR / 4.0 || fxt_db(want) < -80) continue;
                    err = fabs(fxt_db(measured(names[m], cuts[c], qs[q], hz)) - fxt_db(want));
                    if (err > worst) worst = err, at = hz;
                }
                CHECK(worst < 0.1, "%s cutoff %g q %g: magnitude within %.4f dB of the analytic response at "
                      "20 frequencies below fs/4 (worst at %.0f Hz)", names[m], cuts[c], qs[q], worst, at);
            }

    /* the resonance is bounded: q 20 on loud noise */
    for (m = 0; m < 3; m++) {
        fxt *t = fxt_new(names[m], SR, NULL, "cutoff", 2000.0, "q", 20.0, NULL);
        fxt_seed = 9;
        for (i = 0; i < SR; i++) l[i] = r[i] = fxt_noise();
        fxt_run(t, l, r, SR, 32);
        CHECK(fxt_finite(l, SR) && fxt_peak(l, SR) < 60, "%s q 20 on full-scale noise: peak %.1f (bounded)",
              names[m], fxt_peak(l, SR));
        fxt_free(t);
    }

    /* cutoff sweep 20 Hz -> 20 kHz in 10 ms: finite, no click */
    for (m = 0; m < 3; m++) {
        fxt *t = fxt_new(names[m], SR, NULL, "cutoff", 20.0, "q", 2.0, NULL);
        float peak;
        for (i = 0; i < 2 * SR; i++) l[i] = r[i] = 0.5f * (float)sin(2 * PI * 1000 * i / SR);
        fxt_run(t, l, r, SR / 2, 32);
        fxt_glide(t, "cutoff", 20000.0f, SR / 100);
        fxt_run(t, l + SR / 2, r + SR / 2, SR / 2, 32);
        peak = fxt_peak(l + SR / 2, SR / 2);
        CHECK(fxt_finite(l, SR) && peak <= 2 * 0.5f, "%s q 2: cutoff 20 Hz -> 20 kHz in 10 ms on a 1 kHz tone "
              "of 0.5: finite, peak %.3f (the resonance gain 2 bounds it at 1)", names[m], peak);
        fxt_free(t);
    }

    /* the follower: a steady tone of peak A moves the cutoff by follow * A octaves */
    {
        static const double follows[] = { 2.0, -1.5 };
        int f;
        for (f = 0; f < 2; f++) {
            const double A = 0.5, fc = 1000, hz = 1000;
            fxt *t = fxt_new("lpf", SR, NULL, "cutoff", fc, "follow", follows[f], "attack", 1.0,
                             "release", 2000.0, NULL);
            double got, want = mag(0, fc * pow(2.0, follows[f] * A), 0.7071, hz);
            for (i = 0; i < SR; i++) l[i] = r[i] = (float)(A * sin(2 * PI * hz * i / SR));
            fxt_run(t, l, r, SR, 32);
            got = fxt_amp(l + SR / 2, SR / 2, hz, SR) / A;
            CHECK(fabs(fxt_db(got) - fxt_db(want)) < 0.05, "lpf 1 kHz follow %g on a 1 kHz tone of peak 0.5: "
                  "%.3f dB, want %.3f (cutoff at %.0f Hz)", follows[f], fxt_db(got), fxt_db(want),
                  fc * pow(2.0, follows[f] * A));
            fxt_free(t);
        }
    }
    /* follow 0: the level changes nothing (the same as the plain filter) */
    {
        double quiet = measured("lpf", 1000, 0.7071, 1500), loud;
        fxt *t = fxt_new("lpf", SR, NULL, "cutoff", 1000.0, NULL);
        for (i = 0; i < SR; i++) l[i] = r[i] = 0.9f * (float)sin(2 * PI * 1500 * i / SR);
        fxt_run(t, l, r, SR, 32);
        loud = fxt_amp(l + SR / 2, SR / 2, 1500, SR) / 0.9;
        CHECK(fabs(fxt_db(quiet) - fxt_db(loud)) < 1e-3, "follow 0: level does not move the cutoff "
              "(%.4f vs %.4f dB)", fxt_db(quiet), fxt_db(loud));
        fxt_free(t);
    }
    return check_done("test_fx_filter");
}
