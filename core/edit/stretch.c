/* stretch.c — time-stretch and pitch-shift through Rubber Band (Breakfast Quay) in its offline mode:
 * the whole clip is studied first, then processed, so the stretch is planned over all of it.  The
 * R3 ("finer") engine, channels processed together (the stereo image holds), no threads (the same
 * input gives the same bits).  A thin call of our own; the sampler has its own. */
#include "edit/edit.h"
#include <math.h>
#include <rubberband/rubberband-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096

lt_edit_err lt_edit_stretch(const lt_abuf *in, const lt_stretch_opts *o, lt_abuf *out, char *msg, size_t msgsz) {
    char dummy[4];
    if (!msg) { msg = dummy; msgsz = sizeof dummy; }
    double ratio = o && o->ratio > 0 ? o->ratio : 1.0;
    double semis = o ? o->semitones : 0.0;
    memset(out, 0, sizeof *out);
    if (!(ratio >= 0.05 && ratio <= 20)) { snprintf(msg, msgsz, "stretch ratio %g is out of range (0.05 .. 20)", ratio); return LT_EDIT_EARG; }
    if (!(fabs(semis) <= 48)) { snprintf(msg, msgsz, "pitch shift %g semitones is out of range (-48 .. 48)", semis); return LT_EDIT_EARG; }
    int64_t want = llround((double)in->frames * ratio);
    int nc = in->channels;
    lt_edit_err e = lt_abuf_alloc(out, want, nc, in->rate);
    if (e) return e;
    if (in->frames == 0) return LT_EDIT_OK;
    RubberBandOptions opt = RubberBandOptionProcessOffline | RubberBandOptionEngineFiner | RubberBandOptionThreadingNever |
                            RubberBandOptionChannelsTogether |
                            (o && o->formants ? RubberBandOptionFormantPreserved : RubberBandOptionFormantShifted) |
                            (o && o->crisp ? RubberBandOptionWindowShort : RubberBandOptionWindowStandard);
    RubberBandState rb = rubberband_new((unsigned)in->rate, (unsigned)nc, opt, ratio, pow(2.0, semis / 12.0));
    float *planar = malloc(sizeof(float) * CHUNK * (size_t)nc * 2);
    if (!rb || !planar) {
        if (rb) rubberband_delete(rb);
        free(planar);
        lt_abuf_free(out);
        snprintf(msg, msgsz, "Rubber Band could not start");
        return LT_EDIT_ELIB;
    }
    float *inp[64], *outp[64];
    for (int c = 0; c < nc; c++) { inp[c] = planar + (size_t)c * CHUNK; outp[c] = planar + (size_t)(nc + c) * CHUNK; }
    rubberband_set_expected_input_duration(rb, (unsigned)in->frames);
    rubberband_set_max_process_size(rb, CHUNK);
    for (int pass = 0; pass < 2; pass++) {
        for (int64_t at = 0; at < in->frames; at += CHUNK) {
            int m = in->frames - at < CHUNK ? (int)(in->frames - at) : CHUNK;
            for (int i = 0; i < m; i++)
                for (int c = 0; c < nc; c++) inp[c][i] = in->s[(at + i) * nc + c];
            int final = at + m >= in->frames;
            if (pass == 0) rubberband_study(rb, (const float *const *)inp, (unsigned)m, final);
            else rubberband_process(rb, (const float *const *)inp, (unsigned)m, final);
        }
    }
    /* Offline, Rubber Band gives round(frames * ratio) frames; should it give one more or less,
     * the result is cut or padded so its length is exact. */
    int64_t got = 0;
    int avail;
    while ((avail = rubberband_available(rb)) > 0) {
        unsigned m = (unsigned)(avail < CHUNK ? avail : CHUNK);
        unsigned r = rubberband_retrieve(rb, outp, m);
        for (unsigned i = 0; i < r; i++, got++)
            if (got < want) for (int c = 0; c < nc; c++) out->s[got * nc + c] = outp[c][i];
        if (!r) break;
    }
    rubberband_delete(rb);
    free(planar);
    return LT_EDIT_OK;
}
