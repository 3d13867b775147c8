/* driver.h — where the engine's blocks go: a live device through PortAudio (any host API: ALSA, JACK,
 * PulseAudio), or a file, offline, faster than real time.  Both call lt_engine_process; there is one
 * processing path.
 *
 * Live (driver_pa.c): Thread: control for open/start/stop/close; the callback runs on PortAudio's audio
 * thread and does nothing but lt_engine_process and timing.
 * Offline (driver_offline.c): Thread: control; the engine runs in lockstep with `feed`, no wall clock. */
#ifndef LT_DRIVER_H
#define LT_DRIVER_H
#include <stdint.h>
#include <stddef.h>
#include "engine.h"
#include "master/dither.h"

typedef struct lt_live_config {
    const char *device;      /* NULL = default output; else a number, a part of a device name or host API name */
    int sample_rate;         /* 0 = 48000 (or the device's own rate if it refuses 48000) */
    int block;               /* 0 = 256 frames */
    const char *client_name; /* the name JACK shows; NULL = "lute" */
    int inputs;              /* device input channels to open: -1 = none (output only), 0 = up to 2,
                                N = up to N (as many as the device has) */
    int outputs;             /* device output channels: 0 = 2 (the master); up to LT_MAX_OUTPUTS, as many
                                as the device has: outputs 3.. carry channels routed to them directly */
} lt_live_config;

typedef struct lt_live_stats {
    double  worst_callback;  /* the longest callback, as a fraction of the period */
    double  mean_callback;
    int64_t callbacks, underflows;
} lt_live_stats;

typedef struct lt_live lt_live;

/* Lists output devices, one per line ("N: host API: name (channels, default rate)"). Returns the count. */
int      lt_live_list(char *buf, size_t len, char *err, size_t errlen);
/* Opens the device (not yet running).  NULL with err filled ("no audio output device", "no device
 * matches 'x'; devices: ...").  *no_device is set to 1 when there is no output device at all. */
lt_live *lt_live_open(const lt_live_config *cfg, int *no_device, char *err, size_t errlen);
int      lt_live_rate(const lt_live *l);
int      lt_live_block(const lt_live *l);
const char *lt_live_name(const lt_live *l);
double   lt_live_latency(const lt_live *l);   /* output latency the device reports, seconds */
int      lt_live_inputs(const lt_live *l);    /* input channels opened (0: output only) */
int      lt_live_outputs(const lt_live *l);   /* output channels opened (2: the master only) */
double   lt_live_input_latency(const lt_live *l);   /* input latency the device reports, seconds */
int      lt_live_start(lt_live *l, lt_engine *e, char *err, size_t errlen);
void     lt_live_stats_get(const lt_live *l, lt_live_stats *s);
void     lt_live_close(lt_live *l);           /* stops and closes */
/* Stops the stream and lets go of the device (the JACK client) without freeing `l`: for a forced end
 * while the control thread is stuck.  Thread: any other than the audio thread; call at most once. */
void     lt_live_abort(lt_live *l);

/* Offline.  `feed` is called before each chunk with the last frame the chunk will render, so the caller
 * can schedule what sounds there (it may send commands to the engine); return non-zero to stop early. */
typedef int (*lt_feed_fn)(void *ud, int64_t upto_frame);

typedef struct lt_render_result {
    int64_t frames;
    double  peak;            /* sample peak, linear, before conversion to the file's format */
    double  true_peak;       /* 4x oversampled peak (libebur128), linear, before conversion; fixed-point files only (else 0) */
    int64_t clipped;         /* samples above full scale that a 16/24-bit file clipped (0 for float files) */
    int     interrupted;     /* 1 when feed asked to stop: nothing was written */
} lt_render_result;

/* Writes `frames` frames of stereo to `path`.  Format from the extension (.wav, .flac, .aiff) and `bits`:
 * 16, 24 or 32 (32 = float; FLAC takes 16 or 24).  Returns 0, or -1 with err naming the file and reason.
 * The file appears whole or not at all: it is written to a temporary file beside `path` and renamed
 * over it on success; on any failure (a full disk, feed asking to stop) the temporary is removed and an
 * earlier file at `path` is left as it was.  This is lt_render_open + lt_render_run + commit/abort. */
int lt_render_file(lt_engine *e, const char *path, int bits, int64_t frames, lt_feed_fn feed, void *ud,
                   lt_render_result *res, char *err, size_t errlen);

/* The same in steps, for a caller that must know the temporary file's name (to remove it if the process
 * is ended from outside, see lua/guard.h). */
typedef struct lt_render_out {
    char path[4096];         /* the target */
    char tmp[4096];          /* the temporary beside it: "<dir>/.<name>.lute-XXXXXX" */
    int  fd, bits, format;
    void *sf;                /* SNDFILE* */
    void *loud;              /* ebur128_state* for the true peak of fixed-point files */
    lt_ditherer dither;      /* fixed-point files: TPDF dither to the word length, seeded (same bytes every run) */
} lt_render_out;
/* Checks that `path` names a format lute can write with `bits` (0 = the type's default) before any work
 * is done.  0, or -1 with err saying what would be right. */
int  lt_render_check(const char *path, int bits, char *err, size_t errlen);
int  lt_render_open(lt_render_out *o, const char *path, int bits, int rate, char *err, size_t errlen);
int  lt_render_run(lt_render_out *o, lt_engine *e, int64_t frames, lt_feed_fn feed, void *ud,
                   lt_render_result *res, char *err, size_t errlen);
int  lt_render_commit(lt_render_out *o, char *err, size_t errlen);   /* close, flush to disk, rename */
void lt_render_abort(lt_render_out *o);                              /* close and remove the temporary */
/* The same into memory (interleaved stereo float), for tests and analysis.  out holds 2*frames floats. */
int lt_render_buffer(lt_engine *e, float *out, int64_t frames, lt_feed_fn feed, void *ud);
#endif
