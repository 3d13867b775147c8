/* render_master.c — `lute render` of a song that declares master { target = -14, ceiling = -1 }:
 * the mix, rendered in float (master inserts included but for a final limiter, which the target
 * drives with the song's settings), is brought to the loudness target under the true-peak ceiling by
 * core/master/target.c, verified by lute's meter and ffmpeg's when it is there, and written once in
 * the file's format (one dither when the word length shrinks).  Live there is no whole song to measure: the
 * master's ceiling is the speaker guard's, and the target applies to renders only (docs/mixing.md).
 * Thread: control.  RT-safe: no. */
#include "cmd.h"
#include "cmd_common.h"
#include "master/audio.h"
#include "master/deliver.h"
#include "master/target.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

int lt_render_target(const char *in_path, const char *path, int bits, double target, double ceiling,
                     const float *limiter, int *bits_out, char *err, size_t errlen) {
    lt_audio in = {0}, st = {0}, out = {0};
    if (lt_audio_load(in_path, &in, err, errlen)) return -1;
    int rc = lt_audio_to_stereo(&in, &st, err, errlen);
    lt_audio_free(&in);
    if (rc) return -1;
    lt_deliver_spec spec = {0};
    if (lt_format_from_path(path, &spec.format, err, errlen)) { lt_audio_free(&st); return -1; }
    /* lute render's defaults: 32-bit float for WAV and AIFF, 24-bit for FLAC */
    spec.bits = bits ? bits : spec.format == LT_FMT_FLAC ? 24 : 32;
    spec.rate = st.rate;
    if (bits_out) *bits_out = spec.bits;
    lt_target_opts o = {.target_lufs = target, .ceiling_dbtp = ceiling, .deliver = &spec, .out_path = path, .limiter = limiter,
                        .verify = lt_ffmpeg_available() ? lt_ffmpeg_verify : NULL};
    lt_target_report r;
    rc = lt_target_master(&st, NULL, &o, &out, &r, err, errlen);
    lt_audio_free(&st);
    lt_audio_free(&out);
    if (rc) return -1;
    char verified[96] = "";
    if (isfinite(r.verify_lufs))
        snprintf(verified, sizeof verified, ", ffmpeg reads %.2f LUFS / %.2f dBTP", r.verify_lufs, r.verify_dbtp);
    printf("master target: %.2f LUFS -> %.2f LUFS, true peak %.2f dBTP (ceiling %.1f)%s; limiter drive %+.2f dB, "
           "gain reduction up to %.1f dB%s%s\n", r.input_lufs, r.lufs, r.dbtp, ceiling, verified, r.gain_db,
           r.max_reduction_db, r.met ? "" : "; not met: ", r.met ? "" : r.note);
    return r.met ? 0 : 1;
}
