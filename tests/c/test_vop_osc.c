/* test_vop_osc.c — what a listener hears from the oscillator voice ops (osc_v8.c, wavetable_v8.c):
 * aliasing of a 5 kHz saw against the naive waveform and the old PolyBLEP (the measure, with
 * the default and the hq tables), the same for the other band-limited shapes, hard sync and the
 * wavetable; pitch, DC, level and duty cycle; a sine's purity; FM sidebands against Bessel functions;
 * white and pink noise spectra and per-voice seeds.  Every figure is printed. */
#include <stdio.h>
#include "check.h"
#include "vop_harness.h"
#include "dsp/vops_defs.h"
#include "dsp/wavetable.h"
#include "dsp/osc.h"

#define SR 48000
#define WARM 4800                   /* frames rendered before a measured second (residuals settle) */

/* The last second of WARM + SR frames of lane 0, constant inputs. */
static float *second(const lt_vop_def *d, int opt, const float *vals, const float *tab, int ntab)
{
    float *o = vh_run1(d, opt, tab, ntab, SR, WARM + SR, vals, NULL, 32, NULL);
    memmove(o, o + WARM, sizeof(float) * SR);
    return o;
}

static double alias_of(const lt_vop_def *d, int opt, const float *vals, int f0, const float *tab, int ntab)
{
    float *o = second(d, opt, vals, tab, ntab);
    double a = vh_worst_alias_db(o, SR, f0, SR);
    free(o);
    return a;
}

static const char *qname[] = { "default", "hq", "naive" };

