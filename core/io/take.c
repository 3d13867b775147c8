/* take.c — takes streamed to disk by a disk thread, crash-safe, never overwritten (see take.h).
 * The ring is JACK's ringbuffer idea as lute has it (ring.h): the audio thread only copies a
 * quantum into a slot; everything that can block — write, fsync, the sidecar — happens here on the
 * take's own disk thread or on the control thread. */
#include "io/take.h"
#include "quantum.h"
#include "ring.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "take.c writes WAV (little endian) straight from memory"
#endif

/* RIFF(12) JUNK/ds64(36) fmt(26: WAVEFORMATEX, cbSize 0) fact(12) data(8): what the WAV spec asks
 * of a non-PCM format, so no reader warns. */
#define HEADER_BYTES 94
#define DATA_AT      94
#define JUNK_AT      12
#define FMT_AT       48
#define FACT_AT      74
#define DATA_HDR_AT  86
#define WAV_MAX_DATA (0xFFFFFFFFull - (HEADER_BYTES - 8))
#define BUF_BYTES    (64 * 1024)
#define POLL_NS      5000000            /* the disk thread's nap when the ring is empty */

typedef struct block {
    int64_t frame;
    int32_t n;
    int32_t pad;
    float   s[LT_QUANTUM * LT_TAKE_MAX_CH];
} block;

struct lt_take {
    /* fixed at open */
    char     path[LT_TAKE_PATH_MAX];
    char     folder[LT_TAKE_PATH_MAX - 256];
    char     track[256];
    int      number, rate, channels, frame_bytes;
    int64_t  start_req;
    double   sync_seconds;
    uint64_t rf64_at;
    lt_take_io_hook io_hook;
    void    *io_ud;
    size_t   elem;                      /* bytes of a ring element for this channel count */
    lt_ring  ring;
    pthread_t thread;
    int      thread_started, closed;

    /* shared between threads */
    _Atomic int      stop;              /* control -> disk: drain and finish */
    _Atomic int64_t  end_frame;         /* 0 = none */
    _Atomic int64_t  refused;           /* frames refused (producer) */
    _Atomic int64_t  pushed_end;        /* producer: the frame after the last one it tried to push */
    _Atomic size_t   ring_peak;         /* producer */
    _Atomic int64_t  frames_done;       /* disk -> control: frames on disk */
    _Atomic int64_t  lost_done;
    _Atomic int64_t  start_done;
    _Atomic int64_t  sound_end_done;    /* disk -> control: frames into the take up to its last sound */
    _Atomic float    peak_done;
    _Atomic int      failed;            /* disk -> control: error and message are set */

    /* the disk thread's own */
    int      fd;
    int      started;
    int64_t  start_frame, next_frame;
    int64_t  lost;
    uint64_t data_bytes;                /* bytes of data successfully written */
    uint64_t hash;
    int64_t  synced_frames;
    int      rf64;
    size_t   buf_used;
    unsigned char *buf;
    lt_take_err error;
    char     message[LT_TAKE_MSG_MAX];
};

const char *lt_take_strerror(lt_take_err e) {
    switch (e) {
    case LT_TAKE_OK:      return "no error";
    case LT_TAKE_EARG:    return "bad take configuration";
    case LT_TAKE_EDIR:    return "the takes folder cannot be written";
    case LT_TAKE_EOPEN:   return "the take file cannot be created";
    case LT_TAKE_EWRITE:  return "writing the take failed";
    case LT_TAKE_ENOMEM:  return "out of memory";
    case LT_TAKE_EFORMAT: return "not a lute take file";
    case LT_TAKE_EBUSY:   return "the take is still being recorded";
    }
    return "unknown take error";
}

uint64_t lt_fnv64(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 0x100000001b3ULL; }
    return h;
}

static void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void put64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const unsigned char *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }
static unsigned get16(const unsigned char *p) { return (unsigned)p[0] | (unsigned)p[1] << 8; }

/* The header for `data` bytes: plain RIFF while it fits, RF64 with the JUNK chunk turned into ds64
 * when it does not (or from `rf64_at` on, for tests). */
