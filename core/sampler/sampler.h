/* sampler.h — the sample voices of one track: a fixed number of voices playing samples from kits,
 * each with its own speed, region, loop, choke group, gain, pan and length (Strudel's per-event
 * sampler controls).
 *
 * Playback: the play head is a 32.32 fixed-point position in the sample's frames, so lengths are
 * exact to the frame (a region of F frames at speed 1 lasts exactly F frames; at speed s,
 * ceil(F / s)) and every run gives the same bits.  Samples are read with 4-point, 3rd-order Hermite
 * interpolation (Catmull-Rom; Niemitalo, "Polynomial Interpolators for High-Quality Resampling of
 * Oversampled Audio", 2001) from the mip level that keeps the voice's aliases above 20 kHz
 * (sample.h).
 *
 * Fades (all linear in amplitude): a voice that starts anywhere but at the first frame of its
 * sample (a slice, a reverse play) fades in over 1 ms, so a cut into a waveform does not click; a
 * voice whose region ends inside the sample fades out over the last 1 ms of the region, so it ends
 * exactly at `end` without a click; a voice that is choked (its cut group), stolen, released after
 * `dur`, or stopped by id fades out over 5 ms.  A voice playing to the sample's own end, or
 * starting at frame 0, is not faded there: a drum's attack and its natural decay are untouched.
 *
 * Voices: `voices` may sound at once; when all are taken a new event fades out the oldest (it
 * keeps sounding for its 5 ms in one of `voices` further slots kept for fading voices), so stealing
 * does not click.  Only if that many voices were cut within 5 ms is the oldest fading one cut dead.
 * Voices are started in the lowest free slot and summed in slot order: renders are bit-identical.
 *
 * Stereo: a mono sample is placed by constant-power pan (0.707 to each side at the centre); a
 * stereo sample is balanced (1 and 1 at the centre), as voice pools place mono and stereo patches.
 *
 * Memory: lt_sampler_size(voices) bytes allocated by the caller on the control thread
 * (lt_alloc_prefault); nothing here allocates afterwards.
 * Thread: size/init on the control thread; everything else on the audio thread.  RT-safe: yes
 * after init. */
#ifndef LT_SAMPLER_SAMPLER_H
#define LT_SAMPLER_SAMPLER_H
#include <stddef.h>
#include <stdint.h>
#include "sampler/sample.h"

#define LT_SAMPLER_MAX_VOICES 4096

/* One event's parameters.  Start from lt_sampler_event_defaults(). */
typedef struct lt_sampler_event {
    int      index;      /* sample in the kit (0-based) */
    float    speed;      /* 1 = as recorded, 2 = an octave up and half as long; negative plays the
                            region backwards from its end; 0 plays nothing */
    float    begin, end; /* the region, as fractions 0..1 of the sample; end <= begin plays nothing */
    int      loop;       /* repeat the region (until dur, a stop or a release) */
    int      cut;        /* choke group: > 0 ends the other voices of the same group on this sampler */
    float    gain;       /* linear amplitude */
    float    vel;        /* velocity 0..1, multiplies the amplitude (the kit picks its layer) */
    float    pan;        /* -1 left .. 1 right */
    int32_t  dur;        /* frames until the voice is released with a 5 ms fade; 0 = to the end of the
                            region (a looping voice with dur 0 plays until stopped) */
    uint32_t id;         /* names the voice for lt_sampler_stop */
} lt_sampler_event;

static inline lt_sampler_event lt_sampler_event_defaults(void) {
    lt_sampler_event p = { 0, 1.0f, 0.0f, 1.0f, 0, 0, 1.0f, 1.0f, 0.0f, 0, 0 };
    return p;
}

typedef struct lt_sampler lt_sampler;

/* Thread: control.  RT-safe: no. */
size_t      lt_sampler_size(int voices);
/* mem: lt_sampler_size(voices) bytes, 32-byte aligned; returns the sampler inside it. */
lt_sampler *lt_sampler_init(void *mem, int voices, float sr);

/* Thread: audio.  RT-safe: yes. */
/* Starts a voice playing p->index of `kit` now (at the next frame lt_sampler_process renders).
 * Returns the slot used, or -1 when it plays nothing (an index outside the kit, speed 0, an empty
 * region, a NULL kit). */
int  lt_sampler_play(lt_sampler *s, const lt_kit *kit, const lt_sampler_event *p);
/* Adds n <= LT_QUANTUM (32) frames of the sounding voices into l and r. */
void lt_sampler_process(lt_sampler *s, float *l, float *r, int n);
/* Fades out (5 ms) every voice started with `id`. */
void lt_sampler_stop(lt_sampler *s, uint32_t id);
/* Fades out (5 ms) every voice that would not end by itself (looping, or waiting for its dur);
 * one-shots play on to their end, as a drum machine's stop lets a cymbal ring. */
void lt_sampler_release_all(lt_sampler *s);
/* Silences every voice now (panic). */
void lt_sampler_kill_all(lt_sampler *s);
int  lt_sampler_active(const lt_sampler *s);                 /* voices sounding, fading ones included */
/* Voices still reading from `kit`: the engine hands a replaced kit back once this is 0. */
int  lt_sampler_uses(const lt_sampler *s, const lt_kit *kit);
#endif
