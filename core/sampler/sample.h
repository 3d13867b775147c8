/* sample.h — a loaded sample: audio data at the engine's rate, immutable once built, with the
 * pre-filtered copies ("mip levels") that let it play fast without aliasing; and the kit, an
 * immutable list of samples that one sampler track plays from.
 *
 * Loading (lt_sample_load) reads any file libsndfile reads — WAV, AIFF, FLAC, Ogg Vorbis/Opus,
 * MP3 (libsndfile 1.1+ decodes MPEG through mpg123) and the rest of its list — at any rate and
 * channel count, and converts it once, at load, to the engine's rate with soxr's very-high-quality
 * recipe (28-bit precision, linear phase, steep filter: flat to 99% of the lower Nyquist).  soxr
 * rather than libsamplerate's SRC_SINC_BEST_QUALITY because it is as clean and about 40 times
 * faster: the GM Rock kit (124 s of audio, every level included) loads in 0.26 s instead of 14.5 s
 * of CPU (docs/sampler.md has the figures).  One or two channels are kept as they are; more are
 * mixed down to stereo by the rule in sample.c (ITU-R BS.775 coefficients, LFE dropped).  NaN or
 * infinite values in a float file become 0.
 *
 * Mip levels: level 0 is the data at the engine's rate.  Level k (k >= 1) holds only what lies
 * below rate / 2^(k+1), and holds it twice oversampled, at rate / 2^(k-1): the data is halved in
 * rate k times by the same converter (which removes what the lower rate cannot hold) and converted
 * back up once.  A voice playing at speed s reads the first level whose content, sped up by s,
 * leaves its aliases at or above the guard frequency (20 kHz, or 5/12 of the rate below 48 kHz):
 * for a level whose content reaches B Hz, s * B <= rate - guard.  At 48 kHz a full-band sample plays
 * level 0 up to 1.17x, level 1 up to 2.33x, level k up to 1.17 * 2^k; a 44.1 kHz file (content up
 * to 22.05 kHz) plays level 0 up to 1.27x.  `max_speed` of each level holds its bound.  Because
 * levels 1.. are oversampled, the sampler reads them with an interpolator made for oversampled data
 * (sampler.c) whose images stay near or below -66 dB whatever the content; level 0 is read with one that
 * is exact at whole frames, so speed 1 (and every integer speed) plays the file's own samples.
 * The memory is about three times the sample's at the engine's rate (docs/sampler.md).
 *
 * Every level is stored with LT_SAMPLE_PAD frames of silence before and after it, so a 4-point
 * interpolator reads its neighbours at either end without a bounds check.
 *
 * The content hash (64-bit FNV-1a over the decoded source frames as float32, with the source rate
 * and channel count) names the audio in the session log: the same audio in WAV or FLAC hashes the
 * same; a stretched sample hashes its parent's hash with its ratios.
 *
 * Memory: one allocation (lt_alloc_prefault: touched page by page at load, so the audio thread
 * never takes a page fault reading it).  Reference counts are kept on the control thread: a kit
 * holds a reference to each of its samples, and the engine's users hold the kit.
 *
 * Thread: everything here runs on the control thread (or a loader thread that owns the object);
 * the audio thread only reads a finished sample's fields and data.  lt_sample_onsets makes an FFTW
 * plan, and FFTW's planner is not thread-safe: never at the same time as other FFTW planning.
 * RT-safe: no. */
#ifndef LT_SAMPLER_SAMPLE_H
#define LT_SAMPLER_SAMPLE_H
#include <stddef.h>
#include <stdint.h>

#define LT_SAMPLE_LEVELS 6          /* level 5 serves speeds up to ~37x at 48 kHz */
#define LT_SAMPLE_PAD    4          /* silent frames before and after every level */
#define LT_SAMPLE_MAX_FRAMES ((int64_t)1 << 31)   /* positions are 32.32 fixed point */

