/* test_edit.c — non-destructive edits, measured in the audio: lengths to the frame, every sample of
 * every fade curve against its formula, crossfade joins no steeper than the material, loudness
 * against ffmpeg's ebur128, stretched duration and pitch, strip-silence boundaries, drum onsets
 * within 5 ms of where they were made, quantized onsets on the grid to the frame, comped regions
 * playing the right take's samples, and replacement velocities from the hits' levels.
 * Figures: CHECK_VERBOSE=1 build/tests/test_edit */
#include "check.h"
#include "edit/edit.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RATE 48000

static uint32_t rng = 12345;
static float noise(void) { rng = rng * 1664525u + 1013904223u; return (float)((rng >> 8) / 8388608.0 - 1.0); }

static void sine(lt_abuf *b, double freq, double amp, int64_t from, int64_t to) {
    for (int64_t i = from; i < to && i < b->frames; i++)
        for (int c = 0; c < b->channels; c++) b->s[i * b->channels + c] += (float)(amp * sin(2 * M_PI * freq * (double)i / b->rate));
}

/* Frequency of a steady tone over [from, to) of channel 0, from its rising zero crossings. */
static double tone_freq(const lt_abuf *b, int64_t from, int64_t to) {
    double first = -1, last = -1;
    int count = 0;
    for (int64_t i = from + 1; i < to; i++) {
        float a = b->s[(i - 1) * b->channels], c = b->s[i * b->channels];
        if (a < 0 && c >= 0) {
            double t = (double)(i - 1) + a / (a - c);
            if (first < 0) first = t;
            last = t;
            count++;
        }
    }
    return count > 1 ? (count - 1) * (double)b->rate / (last - first) : 0;
}

static void test_regions(void) {
    lt_abuf a, t, x, y;
    lt_abuf_alloc(&a, 1000, 2, RATE);
    for (int i = 0; i < 2000; i++) a.s[i] = (float)i;
    CHECK(lt_edit_trim(&a, 100, 350, &t) == LT_EDIT_OK && t.frames == 250 && t.s[0] == 200 && t.s[499] == 699,
          "trim [100, 350) is 250 frames starting at frame 100: %lld", (long long)t.frames);
    lt_abuf_free(&t);
    CHECK(lt_edit_trim(&a, -10, 5, &t) == LT_EDIT_OK && t.frames == 15 && t.s[0] == 0 && t.s[19] == 0 && t.s[20] == 0 && t.s[21] == 1,
          "a range reaching before the buffer is silence there");
    lt_abuf_free(&t);
    CHECK(lt_edit_split(&a, 300, &x, &y) == LT_EDIT_OK && x.frames == 300 && y.frames == 700 && y.s[0] == 600,
          "split at 300: 300 + 700 frames");
    lt_abuf_free(&x);
    lt_abuf_free(&y);
    CHECK(lt_edit_reverse(&a, &t) == LT_EDIT_OK && t.s[0] == 1998 && t.s[1] == 1999 && t.s[1998] == 0,
          "reverse: the last frame first, channels kept in order");
    lt_edit_reverse(&t, &x);
    CHECK(memcmp(x.s, a.s, sizeof(float) * 2000) == 0, "reversed twice is the original");
    lt_abuf_free(&t);
    lt_abuf_free(&x);
    lt_abuf_alloc(&t, 2000, 2, RATE);
    lt_edit_place(&t, &a, 1500, 0.5f);
    CHECK(t.s[2 * 1499] == 0 && t.s[2 * 1500] == 0 && t.s[2 * 1501] == 1 && t.s[2 * 1999 + 1] == 0.5f * 999,
          "move: placed at frame 1500 at half gain, the rest cut at the end");
    lt_abuf_free(&t);
    lt_abuf_copy(&a, &t);
    lt_edit_gain(&t, -6.0);
    CHECK(fabs(t.s[1000] / a.s[1000] - pow(10, -0.3)) < 1e-6, "gain -6 dB scales by %.6f", t.s[1000] / a.s[1000]);
    lt_abuf_free(&t);
    lt_abuf dc;
    lt_abuf_alloc(&dc, 1000, 1, RATE);
    for (int i = 0; i < 1000; i++) dc.s[i] = 1;
    lt_breakpoint bp[3] = {{100, 0}, {300, -20}, {600, -20}};
    lt_edit_envelope(&dc, bp, 3);
    CHECK(dc.s[0] == 1 && dc.s[100] == 1 && fabs(20 * log10(dc.s[200]) + 10) < 1e-4 && fabs(20 * log10(dc.s[300]) + 20) < 1e-4 &&
          fabs(20 * log10(dc.s[999]) + 20) < 1e-4, "clip-gain envelope: 0 dB held, -10 dB halfway (a line in dB), -20 dB held: %.4f dB",
          20 * log10(dc.s[200]));
    lt_abuf_free(&dc);
    lt_abuf_free(&a);
}

