/* stems.c — per-channel files of an offline render (see stems.h). */
#include "io/stems.h"
#include "graph/plan.h"
#include <errno.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_STEMS 512

typedef struct stem {
    char     name[32];
    SNDFILE *f;
    int64_t  written;          /* frames written so far (from the render's start) */
} stem;

struct lt_stems {
    char     dir[1024];
    int      rate, format;
    int64_t  start, frames;
    stem     s[MAX_STEMS];
    int      n;
    char     err[1400];
    float    zero[2 * 4096];
};

lt_stems *lt_stems_open(const char *dir, int rate, int bits, int64_t start, int64_t frames, char *err, size_t errlen) {
    if (mkdir(dir, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "--stems %s: cannot make the folder: %s", dir, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--stems %s: not a folder", dir);
        return NULL;
    }
    lt_stems *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, errlen, "out of memory"); return NULL; }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->rate = rate;
    s->format = SF_FORMAT_WAV | (bits == 16 ? SF_FORMAT_PCM_16 : bits == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT);
    s->start = start;
    s->frames = frames;
    return s;
}

static stem *find(lt_stems *s, const char *name) {
    for (int i = 0; i < s->n; i++) if (strcmp(s->s[i].name, name) == 0) return &s->s[i];
    if (s->n == MAX_STEMS || s->err[0]) return NULL;
    stem *t = &s->s[s->n];
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.wav", s->dir, name);
    for (char *c = path + strlen(s->dir) + 1; *c; c++) if (*c == '/') *c = '_';   /* a name is one file */
    SF_INFO info = { .samplerate = s->rate, .channels = 2, .format = s->format };
    t->f = sf_open(path, SFM_WRITE, &info);
    if (!t->f) { snprintf(s->err, sizeof s->err, "cannot write the stem '%s': %s", path, sf_strerror(NULL)); return NULL; }
    sf_command(t->f, SFC_SET_CLIPPING, NULL, SF_TRUE);
    sf_command(t->f, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);   /* no timestamp: the same bytes every time */
    snprintf(t->name, sizeof t->name, "%s", name);
    s->n++;
    return t;
}

/* Writes silence until `upto` frames of the stem are written. */
static void pad(lt_stems *s, stem *t, int64_t upto) {
    while (t->written < upto && !s->err[0]) {
        int64_t k = upto - t->written;
        if (k > 4096) k = 4096;
        if (sf_writef_float(t->f, s->zero, k) != k) snprintf(s->err, sizeof s->err, "writing the stem '%s' failed: %s", t->name, sf_strerror(t->f));
        t->written += k;
    }
}

void lt_stems_tap(void *ud, const lt_plan *p, int64_t frame) {
    lt_stems *s = ud;
    if (s->err[0]) return;
    int64_t a = frame < s->start ? s->start : frame, b = frame + LT_QUANTUM;
    if (b > s->start + s->frames) b = s->start + s->frames;
    if (a >= b) return;
    int off = (int)(a - frame), n = (int)(b - a);
    for (int c = 0; c < p->nchan; c++) {
        const struct lt_plan_chan *ch = &p->chan[c];
        if (ch->name[0] == '~') continue;
        stem *t = find(s, ch->name);
        if (!t) return;
        pad(s, t, a - s->start);
        const float *x = lt_plan_buf(p, ch->buf);
        float il[2 * LT_QUANTUM];
        for (int i = 0; i < n; i++) { il[2 * i] = x[off + i]; il[2 * i + 1] = x[LT_QUANTUM + off + i]; }
        if (sf_writef_float(t->f, il, n) != n) {
            snprintf(s->err, sizeof s->err, "writing the stem '%s' failed: %s", t->name, sf_strerror(t->f));
            return;
        }
        t->written += n;
    }
}

int lt_stems_close(lt_stems *s, char *err, size_t errlen) {
    int n = s->n;
    for (int i = 0; i < s->n; i++) {
        pad(s, &s->s[i], s->frames);     /* a channel that left early: silence to the end */
        if (sf_close(s->s[i].f) && !s->err[0]) snprintf(s->err, sizeof s->err, "cannot finish the stem '%s' (disk full?)", s->s[i].name);
    }
    int rc = s->err[0] ? -1 : n;
    if (rc < 0) snprintf(err, errlen, "%s", s->err);
    free(s);
    return rc;
}
