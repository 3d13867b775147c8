/* smf.c — Standard MIDI File reader (format 0 and 1) and format 1 writer; see smf.h for the
 * contract.  The reader walks the bytes with an explicit end for every chunk and checks each length
 * before it reads, so a hostile file can only produce an error code.  The writer builds the whole
 * file in a growing memory buffer, then writes it in one go. */
#include "smf.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const err_names[LT_SMF_ERR_COUNT] = {
    [LT_SMF_OK]      = "no error",
    [LT_SMF_ENOMEM]  = "out of memory",
    [LT_SMF_EIO]     = "cannot read or write the file",
    [LT_SMF_EMAGIC]  = "not a Standard MIDI File (no MThd header)",
    [LT_SMF_EHEADER] = "bad MThd header (length under 6, no tracks, or division 0)",
    [LT_SMF_EFORMAT] = "unsupported MIDI file format (only 0 and 1 are read)",
    [LT_SMF_ESMPTE]  = "SMPTE time division is not supported (only ticks per quarter note)",
    [LT_SMF_ECHUNK]  = "chunk length runs past the end of the file",
    [LT_SMF_EVLQ]    = "variable-length quantity longer than 4 bytes",
    [LT_SMF_ESTATUS] = "data byte where a status byte is needed (no running status) or a bad status",
    [LT_SMF_EDATA]   = "status byte where a data byte (0..127) is needed",
    [LT_SMF_ETRUNC]  = "event cut off by the end of the track",
    [LT_SMF_EMETA]   = "tempo or time-signature meta event with a bad length or value",
    [LT_SMF_ETRACKS] = "too many tracks (more than 1024)",
    [LT_SMF_EEVENTS] = "too many events (more than 1000000)",
    [LT_SMF_EINVAL]  = "value out of range",
    [LT_SMF_ERANGE]  = "tick too large for a MIDI file (over 268435455)",
};

const char *lt_smf_strerror(int code) {
    if (code < 0 || code >= LT_SMF_ERR_COUNT) return "unknown error";
    return err_names[code];
}

void lt_smf_error_format(const lt_smf_error *e, char *buf, size_t size) {
    const char *msg = lt_smf_strerror(e->code);
    if (e->code == LT_SMF_EIO)
        snprintf(buf, size, "%s", msg);
    else if (e->what) {             /* the writer: name the track, item and field */
        char where[48] = "";
        if (e->track >= 0) snprintf(where, sizeof where, "tracks[%d] ", e->track);
        int list = !strcmp(e->what, "tempos") || !strcmp(e->what, "meters") ||
                   !strcmp(e->what, "markers") || !strcmp(e->what, "events");
        if (e->index == (size_t)-1)
            snprintf(buf, size, "%s: %s%s", msg, where, e->what);
        else if (list)
            snprintf(buf, size, "%s: %s%s[%zu]", msg, where, e->what, e->index);
        else    /* a field of a note */
            snprintf(buf, size, "%s: %snotes[%zu].%s", msg, where, e->index, e->what);
    } else
        snprintf(buf, size, "%s at byte %zu", msg, e->offset);
}

const char *lt_smf_warning_string(unsigned bit) {
    switch (bit) {
    case LT_SMF_WARN_NO_EOT:      return "a track has no end-of-track event";
    case LT_SMF_WARN_TRACK_COUNT: return "the number of tracks differs from the header";
    case LT_SMF_WARN_AFTER_EOT:   return "bytes after end-of-track were ignored";
    case LT_SMF_WARN_TRAILING:    return "bytes after the last chunk were ignored";
    default:                      return "unknown warning";
    }
}

/* ---- growing arrays ---- */

