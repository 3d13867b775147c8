/* driver_offline.c — renders the engine to a file or a buffer in lockstep with the caller's scheduler:
 * no wall clock and no threads, so the same script gives the same bytes every time. */
#include "driver.h"
#include <sndfile.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CHUNK 1024

int lt_render_buffer(lt_engine *e, float *out, int64_t frames, lt_feed_fn feed, void *ud) {
    int64_t done = 0;
    while (done < frames) {
        int n = frames - done < CHUNK ? (int)(frames - done) : CHUNK;
        if (feed && feed(ud, lt_engine_frame(e) + n)) return -1;
        lt_engine_process(e, out + 2 * done, n);
        done += n;
    }
    return 0;
}

static int format_for(const char *path, int bits, char *err, size_t errlen) {
    const char *dot = strrchr(path, '.');
    int major;
    if (dot && strcasecmp(dot, ".wav") == 0) major = SF_FORMAT_WAV;
    else if (dot && strcasecmp(dot, ".flac") == 0) major = SF_FORMAT_FLAC;
    else if (dot && (strcasecmp(dot, ".aiff") == 0 || strcasecmp(dot, ".aif") == 0)) major = SF_FORMAT_AIFF;
    else {
        snprintf(err, errlen, "%s: unknown file type '%s' (use .wav, .flac or .aiff)", path, dot ? dot : "");
        return -1;
    }
    if (bits == 16) return major | SF_FORMAT_PCM_16;
    if (bits == 24) return major | SF_FORMAT_PCM_24;
    if (bits == 32 && major != SF_FORMAT_FLAC) return major | SF_FORMAT_FLOAT;
    snprintf(err, errlen, "%s: %d-bit is not available for this file type (WAV/AIFF: 16, 24, 32 float; FLAC: 16, 24)",
             path, bits);
    return -1;
}

int lt_render_file(lt_engine *e, const char *path, int bits, int64_t frames, lt_feed_fn feed, void *ud,
                   lt_render_result *res, char *err, size_t errlen) {
    static float buf[CHUNK * 2];
    SF_INFO info = {0};
    info.samplerate = lt_engine_rate(e);
    info.channels = 2;
    info.format = format_for(path, bits, err, errlen);
    if (info.format < 0) return -1;
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", path, sf_strerror(NULL));
        return -1;
    }
    /* Integer formats clip at full scale rather than wrap; float files get no PEAK chunk, whose
     * timestamp would make two renders of the same script differ. */
    sf_command(f, SFC_SET_CLIPPING, NULL, SF_TRUE);
    sf_command(f, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    double peak = 0;
    int64_t done = 0;
    while (done < frames) {
        int n = frames - done < CHUNK ? (int)(frames - done) : CHUNK;
        if (feed && feed(ud, lt_engine_frame(e) + n)) break;
        lt_engine_process(e, buf, n);
        for (int i = 0; i < 2 * n; i++) if (fabsf(buf[i]) > peak) peak = fabsf(buf[i]);
        if (sf_writef_float(f, buf, n) != n) {
            snprintf(err, errlen, "cannot write '%s': %s", path, sf_strerror(f));
            sf_close(f);
            return -1;
        }
        done += n;
    }
    if (sf_close(f) != 0) {
        snprintf(err, errlen, "cannot finish '%s' (disk full?)", path);
        return -1;
    }
    if (res) { res->frames = done; res->peak = peak; }
    return 0;
}
