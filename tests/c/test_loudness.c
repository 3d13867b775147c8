/* test_loudness.c — lute's meter (core/analysis/meter.c) against EBU Tech 3341 (loudness metering,
 * 'EBU Mode') and Tech 3342 (loudness range): every test signal the two documents define by numbers
 * is generated here from its definition and each expected reading is asserted within the spec's
 * tolerance (±0.1 LU; true peak +0.2/-0.4 dB; LRA ±1 LU).
 *
 * Tech 3341 cases 7 and 8 (and 3342 cases 5 and 6) are excerpts of real programmes distributed only
 * as files; they cannot be synthesised and are not tested here.  Cases 20-23 are defined in the spec
 * by their files too; their description (a sine at fs/6 carrying one period of fs/4 at full scale,
 * made at 4·fs, band-limited and decimated at four sample offsets) is followed below, and the
 * generated signal's own true peak (its 192 kHz version) is printed beside the reading.
 *
 * Signals are 48 kHz like the spec's files; the 10 ms grid cases are repeated at 44.1, 96 and
 * 22.05 kHz (the last through libebur128's direct readings).  Also: the 10 ms piece method of
 * meter.c gives the same momentary and short-term readings as libebur128's own functions. */
#include "check.h"
#include "analysis/meter.h"
#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct sig { float *x; int64_t n, cap; int ch, rate; } sig;

static void sig_init(sig *s, int ch, int rate) { memset(s, 0, sizeof *s); s->ch = ch; s->rate = rate; }

static float *grow(sig *s, int64_t frames) {
    if (s->n + frames > s->cap) {
        s->cap = (s->n + frames) * 2;
        s->x = realloc(s->x, sizeof(float) * s->cap * s->ch);
    }
    float *p = s->x + s->n * s->ch;
    s->n += frames;
    return p;
}

/* A 1 kHz sine of `dbfs` peak on the channels whose gain (dB) is given, `seconds` long; the phase
 * runs on from the start of the signal so bursts join without clicks. */
static void tone(sig *s, double seconds, const double *ch_db, double dbfs) {
    int64_t n = (int64_t)llround(seconds * s->rate);
    int64_t t0 = s->n;
    float *p = grow(s, n);
    for (int64_t i = 0; i < n; i++) {
        double v = sin(2 * M_PI * 1000.0 * (double)(t0 + i) / s->rate);
        for (int c = 0; c < s->ch; c++)
            p[i * s->ch + c] = (float)(isnan(ch_db[c]) ? 0 : v * pow(10.0, (dbfs + ch_db[c]) / 20));
    }
}

static void silence(sig *s, double seconds) {
    int64_t n = (int64_t)llround(seconds * s->rate);
    if (n == 0) return;
    float *p = grow(s, n);
    memset(p, 0, sizeof(float) * n * s->ch);
}

static const double ST[8] = {0, 0, 0, 0, 0, 0, 0, 0};

static lt_report measure(const sig *s) {
    lt_report r;
    char err[256];
    lt_meter_opts o = {.series = 1};
    if (lt_meter_buffer(s->x, s->n, s->ch, s->rate, &o, &r, err, sizeof err)) {
        fprintf(stderr, "meter: %s\n", err);
        exit(1);
    }
    return r;
}

/* libebur128's own integrated loudness of a signal, for comparison. */
static double i_libebur128(const sig *s) {
    ebur128_state *st = ebur128_init(s->ch, s->rate, EBUR128_MODE_I);
    if (s->ch == 6) ebur128_set_channel(st, 3, EBUR128_UNUSED);
    ebur128_add_frames_float(st, s->x, s->n);
    double v = NAN;
    ebur128_loudness_global(st, &v);
    ebur128_destroy(&st);
    return v;
}

/* libebur128's own loudness range of a signal, for comparison. */
static double lra_libebur128(const sig *s) {
    ebur128_state *st = ebur128_init(s->ch, s->rate, EBUR128_MODE_LRA);
    ebur128_add_frames_float(st, s->x, s->n);
    double v = NAN;
    ebur128_loudness_range(st, &v);
    ebur128_destroy(&st);
    return v;
}