/* Makes room for one more element of size elem in *arr (capacity *cap).  0 or LT_SMF_ENOMEM. */
static int grow(void **arr, size_t *cap, size_t count, size_t elem) {
    if (count < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > SIZE_MAX / elem) return LT_SMF_ENOMEM;
    void *p = realloc(*arr, ncap * elem);
    if (!p) return LT_SMF_ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* ---- reader ---- */

typedef struct reader {
    const uint8_t *d;          /* the private copy */
    size_t len;
    lt_smf *smf;
    lt_smf_error *err;
    size_t nevents;            /* all tracks together, for the cap */
    size_t cap_tempos, cap_meters, cap_markers, cap_keys;
} reader;

static int fail_at(reader *r, int code, size_t offset, int track) {
    if (r->err) {
        r->err->code = code;
        r->err->offset = offset;
        r->err->track = track;
        r->err->index = 0;
        r->err->what = NULL;
    }
    return code;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* Reads a VLQ at *pos (< end).  The SMF spec allows at most 4 bytes (28 bits). */
static int read_vlq(reader *r, size_t *pos, size_t end, uint32_t *val, int track) {
    size_t start = *pos;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (*pos >= end) return fail_at(r, LT_SMF_ETRUNC, start, track);
        uint8_t b = r->d[(*pos)++];
        v = (v << 7) | (b & 0x7F);
        if (!(b & 0x80)) { *val = v; return 0; }
    }
    return fail_at(r, LT_SMF_EVLQ, start, track);
}

static char *dup_text(const uint8_t *p, size_t n) {
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* Meta events that feed the song-wide maps. */
static int collect_meta(reader *r, lt_smf_mtrk *t, const lt_smf_event *e, size_t at, int track) {
    lt_smf *s = r->smf;
    const uint8_t *p = e->data;
    switch (e->d1) {
    case 0x03:
        if (!t->name && !(t->name = dup_text(p, e->len))) return fail_at(r, LT_SMF_ENOMEM, at, track);
        break;
    case 0x06: {
        char *text = dup_text(p, e->len);
        if (!text || grow((void **)&s->markers, &r->cap_markers, s->nmarkers, sizeof *s->markers)) {
            free(text);
            return fail_at(r, LT_SMF_ENOMEM, at, track);
        }
        s->markers[s->nmarkers++] = (lt_smf_marker){ e->tick, text };
        break;
    }
    case 0x51: {
        if (e->len != 3) return fail_at(r, LT_SMF_EMETA, at, track);
        uint32_t us = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        if (us == 0) return fail_at(r, LT_SMF_EMETA, at, track);
        if (grow((void **)&s->tempos, &r->cap_tempos, s->ntempos, sizeof *s->tempos))
            return fail_at(r, LT_SMF_ENOMEM, at, track);
        s->tempos[s->ntempos++] = (lt_smf_tempo){ e->tick, us };
        break;
    }
    case 0x58:
        /* Numerator, log2 of denominator, then clocks per click and 32nds per quarter, which some
         * writers leave out; 2 bytes are enough to know the meter. */
        if (e->len < 2 || p[0] == 0 || p[1] > 15) return fail_at(r, LT_SMF_EMETA, at, track);
        if (grow((void **)&s->meters, &r->cap_meters, s->nmeters, sizeof *s->meters))
            return fail_at(r, LT_SMF_ENOMEM, at, track);
        s->meters[s->nmeters++] = (lt_smf_meter){ e->tick, p[0], 1 << p[1] };
        break;
    case 0x59:
        if (e->len < 2) break;      /* harmless to ignore: nothing else depends on the key */
        if (grow((void **)&s->keys, &r->cap_keys, s->nkeys, sizeof *s->keys))
            return fail_at(r, LT_SMF_ENOMEM, at, track);
        s->keys[s->nkeys++] = (lt_smf_key){ e->tick, (int8_t)p[0], p[1] != 0 };
        break;
    }
    return 0;
}

/* Parses the MTrk body d[pos..end) into t. */
static int parse_track(reader *r, lt_smf_mtrk *t, size_t pos, size_t end, int track) {
    size_t cap = 0;
    int64_t tick = 0;
    uint8_t running = 0;
    int rc;
    while (pos < end) {
        size_t at = pos;
        uint32_t delta;
        if ((rc = read_vlq(r, &pos, end, &delta, track))) return rc;
        tick += delta;
        if (pos >= end) return fail_at(r, LT_SMF_ETRUNC, at, track);
        size_t ev_at = pos;
        uint8_t status = r->d[pos];
        if (status & 0x80) pos++;
        else if (running) status = running;
        else return fail_at(r, LT_SMF_ESTATUS, ev_at, track);

        if (r->nevents >= LT_SMF_MAX_EVENTS) return fail_at(r, LT_SMF_EEVENTS, ev_at, track);
        lt_smf_event e = { .tick = tick };
        if (status < 0xF0) {
            unsigned hi = status >> 4;
            size_t n = (hi == 0xC || hi == 0xD) ? 1 : 2;
            if (end - pos < n) return fail_at(r, LT_SMF_ETRUNC, ev_at, track);
            for (size_t i = 0; i < n; i++)
                if (r->d[pos + i] & 0x80) return fail_at(r, LT_SMF_EDATA, pos + i, track);
            e.channel = status & 0x0F;
            e.d1 = r->d[pos];
            e.d2 = n == 2 ? r->d[pos + 1] : 0;
            pos += n;
            running = status;
            static const uint8_t types[8] = { LT_SMF_NOTE_OFF, LT_SMF_NOTE_ON, LT_SMF_POLY_AFTERTOUCH,
                LT_SMF_CC, LT_SMF_PROGRAM, LT_SMF_AFTERTOUCH, LT_SMF_PITCH_BEND, 0 };
            e.type = types[hi - 8];
            if (e.type == LT_SMF_NOTE_ON && e.d2 == 0) e.type = LT_SMF_NOTE_OFF;
        } else if (status == 0xF0 || status == 0xF7) {
            uint32_t n;
            if ((rc = read_vlq(r, &pos, end, &n, track))) return rc == LT_SMF_ETRUNC
                ? fail_at(r, LT_SMF_ETRUNC, ev_at, track) : rc;
            if (end - pos < n) return fail_at(r, LT_SMF_ETRUNC, ev_at, track);
            e.type = LT_SMF_SYSEX;
            e.d1 = status;
            e.len = n;
            e.data = r->d + pos;
            pos += n;
        } else if (status == 0xFF) {
            uint32_t n;
            if (pos >= end) return fail_at(r, LT_SMF_ETRUNC, ev_at, track);
            e.type = LT_SMF_META;
            e.d1 = r->d[pos++];
            if ((rc = read_vlq(r, &pos, end, &n, track))) return rc == LT_SMF_ETRUNC
                ? fail_at(r, LT_SMF_ETRUNC, ev_at, track) : rc;
            if (end - pos < n) return fail_at(r, LT_SMF_ETRUNC, ev_at, track);
            e.len = n;
            e.data = r->d + pos;
            pos += n;
            if (e.d1 & 0x80) return fail_at(r, LT_SMF_ESTATUS, ev_at, track);
            if ((rc = collect_meta(r, t, &e, ev_at, track))) return rc;
        } else
            return fail_at(r, LT_SMF_ESTATUS, ev_at, track);

        if (grow((void **)&t->events, &cap, t->nevents, sizeof *t->events))
            return fail_at(r, LT_SMF_ENOMEM, ev_at, track);
        t->events[t->nevents++] = e;
        r->nevents++;
        t->end_tick = tick;
        if (e.type == LT_SMF_META && e.d1 == 0x2F) {
            t->has_eot = 1;
            if (pos < end) r->smf->warnings |= LT_SMF_WARN_AFTER_EOT;
            return 0;
        }
    }
    r->smf->warnings |= LT_SMF_WARN_NO_EOT;
    return 0;
}

/* Stable sorts by tick for the song-wide maps: insertion sort, as the maps are short and nearly
 * always already in order (one conductor track). */
#define SORT_BY_TICK(arr, n, type) do {                                   \
        for (size_t i_ = 1; i_ < (n); i_++) {                             \
            type x_ = (arr)[i_]; size_t j_ = i_;                          \
            while (j_ > 0 && (arr)[j_ - 1].tick > x_.tick) { (arr)[j_] = (arr)[j_ - 1]; j_--; } \
            (arr)[j_] = x_;                                               \
        }                                                                 \
    } while (0)

/* Takes ownership of bytes (malloc'd, len long) whether it succeeds or not. */
static int parse_owned(uint8_t *bytes, size_t len, lt_smf *out, lt_smf_error *err) {
    reader r = { .d = bytes, .len = len, .smf = out, .err = err };
    size_t track_cap = 0;
    int rc;
    memset(out, 0, sizeof *out);
    out->bytes = bytes;
    if (err) memset(err, 0, sizeof *err);

    if (len < 8 || memcmp(bytes, "MThd", 4) != 0) { rc = fail_at(&r, LT_SMF_EMAGIC, 0, -1); goto fail; }
    uint32_t hlen = be32(bytes + 4);
    if (hlen > len - 8) { rc = fail_at(&r, LT_SMF_ECHUNK, 4, -1); goto fail; }
    if (hlen < 6) { rc = fail_at(&r, LT_SMF_EHEADER, 4, -1); goto fail; }
    unsigned format = be16(bytes + 8), ntracks = be16(bytes + 10), division = be16(bytes + 12);
    if (format > 1) { rc = fail_at(&r, LT_SMF_EFORMAT, 8, -1); goto fail; }
    if (ntracks == 0) { rc = fail_at(&r, LT_SMF_EHEADER, 10, -1); goto fail; }
    if (ntracks > LT_SMF_MAX_TRACKS) { rc = fail_at(&r, LT_SMF_ETRACKS, 10, -1); goto fail; }
    if (division & 0x8000) { rc = fail_at(&r, LT_SMF_ESMPTE, 12, -1); goto fail; }
    if (division == 0) { rc = fail_at(&r, LT_SMF_EHEADER, 12, -1); goto fail; }
    out->format = (int)format;
    out->division = (int)division;

    size_t pos = 8 + (size_t)hlen;
    while (len - pos >= 8) {
        uint32_t clen = be32(bytes + pos + 4);
        if (clen > len - pos - 8) { rc = fail_at(&r, LT_SMF_ECHUNK, pos + 4, out->ntracks); goto fail; }
        if (memcmp(bytes + pos, "MTrk", 4) == 0) {
            if (out->ntracks >= LT_SMF_MAX_TRACKS) { rc = fail_at(&r, LT_SMF_ETRACKS, pos, out->ntracks); goto fail; }
            if (grow((void **)&out->tracks, &track_cap, (size_t)out->ntracks, sizeof *out->tracks)) {
                rc = fail_at(&r, LT_SMF_ENOMEM, pos, out->ntracks);
                goto fail;
            }
            lt_smf_mtrk *t = &out->tracks[out->ntracks++];
            memset(t, 0, sizeof *t);
            if ((rc = parse_track(&r, t, pos + 8, pos + 8 + clen, out->ntracks - 1))) goto fail;
        }
        /* Other chunk types are skipped, as the SMF spec asks. */
        pos += 8 + (size_t)clen;
    }
    if (pos < len) out->warnings |= LT_SMF_WARN_TRAILING;
    if ((unsigned)out->ntracks != ntracks) out->warnings |= LT_SMF_WARN_TRACK_COUNT;
    if (out->ntracks == 0) { rc = fail_at(&r, LT_SMF_EHEADER, 10, -1); goto fail; }

    SORT_BY_TICK(out->tempos, out->ntempos, lt_smf_tempo);
    SORT_BY_TICK(out->meters, out->nmeters, lt_smf_meter);
    SORT_BY_TICK(out->markers, out->nmarkers, lt_smf_marker);
    SORT_BY_TICK(out->keys, out->nkeys, lt_smf_key);
    return LT_SMF_OK;

fail:
    lt_smf_free(out);
    return rc;
}

int lt_smf_parse(const uint8_t *data, size_t len, lt_smf *out, lt_smf_error *err) {
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        memset(out, 0, sizeof *out);
        if (err) *err = (lt_smf_error){ .code = LT_SMF_ENOMEM, .track = -1 };
        return LT_SMF_ENOMEM;
    }
    if (len) memcpy(copy, data, len);
    return parse_owned(copy, len, out, err);
}

