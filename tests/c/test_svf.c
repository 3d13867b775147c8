/* test_svf.c — the resonant low-pass measured as a listener would hear it: steady-state gain of sine
 * tones against the analytic response, -3 dB at the cutoff, the resonance peak, unity DC gain, no
 * click when the cutoff moves, stability at the extremes, denormal flushing and reset. */
#include <math.h>
#include <string.h>
#include "check.h"
#include "dsp/svf.h"

#define SR 48000.0f
#define PI 3.14159265358979323846

static float in[2 * 48000], out[2 * 48000];

/* Amplitude of the `hz` component of x[0..n) by a Hann-windowed lock-in (correlation with a complex
 * exponential): leakage from the start-up transient and from a non-integer number of periods is
 * suppressed by the window. */
static double amplitude(const float *x, int n, double hz)
{
    double re = 0, im = 0, wsum = 0;
    int i;
    for (i = 0; i < n; i++) {
        double w = 0.5 - 0.5 * cos(2 * PI * i / n), ph = 2 * PI * hz * i / SR;
        re += w * x[i] * cos(ph);
        im += w * x[i] * sin(ph);
        wsum += w;
    }
    return 2 * sqrt(re * re + im * im) / wsum;
}

/* Gain in dB of the filter at (cutoff, q) for a sine at hz: 0.5 s to settle, then 1 s measured. */
static double measured_db(float cutoff, float q, double hz)
{
    lt_svf f;
    int i, settle = 24000, n = 48000;
    lt_svf_init(&f, SR);
    lt_svf_set(&f, cutoff, q);
    for (i = 0; i < settle + n; i++) in[i] = (float)sin(2 * PI * hz * i / SR);
    for (i = 0; i < settle + n; i += 32) lt_svf_lowpass(&f, in + i, out + i, 32);
    return 20 * log10(amplitude(out + settle, n, hz) / amplitude(in + settle, n, hz));
}

static unsigned rng = 12345;
static float noise(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) * (2.0 / 16777216.0) - 1.0);
}

