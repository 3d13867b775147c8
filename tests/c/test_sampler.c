/* test_sampler.c — samples and sample voices, measured as a listener would hear them: the pitch of
 * a sine sample at several speeds, the images interpolation leaves at speed 2, lengths of regions
 * and loops to the frame, a closed hat choking an open one, files of every format and rate, the
 * mix-down of a 5.1 file, Rubber Band's stretch and pitch shift (duration and pitch), onsets of a
 * synthetic loop, no NaN under abuse, no allocation while playing, the same bits every run, and a
 * 256-voice CPU figure (printed, not asserted). */
#include <fftw3.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "check.h"
#include "graph/voices.h"
#include "quantum.h"
#include "sampler/sample.h"
#include "sampler/sampler.h"

#include "alloc_count.h"   /* counting, allocs, COUNT_ALLOCS */

#define SR 48000
static const char *out_dir;
static char err[512];

/* ---- helpers ----------------------------------------------------------------------------------- */

static lt_sample *make(const float *x, int64_t n, int ch, int src_rate) {
    lt_sample *s = lt_sample_from_frames(x, n, ch, src_rate, SR, "test", err, sizeof err);
    if (!s) fprintf(stderr, "FAIL building a sample: %s\n", err);
    return s;
}

static lt_sample *sine_sample(double freq, double seconds, int rate) {
    int64_t n = (int64_t)(seconds * rate);
    float *x = malloc(sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i++) x[i] = (float)(0.5 * sin(2 * M_PI * freq * (double)i / rate));
    lt_sample *s = lt_sample_from_frames(x, n, 1, rate, SR, "sine", err, sizeof err);
    free(x);
    return s;
}

static lt_sampler *new_sampler(int voices) {
    void *mem = lt_alloc_prefault(lt_sampler_size(voices));
    return lt_sampler_init(mem, voices, SR);
}

/* Renders n frames in quanta (the last one shorter) into l, r (zeroed first). */
static void render(lt_sampler *s, float *l, float *r, int64_t n) {
    memset(l, 0, sizeof(float) * (size_t)n);
    memset(r, 0, sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i += LT_QUANTUM) {
        int m = n - i < LT_QUANTUM ? (int)(n - i) : LT_QUANTUM;
        lt_sampler_process(s, l + i, r + i, m);
    }
}

/* Frequency by rising zero crossings, linearly interpolated, over x[a..b). */
static double zc_freq(const float *x, int64_t a, int64_t b, double sr) {
    double first = -1, last = -1;
    int count = 0;
    for (int64_t i = a + 1; i < b; i++)
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (double)(i - 1) + x[i - 1] / (double)(x[i - 1] - x[i]);
            if (first < 0) first = t;
            last = t;
            count++;
        }
    return count > 1 ? (count - 1) * sr / (last - first) : 0.0;
}

static double cents(double f, double ref) { return 1200.0 * log2(f / ref); }

/* The strongest spectral component farther than `guard` Hz from f0, relative to the strongest
 * component (dB), over N = 32768 frames of x with a 4-term Blackman-Harris window (sidelobes
 * -92 dB).  *peak_hz gets where the fundamental was found. */
static double spur_db(const float *x, double f0, double guard, double *peak_hz) {
    const int N = 32768;
    float *in = fftwf_malloc(sizeof(float) * N);
    fftwf_complex *out = fftwf_malloc(sizeof(fftwf_complex) * (N / 2 + 1));
    fftwf_plan p = fftwf_plan_dft_r2c_1d(N, in, out, FFTW_ESTIMATE);
    for (int i = 0; i < N; i++) {
        double w = 0.35875 - 0.48829 * cos(2 * M_PI * i / N) + 0.14128 * cos(4 * M_PI * i / N) - 0.01168 * cos(6 * M_PI * i / N);
        in[i] = (float)(x[i] * w);
    }
    fftwf_execute(p);
    double pk = 0, spur = 0;
    int pk_bin = 0;
    for (int k = 1; k <= N / 2; k++) {
        double m = hypot(out[k][0], out[k][1]);
        double f = (double)k * SR / N;
        if (m > pk) { pk = m; pk_bin = k; }
        if (fabs(f - f0) > guard && m > spur) spur = m;
    }
    if (peak_hz) *peak_hz = (double)pk_bin * SR / N;
    fftwf_destroy_plan(p);
    fftwf_free(in);
    fftwf_free(out);
    return 20 * log10(spur / pk + 1e-30);
}

static int all_finite(const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) if (!isfinite(x[i])) return 0;
    return 1;
}

static void write_file(const char *path, int format, const float *x, int64_t n, int ch, int rate) {
    SF_INFO info = { .samplerate = rate, .channels = ch, .format = format };
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f) { fprintf(stderr, "FAIL cannot write %s: %s\n", path, sf_strerror(NULL)); return; }
    sf_writef_float(f, x, n);
    sf_close(f);
}

/* ---- samples: files, rates, channels, levels ---------------------------------------------------- */

