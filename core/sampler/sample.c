/* sample.c — loading a sample: decode with libsndfile, mix down to at most two channels, convert to
 * the engine's rate and build the mip levels with soxr (very high quality), hash the content, and
 * keep it all in one prefaulted allocation (see sample.h).
 *
 * The mix-down rule for files of more than two channels: each channel goes to the left and right
 * outputs by its position, with the coefficients of ITU-R BS.775's stereo down-mix — a front left or
 * right channel at 1 to its side, a centre (or a mono channel in a multichannel file) at 0.7071 to
 * both, a surround, side, left-of-centre or top channel at 0.7071 to its side, a rear or top centre
 * at 0.5 to both, the LFE channel dropped (its content is a copy of the low end of the others), an
 * Ambisonic B-format W at 0.7071 to both (X, Y, Z dropped).  Positions come from the file's channel
 * map when libsndfile reads one; otherwise channels are taken in WAVE's default order (front left,
 * front right, front centre, LFE, back left, back right, front left-of-centre, front right-of-centre,
 * back centre, side left, side right, top centre, ...).  Nothing is normalised: a float sample may
 * exceed 1 and the engine's strips handle level. */
#include "sampler/sample.h"
#include "sampler/sample_build.h"
#include "graph/voices.h"
#include <errno.h>
#include <math.h>
#include <soxr.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GUARD_HZ   20000.0    /* aliases of a sped-up voice stay at or above this (or 5/12 of the rate) */

static void fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    if (!err || !errlen) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static size_t align32(size_t n) { return (n + 31) & ~(size_t)31; }

/* ---- hashing (FNV-1a, 64 bits) ------------------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 0x100000001b3ull; }
    return h;
}
#define FNV_BASIS 0xcbf29ce484222325ull

/* ---- mix-down ---------------------------------------------------------------------------------- */

/* Gains of one channel into the left and right outputs by its position. */
static void position_gains(int pos, float *gl, float *gr) {
    const float h = 0.70710678f;
    *gl = *gr = 0.0f;
    switch (pos) {
    case SF_CHANNEL_MAP_LEFT: case SF_CHANNEL_MAP_FRONT_LEFT:                    *gl = 1.0f; break;
    case SF_CHANNEL_MAP_RIGHT: case SF_CHANNEL_MAP_FRONT_RIGHT:                  *gr = 1.0f; break;
    case SF_CHANNEL_MAP_MONO: case SF_CHANNEL_MAP_CENTER: case SF_CHANNEL_MAP_FRONT_CENTER:
    case SF_CHANNEL_MAP_AMBISONIC_B_W:                                          *gl = *gr = h; break;
    case SF_CHANNEL_MAP_REAR_LEFT: case SF_CHANNEL_MAP_SIDE_LEFT: case SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER:
    case SF_CHANNEL_MAP_TOP_FRONT_LEFT: case SF_CHANNEL_MAP_TOP_REAR_LEFT:      *gl = h; break;
    case SF_CHANNEL_MAP_REAR_RIGHT: case SF_CHANNEL_MAP_SIDE_RIGHT: case SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER:
    case SF_CHANNEL_MAP_TOP_FRONT_RIGHT: case SF_CHANNEL_MAP_TOP_REAR_RIGHT:    *gr = h; break;
    case SF_CHANNEL_MAP_REAR_CENTER: case SF_CHANNEL_MAP_TOP_CENTER:
    case SF_CHANNEL_MAP_TOP_FRONT_CENTER: case SF_CHANNEL_MAP_TOP_REAR_CENTER:  *gl = *gr = 0.5f; break;
    default: break;                                   /* LFE, Ambisonic X/Y/Z, unknown: dropped */
    }
}

/* WAVE's default channel order (WAVEFORMATEXTENSIBLE's speaker mask bits in order). */
static const int wave_order[] = {
    SF_CHANNEL_MAP_FRONT_LEFT, SF_CHANNEL_MAP_FRONT_RIGHT, SF_CHANNEL_MAP_FRONT_CENTER, SF_CHANNEL_MAP_LFE,
    SF_CHANNEL_MAP_REAR_LEFT, SF_CHANNEL_MAP_REAR_RIGHT, SF_CHANNEL_MAP_FRONT_LEFT_OF_CENTER,
    SF_CHANNEL_MAP_FRONT_RIGHT_OF_CENTER, SF_CHANNEL_MAP_REAR_CENTER, SF_CHANNEL_MAP_SIDE_LEFT,
    SF_CHANNEL_MAP_SIDE_RIGHT, SF_CHANNEL_MAP_TOP_CENTER, SF_CHANNEL_MAP_TOP_FRONT_LEFT,
    SF_CHANNEL_MAP_TOP_FRONT_CENTER, SF_CHANNEL_MAP_TOP_FRONT_RIGHT, SF_CHANNEL_MAP_TOP_REAR_LEFT,
    SF_CHANNEL_MAP_TOP_REAR_CENTER, SF_CHANNEL_MAP_TOP_REAR_RIGHT,
};