static void make_header(unsigned char *h, int rate, int channels, uint64_t data, int rf64) {
    int fb = 4 * channels;
    memset(h, 0, HEADER_BYTES);
    memcpy(h, rf64 ? "RF64" : "RIFF", 4);
    put32(h + 4, rf64 ? 0xFFFFFFFFu : (uint32_t)(data + HEADER_BYTES - 8));
    memcpy(h + 8, "WAVE", 4);
    memcpy(h + JUNK_AT, rf64 ? "ds64" : "JUNK", 4);
    put32(h + JUNK_AT + 4, 28);
    if (rf64) {
        put64(h + JUNK_AT + 8, data + HEADER_BYTES - 8);
        put64(h + JUNK_AT + 16, data);
        put64(h + JUNK_AT + 24, data / (uint64_t)fb);
    }
    memcpy(h + FMT_AT, "fmt ", 4);
    put32(h + FMT_AT + 4, 18);
    put16(h + FMT_AT + 8, 3);                       /* WAVE_FORMAT_IEEE_FLOAT */
    put16(h + FMT_AT + 10, (unsigned)channels);
    put32(h + FMT_AT + 12, (uint32_t)rate);
    put32(h + FMT_AT + 16, (uint32_t)(rate * fb));
    put16(h + FMT_AT + 20, (unsigned)fb);
    put16(h + FMT_AT + 22, 32);
    put16(h + FMT_AT + 24, 0);                      /* cbSize: no extension */
    memcpy(h + FACT_AT, "fact", 4);
    put32(h + FACT_AT + 4, 4);
    put32(h + FACT_AT + 8, rf64 ? 0xFFFFFFFFu : (uint32_t)(data / (uint64_t)fb));
    memcpy(h + DATA_HDR_AT, "data", 4);
    put32(h + DATA_HDR_AT + 4, rf64 ? 0xFFFFFFFFu : (uint32_t)data);
}

static int pwrite_all(int fd, const void *p, size_t n, off_t at) {
    const unsigned char *b = p;
    while (n) {
        ssize_t w = pwrite(fd, b, n, at);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        b += w; n -= (size_t)w; at += w;
    }
    return 0;
}

/* ---- the sidecar -------------------------------------------------------------------------- */

static void add_str(char *out, size_t cap, size_t *len, const char *key, const char *v) {
    size_t l = *len;
    l += (size_t)snprintf(out + l, l < cap ? cap - l : 0, "%s%s = \"", l && out[l - 1] == '{' ? " " : ", ", key);
    for (const unsigned char *p = (const unsigned char *)v; *p && l + 8 < cap; p++) {
        if (*p == '"' || *p == '\\') { out[l++] = '\\'; out[l++] = (char)*p; }
        else if (*p == '\n') { out[l++] = '\\'; out[l++] = 'n'; }
        else if (*p < 32 || *p == 127) l += (size_t)snprintf(out + l, cap - l, "\\%03u", *p);
        else out[l++] = (char)*p;
    }
    if (l + 2 < cap) out[l++] = '"';
    out[l < cap ? l : cap - 1] = 0;
    *len = l;
}

static void add_int(char *out, size_t cap, size_t *len, const char *key, long long v) {
    *len += (size_t)snprintf(out + *len, *len < cap ? cap - *len : 0, "%s%s = %lld",
                             *len && out[*len - 1] == '{' ? " " : ", ", key, v);
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* One line, one write(2) with O_APPEND, then fsync: lines of concurrent takes never interleave, and a
 * line is either on disk whole or (after a power failure mid-write) cut, which readers skip. */
static int sidecar_append(const char *folder, const char *line) {
    char path[LT_TAKE_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/takes.lua", folder);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    struct stat st;
    char text[4096 + 256];
    size_t n = 0;
    if (fstat(fd, &st) == 0 && st.st_size == 0)
        n = (size_t)snprintf(text, sizeof text, "-- lute takes: one line per event; a later line for the same file "
                                               "updates the earlier ones.  Written by lute, read by takes().\n");
    n += (size_t)snprintf(text + n, sizeof text - n, "%s\n", line);
    if (n >= sizeof text) n = sizeof text - 1;
    int rc = 0;
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, text + off, n - off);
        if (w < 0) { if (errno == EINTR) continue; rc = -1; break; }
        off += (size_t)w;
    }
    if (rc == 0 && fsync(fd) != 0) rc = -1;
    close(fd);
    return rc;
}

static void final_line(const char *folder, const lt_take_info *in, const char *state, const char *note) {
    char line[4096];
    size_t l = (size_t)snprintf(line, sizeof line, "take{");
    add_str(line, sizeof line, &l, "file", in->file);
    add_str(line, sizeof line, &l, "state", state);
    add_int(line, sizeof line, &l, "start", in->start_frame);
    add_int(line, sizeof line, &l, "frames", in->frames);
    add_int(line, sizeof line, &l, "lost", in->lost_frames);
    char hash[24];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)in->hash);
    add_str(line, sizeof line, &l, "hash", hash);
    if (in->message[0]) add_str(line, sizeof line, &l, "message", in->message);
    if (note && note[0]) add_str(line, sizeof line, &l, "note", note);
    if (l + 3 < sizeof line) { memcpy(line + l, " }", 3); }
    sidecar_append(folder, line);
}

/* ---- opening ------------------------------------------------------------------------------ */

