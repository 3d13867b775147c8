/* edit.h — non-destructive audio edits: operations on plain float buffers that never touch the
 * file they came from.  lua/edit.lua keeps an edit as a description (source, region, fades, gain,
 * ...) and renders it through these functions into a new buffer that the sampler plays.
 *
 * Buffers are interleaved float with a channel count and a rate (lt_abuf).  Functions that make a
 * buffer (trim, reverse, stretch, comp, ...) leave their input alone and fill `out`, which the
 * caller frees with lt_abuf_free; functions that change a buffer in place (gain, fades, envelope,
 * normalize) are for the copy a render owns — never call them on a source.
 *
 * Positions are frames, counted from the buffer's first frame; a range [from, to) may reach outside
 * the buffer, and what lies outside is silence (a region of a take that starts later than the
 * comp, say).  Time in bars and beats is the Lua side's business (lua/edit.lua, a tempo function).
 *
 * Thread: control (or any worker thread that owns the buffers).  RT-safe: no — these allocate,
 * and FFTW plans are made here (FFTW_ESTIMATE, so the same input gives the same bits every time). */
#ifndef LT_EDIT_EDIT_H
#define LT_EDIT_EDIT_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    LT_EDIT_OK = 0,
    LT_EDIT_EARG,      /* a bad argument (the message names it) */
    LT_EDIT_ENOMEM,
    LT_EDIT_EIO,       /* a file could not be read or written */
    LT_EDIT_ELIB,      /* a library (Rubber Band, libebur128, FFTW) refused */
} lt_edit_err;
const char *lt_edit_strerror(lt_edit_err e);

typedef struct lt_abuf {
    float  *s;          /* frames * channels samples, interleaved */
    int64_t frames;
    int     channels;
    int     rate;
} lt_abuf;

/* ---- buffers (edit/buf.c) ---- */
lt_edit_err lt_abuf_alloc(lt_abuf *b, int64_t frames, int channels, int rate);   /* zeroed */
lt_edit_err lt_abuf_copy(const lt_abuf *in, lt_abuf *out);
void        lt_abuf_free(lt_abuf *b);
/* Reads any file libsndfile reads, as float.  msg names the file on failure. */
lt_edit_err lt_abuf_load(lt_abuf *b, const char *path, char *msg, size_t msgsz);
/* Writes 32-bit float WAV (for tools and tests), to a temporary name renamed on success. */
lt_edit_err lt_abuf_save(const lt_abuf *b, const char *path, char *msg, size_t msgsz);
/* The peak |sample| over all channels, and the largest step |x[n] - x[n-1]| within one channel
 * over [from, to) — what a click shows as. */
double lt_abuf_peak(const lt_abuf *b);
double lt_abuf_max_step(const lt_abuf *b, int64_t from, int64_t to);

/* ---- regions (edit/region.c) ---- */
/* out = in[from, to), silence where the range reaches outside in. */
lt_edit_err lt_edit_trim(const lt_abuf *in, int64_t from, int64_t to, lt_abuf *out);
/* a = in[0, at), b = in[at, frames). */
lt_edit_err lt_edit_split(const lt_abuf *in, int64_t at, lt_abuf *a, lt_abuf *b);
lt_edit_err lt_edit_reverse(const lt_abuf *in, lt_abuf *out);
/* Adds src * gain into dst from dst frame `at` (parts outside dst are dropped): a move is a
 * placement at another frame.  Channel counts must match, or src be mono (copied to every channel). */
lt_edit_err lt_edit_place(lt_abuf *dst, const lt_abuf *src, int64_t at, float gain);
/* In place: every sample times 10^(db/20). */
void        lt_edit_gain(lt_abuf *b, double db);
/* In place: a clip-gain envelope through breakpoints (frame, dB), straight lines in dB between
 * them, held before the first and after the last.  n >= 1; frames must not decrease. */