/* Mixes n frames of `ch` > 2 channels down to stereo in place (the output is shorter). */
static void mixdown(float *buf, int64_t n, int ch, const int *map) {
    float gl[64], gr[64];
    for (int c = 0; c < ch && c < 64; c++) {
        int pos = map ? map[c] : (c < (int)(sizeof wave_order / sizeof *wave_order) ? wave_order[c] : -1);
        if (pos >= 0) position_gains(pos, &gl[c], &gr[c]);
        else { gl[c] = (c & 1) ? 0.0f : 0.70710678f; gr[c] = (c & 1) ? 0.70710678f : 0.0f; }
    }
    for (int64_t i = 0; i < n; i++) {
        const float *in = buf + i * ch;
        float l = 0.0f, r = 0.0f;
        for (int c = 0; c < ch && c < 64; c++) { l += gl[c] * in[c]; r += gr[c] * in[c]; }
        buf[2 * i] = l;
        buf[2 * i + 1] = r;
    }
}

/* ---- building ---------------------------------------------------------------------------------- */

/* Converts `in` (frames_in frames) to exactly frames_out frames at ratio out/in rate, writing to
 * out: soxr's very-high-quality recipe (28-bit precision, linear phase) with its steep filter, one
 * thread.  soxr compensates its filter's delay, so frame j of the output lies at time j / ratio of
 * the input.  Returns NULL or soxr's error message. */
static const char *convert(const float *in, int64_t frames_in, float *out, int64_t frames_out, int ch, double ratio) {
    size_t done = 0;
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, SOXR_STEEP_FILTER);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_error_t e = soxr_oneshot(1.0, ratio, (unsigned)ch, in, (size_t)frames_in, NULL, out, (size_t)frames_out,
                                  &done, &io, &q, &rt);
    if (e) return e;
    if ((int64_t)done < frames_out)            /* the last fraction of a frame: silence */
        memset(out + done * (size_t)ch, 0, sizeof(float) * (size_t)(frames_out - (int64_t)done) * (size_t)ch);
    return NULL;
}

static int64_t frames_at(int64_t frames, int shift) { return (frames + ((int64_t)1 << shift) - 1) >> shift; }

/* Level k >= 1 holds the content below rate / 2^(k+1), twice oversampled: at rate / 2^(k-1). */
static int shift_of(int k) { return k > 0 ? k - 1 : 0; }

static int nlevels_for(int64_t frames) {
    int n = 1;
    while (n < LT_SAMPLE_LEVELS && frames_at(frames, n) >= 8) n++;
    return n;
}

/* Allocates a sample of `frames` frames with its levels laid out (data zeroed), the header filled. */
static lt_sample *sample_alloc(int64_t frames, int ch, int rate, int source_rate, const char *path) {
    int nl = nlevels_for(frames);
    size_t plen = strlen(path) + 1;
    size_t bytes = align32(sizeof(lt_sample)) + align32(plen);
    for (int k = 0; k < nl; k++)
        bytes += align32(sizeof(float) * (size_t)(frames_at(frames, shift_of(k)) + 2 * LT_SAMPLE_PAD) * (size_t)ch);
    unsigned char *mem = lt_alloc_prefault(bytes);
    if (!mem) return NULL;
    lt_sample *s = (lt_sample *)mem;
    size_t off = align32(sizeof(lt_sample));
    memcpy(mem + off, path, plen);
    s->path = (const char *)(mem + off);
    off += align32(plen);
    s->channels = ch;
    s->rate = rate;
    s->frames = frames;
    s->nlevels = nl;
    s->source_rate = source_rate;
    s->refs = 1;
    /* What each level holds: level 0 what the source had (up to its Nyquist, or the engine's), level
     * k at most rate / 2^(k+1).  The speed bound follows from speed * band <= rate - guard. */
    double guard = GUARD_HZ < rate * (5.0 / 12.0) ? GUARD_HZ : rate * (5.0 / 12.0);
    double band = (source_rate < rate ? source_rate : rate) * 0.5;
    for (int k = 0; k < nl; k++) {
        lt_sample_level *L = &s->level[k];
        L->shift = shift_of(k);
        L->frames = frames_at(frames, L->shift);
        L->data = (const float *)(mem + off) + LT_SAMPLE_PAD * ch;
        off += align32(sizeof(float) * (size_t)(L->frames + 2 * LT_SAMPLE_PAD) * (size_t)ch);
        double top = rate / (double)((int64_t)2 << k);
        if (k > 0 && band > top) band = top;
        L->band = band;
        L->max_speed = (rate - guard) / band;
    }
    return s;
}