/* The largest reading whose window ends within [t0, t1] seconds. */
static double max_between(const float *v, const lt_report *r, double t0, double t1) {
    double m = -HUGE_VAL;
    for (int64_t i = 0; i < r->nseries; i++) {
        double t = (i + 1) * r->series_step_s;
        if (t >= t0 - 1e-9 && t <= t1 + 1e-9 && v[i] > m) m = v[i];
    }
    return m;
}

static void minmax_after(const float *v, const lt_report *r, double t0, double t1, double *lo, double *hi) {
    *lo = HUGE_VAL;
    *hi = -HUGE_VAL;
    for (int64_t i = 0; i < r->nseries; i++) {
        double t = (i + 1) * r->series_step_s;
        if (t < t0 - 1e-9 || t > t1 + 1e-9) continue;
        if (v[i] < *lo) *lo = v[i];
        if (v[i] > *hi) *hi = v[i];
    }
}

#define NEAR(v, want, tol) (fabs((v) - (want)) <= (tol) + 1e-9)

static void case_steady(int rate) {
    for (int k = 0; k < 2; k++) {        /* cases 1 and 2 */
        double lvl = k == 0 ? -23 : -33;
        sig s;
        sig_init(&s, 2, rate);
        tone(&s, 20, ST, lvl);
        lt_report r = measure(&s);
        double lo, hi;
        minmax_after(r.momentary, &r, 0.4, 20, &lo, &hi);
        CHECK(NEAR(r.integrated_lufs, lvl, 0.1), "3341-%d @%d Hz: I = %.2f LUFS (want %.0f ±0.1)", k + 1, rate, r.integrated_lufs, lvl);
        CHECK(NEAR(lo, lvl, 0.1) && NEAR(hi, lvl, 0.1), "3341-%d @%d Hz: M stays %.2f .. %.2f once 400 ms are in", k + 1, rate, lo, hi);
        minmax_after(r.shortterm, &r, 3, 20, &lo, &hi);
        CHECK(NEAR(lo, lvl, 0.1) && NEAR(hi, lvl, 0.1), "3341-%d @%d Hz: S stays %.2f .. %.2f once 3 s are in", k + 1, rate, lo, hi);
        lt_report_free(&r);
        free(s.x);
    }
}

static void case_gating(void) {
    struct { int no; int n; double secs[5], lvl[5]; } cs[] = {
        {3, 3, {10, 60, 10}, {-36, -23, -36}},
        {4, 5, {10, 10, 60, 10, 10}, {-72, -36, -23, -36, -72}},
        {5, 3, {20, 20.1, 20}, {-26, -20, -26}},
    };
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        sig s;
        sig_init(&s, 2, 48000);
        for (int i = 0; i < cs[k].n; i++) tone(&s, cs[k].secs[i], ST, cs[k].lvl[i]);
        lt_report r = measure(&s);
        CHECK(NEAR(r.integrated_lufs, -23, 0.1), "3341-%d (gating): I = %.2f LUFS (want -23 ±0.1)", cs[k].no, r.integrated_lufs);
        double lib = i_libebur128(&s);
        CHECK(fabs(r.integrated_lufs - lib) < 1e-6, "3341-%d: lute's integrated loudness %.6f is libebur128's own %.6f", cs[k].no,
              r.integrated_lufs, lib);
        lt_report_free(&r);
        free(s.x);
    }
}

static void case_surround(void) {
    /* Case 6: L, R at -28 dBFS, C at -24, Ls, Rs at -30; as 5.0 (L R C Ls Rs) and as the spec's
     * 6-channel file with a silent LFE (L R C LFE Ls Rs). */
    double five[5] = {-28 + 0.0, -28, -24, -30, -30};
    double six[6] = {-28, -28, -24, NAN, -30, -30};
    for (int k = 0; k < 2; k++) {
        sig s;
        sig_init(&s, k ? 6 : 5, 48000);
        tone(&s, 20, k ? six : five, 0);
        lt_report r = measure(&s);
        CHECK(NEAR(r.integrated_lufs, -23, 0.1), "3341-6 as %s: I = %.2f LUFS (want -23 ±0.1)", k ? "5.1 (silent LFE)" : "5.0",
              r.integrated_lufs);
        lt_report_free(&r);
        free(s.x);
    }
}

