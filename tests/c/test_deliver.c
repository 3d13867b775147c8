/* test_deliver.c — delivery measured: the noise floor of TPDF-dithered 16-bit output (white, about
 * -93 dB under a full-scale sine), the signal-correlated distortion plain rounding leaves and dither
 * removes, the noise-shaped option moving noise out of 2-5 kHz, no second dither on audio already on
 * the grid, soxr's passband ripple and aliasing rejection, every format written and read back, and
 * loudness targeting meeting its target under the ceiling after a sample-rate conversion. */
#include "check.h"
#include "analysis/meter.h"
#include "analysis/spectrum.h"
#include "master/deliver.h"
#include "master/target.h"
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static lt_audio tone(int rate, double seconds, double f, double amp) {
    lt_audio a;
    lt_audio_alloc(&a, (int64_t)(seconds * rate), 2, rate);
    for (int64_t i = 0; i < a.frames; i++) a.x[2 * i] = a.x[2 * i + 1] = (float)(amp * sin(2 * M_PI * f * i / rate));
    return a;
}

/* Amplitude of the component at f in channel 0 (Hann-windowed single-frequency DFT). */
static double amp_at(const lt_audio *a, double f, int64_t from, int64_t n) {
    double re = 0, im = 0, ws = 0;
    for (int64_t i = 0; i < n; i++) {
        double w = 0.5 - 0.5 * cos(2 * M_PI * i / n), v = a->x[2 * (from + i)] * w;
        re += v * cos(2 * M_PI * f * i / a->rate);
        im -= v * sin(2 * M_PI * f * i / a->rate);
        ws += w;
    }
    return 2 * sqrt(re * re + im * im) / ws;
}

/* The error (q - x) of channel 0 as mono floats. */
static float *error_of(const lt_audio *q, const lt_audio *x) {
    float *e = malloc(sizeof(float) * x->frames);
    for (int64_t i = 0; i < x->frames; i++) e[i] = q->x[2 * i] - x->x[2 * i];
    return e;
}

static double band_mean(const double *psd, double df, double lo, double hi) {
    double s = 0;
    int n = 0;
    for (int k = (int)(lo / df); k <= (int)(hi / df); k++) { s += psd[k]; n++; }
    return 10 * log10(s / n);
}