static int mkdir_p(const char *dir) {
    char tmp[LT_TAKE_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", dir);
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/') tmp[--n] = 0;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(tmp, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
    return 0;
}

/* The highest NNN of <stem>-take-NNN.wav in the folder, so a new take always sorts after every
 * earlier one, even when some were deleted. */
static int highest_number(const char *folder, const char *stem) {
    DIR *d = opendir(folder);
    if (!d) return 0;
    size_t sl = strlen(stem);
    int best = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *s = e->d_name;
        if (strncmp(s, stem, sl) != 0 || strncmp(s + sl, "-take-", 6) != 0) continue;
        char *end;
        long v = strtol(s + sl + 6, &end, 10);
        if (end != s + sl + 6 && strcmp(end, ".wav") == 0 && v > best && v < INT_MAX) best = (int)v;
    }
    closedir(d);
    return best;
}

static void *disk_main(void *arg);

lt_take_err lt_take_open(lt_take **out, const lt_take_config *cfg, char *msg, size_t msgsz) {
    char dummy[8];
    if (!msg) { msg = dummy; msgsz = sizeof dummy; }
    msg[0] = 0;
    *out = NULL;
    if (!cfg || !cfg->folder || !cfg->folder[0] || !cfg->name || !cfg->name[0]) {
        snprintf(msg, msgsz, "a take needs a folder and a name");
        return LT_TAKE_EARG;
    }
    if (cfg->rate < 1000 || cfg->rate > 768000) {
        snprintf(msg, msgsz, "take '%s': rate %d is out of range (1000 .. 768000)", cfg->name, cfg->rate);
        return LT_TAKE_EARG;
    }
    if (cfg->channels < 1 || cfg->channels > LT_TAKE_MAX_CH) {
        snprintf(msg, msgsz, "take '%s': %d channels; a take has 1 .. %d", cfg->name, cfg->channels, LT_TAKE_MAX_CH);
        return LT_TAKE_EARG;
    }
    if (strlen(cfg->folder) >= LT_TAKE_PATH_MAX - 256) {
        snprintf(msg, msgsz, "take folder name is too long: %.200s...", cfg->folder);
        return LT_TAKE_EARG;
    }
    lt_take *t = calloc(1, sizeof *t);
    if (!t) { snprintf(msg, msgsz, "out of memory"); return LT_TAKE_ENOMEM; }
    t->fd = -1;
    lt_take_err err = LT_TAKE_ENOMEM;
    snprintf(t->folder, sizeof t->folder, "%s", cfg->folder);
    snprintf(t->track, sizeof t->track, "%s", cfg->track ? cfg->track : cfg->name);
    t->rate = cfg->rate;
    t->channels = cfg->channels;
    t->frame_bytes = 4 * cfg->channels;
    t->start_req = cfg->start_frame;
    t->sync_seconds = cfg->sync_seconds > 0 ? cfg->sync_seconds : 1.0;
    t->rf64_at = cfg->rf64_at ? cfg->rf64_at : WAV_MAX_DATA;
    t->io_hook = cfg->io_hook;
    t->io_ud = cfg->io_ud;
    atomic_init(&t->end_frame, cfg->end_frame);
    atomic_init(&t->start_done, cfg->start_frame);
    t->hash = LT_FNV64_INIT;
    t->elem = offsetof(block, s) + sizeof(float) * LT_QUANTUM * (size_t)cfg->channels;
    double secs = cfg->ring_seconds > 0 ? cfg->ring_seconds : 8.0;
    size_t slots = (size_t)(secs * cfg->rate / LT_QUANTUM) + 2;
    t->buf = malloc(BUF_BYTES);
    if (!t->buf || lt_ring_init(&t->ring, t->elem, slots) != 0) { snprintf(msg, msgsz, "out of memory"); goto fail; }

    /* The file name: the stem made safe for any file system, then the next free number. */
    char stem[200];
    size_t k = 0;
    for (const char *p = cfg->name; *p && k < sizeof stem - 1; p++) {
        unsigned char c = (unsigned char)*p;
        stem[k++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' ? (char)c : '_';
    }
    stem[k] = 0;
    if (mkdir_p(t->folder) != 0) {
        snprintf(msg, msgsz, "cannot create the takes folder '%s': %s", t->folder, strerror(errno));
        err = LT_TAKE_EDIR;
        goto fail;
    }
    int n = highest_number(t->folder, stem);
    for (int tries = 0;; tries++) {
        n++;
        snprintf(t->path, sizeof t->path, "%s/%s-take-%03d.wav", t->folder, stem, n);
        t->fd = open(t->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (t->fd >= 0) break;
        if (errno != EEXIST || tries > 100000) {
            int e = errno;
            snprintf(msg, msgsz, "cannot create the take '%s': %s%s", t->path, strerror(e),
                     e == EACCES || e == EROFS || e == EPERM ? " (the takes folder is not writable)" : "");
            err = e == EACCES || e == EROFS || e == EPERM ? LT_TAKE_EDIR : LT_TAKE_EOPEN;
            goto fail;
        }
    }
    t->number = n;
    flock(t->fd, LOCK_EX | LOCK_NB);
    unsigned char h[HEADER_BYTES];
    make_header(h, t->rate, t->channels, 0, 0);
    if (pwrite_all(t->fd, h, HEADER_BYTES, 0) != 0 || fsync(t->fd) != 0) {
        snprintf(msg, msgsz, "cannot write the take '%s': %s", t->path, strerror(errno));
        err = LT_TAKE_EOPEN;
        goto fail;
    }
    /* The sidecar line is durable before a single frame is recorded, so a take whose process dies
     * is listed, and the next start finds it to recover. */
    {
        char line[4096];
        size_t l = (size_t)snprintf(line, sizeof line, "take{");
        add_str(line, sizeof line, &l, "file", base_name(t->path));
        add_str(line, sizeof line, &l, "track", t->track);
        add_int(line, sizeof line, &l, "number", n);
        add_str(line, sizeof line, &l, "state", "recording");
        add_int(line, sizeof line, &l, "start", cfg->start_frame);
        add_int(line, sizeof line, &l, "rate", t->rate);
        add_int(line, sizeof line, &l, "channels", t->channels);
        add_str(line, sizeof line, &l, "format", "wav-float32");
        char when[40];
        time_t now = time(NULL);
        struct tm tmv;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tmv));
        add_str(line, sizeof line, &l, "time", when);
        if (l + 3 < sizeof line) memcpy(line + l, " }", 3);
        if (sidecar_append(t->folder, line) != 0) {
            snprintf(msg, msgsz, "cannot write the take list '%s/takes.lua': %s", t->folder, strerror(errno));
            err = LT_TAKE_EDIR;
            unlink(t->path);
            goto fail;
        }
    }
    if (pthread_create(&t->thread, NULL, disk_main, t) != 0) {
        snprintf(msg, msgsz, "cannot start the disk thread for '%s'", t->path);
        err = LT_TAKE_ENOMEM;
        goto fail;
    }
    t->thread_started = 1;
    *out = t;
    return LT_TAKE_OK;
fail:
    if (t->fd >= 0) close(t->fd);
    lt_ring_free(&t->ring);
    free(t->buf);
    free(t);
    return err;
}

