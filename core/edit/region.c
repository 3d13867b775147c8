/* region.c — the edits that only choose, order and scale samples: trim, split, reverse, placing a
 * region at a frame (a move), gain and clip-gain envelopes.  None of them looks at the sound. */
#include "edit/edit.h"
#include <math.h>
#include <string.h>

lt_edit_err lt_edit_trim(const lt_abuf *in, int64_t from, int64_t to, lt_abuf *out) {
    out->s = NULL;
    out->frames = 0;
    if (to < from) return LT_EDIT_EARG;
    lt_edit_err e = lt_abuf_alloc(out, to - from, in->channels, in->rate);
    if (e) return e;
    int64_t lo = from < 0 ? 0 : from, hi = to > in->frames ? in->frames : to;
    if (hi > lo)
        memcpy(out->s + (lo - from) * in->channels, in->s + lo * in->channels,
               sizeof(float) * (size_t)(hi - lo) * (size_t)in->channels);
    return LT_EDIT_OK;
}

lt_edit_err lt_edit_split(const lt_abuf *in, int64_t at, lt_abuf *a, lt_abuf *b) {
    a->s = b->s = NULL;
    a->frames = b->frames = 0;
    if (at < 0 || at > in->frames) return LT_EDIT_EARG;
    lt_edit_err e = lt_edit_trim(in, 0, at, a);
    if (e) return e;
    e = lt_edit_trim(in, at, in->frames, b);
    if (e) lt_abuf_free(a);
    return e;
}

lt_edit_err lt_edit_reverse(const lt_abuf *in, lt_abuf *out) {
    lt_edit_err e = lt_abuf_alloc(out, in->frames, in->channels, in->rate);
    if (e) return e;
    int nc = in->channels;
    for (int64_t i = 0; i < in->frames; i++)
        memcpy(out->s + i * nc, in->s + (in->frames - 1 - i) * nc, sizeof(float) * (size_t)nc);
    return LT_EDIT_OK;
}

lt_edit_err lt_edit_place(lt_abuf *dst, const lt_abuf *src, int64_t at, float gain) {
    if (src->channels != dst->channels && src->channels != 1) return LT_EDIT_EARG;
    int64_t lo = at < 0 ? -at : 0, hi = src->frames;
    if (at + hi > dst->frames) hi = dst->frames - at;
    int nc = dst->channels;
    for (int64_t i = lo; i < hi; i++) {
        float *d = dst->s + (at + i) * nc;
        if (src->channels == 1) for (int c = 0; c < nc; c++) d[c] += gain * src->s[i];
        else for (int c = 0; c < nc; c++) d[c] += gain * src->s[i * nc + c];
    }
    return LT_EDIT_OK;
}

void lt_edit_gain(lt_abuf *b, double db) {
    float g = (float)pow(10.0, db / 20.0);
    size_t n = (size_t)b->frames * (size_t)b->channels;
    for (size_t i = 0; i < n; i++) b->s[i] *= g;
}

lt_edit_err lt_edit_envelope(lt_abuf *b, const lt_breakpoint *p, int n) {
    if (n < 1) return LT_EDIT_EARG;
    for (int k = 1; k < n; k++) if (p[k].frame < p[k - 1].frame) return LT_EDIT_EARG;
    int nc = b->channels, k = 0;
    for (int64_t i = 0; i < b->frames; i++) {
        while (k < n && p[k].frame <= i) k++;
        /* p[k-1].frame <= i < p[k].frame */
        double db;
        if (k == 0) db = p[0].db;
        else if (k == n) db = p[n - 1].db;
        else {
            const lt_breakpoint *a = &p[k - 1], *c = &p[k];
            db = a->db + (c->db - a->db) * (double)(i - a->frame) / (double)(c->frame - a->frame);
        }
        float g = (float)pow(10.0, db / 20.0);
        for (int c = 0; c < nc; c++) b->s[i * nc + c] *= g;
    }
    return LT_EDIT_OK;
}