static void dither_tests(void) {
    int rate = 48000;
    lt_audio x = tone(rate, 10, 997, pow(10, -40 / 20.0)), q;
    char err[256];
    lt_deliver_spec s16 = {.format = LT_FMT_WAV, .bits = 16};
    lt_deliver_convert(&x, &s16, &q, err, sizeof err);
    float *e = error_of(&q, &x);
    double ms = 0;
    for (int64_t i = 0; i < x.frames; i++) ms += (double)e[i] * e[i];
    double floor_db = 10 * log10(ms / x.frames) - 20 * log10(M_SQRT1_2);
    CHECK(fabs(floor_db - -93.3) < 0.3, "TPDF 16-bit: error %.2f dB under a full-scale sine (theory -93.3: 1/4 LSB squared)", floor_db);
    lt_welch *w = lt_welch_new(8192, 1);
    lt_welch_add(w, e, x.frames);
    int nb;
    const double *psd = lt_welch_psd(w, &nb);
    double df = (double)rate / 8192, lo = 1e9, hi = -1e9;
    for (double f = 125; f < 16000; f *= 2) {
        double v = band_mean(psd, df, f, 2 * f);
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    CHECK(hi - lo < 0.5, "TPDF 16-bit: the noise is white, octave bands 125 Hz-16 kHz within %.2f dB of each other", hi - lo);
    lt_welch_free(w);
    free(e);
    lt_audio_free(&q);
    lt_audio_free(&x);

    /* a quiet tone (-70 dBFS, ten steps of 16 bits): rounding makes harmonics, dither does not */
    x = tone(rate, 10, 1000, pow(10, -70 / 20.0));
    double h3[2];
    for (int k = 0; k < 2; k++) {
        lt_deliver_spec s = {.format = LT_FMT_WAV, .bits = 16, .dither = k ? LT_DITHER_TPDF : LT_DITHER_NONE};
        lt_deliver_convert(&x, &s, &q, err, sizeof err);
        e = error_of(&q, &x);
        w = lt_welch_new(8192, 1);
        lt_welch_add(w, e, x.frames);
        psd = lt_welch_psd(w, &nb);
        double floor_ = band_mean(psd, df, 5000, 15000), worst = -1e9;
        for (int hn = 2; hn <= 9; hn++) {
            int bin = (int)lround(hn * 1000.0 / df);
            double peak = 0;
            for (int b = bin - 2; b <= bin + 2; b++) peak = fmax(peak, psd[b]);
            worst = fmax(worst, 10 * log10(peak) - floor_);
        }
        h3[k] = worst;
        lt_welch_free(w);
        free(e);
        lt_audio_free(&q);
    }
    CHECK(h3[0] > 20 && h3[1] < 8, "a -70 dBFS tone at 16 bits: rounding leaves harmonics %.1f dB above the noise; TPDF dither leaves "
          "none above %.1f dB (the window's own spread)", h3[0], h3[1]);
    lt_audio_free(&x);

    /* noise shaping: less noise where the ear is most sensitive, more above 15 kHz */
    x = tone(44100, 10, 997, pow(10, -40 / 20.0));
    double mid[2], top[2];
    for (int k = 0; k < 2; k++) {
        lt_deliver_spec s = {.format = LT_FMT_WAV, .bits = 16, .dither = k ? LT_DITHER_SHAPED : LT_DITHER_TPDF};
        lt_deliver_convert(&x, &s, &q, err, sizeof err);
        e = error_of(&q, &x);
        w = lt_welch_new(8192, 1);
        lt_welch_add(w, e, x.frames);
        psd = lt_welch_psd(w, &nb);
        double d2 = 44100.0 / 8192;
        mid[k] = band_mean(psd, d2, 2000, 5000);
        top[k] = band_mean(psd, d2, 16000, 20000);
        lt_welch_free(w);
        free(e);
        lt_audio_free(&q);
    }
    CHECK(mid[1] < mid[0] - 8 && top[1] > top[0] + 6, "noise-shaped dither at 44.1 kHz: 2-5 kHz %.1f dB under TPDF, 16-20 kHz "
          "%.1f dB over it", mid[0] - mid[1], top[1] - top[0]);
    lt_audio_free(&x);

    /* never twice: audio on the 16-bit grid comes out of a 16-bit delivery bit for bit */
    x = tone(48000, 2, 440, 0.5);
    lt_deliver_convert(&x, &s16, &q, err, sizeof err);
    lt_audio again;
    lt_deliver_convert(&q, &s16, &again, err, sizeof err);
    CHECK(q.grid_bits == 16 && memcmp(q.x, again.x, sizeof(float) * 2 * q.frames) == 0,
          "16-bit audio delivered again at 16 bits is not dithered twice: identical samples");
    lt_deliver_spec s24 = {.format = LT_FMT_WAV, .bits = 24};
    lt_audio a24, a16;
    lt_deliver_convert(&x, &s24, &a24, err, sizeof err);
    lt_deliver_convert(&a24, &s16, &a16, err, sizeof err);
    CHECK(a24.grid_bits == 24 && a16.grid_bits == 16 && memcmp(a24.x, a16.x, sizeof(float) * 2 * a16.frames) != 0,
          "24-bit audio delivered at 16 bits is reduced (dithered once, to the coarser grid)");
    lt_audio_free(&a24);
    lt_audio_free(&a16);
    lt_audio_free(&again);
    lt_audio_free(&q);
    lt_audio_free(&x);
}

static void src_tests(void) {
    char err[256];
    static const double fs[] = {100, 1000, 5000, 10000, 15000, 18000, 19000, 20000};
    double worst = 0, wf = 0;
    for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) {
        lt_audio x = tone(48000, 1, fs[k], 0.5), y;
        lt_resample(&x, 44100, &y, err, sizeof err);
        double a = 20 * log10(amp_at(&y, fs[k], 4410, 35280) / 0.5);
        if (fabs(a) > fabs(worst)) { worst = a; wf = fs[k]; }
        lt_audio_free(&x);
        lt_audio_free(&y);
    }
    CHECK(fabs(worst) < 0.01, "soxr VHQ 48 -> 44.1 kHz: passband flat to 20 kHz within %.4f dB (largest at %g Hz)", worst, wf);
    double al = -1e9;
    for (double f = 22500; f <= 23500; f += 500) {
        lt_audio x = tone(48000, 1, f, 0.5), y;
        lt_resample(&x, 44100, &y, err, sizeof err);
        double a = 20 * log10(amp_at(&y, 44100 - f, 4410, 35280) / 0.5 + 1e-30);
        al = fmax(al, a);
        lt_audio_free(&x);
        lt_audio_free(&y);
    }
    CHECK(al < -120, "soxr VHQ 48 -> 44.1 kHz: tones at 22.5-23.5 kHz alias %.0f dB down", al);
    lt_audio x = tone(44100, 1, 1000, 0.5), y;
    lt_resample(&x, 48000, &y, err, sizeof err);
    CHECK(y.frames == 48000 && fabs(20 * log10(amp_at(&y, 1000, 4800, 38400) / 0.5)) < 0.001, "44.1 -> 48 kHz: %lld frames for a second, "
          "1 kHz level unchanged", (long long)y.frames);
    lt_audio_free(&x);
    lt_audio_free(&y);
}

