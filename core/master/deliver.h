/* deliver.h — the last steps before a file leaves: sample-rate conversion (soxr, very high quality),
 * word-length reduction with dither (dither.h; never twice: audio already on the target grid is
 * written as it is), the file itself through libsndfile (WAV, AIFF, FLAC, MP3, Ogg Opus, Ogg Vorbis)
 * with tags where the format carries them, and — for the lossy formats — the decoded result, so the
 * true peak a listener's decoder produces can be checked against the ceiling.
 * Thread: control.  RT-safe: no. */
#ifndef LT_MASTER_DELIVER_H
#define LT_MASTER_DELIVER_H
#include <stddef.h>
#include <stdint.h>
#include "master/audio.h"
#include "master/dither.h"

typedef enum { LT_FMT_WAV, LT_FMT_AIFF, LT_FMT_FLAC, LT_FMT_MP3, LT_FMT_OPUS, LT_FMT_VORBIS } lt_format;

typedef struct lt_deliver_spec {
    lt_format      format;
    int            bits;      /* 16, 24 or 32 (float; WAV and AIFF); 0 = 24 (lossy formats: ignored) */
    int            rate;      /* 0 = the audio's own (Opus: 48000 whatever is asked) */
    lt_dither_mode dither;    /* AUTO: TPDF when the word length shrinks; NONE: plain rounding */
    double         kbps;      /* bit rate: MP3 (0 = 320), Opus (0 = 192), Vorbis (nominal, variable; 0 = 192) */
    uint32_t       seed;      /* dither seed (0 = lute's fixed one) */
} lt_deliver_spec;

typedef struct lt_tags {
    const char *title, *artist, *album, *date, *track, *comment, *genre;
} lt_tags;

/* The format of a file name's extension (.wav .aif .aiff .flac .mp3 .opus .ogg), -1 with err. */
int         lt_format_from_path(const char *path, lt_format *f, char *err, size_t errlen);
const char *lt_format_name(lt_format f);
int         lt_format_lossy(lt_format f);
/* The bits a spec ends up with (lossy formats: 32, float). */
int         lt_deliver_bits(const lt_deliver_spec *s);

/* Sample-rate conversion with soxr at very high quality (SOXR_VHQ: passband to 0.913 of the lower
 * Nyquist, stopband 175 dB down).  out is allocated. */
int lt_resample(const lt_audio *in, int rate, lt_audio *out, char *err, size_t errlen);
/* Converts to what a PCM file of the spec will hold: the rate, then the word length (dither).
 * For lossy formats only the rate.  out is allocated. */
int lt_deliver_convert(const lt_audio *in, const lt_deliver_spec *s, lt_audio *out, char *err, size_t errlen);
/* Converts and writes (to a temporary name, renamed on success).  If `heard` is given it receives
 * what a player will decode from the file: the converted samples for PCM, the decoded file for the
 * lossy formats.  -1 with err naming the file. */
int lt_deliver(const char *path, const lt_audio *in, const lt_deliver_spec *s, const lt_tags *t, lt_audio *heard,
               char *err, size_t errlen);
#endif