/* Makes levels 1.. from level 0: the signal is halved in rate step by step (c_k, critically
 * sampled at rate / 2^k, band-limited by the converter), and each c_k is converted back up by 2
 * into level k, whose content then fills only the lower half of its band.  Returns NULL or what
 * went wrong. */
static const char *build_levels(lt_sample *s) {
    const int ch = s->channels;
    const float *prev = s->level[0].data;
    int64_t prev_frames = s->frames;
    float *owned = NULL;
    const char *rc = NULL;
    for (int k = 1; k < s->nlevels && !rc; k++) {
        int64_t m = frames_at(s->frames, k);
        float *c = malloc(sizeof(float) * (size_t)m * (size_t)ch);
        if (!c) { rc = "not enough memory"; break; }
        rc = convert(prev, prev_frames, c, m, ch, 0.5);
        if (!rc) rc = convert(c, m, (float *)s->level[k].data, s->level[k].frames, ch, 2.0);
        free(owned);
        owned = c;
        prev = c;
        prev_frames = m;
    }
    free(owned);
    return rc;
}

/* The common tail of every constructor: `src` holds n interleaved frames of `ch` channels (1 or 2)
 * at source_rate; builds the sample at `rate`. */
static lt_sample *build(const float *src, int64_t n, int ch, int source_rate, int rate, const char *path,
                        char *err, size_t errlen) {
    double ratio = (double)rate / source_rate;
    int64_t frames = source_rate == rate ? n : (int64_t)llround((double)n * ratio);
    if (frames < 1) frames = 1;
    if (frames >= LT_SAMPLE_MAX_FRAMES) {
        fail(err, errlen, "%s: too long (%.0f s at %d Hz; samples are limited to %lld frames)", path,
             (double)frames / rate, rate, (long long)LT_SAMPLE_MAX_FRAMES - 1);
        return NULL;
    }
    lt_sample *s = sample_alloc(frames, ch, rate, source_rate, path);
    if (!s) { fail(err, errlen, "%s: not enough memory for %lld frames", path, (long long)frames); return NULL; }
    float *out = (float *)s->level[0].data;
    const char *rc = NULL;
    if (source_rate == rate) memcpy(out, src, sizeof(float) * (size_t)n * (size_t)ch);
    else rc = convert(src, n, out, frames, ch, ratio);
    if (!rc) rc = build_levels(s);
    if (rc) {
        fail(err, errlen, "%s: sample-rate conversion failed (%s)", path, rc);
        lt_free_prefault(s);
        return NULL;
    }
    return s;
}

/* Replaces NaN and infinities (a broken float file) by silence. */
static void sanitize(float *buf, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(buf[i])) buf[i] = 0.0f;
}

lt_sample *lt_sample_from_frames(const float *data, int64_t frames, int channels, int source_rate, int rate,
                                 const char *name, char *err, size_t errlen) {
    if (!name) name = "(frames)";
    if (channels < 1 || channels > 2 || frames < 1 || !data || source_rate < 1 || rate < 1) {
        fail(err, errlen, "%s: need 1 or 2 channels, at least one frame and positive rates", name);
        return NULL;
    }
    float *copy = malloc(sizeof(float) * (size_t)frames * (size_t)channels);
    if (!copy) { fail(err, errlen, "%s: not enough memory", name); return NULL; }
    memcpy(copy, data, sizeof(float) * (size_t)frames * (size_t)channels);
    sanitize(copy, (size_t)frames * (size_t)channels);
    lt_sample *s = build(copy, frames, channels, source_rate, rate, name, err, errlen);
    if (s) {
        uint64_t h = fnv(FNV_BASIS, copy, sizeof(float) * (size_t)frames * (size_t)channels);
        h = fnv(h, &source_rate, sizeof source_rate);
        h = fnv(h, &channels, sizeof channels);
        s->hash = h;
        s->source_channels = channels;
        s->source_frames = frames;
    }
    free(copy);
    return s;
}

