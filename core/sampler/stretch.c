/* stretch.c — time-stretch and pitch-shift of a whole sample through Rubber Band (Chris Cannam,
 * Breakfast Quay; librubberband's C API), offline: the stretcher studies the whole sample first,
 * then processes it, so its output has exactly the requested length and no start delay to trim.
 *
 * Options: the R3 ("finer") engine, which is Rubber Band's best quality; high-quality pitch
 * shifting; channels processed together (a stereo image stays put); no threads of its own, so a
 * stretch costs one core and gives the same bytes every run.  The result is a new sample at the
 * engine's rate with its own mip levels; its hash is its parent's with the two ratios. */
#include "sampler/sample.h"
#include "sampler/sample_build.h"
#include <math.h>
#include <rubberband/rubberband-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 4096

static void fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    if (!err || !errlen) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

lt_sample *lt_sample_stretch(const lt_sample *s, double time_ratio, double semitones, char *err, size_t errlen) {
    if (!s) { fail(err, errlen, "stretch: no sample"); return NULL; }
    if (!(time_ratio >= 1.0 / 64 && time_ratio <= 64)) {
        fail(err, errlen, "%s: stretch ratio must be from 1/64 to 64, got %g", s->path, time_ratio);
        return NULL;
    }
    if (!(semitones >= -48 && semitones <= 48)) {
        fail(err, errlen, "%s: pitch shift must be from -48 to 48 semitones, got %g", s->path, semitones);
        return NULL;
    }
    const int ch = s->channels;
    const int64_t n = s->frames;
    int64_t want = (int64_t)llround((double)n * time_ratio);
    if (want < 1) want = 1;
    if (want >= LT_SAMPLE_MAX_FRAMES) {
        fail(err, errlen, "%s: stretched by %g it would be too long", s->path, time_ratio);
        return NULL;
    }
    float *in[2] = { NULL, NULL }, *out[2] = { NULL, NULL }, *inter = NULL;
    lt_sample *res = NULL;
    RubberBandState rb = NULL;
    for (int c = 0; c < ch; c++) {
        in[c] = malloc(sizeof(float) * BLOCK);
        out[c] = malloc(sizeof(float) * BLOCK);
        if (!in[c] || !out[c]) goto oom;
    }
    inter = calloc((size_t)want * (size_t)ch, sizeof(float));
    if (!inter) goto oom;

    RubberBandOptions opts = RubberBandOptionProcessOffline | RubberBandOptionEngineFiner |
                             RubberBandOptionPitchHighQuality | RubberBandOptionThreadingNever |
                             RubberBandOptionChannelsTogether;
    rb = rubberband_new((unsigned)s->rate, (unsigned)ch, opts, time_ratio, pow(2.0, semitones / 12.0));
    if (!rb) goto oom;
    rubberband_set_expected_input_duration(rb, (unsigned)n);
    rubberband_set_max_process_size(rb, BLOCK);

    const float *src = s->level[0].data;
    for (int pass = 0; pass < 2; pass++) {      /* 0: study, 1: process */
        int64_t done = 0, got = 0;
        while (done < n) {
            int m = n - done < BLOCK ? (int)(n - done) : BLOCK;
            for (int c = 0; c < ch; c++)
                for (int i = 0; i < m; i++) in[c][i] = src[(size_t)(done + i) * (size_t)ch + (size_t)c];
            done += m;
            if (pass == 0) { rubberband_study(rb, (const float *const *)in, (unsigned)m, done == n); continue; }
            rubberband_process(rb, (const float *const *)in, (unsigned)m, done == n);
            for (;;) {                          /* collect what is ready */
                int avail = rubberband_available(rb);
                if (avail <= 0) break;
                unsigned k = rubberband_retrieve(rb, out, avail < BLOCK ? (unsigned)avail : BLOCK);
                for (unsigned i = 0; i < k && got + (int64_t)i < want; i++)
                    for (int c = 0; c < ch; c++) inter[(size_t)(got + i) * (size_t)ch + (size_t)c] = out[c][i];
                got += k;
            }
        }
        if (pass == 1) {
            for (int idle = 0; idle < 64;) {    /* after the final block: drain until it says -1 */
                int avail = rubberband_available(rb);
                if (avail < 0) break;
                if (avail == 0) { idle++; rubberband_process(rb, (const float *const *)in, 0, 1); continue; }
                unsigned k = rubberband_retrieve(rb, out, avail < BLOCK ? (unsigned)avail : BLOCK);
                for (unsigned i = 0; i < k && got + (int64_t)i < want; i++)
                    for (int c = 0; c < ch; c++) inter[(size_t)(got + i) * (size_t)ch + (size_t)c] = out[c][i];
                got += k;
            }
        }
    }
    char name[1024];
    snprintf(name, sizeof name, "%s", s->path);
    res = lt_sample_build(inter, want, ch, s->rate, name, err, errlen);
    if (res) {
        uint64_t h = s->hash;
        const unsigned char *p;
        double v[2] = { time_ratio, semitones };
        p = (const unsigned char *)v;
        for (size_t i = 0; i < sizeof v; i++) { h ^= p[i]; h *= 0x100000001b3ull; }
        res->hash = h;
        res->source_rate = s->rate;
        res->source_channels = ch;
        res->source_frames = want;
    }
    goto done;
oom:
    fail(err, errlen, "%s: not enough memory to stretch", s->path);
done:
    if (rb) rubberband_delete(rb);
    for (int c = 0; c < 2; c++) { free(in[c]); free(out[c]); }
    free(inter);
    return res;
}
