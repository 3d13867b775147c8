/* take.h — recording a take: the audio thread pushes input frames into a lock-free ring, a disk
 * thread drains it into a numbered WAV file that stays readable while it grows, and a sidecar file
 * lists every take.  A take is never overwritten and never lost (docs/recording.md).
 *
 * Files.  lt_take_open creates <folder>/<name>-take-NNN.wav with the next free number (one more than
 * the highest number in the folder; created with O_EXCL, so two recorders can never pick the same
 * file) and appends a line to <folder>/takes.lua.  The file is 32-bit float WAV, little endian, with
 * a 28-byte JUNK chunk reserved before `fmt ` so that it becomes RF64 in place when it outgrows
 * 4 GiB (EBU Tech 3306), then `fmt ` (WAVEFORMATEX), `fact`, and the data chunk last, from byte 94.
 *
 * Crash safety.  The disk thread writes what it drains at once (at most ~10 ms stay in the ring),
 * and once per `sync_seconds` (1 s) it makes the data durable (fdatasync), then rewrites the
 * header's sizes and makes that durable too — in that order, so a header never claims data the
 * disk does not hold.  After `kill -9` or a power failure the file's header is at most one second
 * behind: libsndfile and sox read everything up to that second; lt_take_recover (run on the next
 * start) extends the header to every whole frame on disk.  While a take records, its file holds a
 * flock, so a recovery pass in another process leaves it alone.
 *
 * The ring.  One element carries up to LT_QUANTUM frames (interleaved float) with the engine frame
 * of its first frame.  When the disk falls behind and the ring is full, a push is refused at once
 * and counted; the disk thread fills the hole with silence, so everything after it keeps its place
 * in time, and the take's result says how many frames were lost.
 *
 * Failures.  An unwritable folder fails lt_take_open with a message naming the folder.  A write
 * that fails during the take (disk full, a file size limit, an I/O error) ends the writing: the
 * file is cut to its last whole frame, its header completed and synced, and lt_take_status /
 * lt_take_close give a message saying why and how much was kept; the ring goes on being drained
 * and discarded, so the audio thread notices nothing.
 *
 * Threads: open/status/close/free on the control thread; lt_take_push on one producer thread (the
 * audio thread); the disk thread is the take's own.  Little-endian hosts only (as lute's engine). */
#ifndef LT_IO_TAKE_H
#define LT_IO_TAKE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LT_TAKE_MAX_CH   8
#define LT_TAKE_PATH_MAX 1024
#define LT_TAKE_MSG_MAX  2048

typedef enum {
    LT_TAKE_OK = 0,
    LT_TAKE_EARG,      /* a bad configuration value (the message names it) */
    LT_TAKE_EDIR,      /* the takes folder cannot be created or written */
    LT_TAKE_EOPEN,     /* the take file cannot be created */
    LT_TAKE_EWRITE,    /* a write failed during the take; what came before is kept */
    LT_TAKE_ENOMEM,
    LT_TAKE_EFORMAT,   /* recover: not a take file (no RIFF/RF64 WAVE with its data chunk last) */
    LT_TAKE_EBUSY,     /* recover: the take is still being recorded (its file is locked) */
} lt_take_err;

const char *lt_take_strerror(lt_take_err e);

/* Tests stand in for a slow or failing disk: called on the disk thread before every write of data
 * with the byte count; may sleep; returns 0 to go on, or an errno value to make the write fail. */
typedef int (*lt_take_io_hook)(void *ud, size_t bytes);

/* Zero means the default for every field but folder, name, rate and channels. */
typedef struct lt_take_config {
    const char *folder;        /* the song's takes/ folder; created (with its parent) if missing */
    const char *name;          /* the file name's stem, usually the track: <name>-take-NNN.wav */
    const char *track;         /* the track, for the sidecar (NULL = name) */
    int     rate;              /* frames per second */
    int     channels;          /* 1 .. LT_TAKE_MAX_CH */
    int64_t start_frame;       /* engine frame where the take begins (punch in): frames pushed before
                                  it are not kept (count-in, pre-roll).  0 = from the first push */
    int64_t end_frame;         /* engine frame where it ends (punch out); 0 = until closed */
    double  ring_seconds;      /* the ring holds at least this much; 0 = 8 s */
    double  sync_seconds;      /* how often the header is rewritten and synced; 0 = 1 s */
    uint64_t rf64_at;          /* tests: data bytes from which the file becomes RF64; 0 = 4 GiB */
    lt_take_io_hook io_hook;   /* tests: NULL = the real disk */
    void   *io_ud;
} lt_take_config;