static double curve_formula(int c, double x) {
    switch (c) {
    case LT_FADE_LINEAR: return x;
    case LT_FADE_EXP: return (pow(2, 10 * x) - 1) / 1023;
    case LT_FADE_LOG: return 1 - (pow(2, 10 * (1 - x)) - 1) / 1023;
    case LT_FADE_S: return (1 - cos(M_PI * x)) / 2;
    default: return sin(M_PI * x / 2);
    }
}

static void test_fades(void) {
    const char *names[] = {"linear", "exp", "log", "s", "power"};
    for (int c = 0; c < 5; c++) {
        lt_abuf b;
        lt_abuf_alloc(&b, 3000, 2, RATE);
        for (int i = 0; i < 6000; i++) b.s[i] = 1;
        lt_edit_fade_in(&b, 1000, (lt_fade_curve)c);
        lt_edit_fade_out(&b, 500, (lt_fade_curve)c);
        double err = 0;
        for (int i = 0; i < 1000; i++) err = fmax(err, fabs(b.s[2 * i + 1] - curve_formula(c, i / 1000.0)));
        for (int k = 0; k < 500; k++) err = fmax(err, fabs(b.s[2 * (2999 - k)] - curve_formula(c, k / 500.0)));
        int middle_ok = 1;
        for (int i = 1000; i < 2500; i++) middle_ok &= b.s[2 * i] == 1;
        CHECK(err < 1e-6 && b.s[0] == 0 && b.s[2 * 2999] == 0 && middle_ok && lt_fade_curve_parse(names[c]) == c,
              "%s fade: every sample within %.1e of its formula, starts and ends on exact 0, untouched between", names[c], err);
        lt_abuf_free(&b);
    }
    CHECK(fabs(20 * log10(lt_fade_gain(LT_FADE_EXP, 0.5)) + 30.4) < 0.1 && fabs(lt_fade_gain(LT_FADE_S, 0.25) + lt_fade_gain(LT_FADE_S, 0.75) - 1) < 1e-12,
          "shapes: exp is %.1f dB halfway; the S curve is symmetric", 20 * log10(lt_fade_gain(LT_FADE_EXP, 0.5)));

    /* Crossfades: equal gain keeps a constant level, equal power keeps the power of unrelated sounds. */
    lt_abuf a, b, o;
    lt_abuf_alloc(&a, 48000, 1, RATE);
    lt_abuf_alloc(&b, 48000, 1, RATE);
    for (int i = 0; i < 48000; i++) { a.s[i] = 1; b.s[i] = 1; }
    lt_edit_crossfade(&a, &b, 4800, LT_XFADE_GAIN, &o);
    double dev = 0;
    for (int64_t i = 0; i < o.frames; i++) dev = fmax(dev, fabs(o.s[i] - 1));
    CHECK(o.frames == 48000 + 48000 - 4800 && dev < 1e-6, "equal-gain crossfade of the same material: %lld frames, level flat within %.1e",
          (long long)o.frames, dev);
    lt_abuf_free(&o);
    for (int i = 0; i < 48000; i++) { a.s[i] = noise(); b.s[i] = noise(); }
    lt_edit_crossfade(&a, &b, 24000, LT_XFADE_POWER, &o);
    double worst = 0;
    for (int w = 0; w < 10; w++) {   /* RMS over tenths of the overlap against the sources' */
        double s = 0;
        for (int i = 0; i < 2400; i++) { double v = o.s[24000 + w * 2400 + i]; s += v * v; }
        double db = 10 * log10(s / 2400 / (1.0 / 3));
        if (fabs(db) > worst) worst = fabs(db);
    }
    CHECK(worst < 0.5, "equal-power crossfade of unrelated noise: loudness within %.2f dB across the overlap", worst);
    lt_abuf_free(&o);
    lt_abuf_free(&a);
    lt_abuf_free(&b);
}

