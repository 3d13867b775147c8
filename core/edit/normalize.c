/* normalize.c — peak and loudness normalization.  Loudness is EBU R128 integrated loudness
 * (ITU-R BS.1770 K-weighting and gating) measured by libebur128, not by hand. */
#include "edit/edit.h"
#include <ebur128.h>
#include <math.h>

lt_edit_err lt_edit_normalize_peak(lt_abuf *b, double db, double *applied) {
    double p = lt_abuf_peak(b);
    if (!(p > 0)) return LT_EDIT_EARG;
    double g = db - 20.0 * log10(p);
    lt_edit_gain(b, g);
    if (applied) *applied = g;
    return LT_EDIT_OK;
}

lt_edit_err lt_edit_loudness(const lt_abuf *b, double *lufs) {
    ebur128_state *st = ebur128_init((unsigned)b->channels, (unsigned long)b->rate, EBUR128_MODE_I);
    if (!st) return LT_EDIT_ELIB;
    /* Channels past stereo count as plain channels; a mono buffer is heard on both sides (dual mono),
     * as BS.1770 asks for a mono programme played over two loudspeakers. */
    if (b->channels == 1) ebur128_set_channel(st, 0, EBUR128_DUAL_MONO);
    int rc = ebur128_add_frames_float(st, b->s, (size_t)b->frames);
    double l = -HUGE_VAL;
    if (rc == EBUR128_SUCCESS) rc = ebur128_loudness_global(st, &l);
    ebur128_destroy(&st);
    if (rc != EBUR128_SUCCESS) return LT_EDIT_ELIB;
    *lufs = l;
    return LT_EDIT_OK;
}

lt_edit_err lt_edit_normalize_loudness(lt_abuf *b, double lufs, double *applied) {
    double l;
    lt_edit_err e = lt_edit_loudness(b, &l);
    if (e) return e;
    if (!isfinite(l) || l < -70) return LT_EDIT_EARG;
    double g = lufs - l;
    lt_edit_gain(b, g);
    if (applied) *applied = g;
    return LT_EDIT_OK;
}