#define MAX_FILE_BYTES ((size_t)256 << 20)

int lt_smf_read_file(const char *path, lt_smf *out, lt_smf_error *err) {
    int code = LT_SMF_EIO;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *f;
    memset(out, 0, sizeof *out);
    if (!(f = fopen(path, "rb"))) goto fail;
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_FILE_BYTES) { code = LT_SMF_EEVENTS; goto fail; }
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *p = realloc(buf, ncap);
            if (!p) { code = LT_SMF_ENOMEM; goto fail; }
            buf = p;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) goto fail;
            break;
        }
    }
    fclose(f);
    return parse_owned(buf, len, out, err);

fail:
    {
        int saved = errno;
        if (f) fclose(f);
        free(buf);
        if (err) *err = (lt_smf_error){ .code = code, .offset = len, .track = -1 };
        errno = saved;
    }
    return code;
}

void lt_smf_free(lt_smf *smf) {
    if (!smf) return;
    for (int i = 0; i < smf->ntracks; i++) {
        free(smf->tracks[i].name);
        free(smf->tracks[i].events);
    }
    free(smf->tracks);
    for (size_t i = 0; i < smf->nmarkers; i++) free((void *)smf->markers[i].text);
    free(smf->markers);
    free(smf->tempos);
    free(smf->meters);
    free(smf->keys);
    free(smf->bytes);
    memset(smf, 0, sizeof *smf);
}

