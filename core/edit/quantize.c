/* quantize.c — quantize audio: slice a take at its onsets and move every slice so its onset lands
 * on the grid, the way DAWs' "beat detective" / audio quantize work by slicing.  A slice never plays
 * into the next hit: where slices draw apart the gap is silence (after the slice's own tail has
 * faded), where they close up the earlier one is cut; every join is a short linear crossfade that
 * ends exactly on the later slice's onset, so each attack is kept whole and lands on its frame. */
#include "edit/edit.h"
#include <math.h>

void lt_edit_grid_targets(const int64_t *onsets, int n, double origin, double step, double strength, int64_t *targets) {
    if (strength < 0) strength = 0;
    if (strength > 1) strength = 1;
    for (int i = 0; i < n; i++) {
        double o = (double)onsets[i];
        double g = step > 0 ? origin + floor((o - origin) / step + 0.5) * step : o;
        targets[i] = llround(o + strength * (g - o));
    }
}

lt_edit_err lt_edit_move_slices(const lt_abuf *in, const int64_t *on, const int64_t *tg, int n, int64_t pre, lt_abuf *out) {
    out->s = NULL;
    out->frames = 0;
    if (n < 0 || pre < 0) return LT_EDIT_EARG;
    for (int i = 1; i < n; i++) if (on[i] <= on[i - 1] || tg[i] <= tg[i - 1]) return LT_EDIT_EARG;
    lt_edit_err e = lt_abuf_alloc(out, in->frames, in->channels, in->rate);
    if (e) return e;
    int nc = in->channels;
    if (n == 0) { for (int64_t i = 0; i < in->frames * nc; i++) out->s[i] = in->s[i]; return LT_EDIT_OK; }
    for (int i = 0; i < n; i++) {
        int64_t o = on[i], t = tg[i], d = t - o;
        int last = i == n - 1;
        /* How far past its onset the slice plays: up to the next onset in the source, and no further
         * than the next slice's onset in the result. */
        int64_t len = last ? in->frames - o : (on[i + 1] - o < tg[i + 1] - t ? on[i + 1] - o : tg[i + 1] - t);
        int64_t src_lo = i == 0 ? 0 : o - pre;          /* the first slice carries the head */
        int64_t src_hi = o + len;
        int64_t fin = i == 0 ? 0 : pre;                 /* fade in over the pre-roll */
        int64_t fout = last ? 0 : pre;                  /* fade out over the frames before the next onset */
        if (fin > src_hi - src_lo) fin = src_hi - src_lo;
        if (fout > src_hi - src_lo) fout = src_hi - src_lo;
        for (int64_t s = src_lo; s < src_hi; s++) {
            int64_t y = s + d;
            if (s < 0 || s >= in->frames || y < 0 || y >= out->frames) continue;
            double g = 1.0;
            if (s - src_lo < fin) g *= ((double)(s - src_lo) + 0.5) / (double)fin;
            if (src_hi - 1 - s < fout) g *= 1.0 - ((double)(fout - (src_hi - s)) + 0.5) / (double)fout;
            for (int c = 0; c < nc; c++) out->s[y * nc + c] += (float)(g * in->s[s * nc + c]);
        }
    }
    return LT_EDIT_OK;
}
