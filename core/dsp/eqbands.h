/* eqbands.h — the band layout lute's two mastering EQs share (lineq: linear phase, mineq: minimum
 * phase), so a chain can switch between them without renaming a parameter: a low cut, a low shelf,
 * four peaks, a high shelf and a high cut.  The cuts are 4th-order Butterworth (24 dB/octave, -3 dB
 * at the frequency); 0 turns a cut off.  A shelf or peak at 0 dB is left out.
 * Thread: any.  RT-safe: yes. */
#ifndef LT_DSP_EQBANDS_H
#define LT_DSP_EQBANDS_H
#include "graph/fx.h"
#include "dsp/bq.h"

enum {
    LT_EQ_LOWCUT,
    LT_EQ_LOW_FREQ, LT_EQ_LOW_GAIN, LT_EQ_LOW_Q,
    LT_EQ_P1_FREQ, LT_EQ_P1_GAIN, LT_EQ_P1_Q,
    LT_EQ_P2_FREQ, LT_EQ_P2_GAIN, LT_EQ_P2_Q,
    LT_EQ_P3_FREQ, LT_EQ_P3_GAIN, LT_EQ_P3_Q,
    LT_EQ_P4_FREQ, LT_EQ_P4_GAIN, LT_EQ_P4_Q,
    LT_EQ_HIGH_FREQ, LT_EQ_HIGH_GAIN, LT_EQ_HIGH_Q,
    LT_EQ_HIGHCUT,
    LT_EQ_NPARAMS
};
#define LT_EQ_MAX_SECTIONS 10

extern const lt_fx_param lt_eq_params[LT_EQ_NPARAMS];

typedef struct lt_eq_section { lt_bq_kind kind; double f, q, gain; } lt_eq_section;

/* The active analog sections for parameter values p (below Nyquist at sr); returns how many. */
int    lt_eq_sections(const float *p, double sr, lt_eq_section *out);
/* The EQ's analog magnitude at f Hz: the response both EQs aim for. */
double lt_eqbands_mag(const float *p, double sr, double f);
#endif
