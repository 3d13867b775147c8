/* test_fx_delay.c — the echo delay measured: the echo lands on the frame the time asks for (from 1 ms
 * to 4 s, and "3/16" at 130 bpm rounded to the nearest frame); each repeat is the previous one times
 * the feedback and the analytic gain of the repeat filters at the tone's frequency; ping-pong sends
 * the repeats alternately left and right with nothing on the other side; a time change crossfades
 * (the old echo fades out, the new one in, no jump) and then echoes at the new time. */
#include <stdio.h>
#include "check.h"
#include "fxtest.h"

#define SR 48000

static float l[5 * SR], r[5 * SR];

static int first_nonzero(const float *x, int n, float thr)
{
    int i;
    for (i = 0; i < n; i++)
        if (fabsf(x[i]) > thr) return i;
    return -1;
}

static int argmax_abs(const float *x, int from, int to)
{
    int i, at = from;
    for (i = from; i < to; i++)
        if (fabsf(x[i]) > fabsf(x[at])) at = i;
    return at;
}

/* TPT one-pole magnitudes (bilinear, prewarped at the corner). */
static double lp1(double fc, double hz) { double x = tan(PI * hz / SR) / tan(PI * fc / SR); return 1 / sqrt(1 + x * x); }
static double hp1(double fc, double hz) { double x = tan(PI * hz / SR) / tan(PI * fc / SR); return x / sqrt(1 + x * x); }