int lt_smf_mtrk_notes(const lt_smf_mtrk *t, lt_smf_note **notes, size_t *count) {
    size_t n = 0;
    *notes = NULL;
    *count = 0;
    for (size_t i = 0; i < t->nevents; i++) n += t->events[i].type == LT_SMF_NOTE_ON;
    if (n == 0) return LT_SMF_OK;
    lt_smf_note *out = malloc(n * sizeof *out);
    size_t *next = malloc(n * sizeof *next);     /* FIFO links between open notes of one key */
    if (!out || !next) { free(out); free(next); return LT_SMF_ENOMEM; }
    size_t head[16 * 128], tail[16 * 128];
    const size_t none = (size_t)-1;
    for (size_t k = 0; k < 16 * 128; k++) head[k] = tail[k] = none;
    size_t k_out = 0;
    for (size_t i = 0; i < t->nevents; i++) {
        const lt_smf_event *e = &t->events[i];
        if (e->type != LT_SMF_NOTE_ON && e->type != LT_SMF_NOTE_OFF) continue;
        size_t key = (size_t)e->channel * 128 + e->d1;
        if (e->type == LT_SMF_NOTE_ON) {
            out[k_out] = (lt_smf_note){ e->tick, -1, e->d1, e->d2, e->channel };
            next[k_out] = none;
            if (tail[key] == none) head[key] = k_out; else next[tail[key]] = k_out;
            tail[key] = k_out++;
        } else if (head[key] != none) {
            size_t j = head[key];
            out[j].dur = e->tick - out[j].tick;
            head[key] = next[j];
            if (head[key] == none) tail[key] = none;
        }
    }
    for (size_t j = 0; j < n; j++) {
        if (out[j].dur < 0) out[j].dur = t->end_tick - out[j].tick;
        if (out[j].dur < 1) out[j].dur = 1;
    }
    free(next);
    *notes = out;
    *count = n;
    return LT_SMF_OK;
}

