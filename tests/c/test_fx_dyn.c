/* test_fx_dyn.c — the dynamics processors measured against their formulas.
 * comp: the static curve at 10 input levels (square waves in peak mode: |x| is the level exactly;
 * sines in RMS mode) against Giannoulis et al.'s soft-knee formula, within 0.2 dB; attack and release
 * time constants from the gain trajectory of a level step, within 10 %; stereo link; a sidechain
 * key; lookahead (latency and the reduction in place before the loud part); auto makeup;
 * reduction().  duck: the dip equals `depth` within 0.5 dB, attack, hold and release timed; the key filter
 * (keyhp) of duck, gate and expander keeps a low key out and lets a high one in.  gate:
 * hysteresis (a level between the two thresholds keeps the state), range, hold, attack and release.
 * expander: the static curve at 10 levels.  deess: a tone below `freq` untouched, one above turned
 * down by the analytic amount.  transient: onsets and decays shaped, a steady tone left alone.
 * Levels of DC or square waves make the gain readable sample by sample: out / in. */
#include <stdio.h>
#include "check.h"
#include "fxtest.h"

#define SR 48000

static float l[8 * SR], r[8 * SR], kl[8 * SR], kr[8 * SR], in[8 * SR];

/* The formula, written again here. */
static double gc(double x, double T, double R, double W)
{
    if (2 * (x - T) < -W) return 0;
    if (2 * fabs(x - T) <= W && W > 0) return (1 - 1 / R) * (x - T + W / 2) * (x - T + W / 2) / (2 * W);
    return (1 - 1 / R) * (x - T);
}

static void square(float *x, int from, int to, double amp, double hz)
{
    int i;
    for (i = from; i < to; i++) x[i] = (float)(fmod((double)i * hz / SR, 1.0) < 0.5 ? amp : -amp);
}

/* Time in frames from `from` until the reduction (dB, from out/in) first reaches `level`. */
static int time_to(const float *y, const float *x, int from, int to, double level, int rising)
{
    int i;
    for (i = from; i < to; i++) {
        double gr = -fxt_db(fabs(y[i] / x[i]));
        if (rising ? gr >= level : gr <= level) return i - from;
    }
    return -1;
}

