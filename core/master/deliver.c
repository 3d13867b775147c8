/* deliver.c — see deliver.h. */
#include "master/deliver.h"
#include <soxr.h>
#include <sndfile.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { const char *ext; lt_format f; } exts[] = {
    {".wav", LT_FMT_WAV}, {".aif", LT_FMT_AIFF}, {".aiff", LT_FMT_AIFF}, {".flac", LT_FMT_FLAC},
    {".mp3", LT_FMT_MP3}, {".opus", LT_FMT_OPUS}, {".ogg", LT_FMT_VORBIS}, {".oga", LT_FMT_VORBIS},
};

int lt_format_from_path(const char *path, lt_format *f, char *err, size_t errlen) {
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i].ext) == 0) { *f = exts[i].f; return 0; }
    snprintf(err, errlen, "%s: unknown file type '%s' (use .wav, .aiff, .flac, .mp3, .opus or .ogg)", path, dot ? dot : "");
    return -1;
}

const char *lt_format_name(lt_format f) {
    static const char *n[] = {"WAV", "AIFF", "FLAC", "MP3", "Ogg Opus", "Ogg Vorbis"};
    return (unsigned)f < 6 ? n[f] : "?";
}

int lt_format_lossy(lt_format f) { return f == LT_FMT_MP3 || f == LT_FMT_OPUS || f == LT_FMT_VORBIS; }

int lt_deliver_bits(const lt_deliver_spec *s) {
    if (lt_format_lossy(s->format)) return 32;
    return s->bits ? s->bits : 24;
}

static int out_rate(const lt_audio *in, const lt_deliver_spec *s) {
    if (s->format == LT_FMT_OPUS) return 48000;   /* Opus codes at 48 kHz (libsndfile's other choices are lower) */
    return s->rate ? s->rate : in->rate;
}

int lt_resample(const lt_audio *in, int rate, lt_audio *out, char *err, size_t errlen) {
    if (rate == in->rate) {
        if (lt_audio_alloc(out, in->frames, in->channels, rate)) goto nomem;
        memcpy(out->x, in->x, sizeof(float) * in->frames * in->channels);
        out->grid_bits = in->grid_bits;
        return 0;
    }
    int64_t n = (int64_t)llround((double)in->frames * rate / in->rate);
    if (lt_audio_alloc(out, n, in->channels, rate)) goto nomem;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    size_t idone = 0, odone = 0;
    soxr_error_t e = soxr_oneshot(in->rate, rate, (unsigned)in->channels, in->x, (size_t)in->frames, &idone, out->x,
                                  (size_t)n, &odone, &io, &q, NULL);
    if (e) { snprintf(err, errlen, "sample-rate conversion %d -> %d Hz failed: %s", in->rate, rate, soxr_strerror(e)); lt_audio_free(out); return -1; }
    out->frames = (int64_t)odone;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory for the sample-rate conversion");
    return -1;
}

int lt_deliver_convert(const lt_audio *in, const lt_deliver_spec *s, lt_audio *out, char *err, size_t errlen) {
    if (lt_resample(in, out_rate(in, s), out, err, errlen)) return -1;
    int bits = lt_deliver_bits(s);
    if (bits < 32 && !(out->grid_bits && out->grid_bits <= bits)) {
        /* Only reduce once: audio already on a grid at least this coarse is left as it is. */
        lt_ditherer d;
        lt_dither_init(&d, bits, s->dither, s->seed);
        lt_dither_run(&d, out->x, out->frames, out->channels);
        out->grid_bits = bits;
    }
    return 0;
}

static int sf_format(const lt_deliver_spec *s) {
    int bits = lt_deliver_bits(s), sub = bits == 16 ? SF_FORMAT_PCM_16 : bits == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_FLOAT;
    switch (s->format) {
    case LT_FMT_WAV: return SF_FORMAT_WAV | sub;
    case LT_FMT_AIFF: return SF_FORMAT_AIFF | sub;
    case LT_FMT_FLAC: return SF_FORMAT_FLAC | (bits == 16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24);
    case LT_FMT_MP3: return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    case LT_FMT_OPUS: return SF_FORMAT_OGG | SF_FORMAT_OPUS;
    case LT_FMT_VORBIS: default: return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
    }
}