double lt_smf_tick_seconds(const lt_smf_tempo *tempos, size_t ntempos, int division, int64_t tick) {
    double sec = 0, us = 500000;
    int64_t at = 0;
    for (size_t i = 0; i < ntempos && tempos[i].tick < tick; i++) {
        if (tempos[i].tick > at) {
            sec += (double)(tempos[i].tick - at) * us / (1e6 * division);
            at = tempos[i].tick;
        }
        us = tempos[i].usec_per_quarter;
    }
    return sec + (double)(tick - at) * us / (1e6 * division);
}

/* ---- writer ---- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const void *src, size_t n) {
    if (b->oom) return;
    if (b->cap - b->len < n) {
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap - b->len < n) {
            if (ncap > SIZE_MAX / 2) { b->oom = 1; return; }
            ncap *= 2;
        }
        uint8_t *q = realloc(b->p, ncap);
        if (!q) { b->oom = 1; return; }
        b->p = q;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_byte(buf *b, uint8_t x) { put(b, &x, 1); }

static void put_vlq(buf *b, uint32_t v) {
    uint8_t tmp[4];
    int n = 0;
    tmp[3] = v & 0x7F;
    for (n = 1, v >>= 7; v && n < 4; n++, v >>= 7) tmp[3 - n] = (uint8_t)(0x80 | (v & 0x7F));
    put(b, tmp + 4 - n, (size_t)n);
}

/* One event to write, sorted by (tick, rank, seq): rank 0 note-off, 1 anything else, 2 note-on;
 * seq keeps the caller's order among equals so the sort is stable. */
typedef struct wev {
    int64_t tick;
    int rank;
    size_t seq;
    lt_smf_event e;
} wev;