static double ffmpeg_lufs(const char *path) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ffmpeg -nostats -hide_banner -i '%s' -af ebur128 -f null - 2>&1", path);
    FILE *p = popen(cmd, "r");
    if (!p) return NAN;
    char line[512];
    double v = NAN;
    while (fgets(line, sizeof line, p)) {
        const char *s = strstr(line, "I:");
        if (s && strstr(line, "LUFS")) sscanf(s + 2, "%lf", &v);
    }
    pclose(p);
    return v;
}

static void test_normalize(void) {
    lt_abuf b;
    lt_abuf_alloc(&b, RATE * 3, 2, RATE);
    sine(&b, 1000, 0.1, 0, b.frames);
    double g;
    lt_edit_normalize_peak(&b, -1.0, &g);
    CHECK(fabs(20 * log10(lt_abuf_peak(&b)) + 1.0) < 1e-5, "peak normalize to -1 dBFS: %.6f dBFS (gain %.2f dB)", 20 * log10(lt_abuf_peak(&b)), g);
    lt_edit_normalize_loudness(&b, -23.0, &g);
    double l;
    lt_edit_loudness(&b, &l);
    char path[600];
    snprintf(path, sizeof path, "%s/edit_lufs.wav", getenv("OUT") ? getenv("OUT") : "tests/out");
    lt_abuf_save(&b, path, NULL, 0);
    double ff = ffmpeg_lufs(path);
    CHECK(fabs(l + 23) < 0.05 && fabs(ff + 23) < 0.15, "loudness normalize to -23 LUFS: libebur128 says %.2f, ffmpeg ebur128 says %.1f", l, ff);
    lt_abuf silent;
    lt_abuf_alloc(&silent, 1000, 1, RATE);
    CHECK(lt_edit_normalize_peak(&silent, -1, &g) == LT_EDIT_EARG && lt_edit_normalize_loudness(&silent, -23, &g) == LT_EDIT_EARG,
          "silence cannot be normalized (an error, not a division by zero)");
    lt_abuf_free(&silent);
    lt_abuf_free(&b);
}

