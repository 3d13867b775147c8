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
#include <math.h>

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

/* A double-precision state that is not worth keeping: a denormal-bound decay (below 1e-30) or a NaN
 * or infinity that would otherwise poison a feedback loop forever become 0 (fx_common.h's fx_zap for
 * double states).  Applied once per block to every filter state. */
static inline double lt_zapd(double x) {
    double a = x < 0 ? -x : x;
    return (a > 1e-30 && a < 1e15) ? x : 0.0;
}

/* A section run as a trapezoidal state-variable filter (V. Zavalishin, "The Art of VA Filter Design",
 * ch. 4) whose three outputs are mixed to give any biquad's numerator (A. Simper, "Solving the
 * continuous SVF equations using trapezoidal integration and equivalent currents", Cytomic 2013; the
 * structure of fx_eq.c, in double): the same transfer function as the direct form, but its two
 * states keep their meaning whatever the coefficients do, so a section can glide (frequency, gain,
 * on from identity) without the bumps and thumps a modulated direct form makes.  For
 * H = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2), with P = 1 + a1 + a2, M = 1 - a1 + a2:
 *   g = sqrt(P / M), k = 2 (1 - a2) / (M g), and y = m0 x + m1 bp + m2 lp where
 *   m0 = (b0 - b1 + b2) / M, m1 = 2 (b0 - b2) / (M g) - m0 k, m2 = (b0 + b1 + b2) / (M g^2) - m0.
 * A section whose mix is (1, 0, 0) passes its input whatever g and k are. */
typedef struct lt_svf_co { double g, k, m0, m1, m2; } lt_svf_co;
lt_svf_co lt_bq_svf(const lt_bq *c);

/* A section that glides: the coefficients it runs with (v) follow its design (tgt) sample by sample
 * through two one-pole smoothers in cascade (w, then v), and snap to it once within 1e-10, so a
 * steady section runs exactly its design and says so (steady).  A unit sets the design on a fixed grid
 * of frames from its parameters' ramps (fx_common.h's FX_GRID); the smoothers round the staircase
 * off, and because two of them start every move with zero slope, even a large step of the design (a
 * section switched on, a ramp that starts) bends the output smoothly instead of making a corner in
 * it, where a single one-pole would (a corner of (new - old output) / time-constant per sample).
 * States are the caller's, two per channel, so one design can run several channels. */
typedef struct lt_svf_glide {
    double v[5], w[5], tgt[5];   /* g, k, m0, m1, m2: running, half-way, and the design they follow */
    double a1, a2, a3;           /* the SVF's gains for v's g and k */
    int    steady;               /* v == w == tgt */
} lt_svf_glide;

/* The per-sample step fraction of each of the two smoothers, for a glide that takes about `ms`
 * (each stage's time constant ms / 2: the cascade reaches 1 - 1/e of a step in 1.07 ms). */
static inline double lt_svf_glide_coef(double ms, double sr) {
    double n = 0.5 * ms * 0.001 * sr;
    return n > 1e-9 ? 1 - exp(-1 / n) : 1;
}

/* New design (the section glides to it); _snap jumps there (init, reset). */
void lt_svf_glide_set(lt_svf_glide *s, lt_svf_co c);
void lt_svf_glide_snap(lt_svf_glide *s);
/* Whether the section passes its input unchanged (steady, mix (1, 0, 0)): a unit may skip it. */
static inline int lt_svf_glide_identity(const lt_svf_glide *s) {
    return s->steady && s->v[2] == 1.0 && s->v[3] == 0.0 && s->v[4] == 0.0;
}

/* A section coming on after it was skipped as an identity: its g and k did not matter to its output,
 * so it takes its design's at once and only its mix glides; its states (zeroed while it slept) then
 * start from silence at the frequency it is designed for, instead of ringing at the one it was left
 * at (a high cut switched on from its off state near Nyquist would ring there). */
static inline void lt_svf_glide_wake(lt_svf_glide *s) {
    s->v[0] = s->w[0] = s->tgt[0];
    s->v[1] = s->w[1] = s->tgt[1];
    s->steady = 0;
}

/* One sample of smoothing; `a` from lt_svf_glide_coef. */
static inline void lt_svf_glide_step(lt_svf_glide *s, double a) {
    if (s->steady) return;
    int done = 1;
    for (int j = 0; j < 5; j++) {
        double t = s->tgt[j], dw = t - s->w[j], dv = t - s->v[j], tol = 1e-10 * (1 + (t < 0 ? -t : t));
        if (dw == 0 && dv == 0) continue;
        if ((dw < 0 ? -dw : dw) <= tol && (dv < 0 ? -dv : dv) <= tol) {
            s->w[j] = s->v[j] = t;
            continue;
        }
        s->w[j] += a * dw;
        s->v[j] += a * (s->w[j] - s->v[j]);
        done = 0;
    }
    double g = s->v[0], a1 = 1 / (1 + g * (g + s->v[1]));
    s->a1 = a1;
    s->a2 = g * a1;
    s->a3 = g * g * a1;
    s->steady = done;
}

/* One sample through the SVF with state st[2]: the band-pass and low-pass outputs (the high-pass is
 * x - k bp - lp, the allpass x - 2 k bp). */
static inline void lt_svf_tick(const lt_svf_glide *s, double st[2], double x, double *bp, double *lp) {
    double v3 = x - st[1];
    double v1 = s->a1 * st[0] + s->a2 * v3;
    double v2 = st[1] + s->a2 * st[0] + s->a3 * v3;
    st[0] = 2 * v1 - st[0];
    st[1] = 2 * v2 - st[1];
    *bp = v1;
    *lp = v2;
}

/* One sample through the section's mix. */
static inline double lt_svf_glide_tick(const lt_svf_glide *s, double st[2], double x) {
    double bp, lp;
    lt_svf_tick(s, st, x, &bp, &lp);
    return s->v[2] * x + s->v[3] * bp + s->v[4] * lp;
}

/* One sample (for units that need per-sample work between sections). */
static inline double lt_bq_tick(const lt_bq *c, lt_bq_state *s, double in) {
    double out = c->b0 * in + s->z1;
    s->z1 = c->b1 * in - c->a1 * out + s->z2;
    s->z2 = c->b2 * in - c->a2 * out;
    return out;
}
#endif