/* ---- the audio thread's side ---------------------------------------------------------------- */

/* pushed_end is stored after the push, so a disk thread that reads it also finds the block in the
 * ring (or knows it was refused). */
static bool push_block(lt_take *t, const block *b) {
    if (!lt_ring_push(&t->ring, b)) {
        atomic_fetch_add_explicit(&t->refused, b->n, memory_order_relaxed);
        atomic_store_explicit(&t->pushed_end, b->frame + b->n, memory_order_release);
        return false;
    }
    atomic_store_explicit(&t->pushed_end, b->frame + b->n, memory_order_release);
    size_t c = lt_ring_count(&t->ring);
    if (c > atomic_load_explicit(&t->ring_peak, memory_order_relaxed))
        atomic_store_explicit(&t->ring_peak, c, memory_order_relaxed);
    return true;
}

bool lt_take_push(lt_take *t, int64_t frame, const float *const *ch, int n) {
    block b;
    bool ok = true;
    int nc = t->channels;
    for (int at = 0; at < n; at += LT_QUANTUM) {
        int m = n - at < LT_QUANTUM ? n - at : LT_QUANTUM;
        b.frame = frame + at;
        b.n = m;
        b.pad = 0;
        for (int c = 0; c < nc; c++) {
            const float *src = ch[c] + at;
            for (int i = 0; i < m; i++) b.s[i * nc + c] = src[i];
        }
        ok &= push_block(t, &b);
    }
    return ok;
}

bool lt_take_push_interleaved(lt_take *t, int64_t frame, const float *frames, int n) {
    block b;
    bool ok = true;
    int nc = t->channels;
    for (int at = 0; at < n; at += LT_QUANTUM) {
        int m = n - at < LT_QUANTUM ? n - at : LT_QUANTUM;
        b.frame = frame + at;
        b.n = m;
        b.pad = 0;
        memcpy(b.s, frames + (size_t)at * (size_t)nc, sizeof(float) * (size_t)(m * nc));
        ok &= push_block(t, &b);
    }
    return ok;
}

void lt_take_set_end(lt_take *t, int64_t frame) { atomic_store_explicit(&t->end_frame, frame, memory_order_release); }

const char *lt_take_path(const lt_take *t) { return t->path; }

/* ---- the disk thread -------------------------------------------------------------------------- */

static double seconds_of(const lt_take *t, int64_t frames) { return (double)frames / t->rate; }

/* A write failed: cut the file to its last whole frame, complete the header, sync, and say why.
 * From here on the disk thread only drains the ring. */
