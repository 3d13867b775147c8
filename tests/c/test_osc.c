/* test_osc.c — what a listener hears from the band-limited oscillators: the pitch is right to a
 * thousandth of a cent, a high saw or square has far less aliasing than the naive waveform, the
 * output does not depend on the block size, there is no DC, and the level is about ±1. */
#include <math.h>
#include <string.h>
#include <fftw3.h>
#include "check.h"
#include "dsp/osc.h"

#define SR 48000.0f

static void render(lt_osc_shape shape, float freq, float *out, int n, int block)
{
    lt_osc o;
    int i;
    lt_osc_init(&o, SR);
    for (i = 0; i < n; i += block)
        lt_osc_process(&o, shape, freq, out + i, n - i < block ? n - i : block);
}

/* Frequency from rising zero crossings, each located by linear interpolation between the samples
 * around it; the first is skipped and the span between the second and the last is divided by the
 * periods in it, so an error of a tenth of a sample per crossing costs 1e-6 of the pitch. */
static double zero_crossing_hz(const float *x, int n)
{
    double first = -1, last = -1;
    int i, count = 0;
    for (i = 1; i < n; i++) {
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (i - 1) + x[i - 1] / (double)(x[i - 1] - x[i]);
            if (++count == 2) first = t;
            last = t;
        }
    }
    if (count < 3) return 0;
    return (count - 2) / (last - first) * SR;
}

/* Energy outside the harmonics of f0 relative to all energy but DC, in dB, over exactly one second
 * (n = SR samples) of a waveform whose f0 is a whole number of Hz: every harmonic and every alias
 * then falls on a whole bin, so no window is needed and nothing leaks between bins.  Counted over the
 * whole band (all[0]) and below 20 kHz (all[1], what a listener can hear); worst: the loudest single
 * alias below 20 kHz relative to the fundamental. */
static void alias_db(const float *x, int n, int f0, double all[2], double *worst_db)
{
    double *in = fftw_malloc(sizeof(double) * n);
    fftw_complex *spec = fftw_malloc(sizeof(fftw_complex) * (n / 2 + 1));
    fftw_plan plan = fftw_plan_dft_r2c_1d(n, in, spec, FFTW_ESTIMATE);
    double total = 0, alias = 0, audible = 0, fund, worst = 0;
    int k;
    for (k = 0; k < n; k++) in[k] = x[k];
    fftw_execute(plan);
    fund = spec[f0][0] * spec[f0][0] + spec[f0][1] * spec[f0][1];
    for (k = 1; k <= n / 2; k++) {
        double p = spec[k][0] * spec[k][0] + spec[k][1] * spec[k][1];
        total += p;
        if (k % f0 == 0) continue;
        alias += p;
        if (k * (double)SR / n > 20000) continue;
        audible += p;
        if (p > worst) worst = p;
    }
    all[0] = 10 * log10(alias / total);
    all[1] = 10 * log10(audible / total);
    *worst_db = 10 * log10(worst / fund);
    fftw_destroy_plan(plan);
    fftw_free(in);
    fftw_free(spec);
}

static void naive(lt_osc_shape shape, double freq, float *out, int n)
{
    double t = 0, dt = freq / SR;
    int i;
    for (i = 0; i < n; i++) {
        out[i] = shape == LT_OSC_SAW ? (float)(2 * t - 1) : (t < 0.5 ? 1.0f : -1.0f);
        t += dt;
        if (t >= 1) t -= 1;
    }
}

static const char *name(lt_osc_shape s) { return s == LT_OSC_SAW ? "saw" : "square"; }

#define N 48000
static float buf[4 * N], ref[N], other[N];

