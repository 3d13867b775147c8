/* comp.c — comping: one performance assembled from regions of several takes, each take read where it
 * sits on the timeline, with a crossfade centred on every join (each take plays half the fade past
 * its region) and fades into and out of any gap. */
#include "edit/edit.h"
#include <stdio.h>
#include <string.h>

static double sample_at(const lt_comp_take *t, int64_t y, int c) {
    int64_t i = y - t->start;
    if (i < 0 || i >= t->buf->frames) return 0;
    return t->buf->s[i * t->buf->channels + c];
}

lt_edit_err lt_edit_comp(const lt_comp_take *takes, int ntakes, const lt_comp_region *r, int n, int64_t xfade,
                         lt_xfade_kind k, lt_abuf *out, char *msg, size_t msgsz) {
    char dummy[4];
    if (!msg) { msg = dummy; msgsz = sizeof dummy; }
    memset(out, 0, sizeof *out);
    if (n < 1 || ntakes < 1 || xfade < 0) { snprintf(msg, msgsz, "a comp needs at least one region and one take"); return LT_EDIT_EARG; }
    int nc = takes[0].buf->channels, rate = takes[0].buf->rate;
    for (int t = 0; t < ntakes; t++)
        if (takes[t].buf->channels != nc || takes[t].buf->rate != rate) {
            snprintf(msg, msgsz, "take %d has %d channels at %d Hz, take 1 has %d at %d: a comp's takes must match", t + 1,
                     takes[t].buf->channels, takes[t].buf->rate, nc, rate);
            return LT_EDIT_EARG;
        }
    for (int i = 0; i < n; i++) {
        if (r[i].take < 0 || r[i].take >= ntakes) { snprintf(msg, msgsz, "region %d names take %d; there are %d", i + 1, r[i].take + 1, ntakes); return LT_EDIT_EARG; }
        if (r[i].to <= r[i].from) { snprintf(msg, msgsz, "region %d ends (%lld) before it starts (%lld)", i + 1, (long long)r[i].to, (long long)r[i].from); return LT_EDIT_EARG; }
        if (i && r[i].from < r[i - 1].to) { snprintf(msg, msgsz, "region %d starts at %lld, inside region %d (which ends at %lld)", i + 1, (long long)r[i].from, i, (long long)r[i - 1].to); return LT_EDIT_EARG; }
    }
    int64_t T0 = r[0].from, T1 = r[n - 1].to;
    lt_edit_err e = lt_abuf_alloc(out, T1 - T0, nc, rate);
    if (e) return e;
    int64_t h = xfade / 2, h2 = xfade - h;
    for (int i = 0; i < n; i++) {
        const lt_comp_take *t = &takes[r[i].take];
        int join_l = i > 0 && r[i - 1].to == r[i].from, gap_l = i > 0 && !join_l;
        int join_r = i < n - 1 && r[i + 1].from == r[i].to, gap_r = i < n - 1 && !join_r;
        int64_t lo = join_l ? r[i].from - h : r[i].from, hi = join_r ? r[i].to + h2 : r[i].to;
        if (lo < T0) lo = T0;
        if (hi > T1) hi = T1;
        for (int64_t y = lo; y < hi; y++) {
            double g = 1, go, gi;
            if (join_l && y < r[i].from + h2 && xfade > 0) {
                lt_xfade_gains(k, ((double)(y - (r[i].from - h)) + 0.5) / (double)xfade, &go, &gi);
                g *= gi;
            } else if (gap_l && y < r[i].from + h && h > 0) {
                lt_xfade_gains(k, ((double)(y - r[i].from) + 0.5) / (double)h, &go, &gi);
                g *= gi;
            }
            if (join_r && y >= r[i].to - h && xfade > 0) {
                lt_xfade_gains(k, ((double)(y - (r[i].to - h)) + 0.5) / (double)xfade, &go, &gi);
                g *= go;
            } else if (gap_r && y >= r[i].to - h && h > 0) {
                lt_xfade_gains(k, ((double)(y - (r[i].to - h)) + 0.5) / (double)h, &go, &gi);
                g *= go;
            }
            float *d = out->s + (y - T0) * nc;
            for (int c = 0; c < nc; c++) d[c] += (float)(g * sample_at(t, y, c));
        }
    }
    return LT_EDIT_OK;
}
