/* synth.h — lute's first instrument: a polyphonic subtractive synth.  Each voice is a band-limited
 * saw or square (osc.h) into a resonant low-pass (svf.h) shaped by an ADSR (adsr.h) that also opens
 * the filter (fenv), scaled by velocity.  Voices come from a pool allocated once; when all are busy
 * a new note steals the oldest released voice, else the oldest held one, retriggering it from its
 * current level so the steal does not click.
 *
 * Memory: lt_synth_size(n) bytes, allocated by the caller on the control thread (miniaudio's
 * get_heap_size + init_preallocated); nothing here allocates.
 * Thread: control thread for size/init, then the audio thread only.  RT-safe: yes after init. */
#ifndef LT_SYNTH_H
#define LT_SYNTH_H
#include <stddef.h>
#include <stdint.h>
#include "dsp/osc.h"
#include "dsp/svf.h"
#include "dsp/adsr.h"

typedef struct lt_synth_params {
    float wave;      /* 0 = saw, 1 = square */
    float cutoff;    /* Hz, filter cutoff at envelope level 0 */
    float res;       /* 0..1, mapped to q = 0.7071 * 32^res (0 -> 0.707, 0.3 -> ~2, 1 -> 22.6) */
    float fenv;      /* octaves the envelope opens the filter at full level and full velocity */
    float attack, decay, sustain, release;   /* s, s, 0..1, s */
    float detune;    /* cents added to every voice */
} lt_synth_params;

typedef struct lt_voice {
    float    note;        /* MIDI note, fractional allowed; < 0 when free */
    float    vel;         /* 0..1 */
    int      held;        /* gate is on */
    uint64_t age;         /* order of note-on, for stealing */
    float    gain;        /* output gain reached at the end of the last block; ramps to vel * level
                             across a block so a steal that changes velocity does not click */
    lt_osc   osc;
    lt_svf   svf;
    lt_adsr  env;
} lt_voice;

typedef struct lt_synth {
    float    sr;
    int      nvoices;
    uint64_t counter;
    lt_synth_params p;
    lt_voice *voices;     /* nvoices, inside the same allocation */
    float    *scratch;    /* LT_SYNTH_MAX_BLOCK * 2 floats, inside the same allocation */
} lt_synth;

#define LT_SYNTH_MAX_BLOCK 256

void   lt_synth_default_params(lt_synth_params *p);
size_t lt_synth_size(int nvoices);
lt_synth *lt_synth_init(void *mem, int nvoices, float sr);
void   lt_synth_set(lt_synth *s, const lt_synth_params *p);   /* applies at the next process call */
int    lt_synth_note_on(lt_synth *s, float note, float vel);   /* returns the voice index used */
void   lt_synth_note_off(lt_synth *s, float note);             /* releases the oldest held voice of that note */
void   lt_synth_release_all(lt_synth *s);
void   lt_synth_kill_all(lt_synth *s);                         /* silence now, clear all state */
/* Writes (does not add) n <= LT_SYNTH_MAX_BLOCK mono samples: the sum of the sounding voices. */
void   lt_synth_process(lt_synth *s, float *out, int n);
int    lt_synth_active(const lt_synth *s);                      /* voices sounding */
#endif
