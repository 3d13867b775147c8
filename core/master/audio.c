/* audio.c — see audio.h. */
#include "master/audio.h"
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lt_audio_alloc(lt_audio *a, int64_t frames, int channels, int rate) {
    memset(a, 0, sizeof *a);
    a->x = calloc((size_t)(frames > 0 ? frames : 1) * channels, sizeof(float));
    if (!a->x) return -1;
    a->frames = frames;
    a->channels = channels;
    a->rate = rate;
    return 0;
}

void lt_audio_free(lt_audio *a) {
    free(a->x);
    memset(a, 0, sizeof *a);
}

int lt_audio_load(const char *path, lt_audio *a, char *err, size_t errlen) {
    memset(a, 0, sizeof *a);
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) { snprintf(err, errlen, "cannot read '%s': %s", path, sf_strerror(NULL)); return -1; }
    /* Some containers (MP3, Ogg) only know their length roughly: read until the end. */
    int64_t cap = info.frames > 0 ? info.frames : info.samplerate * 60;
    if (lt_audio_alloc(a, cap, info.channels, info.samplerate)) goto nomem;
    int64_t got = 0;
    for (;;) {
        if (got == cap) {
            float *b = realloc(a->x, sizeof(float) * (size_t)(cap * 2) * info.channels);
            if (!b) goto nomem;
            a->x = b;
            cap *= 2;
        }
        sf_count_t n = sf_readf_float(f, a->x + got * info.channels, cap - got);
        if (n <= 0) break;
        got += n;
    }
    if (sf_error(f) != SF_ERR_NO_ERROR) {
        snprintf(err, errlen, "'%s': %s", path, sf_strerror(f));
        sf_close(f);
        lt_audio_free(a);
        return -1;
    }
    a->frames = got;
    switch (info.format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: case SF_FORMAT_PCM_U8: a->grid_bits = 8; break;
    case SF_FORMAT_PCM_16: a->grid_bits = 16; break;
    case SF_FORMAT_PCM_24: a->grid_bits = 24; break;
    default: a->grid_bits = 0; break;
    }
    sf_close(f);
    if (got == 0) { snprintf(err, errlen, "'%s' holds no audio", path); lt_audio_free(a); return -1; }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory reading '%s'", path);
    sf_close(f);
    lt_audio_free(a);
    return -1;
}

int lt_audio_to_stereo(const lt_audio *in, lt_audio *out, char *err, size_t errlen) {
    if (in->channels > 2) {
        snprintf(err, errlen, "%d channels: mastering works on mono or stereo (lute analyze measures any layout)", in->channels);
        return -1;
    }
    if (lt_audio_alloc(out, in->frames, 2, in->rate)) { snprintf(err, errlen, "out of memory"); return -1; }
    for (int64_t i = 0; i < in->frames; i++) {
        out->x[2 * i] = in->x[i * in->channels];
        out->x[2 * i + 1] = in->x[i * in->channels + (in->channels == 2)];
    }
    out->grid_bits = in->grid_bits;
    return 0;
}
