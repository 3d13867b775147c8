/* eq_design.h — second-order filter sections whose magnitude matches their analog prototype up to
 * Nyquist (no cramping), for the parametric EQ (fx_eq.c), and that prototype's exact magnitude (for
 * the tests and for plots).
 *
 * Prototypes (s normalised to the band's frequency; RBJ's "Audio EQ Cookbook" forms):
 *   bell        (s^2 + s A/Q + 1) / (s^2 + s/(A Q) + 1),             A = 10^(gain/40)
 *   low shelf   A (s^2 + s sqrt(A)/Q + A) / (A s^2 + s sqrt(A)/Q + 1)
 *   high shelf  A (A s^2 + s sqrt(A)/Q + 1) / (s^2 + s sqrt(A)/Q + A)
 *   low cut s^2, high cut 1, notch s^2 + 1, band-pass s/Q, all over s^2 + s/Q + 1
 * The poles are the analog ones mapped exactly (z = e^{sT}, impulse invariance); the numerator is the
 * least-squares fit of the squared magnitude, relative error, over 51 frequencies from 10 Hz to
 * 20 kHz (weight 1 below 10 kHz, 0.15 above), after Vicanek's "Matched Second Order Digital Filters"
 * (2016), which matches the same quantity at three frequencies; the fit keeps a bell within
 * hundredths of a dB of its prototype below 10 kHz where three points leave tenths.  Cuts of a bell
 * or a shelf are designed as the boost and inverted (poles and zeros swapped), so both are fitted on
 * their smooth side; the low cut keeps its zero at DC, the notch its zeros exactly at the band
 * frequency.  A shelf's Q is limited to 0.3 .. 1 (steeper shelves overshoot into a bump, a bell's
 * job); a resonance at or above Nyquist (a high shelf boosted near 20 kHz) has no image below it and
 * becomes a double real pole of the same radius.  At 44.1 and 48 kHz this holds a band to its prototype within 0.1 dB below 10 kHz and
 * 1 dB above for band frequencies up to 12 kHz (low cut 9 kHz, notch 6 kHz); above those a
 * second-order section runs out of freedom near Nyquist (docs/effects.md gives the figures).
 *
 * Thread: any.  RT-safe: yes (plain arithmetic, no allocation); a design costs a few microseconds. */
#ifndef LT_DSP_EQ_DESIGN_H
#define LT_DSP_EQ_DESIGN_H

enum { LT_EQ_OFF, LT_EQ_BELL, LT_EQ_LOWSHELF, LT_EQ_HIGHSHELF, LT_EQ_LOWCUT, LT_EQ_HIGHCUT, LT_EQ_NOTCH,
       LT_EQ_BANDPASS, LT_EQ_NTYPES };

#define LT_EQ_FIT_POINTS 51

/* The frequencies the fit uses and their sin^2(w/2) terms, computed once per sample rate. */
typedef struct lt_eq_grid {
    double sr;
    double w[LT_EQ_FIT_POINTS - 3];        /* digital frequencies (rad/frame) */
    double weight[LT_EQ_FIT_POINTS - 3];
    int    n;
} lt_eq_grid;

/* A biquad b0 + b1 z^-1 + b2 z^-2 over 1 + a1 z^-1 + a2 z^-2. */
typedef struct lt_biquad {
    double b0, b1, b2, a1, a2;
} lt_biquad;

void lt_eq_grid_init(lt_eq_grid *g, double sr);
/* One second-order section of `type` at hz, gain (dB), q: for the cuts, q is the section's own Q. */
lt_biquad lt_eq_design(const lt_eq_grid *g, int type, double hz, double gain_db, double q);
/* The Butterworth Q of section k (0-based) of a cut of `sections` second-order sections. */
double lt_eq_butterworth_q(int sections, int k);
/* |H| of the analog prototype of one section at `hz`. */
double lt_eq_analog_mag(int type, double f0, double gain_db, double q, double hz);
/* |H| of a biquad at `hz`, sample rate sr. */
double lt_biquad_mag(const lt_biquad *b, double sr, double hz);
#endif