static void fail(lt_take *t, int e) {
    uint64_t whole = t->data_bytes / (uint64_t)t->frame_bytes * (uint64_t)t->frame_bytes;
    if (whole != t->data_bytes) {
        /* A partial write left part of a frame: drop it, and hash again what stays. */
        if (ftruncate(t->fd, (off_t)(DATA_AT + whole)) == 0) t->data_bytes = whole;
        uint64_t h = LT_FNV64_INIT;
        unsigned char tmp[8192];
        for (uint64_t off = 0; off < whole;) {
            size_t want = whole - off < sizeof tmp ? (size_t)(whole - off) : sizeof tmp;
            ssize_t r = pread(t->fd, tmp, want, (off_t)(DATA_AT + off));
            if (r <= 0) break;
            h = lt_fnv64(h, tmp, (size_t)r);
            off += (uint64_t)r;
        }
        t->hash = h;
    }
    unsigned char hd[HEADER_BYTES];
    make_header(hd, t->rate, t->channels, t->data_bytes, t->rf64 || t->data_bytes > t->rf64_at);
    pwrite_all(t->fd, hd, HEADER_BYTES, 0);
    fdatasync(t->fd);
    int64_t frames = (int64_t)(t->data_bytes / (uint64_t)t->frame_bytes);
    t->error = LT_TAKE_EWRITE;
    snprintf(t->message, sizeof t->message,
             "writing the take '%s' failed after %.2f s: %s; the take is kept up to there (%lld frames)%s",
             t->path, seconds_of(t, frames), strerror(e), (long long)frames,
             e == ENOSPC ? " — the disk is full" : e == EFBIG ? " — the file size limit was reached" : "");
    atomic_store_explicit(&t->frames_done, frames, memory_order_relaxed);
    atomic_store_explicit(&t->failed, 1, memory_order_release);
}

static int flush_buf(lt_take *t) {
    size_t n = t->buf_used, off = 0;
    t->buf_used = 0;
    while (off < n) {
        if (t->io_hook) {
            int e = t->io_hook(t->io_ud, n - off);
            if (e) { fail(t, e); return -1; }
        }
        ssize_t w = pwrite(t->fd, t->buf + off, n - off, (off_t)(DATA_AT + t->data_bytes));
        if (w < 0) {
            if (errno == EINTR) continue;
            fail(t, errno);
            return -1;
        }
        if (w == 0) { fail(t, ENOSPC); return -1; }
        t->hash = lt_fnv64(t->hash, t->buf + off, (size_t)w);
        t->data_bytes += (uint64_t)w;
        off += (size_t)w;
    }
    atomic_store_explicit(&t->frames_done, (int64_t)(t->data_bytes / (uint64_t)t->frame_bytes), memory_order_relaxed);
    return 0;
}

static int emit(lt_take *t, const float *s, int64_t frames) {
    size_t bytes = (size_t)frames * (size_t)t->frame_bytes;
    const unsigned char *p = (const unsigned char *)s;
    while (bytes) {
        size_t room = BUF_BYTES - t->buf_used;
        size_t m = bytes < room ? bytes : room;
        if (p) { memcpy(t->buf + t->buf_used, p, m); p += m; }
        else memset(t->buf + t->buf_used, 0, m);
        t->buf_used += m;
        bytes -= m;
        if (t->buf_used == BUF_BYTES && flush_buf(t) != 0) return -1;
    }
    return 0;
}

static void take_block(lt_take *t, const block *b) {
    int64_t lo = b->frame, hi = b->frame + b->n;
    int64_t end = atomic_load_explicit(&t->end_frame, memory_order_acquire);
    if (lo < t->start_req) lo = t->start_req;
    if (end > 0 && hi > end) hi = end;
    if (t->started && lo < t->next_frame) lo = t->next_frame;    /* a frame pushed twice is kept once */
    if (hi <= lo) return;
    if (!t->started) {
        t->started = 1;
        t->start_frame = t->next_frame = lo;
        atomic_store_explicit(&t->start_done, lo, memory_order_relaxed);
    }
    if (lo > t->next_frame) {                                     /* the ring was full: silence keeps time */
        int64_t gap = lo - t->next_frame;
        if (emit(t, NULL, gap) != 0) return;
        t->lost += gap;
        atomic_store_explicit(&t->lost_done, t->lost, memory_order_relaxed);
    }
    const float *x = b->s + (lo - b->frame) * t->channels;
    if (emit(t, x, hi - lo) != 0) return;
    /* the input's level, for "the input is silent" (the disk thread has the time; the audio thread not) */
    float peak = atomic_load_explicit(&t->peak_done, memory_order_relaxed);
    int64_t last = -1;
    for (int64_t i = 0; i < (hi - lo) * t->channels; i++) {
        float a = fabsf(x[i]);
        if (a > LT_TAKE_SILENT) last = i / t->channels;
        if (a > peak) peak = a;
    }
    atomic_store_explicit(&t->peak_done, peak, memory_order_relaxed);
    if (last >= 0) atomic_store_explicit(&t->sound_end_done, lo + last + 1 - t->start_frame, memory_order_relaxed);
    t->next_frame = hi;
}