static void case_periodic(int rate) {
    /* 9: (1.34 s at -20, 1.66 s at -30) x 5: S = -23 after 3 s.  12: (0.18 s at -20, 0.22 s at -30)
     * x 25: M = -23 after 1 s. */
    for (int k = 0; k < 2; k++) {
        sig s;
        sig_init(&s, 2, rate);
        int reps = k ? 25 : 5;
        for (int i = 0; i < reps; i++) {
            tone(&s, k ? 0.18 : 1.34, ST, -20);
            tone(&s, k ? 0.22 : 1.66, ST, -30);
        }
        lt_report r = measure(&s);
        double lo, hi, end = (double)s.n / rate;
        minmax_after(k ? r.momentary : r.shortterm, &r, k ? 1.0 : 3.0, end, &lo, &hi);
        CHECK(NEAR(lo, -23, 0.1) && NEAR(hi, -23, 0.1), "3341-%d @%d Hz: %s stays within %.2f .. %.2f after %s (want -23 ±0.1)",
              k ? 12 : 9, rate, k ? "M" : "S", lo, hi, k ? "1 s" : "3 s");
        lt_report_free(&r);
        free(s.x);
    }
}

static void case_offgrid_segments(int rate) {
    /* 10: 20 files: i*0.15 s silence, 3 s at -23, 1 s silence — max S = -23 in each.
     * 13: 20 files: i*20 ms silence, 0.4 s at -23, 1 s silence — max M = -23 in each. */
    for (int k = 0; k < 2; k++) {
        double worst = 0;
        int bad = 0;
        for (int i = 0; i < 20; i++) {
            sig s;
            sig_init(&s, 2, rate);
            silence(&s, i * (k ? 0.02 : 0.15));
            tone(&s, k ? 0.4 : 3.0, ST, -23);
            silence(&s, 1.0);
            lt_report r = measure(&s);
            double v = k ? r.momentary_max_lufs : r.shortterm_max_lufs;
            if (fabs(v + 23) > fabs(worst)) worst = v + 23;
            if (!NEAR(v, -23, 0.1)) bad++;
            lt_report_free(&r);
            free(s.x);
        }
        CHECK(bad == 0, "3341-%d @%d Hz: max %s = -23 ±0.1 in all 20 off-grid segments (worst error %+.3f LU, %d outside)",
              k ? 13 : 10, rate, k ? "M" : "S", worst, bad);
    }
}

static void case_live_steps(int rate) {
    /* 11: 20 tones: i*0.15 s silence, 3 s at -38+i, (3 - i*0.15) s silence — successive max S.
     * 14: 20 tones: i*20 ms silence, 0.4 s at -38+i, (0.4 - i*0.02) s silence — successive max M. */
    for (int k = 0; k < 2; k++) {
        double len = k ? 0.4 : 3.0, step = k ? 0.02 : 0.15;
        sig s;
        sig_init(&s, 2, rate);
        double starts[20];
        for (int i = 0; i < 20; i++) {
            silence(&s, i * step);
            starts[i] = (double)s.n / rate;
            tone(&s, len, ST, -38 + i);
            silence(&s, len - i * step);
        }
        lt_report r = measure(&s);
        int bad = 0;
        double worst = 0;
        for (int i = 0; i < 20; i++) {
            double v = max_between(k ? r.momentary : r.shortterm, &r, starts[i], starts[i] + 2 * len);
            if (fabs(v - (-38 + i)) > fabs(worst)) worst = v - (-38 + i);
            if (!NEAR(v, -38 + i, 0.1)) bad++;
        }
        CHECK(bad == 0, "3341-%d @%d Hz: successive max %s -38 .. -19 each ±0.1 (worst error %+.3f LU, %d outside)",
              k ? 14 : 11, rate, k ? "M" : "S", worst, bad);
        lt_report_free(&r);
        free(s.x);
    }
}

