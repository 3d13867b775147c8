/* meter.h — everything `lute analyze` says about a piece of audio, in one pass: loudness after
 * ITU-R BS.1770-4 / EBU R128 (integrated, loudness range, momentary and short-term readings every
 * 10 ms, all through libebur128), sample and true peak, PLR, crest factor, RMS and DC per channel,
 * stereo correlation and width, clipped-sample runs, silence at head and tail, and third-octave band
 * levels (FFTW).  Works on any channel count from mono to 5.1 (7.1 too) with BS.1770's channel
 * weights, at any sample rate.
 *
 * Feed it interleaved float frames (lt_meter_add) in any block sizes — the readings do not depend
 * on them — then lt_meter_finish fills an lt_report.  lt_meter_file does the whole thing for a
 * file libsndfile reads.
 *
 * Thread: control (or any thread that owns the meter).  RT-safe: no (allocates). */
#ifndef LT_ANALYSIS_METER_H
#define LT_ANALYSIS_METER_H
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#define LT_METER_MAX_CH 8
#define LT_BANDS 31                 /* third-octave bands, 20 Hz .. 20 kHz (ISO 266 nominal centres) */

/* Channel roles for BS.1770 weighting (the order of libebur128's enum). */
typedef enum {
    LT_CH_UNUSED = 0, LT_CH_LEFT, LT_CH_RIGHT, LT_CH_CENTER, LT_CH_LEFT_SURROUND, LT_CH_RIGHT_SURROUND,
    LT_CH_DUAL_MONO
} lt_channel_role;

typedef struct lt_meter_opts {
    int    series;          /* keep the momentary and short-term readings (every 10 ms) */
    int    no_bands;        /* skip the spectrum (faster; band levels read as NaN) */
    int    no_true_peak;    /* skip the true peak (libebur128's 4x oversampling) */
    int    loudness_only;   /* integrated loudness and peaks only (what the mastering loop needs) */
    double silence_db;      /* 0 = -60: below this (dBFS, sample level) is silence */
    double clip_level;      /* 0 = 0.9999: |x| at or above is a clipped sample */
    int    clip_run;        /* 0 = 3: consecutive clipped samples that make a clip */
    const int *roles;       /* NULL = by channel count (see lt_default_roles); else one per channel */
    int    plot_columns;    /* > 0: keep a waveform envelope of this many columns and the fine spectrum */
    int64_t expected_frames;/* the length the envelope's columns divide (required with plot_columns) */
} lt_meter_opts;

typedef struct lt_report {
    int     channels, rate;
    int64_t frames;
    double  duration_s;
    /* loudness (LUFS / LU); -inf for silence */
    double  integrated_lufs, lra_lu, momentary_max_lufs, shortterm_max_lufs;
    double  loudness_range_low, loudness_range_high;  /* the 10th and 95th percentiles LRA spans */
    /* peaks */
    double  true_peak_dbtp, sample_peak_dbfs;
    double  true_peak_ch[LT_METER_MAX_CH], sample_peak_ch[LT_METER_MAX_CH];
    double  plr_lu;         /* true peak minus integrated loudness */
    double  crest_db;       /* sample peak minus RMS (all channels pooled) */
    double  rms_dbfs;       /* all channels pooled; a full-scale square reads 0 */
    double  rms_ch[LT_METER_MAX_CH], dc_ch[LT_METER_MAX_CH];   /* RMS in dBFS, DC as a fraction of full scale */
    /* stereo (first two channels); NaN for mono */
    double  correlation;    /* Pearson's r of L and R: 1 mono, 0 unrelated, -1 out of phase */
    double  width;          /* RMS of the side (L-R)/2 over RMS of the mid (L+R)/2 */
    /* faults */
    int64_t clip_runs, clipped_samples;
    double  first_clip_s;   /* -1 when none */
    double  silence_head_s, silence_tail_s;
    /* spectrum: level of each band in dB relative to a full-scale sine (a sine inside the band at
     * amplitude A reads 20*log10(A)); NaN above Nyquist */
    double  band_hz[LT_BANDS], band_db[LT_BANDS];
    /* series: reading i is for the window that ends at (i + 1) * series_step_s */
    double  series_step_s;
    int64_t nseries;
    float  *momentary, *shortterm;
    /* plot data (plot_columns): the mono fold-down's min and max per column, and the fine spectrum
     * (mean square per bin, bin k at k * psd_df Hz) */
    int     env_n, psd_n;
    float  *env_min, *env_max;
    double *psd, psd_df;
} lt_report;

typedef struct lt_meter lt_meter;

/* The BS.1770 roles of an n-channel file in the usual WAV order: 1 mono (weight 1), 2 L R, 3 L R C,
 * 4 L R Ls Rs, 5 L R C Ls Rs, 6 L R C LFE Ls Rs (LFE unused), 7/8 the 5.1 roles plus unweighted extras. */
void lt_default_roles(int channels, int *roles);

/* NULL with err filled on a bad channel count or rate, or out of memory. */
lt_meter *lt_meter_new(int channels, int rate, const lt_meter_opts *o, char *err, size_t errlen);
int       lt_meter_add(lt_meter *m, const float *frames, int64_t n);
/* Fills r (r->momentary and r->shortterm are allocated when series was asked for; lt_report_free). */
int       lt_meter_finish(lt_meter *m, lt_report *r);
void      lt_meter_free(lt_meter *m);
void      lt_report_free(lt_report *r);

/* Reads a file through libsndfile (channel positions from the file when it has them) and measures
 * it.  -1 with err naming the file and the reason. */
int lt_meter_file(const char *path, const lt_meter_opts *o, lt_report *r, char *err, size_t errlen);
/* The same for interleaved float samples in memory. */
int lt_meter_buffer(const float *x, int64_t frames, int channels, int rate, const lt_meter_opts *o,
                    lt_report *r, char *err, size_t errlen);

/* One JSON object (keys as docs/mastering.md lists them); `series` adds the momentary and short-term
 * arrays of [t_end_s, lufs].  `indent` spaces before each line (for nesting). */
void lt_report_json(FILE *f, const lt_report *r, const char *path, int series, int indent);
/* The human-readable report `lute analyze` prints. */
void lt_report_text(FILE *f, const lt_report *r, const char *path);
/* JSON helpers shared by the QC report and the mastering report: a number (NaN and inf as null)
 * and a string with JSON escapes. */
void lt_json_num(FILE *f, double v);
void lt_json_str(FILE *f, const char *s);
#endif