typedef struct lt_breakpoint { int64_t frame; double db; } lt_breakpoint;
lt_edit_err lt_edit_envelope(lt_abuf *b, const lt_breakpoint *pts, int n);

/* ---- fades and crossfades (edit/fade.c) ---- */
typedef enum {
    LT_FADE_LINEAR = 0,  /* g = x */
    LT_FADE_EXP,         /* g = (2^(10x) - 1) / 1023: slow start, a straight line in dB over its last 60 dB */
    LT_FADE_LOG,         /* g = 1 - exp_curve(1 - x): the mirror image of EXP, fast start */
    LT_FADE_S,           /* g = (1 - cos(pi x)) / 2: slow at both ends */
    LT_FADE_POWER,       /* g = sin(pi x / 2): the equal-power curve (g_in^2 + g_out^2 = 1) */
} lt_fade_curve;
/* The fade-in gain at x in [0, 1] (a fade-out is g(1 - x) read backwards, see below). */
double lt_fade_gain(lt_fade_curve c, double x);
/* Parses "linear", "exp", "log", "s", "power" (also "equal_power", "cos"); -1 when unknown. */
int    lt_fade_curve_parse(const char *name);
/* In place: a fade-in over the first `len` frames, frame i (0-based) gets g(i / len); a fade-out
 * over the last `len` frames, the frame k from the end (the last is k = 0) gets g(k / len) — so a
 * fade-out ends on an exact 0, and a fade-in starts on one. */
void   lt_edit_fade_in(lt_abuf *b, int64_t len, lt_fade_curve c);
void   lt_edit_fade_out(lt_abuf *b, int64_t len, lt_fade_curve c);
typedef enum { LT_XFADE_POWER = 0, LT_XFADE_GAIN } lt_xfade_kind;   /* equal power, equal gain */
/* The two gains of a crossfade at x in [0, 1]: equal power cos/sin (uncorrelated material keeps
 * its loudness), equal gain 1-x / x (correlated material — the same source — keeps its level). */
void   lt_xfade_gains(lt_xfade_kind k, double x, double *gout, double *gin);
/* out = a then b, overlapping by `len` frames, a fading out as b fades in; frame i of the overlap
 * (0-based) is at x = (i + 0.5) / len.  Lengths: a.frames + b.frames - len. */
lt_edit_err lt_edit_crossfade(const lt_abuf *a, const lt_abuf *b, int64_t len, lt_xfade_kind k, lt_abuf *out);

/* ---- normalize (edit/normalize.c) ---- */
/* In place: scaled so its peak is `db` dBFS; *applied gets the gain in dB.  EARG when silent. */
lt_edit_err lt_edit_normalize_peak(lt_abuf *b, double db, double *applied);
/* In place: scaled so its integrated loudness (EBU R128, libebur128) is `lufs`.  EARG when the
 * buffer is too quiet or short to have a loudness (under the -70 LUFS gate, or under 400 ms). */
lt_edit_err lt_edit_normalize_loudness(lt_abuf *b, double lufs, double *applied);
/* The integrated loudness of a buffer in LUFS (-HUGE_VAL when silent). */
lt_edit_err lt_edit_loudness(const lt_abuf *b, double *lufs);

/* ---- time-stretch and pitch-shift (edit/stretch.c, Rubber Band's offline mode) ---- */
typedef struct lt_stretch_opts {
    double ratio;        /* output length / input length; 0 = 1 */
    double semitones;    /* pitch shift */
    int    formants;     /* keep the formants (voices) */
    int    crisp;        /* 0 = Rubber Band's defaults; 1 = percussive (sharper transients) */
} lt_stretch_opts;
/* out has exactly round(in.frames * ratio) frames. */
lt_edit_err lt_edit_stretch(const lt_abuf *in, const lt_stretch_opts *o, lt_abuf *out, char *msg, size_t msgsz);

