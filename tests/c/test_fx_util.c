/* test_fx_util.c — the mixing utilities measured: gain in dB, polarity and its 10 ms flip, mono,
 * swap, width (the mono sum untouched at every width, the side scaled, the low end made mono with the
 * analytic 12 dB/oct high-pass), the DC blocker's corner and DC rejection, and the alignment delays to
 * the frame with latency 0. */
#include <stdio.h>
#include "check.h"
#include "fxtest.h"

#define SR 48000

static float l[SR], r[SR], l0[SR], r0[SR];

static void tones(float fl, float al, float fr, float ar_, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        l[i] = l0[i] = al * (float)sin(2 * PI * fl * i / SR);
        r[i] = r0[i] = ar_ * (float)sin(2 * PI * fr * i / SR + 0.5);
    }
}

/* |H| of the analog 2nd-order Butterworth high-pass at hz for corner fc, bilinear-mapped with the
 * corner prewarped (the TPT SVF's response). */
static double hp2_mag(double fc, double hz)
{
    double x = tan(PI * hz / SR) / tan(PI * fc / SR);
    double re = 1 - x * x, im = sqrt(2.0) * x;
    return x * x / sqrt(re * re + im * im);
}

int main(void)
{
    int i;

    /* gain: -6 dB is -6 dB, the floor is silence, a glide passes through the middle */
    {
        fxt *t = fxt_new("gain", SR, NULL, "gain", -6.0, NULL);
        double db;
        tones(1000, 0.5f, 1000, 0.5f, SR);
        fxt_run(t, l, r, SR, 32);
        db = fxt_db(fxt_amp(l, SR, 1000, SR) / fxt_amp(l0, SR, 1000, SR));
        CHECK(fabs(db + 6.0) < 1e-4, "gain -6 dB: measured %.5f dB", db);
        fxt_free(t);
        t = fxt_new("gain", SR, NULL, "gain", -96.0, NULL);
        tones(1000, 0.5f, 1000, 0.5f, 4800);
        fxt_run(t, l, r, 4800, 32);
        CHECK(fxt_peak(l, 4800) == 0 && fxt_peak(r, 4800) == 0, "gain -96 dB is silence");
        fxt_free(t);
        t = fxt_new("gain", SR, NULL, NULL);
        for (i = 0; i < 4800; i++) l[i] = r[i] = 1.0f;
        fxt_glide(t, "gain", -20.0f, 960);
        fxt_run(t, l, r, 4800, 32);
        CHECK(fabs(fxt_db(l[480]) + 10.0) < 0.2 && fabs(fxt_db(l[2000]) + 20.0) < 1e-3,
              "a 20 ms glide 0 -> -20 dB: %.2f dB half-way, %.3f dB after", fxt_db(l[480]), fxt_db(l[2000]));
        fxt_free(t);
    }

    /* polarity: left inverted exactly, right untouched; a flip ramps through zero over 10 ms */
    {
        fxt *t = fxt_new("polarity", SR, NULL, "left", 1.0, "right", 0.0, NULL);
        int exact = 1;
        tones(300, 0.5f, 500, 0.4f, 4800);
        fxt_run(t, l, r, 4800, 32);
        for (i = 0; i < 4800; i++) exact &= l[i] == -l0[i] && r[i] == r0[i];
        CHECK(exact, "polarity{left = 1}: left is exactly -input, right exactly the input");
        for (i = 0; i < 4800; i++) l[i] = r[i] = 1.0f;
        fxt_glide(t, "left", 0.0f, 0);
        fxt_run(t, l, r, 4800, 32);
        CHECK(fabsf(l[239]) < 0.01f && l[0] < -0.99f && l[480] == 1.0f,
              "flipping back: %.3f at the start, %.4f after 5 ms, %.3f after 10 ms", l[0], l[239], l[480]);
        fxt_free(t);
    }

    /* mono and swap */
    {
        fxt *t = fxt_new("mono", SR, NULL, NULL);
        int exact = 1;
        tones(300, 0.5f, 500, 0.4f, 4800);
        fxt_run(t, l, r, 4800, 32);
        for (i = 0; i < 4800; i++) exact &= l[i] == r[i] && fabsf(l[i] - 0.5f * (l0[i] + r0[i])) < 1e-7f;
        CHECK(exact, "mono: both channels carry (L + R) / 2");
        fxt_free(t);
        t = fxt_new("swap", SR, NULL, NULL);
        tones(300, 0.5f, 500, 0.4f, 4800);
        fxt_run(t, l, r, 4800, 32);
        exact = 1;
        for (i = 0; i < 4800; i++) exact &= l[i] == r0[i] && r[i] == l0[i];
        CHECK(exact, "swap: left and right exchanged exactly");
        fxt_free(t);
    }

    /* width: the mono sum is untouched; the side scales; the low end of the side goes */
    {
        static const float widths[] = { 0.0f, 0.5f, 1.0f, 2.0f };
        int w;
        for (w = 0; w < 4; w++) {
            fxt *t = fxt_new("width", SR, NULL, "width", (double)widths[w], "mono_below", 150.0, NULL);
            float worst = 0;
            double side_in, side_out;
            tones(1000, 0.5f, 700, 0.3f, SR);
            fxt_run(t, l, r, SR, 32);
            for (i = 0; i < SR; i++) worst = fmaxf(worst, fabsf((l[i] + r[i]) - (l0[i] + r0[i])));
            for (i = 0; i < SR; i++) l0[i] = 0.5f * (l0[i] - r0[i]), r0[i] = 0.5f * (l[i] - r[i]);
            side_in = fxt_amp(l0 + SR / 2, SR / 2, 1000, SR);
            side_out = fxt_amp(r0 + SR / 2, SR / 2, 1000, SR);
            CHECK(worst < 1e-6f, "width %g: L + R unchanged (largest difference %.2g): mono-safe",
                  widths[w], worst);
            CHECK(fabs(side_out / side_in - widths[w] * hp2_mag(150, 1000)) < 1e-3,
                  "width %g: side at 1 kHz scaled by %.4f, want %.4f", widths[w], side_out / side_in,
                  widths[w] * hp2_mag(150, 1000));
            fxt_free(t);
        }
        {
            static const double hz[] = { 30, 60, 100, 150, 300 };
            double worst = 0;
            int h;
            for (h = 0; h < 5; h++) {
                fxt *t = fxt_new("width", SR, NULL, "mono_below", 150.0, NULL);
                double got, want;
                tones((float)hz[h], 0.5f, (float)hz[h], 0.1f, SR);
                fxt_run(t, l, r, SR, 32);
                for (i = 0; i < SR; i++) l0[i] = 0.5f * (l0[i] - r0[i]), r0[i] = 0.5f * (l[i] - r[i]);
                got = fxt_amp(r0 + SR / 2, SR / 2, hz[h], SR) / fxt_amp(l0 + SR / 2, SR / 2, hz[h], SR);
                want = hp2_mag(150, hz[h]);
                worst = fmax(worst, fabs(fxt_db(got) - fxt_db(want)));
                fxt_free(t);
            }
            CHECK(worst < 0.05, "mono_below 150 Hz: side response at 30..300 Hz within %.4f dB of the "
                  "12 dB/oct Butterworth high-pass", worst);
        }
        {
            fxt *t = fxt_new("width", SR, NULL, NULL);
            int exact = 1;
            tones(300, 0.5f, 500, 0.4f, 4800);
            fxt_run(t, l, r, 4800, 32);
            for (i = 0; i < 4800; i++) exact &= fabsf(l[i] - l0[i]) < 1e-7f && fabsf(r[i] - r0[i]) < 1e-7f;
            CHECK(exact, "width at its defaults passes the signal unchanged");
            fxt_free(t);
        }
    }

    /* dcblock: DC goes, the corner is at -3 dB, the audio band passes */
    {
        fxt *t = fxt_new("dcblock", SR, NULL, NULL);
        double db5, db100;
        for (i = 0; i < SR; i++) l[i] = r[i] = 0.5f;
        fxt_run(t, l, r, SR, 32);
        CHECK(fabsf(l[SR - 1]) < 1e-6f, "dcblock: 0.5 of DC is %.2g after 1 s", l[SR - 1]);
        fxt_free(t);
        t = fxt_new("dcblock", SR, NULL, NULL);
        tones(5, 0.5f, 100, 0.5f, SR);
        fxt_run(t, l, r, SR, 32);
        fxt_run(t, l, r, SR, 32);   /* settle: 1 s more of the same (it continues the phase) */
        tones(5, 0.5f, 100, 0.5f, SR);
        fxt_reset(t);
        {
            static float bl[4 * SR], br[4 * SR];
            for (i = 0; i < 4 * SR; i++) {
                bl[i] = 0.5f * (float)sin(2 * PI * 5 * i / SR);
                br[i] = 0.5f * (float)sin(2 * PI * 100 * i / SR);
            }
            fxt_run(t, bl, br, 4 * SR, 32);
            db5 = fxt_db(fxt_amp(bl + 2 * SR, 2 * SR, 5, SR) / 0.5);
            db100 = fxt_db(fxt_amp(br + 2 * SR, 2 * SR, 100, SR) / 0.5);
        }
        CHECK(fabs(db5 + 3.01) < 0.05, "dcblock at 5 Hz: %.3f dB at its corner, want -3.01", db5);
        CHECK(fabs(db100) < 0.02, "dcblock at 100 Hz: %.4f dB, want ~0", db100);
        fxt_free(t);
    }

    /* alignment delays: exact to the frame, latency 0 */
    {
        static const int ds[] = { 0, 1, 12, 480, 48000 };
        int k;
        for (k = 0; k < 5; k++) {
            fxt *t = fxt_new("delay_samples", SR, NULL, "samples", (double)ds[k], NULL);
            int at = -1, n = SR + 200;
            static float bl[SR + 200], br[SR + 200];
            memset(bl, 0, sizeof bl);
            memset(br, 0, sizeof br);
            bl[100] = 1.0f;
            br[100] = -1.0f;
            fxt_run(t, bl, br, n, 32);
            for (i = 0; i < n; i++)
                if (bl[i] != 0) { at = i; break; }
            CHECK(at == 100 + ds[k] && bl[at] == 1.0f && br[at] == -1.0f && fxt_latency(t) == 0,
                  "delay_samples %d: impulse at frame 100 comes out at %d (latency reported %d)", ds[k],
                  at, fxt_latency(t));
            fxt_free(t);
        }
        {
            fxt *t = fxt_new("delay_ms", SR, NULL, "ms", 0.25, NULL);
            int at = -1;
            memset(l, 0, sizeof l);
            memset(r, 0, sizeof r);
            l[100] = 1.0f;
            fxt_run(t, l, r, 1000, 32);
            for (i = 0; i < 1000; i++)
                if (l[i] != 0) { at = i; break; }
            CHECK(at == 112, "delay_ms 0.25 at 48 kHz: impulse 12 frames late (at %d)", at - 100);
            fxt_free(t);
        }
        {
            /* a step 10 -> 20 frames: the taps crossfade over 10 ms, then the delay is 20 */
            fxt *t = fxt_new("delay_samples", SR, NULL, "samples", 10.0, NULL);
            int at = -1;
            memset(l, 0, sizeof l);
            memset(r, 0, sizeof r);
            fxt_run(t, l, r, 100, 32);
            fxt_glide(t, "samples", 20.0f, 0);
            l[1000] = 1.0f;
            fxt_run(t, l + 100, r + 100, 1900, 32);
            for (i = 100; i < 2000; i++)
                if (l[i] != 0) { at = i; break; }
            CHECK(at == 1020, "after a step to 20 frames an impulse comes out 20 frames late (%d)", at - 1000);
            fxt_free(t);
        }
    }
    return check_done("test_fx_util");
}
