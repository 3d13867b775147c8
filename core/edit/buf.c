/* buf.c — the float buffers edits work on: allocation, loading and saving through libsndfile, and
 * the two measurements every edit test needs (peak, largest step). */
#include "edit/edit.h"
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *lt_edit_strerror(lt_edit_err e) {
    switch (e) {
    case LT_EDIT_OK:     return "no error";
    case LT_EDIT_EARG:   return "bad argument";
    case LT_EDIT_ENOMEM: return "out of memory";
    case LT_EDIT_EIO:    return "file error";
    case LT_EDIT_ELIB:   return "library error";
    }
    return "unknown edit error";
}

lt_edit_err lt_abuf_alloc(lt_abuf *b, int64_t frames, int channels, int rate) {
    memset(b, 0, sizeof *b);
    if (frames < 0 || channels < 1 || channels > 64) return LT_EDIT_EARG;
    b->s = calloc((size_t)(frames ? frames : 1) * (size_t)channels, sizeof(float));
    if (!b->s) return LT_EDIT_ENOMEM;
    b->frames = frames;
    b->channels = channels;
    b->rate = rate;
    return LT_EDIT_OK;
}

lt_edit_err lt_abuf_copy(const lt_abuf *in, lt_abuf *out) {
    lt_edit_err e = lt_abuf_alloc(out, in->frames, in->channels, in->rate);
    if (e) return e;
    memcpy(out->s, in->s, sizeof(float) * (size_t)in->frames * (size_t)in->channels);
    return LT_EDIT_OK;
}

void lt_abuf_free(lt_abuf *b) {
    if (!b) return;
    free(b->s);
    memset(b, 0, sizeof *b);
}

lt_edit_err lt_abuf_load(lt_abuf *b, const char *path, char *msg, size_t msgsz) {
    char dummy[4];
    if (!msg) { msg = dummy; msgsz = sizeof dummy; }
    memset(b, 0, sizeof *b);
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) {
        snprintf(msg, msgsz, "cannot read '%s': %s", path, sf_strerror(NULL));
        return LT_EDIT_EIO;
    }
    lt_edit_err e = lt_abuf_alloc(b, info.frames, info.channels, info.samplerate);
    if (e) { sf_close(f); snprintf(msg, msgsz, "'%s': out of memory for %lld frames", path, (long long)info.frames); return e; }
    sf_count_t got = sf_readf_float(f, b->s, info.frames);
    sf_close(f);
    b->frames = got;   /* a file cut short (a take still growing) gives what is there */
    return LT_EDIT_OK;
}

lt_edit_err lt_abuf_save(const lt_abuf *b, const char *path, char *msg, size_t msgsz) {
    char dummy[4];
    if (!msg) { msg = dummy; msgsz = sizeof dummy; }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    SF_INFO info = {.samplerate = b->rate, .channels = b->channels, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(tmp, SFM_WRITE, &info);
    if (!f) { snprintf(msg, msgsz, "cannot write '%s': %s", path, sf_strerror(NULL)); return LT_EDIT_EIO; }
    sf_count_t put = sf_writef_float(f, b->s, b->frames);
    int rc = sf_close(f);
    if (put != b->frames || rc != 0 || rename(tmp, path) != 0) {
        snprintf(msg, msgsz, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        return LT_EDIT_EIO;
    }
    return LT_EDIT_OK;
}

double lt_abuf_peak(const lt_abuf *b) {
    double p = 0;
    size_t n = (size_t)b->frames * (size_t)b->channels;
    for (size_t i = 0; i < n; i++) if (fabs(b->s[i]) > p) p = fabs(b->s[i]);
    return p;
}

double lt_abuf_max_step(const lt_abuf *b, int64_t from, int64_t to) {
    if (from < 1) from = 1;
    if (to > b->frames) to = b->frames;
    double m = 0;
    int nc = b->channels;
    for (int64_t i = from; i < to; i++)
        for (int c = 0; c < nc; c++) {
            double d = fabs((double)b->s[i * nc + c] - b->s[(i - 1) * nc + c]);
            if (d > m) m = d;
        }
    return m;
}