/* ---- strip silence (edit/silence.c) ---- */
typedef struct lt_region { int64_t from, to; } lt_region;
typedef struct lt_silence_opts {
    double  threshold_db;   /* a frame is silent when every channel's |x| is below this; 0 = -50 dB */
    int64_t min_silence;    /* a quiet run shorter than this is not a gap; 0 = 50 ms */
    int64_t pre_roll;       /* kept before each sound; 0 = none (use 1 for one frame) */
    int64_t post_roll;      /* kept after each sound */
} lt_silence_opts;
/* The regions that sound, in order, after rolls (overlapping ones merged).  *regions is allocated
 * (free() it); *n may be 0. */
lt_edit_err lt_edit_strip_silence(const lt_abuf *in, const lt_silence_opts *o, lt_region **regions, int *n);
/* In place: silence outside the regions, with `fade` frames of linear fade inside each edge. */
lt_edit_err lt_edit_keep_regions(lt_abuf *b, const lt_region *r, int n, int64_t fade);

/* ---- transients (edit/transient.c) ---- */
typedef struct lt_onset {
    int64_t frame;        /* the first frame of the attack */
    double  peak_db;      /* the hit's peak over the 20 ms that follow, dBFS */
    double  strength;     /* the spectral flux peak, relative to the largest in the buffer (0..1] */
} lt_onset;
typedef struct lt_onset_opts {
    double  threshold;    /* a flux peak counts above this fraction of the largest; 0 = 0.1 */
    double  min_gap;      /* seconds between onsets; 0 = 0.05 (a 32nd note at 150 bpm) */
    double  floor_db;     /* hits whose peak stays under this are ignored; 0 = -60 dB */
} lt_onset_opts;
/* Spectral flux and energy rise (log magnitude, half-wave rectified, Hann 1024, hop 128; Bello et al. 2005, "A
 * tutorial on onset detection in music signals") finds each hit within a hop; a time-domain pass
 * then puts it on the first frame of its attack.  *onsets is allocated (free() it). */
lt_edit_err lt_edit_onsets(const lt_abuf *in, const lt_onset_opts *o, lt_onset **onsets, int *n);

/* Velocities for sample replacement: 127 for the loudest hit, down by 126/range_db per dB under it,
 * at least 1.  range_db 0 = 40. */
void lt_edit_velocities(const lt_onset *on, int n, double range_db, int *vel);

/* ---- quantize audio (edit/quantize.c) ---- */
/* The target of each onset on a grid of `step` frames starting at `origin`: the nearest grid
 * line, moved toward by `strength` (0..1), rounded to a frame. */
void lt_edit_grid_targets(const int64_t *onsets, int n, double origin, double step, double strength, int64_t *targets);
/* Slices `in` at the onsets and moves each slice so that its onset lands on its target frame: a
 * slice keeps its `pre` frames before the onset, which become a linear crossfade with the slice
 * before, and is cut where the next slice begins (never playing into the next hit).  Onsets and
 * targets must increase.  The result has in.frames frames. */
lt_edit_err lt_edit_move_slices(const lt_abuf *in, const int64_t *onsets, const int64_t *targets, int n,
                                int64_t pre, lt_abuf *out);

/* ---- comping (edit/comp.c) ---- */
typedef struct lt_comp_take { const lt_abuf *buf; int64_t start; } lt_comp_take;  /* start: its first frame on the timeline */
typedef struct lt_comp_region { int take; int64_t from, to; } lt_comp_region;     /* timeline frames */
/* One performance from regions of several takes: out covers [regions[0].from, regions[n-1].to) of
 * the timeline.  Where a region ends and the next begins, the two takes crossfade over `xfade`
 * frames centred on the join (each take plays xfade/2 past its region); a gap between regions is
 * silence, reached and left by fades of xfade/2.  Regions must be in order and not overlap. */
lt_edit_err lt_edit_comp(const lt_comp_take *takes, int ntakes, const lt_comp_region *r, int n, int64_t xfade,
                         lt_xfade_kind k, lt_abuf *out, char *msg, size_t msgsz);
#endif