static void format_tests(void) {
    char err[256];
    lt_audio x = tone(48000, 3, 440, 0.5);
    for (int64_t i = 0; i < x.frames; i++) x.x[2 * i + 1] *= 0.5f;
    struct { const char *path; int bits; } fmts[] = {
        {"tests/out/deliver16.wav", 16}, {"tests/out/deliver24.wav", 24}, {"tests/out/deliver32.wav", 32}, {"tests/out/deliver.aiff", 24},
        {"tests/out/deliver.flac", 16}, {"tests/out/deliver.mp3", 0}, {"tests/out/deliver.opus", 0}, {"tests/out/deliver.ogg", 0},
    };
    for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
        lt_deliver_spec s = {.bits = fmts[k].bits};
        lt_format_from_path(fmts[k].path, &s.format, err, sizeof err);
        lt_tags t = {.title = "Test tone", .artist = "lute", .album = "Delivery", .date = "2025", .track = "1"};
        lt_audio heard, back;
        int rc = lt_deliver(fmts[k].path, &x, &s, &t, &heard, err, sizeof err);
        rc = rc ? rc : lt_audio_load(fmts[k].path, &back, err, sizeof err);
        if (rc) { CHECK(0, "%s: %s", fmts[k].path, err); continue; }
        if (!lt_format_lossy(s.format)) {
            CHECK(back.frames == x.frames && back.rate == 48000 && back.channels == 2 &&
                  memcmp(back.x, heard.x, sizeof(float) * 2 * x.frames) == 0,
                  "%s (%s, %d-bit): read back sample for sample as delivered", fmts[k].path, lt_format_name(s.format), lt_deliver_bits(&s));
        } else {
            double a = 20 * log10(amp_at(&back, 440, 4800, 48000) / 0.5);
            CHECK(fabs((double)back.frames - x.frames) < 4096 && fabs(a) < 0.2, "%s (%s): decodes to %lld frames (%lld written), "
                  "440 Hz at %+.2f dB", fmts[k].path, lt_format_name(s.format), (long long)back.frames, (long long)x.frames, a);
        }
        lt_audio_free(&heard);
        lt_audio_free(&back);
    }
    lt_deliver_spec bad = {.format = LT_FMT_FLAC, .bits = 32};
    int rc = lt_deliver("tests/out/deliver32.flac", &x, &bad, NULL, NULL, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "FLAC holds 16 or 24 bits"), "32-bit FLAC is refused with the sizes it takes: %s", err);
    lt_format f;
    CHECK(lt_format_from_path("x.mp4", &f, err, sizeof err) == -1 && strstr(err, "unknown file type '.mp4'"), "unknown type: %s", err);
    lt_audio_free(&x);
}

static void target_tests(void) {
    /* noise with a slow envelope and a bright tone at 48 kHz, mastered loud (-9 LUFS / -1 dBTP, several
     * dB of limiting) and delivered at 44.1 kHz 16-bit: the conversion moves the peaks */
    int rate = 48000;
    lt_audio x;
    lt_audio_alloc(&x, rate * 20, 2, rate);
    uint32_t seed = 3;
    double lp = 0;
    for (int64_t i = 0; i < x.frames; i++) {
        double env = 0.2 + 0.8 * fabs(sin(2 * M_PI * 0.3 * i / rate));
        seed = seed * 1664525u + 1013904223u;
        lp = 0.9 * lp + 0.1 * ((seed >> 8) / 8388608.0 - 1.0);
        x.x[2 * i] = (float)(env * (0.5 * lp + 0.1 * sin(2 * M_PI * 13000.0 * i / rate)));
        x.x[2 * i + 1] = (float)(env * 0.5 * lp);
    }
    char err[256];
    lt_deliver_spec s = {.format = LT_FMT_WAV, .bits = 16, .rate = 44100};
    lt_target_opts o = {.target_lufs = -9, .ceiling_dbtp = -1, .deliver = &s, .out_path = "tests/out/target.wav"};
    lt_audio out;
    lt_target_report r;
    int rc = lt_target_master(&x, NULL, &o, &out, &r, err, sizeof err);
    lt_report q;
    lt_meter_opts mo = {.loudness_only = 1};
    lt_meter_file("tests/out/target.wav", &mo, &q, err, sizeof err);
    CHECK(rc == 0 && r.met && fabs(q.integrated_lufs + 9) <= 0.2 && q.true_peak_dbtp <= -1,
          "targeting to -9 LUFS / -1 dBTP, delivered at 44.1 kHz 16-bit: the file reads %.2f LUFS, %.2f dBTP (%d passes, drive "
          "%+.1f dB, reduction up to %.1f dB, limiter ceiling %.2f)", q.integrated_lufs, q.true_peak_dbtp, r.passes, r.gain_db,
          r.max_reduction_db, r.limiter_ceiling_dbtp);
    lt_report_free(&q);
    lt_audio_free(&out);
    o.target_lufs = -4;
    o.out_path = NULL;
    rc = lt_target_master(&x, NULL, &o, &out, &r, err, sizeof err);
    CHECK(rc == 0 && !r.met && strstr(r.note, "out of reach"), "an unreachable target is reported, not faked: %s", r.note);
    lt_audio_free(&out);
    lt_audio silent;
    lt_audio_alloc(&silent, rate, 2, rate);
    o.target_lufs = -14;
    rc = lt_target_master(&silent, NULL, &o, &out, &r, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "silent"), "silence cannot be brought to a loudness: %s", err);
    lt_audio_free(&silent);
    lt_audio_free(&x);
}

int main(void) {
    if (access("tests/out", F_OK) != 0) { fprintf(stderr, "run from the project root (tests/out/)\n"); return 1; }
    dither_tests();
    src_tests();
    format_tests();
    target_tests();
    return check_done("test_deliver");
}