int main(void)
{
    int i;

    /* comp: static curve, peak mode, square waves */
    {
        static const double lv[10] = { -40, -26, -23, -21, -20, -19, -17, -14, -8, 0 };
        double worst = 0, worst_rms = 0;
        int k;
        for (k = 0; k < 10; k++) {
            fxt *t = fxt_new("comp", SR, NULL, "threshold", -20.0, "ratio", 4.0, "knee", 6.0, "attack", 1.0,
                             "release", 50.0, NULL);
            double a = pow(10, lv[k] / 20), got;
            square(l, 0, SR / 2, a, 100);
            memcpy(r, l, sizeof(float) * SR / 2);
            memcpy(in, l, sizeof(float) * SR / 2);
            fxt_run(t, l, r, SR / 2, 32);
            got = fxt_db(fabs(l[SR / 2 - 1] / in[SR / 2 - 1]));
            worst = fmax(worst, fabs(got + gc(lv[k], -20, 4, 6)));
            fxt_free(t);
            /* RMS mode with sines: the level is the RMS */
            t = fxt_new("comp", SR, NULL, "threshold", -20.0, "ratio", 4.0, "knee", 6.0, "attack", 1.0,
                        "release", 50.0, "detect", 1.0, NULL);
            for (i = 0; i < SR; i++) l[i] = r[i] = in[i] = (float)(a * sqrt(2.0) * sin(2 * PI * 1000 * i / SR));
            fxt_run(t, l, r, SR, 32);
            got = fxt_db(fxt_amp(l + SR / 2, SR / 2, 1000, SR) / fxt_amp(in + SR / 2, SR / 2, 1000, SR));
            worst_rms = fmax(worst_rms, fabs(got + gc(lv[k], -20, 4, 6)));
            fxt_free(t);
        }
        CHECK(worst < 0.2, "comp -20 dB 4:1 knee 6 dB, peak mode: gain at 10 levels (-40..0 dB) within %.4f dB "
              "of the formula", worst);
        CHECK(worst_rms < 0.2, "comp, RMS mode on sines of RMS -40..0 dB: gain within %.4f dB of the formula",
              worst_rms);
    }

    /* comp: attack and release time constants from a level step */
    {
        static const double ar[3][2] = { { 1, 50 }, { 10, 100 }, { 30, 1000 } };
        int k;
        for (k = 0; k < 3; k++) {
            fxt *t = fxt_new("comp", SR, NULL, "threshold", -20.0, "ratio", 4.0, "knee", 0.0, "attack", ar[k][0],
                             "release", ar[k][1], NULL);
            int t0 = SR / 4, t1 = t0 + (int)(ar[k][0] * 0.001 * SR * 10) + SR / 10, n = t1 + (int)(ar[k][1] * 0.001 * SR * 6);
            double full = gc(-10, -20, 4, 0), ta, trel;
            square(l, 0, t0, 0.01, 1000);
            square(l, t0, t1, pow(10, -10 / 20.0), 1000);
            square(l, t1, n, 0.01, 1000);
            memcpy(r, l, sizeof(float) * n);
            memcpy(in, l, sizeof(float) * n);
            fxt_run(t, l, r, n, 32);
            ta = time_to(l, in, t0, t1, full * (1 - exp(-1)), 1) * 1000.0 / SR;
            trel = time_to(l, in, t1, n, full * exp(-1), 0) * 1000.0 / SR;
            CHECK(fabs(ta / ar[k][0] - 1) < 0.1 && fabs(trel / ar[k][1] - 1) < 0.1, "comp attack %g ms, release "
                  "%g ms: a 30 dB level step reaches 63%% of its %.1f dB reduction in %.3f ms and recovers to 37%% "
                  "in %.2f ms", ar[k][0], ar[k][1], full, ta, trel);
            fxt_free(t);
        }
    }

    /* comp: stereo link, the key, lookahead, auto makeup, reduction() */
    {
        double gl, gr_;
        fxt *t = fxt_new("comp", SR, NULL, "threshold", -20.0, "ratio", 4.0, "knee", 0.0, "link", 1.0, NULL);
        square(l, 0, SR / 2, pow(10, -10 / 20.0), 100);
        square(r, 0, SR / 2, 0.01, 100);
        fxt_run(t, l, r, SR / 2, 32);
        gl = fxt_db(fabs(l[SR / 2 - 1]) / pow(10, -10 / 20.0));
        gr_ = fxt_db(fabs(r[SR / 2 - 1]) / 0.01);
        CHECK(fabs(gl + 7.5) < 0.01 && fabs(gr_ + 7.5) < 0.01 && fabs(t->d->reduction(t->st) - 7.5) < 0.01,
              "comp linked, loud left (-10 dB) and quiet right (-40 dB): %.3f and %.3f dB, reduction() %.3f "
              "(want -7.5, -7.5, 7.5)", gl, gr_, t->d->reduction(t->st));
        fxt_free(t);
        t = fxt_new("comp", SR, NULL, "threshold", -20.0, "ratio", 4.0, "knee", 0.0, "link", 0.0, NULL);
        square(l, 0, SR / 2, pow(10, -10 / 20.0), 100);
        square(r, 0, SR / 2, 0.01, 100);
        fxt_run(t, l, r, SR / 2, 32);
        gr_ = fxt_db(fabs(r[SR / 2 - 1]) / 0.01);
        CHECK(fabs(gr_) < 1e-4, "comp unlinked: the quiet right channel is untouched (%.5f dB)", gr_);
        fxt_free(t);

        t = fxt_new("comp", SR, NULL, "threshold", -20.0, "ratio", 4.0, "knee", 0.0, NULL);
        square(kl, 0, SR / 2, pow(10, -10 / 20.0), 100);
        memcpy(kr, kl, sizeof(float) * SR / 2);
        square(l, 0, SR / 2, 0.01, 100);
        memcpy(r, l, sizeof(float) * SR / 2);
        t->kl = kl;
        t->kr = kr;
        fxt_run(t, l, r, SR / 2, 32);
        gl = fxt_db(fabs(l[SR / 2 - 1]) / 0.01);
        CHECK(fabs(gl + 7.5) < 0.01, "comp keyed by a -10 dB key: a -40 dB signal turned down %.3f dB (want 7.5)",
              -gl);
        fxt_free(t);

        t = fxt_new("comp", SR, NULL, "threshold", -20.0, "ratio", 4.0, "knee", 0.0, "attack", 1.0, "lookahead", 5.0, NULL);
        {
            int L = fxt_latency(t), t0 = SR / 4, exact = 1;
            square(l, 0, t0, 0.01, 1000);
            square(l, t0, SR / 2, pow(10, -10 / 20.0), 1000);
            memcpy(r, l, sizeof(float) * SR / 2);
            memcpy(in, l, sizeof(float) * SR / 2);
            fxt_run(t, l, r, SR / 2, 32);
            for (i = 1000; i < t0 - L; i++) exact &= fabsf(l[i + L] - in[i]) < 1e-6f;
            gl = -fxt_db(fabs(l[t0 + L] / in[t0]));
            CHECK(L == 240 && exact && gl > 7.0, "comp lookahead 5 ms: latency %d frames, the audio comes out that "
                  "late, and its first loud frame is already turned down %.2f dB (of 7.5)", L, gl);
        }
        fxt_free(t);

        t = fxt_new("comp", SR, NULL, "threshold", -20.0, "ratio", 4.0, "knee", 0.0, "auto", 1.0, NULL);
        square(l, 0, SR / 2, 0.01, 100);
        memcpy(r, l, sizeof(float) * SR / 2);
        fxt_run(t, l, r, SR / 2, 32);
        gl = fxt_db(fabs(l[SR / 2 - 1]) / 0.01);
        CHECK(fabs(gl - 7.5) < 0.01, "comp auto makeup, -20 dB 4:1: a quiet signal gains %.3f dB (half of the "
              "15 dB a full-scale one loses)", gl);
        fxt_free(t);
    }

    /* duck: a constant signal ducked by kick-like bursts on the key */
    {
        const double depth = 8, att = 2, hold = 30, rel = 120;
        fxt *t = fxt_new("duck", SR, NULL, "depth", depth, "attack", att, "hold", hold, "release", rel,
                         "threshold", -30.0, NULL);
        int n = 2 * SR, k, on = SR / 2, last = -1, ok_depth = 1;
        double worst = 0, ta, th, tr;
        memset(kl, 0, sizeof(float) * n);
        for (k = 0; k < 3; k++)
            for (i = 0; i < SR / 50; i++) kl[on + k * SR / 2 + i] = 0.5f * (float)sin(2 * PI * 1000 * i / SR);
        memcpy(kr, kl, sizeof(float) * n);
        for (i = 0; i < n; i++) l[i] = r[i] = 0.25f;
        t->kl = kl;
        t->kr = kr;
        fxt_run(t, l, r, n, 32);
        for (k = 0; k < 3; k++) {
            double dip = -fxt_db(l[on + k * SR / 2 + SR / 50] / 0.25);     /* at the end of the burst */
            worst = fmax(worst, fabs(dip - depth));
            ok_depth &= fabs(dip - depth) < 0.5;
        }
        for (i = on; i < on + SR / 50; i++)
            if (fabsf(kl[i]) > 0.0316f) last = i;
        {
            int first = on + 1;
            for (i = first; i < on + SR / 10; i++)
                if (-fxt_db(l[i] / 0.25) >= depth * (1 - exp(-1))) break;
            ta = (i - on) * 1000.0 / SR;
            for (i = last; i < on + SR / 2; i++)
                if (-fxt_db(l[i] / 0.25) < depth - 0.01) break;
            th = (i - last) * 1000.0 / SR;
            for (; i < on + SR / 2; i++)
                if (-fxt_db(l[i] / 0.25) <= depth * exp(-1)) break;
            tr = (i - last) * 1000.0 / SR - hold;
        }
        CHECK(ok_depth, "duck depth 8 dB: the signal dips by 8 dB within %.3f dB at each of 3 kicks", worst);
        CHECK(fabs(ta / att - 1) < 0.1 && fabs(th - hold) < 1.0 && fabs(tr / rel - 1) < 0.1,
              "duck attack %g ms, hold %g ms, release %g ms: measured %.3f, %.2f (from the key's last frame above "
              "threshold), %.2f ms", att, hold, rel, ta, th, tr);
        CHECK(fabs(t->d->reduction(t->st) + fxt_db(l[n - 1] / 0.25)) < 1e-3, "duck: reduction() %.4f dB is the "
              "dip of the last frame (%.4f dB)", t->d->reduction(t->st), -fxt_db(l[n - 1] / 0.25));
        fxt_free(t);
    }

    /* the key filter (keyhp) of duck, gate and expander: a 50 Hz key at -6 dBFS (a kick's body) acts
     * on the unit; high-passed at 400 Hz (12 dB/oct: -36 dB at 50 Hz) it falls under the threshold
     * and the unit leaves the signal alone (duck), or keeps it shut (gate, expander); a 3 kHz key at
     * the same level passes the filter and acts as before */
    {
        static const char *const names[3] = { "duck", "gate", "expander" };
        int n = SR / 2, u;
        for (u = 0; u < 3; u++) {
            double acts[3];
            int c;
            for (c = 0; c < 3; c++) {   /* 0: 50 Hz unfiltered, 1: 50 Hz filtered, 2: 3 kHz filtered */
                double hz = c == 2 ? 3000 : 50, hp = c == 0 ? 0 : 400;
                fxt *t = u == 0 ? fxt_new("duck", SR, NULL, "depth", 12.0, "threshold", -30.0, "keyhp", hp, NULL)
                       : u == 1 ? fxt_new("gate", SR, NULL, "threshold", -30.0, "range", 60.0, "keyhp", hp, NULL)
                                : fxt_new("expander", SR, NULL, "threshold", -30.0, "ratio", 4.0, "range", 40.0,
                                          "keyhp", hp, NULL);
                for (i = 0; i < n; i++) {
                    kl[i] = kr[i] = 0.5f * (float)sin(2 * PI * hz * i / SR);
                    l[i] = r[i] = 0.25f;
                }
                t->kl = kl;
                t->kr = kr;
                fxt_run(t, l, r, n, 32);
                acts[c] = -fxt_db(l[n - 1] / 0.25);   /* the reduction at the end, dB */
                fxt_free(t);
            }
            /* duck acts by reducing while the key sounds; gate and expander by opening (no reduction) */
            int ok = u == 0 ? acts[0] > 11.5 && acts[1] < 0.5 && acts[2] > 11.5
                            : acts[0] < 0.5 && acts[1] > 30 && acts[2] < 0.5;
            CHECK(ok, "%s keyhp = 400 Hz: a 50 Hz key no longer reaches it (reduction %.1f dB unfiltered, %.1f dB "
                  "filtered), a 3 kHz key still does (%.1f dB)", names[u], acts[0], acts[1], acts[2]);
        }
    }

    /* gate: hysteresis, range, hold, attack, release (levels of DC) */
    {
        const double thr = -40, hyst = 6, att = 0.5, hold = 20, rel = 100, range = 80;
        fxt *t = fxt_new("gate", SR, NULL, "threshold", thr, "hysteresis", hyst, "attack", att, "hold", hold,
                         "release", rel, "range", range, NULL);
        static const double seg[5] = { -50, -43, -35, -43, -50 };
        int len = SR / 2, k, n = 7 * len;     /* the last segment 1.5 s: closing to -80 dB takes 9.2 releases */
        double g[5], ta, tr, th;
        for (k = 0; k < 5; k++)
            for (i = 0; i < (k == 4 ? 3 : 1) * len; i++)
                l[k * len + i] = r[k * len + i] = in[k * len + i] = (float)pow(10, seg[k] / 20);
        fxt_run(t, l, r, n, 32);
        for (k = 0; k < 5; k++) g[k] = fxt_db(l[(k == 4 ? 7 : k + 1) * len - 1] / in[(k == 4 ? 7 : k + 1) * len - 1]);
        CHECK(fabs(g[0] + range) < 0.01 && fabs(g[1] + range) < 0.01 && fabs(g[2]) < 0.01 && fabs(g[3]) < 0.01 &&
              fabs(g[4] + range) < 0.05, "gate -40 dB, hysteresis 6: levels -50, -43, -35, -43, -50 dB give %.2f, "
              "%.2f, %.2f, %.2f, %.2f dB (closed, still closed, open, still open, closed at -%g)", g[0], g[1],
              g[2], g[3], g[4], range);
        /* opening: linear gain from the floor to 1, 63% in the attack time */
        {
            double fl = pow(10, -range / 20), want = fl + (1 - fl) * (1 - exp(-1));
            for (i = 2 * len; i < 3 * len; i++)
                if (l[i] / in[i] >= want) break;
            ta = (i - 2 * len) * 1000.0 / SR;
            for (i = 4 * len; i < 5 * len; i++)
                if (l[i] / in[i] < 0.9999) break;
            th = (i - 4 * len) * 1000.0 / SR;
            want = fl + (1 - fl) * exp(-1);
            for (; i < 5 * len; i++)
                if (l[i] / in[i] <= want) break;
            tr = (i - 4 * len) * 1000.0 / SR - th;
        }
        CHECK(fabs(ta / att - 1) < 0.1 && fabs(th - hold) < 0.5 && fabs(tr / rel - 1) < 0.1, "gate attack %g ms, "
              "hold %g ms, release %g ms: measured %.3f, %.2f, %.2f ms", att, hold, rel, ta, th, tr);
        fxt_free(t);
    }

    /* expander: static curve at 10 levels */
    {
        static const double lv[10] = { -20, -35, -40, -41, -45, -50, -55, -60, -65, -80 };
        double worst = 0;
        int k;
        for (k = 0; k < 10; k++) {
            fxt *t = fxt_new("expander", SR, NULL, "threshold", -40.0, "ratio", 3.0, "range", 40.0, NULL);
            double a = pow(10, lv[k] / 20), got, want = -fmin(40, lv[k] < -40 ? 2 * (-40 - lv[k]) : 0);
            for (i = 0; i < SR; i++) l[i] = r[i] = (float)a;
            fxt_run(t, l, r, SR, 32);
            got = fxt_db(l[SR - 1] / a);
            worst = fmax(worst, fabs(got - want));
            fxt_free(t);
        }
        CHECK(worst < 0.2, "expander -40 dB 3:1 range 40: gain at 10 levels (-20..-80 dB) within %.4f dB of the "
              "formula", worst);
    }
    {
        /* hold: a drop from -30 to -50 dB waits `hold` before the reduction deepens */
        fxt *t = fxt_new("expander", SR, NULL, "threshold", -40.0, "ratio", 3.0, "hold", 50.0, "release", 100.0, NULL);
        int t0 = SR / 2, n = SR;
        double th;
        for (i = 0; i < n; i++) l[i] = r[i] = (float)pow(10, (i < t0 ? -30 : -50) / 20.0);
        memcpy(in, l, sizeof(float) * n);
        fxt_run(t, l, r, n, 32);
        for (i = t0; i < n; i++)
            if (-fxt_db(l[i] / in[i]) > 0.01) break;
        th = (i - t0) * 1000.0 / SR;
        /* the RMS detector (10 ms) falls 10 dB to the threshold in 10 ln 10 = 23 ms; the hold starts there */
        CHECK(fabs(th - (50 + 10 * log(10.0))) < 1.0, "expander hold 50 ms: the reduction starts %.2f ms after "
              "the level drops (23.0 ms for the RMS detector to reach the threshold, then the hold)", th);
        fxt_free(t);
    }

    /* deess: below freq untouched; above, turned down by the analytic amount */
    {
        fxt *t = fxt_new("deess", SR, NULL, "freq", 6000.0, "threshold", -30.0, "ratio", 4.0, "range", 12.0, NULL);
        double g1, g9, x, re, im, hpm, lev, grd, want;
        for (i = 0; i < SR; i++) l[i] = r[i] = in[i] = 0.3f * (float)sin(2 * PI * 1000 * i / SR);
        fxt_run(t, l, r, SR, 32);
        g1 = fxt_db(fxt_amp(l + SR / 2, SR / 2, 1000, SR) / 0.3);
        fxt_free(t);
        t = fxt_new("deess", SR, NULL, "freq", 6000.0, "threshold", -30.0, "ratio", 4.0, "range", 12.0, NULL);
        for (i = 0; i < SR; i++) l[i] = r[i] = 0.3f * (float)sin(2 * PI * 9000 * i / SR);
        fxt_run(t, l, r, SR, 32);
        g9 = fxt_db(fxt_amp(l + SR / 2, SR / 2, 9000, SR) / 0.3);
        /* x = lp + k bp + hp with s = jx: (1 + sqrt2 jx + g (-x^2)) / (1 - x^2 + sqrt2 jx) */
        x = tan(PI * 9000 / SR) / tan(PI * 6000 / SR);
        re = 1 - x * x;
        im = sqrt(2.0) * x;
        hpm = x * x / sqrt(re * re + im * im);
        lev = fxt_db(0.3 * hpm);
        grd = fmin(12, (lev + 30) * (1 - 1 / 4.0));
        {
            double g = pow(10, -grd / 20), nr = 1 - g * x * x, ni = sqrt(2.0) * x;
            want = fxt_db(sqrt((nr * nr + ni * ni) / (re * re + im * im)));
        }
        CHECK(fabs(g1) < 0.01, "deess at 6 kHz: a 1 kHz tone passes at %.4f dB", g1);
        CHECK(fabs(g9 - want) < 0.3, "deess at 6 kHz, -30 dB 4:1: a 9 kHz tone of 0.3 (its band at %.1f dB) comes "
              "out at %.2f dB, want %.2f (the band turned down %.2f dB)", lev, g9, want, grd);
        fxt_free(t);
    }

    /* transient: onsets and decays shaped; a steady tone left alone */
    {
        static const float sets[4][2] = { { 6, 0 }, { -6, 0 }, { 0, 6 }, { 0, -6 } };
        int k;
        for (k = 0; k < 4; k++) {
            fxt *t = fxt_new("transient", SR, NULL, "attack", (double)sets[k][0], "sustain", (double)sets[k][1], NULL);
            int t0 = SR / 4, n = SR;
            double onset, decay, e_in = 0, e_out = 0;
            memset(l, 0, sizeof(float) * n);
            for (i = t0; i < n; i++) l[i] = 0.5f * (float)(exp(-(i - t0) / (0.15 * SR)) * sin(2 * PI * 1000 * (i - t0) / SR));
            memcpy(r, l, sizeof(float) * n);
            memcpy(in, l, sizeof(float) * n);
            fxt_run(t, l, r, n, 32);
            for (i = t0 + SR / 1000; i < t0 + SR / 100; i++) e_in += in[i] * in[i], e_out += l[i] * l[i];
            onset = 10 * log10(e_out / e_in);
            e_in = e_out = 0;
            for (i = t0 + SR * 15 / 100; i < t0 + SR * 20 / 100; i++) e_in += in[i] * in[i], e_out += l[i] * l[i];
            decay = 10 * log10(e_out / e_in);
            if (sets[k][0] != 0)
                CHECK(fabs(onset) > 4 && onset * sets[k][0] > 0 && fabs(decay) < 1, "transient attack %+g: the first "
                      "10 ms of a burst %+.2f dB, 150 ms into its decay %+.2f dB", sets[k][0], onset, decay);
            else
                CHECK(fabs(decay) > 2 && decay * sets[k][1] > 0 && fabs(decay) < 6.1 && fabs(onset) < 1,
                      "transient sustain %+g: 150 ms into the decay %+.2f dB, the onset %+.2f dB", sets[k][1], decay,
                      onset);
            fxt_free(t);
        }
        {
            fxt *t = fxt_new("transient", SR, NULL, "attack", 12.0, "sustain", 12.0, NULL);
            double g;
            for (i = 0; i < 2 * SR; i++) l[i] = r[i] = 0.3f * (float)sin(2 * PI * 1000 * i / SR);
            fxt_run(t, l, r, 2 * SR, 32);
            g = fxt_db(fxt_amp(l + SR, SR, 1000, SR) / 0.3);
            CHECK(fabs(g) < 0.3, "transient attack +12, sustain +12 on a steady 1 kHz tone: %.3f dB", g);
            fxt_free(t);
        }
    }
    return check_done("test_fx_dyn");
}