/* Data first, then the header that points at it: a header never claims what is not durable. */
static void sync_header(lt_take *t) {
    if (fdatasync(t->fd) != 0 && errno != EINVAL) { fail(t, errno); return; }
    if (!t->rf64 && t->data_bytes > t->rf64_at) t->rf64 = 1;
    unsigned char h[HEADER_BYTES];
    make_header(h, t->rate, t->channels, t->data_bytes, t->rf64);
    if (pwrite_all(t->fd, h, HEADER_BYTES, 0) != 0) { fail(t, errno); return; }
    if (fdatasync(t->fd) != 0 && errno != EINVAL) { fail(t, errno); return; }
    t->synced_frames = (int64_t)(t->data_bytes / (uint64_t)t->frame_bytes);
}

static void *disk_main(void *arg) {
    lt_take *t = arg;
    block *b = malloc(t->elem);
    int64_t sync_every = (int64_t)(t->sync_seconds * t->rate);
    if (sync_every < 1) sync_every = 1;
    int64_t upto = 0;
    for (;;) {
        /* Read `stop` before draining: everything pushed before the close is then written. */
        int stopping = atomic_load_explicit(&t->stop, memory_order_acquire);
        if (stopping) upto = atomic_load_explicit(&t->pushed_end, memory_order_acquire);
        int got = 0;
        while (b && lt_ring_pop(&t->ring, b)) {
            got++;
            if (!atomic_load_explicit(&t->failed, memory_order_relaxed)) take_block(t, b);
        }
        if (!atomic_load_explicit(&t->failed, memory_order_relaxed)) {
            if (t->buf_used) flush_buf(t);
            int64_t frames = (int64_t)(t->data_bytes / (uint64_t)t->frame_bytes);
            if (!atomic_load_explicit(&t->failed, memory_order_relaxed) && frames - t->synced_frames >= sync_every)
                sync_header(t);
        }
        if (stopping) break;
        if (!got) {
            struct timespec ts = {0, POLL_NS};
            nanosleep(&ts, NULL);
        }
    }
    if (!b && !atomic_load_explicit(&t->failed, memory_order_relaxed)) {
        t->error = LT_TAKE_ENOMEM;
        snprintf(t->message, sizeof t->message, "out of memory in the disk thread of '%s'", t->path);
        atomic_store_explicit(&t->failed, 1, memory_order_release);
    }
    /* Frames refused at the very end left no later block to reveal their hole: pad it, so the take
     * lasts as long as what was pushed (up to the punch-out). */
    if (!atomic_load_explicit(&t->failed, memory_order_relaxed) && t->started) {
        int64_t end = atomic_load_explicit(&t->end_frame, memory_order_acquire);
        if (end > 0 && upto > end) upto = end;
        if (upto > t->next_frame) {
            int64_t gap = upto - t->next_frame;
            if (emit(t, NULL, gap) == 0) {
                t->lost += gap;
                t->next_frame = upto;
                atomic_store_explicit(&t->lost_done, t->lost, memory_order_relaxed);
                if (t->buf_used) flush_buf(t);
            }
        }
    }
    if (!atomic_load_explicit(&t->failed, memory_order_relaxed)) {
        sync_header(t);
        if (!atomic_load_explicit(&t->failed, memory_order_relaxed)) fsync(t->fd);
    }
    free(b);
    return NULL;
}

/* ---- the control thread's side -------------------------------------------------------------- */

static void fill_info(lt_take *t, lt_take_info *info) {
    memset(info, 0, sizeof *info);
    snprintf(info->path, sizeof info->path, "%s", t->path);
    info->file = base_name(info->path);
    info->number = t->number;
    info->rate = t->rate;
    info->channels = t->channels;
    info->start_frame = atomic_load_explicit(&t->start_done, memory_order_relaxed);
    info->frames = atomic_load_explicit(&t->frames_done, memory_order_relaxed);
    info->lost_frames = atomic_load_explicit(&t->lost_done, memory_order_relaxed);
    info->sound_end = atomic_load_explicit(&t->sound_end_done, memory_order_relaxed);
    info->peak = atomic_load_explicit(&t->peak_done, memory_order_relaxed);
    info->ring_peak = (double)atomic_load_explicit(&t->ring_peak, memory_order_relaxed) / (double)lt_ring_capacity(&t->ring);
    info->ring_seconds = (double)lt_ring_capacity(&t->ring) * LT_QUANTUM / t->rate;
    if (atomic_load_explicit(&t->failed, memory_order_acquire)) {
        info->error = t->error;
        snprintf(info->message, sizeof info->message, "%s", t->message);
    }
}

lt_take_err lt_take_status(lt_take *t, lt_take_info *info) {
    lt_take_info tmp;
    if (!info) info = &tmp;
    fill_info(t, info);
    return info->error;
}