static void test_stretch(void) {
    lt_abuf b, o;
    lt_abuf_alloc(&b, RATE, 2, RATE);
    sine(&b, 440, 0.5, 0, b.frames);
    lt_stretch_opts so = {.ratio = 1.5};
    char msg[256] = "";
    lt_edit_err e = lt_edit_stretch(&b, &so, &o, msg, sizeof msg);
    double f = tone_freq(&o, o.frames / 4, 3 * o.frames / 4);
    CHECK(e == LT_EDIT_OK && o.frames == 72000 && fabs(f / 440 - 1) < 0.005,
          "stretch 1 s by 1.5: %lld frames (1.5 s exactly), pitch %.2f Hz (440 kept)", (long long)o.frames, f);
    double rms = 0;
    for (int64_t i = o.frames / 4; i < 3 * o.frames / 4; i++) rms += o.s[2 * i] * o.s[2 * i];
    rms = sqrt(rms / (o.frames / 2));
    CHECK(fabs(20 * log10(rms / (0.5 / sqrt(2)))) < 1.0, "its level holds: %.2f dB from the source", 20 * log10(rms / (0.5 / sqrt(2))));
    lt_abuf_free(&o);
    so = (lt_stretch_opts){.ratio = 1, .semitones = 12};
    e = lt_edit_stretch(&b, &so, &o, msg, sizeof msg);
    f = tone_freq(&o, o.frames / 4, 3 * o.frames / 4);
    CHECK(e == LT_EDIT_OK && o.frames == RATE && fabs(f / 880 - 1) < 0.005, "pitch +12 semitones: %.2f Hz (880 wanted), %lld frames", f,
          (long long)o.frames);
    lt_abuf_free(&o);
    so = (lt_stretch_opts){.ratio = 0.75, .semitones = -7};
    e = lt_edit_stretch(&b, &so, &o, msg, sizeof msg);
    f = tone_freq(&o, o.frames / 4, 3 * o.frames / 4);
    CHECK(e == LT_EDIT_OK && o.frames == 36000 && fabs(f / (440 * pow(2, -7 / 12.0)) - 1) < 0.005,
          "both at once (0.75, -7 st): %lld frames, %.2f Hz (%.2f wanted)", (long long)o.frames, f, 440 * pow(2, -7 / 12.0));
    lt_abuf o2;
    lt_edit_stretch(&b, &so, &o2, msg, sizeof msg);
    CHECK(memcmp(o.s, o2.s, sizeof(float) * (size_t)o.frames * 2) == 0, "the same stretch twice gives the same bits");
    lt_abuf_free(&o2);
    lt_abuf_free(&o);
    so.ratio = 100;
    CHECK(lt_edit_stretch(&b, &so, &o, msg, sizeof msg) == LT_EDIT_EARG && strstr(msg, "ratio 100"), "a silly ratio is refused: %s", msg);
    lt_abuf_free(&b);
}

static void test_strip_silence(void) {
    lt_abuf b;
    lt_abuf_alloc(&b, RATE * 3, 1, RATE);
    for (int64_t i = 0; i < b.frames; i++) b.s[i] = 0.0001f * noise();   /* -80 dB floor */
    /* three sounds: 0.2-0.7 s; 1.0-1.5 s with a 20 ms hole (shorter than the minimum); 2.0-2.4 s */
    sine(&b, 300, 0.5, 9600, 33600);
    sine(&b, 300, 0.5, 48000, 60000);
    sine(&b, 300, 0.5, 60960, 72000);
    sine(&b, 300, 0.5, 96000, 115200);
    lt_silence_opts so = {.threshold_db = -40, .min_silence = RATE / 20, .pre_roll = 480, .post_roll = 960};
    lt_region *r;
    int n;
    lt_edit_strip_silence(&b, &so, &r, &n);
    /* A 300 Hz sine starting at phase 0 passes -40 dB within a frame of its start; its last loud
     * frame is within one frame of its end. */
    int64_t want[3][2] = {{9600 - 480, 33600 + 960}, {48000 - 480, 72000 + 960}, {96000 - 480, 115200 + 960}};
    int64_t err = 0;
    for (int i = 0; i < n && i < 3; i++) {
        err = llabs(r[i].from - want[i][0]) > err ? llabs(r[i].from - want[i][0]) : err;
        err = llabs(r[i].to - want[i][1]) > err ? llabs(r[i].to - want[i][1]) : err;
    }
    CHECK(n == 3 && err <= 2, "strip silence finds 3 sounds (the 20 ms hole is not a gap), boundaries within %lld frames of the rolls", (long long)err);
    lt_abuf c;
    lt_abuf_copy(&b, &c);
    lt_edit_keep_regions(&c, r, n, 48);
    CHECK(c.s[5000] == 0 && c.s[40000] == 0 && c.s[20000] == b.s[20000] && c.s[r[0].from] == 0,
          "keeping the regions silences the rest and fades into each region");
    lt_abuf_free(&c);
    free(r);
    lt_abuf_free(&b);
}

/* ---- a synthetic drum take: kicks, snares and hats at known frames and levels ---- */
typedef struct { int64_t at; int kind; double amp; } hit;