static void test_files(void) {
    char path[600];
    const int n44 = 44100;
    float *x = malloc(sizeof(float) * n44);
    for (int i = 0; i < n44; i++) x[i] = (float)(0.5 * sin(2 * M_PI * 1000.0 * i / 44100.0));
    x[22050] = 0.9f;   /* a click half-way: where it lands after conversion */
    for (int i = 22051; i < 22100; i++) x[i] = 0.0f;

    struct { const char *ext; int format; double tol_ms; } fmts[] = {
        { "wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 0.03 },
        { "aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 0.03 },
        { "flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 0.03 },
        { "ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 1.0 },
        { "mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 60.0 },
    };
    uint64_t wav_hash = 0, flac_hash = 0;
    for (size_t k = 0; k < sizeof fmts / sizeof *fmts; k++) {
        snprintf(path, sizeof path, "%s/sampler_1k.%s", out_dir, fmts[k].ext);
        write_file(path, fmts[k].format, x, n44, 1, 44100);
        lt_sample *s = lt_sample_load(path, SR, err, sizeof err);
        CHECK(s != NULL, "%s loads: %s", fmts[k].ext, s ? "" : err);
        if (!s) continue;
        double dur_ms = (double)s->frames / SR * 1000.0;
        double f = zc_freq(s->level[0].data, 2400, 20000, SR);
        CHECK(s->rate == SR && s->source_rate == 44100 && s->channels == 1, "%s: 44.1 kHz mono read at 48 kHz", fmts[k].ext);
        CHECK(fabs(dur_ms - 1000.0) <= fmts[k].tol_ms, "%s: lasts %.3f ms (1000 expected, within %.2f)", fmts[k].ext, dur_ms, fmts[k].tol_ms);
        CHECK(fabs(cents(f, 1000.0)) < 0.5, "%s: a 1 kHz tone stays 1 kHz after conversion: %.4f Hz", fmts[k].ext, f);
        printf("  %-4s %lld frames (%.3f ms), %.4f Hz, hash %016llx\n", fmts[k].ext, (long long)s->frames, dur_ms, f,
               (unsigned long long)s->hash);
        if (k == 0) wav_hash = s->hash;
        if (k == 2) flac_hash = s->hash;
        if (k <= 2) {   /* lossless: the click lands at 0.5 s * 48000 */
            int64_t at = 0;
            float best = 0;
            for (int64_t i = 20000; i < 28000; i++) if (s->level[0].data[i] > best) { best = s->level[0].data[i]; at = i; }
            CHECK(llabs(at - 24000) <= 1, "%s: the click at 0.5 s lands at frame %lld (24000 expected)", fmts[k].ext, (long long)at);
        }
        lt_sample_unref(s);
    }
    CHECK(wav_hash == flac_hash && wav_hash != 0, "the same audio in WAV and FLAC has the same hash");
    x[100] += 0.001f;
    snprintf(path, sizeof path, "%s/sampler_1k_b.wav", out_dir);
    write_file(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, x, n44, 1, 44100);
    lt_sample *b = lt_sample_load(path, SR, err, sizeof err);
    CHECK(b && b->hash != wav_hash, "different audio has a different hash");
    lt_sample_unref(b);

    /* a 5.1 file: each channel a different constant; the mix-down follows BS.775 */
    const float v6[6] = { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f };
    float *y = malloc(sizeof(float) * 6 * 4800);
    for (int i = 0; i < 4800; i++) for (int c = 0; c < 6; c++) y[i * 6 + c] = v6[c];
    snprintf(path, sizeof path, "%s/sampler_51.wav", out_dir);
    write_file(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, y, 4800, 6, SR);
    lt_sample *m = lt_sample_load(path, SR, err, sizeof err);
    CHECK(m && m->channels == 2 && m->source_channels == 6, "a 5.1 file becomes stereo: %s", m ? "" : err);
    if (m) {
        double el = 0.1 + 0.70710678 * 0.3 + 0.70710678 * 0.5, er = 0.2 + 0.70710678 * 0.3 + 0.70710678 * 0.6;
        double gl = m->level[0].data[2 * 2400], gr = m->level[0].data[2 * 2400 + 1];
        CHECK(fabs(gl - el) < 1e-5 && fabs(gr - er) < 1e-5, "5.1 mix-down L = FL + .707 C + .707 Ls = %.5f (%.5f), R = %.5f (%.5f), LFE dropped",
              gl, el, gr, er);
    }
    lt_sample_unref(m);
    free(y);

    /* errors name the file and the reason */
    snprintf(path, sizeof path, "%s/no-such-sample.wav", out_dir);
    lt_sample *z = lt_sample_load(path, SR, err, sizeof err);
    CHECK(!z && strstr(err, path) && strstr(err, "No such file"), "a missing file: %s", err);
    snprintf(path, sizeof path, "%s/sampler_text.wav", out_dir);
    FILE *f = fopen(path, "w");
    if (f) { fputs("this is not audio\n", f); fclose(f); }
    z = lt_sample_load(path, SR, err, sizeof err);
    CHECK(!z && strstr(err, path) && strstr(err, "not an audio file"), "a text file: %s", err);
    z = lt_sample_load(out_dir, SR, err, sizeof err);
    CHECK(!z && strstr(err, "is a folder"), "a folder: %s", err);
    snprintf(path, sizeof path, "%s/sampler_empty.wav", out_dir);
    write_file(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, x, 0, 1, SR);
    z = lt_sample_load(path, SR, err, sizeof err);
    CHECK(!z && strstr(err, "no audio frames"), "an empty file: %s", err);
    free(x);

    /* the mip levels and the speeds they serve */
    lt_sample *s48 = sine_sample(1000, 1.0, SR), *s44 = sine_sample(1000, 1.0, 44100);
    CHECK(s48 && s48->nlevels == LT_SAMPLE_LEVELS && s48->level[1].frames == 48000 && s48->level[2].frames == 24000 &&
          s48->level[5].frames == 3000, "six levels; level 1 as long as level 0, then each half as long");
    if (s48 && s44) {
        printf("  mip levels at 48 kHz (48 kHz source | 44.1 kHz source): highest speed served\n");
        for (int k = 0; k < s48->nlevels; k++)
            printf("    level %d: band %7.0f Hz, up to %6.3fx | band %7.0f Hz, up to %6.3fx\n", k, s48->level[k].band,
                   s48->level[k].max_speed, s44->level[k].band, s44->level[k].max_speed);
        CHECK(fabs(s48->level[0].max_speed - 28.0 / 24.0) < 1e-9 && fabs(s44->level[0].max_speed - 28000.0 / 22050.0) < 1e-9,
              "level 0 serves up to %.4fx (48 kHz source), %.4fx (44.1 kHz)", s48->level[0].max_speed, s44->level[0].max_speed);
        CHECK(lt_sample_level_for(s48, 1.0) == 0 && lt_sample_level_for(s48, 1.2) == 1 && lt_sample_level_for(s48, -2.0) == 1 &&
              lt_sample_level_for(s48, 2.4) == 2 && lt_sample_level_for(s48, 100) == 5, "levels chosen by speed");
    }
    lt_sample_unref(s48);
    lt_sample_unref(s44);
}

/* ---- voices: pitch, images, aliasing ------------------------------------------------------------ */

static void test_pitch(void) {
    lt_sample *s = sine_sample(1000, 2.0, SR);
    lt_kit *kit = lt_kit_new(&s, 1);
    const int64_t n = SR;
    float *l = malloc(sizeof(float) * n), *r = malloc(sizeof(float) * n);
    const float speeds[] = { 0.5f, 1.0f, 2.0f, -1.0f, 1.5f, -2.5f };
    for (size_t k = 0; k < sizeof speeds / sizeof *speeds; k++) {
        lt_sampler *sp = new_sampler(8);
        lt_sampler_event e = lt_sampler_event_defaults();
        e.speed = speeds[k];
        lt_sampler_play(sp, kit, &e);
        render(sp, l, r, n);
        double want = 1000.0 * fabs(speeds[k]);
        int64_t len = (int64_t)(2.0 * SR / fabs(speeds[k]));
        if (len > n) len = n;
        double f = zc_freq(l, 1000, len - 1000, SR);
        CHECK(fabs(cents(f, want)) < 0.05, "speed %g plays %.4f Hz (%.0f expected, %+.4f cents)", speeds[k], f, want, cents(f, want));
        lt_free_prefault(sp);
    }

    /* Images: a 1 kHz sine at speed 2 and at speeds where interpolation works hardest (the sample
     * outlasts the analysis window at every speed: an ending tone would smear the spectrum). */
    lt_kit_unref(kit);
    lt_sample_unref(s);
    s = sine_sample(1000, 3.0, SR);
    kit = lt_kit_new(&s, 1);
    printf("  images (strongest component other than the tone, relative to it):\n");
    const float ispeeds[] = { 2.0f, 1.1f, 1.5f, 1.9f, 2.1f, 3.3f, 0.77f };
    for (size_t k = 0; k < sizeof ispeeds / sizeof *ispeeds; k++) {
        lt_sampler *sp = new_sampler(8);
        lt_sampler_event e = lt_sampler_event_defaults();
        e.speed = ispeeds[k];
        lt_sampler_play(sp, kit, &e);
        render(sp, l, r, 32768 + 2048);
        double pk;
        double db = spur_db(l + 1024, 1000.0 * ispeeds[k], 60.0, &pk);
        printf("    speed %.2f (level %d): %.1f dB\n", ispeeds[k], lt_sample_level_for(s, ispeeds[k]), db);
        CHECK(db <= -60.0, "1 kHz sine at speed %g: images at %.1f dB (<= -60)", ispeeds[k], db);
        lt_free_prefault(sp);
    }
    lt_kit_unref(kit);
    lt_sample_unref(s);

    /* Images of higher tones: on the oversampled levels they stay low whatever the content; on level
     * 0 (speeds up to 1.17) Hermite's images grow with the tone's frequency (printed, and bounded
     * at the level they reach, so a change would show). */
    struct { double f, speed, bound; } hs[] = {
        { 5000, 1.5, -65 }, { 9000, 1.3, -65 }, { 3000, 3.3, -65 }, { 1500, 7.0, -65 },
        { 5000, 1.1, -40 }, { 10000, 1.1, -25 }, { 5000, 0.77, -40 },
    };
    for (size_t k = 0; k < sizeof hs / sizeof *hs; k++) {
        lt_sample *t = sine_sample(hs[k].f, 0.8 * hs[k].speed + 0.2, SR);   /* longer than the analysis */
        lt_kit *tk = lt_kit_new(&t, 1);
        lt_sampler *sp = new_sampler(8);
        lt_sampler_event e = lt_sampler_event_defaults();
        e.speed = (float)hs[k].speed;
        lt_sampler_play(sp, tk, &e);
        render(sp, l, r, 32768 + 2048);
        double db = spur_db(l + 1024, hs[k].f * hs[k].speed, 60.0, NULL);
        printf("    %5.0f Hz tone at speed %.2f (level %d): %.1f dB\n", hs[k].f, hs[k].speed, lt_sample_level_for(t, hs[k].speed), db);
        CHECK(db <= hs[k].bound, "%.0f Hz at speed %g: images at %.1f dB (<= %.0f)", hs[k].f, hs[k].speed, db, hs[k].bound);
        lt_free_prefault(sp);
        lt_kit_unref(tk);
        lt_sample_unref(t);
    }

    /* Aliasing: a 16 kHz tone at speed 2 would fold to 16 kHz; the level read holds nothing above 12 kHz. */
    lt_sample *hi = sine_sample(16000, 1.0, SR);
    kit = lt_kit_new(&hi, 1);
    lt_sampler *sp = new_sampler(8);
    lt_sampler_event e = lt_sampler_event_defaults();
    e.speed = 2.0f;
    lt_sampler_play(sp, kit, &e);
    render(sp, l, r, 20000);
    double rms = 0;
    for (int i = 1000; i < 20000; i++) rms += (double)l[i] * l[i];
    rms = sqrt(rms / 19000);
    double db = 20 * log10(rms / (0.5 * 0.70710678 / sqrt(2.0)) + 1e-30);
    printf("  a 16 kHz tone at speed 2: %.1f dB relative to the tone (alias would be at 16 kHz)\n", db);
    CHECK(db < -90.0, "a 16 kHz tone at speed 2 leaves %.1f dB (the mip level removed it)", db);
    lt_free_prefault(sp);
    lt_kit_unref(kit);
    lt_sample_unref(hi);
    free(l);
    free(r);
}

/* ---- voices: lengths, reverse, loop ------------------------------------------------------------- */

/* Last nonzero frame + 1 of x (the voice starts at frame 0). */
static int64_t sound_length(const float *x, int64_t n) {
    for (int64_t i = n - 1; i >= 0; i--) if (x[i] != 0.0f) return i + 1;
    return 0;
}

static void test_lengths(void) {
    const int64_t F = 10000, n = 40000;
    float *ramp = malloc(sizeof(float) * F);
    for (int64_t i = 0; i < F; i++) ramp[i] = 0.1f + 0.8f * (float)i / F;
    lt_sample *s = make(ramp, F, 1, SR);
    lt_kit *kit = lt_kit_new(&s, 1);
    float *l = malloc(sizeof(float) * n), *r = malloc(sizeof(float) * n);
    struct { float begin, end, speed; int64_t want; } cases[] = {
        { 0.0f, 1.0f, 1.0f, 10000 }, { 0.25f, 0.75f, 1.0f, 5000 }, { 0.25f, 0.75f, 2.0f, 2500 },
        { 0.25f, 0.75f, 0.75f, 6667 }, { 0.25f, 0.75f, -1.0f, 5000 }, { 0.1f, 0.1003f, 1.0f, 3 },
        { 0.5f, 1.0f, 3.0f, 1667 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        lt_sampler *sp = new_sampler(4);
        lt_sampler_event e = lt_sampler_event_defaults();
        e.begin = cases[k].begin; e.end = cases[k].end; e.speed = cases[k].speed;
        lt_sampler_play(sp, kit, &e);
        render(sp, l, r, n);
        int64_t len = sound_length(l, n);
        CHECK(len == cases[k].want, "begin %g end %g speed %g lasts %lld frames (%lld expected)", cases[k].begin, cases[k].end,
              cases[k].speed, (long long)len, (long long)cases[k].want);
        CHECK(lt_sampler_active(sp) == 0, "the voice has ended");
        lt_free_prefault(sp);
    }

    /* Reverse plays the region from its last frame: after the 1 ms fade-in, frame i holds ramp[hi-1-i]. */
    lt_sampler *sp = new_sampler(4);
    lt_sampler_event e = lt_sampler_event_defaults();
    e.speed = -1.0f;
    lt_sampler_play(sp, kit, &e);
    render(sp, l, r, n);
    float g = 0.70710678f;
    CHECK(fabsf(l[100] - g * ramp[F - 1 - 100]) < 1e-5f && fabsf(l[5000] - g * ramp[F - 1 - 5000]) < 1e-5f,
          "speed -1 reads backwards: frame 5000 = %.6f (%.6f)", l[5000], g * ramp[F - 1 - 5000]);
    CHECK(l[0] > 0.0f && l[0] < 0.03f * l[60] && l[24] < l[60], "a reverse start fades in over 1 ms (%.5f, %.5f, %.5f)", l[0], l[24], l[60]);
    lt_free_prefault(sp);

    /* A loop of frames 1000..2000 held for 12345 frames, then a 5 ms release: exact content, exact length. */
    sp = new_sampler(4);
    e = lt_sampler_event_defaults();
    e.begin = 0.1f; e.end = 0.2f; e.loop = 1; e.dur = 12345;
    lt_sampler_play(sp, kit, &e);
    render(sp, l, r, n);
    int64_t len = sound_length(l, n);
    CHECK(len == 12345 + 240, "a loop held for 12345 frames sounds for %lld (12345 + 240 of release)", (long long)len);
    int exact = 1;
    for (int64_t i = 48; i < 12345; i++)
        if (fabsf(l[i] - g * ramp[1000 + i % 1000]) > 1e-6f) { exact = 0; break; }
    CHECK(exact, "the loop repeats frames 1000..1999 exactly (frame 1500 = %.6f, want %.6f)", l[1500], g * ramp[1500]);
    lt_free_prefault(sp);

    /* A loop with no dur plays until stopped; release_all ends it; one-shots ring on. */
    sp = new_sampler(4);
    e = lt_sampler_event_defaults();
    e.loop = 1; e.end = 0.05f; e.id = 7;
    lt_sampler_play(sp, kit, &e);
    e = lt_sampler_event_defaults();
    lt_sampler_play(sp, kit, &e);
    render(sp, l, r, 4800);
    CHECK(lt_sampler_active(sp) == 2, "a loop and a one-shot sound");
    lt_sampler_release_all(sp);
    render(sp, l, r, 480);
    CHECK(lt_sampler_active(sp) == 1, "release_all ended the loop, the one-shot rings on: %d", lt_sampler_active(sp));
    lt_sampler_kill_all(sp);
    CHECK(lt_sampler_active(sp) == 0, "kill_all silences every voice");
    e = lt_sampler_event_defaults();
    e.loop = 1; e.id = 9;
    lt_sampler_play(sp, kit, &e);
    render(sp, l, r, 100);
    lt_sampler_stop(sp, 8);
    render(sp, l, r, 480);
    CHECK(lt_sampler_active(sp) == 1, "stop(8) leaves voice 9 alone");
    lt_sampler_stop(sp, 9);
    render(sp, l, r, 480);
    CHECK(lt_sampler_active(sp) == 0 && sound_length(l, 480) == 240, "stop(9) fades it over 240 frames (%lld)",
          (long long)sound_length(l, 480));
    lt_free_prefault(sp);

    /* Nothing to play */
    sp = new_sampler(4);
    e = lt_sampler_event_defaults();
    e.speed = 0;
    CHECK(lt_sampler_play(sp, kit, &e) < 0, "speed 0 plays nothing");
    e.speed = 1e-12f;
    CHECK(lt_sampler_play(sp, kit, &e) < 0, "speed 1e-12 (standing still) plays nothing");
    e = lt_sampler_event_defaults();
    e.begin = 0.6f; e.end = 0.4f;
    CHECK(lt_sampler_play(sp, kit, &e) < 0, "end before begin plays nothing");
    e = lt_sampler_event_defaults();
    e.index = 1;
    CHECK(lt_sampler_play(sp, kit, &e) < 0 && lt_sampler_play(sp, NULL, &e) < 0, "an index outside the kit plays nothing");
    lt_free_prefault(sp);

    /* Pan: constant power for mono, balance for stereo */
    float st[2 * 100];
    for (int i = 0; i < 100; i++) { st[2 * i] = 0.5f; st[2 * i + 1] = 0.25f; }
    lt_sample *s2 = make(st, 100, 2, SR);
    lt_sample *both[2] = { s, s2 };
    lt_kit *k2 = lt_kit_new(both, 2);
    sp = new_sampler(4);
    e = lt_sampler_event_defaults();
    e.index = 1;
    lt_sampler_play(sp, k2, &e);
    render(sp, l, r, 100);
    CHECK(fabsf(l[50] - 0.5f) < 1e-6f && fabsf(r[50] - 0.25f) < 1e-6f, "a centred stereo sample plays as recorded (%.4f, %.4f)", l[50], r[50]);
    e.pan = 1.0f; e.gain = 0.5f; e.index = 0;
    lt_sampler_play(sp, k2, &e);
    render(sp, l, r, 100);
    CHECK(l[50] == 0.0f && fabsf(r[50] - 0.5f * ramp[50]) < 1e-6f, "pan 1, gain 0.5: all right, at half level");
    CHECK(lt_sampler_uses(sp, k2) == 1 && lt_sampler_uses(sp, kit) == 0, "uses() counts the voices reading a kit");
    lt_free_prefault(sp);
    lt_kit_unref(k2);
    lt_sample_unref(s2);

    lt_kit_unref(kit);
    lt_sample_unref(s);
    free(ramp);
    free(l);
    free(r);
}

/* ---- choke groups and stealing ----------------------------------------------------------------- */

static uint32_t rng = 12345;
static float frand(void) { rng = rng * 1664525u + 1013904223u; return (float)(rng >> 8) / 16777216.0f; }

static void test_choke(void) {
    const int64_t F = SR, n = 12000;
    float *open = malloc(sizeof(float) * F), *closed = malloc(sizeof(float) * 2400);
    /* the "open hat" is a smooth 200 Hz tone, so a click (a step larger than the tone's own) shows */
    for (int64_t i = 0; i < F; i++) open[i] = 0.5f * sinf(2 * (float)M_PI * 200.0f * (float)i / SR) * expf(-(float)i / 20000.0f);
    for (int64_t i = 0; i < 2400; i++) closed[i] = (2 * frand() - 1) * expf(-(float)i / 500.0f);
    lt_sample *ss[2] = { make(open, F, 1, SR), make(closed, 2400, 1, SR) };
    lt_kit *kit = lt_kit_new(ss, 2);
    float *l = malloc(sizeof(float) * n), *r = malloc(sizeof(float) * n);
    float *l2 = malloc(sizeof(float) * n), *r2 = malloc(sizeof(float) * n);
    const int at = 4800;

    /* the open hat, then at `at` the closed hat in the same cut group */
    lt_sampler *a = new_sampler(8);
    lt_sampler_event oh = lt_sampler_event_defaults(), hh = lt_sampler_event_defaults();
    oh.index = 0; oh.cut = 1;
    hh.index = 1; hh.cut = 1;
    lt_sampler_play(a, kit, &oh);
    render(a, l, r, at);
    lt_sampler_play(a, kit, &hh);
    render(a, l + at, r + at, n - at);
    /* the closed hat alone, from `at` */
    lt_sampler *b = new_sampler(8);
    memset(l2, 0, sizeof(float) * at);
    lt_sampler_play(b, kit, &hh);
    render(b, l2 + at, r2 + at, n - at);
    int64_t last = -1;
    double before = 0;
    for (int64_t i = at; i < n; i++) if (l[i] - l2[i] != 0.0f) last = i;
    for (int64_t i = at - 480; i < at; i++) before += fabs(l[i]);
    CHECK(last >= 0 && last < at + 240, "the open hat stops %.2f ms after the closed hat starts (fade 5 ms)",
          (double)(last - at + 1) * 1000.0 / SR);
    CHECK(before > 0, "the open hat sounded before");
    /* no click: while it fades, the choked tone never steps more than 1.2 times its own largest
     * step before (a cut dead would step by up to its amplitude, 0.3) */
    float maxstep = 0, natural = 0;
    for (int64_t i = at + 1; i <= at + 240; i++) maxstep = fmaxf(maxstep, fabsf((l[i] - l2[i]) - (l[i - 1] - l2[i - 1])));
    for (int64_t i = at - 480; i < at; i++) natural = fmaxf(natural, fabsf(l[i] - l[i - 1]));
    CHECK(maxstep <= 1.2f * natural, "the choked tone fades without a click: largest step %.5f (its own %.5f)", maxstep, natural);

    /* different groups do not choke; group 0 is no group */
    lt_sampler_kill_all(a);
    oh.cut = 2;
    lt_sampler_play(a, kit, &oh);
    lt_sampler_play(a, kit, &hh);
    oh.cut = 0;
    lt_sampler_play(a, kit, &oh);
    lt_sampler_play(a, kit, &oh);
    render(a, l, r, 480);
    CHECK(lt_sampler_active(a) == 4, "other groups and no group ring on: %d voices", lt_sampler_active(a));

    /* stealing on a one-voice sampler: the tone playing fades out over 5 ms as a new one starts */
    lt_sampler *one = new_sampler(1);
    lt_sampler_event t1 = lt_sampler_event_defaults();
    lt_sampler_play(one, kit, &t1);
    render(one, l, r, at);
    CHECK(lt_sampler_play(one, kit, &t1) >= 0 && lt_sampler_active(one) == 2, "a one-voice sampler takes a new event while the old fades");
    render(one, l + at, r + at, 480);
    lt_sampler *alone = new_sampler(1);                 /* the new tone by itself, to take it out */
    memset(l2, 0, sizeof(float) * at);
    lt_sampler_play(alone, kit, &t1);
    render(alone, l2 + at, r2 + at, 480);
    float steal_step = 0, own = 0;
    for (int64_t i = at + 1; i < at + 480; i++) steal_step = fmaxf(steal_step, fabsf((l[i] - l2[i]) - (l[i - 1] - l2[i - 1])));
    for (int64_t i = at - 480; i < at; i++) own = fmaxf(own, fabsf(l[i] - l[i - 1]));
    CHECK(steal_step <= 1.2f * own, "the stolen tone fades without a click: largest step %.5f (its own %.5f)", steal_step, own);
    lt_free_prefault(alone);
    CHECK(lt_sampler_active(one) == 1, "then one voice sounds");
    lt_free_prefault(one);

    /* stealing: four voices, a fifth event fades the oldest over 5 ms */
    lt_sampler *c = new_sampler(4);
    for (int k = 0; k < 5; k++) { oh.id = (uint32_t)k; lt_sampler_play(c, kit, &oh); }
    CHECK(lt_sampler_active(c) == 5, "the stolen voice is still fading: %d sounding", lt_sampler_active(c));
    render(c, l, r, 240);
    CHECK(lt_sampler_active(c) == 4, "after 5 ms, four: %d", lt_sampler_active(c));
    for (int k = 0; k < 40; k++) lt_sampler_play(c, kit, &oh);
    CHECK(lt_sampler_active(c) == 8, "a burst of events keeps at most voices + fading voices: %d", lt_sampler_active(c));

    lt_free_prefault(a);
    lt_free_prefault(b);
    lt_free_prefault(c);
    lt_kit_unref(kit);
    lt_sample_unref(ss[0]);
    lt_sample_unref(ss[1]);
    free(open); free(closed); free(l); free(r); free(l2); free(r2);
}

/* ---- abuse, allocation, determinism ------------------------------------------------------------- */

/* Renders 4 s of random events on 16 voices; returns a checksum of the output bits. */
static uint64_t random_render(lt_kit *kit, float *l, float *r, int64_t n, int count_allocs) {
    lt_sampler *s = new_sampler(16);
    rng = 777;
    if (count_allocs) { allocs = 0; counting = 1; }
    memset(l, 0, sizeof(float) * (size_t)n);
    memset(r, 0, sizeof(float) * (size_t)n);
    for (int64_t i = 0; i < n; i += LT_QUANTUM) {
        if (frand() < 0.3f) {
            lt_sampler_event e = lt_sampler_event_defaults();
            e.index = (int)(frand() * kit->count);
            e.speed = (frand() < 0.1f ? 40.0f : 4.0f) * (frand() - 0.4f);
            e.begin = frand() * 1.2f - 0.1f;
            e.end = frand() * 1.2f;
            e.loop = frand() < 0.3f;
            e.cut = (int)(frand() * 3);
            e.gain = frand() * 2;
            e.pan = frand() * 3 - 1.5f;
            e.dur = frand() < 0.5f ? (int32_t)(frand() * 20000) : 0;
            e.id = (uint32_t)i;
            if (frand() < 0.02f) e.speed = NAN;
            if (frand() < 0.02f) e.pan = NAN;
            if (frand() < 0.02f) e.begin = NAN;
            lt_sampler_play(s, kit, &e);
        }
        if (frand() < 0.01f) lt_sampler_release_all(s);
        if (frand() < 0.01f) lt_sampler_stop(s, (uint32_t)(i - LT_QUANTUM * 10));
        int m = n - i < LT_QUANTUM ? (int)(n - i) : LT_QUANTUM;
        if (frand() < 0.2f) m = 1 + (int)(frand() * (m - 1));
        lt_sampler_process(s, l + i, r + i, m);
        if (m < LT_QUANTUM && i + m < n) lt_sampler_process(s, l + i + m, r + i + m, (n - i < LT_QUANTUM ? (int)(n - i) : LT_QUANTUM) - m);
    }
    counting = 0;
    lt_free_prefault(s);
    uint64_t h = 0xcbf29ce484222325ull;
    for (int64_t i = 0; i < n; i++) {
        uint32_t a, b;
        memcpy(&a, &l[i], 4);
        memcpy(&b, &r[i], 4);
        h = (h ^ a) * 0x100000001b3ull;
        h = (h ^ b) * 0x100000001b3ull;
    }
    return h;
}

static void test_abuse(void) {
    const int64_t n = 4 * SR;
    float *x = malloc(sizeof(float) * 2 * 30000);
    for (int i = 0; i < 2 * 30000; i++) x[i] = 2 * frand() - 1;
    lt_sample *ss[4] = { make(x, 30000, 1, SR), make(x, 30000, 2, 44100), make(x, 5, 1, SR), make(x, 1, 2, 22050) };
    lt_kit *kit = lt_kit_new(ss, 4);
    float *l = malloc(sizeof(float) * n), *r = malloc(sizeof(float) * n);
    uint64_t h1 = random_render(kit, l, r, n, 1);
    int a = allocs;
    CHECK(all_finite(l, n) && all_finite(r, n), "4 s of random events (NaN parameters, speeds to 24x, tiny samples): no NaN");
    if (COUNT_ALLOCS) CHECK(a == 0, "no allocation while playing and rendering (%d)", a);
    uint64_t h2 = random_render(kit, l, r, n, 0);
    CHECK(h1 == h2, "the same events give the same bits (%016llx, %016llx)", (unsigned long long)h1, (unsigned long long)h2);
    float peak = 0;
    for (int64_t i = 0; i < n; i++) peak = fmaxf(peak, fabsf(l[i]));
    CHECK(peak > 0.1f && peak < 40.0f, "the random render is audible and bounded (peak %.2f)", peak);
    lt_kit_unref(kit);
    for (int k = 0; k < 4; k++) lt_sample_unref(ss[k]);
    free(x); free(l); free(r);
}

/* ---- stretch and pitch shift ------------------------------------------------------------------- */

/* Where a tone burst ends: the last frame whose 5 ms RMS is above half the burst's. */
static double burst_end_s(const float *x, int64_t n, int ch) {
    const int w = SR / 200;
    double ref = 0;
    int64_t last = 0;
    double *e = malloc(sizeof(double) * (size_t)(n + 1));
    e[0] = 0;
    for (int64_t i = 0; i < n; i++) e[i + 1] = e[i] + (double)x[i * ch] * x[i * ch];
    for (int64_t i = w; i <= n; i++) { double v = (e[i] - e[i - w]) / w; if (v > ref) ref = v; }
    for (int64_t i = w; i <= n; i++) if ((e[i] - e[i - w]) / w > ref * 0.25) last = i - w / 2;
    free(e);
    return (double)last / SR;
}

static void test_stretch(void) {
    /* 1 s of a 440 Hz tone (10 ms fades), then 0.5 s of silence, in stereo */
    const int64_t n = 3 * SR / 2;
    float *x = calloc((size_t)(2 * n), sizeof(float));
    for (int64_t i = 0; i < SR; i++) {
        float env = fminf(1.0f, fminf((float)i / 480.0f, (float)(SR - i) / 480.0f));
        float v = 0.5f * env * (float)sin(2 * M_PI * 440.0 * (double)i / SR);
        x[2 * i] = v; x[2 * i + 1] = 0.8f * v;
    }
    lt_sample *s = make(x, n, 2, SR);
    double end0 = burst_end_s(s->level[0].data, s->frames, 2);
    struct { double ratio, semis, f, end; } cases[] = {
        { 1.5, 0.0, 440.0, 1.5 }, { 0.5, 0.0, 440.0, 0.5 }, { 1.0, 7.0, 440.0 * pow(2, 7 / 12.0), 1.0 },
        { 1.0, -12.0, 220.0, 1.0 }, { 2.0, 3.0, 440.0 * pow(2, 3 / 12.0), 2.0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        clock_t t0 = clock();
        lt_sample *t = lt_sample_stretch(s, cases[k].ratio, cases[k].semis, err, sizeof err);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        CHECK(t != NULL, "stretch %g, %g semitones: %s", cases[k].ratio, cases[k].semis, t ? "" : err);
        if (!t) continue;
        double end = burst_end_s(t->level[0].data, t->frames, 2) / end0;   /* the fades stretch too */
        int64_t a = (int64_t)(0.1 * cases[k].end * SR), b = (int64_t)(0.9 * cases[k].end * SR);
        float *mono = malloc(sizeof(float) * (size_t)t->frames);
        for (int64_t i = 0; i < t->frames; i++) mono[i] = t->level[0].data[2 * i];
        double f = zc_freq(mono, a, b, SR);
        printf("  stretch %.2f, %+.0f semitones: %lld frames, tone ends at %.4f s (%.4f), %.3f Hz (%+.2f cents), %.2f s CPU\n",
               cases[k].ratio, cases[k].semis, (long long)t->frames, end, cases[k].end, f, cents(f, cases[k].f), secs);
        CHECK(t->frames == llround(n * cases[k].ratio), "stretched length %lld frames", (long long)t->frames);
        CHECK(fabs(end - cases[k].end) < 0.005, "stretch %g, %g st: the tone ends at %.4f s (%.4f expected, within 5 ms)",
              cases[k].ratio, cases[k].semis, end, cases[k].end);
        CHECK(fabs(cents(f, cases[k].f)) < 5.0, "stretch %g, %g st: pitch %.3f Hz, %+.2f cents from %.3f", cases[k].ratio,
              cases[k].semis, f, cents(f, cases[k].f), cases[k].f);
        CHECK(t->channels == 2 && t->hash != s->hash, "stereo kept, a hash of its own");
        free(mono);
        lt_sample_unref(t);
    }
    CHECK(!lt_sample_stretch(s, 0.0, 0.0, err, sizeof err) && strstr(err, "ratio"), "ratio 0 refused: %s", err);
    CHECK(!lt_sample_stretch(s, 1.0, 100.0, err, sizeof err) && strstr(err, "semitones"), "100 semitones refused: %s", err);
    lt_sample_unref(s);
    free(x);
}

/* ---- onsets ------------------------------------------------------------------------------------ */

static void test_onsets(void) {
    /* A two-bar loop at 120 bpm (2 s per bar... 4 s): kicks, snares, hats at different levels, on
     * each other's tails, plus two off-grid hits. */
    const int64_t n = 4 * SR;
    float *x = calloc((size_t)n, sizeof(float));
    struct { double t; int kind; float level; } hits[] = {
        { 0.000, 0, 1.0f }, { 0.250, 2, 0.3f }, { 0.500, 1, 0.8f }, { 0.750, 2, 0.2f }, { 1.000, 0, 1.0f },
        { 1.125, 2, 0.1f }, { 1.250, 0, 0.7f }, { 1.500, 1, 0.9f }, { 1.830, 2, 0.25f }, { 2.000, 0, 1.0f },
        { 2.250, 2, 0.3f }, { 2.500, 1, 0.5f }, { 2.640, 1, 0.2f }, { 3.000, 0, 0.6f }, { 3.375, 2, 0.15f },
        { 3.500, 1, 1.0f }, { 3.750, 2, 0.3f },
    };
    const int nh = (int)(sizeof hits / sizeof *hits);
    rng = 99;
    for (int h = 0; h < nh; h++) {
        int64_t t0 = (int64_t)llround(hits[h].t * SR);
        for (int64_t i = 0; t0 + i < n && i < SR; i++) {
            double tt = (double)i / SR, v;
            if (hits[h].kind == 0) v = sin(2 * M_PI * (50 * tt + 60 * (1 - exp(-tt * 30)) / 30)) * exp(-tt * 8);   /* kick */
            else if (hits[h].kind == 1) v = ((2 * frand() - 1) * 0.7 + 0.3 * sin(2 * M_PI * 190 * tt)) * exp(-tt * 25); /* snare */
            else v = (2 * frand() - 1) * exp(-tt * 60);                                                          /* hat */
            x[t0 + i] += (float)(hits[h].level * 0.8 * v);
        }
    }
    lt_sample *s = make(x, n, 1, SR);
    int64_t on[64];
    int c = lt_sample_onsets(s, NULL, on, 64);
    CHECK(c == nh, "%d onsets found (%d hits)", c, nh);
    double worst = 0;
    int matched = 0;
    for (int h = 0; h < nh; h++) {
        double best = 1e9;
        for (int k = 0; k < c && k < 64; k++) {
            double d = ((double)on[k] / SR - hits[h].t) * 1000.0;
            if (fabs(d) < fabs(best)) best = d;
        }
        if (fabs(best) <= 5.0) matched++;
        else fprintf(stderr, "  hit at %.3f s (level %.2f): nearest onset %.2f ms away\n", hits[h].t, hits[h].level, best);
        if (fabs(best) > worst) worst = fabs(best);
    }
    printf("  onsets: %d of %d hits found within 5 ms, worst %.2f ms\n", matched, nh, worst);
    CHECK(matched == nh, "every hit found within 5 ms (%d of %d, worst %.2f ms)", matched, nh, worst);
    /* the same at 44.1 kHz source and with the level at -30 dB */
    for (int64_t i = 0; i < n; i++) x[i] *= 0.0316f;
    lt_sample *q = make(x, n, 1, SR);
    c = lt_sample_onsets(q, NULL, on, 64);
    CHECK(c == nh, "at -30 dB the same %d onsets (%d)", nh, c);
    lt_onset_config strict = { 50.0f, 0 };
    int c2 = lt_sample_onsets(q, &strict, NULL, 0);
    CHECK(c2 < c, "a higher threshold finds fewer onsets (%d < %d)", c2, c);
    float *zero = calloc(1000, sizeof(float));
    lt_sample *z = make(zero, 1000, 1, SR);
    CHECK(lt_sample_onsets(z, NULL, on, 64) == 0, "silence has no onsets");
    lt_sample_unref(z);
    lt_sample_unref(q);
    lt_sample_unref(s);
    free(zero);
    free(x);
}

/* A loop assembled from the GM Rock kit's own recorded hits (hydrogen-data) at known frames, each
 * on the previous ones' tails: every hit found within 5 ms, nothing else.  A hit's true start is
 * where its file first reaches -40 dB of its peak (an independent, plain threshold). */
static void test_onsets_real(void) {
    const char *dir = "/usr/share/hydrogen/data/drumkits/GMRockKit";
    const char *files[] = { "Kick-Hard.wav", "Snare-Med.wav", "HatClosed-Soft.wav", "HatOpen-Hard.wav", "Tom1-Med.wav",
                            "Kick-Soft.wav", "SideStick-Hard.wav", "Crash-Med.wav" };
    const int nf = (int)(sizeof files / sizeof *files);
    lt_sample *hit[8];
    int64_t start[8];
    char path[600];
    struct stat st;
    if (stat(dir, &st) != 0) { printf("  (no %s: the real-drums onset test is skipped)\n", dir); return; }
    for (int k = 0; k < nf; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        hit[k] = lt_sample_load(path, SR, err, sizeof err);
        CHECK(hit[k] != NULL, "loads %s: %s", files[k], hit[k] ? "" : err);
        if (!hit[k]) return;
        const float *d = hit[k]->level[0].data;
        int ch = hit[k]->channels;
        float pk = 0;
        for (int64_t i = 0; i < hit[k]->frames * ch; i++) pk = fmaxf(pk, fabsf(d[i]));
        start[k] = 0;
        for (int64_t i = 0; i < hit[k]->frames * ch; i++) if (fabsf(d[i]) >= pk * 0.01f) { start[k] = i / ch; break; }
    }
    /* 16th notes at 100 bpm (150 ms), a groove with rests */
    const int pattern[][2] = { {0,0},{2,2},{1,1},{3,2},{4,0},{6,2},{7,1},{10,5},{11,6},{12,3},{14,4},{16,7},{18,2},{20,1},
                               {22,0},{23,2},{25,6},{27,4},{28,1},{30,2} };
    const int np = (int)(sizeof pattern / sizeof *pattern);
    const int64_t n = 6 * SR;
    float *x = calloc((size_t)n, sizeof(float));
    double want[32];
    for (int p = 0; p < np; p++) {
        int64_t at = (int64_t)pattern[p][0] * 7200;
        lt_sample *h = hit[pattern[p][1]];
        for (int64_t i = 0; i < h->frames && at + i < n; i++)
            x[at + i] += h->channels == 2 ? 0.5f * (h->level[0].data[2 * i] + h->level[0].data[2 * i + 1]) : h->level[0].data[i];
        want[p] = (double)(at + start[pattern[p][1]]) / SR;
    }
    lt_sample *loop = make(x, n, 1, SR);
    int64_t on[64];
    int c = lt_sample_onsets(loop, NULL, on, 64);
    int matched = 0;
    double worst = 0;
    for (int p = 0; p < np; p++) {
        double best = 1e9;
        for (int k = 0; k < c && k < 64; k++) {
            double d = ((double)on[k] / SR - want[p]) * 1000.0;
            if (fabs(d) < fabs(best)) best = d;
        }
        if (fabs(best) <= 5.0) matched++;
        else fprintf(stderr, "  %s at %.3f s: nearest onset %.2f ms away\n", files[pattern[p][1]], want[p], best);
        if (fabs(best) > worst) worst = fabs(best);
    }
    printf("  onsets of recorded drums: %d onsets for %d hits, %d within 5 ms, worst %.2f ms\n", c, np, matched, worst);
    CHECK(c == np && matched == np, "a groove of recorded drums: %d onsets for %d hits, %d within 5 ms (worst %.2f ms)",
          c, np, matched, worst);
    lt_sample_unref(loop);
    for (int k = 0; k < nf; k++) lt_sample_unref(hit[k]);
    free(x);
}

/* ---- bench ------------------------------------------------------------------------------------- */

static void bench(void) {
    const int V = 256;
    const int64_t n = 10 * SR;
    float *x = malloc(sizeof(float) * 2 * SR);
    for (int i = 0; i < 2 * SR; i++) x[i] = (2 * frand() - 1) * 0.1f;
    lt_sample *ss[2] = { make(x, SR, 2, 44100), make(x, 2 * SR, 1, SR) };
    lt_kit *kit = lt_kit_new(ss, 2);
    lt_sampler *s = new_sampler(V);
    for (int k = 0; k < V; k++) {
        lt_sampler_event e = lt_sampler_event_defaults();
        e.index = k & 1;
        e.speed = 0.5f + 1.5f * (float)k / V;
        e.loop = 1;
        e.pan = (float)k / V * 2 - 1;
        lt_sampler_play(s, kit, &e);
    }
    float l[LT_QUANTUM], r[LT_QUANTUM];
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    double sink = 0;
    for (int64_t i = 0; i < n; i += LT_QUANTUM) {
        memset(l, 0, sizeof l);
        memset(r, 0, sizeof r);
        lt_sampler_process(s, l, r, LT_QUANTUM);
        sink += l[0];
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    double cpu = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
    printf("  bench: %d looping voices (half stereo 44.1k, half mono, speeds 0.5..2) for 10 s: %.3f s CPU, "
           "%.1f%% of one core in real time, %.2f ns per voice-frame, %.0f voice-seconds per CPU-second%s\n",
           V, cpu, cpu / 10.0 * 100, cpu * 1e9 / ((double)n * V), 10.0 * V / cpu, sink == 12345 ? "!" : "");
    CHECK(lt_sampler_active(s) == V, "all %d voices still sound", V);
    lt_free_prefault(s);
    lt_kit_unref(kit);
    lt_sample_unref(ss[0]);
    lt_sample_unref(ss[1]);
    free(x);
}

int main(void) {
    out_dir = getenv("OUT") ? getenv("OUT") : "tests/out";
    mkdir(out_dir, 0777);
    test_files();
    test_pitch();
    test_lengths();
    test_choke();
    test_abuse();
    test_stretch();
    test_onsets();
    test_onsets_real();
    bench();
    return check_done("test_sampler");
}