typedef struct lt_sample_level {
    const float *data;      /* frame 0 of the level, interleaved; PAD silent frames either side */
    int64_t      frames;    /* ceil(frames / 2^shift) */
    int          shift;     /* the level's rate is rate / 2^shift: level-0 positions >> shift */
    double       band;      /* Hz: the highest frequency the level holds */
    double       max_speed; /* the fastest speed this level serves with aliases >= the guard */
} lt_sample_level;

typedef struct lt_sample {
    int       channels;          /* 1 or 2 */
    int       rate;              /* the engine's rate the data is at */
    int64_t   frames;            /* of level 0 */
    int       nlevels;
    lt_sample_level level[LT_SAMPLE_LEVELS];
    int       source_rate;       /* the file's */
    int       source_channels;
    int64_t   source_frames;
    uint64_t  hash;
    const char *path;            /* as given to load */
    int       refs;              /* control thread */
} lt_sample;

/* Loads `path` at `rate` Hz.  NULL with "path: reason" in err when the file is missing, unreadable,
 * not audio, empty or too long (> 2^31 frames), or memory ran out.  The new sample has one reference. */
lt_sample *lt_sample_load(const char *path, int rate, char *err, size_t errlen);

/* Builds a sample from interleaved frames already in memory (channels 1 or 2, at `rate`, which may
 * differ from `source_rate`: the data is converted like a file's).  `name` stands in for the path.
 * NULL with a message on failure.  Tests and synthesized kits use this. */
lt_sample *lt_sample_from_frames(const float *data, int64_t frames, int channels, int source_rate, int rate,
                                 const char *name, char *err, size_t errlen);

/* Time-stretch (time_ratio: 2 = twice as long, pitch kept) and pitch-shift (semitones, length
 * kept) through Rubber Band (offline, the R3 "finer" engine, high-quality pitch), as a new sample
 * of round(frames * time_ratio) frames with its own mip levels.  time_ratio in 1/64 .. 64, semitones
 * in -48 .. 48.  NULL with a message on failure.  Slow (about real time x a few): call it while
 * evaluating, never per event. */
lt_sample *lt_sample_stretch(const lt_sample *s, double time_ratio, double semitones, char *err, size_t errlen);

/* Onset detection (onsets.c): spectral flux on a short-time Fourier transform, then each onset
 * placed where the energy rises most (a pre-emphasised and a low band).  threshold: 0 = the default (1.0); higher
 * finds fewer onsets.  min_gap: seconds between two onsets (0 = 0.03; at least 0.001).  Writes up to `max` frame
 * offsets (level 0, ascending) to `out` and returns how many were found in all (may exceed max),
 * or -1 when out of memory. */
typedef struct lt_onset_config { float threshold; float min_gap; } lt_onset_config;
int lt_sample_onsets(const lt_sample *s, const lt_onset_config *cfg, int64_t *out, int max);

void lt_sample_ref(lt_sample *s);
void lt_sample_unref(lt_sample *s);          /* frees it when the last reference goes */

/* The level a voice at `speed` reads (speed's sign ignored). Thread: any.  RT-safe: yes. */
static inline int lt_sample_level_for(const lt_sample *s, double speed) {
    double a = speed < 0 ? -speed : speed;
    for (int k = 0; k < s->nlevels; k++)
        if (a <= s->level[k].max_speed) return k;
    return s->nlevels - 1;
}

/* ---- kits -------------------------------------------------------------------------------------- */

/* An immutable list of samples, built on the control thread.  It holds a reference to each sample
 * and is itself reference-counted: the Lua side holds one, a sampler node that may still play from
 * it holds another (the engine hands a replaced kit back once lt_sampler_uses reaches 0). */
typedef struct lt_kit {
    int         count;
    int         refs;           /* control thread */
    uint64_t    hash;           /* of its samples' hashes, in order */
    lt_sample **samples;        /* count entries, never NULL */
} lt_kit;

/* Takes a new reference to each sample.  NULL when out of memory or a sample is NULL. */
lt_kit *lt_kit_new(lt_sample *const *samples, int count);
void    lt_kit_ref(lt_kit *k);
void    lt_kit_unref(lt_kit *k);
#endif
