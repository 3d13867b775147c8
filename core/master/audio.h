/* audio.h — a whole piece of audio in memory (interleaved float), as the offline mastering tools
 * use it, and reading one from any file libsndfile reads.
 * Thread: control.  RT-safe: no. */
#ifndef LT_MASTER_AUDIO_H
#define LT_MASTER_AUDIO_H
#include <stddef.h>
#include <stdint.h>

typedef struct lt_audio {
    float  *x;            /* frames * channels, interleaved */
    int64_t frames;
    int     channels, rate;
    int     grid_bits;    /* 8/16/24 when every sample is exactly on that PCM grid (k / 2^(bits-1)): read
                             from such a file and not changed since, or quantised by lt_dither; else 0.
                             Delivery never dithers audio again to a grid it is already on. */
} lt_audio;

int  lt_audio_alloc(lt_audio *a, int64_t frames, int channels, int rate);   /* zeroed; -1 out of memory */
void lt_audio_free(lt_audio *a);
/* -1 with err naming the file and the reason. */
int  lt_audio_load(const char *path, lt_audio *a, char *err, size_t errlen);
/* Mono or more channels to the stereo pair the fx units process (mono copied to both sides; more
 * than two: refused with err). */
int  lt_audio_to_stereo(const lt_audio *in, lt_audio *out, char *err, size_t errlen);
#endif