static void drum(lt_abuf *b, const hit *h) {
    double ph = 0;
    for (int64_t i = 0; i < (int64_t)(0.4 * RATE) && h->at + i < b->frames; i++) {
        double t = (double)i / RATE, v;
        if (h->kind == 0) {                                   /* kick: 150 -> 50 Hz, 80 ms decay */
            double f = 50 + 100 * exp(-t / 0.03);
            v = sin(ph) * exp(-t / 0.08);
            ph += 2 * M_PI * f / RATE;
        } else if (h->kind == 1) {                            /* snare: noise and a 190 Hz body */
            v = (0.7 * noise() + 0.5 * sin(2 * M_PI * 190 * t)) * exp(-t / 0.06);
        } else {                                              /* hat: bright noise, 15 ms */
            static float last;
            float n0 = noise();
            v = (n0 - last) * 0.6 * exp(-t / 0.015);
            last = n0;
        }
        for (int c = 0; c < b->channels; c++) b->s[(h->at + i) * b->channels + c] += (float)(h->amp * v);
    }
}

#define NHITS 24
static void make_drums(lt_abuf *b, hit *hits) {
    lt_abuf_alloc(b, RATE * 7, 2, RATE);
    for (int64_t i = 0; i < b->frames * 2; i++) b->s[i] = 0.0003f * noise();   /* -70 dB of room */
    /* 120 bpm, sixteenths 6000 frames apart, played off the grid by up to +-20 ms */
    int pattern[NHITS] = {0, 2, 1, 2, 0, 0, 1, 2, 0, 2, 1, 2, 0, 2, 1, 1, 0, 2, 1, 2, 0, 0, 1, 2};
    int slots[NHITS] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 29, 32, 34, 36, 38, 40, 41, 44, 46};
    for (int i = 0; i < NHITS; i++) {
        int64_t grid = 12000 + (int64_t)slots[i] * 6000;
        int64_t off = (int64_t)((noise() * 0.02) * RATE);
        double amp = i % 5 == 3 ? 0.12 : 0.3 + 0.6 * fabs(noise());
        hits[i] = (hit){grid + off, pattern[i], amp};
        drum(b, &hits[i]);
    }
}