/* A sine of amplitude `amp` (full scale 1) at rate/div, starting at `phase_deg`, 1 s with 10 ms
 * raised-cosine tapers at each end. */
static void tp_sine(sig *s, double div, double amp, double phase_deg) {
    int64_t n = s->rate, taper = s->rate / 100;
    float *p = grow(s, n);
    for (int64_t i = 0; i < n; i++) {
        double w = 1;
        if (i < taper) w = 0.5 - 0.5 * cos(M_PI * i / taper);
        else if (i >= n - taper) w = 0.5 - 0.5 * cos(M_PI * (n - 1 - i) / taper);
        double v = amp * w * sin(2 * M_PI * i / div + phase_deg * M_PI / 180);
        for (int c = 0; c < s->ch; c++) p[i * s->ch + c] = (float)v;
    }
}

static void case_true_peak(void) {
    struct { int no; double div, amp, phase, want; } cs[] = {
        {15, 4, 0.5, 0, -6}, {16, 4, 0.5, 45, -6}, {17, 6, 0.5, 60, -6}, {18, 8, 0.5, 67.5, -6}, {19, 4, 1.41, 45, 3},
    };
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        sig s;
        sig_init(&s, 2, 48000);
        tp_sine(&s, cs[k].div, cs[k].amp, cs[k].phase);
        lt_report r = measure(&s);
        double tp = r.true_peak_dbtp;
        CHECK(tp >= cs[k].want - 0.4 && tp <= cs[k].want + 0.2,
              "3341-%d (fs/%g at %g FS, %g deg): true peak %.2f dBTP (want %+.0f +0.2/-0.4; sample peak %.2f dBFS)", cs[k].no,
              cs[k].div, cs[k].amp, cs[k].phase, tp, cs[k].want, r.sample_peak_dbfs);
        lt_report_free(&r);
        free(s.x);
    }
    /* 20-23: at 192 kHz, a sine at 8 kHz (fs/6) of 0.5 carrying one period of 12 kHz (fs/4) at 1.0
     * (both starting at an upward zero crossing), band-limited below 24 kHz by a long Kaiser-windowed
     * sinc, then every 4th sample from offsets 0, 1, 2, 3. */
    int hi = 192000, n = hi;
    double *x = calloc(n, sizeof(double)), *y = calloc(n, sizeof(double));
    int b0 = n / 2 - (n / 2) % 24;   /* a whole number of 8 kHz periods (24 samples at 192 kHz) */
    for (int i = 0; i < n; i++) x[i] = 0.5 * sin(2 * M_PI * 8000.0 * i / hi);
    for (int i = 0; i < 16; i++) x[b0 + i] = sin(2 * M_PI * 12000.0 * i / hi);
    int taps = 2047, half = taps / 2;
    double fc = 23000.0 / hi, beta = 10.0;
    double *h = malloc(sizeof(double) * taps), i0b = 0;
    for (int k = 0; k < 40; k++) { double t = pow(beta / 2, k) / tgamma(k + 1); i0b += t * t; }
    for (int k = 0; k < taps; k++) {
        double m = k - half, r = m / half, arg = beta * sqrt(fmax(0, 1 - r * r)), i0 = 0;
        for (int j = 0; j < 40; j++) { double t = pow(arg / 2, j) / tgamma(j + 1); i0 += t * t; }
        h[k] = (m == 0 ? 2 * fc : sin(2 * M_PI * fc * m) / (M_PI * m)) * i0 / i0b;
    }
    double truth = 0;
    for (int i = half; i < n - half; i++) {
        double acc = 0;
        for (int k = 0; k < taps; k++) acc += h[k] * x[i + half - k];
        y[i] = acc;
        if (fabs(acc) > truth) truth = fabs(acc);
    }
    for (int off = 0; off < 4; off++) {
        sig s;
        sig_init(&s, 2, 48000);
        int m = (n - 2 * taps) / 4;
        float *p = grow(&s, m);
        for (int i = 0; i < m; i++) p[2 * i] = p[2 * i + 1] = (float)y[taps + off + 4 * i];
        lt_report r = measure(&s);
        double tp = r.true_peak_dbtp;
        CHECK(tp >= -0.4 && tp <= 0.2, "3341-%d (burst decimated at offset %d): true peak %.2f dBTP (want 0 +0.2/-0.4; the "
              "signal's own peak at 192 kHz %.2f dBFS, sample peak %.2f)", 20 + off, off, tp, 20 * log10(truth), r.sample_peak_dbfs);
        lt_report_free(&r);
        free(s.x);
    }
    free(x);
    free(y);
    free(h);
}