typedef struct lt_take lt_take;

/* What a take holds, from lt_take_close, lt_take_recover or lt_take_status. */
/* A frame of a take is sound when a channel is above -90 dBFS: the noise of an open, idle input is far
 * above it, so a take that stays below is an input that is unplugged, muted or on the wrong channel. */
#define LT_TAKE_SILENT 3.1623e-5f

typedef struct lt_take_info {
    char     path[LT_TAKE_PATH_MAX];   /* the file */
    const char *file;                  /* its name inside the folder (points into path) */
    int      number;                   /* NNN */
    int      rate, channels;
    int64_t  start_frame;              /* engine frame of the file's first frame */
    int64_t  frames;                   /* frames in the file */
    int64_t  lost_frames;              /* frames filled with silence because the ring was full */
    uint64_t hash;                     /* FNV-1a 64 of the data chunk's bytes */
    int64_t  sound_end;                /* frames into the take up to its last frame above LT_TAKE_SILENT (0: none yet) */
    float    peak;                     /* the largest sample so far, any channel */
    double   ring_peak;                /* the fullest the ring got, 0..1 */
    double   ring_seconds;             /* the ring's size (rounded up to a power of two slots) */
    lt_take_err error;                 /* LT_TAKE_OK, or what ended the writing early */
    char     message[LT_TAKE_MSG_MAX]; /* the error in words, "" when none */
} lt_take_info;

/* Creates the file and the sidecar line, starts the disk thread.  On failure *out is NULL and msg
 * says what went wrong, naming the folder or file.  Thread: control.  RT-safe: no. */
lt_take_err lt_take_open(lt_take **out, const lt_take_config *cfg, char *msg, size_t msgsz);

/* Pushes n frames of `channels` planar channels, the first at engine frame `frame`.  Never waits:
 * false when the ring is full (the frames are counted as lost and become silence in the file).
 * Frames outside [start_frame, end_frame) are pushed but not kept.
 * Thread: the one producer (the audio thread).  RT-safe: yes (no allocation, locks or syscalls). */
bool lt_take_push(lt_take *t, int64_t frame, const float *const *ch, int n);

/* The same with one interleaved buffer.  Thread: the producer.  RT-safe: yes. */
bool lt_take_push_interleaved(lt_take *t, int64_t frame, const float *frames, int n);

/* Moves the punch-out: frames from `frame` on are not kept.  Thread: any.  RT-safe: yes. */
void lt_take_set_end(lt_take *t, int64_t frame);

/* The take's path (valid until lt_take_free).  Thread: any.  RT-safe: yes. */
const char *lt_take_path(const lt_take *t);

/* A snapshot while recording: frames on disk, lost frames, ring peak, and an error if the writing
 * has stopped (then `message` says why).  Thread: control.  RT-safe: no. */
lt_take_err lt_take_status(lt_take *t, lt_take_info *info);

/* Ends the take: the disk thread writes what the ring holds (up to end_frame), completes the
 * header, syncs and closes the file, and appends the take's final line to the sidecar (with
 * `note`, e.g. "the input device disappeared", when not NULL).  Pushes after this are discarded.
 * The audio thread may still hold the take: free it only once it has let go.
 * Thread: control.  RT-safe: no (waits for the disk thread). */
lt_take_err lt_take_close(lt_take *t, const char *note, lt_take_info *info);

/* Frees the take (closing it first if needed).  Thread: control, once no producer holds it. */
void lt_take_free(lt_take *t);

/* Makes a take file whose header lags its data (after a crash) whole again: its sizes are set to
 * every whole frame on disk, a partial last frame is cut, and the file is synced.  `info` gets its
 * frames, rate, channels and hash; *fixed says whether anything was changed.
 * Thread: control.  RT-safe: no. */
lt_take_err lt_take_recover(const char *path, lt_take_info *info, bool *fixed);

/* The recovery pass for a takes folder, on start: every take the sidecar still lists as recording
 * (its process died) is recovered and gets a final "recovered" line.  `report` is called once per
 * take recovered or left alone, with a message for the user.  Returns the number recovered.
 * Thread: control.  RT-safe: no. */
int lt_take_recover_folder(const char *folder, void (*report)(void *ud, const lt_take_info *info), void *ud);

/* FNV-1a 64, the content hash of a take (and of any buffer): continue from `h` (start with
 * LT_FNV64_INIT).  Thread: any.  RT-safe: yes. */
#define LT_FNV64_INIT 0xcbf29ce484222325ULL
uint64_t lt_fnv64(uint64_t h, const void *p, size_t n);
#endif
