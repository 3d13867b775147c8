/* tempo.h — the tempo map: musical time (beats, quarter notes) to seconds and frames, with step
 * changes and linear ramps (linear in beats, as DAWs draw them).  Beats arrive here as doubles made
 * from the exact rationals of the pattern layer; frames are rounded to the nearest integer, so an
 * event at beat b sounds at frame lt_tempo_frame(b) exactly, live and offline.
 *
 * Thread: control (the scheduler owns its map).  RT-safe: yes (no allocation), but not used there. */
#ifndef LT_TEMPO_H
#define LT_TEMPO_H
#include <stdint.h>

#define LT_TEMPO_MAX 256

typedef struct lt_tempo_seg {
    double beat;      /* where the segment starts */
    double bpm0;      /* tempo at its start */
    double bpm1;      /* tempo reached after `ramp` beats, held until the next segment */
    double ramp;      /* beats of linear ramp; 0 = a step change */
    double sec;       /* seconds at `beat`, cached */
} lt_tempo_seg;

typedef struct lt_tempo {
    double sr;
    int n;
    lt_tempo_seg seg[LT_TEMPO_MAX];
} lt_tempo;

typedef enum { LT_TEMPO_OK = 0, LT_TEMPO_EBPM, LT_TEMPO_EBEAT, LT_TEMPO_EFULL } lt_tempo_err;
const char *lt_tempo_strerror(lt_tempo_err e);

#define LT_BPM_MIN 1.0
#define LT_BPM_MAX 1000.0

lt_tempo_err lt_tempo_init(lt_tempo *t, double sr, double bpm);
/* From `beat` on, tempo `bpm` (segments after `beat` are dropped: the map is rewritten forward). */
lt_tempo_err lt_tempo_set(lt_tempo *t, double beat, double bpm);
/* From `beat`, ramp linearly from the tempo there to `bpm` over `len` beats, then hold. */
lt_tempo_err lt_tempo_ramp(lt_tempo *t, double beat, double bpm, double len);
double  lt_tempo_bpm_at(const lt_tempo *t, double beat);
double  lt_tempo_seconds(const lt_tempo *t, double beat);      /* beat 0 is second 0 */
double  lt_tempo_beat_at(const lt_tempo *t, double seconds);   /* the inverse */
int64_t lt_tempo_frame(const lt_tempo *t, double beat);         /* round(seconds * sr) */
#endif
