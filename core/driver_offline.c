/* driver_offline.c — renders the engine to a file or a buffer in lockstep with the caller's scheduler:
 * no wall clock and no threads, so the same script gives the same bytes every time.
 *
 * A file is written to a temporary beside the target and renamed over it only when it is complete,
 * so an interrupted or failed render never leaves a truncated file or destroys the previous one.
 * While writing a fixed-point file, samples beyond full scale are counted and the true peak measured
 * (libebur128, 4x oversampling) before conversion, so the caller can say how much the mix clipped. */
#include "driver.h"
#include <ebur128.h>
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int default_bits(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot && strcasecmp(dot, ".flac") == 0 ? 24 : 32;
}

static int format_for(const char *path, int bits, char *err, size_t errlen) {
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    int major;
    if (dot && strcasecmp(dot, ".wav") == 0) major = SF_FORMAT_WAV;
    else if (dot && strcasecmp(dot, ".flac") == 0) major = SF_FORMAT_FLAC;
    else if (dot && (strcasecmp(dot, ".aiff") == 0 || strcasecmp(dot, ".aif") == 0)) major = SF_FORMAT_AIFF;
    else {
        snprintf(err, errlen, "%s: lute cannot write a '%s' file; use .wav, .flac or .aiff", path,
                 dot ? dot : "(no extension)");
        return -1;
    }
    if (!bits) bits = default_bits(path);
    int fmt = -1;
    if (bits == 16) fmt = major | SF_FORMAT_PCM_16;
    else if (bits == 24) fmt = major | SF_FORMAT_PCM_24;
    else if (bits == 32 && major != SF_FORMAT_FLAC) fmt = major | SF_FORMAT_FLOAT;
    SF_INFO probe = {.samplerate = 48000, .channels = 2, .format = fmt};
    if (fmt < 0 || !sf_format_check(&probe)) {
        snprintf(err, errlen, "%s: %d-bit is not available for this file type (WAV/AIFF: 16, 24, 32 float; FLAC: 16, 24)",
                 path, bits);
        return -1;
    }
    return fmt;
}

int lt_render_check(const char *path, int bits, char *err, size_t errlen) {
    return format_for(path, bits, err, errlen) < 0 ? -1 : 0;
}

int lt_render_open(lt_render_out *o, const char *path, int bits, int rate, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (!bits) bits = default_bits(path);
    o->bits = bits;
    o->format = format_for(path, bits, err, errlen);
    if (o->format < 0) return -1;
    snprintf(o->path, sizeof o->path, "%s", path);
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path) + 1 : 0;
    if (snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.lute-XXXXXX", dirlen, path, slash ? slash + 1 : path) >=
        (int)sizeof o->tmp) {
        snprintf(err, errlen, "cannot write '%s': the path is too long", path);
        return -1;
    }
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        o->tmp[0] = 0;
        return -1;
    }
    /* mkstemp makes the file private; the result gets the mode a plain create would give it. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, 0666 & ~mask) != 0) { /* not fatal: the file stays private */ }
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = 2;
    info.format = o->format;
    SNDFILE *f = sf_open_fd(o->fd, SFM_WRITE, &info, 0);
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", path, sf_strerror(NULL));
        lt_render_abort(o);
        return -1;
    }
    o->sf = f;
    /* Integer formats clip at full scale rather than wrap; float files get no PEAK chunk, whose
     * timestamp would make two renders of the same script differ. */
    sf_command(f, SFC_SET_CLIPPING, NULL, SF_TRUE);
    sf_command(f, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    if (bits < 32) {
        lt_dither_init(&o->dither, bits, LT_DITHER_TPDF, 0);
        o->loud = ebur128_init(2, (unsigned long)rate, EBUR128_MODE_TRUE_PEAK);
        if (!o->loud) {
            snprintf(err, errlen, "out of memory writing '%s'", path);
            lt_render_abort(o);
            return -1;
        }
    }
    return 0;
}

