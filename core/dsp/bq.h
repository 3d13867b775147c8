/* bq.h — second-order sections in double precision for the mastering units (crossovers, EQ, the
 * playback previews): the designs of R. Bristow-Johnson's "Cookbook formulae for audio EQ biquad
 * filter coefficients" (bilinear, prewarped at f0), the matched peaking EQ of M. Vicanek, "Matched
 * Second Order Digital Filters" (2016), whose magnitude follows the analog prototype up to Nyquist,
 * and the analog prototypes' own magnitudes (the references the tests and the linear-phase EQ use).
 * Double precision because crossovers at 30 Hz and shelves at 96 kHz lose their low end in float.
 *
 * Thread: owner.  RT-safe: yes (no allocation). */
#ifndef LT_DSP_BQ_H
#define LT_DSP_BQ_H

typedef struct lt_bq { double b0, b1, b2, a1, a2; } lt_bq;          /* a0 = 1 */
typedef struct lt_bq_state { double z1, z2; } lt_bq_state;

typedef enum { LT_BQ_LOWPASS, LT_BQ_HIGHPASS, LT_BQ_ALLPASS, LT_BQ_PEAK, LT_BQ_LOWSHELF, LT_BQ_HIGHSHELF } lt_bq_kind;

/* Cookbook designs: f0 in Hz, q, gain in dB (peak, shelves; the shelves' q as the cookbook's Q). */
lt_bq  lt_bq_design(lt_bq_kind kind, double sr, double f0, double q, double gain_db);
/* Vicanek's matched peaking EQ: the analog peak H(s) = (s² + s·A/Q + 1)/(s² + s/(A·Q) + 1),
 * A = 10^(gain/40), matched in magnitude at DC, at f0 and at Nyquist. */
lt_bq  lt_bq_peak_matched(double sr, double f0, double q, double gain_db);
lt_bq  lt_bq_identity(void);
/* |H(e^{j 2π f/sr})| of a section. */
double lt_bq_mag(const lt_bq *c, double sr, double f);
/* |H(j 2π f)| of the analog prototype the design stands for (lowpass/highpass/allpass: Butterworth
 * sections of quality q; shelves and peak as the cookbook's analog forms). */
double lt_bq_analog_mag(lt_bq_kind kind, double f0, double q, double gain_db, double f);

/* Runs n samples in place through one section (transposed direct form II). */
static inline void lt_bq_run(const lt_bq *c, lt_bq_state *s, float *x, int n) {
    double z1 = s->z1, z2 = s->z2;
    for (int i = 0; i < n; i++) {
        double in = x[i], out = c->b0 * in + z1;
        z1 = c->b1 * in - c->a1 * out + z2;
        z2 = c->b2 * in - c->a2 * out;
        x[i] = (float)out;
    }
    /* denormals out of the feedback state, once per block */
    if (z1 > -1e-30 && z1 < 1e-30) z1 = 0;
    if (z2 > -1e-30 && z2 < 1e-30) z2 = 0;
    s->z1 = z1;
    s->z2 = z2;
}

/* One sample (for units that need per-sample work between sections). */
static inline double lt_bq_tick(const lt_bq *c, lt_bq_state *s, double in) {
    double out = c->b0 * in + s->z1;
    s->z1 = c->b1 * in - c->a1 * out + s->z2;
    s->z2 = c->b2 * in - c->a2 * out;
    return out;
}
#endif