static void set_tags(SNDFILE *f, const lt_tags *t) {
    if (!t) return;
    const struct { int id; const char *v; } tags[] = {
        {SF_STR_TITLE, t->title}, {SF_STR_ARTIST, t->artist}, {SF_STR_ALBUM, t->album}, {SF_STR_DATE, t->date},
        {SF_STR_TRACKNUMBER, t->track}, {SF_STR_COMMENT, t->comment}, {SF_STR_GENRE, t->genre},
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (tags[i].v && tags[i].v[0]) sf_set_string(f, tags[i].id, tags[i].v);
}

static int write_file(const char *tmp, const lt_audio *a, const lt_deliver_spec *s, const lt_tags *t, char *err, size_t errlen) {
    SF_INFO info = {.samplerate = a->rate, .channels = a->channels, .format = sf_format(s)};
    if (s->format == LT_FMT_FLAC && lt_deliver_bits(s) == 32) {
        snprintf(err, errlen, "FLAC holds 16 or 24 bits, not 32-bit float");
        return -1;
    }
    if (!sf_format_check(&info)) {
        snprintf(err, errlen, "%s cannot hold %d channels at %d Hz", lt_format_name(s->format), a->channels, a->rate);
        return -1;
    }
    SNDFILE *f = sf_open(tmp, SFM_WRITE, &info);
    if (!f) { snprintf(err, errlen, "cannot write: %s", sf_strerror(NULL)); return -1; }
    sf_command(f, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);   /* no timestamped PEAK chunk: the same bytes every run */
    if (s->format == LT_FMT_MP3 || s->format == LT_FMT_OPUS) {
        int mode = SF_BITRATE_MODE_CONSTANT;
        sf_command(f, SFC_SET_BITRATE_MODE, &mode, sizeof mode);
        double kbps = s->kbps > 0 ? s->kbps : s->format == LT_FMT_MP3 ? 320 : 192;
        /* libsndfile maps the compression level 0..1 linearly onto the codec's bit rates: MP3 320..32
         * kbps (MPEG-1 rates), Opus 256..6 kbps per channel; invert that mapping */
        double level = s->format == LT_FMT_MP3 ? (320 - kbps) / (320 - 32) : (256 - kbps / a->channels) / (256 - 6);
        if (level < 0) level = 0;
        if (level > 1) level = 1;
        sf_command(f, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level);
    } else if (s->format == LT_FMT_VORBIS) {
        /* Vorbis is variable-rate: its quality (libsndfile: 1 - compression level) for a nominal rate,
         * from libvorbis's table for 44.1 kHz stereo (q 0 ~ 64 kbps, 0.4 ~ 128, 0.6 ~ 192, 0.8 ~ 256, 1 ~ 500) */
        static const double kb[] = {64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 500};
        double kbps = s->kbps > 0 ? s->kbps : 192, q = 1;
        for (int i = 0; i < 10; i++)
            if (kbps <= kb[i + 1]) { q = (i + (kbps - kb[i]) / (kb[i + 1] - kb[i])) / 10.0; break; }
        if (kbps <= kb[0]) q = 0;
        double level = 1 - q;
        sf_command(f, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level);
    }
    set_tags(f, t);
    int bits = lt_deliver_bits(s), ok = 1;
    enum { CH = 8192 };
    if (bits < 32) {
        /* The samples are on the grid already: write them as integers so nothing rescales them. */
        int *buf = malloc(sizeof(int) * CH * a->channels);
        if (!buf) { sf_close(f); snprintf(err, errlen, "out of memory"); return -1; }
        double scale = 2147483648.0;
        for (int64_t i = 0; i < a->frames && ok; i += CH) {
            int64_t n = a->frames - i < CH ? a->frames - i : CH;
            for (int64_t k = 0; k < n * a->channels; k++) {
                double v = (double)a->x[i * a->channels + k] * scale;
                buf[k] = v >= 2147483647.0 ? 2147483647 : v <= -2147483648.0 ? (int)-2147483648LL : (int)v;
            }
            ok = sf_writef_int(f, buf, n) == n;
        }
        free(buf);
    } else {
        for (int64_t i = 0; i < a->frames && ok; i += CH) {
            int64_t n = a->frames - i < CH ? a->frames - i : CH;
            ok = sf_writef_float(f, a->x + i * a->channels, n) == n;
        }
    }
    if (!ok) { snprintf(err, errlen, "cannot write: %s", sf_strerror(f)); sf_close(f); return -1; }
    if (sf_close(f) != 0) { snprintf(err, errlen, "cannot finish the file (disk full?)"); return -1; }
    return 0;
}

int lt_deliver(const char *path, const lt_audio *in, const lt_deliver_spec *s, const lt_tags *t, lt_audio *heard,
               char *err, size_t errlen) {
    lt_audio conv;
    char e2[512];
    if (lt_deliver_convert(in, s, &conv, e2, sizeof e2)) { snprintf(err, errlen, "%s: %s", path, e2); return -1; }
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp) { lt_audio_free(&conv); snprintf(err, errlen, "out of memory"); return -1; }
    /* the temporary name keeps the extension: libsndfile and its codecs look at it */
    const char *dot = strrchr(path, '.');
    size_t stem = dot ? (size_t)(dot - path) : len;
    snprintf(tmp, len + 16, "%.*s.part%s", (int)stem, path, dot ? dot : "");
    int rc = write_file(tmp, &conv, s, t, e2, sizeof e2);
    if (rc == 0 && rename(tmp, path) != 0) { snprintf(e2, sizeof e2, "cannot rename the finished file into place"); rc = -1; }
    if (rc) {
        remove(tmp);
        snprintf(err, errlen, "%s: %s", path, e2);
    }
    free(tmp);
    if (rc == 0 && heard) {
        if (lt_format_lossy(s->format)) {
            rc = lt_audio_load(path, heard, err, errlen);
            lt_audio_free(&conv);
        } else *heard = conv;
    } else lt_audio_free(&conv);
    return rc;
}