int main(void)
{
    static const float cutoffs[] = { 100.0f, 1000.0f, 8000.0f };
    static const float qs[] = { 0.7071f, 2.0f, 10.0f };
    unsigned c, qi;
    int i;

    /* magnitude response against the analytic bilinear one, 20 Hz .. 20 kHz, 24 points per case */
    for (c = 0; c < 3; c++)
        for (qi = 0; qi < 3; qi++) {
            double worst = 0, worst_hz = 0;
            int k;
            for (k = 0; k < 24; k++) {
                double hz = 20 * pow(1000.0, k / 23.0);
                double want = 20 * log10(lt_svf_lowpass_mag(SR, cutoffs[c], qs[qi], hz));
                double err = fabs(measured_db(cutoffs[c], qs[qi], hz) - want);
                if (want < -90) continue;     /* below what a float filter and this meter resolve */
                if (err > worst) worst = err, worst_hz = hz;
            }
            CHECK(worst < 0.1, "cutoff %g q %g: measured response within %.4f dB of analytic "
                  "(worst at %.0f Hz), want < 0.1 dB", cutoffs[c], qs[qi], worst, worst_hz);
        }

    /* -3 dB at the cutoff for a Butterworth q, at low, middle and high cutoffs */
    for (c = 0; c < 3; c++) {
        double db = measured_db(cutoffs[c], 0.7071f, cutoffs[c]);
        CHECK(fabs(db + 3.01) < 0.05, "q 0.7071: gain at the %g Hz cutoff is %.3f dB, want -3.01",
              cutoffs[c], db);
    }

    /* resonance: near the cutoff the gain peaks at about q (q / sqrt(1 - 1/4q²) exactly) */
    {
        static const float hiq[] = { 5.0f, 20.0f, 50.0f };
        for (qi = 0; qi < 3; qi++) {
            double peak = -1e9, at = 0, want = 20 * log10(hiq[qi] / sqrt(1 - 1 / (4.0 * hiq[qi] * hiq[qi])));
            int k;
            for (k = -20; k <= 20; k++) {
                double hz = 1000 * pow(2.0, k / 1200.0), db = measured_db(1000.0f, hiq[qi], hz);
                if (db > peak) peak = db, at = hz;
            }
            CHECK(fabs(peak - want) < 0.2, "q %g at 1000 Hz: peak %.2f dB at %.1f Hz, want %.2f dB",
                  hiq[qi], peak, at, want);
        }
    }

    /* DC passes at unity */
    {
        lt_svf f;
        lt_svf_init(&f, SR);
        lt_svf_set(&f, 200.0f, 2.0f);
        for (i = 0; i < 48000; i++) in[i] = 1.0f;
        lt_svf_lowpass(&f, in, out, 48000);
        CHECK(fabsf(out[47999] - 1.0f) < 1e-5f, "DC gain %.7f, want 1", out[47999]);
        CHECK(fabs(lt_svf_lowpass_mag(SR, 200, 2, 0) - 1) < 1e-12, "analytic DC gain is 1");
        CHECK(lt_svf_lowpass_mag(SR, 200, 2, 24000) == 0, "analytic gain at Nyquist is 0");
    }

    /* set() keeps the state: a 200 Hz tone through a filter whose cutoff steps from 1000 to 1200 Hz
     * (a fast envelope sweep moves it about that much per 32-frame quantum), changed at a zero
     * crossing and at a peak of the tone, steps between samples at most 25% further than the steady
     * tone does (the filter's own response to its new coefficients, ringing at q 2, measures 19%
     * at the zero crossing); clearing the state instead (a filter rebuilt on every change) jumps by the amplitude */
    {
        static const int at[2] = { 4800, 4860 };
        int k;
        for (k = 0; k < 2; k++) {
            lt_svf f;
            float before = 0, across = 0, cleared;
            lt_svf_init(&f, SR);
            lt_svf_set(&f, 1000.0f, 2.0f);
            for (i = 0; i < 9600; i++) in[i] = (float)sin(2 * PI * 200 * i / SR);
            lt_svf_lowpass(&f, in, out, at[k]);
            lt_svf_set(&f, 1200.0f, 2.0f);
            lt_svf_lowpass(&f, in + at[k], out + at[k], 9600 - at[k]);
            for (i = 2400; i < at[k]; i++) before = fmaxf(before, fabsf(out[i] - out[i - 1]));
            for (i = at[k]; i < at[k] + 32; i++) across = fmaxf(across, fabsf(out[i] - out[i - 1]));
            CHECK(across <= 1.25f * before, "cutoff 1000 -> 1200 Hz at frame %d of a tone: largest step %.5f "
                  "vs %.5f in steady state, want no click", at[k], across, before);
            lt_svf_set(&f, 1200.0f, 2.0f);
            CHECK(f.cutoff == 1200.0f && f.ic1eq != 0, "setting the same values keeps the state");
            if (k == 1) {
                lt_svf_reset(&f);
                lt_svf_lowpass(&f, in + at[k], &cleared, 1);
                CHECK(fabsf(cleared - out[at[k] - 1]) > 10 * before, "a cleared state would jump by "
                      "%.3f (the test can fail)", fabsf(cleared - out[at[k] - 1]));
            }
        }
    }

    /* stability at the extremes: noise through cutoff 0.49 sr (asked 30 kHz: clamped) and q 50.
     * Near Nyquist the bilinear map makes the ringing decay slowly (time constant ~1600 frames
     * here), so the state reaches the flush threshold of 1e-15 only after about a second. */
    {
        lt_svf f;
        float peak = 0;
        int finite = 1;
        lt_svf_init(&f, SR);
        lt_svf_set(&f, 30000.0f, 1000.0f);
        CHECK(f.cutoff == 0.49f * SR && f.q == 50.0f, "cutoff clamped to %g Hz, q to %g", f.cutoff, f.q);
        for (i = 0; i < 96000; i++) in[i] = i < 12000 ? noise() : 0.0f;
        for (i = 0; i < 96000; i += 32) lt_svf_lowpass(&f, in + i, out + i, 32);
        for (i = 0; i < 96000; i++) {
            finite &= isfinite(out[i]);
            peak = fmaxf(peak, fabsf(out[i]));
        }
        CHECK(finite && peak < 100.0f, "q 50 near Nyquist on noise: finite, peak %.2f", peak);
        CHECK(f.ic1eq == 0 && f.ic2eq == 0, "after 1.75 s of silence the state is flushed to exactly 0 "
              "(%g, %g): no denormals", f.ic1eq, f.ic2eq);
        /* the analytic response clamps the same way */
        CHECK(lt_svf_lowpass_mag(SR, 30000, 1000, 1000) == lt_svf_lowpass_mag(SR, 0.49 * SR, 50, 1000),
              "analytic response clamps cutoff and q like the filter");
    }

    /* a NaN in the input does not poison the filter beyond the block */
    {
        lt_svf f;
        lt_svf_init(&f, SR);
        for (i = 0; i < 64; i++) in[i] = 0.5f;
        in[3] = NAN;
        lt_svf_lowpass(&f, in, out, 32);
        lt_svf_lowpass(&f, in + 32, out + 32, 32);
        CHECK(isfinite(out[63]), "after a NaN, the next block is finite (%g)", out[63]);
    }

    /* reset returns to the first render; in place equals out of place */
    {
        lt_svf f;
        static float first[4800];
        lt_svf_init(&f, SR);
        lt_svf_set(&f, 700.0f, 8.0f);
        for (i = 0; i < 4800; i++) in[i] = noise();
        lt_svf_lowpass(&f, in, first, 4800);
        lt_svf_reset(&f);
        lt_svf_lowpass(&f, in, out, 4800);
        CHECK(memcmp(first, out, sizeof first) == 0, "reset returns to the first render");
        lt_svf_reset(&f);
        memcpy(out, in, sizeof first);
        for (i = 0; i < 4800; i += 7) lt_svf_lowpass(&f, out + i, out + i, 4800 - i < 7 ? 4800 - i : 7);
        CHECK(memcmp(first, out, sizeof first) == 0, "in place, in blocks of 7, equals one block");
    }
    /* four filters interleaved give exactly the samples of four separate ones */
    {
        lt_svf one[4], four[4], *f[4];
        static float sep[4 * 960], inter[4 * 960];
        int j;
        for (j = 0; j < 4; j++) {
            lt_svf_init(&one[j], SR);
            lt_svf_set(&one[j], 300.0f * (j + 1), 0.7f + 3 * j);
            four[j] = one[j];
            f[j] = &four[j];
        }
        for (i = 0; i < 4 * 960; i++) sep[i] = inter[i] = noise();
        for (j = 0; j < 4; j++)
            for (i = 0; i < 960; i += 32) lt_svf_lowpass(&one[j], sep + j * 960 + i, sep + j * 960 + i, 32);
        for (i = 0; i < 960; i += 32) {
            float tmp[4 * 32];
            for (j = 0; j < 4; j++) memcpy(tmp + 32 * j, inter + j * 960 + i, sizeof(float) * 32);
            lt_svf_lowpass4(f, tmp, 32, 32);
            for (j = 0; j < 4; j++) memcpy(inter + j * 960 + i, tmp + 32 * j, sizeof(float) * 32);
        }
        CHECK(memcmp(sep, inter, sizeof sep) == 0 && memcmp(one, four, sizeof one) == 0,
              "lt_svf_lowpass4 equals four lt_svf_lowpass calls, samples and state");
    }
    return check_done("svf");
}