lt_take_err lt_take_close(lt_take *t, const char *note, lt_take_info *info) {
    lt_take_info tmp;
    if (!info) info = &tmp;
    if (!t->closed) {
        atomic_store_explicit(&t->stop, 1, memory_order_release);
        if (t->thread_started) pthread_join(t->thread, NULL);
        t->thread_started = 0;
        t->closed = 1;
        fill_info(t, info);
        info->hash = t->hash;
        info->frames = (int64_t)(t->data_bytes / (uint64_t)t->frame_bytes);
        if (info->lost_frames > 0 && !info->message[0])
            snprintf(info->message, sizeof info->message,
                     "%lld frames (%.3f s) were lost because the disk fell behind; they are silence in the take",
                     (long long)info->lost_frames, seconds_of(t, info->lost_frames));
        final_line(t->folder, info, t->error ? "failed" : "done", note);
        if (t->fd >= 0) { close(t->fd); t->fd = -1; }
    } else {
        fill_info(t, info);
        info->hash = t->hash;
    }
    return t->error;
}

void lt_take_free(lt_take *t) {
    if (!t) return;
    if (!t->closed) lt_take_close(t, NULL, NULL);
    lt_ring_free(&t->ring);
    free(t->buf);
    free(t);
}

/* ---- recovery ------------------------------------------------------------------------------- */

lt_take_err lt_take_recover(const char *path, lt_take_info *info, bool *fixed) {
    lt_take_info tmp;
    bool tmpfix;
    if (!info) info = &tmp;
    if (!fixed) fixed = &tmpfix;
    memset(info, 0, sizeof *info);
    *fixed = false;
    snprintf(info->path, sizeof info->path, "%s", path);
    info->file = base_name(info->path);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(info->message, sizeof info->message, "cannot open the take '%s': %s", path, strerror(errno));
        return info->error = LT_TAKE_EOPEN;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        snprintf(info->message, sizeof info->message, "the take '%s' is still being recorded by another lute", path);
        return info->error = LT_TAKE_EBUSY;
    }
    unsigned char h[HEADER_BYTES];
    struct stat st;
    if (fstat(fd, &st) != 0 || pread(fd, h, HEADER_BYTES, 0) != HEADER_BYTES ||
        (memcmp(h, "RIFF", 4) != 0 && memcmp(h, "RF64", 4) != 0) || memcmp(h + 8, "WAVE", 4) != 0 ||
        (memcmp(h + JUNK_AT, "JUNK", 4) != 0 && memcmp(h + JUNK_AT, "ds64", 4) != 0) || get32(h + JUNK_AT + 4) != 28 ||
        memcmp(h + FMT_AT, "fmt ", 4) != 0 || get32(h + FMT_AT + 4) != 18 || get16(h + FMT_AT + 8) != 3 ||
        get16(h + FMT_AT + 22) != 32 || memcmp(h + FACT_AT, "fact", 4) != 0 || memcmp(h + DATA_HDR_AT, "data", 4) != 0) {
        close(fd);
        snprintf(info->message, sizeof info->message,
                 "'%s' is not a take written by lute (float WAV with its data chunk at byte 94)", path);
        return info->error = LT_TAKE_EFORMAT;
    }
    int channels = (int)get16(h + FMT_AT + 10);
    int rate = (int)get32(h + FMT_AT + 12);
    if (channels < 1 || channels > LT_TAKE_MAX_CH || rate < 1) {
        close(fd);
        snprintf(info->message, sizeof info->message, "'%s': a header with %d channels at %d Hz", path, channels, rate);
        return info->error = LT_TAKE_EFORMAT;
    }
    int fb = 4 * channels;
    int rf64 = memcmp(h, "RF64", 4) == 0;
    uint64_t claimed = rf64 ? get64(h + JUNK_AT + 16) : get32(h + DATA_HDR_AT + 4);
    uint64_t on_disk = st.st_size > DATA_AT ? (uint64_t)st.st_size - DATA_AT : 0;
    uint64_t whole = on_disk / (uint64_t)fb * (uint64_t)fb;
    if (claimed != whole || on_disk != whole) {
        if (on_disk != whole && ftruncate(fd, (off_t)(DATA_AT + whole)) != 0) {
            int e = errno;
            close(fd);
            snprintf(info->message, sizeof info->message, "cannot cut '%s' to whole frames: %s", path, strerror(e));
            return info->error = LT_TAKE_EWRITE;
        }
        make_header(h, rate, channels, whole, rf64 || whole > WAV_MAX_DATA);
        if (pwrite_all(fd, h, HEADER_BYTES, 0) != 0 || fsync(fd) != 0) {
            int e = errno;
            close(fd);
            snprintf(info->message, sizeof info->message, "cannot rewrite the header of '%s': %s", path, strerror(e));
            return info->error = LT_TAKE_EWRITE;
        }
        *fixed = true;
    }
    uint64_t hash = LT_FNV64_INIT;
    unsigned char *buf = malloc(1 << 16);
    for (uint64_t off = 0; buf && off < whole;) {
        size_t want = whole - off < (1u << 16) ? (size_t)(whole - off) : (1u << 16);
        ssize_t r = pread(fd, buf, want, (off_t)(DATA_AT + off));
        if (r <= 0) break;
        hash = lt_fnv64(hash, buf, (size_t)r);
        off += (uint64_t)r;
    }
    free(buf);
    close(fd);
    info->rate = rate;
    info->channels = channels;
    info->frames = (int64_t)(whole / (uint64_t)fb);
    info->hash = hash;
    if (*fixed)
        snprintf(info->message, sizeof info->message, "recovered '%s': %lld frames (%.2f s); its header said %.2f s",
                 path, (long long)info->frames, (double)info->frames / rate, (double)(claimed / (uint64_t)fb) / rate);
    return LT_TAKE_OK;
}

