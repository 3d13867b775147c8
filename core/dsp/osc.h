/* osc.h — band-limited oscillators: saw and square by PolyBLEP (Välimäki & Huovilainen 2007,
 * "Antialiasing oscillators in subtractive synthesis").  No naive, aliasing waveforms.
 *
 * Thread: whoever owns the unit (the audio thread once handed over).  RT-safe: yes (no allocation). */
#ifndef LT_DSP_OSC_H
#define LT_DSP_OSC_H

typedef enum { LT_OSC_SAW = 0, LT_OSC_SQUARE = 1 } lt_osc_shape;

typedef struct lt_osc {
    double phase;   /* 0..1 */
    float  sr;
    float  freq;    /* frequency at the end of the previous call, the start of the next glide;
                       < 0 after init/reset: the next call starts at its own frequency */
} lt_osc;

void lt_osc_init(lt_osc *o, float sr);
/* Starts the waveform at `phase` (0..1) without touching sr. */
void lt_osc_reset(lt_osc *o, double phase);
/* Writes n samples (amplitude about ±1) at `freq` Hz; the frequency glides linearly from the value
 * of the previous call to `freq` across the block so pitch changes do not step.  Output is the same
 * whether a block is processed at once or in pieces. */
void lt_osc_process(lt_osc *o, lt_osc_shape shape, float freq, float *out, int n);
#endif