int lt_render_run(lt_render_out *o, lt_engine *e, int64_t frames, lt_feed_fn feed, void *ud,
                  lt_render_result *res, char *err, size_t errlen) {
    static float buf[CHUNK * 2];
    static int ibuf[CHUNK * 2];
    SNDFILE *f = o->sf;
    double peak = 0;
    int64_t done = 0, clipped = 0;
    int fixed = o->bits < 32;
    if (res) memset(res, 0, sizeof *res);
    while (done < frames) {
        int n = frames - done < CHUNK ? (int)(frames - done) : CHUNK;
        if (feed && feed(ud, lt_engine_frame(e) + n)) {
            if (res) res->interrupted = 1;
            snprintf(err, errlen, "the render of '%s' was stopped before the end", o->path);
            return -1;
        }
        lt_engine_process(e, buf, n);
        for (int i = 0; i < 2 * n; i++) {
            float a = fabsf(buf[i]);
            if (a > peak) peak = a;
            if (a > 1.0f) clipped++;
        }
        int wrote;
        if (fixed) {
            /* the word length shrinks: TPDF dither onto the file's grid (master/dither.h), then written as
             * integers so that libsndfile's float scaling cannot move a sample off it */
            ebur128_add_frames_float(o->loud, buf, (size_t)n);
            lt_dither_run(&o->dither, buf, n, 2);
            for (int i = 0; i < 2 * n; i++) {
                double v = (double)buf[i] * 2147483648.0;
                ibuf[i] = v >= 2147483647.0 ? 2147483647 : v <= -2147483648.0 ? (int)-2147483648LL : (int)v;
            }
            wrote = (int)sf_writef_int(f, ibuf, n);
        } else wrote = (int)sf_writef_float(f, buf, n);
        if (wrote != n) {
            int e2 = errno;
            if (e2 == ENOSPC || e2 == EFBIG || e2 == EDQUOT)
                snprintf(err, errlen, "cannot write '%s': %s (the disk is full, or the file is over a size limit)",
                         o->path, strerror(e2));
            else
                snprintf(err, errlen, "cannot write '%s': %s", o->path, sf_strerror(f));
            return -1;
        }
        done += n;
    }
    if (res) {
        res->frames = done;
        res->peak = peak;
        res->clipped = fixed ? clipped : 0;
        if (fixed) {
            double l = 0, r = 0;
            ebur128_true_peak(o->loud, 0, &l);
            ebur128_true_peak(o->loud, 1, &r);
            res->true_peak = l > r ? l : r;
        }
    }
    return 0;
}

static void close_out(lt_render_out *o, int *failed) {
    if (o->sf) {
        if (sf_close((SNDFILE *)o->sf) != 0) *failed = 1;
        o->sf = NULL;
    }
    if (o->loud) {
        ebur128_state *st = o->loud;
        ebur128_destroy(&st);
        o->loud = NULL;
    }
}

int lt_render_commit(lt_render_out *o, char *err, size_t errlen) {
    int failed = 0;
    close_out(o, &failed);
    if (!failed && fsync(o->fd) != 0 && errno != EINVAL) failed = 1;
    if (close(o->fd) != 0) failed = 1;
    o->fd = -1;
    if (failed) {
        snprintf(err, errlen, "cannot finish '%s': %s (disk full?)", o->path, strerror(errno));
        lt_render_abort(o);
        return -1;
    }
    if (rename(o->tmp, o->path) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", o->path, strerror(errno));
        lt_render_abort(o);
        return -1;
    }
    o->tmp[0] = 0;
    return 0;
}

void lt_render_abort(lt_render_out *o) {
    int failed = 0;
    close_out(o, &failed);
    if (o->fd >= 0) close(o->fd);
    o->fd = -1;
    if (o->tmp[0]) unlink(o->tmp);
    o->tmp[0] = 0;
}

int lt_render_file(lt_engine *e, const char *path, int bits, int64_t frames, lt_feed_fn feed, void *ud,
                   lt_render_result *res, char *err, size_t errlen) {
    lt_render_out o;
    if (lt_render_open(&o, path, bits, lt_engine_rate(e), err, errlen)) return -1;
    if (lt_render_run(&o, e, frames, feed, ud, res, err, errlen)) {
        lt_render_abort(&o);
        return -1;
    }
    return lt_render_commit(&o, err, errlen);
}