int main(void)
{
    static const float freqs[] = { 55.0f, 261.6256f, 440.0f, 1000.0f, 3520.0f, 9876.5f };
    static const int blocks[] = { 1, 7, 32, 256 };
    lt_osc_shape shape;
    unsigned f, b;

    for (shape = LT_OSC_SAW; shape <= LT_OSC_SQUARE; shape++) {
        /* pitch over 4 seconds */
        for (f = 0; f < sizeof freqs / sizeof *freqs; f++) {
            double hz, cents;
            render(shape, freqs[f], buf, 4 * N, 4 * N);
            hz = zero_crossing_hz(buf, 4 * N);
            cents = 1200 * log2(hz / freqs[f]);
            CHECK(fabs(cents) < 0.01, "%s at %g Hz plays %.6f Hz, %.5f cents off", name(shape),
                  freqs[f], hz, cents);
        }

        /* Aliasing at 440 Hz and at 2489 Hz (a D#7, where a naive saw audibly rings with
         * inharmonic tones).  Thresholds are the measured figures with 2-3 dB of margin: the
         * four-sample PolyBLEP leaves its largest aliases just under Nyquist (at 2489 Hz the 10th
         * harmonic folds to 23.1 kHz), so the audible band is far cleaner than the whole band. */
        for (f = 0; f < 2; f++) {
            static const int f0s[2] = { 440, 2489 };
            static const double max_all[2][2] = { { -43, -34 }, { -44, -39 } };    /* [shape][f] */
            static const double max_audible[2][2] = { { -51, -45 }, { -53, -51 } };
            double blep[2], nv[2], blep_worst, naive_worst;
            render(shape, (float)f0s[f], buf, N, N);
            alias_db(buf, N, f0s[f], blep, &blep_worst);
            naive(shape, f0s[f], ref, N);
            alias_db(ref, N, f0s[f], nv, &naive_worst);
            printf("%-6s %4d Hz: aliasing %.1f dB of total, %.1f dB below 20 kHz, loudest audible "
                   "alias %.1f dB under f0; naive: %.1f, %.1f, %.1f dB\n", name(shape), f0s[f],
                   blep[0], blep[1], -blep_worst, nv[0], nv[1], -naive_worst);
            CHECK(blep[0] < max_all[shape][f], "%s at %d Hz: aliased energy %.1f dB, want < %g dB",
                  name(shape), f0s[f], blep[0], max_all[shape][f]);
            CHECK(blep[1] < max_audible[shape][f], "%s at %d Hz: audible aliasing %.1f dB, want < %g",
                  name(shape), f0s[f], blep[1], max_audible[shape][f]);
            CHECK(blep[1] < nv[1] - 25.0, "%s at %d Hz: PolyBLEP %.1f dB vs naive %.1f dB below 20 kHz, "
                  "want 25 dB better", name(shape), f0s[f], blep[1], nv[1]);
            CHECK(blep_worst < -45.0, "%s at %d Hz: the loudest audible alias is %.1f dB under f0, "
                  "want more than 45 dB", name(shape), f0s[f], -blep_worst);
        }

        /* block-size invariance at a constant frequency */
        for (f = 0; f < 2; f++) {
            float hz = f ? 2489.0f : 440.0f;
            render(shape, hz, ref, 4800, 4800);
            for (b = 0; b < sizeof blocks / sizeof *blocks; b++) {
                render(shape, hz, other, 4800, blocks[b]);
                CHECK(memcmp(ref, other, 4800 * sizeof(float)) == 0,
                      "%s %g Hz in blocks of %d equals one block of 4800", name(shape), hz, blocks[b]);
            }
        }

        /* DC and level over exactly 440 periods */
        {
            double sum = 0, sq = 0, want_rms = shape == LT_OSC_SAW ? 1 / sqrt(3.0) : 1.0;
            float lo = 0, hi = 0;
            int i;
            render(shape, 440.0f, buf, N, N);
            for (i = 0; i < N; i++) {
                sum += buf[i];
                sq += (double)buf[i] * buf[i];
                if (buf[i] < lo) lo = buf[i];
                if (buf[i] > hi) hi = buf[i];
            }
            CHECK(fabs(sum / N) < 1e-4, "%s DC offset %.2e", name(shape), sum / N);
            CHECK(hi > 0.95f && hi <= 1.0f && lo < -0.95f && lo >= -1.0f,
                  "%s 440 Hz spans %.4f .. %.4f, want about ±1", name(shape), lo, hi);
            CHECK(fabs(sqrt(sq / N) / want_rms - 1) < 0.02, "%s RMS %.4f, want %.4f", name(shape),
                  sqrt(sq / N), want_rms);
        }
    }

    /* a pitch change glides across the block: 480 frames from 440 to 880 Hz advance the phase by
     * the mean of the ramp (6.6046 periods), not by 880 Hz (8.8 periods) */
    {
        lt_osc o;
        double want = 0.4 + 480 * 440.0 / SR + 440.0 / SR * (480 * 481 / 2) / 480.0;
        int i, jumps = 0;
        lt_osc_init(&o, SR);
        lt_osc_process(&o, LT_OSC_SAW, 440.0f, buf, 480);
        lt_osc_process(&o, LT_OSC_SAW, 880.0f, buf, 480);
        want -= floor(want);
        CHECK(fabs(o.phase - want) < 1e-9, "glide 440 -> 880 Hz ends at phase %.9f, want %.9f",
              o.phase, want);
        /* and the output stays a saw: one rising ramp through 0 per period, at phases 0.5 .. 6.5 */
        for (i = 1; i < 480; i++) jumps += buf[i - 1] < 0 && buf[i] >= 0;
        CHECK(jumps == 7, "glide block has %d periods, want 7", jumps);
        /* reset goes back to the first render */
        lt_osc_reset(&o, 0.0);
        lt_osc_process(&o, LT_OSC_SAW, 440.0f, other, 480);
        render(LT_OSC_SAW, 440.0f, ref, 480, 480);
        CHECK(memcmp(ref, other, 480 * sizeof(float)) == 0, "reset returns to the first render");
    }

    /* frequencies out of range stay finite and silent-ish rather than blowing up */
    {
        int i, finite = 1;
        render(LT_OSC_SAW, 30000.0f, buf, 1000, 1000);
        for (i = 0; i < 1000; i++) finite &= isfinite(buf[i]) && fabsf(buf[i]) <= 1.0f;
        render(LT_OSC_SQUARE, -5.0f, buf, 1000, 1000);
        for (i = 0; i < 1000; i++) finite &= isfinite(buf[i]) && fabsf(buf[i]) <= 1.0f;
        CHECK(finite, "frequencies above Nyquist and below 0 give bounded output");
    }
    return check_done("osc");
}
