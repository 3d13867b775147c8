/* input_file.c — an audio file as the engine's device input, offline (see input_file.h). */
#include "io/input_file.h"
#include "graph/node.h"
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lt_input_file {
    float  *x;          /* interleaved */
    int64_t frames;
    int     channels;
};

static void source(void *ud, int64_t frame, float *const *ch, int nch, int n) {
    const lt_input_file *f = ud;
    for (int c = 0; c < nch; c++)
        for (int i = 0; i < n; i++) {
            int64_t k = frame + i;
            ch[c][i] = c < f->channels && k >= 0 && k < f->frames ? f->x[k * f->channels + c] : 0.0f;
        }
}

lt_input_file *lt_input_file_open(lt_engine *e, const char *path, int rate, char *err, size_t errlen) {
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) { snprintf(err, errlen, "--input %s: %s", path, sf_strerror(NULL)); return NULL; }
    if (info.samplerate != rate) {
        snprintf(err, errlen, "--input %s: the file is at %d Hz and the engine at %d Hz (convert it, or render with --rate %d)",
                 path, info.samplerate, rate, info.samplerate);
        sf_close(sf);
        return NULL;
    }
    lt_input_file *f = calloc(1, sizeof *f);
    if (f) f->x = malloc(sizeof(float) * (size_t)(info.frames > 0 ? info.frames : 1) * (size_t)info.channels);
    if (!f || !f->x) {
        snprintf(err, errlen, "--input %s: out of memory", path);
        if (f) free(f);
        sf_close(sf);
        return NULL;
    }
    f->channels = info.channels;
    f->frames = sf_readf_float(sf, f->x, info.frames);
    sf_close(sf);
    lt_engine_set_input(e, source, f, info.channels < LT_MAX_INPUTS ? info.channels : LT_MAX_INPUTS);
    return f;
}

int lt_input_file_channels(const lt_input_file *f) { return f->channels; }

void lt_input_file_close(lt_engine *e, lt_input_file *f) {
    if (!f) return;
    lt_engine_set_input(e, NULL, NULL, 0);
    free(f->x);
    free(f);
}