lt_sample *lt_sample_load(const char *path, int rate, char *err, size_t errlen) {
    struct stat st;
    if (!path || !*path) { fail(err, errlen, "(no path): a sample needs a file name"); return NULL; }
    if (rate < 1) { fail(err, errlen, "%s: the engine's rate must be positive, got %d", path, rate); return NULL; }
    if (stat(path, &st) != 0) { fail(err, errlen, "%s: %s", path, strerror(errno)); return NULL; }
    if (S_ISDIR(st.st_mode)) { fail(err, errlen, "%s: is a folder, not an audio file", path); return NULL; }

    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) {
        fail(err, errlen, "%s: not an audio file libsndfile can read (%s)", path, sf_strerror(NULL));
        return NULL;
    }
    float *buf = NULL;
    int *map = NULL;
    lt_sample *s = NULL;
    int ch = info.channels;
    if (ch < 1 || info.samplerate < 1) {
        fail(err, errlen, "%s: the file declares %d channels at %d Hz", path, ch, info.samplerate);
        goto done;
    }
    /* Read to the end rather than trusting info.frames, which is an estimate for MP3 and Ogg. */
    int64_t cap = info.frames > 0 && info.frames < LT_SAMPLE_MAX_FRAMES ? info.frames + 1 : 65536, n = 0;
    buf = malloc(sizeof(float) * (size_t)cap * (size_t)ch);
    if (!buf) { fail(err, errlen, "%s: not enough memory", path); goto done; }
    for (;;) {
        if (n == cap) {
            if (cap >= LT_SAMPLE_MAX_FRAMES) {
                fail(err, errlen, "%s: too long (more than %lld frames)", path, (long long)LT_SAMPLE_MAX_FRAMES);
                goto done;
            }
            float *nb = realloc(buf, sizeof(float) * (size_t)(cap * 2) * (size_t)ch);
            if (!nb) { fail(err, errlen, "%s: not enough memory", path); goto done; }
            buf = nb;
            cap *= 2;
        }
        sf_count_t got = sf_readf_float(f, buf + (size_t)n * (size_t)ch, cap - n);
        if (got <= 0) break;
        n += got;
    }
    if (sf_error(f) != SF_ERR_NO_ERROR) {
        fail(err, errlen, "%s: cannot read the audio (%s)", path, sf_strerror(f));
        goto done;
    }
    if (n == 0) { fail(err, errlen, "%s: the file holds no audio frames", path); goto done; }
    sanitize(buf, (size_t)n * (size_t)ch);

    uint64_t h = fnv(FNV_BASIS, buf, sizeof(float) * (size_t)n * (size_t)ch);
    h = fnv(h, &info.samplerate, sizeof info.samplerate);
    h = fnv(h, &ch, sizeof ch);

    int out_ch = ch;
    if (ch > 2) {
        map = calloc((size_t)ch, sizeof *map);
        if (map && !sf_command(f, SFC_GET_CHANNEL_MAP_INFO, map, (int)(sizeof *map * (size_t)ch))) {
            free(map);
            map = NULL;
        }
        mixdown(buf, n, ch, map);
        out_ch = 2;
    }
    s = build(buf, n, out_ch, info.samplerate, rate, path, err, errlen);
    if (s) {
        s->hash = h;
        s->source_channels = ch;
        s->source_frames = n;
    }
done:
    free(map);
    free(buf);
    sf_close(f);
    return s;
}

lt_sample *lt_sample_build(const float *data, int64_t frames, int channels, int rate, const char *path,
                           char *err, size_t errlen) {
    return build(data, frames, channels, rate, rate, path, err, errlen);
}

void lt_sample_ref(lt_sample *s) { if (s) s->refs++; }

void lt_sample_unref(lt_sample *s) {
    if (s && --s->refs <= 0) lt_free_prefault(s);
}

/* ---- kits -------------------------------------------------------------------------------------- */

lt_kit *lt_kit_new(lt_sample *const *samples, int count) {
    if (count < 0 || (count > 0 && !samples)) return NULL;
    for (int i = 0; i < count; i++)
        if (!samples[i]) return NULL;
    unsigned char *mem = lt_alloc_prefault(align32(sizeof(lt_kit)) + sizeof(lt_sample *) * (size_t)(count ? count : 1));
    if (!mem) return NULL;
    lt_kit *k = (lt_kit *)mem;
    k->samples = (lt_sample **)(mem + align32(sizeof(lt_kit)));
    k->count = count;
    k->refs = 1;
    uint64_t h = FNV_BASIS;
    for (int i = 0; i < count; i++) {
        k->samples[i] = samples[i];
        lt_sample_ref(samples[i]);
        h = fnv(h, &samples[i]->hash, sizeof samples[i]->hash);
    }
    k->hash = h;
    return k;
}

void lt_kit_ref(lt_kit *k) { if (k) k->refs++; }

void lt_kit_unref(lt_kit *k) {
    if (!k || --k->refs > 0) return;
    for (int i = 0; i < k->count; i++) lt_sample_unref(k->samples[i]);
    lt_free_prefault(k);
}