static void case_lra(void) {
    struct { int no, n; double lvl[5], want; } cs[] = {
        {1, 2, {-20, -30}, 10}, {2, 2, {-20, -15}, 5}, {3, 2, {-40, -20}, 20}, {4, 5, {-50, -35, -20, -35, -50}, 15},
    };
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        sig s;
        sig_init(&s, 2, 48000);
        for (int i = 0; i < cs[k].n; i++) tone(&s, 20, ST, cs[k].lvl[i]);
        lt_report r = measure(&s);
        CHECK(NEAR(r.lra_lu, cs[k].want, 1.0), "3342-%d: LRA = %.2f LU (want %.0f ±1)", cs[k].no, r.lra_lu, cs[k].want);
        double lib = lra_libebur128(&s);
        CHECK(fabs(r.lra_lu - lib) < 1e-6, "3342-%d: lute's loudness range %.6f LU is libebur128's own %.6f", cs[k].no, r.lra_lu, lib);
        lt_report_free(&r);
        free(s.x);
    }
}

/* The 10 ms piece method equals libebur128's own momentary and short-term functions. */
static void pieces_equal_direct(void) {
    int rate = 44100, ch = 2;
    int64_t n = rate * 8;
    float *x = malloc(sizeof(float) * n * ch);
    uint32_t seed = 12345;
    for (int64_t i = 0; i < n; i++) {
        double env = 0.05 + 0.9 * (0.5 + 0.5 * sin(2 * M_PI * 0.37 * i / rate));
        for (int c = 0; c < ch; c++) {
            seed = seed * 1664525u + 1013904223u;
            x[i * ch + c] = (float)(env * ((seed >> 8) / 16777216.0 - 0.5));
        }
    }
    lt_report r;
    char err[256];
    lt_meter_opts o = {.series = 1};
    lt_meter_buffer(x, n, ch, rate, &o, &r, err, sizeof err);
    ebur128_state *st = ebur128_init(ch, rate, EBUR128_MODE_S);
    double worst = 0;
    int64_t blk = rate / 100;
    for (int64_t i = 0; i < r.nseries; i++) {
        ebur128_add_frames_float(st, x + i * blk * ch, blk);
        double m, s;
        ebur128_loudness_momentary(st, &m);
        ebur128_loudness_shortterm(st, &s);
        if (isfinite(m) && fabs(m - r.momentary[i]) > worst) worst = fabs(m - r.momentary[i]);
        if (isfinite(s) && fabs(s - r.shortterm[i]) > worst) worst = fabs(s - r.shortterm[i]);
    }
    CHECK(r.nseries == n / blk, "a reading every 10 ms: %lld readings for %.1f s", (long long)r.nseries, (double)n / rate);
    CHECK(worst < 1e-4, "the 10 ms pieces give libebur128's own momentary and short-term readings (largest difference %.2g LU)", worst);
    sig sn = {.x = x, .n = n, .ch = ch, .rate = rate};
    double libi = i_libebur128(&sn);
    CHECK(fabs(r.integrated_lufs - libi) < 1e-6, "on noise with a swelling envelope: integrated %.6f LUFS, libebur128's %.6f",
          r.integrated_lufs, libi);
    double lib = lra_libebur128(&sn);
    CHECK(fabs(r.lra_lu - lib) < 1e-6, "on noise with a swelling envelope: loudness range %.6f LU, libebur128's %.6f", r.lra_lu, lib);
    ebur128_destroy(&st);
    lt_report_free(&r);
    free(x);
}