/* The sidecar's lines, read back: `take{ key = value, ... }` with strings quoted as written above. */
typedef struct entry { char file[256]; char state[32]; long long start, number; } entry;

static void copy_str(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static const char *parse_value(const char *p, char *out, size_t cap) {
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            char c = *p;
            if (c == '\\' && p[1]) {
                p++;
                if (*p == 'n') c = '\n';
                else if (*p >= '0' && *p <= '9') {
                    int v = 0;
                    for (int i = 0; i < 3 && *p >= '0' && *p <= '9'; i++, p++) v = v * 10 + (*p - '0');
                    p--;
                    c = (char)v;
                } else c = *p;
            }
            if (n + 1 < cap) out[n++] = c;
        }
        if (*p == '"') p++;
    } else {
        while (*p && *p != ',' && *p != '}' && *p != ' ') { if (n + 1 < cap) out[n++] = *p; p++; }
    }
    out[n] = 0;
    return p;
}

static int parse_line(const char *line, entry *e) {
    memset(e, 0, sizeof *e);
    const char *p = strstr(line, "take{");
    if (!p || p != line) return -1;
    p += 5;
    if (!strchr(p, '}')) return -1;                  /* a line cut by a crash */
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == '}' || !*p) break;
        char key[32], val[1024];
        size_t k = 0;
        while ((*p >= 'a' && *p <= 'z') || *p == '_') { if (k + 1 < sizeof key) key[k++] = *p; p++; }
        key[k] = 0;
        while (*p == ' ') p++;
        if (*p != '=' || !k) return -1;
        p++;
        while (*p == ' ') p++;
        p = parse_value(p, val, sizeof val);
        if (!strcmp(key, "file")) copy_str(e->file, sizeof e->file, val);
        else if (!strcmp(key, "state")) copy_str(e->state, sizeof e->state, val);
        else if (!strcmp(key, "start")) e->start = atoll(val);
        else if (!strcmp(key, "number")) e->number = atoll(val);
    }
    return e->file[0] ? 0 : -1;
}

int lt_take_recover_folder(const char *folder, void (*report)(void *ud, const lt_take_info *info), void *ud) {
    char path[LT_TAKE_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/takes.lua", folder);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    entry *list = NULL;
    size_t n = 0, cap = 0;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        entry e;
        if (parse_line(line, &e) != 0) continue;
        size_t i;
        for (i = 0; i < n && strcmp(list[i].file, e.file) != 0; i++) {}
        if (i == n) {
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 16;
                entry *nl = realloc(list, nc * sizeof *nl);
                if (!nl) break;
                list = nl;
                cap = nc;
            }
            list[n++] = e;
        } else {
            if (e.state[0]) copy_str(list[i].state, sizeof list[i].state, e.state);
            if (strstr(line, " start = ")) list[i].start = e.start;
        }
    }
    fclose(f);
    int recovered = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].state, "recording") != 0) continue;
        char fp[LT_TAKE_PATH_MAX];
        snprintf(fp, sizeof fp, "%s/%s", folder, list[i].file);
        lt_take_info info;
        bool fixed;
        lt_take_err e = lt_take_recover(fp, &info, &fixed);
        info.start_frame = list[i].start;
        info.number = (int)list[i].number;
        if (e == LT_TAKE_OK) {
            if (!fixed)
                snprintf(info.message, sizeof info.message, "recovered '%s': %lld frames (%.2f s); its header was whole",
                         fp, (long long)info.frames, info.rate ? (double)info.frames / info.rate : 0.0);
            final_line(folder, &info, "recovered", "the recording process ended without closing the take");
            recovered++;
        } else if (e == LT_TAKE_EOPEN) {
            final_line(folder, &info, "missing", NULL);
        }
        if (report) report(ud, &info);
    }
    free(list);
    return recovered;
}