static void test_transients(void) {
    lt_abuf b;
    hit hits[NHITS];
    make_drums(&b, hits);
    lt_onset *on;
    int n;
    lt_edit_onsets(&b, NULL, &on, &n);
    if (getenv("CHECK_VERBOSE")) {
        for (int i = 0; i < NHITS; i++) printf("  hit %2d: kind %d, amplitude %.2f, at %lld\n", i, hits[i].kind, hits[i].amp, (long long)hits[i].at);
        for (int k = 0; k < n; k++) printf("  onset %2d: %lld, %.1f dB, strength %.2f\n", k, (long long)on[k].frame, on[k].peak_db, on[k].strength);
    }
    double worst = 0;
    int matched = 0;
    for (int i = 0; i < NHITS; i++) {
        double best = 1e9;
        for (int k = 0; k < n; k++) if (fabs((double)(on[k].frame - hits[i].at)) < fabs(best)) best = (double)(on[k].frame - hits[i].at);
        if (fabs(best) < 0.05 * RATE) matched++;
        if (fabs(best) > worst) worst = fabs(best);
    }
    CHECK(n == NHITS && matched == NHITS, "transients: %d found for %d hits (kicks, snares, hats, soft and loud)", n, NHITS);
    CHECK(worst <= 0.005 * RATE, "every onset within %.2f ms of the hit's first frame (5 ms allowed)", worst * 1000.0 / RATE);

    /* Sample replacement: velocities from the hits' levels. */
    int *vel = malloc(sizeof(int) * (size_t)(n + 1));
    lt_edit_velocities(on, n, 40, vel);
    int vmax = 0, vmin = 127, order_ok = 1;
    for (int i = 0; i < n; i++) { if (vel[i] > vmax) vmax = vel[i]; if (vel[i] < vmin) vmin = vel[i]; }
    for (int i = 0; i < n && n == NHITS; i++)
        for (int k = 0; k < n; k++)   /* louder hits of one kind never get a lower velocity */
            if (hits[i].kind == hits[k].kind && hits[i].amp > hits[k].amp * 1.25 && vel[i] < vel[k]) order_ok = 0;
    CHECK(vmax == 127 && vmin >= 1 && vmin < 100 && order_ok, "replacement velocities 1..127 follow the hits' levels: %d .. %d", vmin, vmax);
    lt_onset lv[3] = {{0, 0.0, 1}, {1, -6.0, 1}, {2, -20.0, 1}};
    int v3[3];
    lt_edit_velocities(lv, 3, 40, v3);
    CHECK(v3[0] == 127 && v3[1] == 108 && v3[2] == 64, "hits at 0, -6, -20 dB: velocities %d, %d, %d (127 - 3.15 per dB)", v3[0], v3[1], v3[2]);

    /* Quantize to the sixteenth grid: slice at the onsets found, move each to its grid line. */
    free(vel);
    int64_t *src = malloc(sizeof(int64_t) * (size_t)(n + 1)), *tgt = malloc(sizeof(int64_t) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) src[i] = on[i].frame;
    lt_edit_grid_targets(src, n, 12000, 6000, 1.0, tgt);
    lt_abuf q;
    lt_edit_err e = lt_edit_move_slices(&b, src, tgt, n, 96, &q);
    int exact = 1;
    for (int i = 0; i < n && e == LT_EDIT_OK; i++) {
        int64_t len = i + 1 < n ? (src[i + 1] - src[i] < tgt[i + 1] - tgt[i] ? src[i + 1] - src[i] : tgt[i + 1] - tgt[i]) - 96 : 1000;
        for (int64_t k = 0; k < len; k++)
            if (q.s[(tgt[i] + k) * 2] != b.s[(src[i] + k) * 2]) { exact = 0; break; }
    }
    CHECK(e == LT_EDIT_OK && q.frames == b.frames && exact, "quantized: every slice, from its onset on, is the source's samples moved onto its grid line");
    lt_onset *on2;
    int n2;
    lt_edit_onsets(&q, NULL, &on2, &n2);
    /* Found again in the result, an onset sits on its grid line to the frame — for every hit whose
     * attack stands clear (found within 1 ms of where it was made).  A soft kick starting inside the
     * louder tail of the one before (hit 21) has its first lobe cancelled by the tail, is found
     * 3.75 ms late, and its slice carries its true first lobe in its pre-roll: reported, not held
     * to the frame. */
    int64_t qerr = 0, qerr_masked = 0;
    int clean = 0;
    for (int i = 0; i < n2 && n2 == n; i++) {
        int64_t truth = -1;
        for (int h = 0; h < NHITS; h++) if (llabs(hits[h].at - src[i]) < 0.05 * RATE) truth = hits[h].at;
        int64_t d = llabs(on2[i].frame - tgt[i]);
        if (llabs(src[i] - truth) <= RATE / 1000) { clean++; if (d > qerr) qerr = d; }
        else if (d > qerr_masked) qerr_masked = d;
        if (getenv("CHECK_VERBOSE")) printf("  quantized onset %2d: made at %lld, found at %lld, target %lld, found again at %lld\n", i,
                                            (long long)truth, (long long)src[i], (long long)tgt[i], (long long)on2[i].frame);
    }
    CHECK(n2 == n && clean >= NHITS - 2 && qerr <= 1, "found again in the quantized take, the %d clear onsets sit on the grid within %lld frame(s) "
          "(the masked soft kick: %lld frames)", clean, (long long)qerr, (long long)qerr_masked);
    /* Each join is a 2 ms linear crossfade ending on the onset: its largest step is held against the
     * material's own steps where the two slices come from (the tail of the one before, the pre-roll
     * of the next), plus the most the fade's own slope can add (peak / 96 frames per frame). */
    double worst_excess = 0, worst_ratio = 0;
    for (int i = 1; i < n && e == LT_EDIT_OK; i++) {
        int64_t L = src[i] - src[i - 1] < tgt[i] - tgt[i - 1] ? src[i] - src[i - 1] : tgt[i] - tgt[i - 1];
        int64_t tail_end = src[i - 1] + L;
        double own_j = fmax(lt_abuf_max_step(&b, tail_end - 97, tail_end + 1), lt_abuf_max_step(&b, src[i] - 97, src[i] + 1));
        double peak_j = 0;
        for (int64_t k = -97; k <= 0; k++)
            for (int c = 0; c < 2; c++) peak_j = fmax(peak_j, fmax(fabs(b.s[(tail_end + k) * 2 + c]), fabs(b.s[(src[i] + k) * 2 + c])));
        double join = lt_abuf_max_step(&q, tgt[i] - 97, tgt[i] + 1);
        worst_excess = fmax(worst_excess, join - own_j - 2 * peak_j / 96);
        worst_ratio = fmax(worst_ratio, join / own_j);
    }
    CHECK(worst_excess <= 1e-6, "no clicks where slices join: the largest step at a join is at most %.2f x the material's own there "
          "(within the fade's slope bound)", worst_ratio);
    /* Strength 0.5 moves each onset halfway. */
    int64_t *half = malloc(sizeof(int64_t) * (size_t)(n + 1));
    lt_edit_grid_targets(src, n, 12000, 6000, 0.5, half);
    int half_ok = 1;
    for (int i = 0; i < n; i++) half_ok &= llabs(2 * (half[i] - src[i]) - (tgt[i] - src[i])) <= 1;
    CHECK(half_ok, "strength 0.5 moves each onset half way to its grid line");
    free(half);
    free(src);
    free(tgt);
    free(on2);
    free(on);
    lt_abuf_free(&q);
    lt_abuf_free(&b);
}