/* The other numbers of the report on signals whose answers are known. */
static void report_basics(void) {
    int rate = 48000;
    sig s;
    sig_init(&s, 2, rate);
    silence(&s, 0.5);
    double lr[2] = {0, 0};
    tone(&s, 2.0, lr, -6.0206);                 /* 1 kHz at amplitude 0.5 */
    silence(&s, 0.25);
    lt_report r = measure(&s);
    CHECK(NEAR(r.sample_peak_dbfs, -6.02, 0.01), "sample peak of a 0.5 sine: %.3f dBFS", r.sample_peak_dbfs);
    CHECK(NEAR(r.crest_db, 3.01 + 10 * log10(2.75 / 2.0), 0.05), "crest factor of a sine with 0.75 s of silence: %.2f dB", r.crest_db);
    CHECK(NEAR(r.correlation, 1, 1e-6) && r.width < 1e-6, "a centred sine: correlation %.3f, width %.3g", r.correlation, r.width);
    CHECK(NEAR(r.silence_head_s, 0.5, 0.001) && NEAR(r.silence_tail_s, 0.25, 0.002), "silence: %.3f s head, %.3f s tail",
          r.silence_head_s, r.silence_tail_s);
    CHECK(r.clip_runs == 0, "no clipping: %lld", (long long)r.clip_runs);
    lt_report_free(&r);
    sig t;                                       /* a steady tone for the spectrum */
    sig_init(&t, 2, rate);
    tone(&t, 4.0, lr, -6.0206);
    r = measure(&t);
    int k1 = 17;   /* the 1 kHz band */
    CHECK(NEAR(r.band_db[k1], -6.02, 0.2), "the 1 kHz band reads the sine's amplitude: %.2f dB (want -6.02)", r.band_db[k1]);
    CHECK(r.band_db[k1 - 3] < r.band_db[k1] - 60 && r.band_db[k1 + 3] < r.band_db[k1] - 60,
          "an octave away the bands are 60 dB down: %.1f, %.1f", r.band_db[k1 - 3], r.band_db[k1 + 3]);
    free(t.x);
    lt_report_free(&r);
    /* out of phase, DC, clipping */
    for (int64_t i = 0; i < s.n; i++) {
        s.x[2 * i + 1] = -s.x[2 * i];
        s.x[2 * i] += 0.01f;
    }
    for (int i = 0; i < 10; i++) s.x[2 * (rate + 100 + i)] = 1.0f;
    r = measure(&s);
    CHECK(r.correlation < -0.9 && r.width > 5, "polarity flipped: correlation %.3f, width %.2f", r.correlation, r.width);
    CHECK(NEAR(r.dc_ch[0], 0.01, 1e-4) && fabs(r.dc_ch[1]) < 1e-4, "DC offset: %.5f and %.5f", r.dc_ch[0], r.dc_ch[1]);
    CHECK(r.clip_runs == 1 && r.clipped_samples == 10 && NEAR(r.first_clip_s, (rate + 100.0) / rate, 1e-6),
          "a run of 10 full-scale samples: %lld runs, %lld samples at %.4f s", (long long)r.clip_runs, (long long)r.clipped_samples, r.first_clip_s);
    lt_report_free(&r);
    free(s.x);
}

int main(void) {
    case_steady(48000);
    case_steady(44100);
    case_gating();
    case_surround();
    case_periodic(48000);
    case_periodic(44100);
    case_offgrid_segments(48000);
    case_offgrid_segments(44100);
    case_offgrid_segments(96000);
    case_offgrid_segments(22050);
    case_live_steps(48000);
    case_live_steps(44100);
    case_true_peak();
    case_lra();
    pieces_equal_direct();
    report_basics();
    return check_done("test_loudness");
}
