/* silence.c — strip silence: find what sounds, by a threshold on every frame's level, ignoring quiet
 * runs shorter than a minimum (the zero crossings of a tone, the gaps inside a word), and keep each
 * sound with a pre-roll and a post-roll.  As DAWs do it (Pro Tools' Strip Silence, Ardour's). */
#include "edit/edit.h"
#include <math.h>
#include <stdlib.h>

lt_edit_err lt_edit_strip_silence(const lt_abuf *in, const lt_silence_opts *o, lt_region **regions, int *n) {
    double thr_db = o && o->threshold_db != 0 ? o->threshold_db : -50.0;
    int64_t min_sil = o && o->min_silence > 0 ? o->min_silence : (int64_t)(0.05 * in->rate);
    int64_t pre = o ? o->pre_roll : 0, post = o ? o->post_roll : 0;
    *regions = NULL;
    *n = 0;
    if (pre < 0 || post < 0) return LT_EDIT_EARG;
    float thr = (float)pow(10.0, thr_db / 20.0);
    int nc = in->channels, cap = 0, count = 0;
    lt_region *r = NULL;
    /* Walk the frames: a sound starts at a loud frame, and ends at the last loud frame before a quiet
     * run of min_sil frames (or the end). */
    int64_t start = -1, last_loud = -1;
    for (int64_t i = 0; i <= in->frames; i++) {
        int loud = 0;
        if (i < in->frames)
            for (int c = 0; c < nc; c++) if (fabsf(in->s[i * nc + c]) >= thr) { loud = 1; break; }
        if (loud) {
            if (start < 0) start = i;
            last_loud = i;
        } else if (start >= 0 && (i == in->frames || i - last_loud >= min_sil)) {
            if (count == cap) {
                cap = cap ? 2 * cap : 16;
                lt_region *nr = realloc(r, sizeof *r * (size_t)cap);
                if (!nr) { free(r); return LT_EDIT_ENOMEM; }
                r = nr;
            }
            int64_t from = start - pre < 0 ? 0 : start - pre;
            int64_t to = last_loud + 1 + post > in->frames ? in->frames : last_loud + 1 + post;
            if (count && from <= r[count - 1].to) r[count - 1].to = to;   /* rolls that meet: one region */
            else r[count++] = (lt_region){from, to};
            start = -1;
        }
    }
    *regions = r;
    *n = count;
    return LT_EDIT_OK;
}

lt_edit_err lt_edit_keep_regions(lt_abuf *b, const lt_region *r, int n, int64_t fade) {
    int nc = b->channels;
    int64_t at = 0;
    for (int k = 0; k <= n; k++) {
        int64_t gap_to = k < n ? r[k].from : b->frames;
        if (gap_to < at) return LT_EDIT_EARG;
        for (int64_t i = at; i < gap_to && i < b->frames; i++)
            for (int c = 0; c < nc; c++) b->s[i * nc + c] = 0;
        if (k == n) break;
        int64_t from = r[k].from, to = r[k].to > b->frames ? b->frames : r[k].to, len = to - from;
        int64_t f = fade < len / 2 ? fade : len / 2;
        for (int64_t i = 0; i < f; i++) {
            float g = (float)i / (float)f;
            for (int c = 0; c < nc; c++) { b->s[(from + i) * nc + c] *= g; b->s[(to - 1 - i) * nc + c] *= g; }
        }
        at = to;
    }
    return LT_EDIT_OK;
}