int main(void)
{
    printf("kernels: %s\n", lt_isa_name(lt_isa_select(NULL)));

    /* ---- the measure: a 5 kHz saw at 48 kHz ---- */
    {
        const float f[] = { 5000 };
        double q[3];
        for (int o = 0; o < 3; o++) q[o] = alias_of(&lt_vop_saw, o, f, 5000, NULL, 0);
        lt_osc old;
        static float ob[WARM + SR];
        lt_osc_init(&old, SR);
        lt_osc_process(&old, LT_OSC_SAW, 5000, ob, WARM + SR);
        double old_db = vh_worst_alias_db(ob + WARM, SR, 5000, SR);
        printf("saw 5 kHz @ 48 kHz, loudest alias below 20 kHz re the fundamental: default %.1f dB, hq %.1f dB; "
               "naive %.1f dB, the old osc.c PolyBLEP %.1f dB\n", q[0], q[1], q[2], old_db);
        CHECK(q[0] <= -60, "default saw: loudest alias %.1f dB, want <= -60", q[0]);
        CHECK(q[1] <= -80, "hq saw: loudest alias %.1f dB, want <= -80", q[1]);
        CHECK(q[2] > -20 && old_db > -45, "the naive saw (%.1f dB) and the old PolyBLEP (%.1f dB) alias as "
              "expected, so the measure can tell", q[2], old_db);
    }

    /* ---- what band-limiting costs at the top: harmonics of a 1 kHz saw against the ideal 2 / (pi k) ---- */
    {
        const float f[] = { 1000 };
        double db[2][3];
        for (int o = 0; o < 2; o++) {
            float *x = second(&lt_vop_saw, o, f, NULL, 0);
            static const int hk[3] = { 10, 18, 20 };
            for (int k = 0; k < 3; k++)
                db[o][k] = 20 * log10(vh_tone_mag(x, SR, 1000.0 * hk[k], SR) / (2 / (M_PI * hk[k])));
            free(x);
        }
        printf("saw 1 kHz, harmonics 10, 18, 20 re the ideal saw: default %.2f, %.2f, %.2f dB; hq %.2f, %.2f, %.2f dB\n",
               db[0][0], db[0][1], db[0][2], db[1][0], db[1][1], db[1][2]);
        CHECK(fabs(db[0][0]) < 0.05 && fabs(db[0][1]) < 0.2 && fabs(db[0][2]) < 0.5, "default saw: flat to 10 kHz, "
              "within 0.5 dB at 20 kHz (%.2f)", db[0][2]);
        CHECK(fabs(db[1][0]) < 0.05 && fabs(db[1][2]) < 0.1, "hq saw: within 0.1 dB at 20 kHz (%.2f)", db[1][2]);
    }

    /* ---- the other band-limited shapes at 5 kHz, and sub at 2.5 kHz ---- */
    {
        struct { const lt_vop_def *d; float v[2]; int f0; } t[] = {
            { &lt_vop_square, { 5000, 0.5f }, 5000 }, { &lt_vop_square, { 5000, 0.3f }, 5000 },
            { &lt_vop_tri, { 5000 }, 5000 }, { &lt_vop_sub, { 5000 }, 2500 },
        };
        for (unsigned k = 0; k < sizeof t / sizeof *t; k++) {
            double q[3];
            for (int o = 0; o < 3; o++) q[o] = alias_of(t[k].d, o, t[k].v, t[k].f0, NULL, 0);
            printf("%-6s %g Hz%s: loudest alias %s %.1f dB, %s %.1f dB, %s %.1f dB\n", t[k].d->name, t[k].v[0],
                   t[k].d == &lt_vop_square ? (t[k].v[1] == 0.5f ? " width 0.5" : " width 0.3") : "",
                   qname[0], q[0], qname[1], q[1], qname[2], q[2]);
            CHECK(q[0] <= -60 && q[1] <= -80, "%s at %g Hz: default %.1f dB <= -60, hq %.1f dB <= -80",
                  t[k].d->name, t[k].v[0], q[0], q[1]);
            CHECK(q[2] > q[0] + 25, "%s: band-limiting gains %.1f dB over the naive shape", t[k].d->name, q[2] - q[0]);
        }
    }

    /* ---- hard sync: master 997 Hz (the output repeats at the master's period), slave 3100 Hz ---- */
    {
        const float f[] = { 997, 3100 };
        double q[3];
        for (int o = 0; o < 3; o++) q[o] = alias_of(&lt_vop_sync, o, f, 997, NULL, 0);
        printf("sync 997 Hz / 3100 Hz: loudest alias default %.1f dB, hq %.1f dB, naive %.1f dB\n", q[0], q[1], q[2]);
        CHECK(q[0] <= -60, "synced saw: loudest alias %.1f dB, want <= -60", q[0]);
        CHECK(q[1] <= -80, "hq synced saw: loudest alias %.1f dB, want <= -80", q[1]);
        CHECK(q[2] > q[0] + 25, "sync band-limiting gains %.1f dB over the naive reset", q[2] - q[0]);
    }

    /* ---- pitch, DC and level ---- */
    {
        static const float freqs[] = { 55, 261.6256f, 440, 1000, 3520, 9876.5f };
        for (unsigned k = 0; k < sizeof freqs / sizeof *freqs; k++) {
            const float v[] = { freqs[k] };
            float *o = vh_run1(&lt_vop_saw, 0, NULL, 0, SR, 4 * SR, v, NULL, 32, NULL);
            double hz = vh_zero_crossing_hz(o, 4 * SR, SR), cents = 1200 * log2(hz / freqs[k]);
            double dc = vh_mean(o + SR, 3 * SR), rms = vh_rms(o + SR, 3 * SR);
            CHECK(fabs(cents) < 0.01, "saw at %g Hz plays %.5f Hz (%.5f cents off)", freqs[k], hz, cents);
            CHECK(fabs(dc) < 2e-3, "saw at %g Hz: DC %.2g (the band-limited ramp's lag is corrected)", freqs[k], dc);
            if (freqs[k] < 2000)
                CHECK(fabs(rms - 1 / sqrt(3.0)) < 0.01, "saw at %g Hz: RMS %.4f, a full-scale saw's is 0.5774",
                      freqs[k], rms);
            free(o);
            float *t = vh_run1(&lt_vop_tri, 0, NULL, 0, SR, 2 * SR, v, NULL, 32, NULL);
            double tdc = vh_mean(t + SR / 2, SR);
            CHECK(fabs(tdc) < 2e-3, "tri at %g Hz: DC %.2g", freqs[k], tdc);
            free(t);
        }
        const float f440[] = { 440 };
        float *o = vh_run1(&lt_vop_sub, 0, NULL, 0, SR, 2 * SR, f440, NULL, 32, NULL);
        double hz = vh_zero_crossing_hz(o, 2 * SR, SR);
        printf("sub(440) plays %.4f Hz\n", hz);
        CHECK(fabs(hz - 220) < 0.01, "sub(440) is an octave down: %.4f Hz", hz);
        free(o);
        o = vh_run1(&lt_vop_saw, 0, NULL, 0, SR, 64, f440, NULL, 32, NULL);
        CHECK(fabs(o[0]) < 0.02 && vh_max_step(o, 32) < 0.05, "a fresh saw starts at %.4f and rises smoothly (no "
              "click at the note's start: largest step %.4f)", o[0], vh_max_step(o, 32));
        free(o);
    }

    /* ---- PWM: duty cycle and DC follow the width ---- */
    for (int k = 0; k < 3; k++) {
        static const float w[] = { 0.5f, 0.25f, 0.1f };
        const float v[] = { 100, w[k] };
        float *o = vh_run1(&lt_vop_square, 0, NULL, 0, SR, WARM + SR, v, NULL, 32, NULL);
        int hi = 0;
        for (int t = WARM; t < WARM + SR; t++) hi += o[t] > 0;
        double duty = (double)hi / SR, dc = vh_mean(o + WARM, SR);
        printf("square 100 Hz width %.2f: duty %.4f, DC %.4f (ideal %.4f)\n", w[k], duty, dc, 2 * w[k] - 1);
        CHECK(fabs(duty - w[k]) < 0.002 && fabs(dc - (2 * w[k] - 1)) < 0.005, "square width %.2f: duty %.4f, DC %.4f",
              w[k], duty, dc);
        free(o);
    }

    /* ---- sine: pure ---- */
    {
        const float v[] = { 1000, 0 };
        float *o = second(&lt_vop_sine, 0, v, NULL, 0);
        double *p = vh_power(o, SR), worst = 0;
        for (int k = 1; k <= SR / 2; k++) if (k != 1000 && p[k] > worst) worst = p[k];
        double db = 10 * log10(worst / p[1000]);
        printf("sine 1 kHz: strongest other component %.1f dB (the +-1 Hz bins: the phase increment is exact to "
               "2^-32 of a cycle, 4e-6 Hz, which leaks that much in a one-second window)\n", db);
        CHECK(db < -100, "sine 1 kHz: strongest other component %.1f dB, want < -100", db);
        free(p);
        free(o);
    }

    /* ---- FM: sidebands are Bessel functions of the index (carrier 4 kHz, ratio 0.25, index 1) ---- */
    {
        const float v[] = { 4000, 0.25f, 1.0f, 0 };
        float *o = second(&lt_vop_fm, 0, v, NULL, 0);
        static const double J[3] = { 0.7651976866, 0.4400505857, 0.1149034849 };   /* J0, J1, J2 of 1 */
        double worst = 0;
        for (int k = 0; k < 3; k++)
            for (int sgn = -1; sgn <= 1; sgn += 2) {
                double m = vh_tone_mag(o, SR, 4000 + sgn * 1000 * k, SR);
                double e = fabs(m / J[k] - 1);
                if (e > worst) worst = e;
                if (k == 0) break;
            }
        printf("fm index 1: sidebands 0..2 within %.3f %% of J0(1), J1(1), J2(1)\n", 100 * worst);
        CHECK(worst < 0.005, "fm sidebands follow Bessel functions of the index (radians): worst error %.4f", worst);
        free(o);
        const float vf[] = { 220, 1, 0, 1.2f };
        float *a = second(&lt_vop_fm, 0, vf, NULL, 0);
        double h2 = vh_tone_mag(a, SR, 440, SR);
        CHECK(h2 < 1e-3, "fm with index 0 is a pure carrier whatever the feedback (2nd harmonic %.2g)", h2);
        free(a);
    }

    /* ---- noise: white is flat, pink falls 3 dB per octave, seeds differ per voice ---- */
    {
        float *w = vh_run1(&lt_vop_noise, 0, NULL, 0, SR, 4 * SR, NULL, NULL, 32, NULL);
        float *pk = vh_run1(&lt_vop_pink, 0, NULL, 0, SR, 4 * SR, NULL, NULL, 32, NULL);
        double *pw = vh_power(w, 4 * SR), *pp = vh_power(pk, 4 * SR);
        /* power per Hz in octave bands from 62.5 Hz to 16 kHz */
        double wb[8], pb[8];
        for (int b = 0; b < 8; b++) {
            int lo = (int)(62.5 * (1 << b) * 4), hi = 2 * lo;
            double sw = 0, sp = 0;
            for (int k = lo; k < hi; k++) { sw += pw[k]; sp += pp[k]; }
            wb[b] = 10 * log10(sw / (hi - lo));
            pb[b] = 10 * log10(sp);                  /* pink: equal power per octave */
        }
        double wdev = 0, pdev = 0;
        for (int b = 0; b < 8; b++) {
            if (fabs(wb[b] - wb[4]) > wdev) wdev = fabs(wb[b] - wb[4]);
            if (fabs(pb[b] - pb[4]) > pdev) pdev = fabs(pb[b] - pb[4]);
        }
        printf("white noise: RMS %.4f, octave bands 62 Hz..16 kHz within %.2f dB per Hz; pink: RMS %.4f, "
               "within %.2f dB per octave\n", vh_rms(w, 4 * SR), wdev, vh_rms(pk, 4 * SR), pdev);
        CHECK(wdev < 0.5, "white noise is flat: octave bands per Hz within %.2f dB", wdev);
        CHECK(pdev < 1.0, "pink noise has equal power per octave from 62 Hz to 16 kHz: within %.2f dB", pdev);
        CHECK(fabs(vh_rms(w, 4 * SR) - 0.5774) < 0.005 && fabs(vh_mean(w, 4 * SR)) < 0.005,
              "white noise is uniform in -1..1: RMS %.4f, mean %.4f", vh_rms(w, 4 * SR), vh_mean(w, 4 * SR));
        CHECK(vh_peak(pk, 4 * SR) < 1.0, "pink noise stays within -1..1 (peak %.3f)", vh_peak(pk, 4 * SR));
        free(pw); free(pp); free(w); free(pk);

        /* two voices' noise are uncorrelated */
        float *in0[1] = { NULL }, *out[2];
        (void)in0;
        out[0] = malloc(sizeof(float) * 8 * SR);
        vh h;
        vh_init(&h, &lt_vop_noise, lt_isa(), SR, 0, NULL, 0);
        vh_render(&h, NULL, NULL, out, SR, 32, NULL);
        double c = 0;
        for (int t = 0; t < SR; t++) c += out[0][t] * out[0][SR + t];
        c /= SR * (1.0 / 3.0);
        CHECK(fabs(c) < 0.02, "two voices' white noise are uncorrelated (correlation %.4f)", c);
        vh_free(&h);
        free(out[0]);
    }

    /* ---- wavetable: frames play their shapes, band-limited per octave ---- */
    {
        long cap = 2 + 16 * LT_WT_N;
        float *src = malloc(sizeof(float) * cap);
        long ns = lt_wavetable_builtin("basic", src, cap);
        const char *err = NULL;
        long nd = lt_wavetable_prepare(src, ns, NULL, &err);
        float *tab = malloc(sizeof(float) * nd);
        lt_wavetable_prepare(src, ns, tab, &err);
        CHECK(ns > 0 && nd > 0, "the basic wavetable is built and prepared (%ld floats)", nd);
        const float sine_v[] = { 1000, 0 }, saw_v[] = { 5000, 2.0f / 3.0f }, saw_lo[] = { 100, 2.0f / 3.0f };
        float *o = second(&lt_vop_wavetable, 0, sine_v, tab, (int)nd);
        double *p = vh_power(o, SR), worst = 0;
        for (int k = 1; k <= SR / 2; k++) if (k != 1000 && p[k] > worst) worst = p[k];
        double sdb = 10 * log10(worst / p[1000]);
        free(p); free(o);
        double adb = alias_of(&lt_vop_wavetable, 0, saw_v, 5000, tab, (int)nd);
        o = second(&lt_vop_wavetable, 0, saw_lo, tab, (int)nd);
        double h1 = vh_tone_mag(o, SR, 100, SR), h3 = vh_tone_mag(o, SR, 300, SR), h10 = vh_tone_mag(o, SR, 1000, SR);
        free(o);
        printf("wavetable basic: sine frame 1 kHz purity %.1f dB; saw frame at 5 kHz loudest alias %.1f dB; saw frame "
               "at 100 Hz harmonics 3 and 10 at %.4f and %.4f of the 1st (ideal 0.3333, 0.1000)\n", sdb, adb, h3 / h1, h10 / h1);
        CHECK(sdb < -80, "wavetable sine frame: strongest other component %.1f dB", sdb);
        CHECK(adb < -50, "wavetable saw frame at 5 kHz: loudest alias %.1f dB (mip levels + linear reading)", adb);
        CHECK(fabs(h3 / h1 - 1.0 / 3) < 0.003 && fabs(h10 / h1 - 0.1) < 0.003, "the saw frame has a saw's harmonics");
        /* position morphs linearly between neighbouring frames: 1/6 is half sine, half triangle */
        const float pa[] = { 110, 0 }, pb[] = { 110, 1.0f / 3.0f }, pm[] = { 110, 1.0f / 6.0f };
        float *ra = vh_run1(&lt_vop_wavetable, 0, tab, (int)nd, SR, 4800, pa, NULL, 32, NULL);
        float *rb = vh_run1(&lt_vop_wavetable, 0, tab, (int)nd, SR, 4800, pb, NULL, 32, NULL);
        o = vh_run1(&lt_vop_wavetable, 0, tab, (int)nd, SR, 4800, pm, NULL, 32, NULL);
        double dev = 0;
        for (int t = 0; t < 4800; t++) dev = fmax(dev, fabs(o[t] - 0.5 * (ra[t] + rb[t])));
        CHECK(dev < 1e-5, "position 1/6 plays the mean of the sine and triangle frames (deviation %.2g)", dev);
        free(ra); free(rb); free(o);
        /* a fast sweep of position and pitch stays finite and in range */
        float *pos = malloc(sizeof(float) * SR), *fq = malloc(sizeof(float) * SR);
        for (int t = 0; t < SR; t++) { pos[t] = (float)t / SR; fq[t] = 20.0f * powf(1000.0f, (float)t / SR); }
        float *sig[LT_VOP_MAX_IN] = { fq, pos };
        o = vh_run1(&lt_vop_wavetable, 0, tab, (int)nd, SR, SR, NULL, sig, 0, NULL);
        CHECK(vh_finite(o, SR) && vh_peak(o, SR) < 1.3, "a sweep of pitch 20 Hz..20 kHz and position 0..1 stays finite "
              "and bounded (peak %.3f)", vh_peak(o, SR));
        const char *e2 = NULL;
        float bad[] = { 0, 16 };
        CHECK(lt_wavetable_prepare(bad, 2, NULL, &e2) < 0 && e2, "a malformed wavetable is refused: %s", e2 ? e2 : "");
        free(o); free(pos); free(fq); free(tab); free(src);
    }
    return check_done("test_vop_osc");
}