int main(void)
{
    int i;

    /* the echo lands on the frame */
    {
        static const double times[] = { 0.001, 0.01, 0.25, 0.375, 60.0 / 130 * 0.75, 4.0 };
        int k;
        for (k = 0; k < 6; k++) {
            fxt *t = fxt_new("delay", SR, NULL, "time", times[k], "feedback", 0.0, "highcut", 20000.0, NULL);
            int want = (int)floor(times[k] * SR + 0.5), n = want + 2000, at;
            memset(l, 0, sizeof(float) * (size_t)n);
            memset(r, 0, sizeof(float) * (size_t)n);
            l[100] = r[100] = 1.0f;
            fxt_run(t, l, r, n, 32);
            at = argmax_abs(l, 0, n) - 100;
            CHECK(at == want && first_nonzero(l, n, 1e-6f) - 100 == want,
                  "delay time %.6f s: echo peak %d frames after the impulse, want %d", times[k], at, want);
            fxt_free(t);
        }
    }

    /* each repeat = the previous one times feedback times the filters' gain at the tone's frequency */
    {
        static const float fbs[] = { 0.3f, 0.6f, 0.9f };
        int k;
        for (k = 0; k < 3; k++) {
            const double D = 0.1, hz = 1000, lo = 200, hi = 5000;
            fxt *t = fxt_new("delay", SR, NULL, "time", D, "feedback", (double)fbs[k], "lowcut", lo,
                             "highcut", hi, NULL);
            int d = (int)(D * SR), n = 5 * d, w = d / 2;
            double a1, a2, a3, want = fxt_db(fbs[k] * lp1(hi, hz) * hp1(lo, hz));
            memset(l, 0, sizeof(float) * (size_t)n);
            memset(r, 0, sizeof(float) * (size_t)n);
            /* a tone burst of half the delay time, so the repeats do not overlap */
            for (i = 0; i < w; i++) l[i] = r[i] = 0.5f * (float)sin(2 * PI * hz * i / SR);
            fxt_run(t, l, r, n, 32);
            /* measure the middle of each repeat, away from the filters' onset transient */
            a1 = fxt_amp(l + d + w / 4, w / 2, hz, SR);
            a2 = fxt_amp(l + 2 * d + w / 4, w / 2, hz, SR);
            a3 = fxt_amp(l + 3 * d + w / 4, w / 2, hz, SR);
            CHECK(fabs(fxt_db(a2 / a1) - want) < 0.05 && fabs(fxt_db(a3 / a2) - want) < 0.05,
                  "feedback %g: repeats fall by %.3f and %.3f dB, want %.3f (feedback x filters at 1 kHz)",
                  fbs[k], fxt_db(a2 / a1), fxt_db(a3 / a2), want);
            CHECK(fabs(fxt_db(a1 / 0.5) - fxt_db(lp1(hi, hz) * hp1(lo, hz))) < 0.05,
                  "feedback %g: the first repeat is filtered once (%.3f dB)", fbs[k], fxt_db(a1 / 0.5));
            fxt_free(t);
        }
    }

    /* ping-pong: repeats alternate sides, the other side silent */
    {
        fxt *t = fxt_new("delay", SR, NULL, "time", 0.1, "feedback", 0.5, "pingpong", 1.0,
                         "highcut", 20000.0, NULL);
        int d = SR / 10, n = 4 * d + 100, k, ok = 1;
        double worst = -999;
        memset(l, 0, sizeof(float) * (size_t)n);
        memset(r, 0, sizeof(float) * (size_t)n);
        l[0] = r[0] = 1.0f;    /* a centred impulse */
        fxt_run(t, l, r, n, 32);
        for (k = 1; k <= 3; k++) {
            const float *on = (k & 1) ? l : r, *off = (k & 1) ? r : l;
            double e_on = 0, e_off = 0;
            for (i = k * d - 10; i < k * d + 50; i++) e_on += on[i] * on[i], e_off += off[i] * off[i];
            ok &= first_nonzero(on + k * d - 10, 60, 1e-6f) == 10;
            worst = fmax(worst, 10 * log10(e_off / e_on + 1e-30));
        }
        CHECK(ok && worst < -100, "ping-pong: repeats 1, 2, 3 start on their frames on the left, right, left; "
              "the other side %.1f dB below", worst);
        fxt_free(t);
    }

    /* a time change crossfades and then echoes at the new time */
    {
        fxt *t = fxt_new("delay", SR, NULL, "time", 0.05, "feedback", 0.0, "highcut", 20000.0, NULL);
        int n = SR, at;
        memset(l, 0, sizeof(float) * (size_t)n);
        memset(r, 0, sizeof(float) * (size_t)n);
        fxt_run(t, l, r, 1000, 32);
        fxt_glide(t, "time", 0.08f, 0);
        l[5000] = 1.0f;        /* after the 40 ms fade */
        fxt_run(t, l + 1000, r + 1000, n - 1000, 32);
        at = argmax_abs(l, 5001, n) - 5000;
        CHECK(at == (int)(0.08 * SR), "after a time change to 80 ms the echo comes %d frames late, want %d",
              at, (int)(0.08 * SR));
        fxt_free(t);
    }
    {
        /* during the fade both taps sound, crossfaded: a tone's echo keeps its level */
        fxt *t = fxt_new("delay", SR, NULL, "time", 0.05, "feedback", 0.0, "highcut", 20000.0, NULL);
        int n = SR / 2;
        float lo = 1, hi = 0;
        for (i = 0; i < n; i++) l[i] = r[i] = 0.5f * (float)sin(2 * PI * 100 * i / SR);
        fxt_run(t, l, r, SR / 4, 32);
        fxt_glide(t, "time", 0.06f, 0);   /* 480 frames later: 4.8 periods of 100 Hz, nearly in phase */
        fxt_run(t, l + SR / 4, r + SR / 4, n - SR / 4, 32);
        for (i = SR / 4; i < SR / 4 + (int)(0.04 * SR); i += 120) {
            float a = (float)fxt_amp(l + i, 480, 100, SR);
            lo = fminf(lo, a);
            hi = fmaxf(hi, a);
        }
        CHECK(lo > 0.4f && hi < 0.51f, "a tone's echo across a time change stays between %.3f and %.3f "
              "(0.5 steady): crossfaded, not dropped", lo, hi);
        fxt_free(t);
    }

    /* the tail it declares covers the repeats */
    {
        fxt *t = fxt_new("delay", SR, NULL, "time", 0.5, "feedback", 0.5, NULL);
        float tail = t->d->tail(t->st);
        CHECK(tail > 0.5f * 90 / 6.02 && tail < 60, "delay 0.5 s, feedback 0.5: declared tail %.2f s "
              "(90 dB at 6 dB per repeat = %.1f s)", tail, 0.5 * 90 / 6.02);
        fxt_free(t);
    }
    return check_done("test_fx_delay");
}