/* A sustained tone with vibrato and a 6 dB tremolo has one onset, not one per wobble. */
static void test_no_false_onsets(void) {
    lt_abuf b;
    lt_abuf_alloc(&b, 3 * RATE, 1, RATE);
    double ph = 0;
    for (int64_t i = 12000; i < b.frames; i++) {
        double t = (double)i / RATE;
        ph += 2 * M_PI * 220 * (1 + 0.01 * sin(2 * M_PI * 5.5 * t)) / RATE;
        b.s[i] = (float)(0.4 * (0.75 + 0.25 * sin(2 * M_PI * 4 * t)) * (sin(ph) + 0.3 * sin(3 * ph)));
    }
    lt_onset *on;
    int n;
    lt_edit_onsets(&b, NULL, &on, &n);
    for (int k = 0; k < n && getenv("CHECK_VERBOSE"); k++) printf("  held-note onset %lld strength %.2f\n", (long long)on[k].frame, on[k].strength);
    CHECK(n == 1 && llabs(on[0].frame - 12000) <= 48, "a held note with vibrato and tremolo: %d onset(s), the first at %lld (12000)", n,
          n ? (long long)on[0].frame : -1LL);
    free(on);
    lt_abuf_free(&b);
}

static void test_comp(void) {
    /* Three takes of 4 s with distinct tones, each starting at its own frame on the timeline. */
    lt_abuf t[3];
    double freq[3] = {220, 330, 495};
    int64_t start[3] = {0, 24000, -12000};
    for (int k = 0; k < 3; k++) {
        lt_abuf_alloc(&t[k], 4 * RATE, 2, RATE);
        sine(&t[k], freq[k], 0.5, 0, t[k].frames);
    }
    lt_comp_take takes[3] = {{&t[0], start[0]}, {&t[1], start[1]}, {&t[2], start[2]}};
    lt_comp_region r[4] = {{0, 24000, 60000}, {2, 60000, 100000}, {1, 100000, 140000}, {0, 140000, 180000}};
    int64_t xf = 960;
    lt_abuf out;
    char msg[256] = "";
    lt_edit_err e = lt_edit_comp(takes, 3, r, 4, xf, LT_XFADE_POWER, &out, msg, sizeof msg);
    CHECK(e == LT_EDIT_OK && out.frames == 180000 - 24000, "a comp of 4 regions lasts from the first region's start to the last's end: %lld", (long long)out.frames);
    int right = 1, exact = 1;
    for (int i = 0; i < 4 && e == LT_EDIT_OK; i++) {
        int64_t a = r[i].from - 24000 + xf, b = r[i].to - 24000 - xf;
        double f = tone_freq(&out, a, b);
        if (fabs(f / freq[r[i].take] - 1) > 0.002) right = 0;
        for (int64_t y = a; y < b; y++) {
            int64_t src = y + 24000 - start[r[i].take];
            if (out.s[y * 2] != t[r[i].take].s[src * 2]) { exact = 0; break; }
        }
    }
    CHECK(right && exact, "each region plays its own take (its tone), sample for sample away from the joins");
    double own = 0;
    for (int k = 0; k < 3; k++) own = fmax(own, lt_abuf_max_step(&t[k], 1, t[k].frames));
    double joins = 0;
    for (int i = 1; i < 4; i++) joins = fmax(joins, lt_abuf_max_step(&out, r[i].from - 24000 - xf, r[i].from - 24000 + xf));
    lt_abuf hard;
    lt_edit_comp(takes, 3, r, 4, 0, LT_XFADE_POWER, &hard, msg, sizeof msg);
    double cut = 0;
    for (int i = 1; i < 4; i++) cut = fmax(cut, lt_abuf_max_step(&hard, r[i].from - 24000 - 2, r[i].from - 24000 + 2));
    /* Equal power keeps cos^2 + sin^2 = 1, so two unrelated takes' slopes can add up to sqrt(2) times
     * either's (cos + sin <= sqrt 2): that is its bound; a hard cut is an order of magnitude above. */
    CHECK(joins <= own * sqrt(2.0) && cut > 5 * own, "20 ms equal-power crossfades: the largest step at a join is %.4f, %.2f x the material's own %.4f "
          "(bound: sqrt 2); a hard cut: %.4f", joins, joins / own, own, cut);
    lt_abuf_free(&hard);
    lt_abuf_free(&out);
    lt_edit_comp(takes, 3, r, 4, xf, LT_XFADE_GAIN, &out, msg, sizeof msg);
    joins = 0;
    for (int i = 1; i < 4; i++) joins = fmax(joins, lt_abuf_max_step(&out, r[i].from - 24000 - xf, r[i].from - 24000 + xf));
    CHECK(joins <= own * 1.001, "equal-gain crossfades: the largest step at a join is %.4f, no larger than the material's own %.4f", joins, own);
    lt_abuf_free(&out);
    /* A gap between regions is silence, with fades. */
    lt_comp_region g[2] = {{0, 0, 48000}, {1, 60000, 96000}};
    lt_edit_comp(takes, 3, g, 2, xf, LT_XFADE_POWER, &out, msg, sizeof msg);
    int silent = 1;
    for (int64_t y = 48000; y < 60000; y++) silent &= out.s[2 * y] == 0;
    CHECK(silent && lt_abuf_max_step(&out, 47000, 61000) <= own * 1.001, "a gap between regions is silence, reached and left without clicks");
    lt_abuf_free(&out);
    lt_comp_region bad[2] = {{0, 0, 48000}, {1, 40000, 96000}};
    e = lt_edit_comp(takes, 3, bad, 2, xf, LT_XFADE_POWER, &out, msg, sizeof msg);
    CHECK(e == LT_EDIT_EARG && strstr(msg, "region 2 starts at 40000, inside region 1"), "overlapping regions are refused: %s", msg);
    for (int k = 0; k < 3; k++) lt_abuf_free(&t[k]);
}

int main(void) {
    test_regions();
    test_fades();
    test_normalize();
    test_stretch();
    test_strip_silence();
    test_transients();
    test_no_false_onsets();
    test_comp();
    return check_done("edit");
}