static int wev_cmp(const void *a, const void *b) {
    const wev *x = a, *y = b;
    if (x->tick != y->tick) return x->tick < y->tick ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

#define NO_INDEX ((size_t)-1)     /* the error is about the song or track, not one item of a list */

static int bad(lt_smf_error *err, int code, int track, size_t index, const char *what) {
    if (err) *err = (lt_smf_error){ .code = code, .track = track, .index = index, .what = what };
    return code;
}

static int rank_of(const lt_smf_event *e) {
    return e->type == LT_SMF_NOTE_OFF ? 0 : e->type == LT_SMF_NOTE_ON ? 2 : 1;
}

/* Writes one MTrk chunk from n events (sorted here) with running status for channel events. */
static int put_track(buf *b, wev *ev, size_t n, int track, lt_smf_error *err) {
    qsort(ev, n, sizeof *ev, wev_cmp);
    size_t len_at = b->len + 4;
    put(b, "MTrk\0\0\0\0", 8);
    int64_t now = 0;
    uint8_t running = 0;
    for (size_t i = 0; i < n; i++) {
        const lt_smf_event *e = &ev[i].e;
        if (ev[i].tick > LT_SMF_MAX_TICK) return bad(err, LT_SMF_ERANGE, track, ev[i].seq, "tick");
        put_vlq(b, (uint32_t)(ev[i].tick - now));
        now = ev[i].tick;
        if (e->type <= LT_SMF_PITCH_BEND) {
            static const uint8_t hi[7] = { 0x80, 0x90, 0xA0, 0xB0, 0xC0, 0xD0, 0xE0 };
            uint8_t status = (uint8_t)(hi[e->type] | e->channel);
            if (status != running) put_byte(b, status);
            running = status;
            put_byte(b, e->d1);
            if (e->type != LT_SMF_PROGRAM && e->type != LT_SMF_AFTERTOUCH) put_byte(b, e->d2);
        } else {
            /* SysEx and meta events cancel running status for readers that follow the spec. */
            running = 0;
            put_byte(b, e->type == LT_SMF_META ? 0xFF : e->d1);
            if (e->type == LT_SMF_META) put_byte(b, e->d1);
            put_vlq(b, e->len);
            if (e->len) put(b, e->data, e->len);
        }
    }
    put(b, "\0\xFF\x2F\0", 4);
    if (b->oom) return bad(err, LT_SMF_ENOMEM, track, 0, NULL);
    uint32_t clen = (uint32_t)(b->len - len_at - 4);
    b->p[len_at] = (uint8_t)(clen >> 24);
    b->p[len_at + 1] = (uint8_t)(clen >> 16);
    b->p[len_at + 2] = (uint8_t)(clen >> 8);
    b->p[len_at + 3] = (uint8_t)clen;
    return 0;
}

static int check_tick(int64_t tick) { return tick >= 0 && tick <= LT_SMF_MAX_TICK; }

static int text_event(wev *w, int64_t tick, size_t seq, uint8_t type, const char *text) {
    size_t n = strlen(text);
    if (n > LT_SMF_MAX_TICK) return -1;
    *w = (wev){ tick, 1, seq, { .tick = tick, .type = LT_SMF_META, .d1 = type,
                                .len = (uint32_t)n, .data = (const uint8_t *)text } };
    return 0;
}

/* Checks and appends caller events; seq continues from seq0 so they sort after what came before. */
static int add_events(wev *ev, size_t *n, const lt_smf_event *events, size_t count, size_t seq0,
                      int track, lt_smf_error *err) {
    for (size_t i = 0; i < count; i++) {
        const lt_smf_event *e = &events[i];
        if (!check_tick(e->tick)) return bad(err, LT_SMF_ERANGE, track, i, "events");
        int ok;
        switch (e->type) {
        case LT_SMF_SYSEX: ok = (e->d1 == 0xF0 || e->d1 == 0xF7) && e->len <= LT_SMF_MAX_TICK && (e->data || !e->len); break;
        case LT_SMF_META:  ok = e->d1 < 0x80 && e->d1 != 0x2F && e->len <= LT_SMF_MAX_TICK && (e->data || !e->len); break;
        default:           ok = e->type <= LT_SMF_PITCH_BEND && e->channel < 16 && e->d1 < 128 && e->d2 < 128; break;
        }
        if (!ok) return bad(err, LT_SMF_EINVAL, track, i, "events");
        ev[*n] = (wev){ e->tick, rank_of(e), seq0 + i, *e };
        (*n)++;
    }
    return 0;
}

static int conductor(const lt_smf_song *s, buf *b, lt_smf_error *err) {
    size_t n = 0, cap = 1 + s->ntempos + s->nmeters + s->nmarkers + s->nevents;
    wev *ev = malloc(cap * sizeof *ev);
    uint8_t (*payload)[4] = malloc((s->ntempos + s->nmeters + 1) * sizeof *payload);
    int rc = LT_SMF_ENOMEM;
    if (!ev || !payload) { rc = bad(err, LT_SMF_ENOMEM, -1, 0, NULL); goto fail; }
    size_t np = 0;
    if (s->name && text_event(&ev[n++], 0, 0, 0x03, s->name)) { rc = bad(err, LT_SMF_EINVAL, -1, NO_INDEX, "name"); goto fail; }
    if (n) ev[0].rank = 0;      /* the name comes first at tick 0 */
    for (size_t i = 0; i < s->ntempos; i++) {
        const lt_smf_tempo *t = &s->tempos[i];
        if (!check_tick(t->tick)) { rc = bad(err, LT_SMF_ERANGE, -1, i, "tempos"); goto fail; }
        if (t->usec_per_quarter < 1 || t->usec_per_quarter > 0xFFFFFF) { rc = bad(err, LT_SMF_EINVAL, -1, i, "tempos"); goto fail; }
        uint8_t *p = payload[np++];
        p[0] = (uint8_t)(t->usec_per_quarter >> 16); p[1] = (uint8_t)(t->usec_per_quarter >> 8); p[2] = (uint8_t)t->usec_per_quarter;
        ev[n] = (wev){ t->tick, 1, n, { .tick = t->tick, .type = LT_SMF_META, .d1 = 0x51, .len = 3, .data = p } };
        n++;
    }
    for (size_t i = 0; i < s->nmeters; i++) {
        const lt_smf_meter *m = &s->meters[i];
        if (!check_tick(m->tick)) { rc = bad(err, LT_SMF_ERANGE, -1, i, "meters"); goto fail; }
        int lg = 0;
        while (lg < 16 && (1 << lg) < m->den) lg++;
        if (m->num < 1 || m->num > 255 || m->den < 1 || lg > 15 || (1 << lg) != m->den) {
            rc = bad(err, LT_SMF_EINVAL, -1, i, "meters");
            goto fail;
        }
        uint8_t *p = payload[np++];
        /* MIDI clocks per metronome click: one click per denominator beat (24 per quarter). */
        int clocks = 96 >> lg;
        p[0] = (uint8_t)m->num; p[1] = (uint8_t)lg; p[2] = (uint8_t)(clocks > 0 ? clocks : 1); p[3] = 8;
        ev[n] = (wev){ m->tick, 1, n, { .tick = m->tick, .type = LT_SMF_META, .d1 = 0x58, .len = 4, .data = p } };
        n++;
    }
    for (size_t i = 0; i < s->nmarkers; i++) {
        const lt_smf_marker *m = &s->markers[i];
        if (!check_tick(m->tick)) { rc = bad(err, LT_SMF_ERANGE, -1, i, "markers"); goto fail; }
        if (!m->text || text_event(&ev[n], m->tick, n, 0x06, m->text)) { rc = bad(err, LT_SMF_EINVAL, -1, i, "markers"); goto fail; }
        n++;
    }
    if ((rc = add_events(ev, &n, s->events, s->nevents, n, -1, err))) goto fail;
    rc = put_track(b, ev, n, -1, err);
fail:
    free(ev);
    free(payload);
    return rc;
}

static int lute_track(const lt_smf_track *t, int track, buf *b, lt_smf_error *err) {
    size_t n = 0;
    int rc;
    wev *ev = malloc((1 + 2 * t->nnotes + t->nevents) * sizeof *ev);
    if (!ev) return bad(err, LT_SMF_ENOMEM, track, 0, NULL);
    if (t->name && text_event(&ev[n++], 0, 0, 0x03, t->name)) { rc = bad(err, LT_SMF_EINVAL, track, NO_INDEX, "name"); goto fail; }
    if (n) ev[0].rank = 0;
    /* seq of a note's events is its index, so an error in sorting order still names the note. */
    for (size_t i = 0; i < t->nnotes; i++) {
        const lt_smf_note *x = &t->notes[i];
        const char *what = x->note > 127 ? "note" : x->vel < 1 || x->vel > 127 ? "vel"
                         : x->ch > 15 ? "ch" : x->dur < 1 ? "dur" : NULL;
        if (what) { rc = bad(err, LT_SMF_EINVAL, track, i, what); goto fail; }
        if (!check_tick(x->tick)) { rc = bad(err, LT_SMF_ERANGE, track, i, "tick"); goto fail; }
        if (x->dur > LT_SMF_MAX_TICK - x->tick) { rc = bad(err, LT_SMF_ERANGE, track, i, "dur"); goto fail; }
        ev[n++] = (wev){ x->tick, 2, i, { .tick = x->tick, .type = LT_SMF_NOTE_ON, .channel = x->ch, .d1 = x->note, .d2 = x->vel } };
        ev[n++] = (wev){ x->tick + x->dur, 0, i, { .tick = x->tick + x->dur, .type = LT_SMF_NOTE_OFF, .channel = x->ch, .d1 = x->note, .d2 = 64 } };
    }
    if ((rc = add_events(ev, &n, t->events, t->nevents, t->nnotes, track, err))) goto fail;
    rc = put_track(b, ev, n, track, err);
fail:
    free(ev);
    return rc;
}

int lt_smf_encode(const lt_smf_song *song, uint8_t **out, size_t *len, lt_smf_error *err) {
    buf b = { 0 };
    int rc;
    *out = NULL;
    *len = 0;
    if (err) memset(err, 0, sizeof *err);
    /* Refuse what lt_smf_parse would refuse: a file lute writes, lute can read back. */
    if (song->ntracks > LT_SMF_MAX_TRACKS - 1) return bad(err, LT_SMF_ETRACKS, -1, NO_INDEX, "tracks");
    size_t total = 2, parts[4] = { song->ntempos, song->nmeters, song->nmarkers, song->nevents };
    for (int i = 0; i < 4; i++) total += parts[i] < LT_SMF_MAX_EVENTS ? parts[i] : LT_SMF_MAX_EVENTS;
    for (size_t i = 0; i < song->ntracks && total <= LT_SMF_MAX_EVENTS; i++) {
        const lt_smf_track *t = &song->tracks[i];
        total += 2 + (t->nnotes < LT_SMF_MAX_EVENTS ? 2 * t->nnotes : LT_SMF_MAX_EVENTS)
                   + (t->nevents < LT_SMF_MAX_EVENTS ? t->nevents : LT_SMF_MAX_EVENTS);
    }
    if (total > LT_SMF_MAX_EVENTS) return bad(err, LT_SMF_EEVENTS, -1, NO_INDEX, "events in all tracks");
    int division = song->division ? song->division : LT_SMF_DEFAULT_DIVISION;
    if (division < 1 || division > 0x7FFF) return bad(err, LT_SMF_EINVAL, -1, NO_INDEX, "division");
    put(&b, "MThd\0\0\0\6\0\1", 10);
    put_byte(&b, (uint8_t)((song->ntracks + 1) >> 8));
    put_byte(&b, (uint8_t)(song->ntracks + 1));
    put_byte(&b, (uint8_t)(division >> 8));
    put_byte(&b, (uint8_t)division);
    if ((rc = conductor(song, &b, err))) goto fail;
    for (size_t i = 0; i < song->ntracks; i++)
        if ((rc = lute_track(&song->tracks[i], (int)i, &b, err))) goto fail;
    if (b.oom) { rc = bad(err, LT_SMF_ENOMEM, -1, 0, NULL); goto fail; }
    *out = b.p;
    *len = b.len;
    return LT_SMF_OK;
fail:
    free(b.p);
    return rc;
}

int lt_smf_write(const lt_smf_song *song, const char *path, lt_smf_error *err) {
    uint8_t *data;
    size_t len;
    int rc = lt_smf_encode(song, &data, &len, err);
    if (rc) return rc;
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    int saved = errno;
    if (f && fclose(f) != 0 && ok) { ok = 0; saved = errno; }
    free(data);
    if (!ok) {
        errno = saved;
        return bad(err, LT_SMF_EIO, -1, 0, NULL);
    }
    return LT_SMF_OK;
}
