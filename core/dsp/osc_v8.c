/* osc_v8.c — the oscillator voice ops on 8 lanes: saw, square (PWM), tri, sub, sync (band-limited
 * by minBLEP/minBLAMP), sine, fm (a two-sine operator with feedback), white and pink noise.
 * Wavetables are in wavetable_v8.c.
 *
 * Phase is a uint32 per lane (2^32 = one cycle, increment = round(f / sr * 2^32)): exact, it wraps
 * by itself and advances with one integer add (the research note's prototype, after scsynth's
 * Saw_next).  Each sample the phase advances first, then the naive waveform is read from it.
 *
 * Band-limiting.  A naive discontinuity (a saw's reset, a square's edges, a synced reset) folds
 * every harmonic above Nyquist back into the band.  At each one the kernel adds the difference
 * between a band-limited step and the ideal one (Brandt, "Hard sync without aliasing", ICMC 2001:
 * the minimum-phase band-limited step, "minBLEP"), scaled by the step's height and read from a table
 * at the step's fractional time; a triangle's corners get the integrated residual ("minBLAMP") scaled
 * by the change of slope.  Minimum phase means the residual starts at the step: no latency, no
 * look-ahead.  The tables (blep_tables.c, made by blep_gen.py) span 16 samples (default) or 32
 * (option "hq"); a saw, whose band-limited ramp lags the naive one by the filter's group delay,
 * subtracts that lag (slope times delay) or it would carry a DC offset growing with its frequency.
 * A residual is added into a ring of 64 lane vectors indexed by the absolute frame, so
 * blocks and calls of any length see the same sums in the same order.
 *
 * SoA shape.  Steps are sparse (one per period per lane), so the vector loop only notes which lanes
 * stepped at which frame (a compare, a movemask and a rarely taken branch); the scatter of residuals
 * into the ring is a scalar pass afterwards, and one vector pass adds the ring into the output.  This
 * keeps the common path branch-free and makes the cost per step, not per sample.
 *
 * Every kernel gives the same bits in its SSE2 and AVX2 builds (v8.h); scalar code here is plain C.
 * Thread: audio.  RT-safe: yes (no allocation, no library calls). */
#include <string.h>
#include "dsp/v8.h"
#include "dsp/blep.h"
#include "dsp/vop_kernels.h"
#include "dsp/svf_v8.h"

#define RING (LT_BLEP_RING)
#define INV_2_31 (1.0f / 2147483648.0f)
#define INV_2_32 (1.0f / 4294967296.0f)
#define INC_MAX 2.1e9f                  /* 0.489 of a cycle per sample: just under Nyquist */

enum { Q_NORMAL = 0, Q_HQ, Q_NAIVE };

/* Phase increment from frequency: clamped to 0 .. INC_MAX (a NaN gives 0; v8_max returns its second
 * operand when the first is NaN). */
static inline v8i freq_inc(v8f f, v8f scale)
{
    return v8_round_i(v8_min(v8_max(v8_mul(f, scale), v8_zero()), v8_set1(INC_MAX)));
}

/* The same for a frequency constant across the call, per lane in double: exact to the last bit of the
 * phase, so a held note's pitch is exact (the float product above is off by up to 6e-8 of the
 * frequency, 0.0001 cent, which is inaudible but smears a one-second spectrum).  Used for CONST
 * inputs only; AUDIO-rate frequencies take the vector path in every frame. */
static inline v8i freq_inc_const(const float *f, double sr)
{
    int32_t inc[LT_LANES] __attribute__((aligned(32)));
    for (int j = 0; j < LT_LANES; j++) {
        double x = (double)f[j] * (4294967296.0 / sr);
        inc[j] = x > 0.0 ? (x < (double)INC_MAX ? (int32_t)(x + 0.5) : (int32_t)INC_MAX) : 0;
    }
    return v8i_load(inc);
}

/* One frame's steps: time since the step in samples (0 .. 1) and height per lane (0 = none). */
typedef struct {
    float d[8] __attribute__((aligned(32)));
    float h[8] __attribute__((aligned(32)));
    int   i;
} blep_ev;

#define MAX_EV (2 * LT_QUANTUM)

static inline void note_ev(blep_ev *ev, int *ne, int i, v8f d, v8f h)
{
    blep_ev *e = &ev[(*ne)++];
    e->i = i;
    v8_store(e->d, d);
    v8_store(e->h, h);
}

/* Adds h * table(k + d) into the ring at absolute frames frame + i + k, k = 0 .. L-1, event by
 * event in time order, lane by lane (the order the sums are made in never depends on the calls). */
static void scatter(float (*ring)[8], int64_t frame, const blep_ev *ev, int ne, const float *tab, int L, int P)
{
    for (int e = 0; e < ne; e++) {
        for (int j = 0; j < LT_LANES; j++) {
            float h = ev[e].h[j];
            if (h == 0.0f) continue;
            float pos = ev[e].d[j] * (float)P;
            if (!(pos >= 0.0f)) pos = 0.0f;
            int p = (int)pos;
            float w;
            if (p >= P) { p = P - 1; w = 1.0f; }
            else w = pos - (float)p;
            const float *r0 = tab + p * L, *r1 = r0 + L;
            float tap[32] __attribute__((aligned(32)));
            const v8f vw = v8_set1(w), vh = v8_set1(h);
            for (int k = 0; k < L; k += LT_LANES) {               /* the taps, 8 at a time */
                v8f a = v8_load(r0 + k);
                v8_store(tap + k, v8_mul(vh, v8_add(a, v8_mul(vw, v8_sub(v8_load(r1 + k), a)))));
            }
            int t = (int)((frame + ev[e].i) & (RING - 1));
            for (int k = 0; k < L; k++) ring[(t + k) & (RING - 1)][j] += tap[k];
        }
    }
}

/* out += ring for this call's frames, clearing what was read. */
static inline void drain(float (*ring)[8], int64_t frame, float *out, int n)
{
    for (int i = 0; i < n; i++) {
        float *r = ring[(frame + i) & (RING - 1)];
        v8_store(out + i * LT_LANES, v8_add(v8_load(out + i * LT_LANES), v8_load(r)));
        v8_store(r, v8_zero());
    }
}

static inline void finish(lt_vop_call *c, float (*ring)[8], const blep_ev *ev, int ne, int q, int ramp)
{
    if (q == Q_NAIVE || ramp < 0) return;
    if (ramp > 0) {
        if (q == Q_HQ) scatter(ring, c->frame, ev, ne, &lt_blamp32[0][0], 32, LT_BLEP32_P);
        else scatter(ring, c->frame, ev, ne, &lt_blamp16[0][0], 16, LT_BLEP16_P);
    } else {
        if (q == Q_HQ) scatter(ring, c->frame, ev, ne, &lt_blep32[0][0], 32, LT_BLEP32_P);
        else scatter(ring, c->frame, ev, ne, &lt_blep16[0][0], 16, LT_BLEP16_P);
    }
    drain(ring, c->frame, c->out[0], c->n);
}

static inline int quality(const lt_vop_call *c)
{
    int q = c->data ? c->data->opt : 0;
    return q >= Q_NORMAL && q <= Q_NAIVE ? q : Q_NORMAL;
}

/* ---- saw ------------------------------------------------------------------------------------- */

/* The saw is (int32)phase / 2^31: 0 at phase 0, rising to +1, stepping to -1 at half a cycle, where
 * the signed phase overflows (old > new as signed).  Time since the step: (phase - 2^31) / inc. */
static inline __attribute__((always_inline)) void saw_run(lt_vop_call *c, int q, int aud, int fused)
{
    lt_vop_blep_state *s = c->state;
    const int n = c->n;
    const float *fq = c->in[0];
    float *out = c->out[0];
    const v8f scale = v8_set1(4294967296.0f * c->inv_sr), act = v8_mask_of(c->active);
    /* the lag of the band-limited ramp: slope (inc / 2^31 per sample) times the table's delay */
    const v8f lag = v8_set1(INV_2_31 * (q == Q_HQ ? lt_blep32_delay : q == Q_NAIVE ? 0.0f : lt_blep16_delay));
    v8i ph = v8i_load(s->ph), inc = aud ? v8i_set1(0) : freq_inc_const(fq, c->sr);
    blep_ev ev[MAX_EV];
    int ne = 0;
    for (int i = 0; i < n; i++) {
        if (aud) inc = freq_inc(v8_load(fq + i * LT_LANES), scale);
        v8i old = ph;
        ph = v8i_add(ph, inc);
        v8f y = v8_mul(v8_from_i(ph), v8_set1(INV_2_31));
        if (q != Q_NAIVE) y = v8_sub(y, v8_mul(v8_from_i(inc), lag));
        v8_store(out + i * LT_LANES, y);
        if (q != Q_NAIVE) {
            v8f step = v8_and(v8_cast_f(v8i_gt(old, ph)), act);
            if (v8_mask(step)) {
                v8f since = v8_from_i(v8i_xor(ph, v8i_set1(INT32_MIN)));
                v8f d = v8_div(since, v8_max(v8_from_i(inc), v8_set1(1.0f)));
                note_ev(ev, &ne, i, d, v8_and(step, v8_set1(-2.0f)));
            }
        }
    }
    v8i_store(s->ph, ph);
    if (fused && q != Q_NAIVE) {          /* residuals into the ring; the caller drains it */
        if (q == Q_HQ) scatter(s->ring, c->frame, ev, ne, &lt_blep32[0][0], 32, LT_BLEP32_P);
        else scatter(s->ring, c->frame, ev, ne, &lt_blep16[0][0], 16, LT_BLEP16_P);
    } else {
        finish(c, s->ring, ev, ne, q, 0);
    }
}

void LT_V8(vop_saw)(lt_vop_call *c)
{
    int q = quality(c);
    if (c->rate[0] == LT_RATE_CONST) {
        if (q == Q_NAIVE) saw_run(c, Q_NAIVE, 0, 0); else saw_run(c, q, 0, 0);
    } else {
        if (q == Q_NAIVE) saw_run(c, Q_NAIVE, 1, 0); else saw_run(c, q, 1, 0);
    }
}

/* ---- saw -> lpf, fused ------------------------------------------------------------------------ */

/* The compiler's fusion of saw(freq) into lpf(x, cutoff, res): the same samples as the two ops (the
 * saw's naive pass and residual scatter as above, into a local buffer), then one loop that adds the
 * ring and runs the filter, so the residual drain's loads and adds overlap the filter's feedback
 * latency instead of running as a pass of their own. */
/* Constant-power pan gains scaled by a level, as util_v8.c's pan: cos and sin of (p + 1) pi / 4. */
static inline void pan_level(const float *pos, const float *level, v8f *gl, v8f *gr)
{
    v8f a = v8_mul(v8_add(v8_clamp(v8_load(pos), v8_set1(-1.0f), v8_set1(1.0f)), v8_set1(1.0f)), v8_set1(0.125f));
    v8f lv = v8_load(level);
    *gl = v8_mul(lv, v8_cos2pi(a));
    *gr = v8_mul(lv, v8_sin2pi(a));
}

static inline __attribute__((always_inline)) void saw_lpf_run(lt_vop_call *c, int q, int aud, int prate, int pan)
{
    lt_vop_saw_lpf_state *s = c->state;
    float buf[LT_QUANTUM * LT_LANES] __attribute__((aligned(32)));
    lt_vop_call sc = *c;
    sc.state = &s->saw;
    sc.out[0] = buf;
    saw_run(&sc, q, aud, 1);
    const int n = c->n;
    const float *fc = c->in[1], *rs = c->in[2];
    const int sf = LT_IN_STRIDE(c, 1), sr = LT_IN_STRIDE(c, 2);
    float *out = c->out[0];
    v8f ic1 = v8_load(s->svf.ic1), ic2 = v8_load(s->svf.ic2);
    svf_c k = prate ? svf_coef(v8_load(fc), v8_load(rs), c->inv_sr) : svf_coef_cached(&s->svf, v8_load(fc), v8_load(rs), c->inv_sr);
    /* saw_lpf_pan: then * gain (in 3) -> constant-power pan (in 4) scaled by level (in 5) */
    const float *gn = pan ? c->in[3] : NULL;
    const int sg = pan ? LT_IN_STRIDE(c, 3) : 0;
    const int pan_aud = pan && (c->rate[4] != LT_RATE_CONST || c->rate[5] != LT_RATE_CONST);
    const int sp = pan ? LT_IN_STRIDE(c, 4) : 0, sl = pan ? LT_IN_STRIDE(c, 5) : 0;
    v8f gl = v8_zero(), gr = v8_zero();
    if (pan) pan_level(c->in[4], c->in[5], &gl, &gr);
    for (int i = 0; i < n; i++) {
        if (prate) k = svf_coef(v8_load(fc + i * sf), v8_load(rs + i * sr), c->inv_sr);
        v8f x = v8_load(buf + i * LT_LANES);
        if (q != Q_NAIVE) {
            float *r = s->saw.ring[(c->frame + i) & (RING - 1)];
            x = v8_add(x, v8_load(r));
            v8_store(r, v8_zero());
        }
        v8f y = svf_tick(SVF_LOW, &k, x, &ic1, &ic2);
        if (pan) {
            if (pan_aud) pan_level(c->in[4] + i * sp, c->in[5] + i * sl, &gl, &gr);
            y = v8_mul(y, v8_load(gn + i * sg));
            v8_store(out + i * LT_LANES, v8_mul(y, gl));
            v8_store(c->out[1] + i * LT_LANES, v8_mul(y, gr));
        } else {
            v8_store(out + i * LT_LANES, y);
        }
    }
    v8_store(s->svf.ic1, v8_zap(ic1));
    v8_store(s->svf.ic2, v8_zap(ic2));
}

/* Only the constant-parameter filter is fused (the common case); other rates filter per frame. */
void LT_V8(vop_saw_lpf)(lt_vop_call *c)
{
    int q = quality(c), aud = c->rate[0] != LT_RATE_CONST;
    int prate = c->rate[1] != LT_RATE_CONST || c->rate[2] != LT_RATE_CONST;
    if (q == Q_NAIVE) saw_lpf_run(c, Q_NAIVE, aud, prate, 0);
    else if (!aud && !prate) saw_lpf_run(c, q, 0, 0, 0);
    else saw_lpf_run(c, q, aud, prate, 0);
}

/* The whole subtractive voice after the envelope: saw -> lpf -> * gain -> pan (level folded into the
 * pan gains), the research note's "osc -> filter" and "env x vca -> pan" fusions in one loop, so the
 * pan's multiplies and stores fill the filter's feedback latency.  Position and level are read once
 * per call (CONST) — the compiler fuses only when they are. */
void LT_V8(vop_saw_lpf_pan)(lt_vop_call *c)
{
    int q = quality(c), aud = c->rate[0] != LT_RATE_CONST;
    int prate = c->rate[1] != LT_RATE_CONST || c->rate[2] != LT_RATE_CONST;
    if (q == Q_NAIVE) saw_lpf_run(c, Q_NAIVE, aud, prate, 1);
    else if (!aud && !prate) saw_lpf_run(c, q, 0, 0, 1);
    else saw_lpf_run(c, q, aud, prate, 1);
}

/* ---- square and sub ------------------------------------------------------------------------- */

/* +1 while phase < width * 2^32, else -1 (so it starts high).  The naive value of the previous frame
 * (pv) is kept, and each frame's change is split into at most two steps: the rise at the wrap (time
 * since: phase / inc) and the fall where the phase passed the width (time since: (phase - W) / inc);
 * a change caused by the width moving over the phase steps at the frame itself.  The steps always sum
 * to the naive change, so a modulated width never leaves a residual behind. */
static inline __attribute__((always_inline)) void square_run(lt_vop_call *c, int q, int aud, int sub)
{
    lt_vop_blep_state *s = c->state;
    const int n = c->n;
    const float *fq = c->in[0], *wd = c->in[1];
    float *out = c->out[0];
    const v8f scale = v8_set1((sub ? 2147483648.0f : 4294967296.0f) * c->inv_sr), act = v8_mask_of(c->active);
    const v8f one = v8_set1(1.0f);
    v8i ph = v8i_load(s->ph), inc = aud ? v8i_set1(0) : freq_inc_const(fq, sub ? 2.0 * c->sr : c->sr), W = v8i_set1(INT32_MIN);
    v8f pv = v8_load(s->pv);
    const int waud = !sub && c->rate[1] != LT_RATE_CONST;
    if (!sub) {
        /* width w -> W = w * 2^32 as uint32, through (w - 0.5) * 2^32 as int32 (no unsigned conversion) */
        v8f w = v8_clamp(v8_load(wd), v8_zero(), v8_set1(0.99999994f));
        W = v8i_xor(v8_round_i(v8_mul(v8_sub(w, v8_set1(0.5f)), v8_set1(4294967296.0f))), v8i_set1(INT32_MIN));
    }
    blep_ev ev[MAX_EV];
    int ne = 0;
    for (int i = 0; i < n; i++) {
        if (aud) inc = freq_inc(v8_load(fq + i * LT_LANES), scale);
        if (waud) {
            v8f w = v8_clamp(v8_load(wd + i * LT_LANES), v8_zero(), v8_set1(0.99999994f));
            W = v8i_xor(v8_round_i(v8_mul(v8_sub(w, v8_set1(0.5f)), v8_set1(4294967296.0f))), v8i_set1(INT32_MIN));
        }
        v8i old = ph;
        ph = v8i_add(ph, inc);
        v8f y = v8_select(v8_cast_f(v8i_gtu(W, ph)), one, v8_neg(one));
        v8_store(out + i * LT_LANES, y);
        if (q != Q_NAIVE) {
            v8f wrap = v8_cast_f(v8i_gtu(old, ph));
            v8f lv = v8_select(wrap, one, pv);                   /* level after the rise, if any */
            v8f ch = v8_and(v8_or(v8_and(wrap, v8_neq(pv, one)), v8_neq(y, lv)), act);
            if (v8_mask(ch)) {
                v8f finc = v8_max(v8_from_i(inc), one);
                v8f d1 = v8_div(v8_from_i(ph), finc);             /* ph < inc < 2^31 after a wrap */
                v8f h1 = v8_and(v8_and(wrap, act), v8_sub(one, pv));
                v8f d2 = v8_div(v8_from_i(v8i_sub(ph, W)), finc);
                d2 = v8_select(v8_lt(y, lv), v8_clamp(d2, v8_zero(), one), v8_zero());
                v8f h2 = v8_and(act, v8_sub(y, lv));
                note_ev(ev, &ne, i, v8_clamp(d1, v8_zero(), one), h1);
                note_ev(ev, &ne, i, d2, h2);
            }
        }
        pv = y;
    }
    v8i_store(s->ph, ph);
    v8_store(s->pv, pv);
    finish(c, s->ring, ev, ne, q, 0);
}

void LT_V8(vop_square)(lt_vop_call *c)
{
    int q = quality(c), aud = c->rate[0] != LT_RATE_CONST;
    if (q == Q_NAIVE) { if (aud) square_run(c, Q_NAIVE, 1, 0); else square_run(c, Q_NAIVE, 0, 0); }
    else if (aud) square_run(c, q, 1, 0);
    else square_run(c, q, 0, 0);
}

void LT_V8(vop_subosc)(lt_vop_call *c)
{
    int q = quality(c), aud = c->rate[0] != LT_RATE_CONST;
    if (q == Q_NAIVE) { if (aud) square_run(c, Q_NAIVE, 1, 1); else square_run(c, Q_NAIVE, 0, 1); }
    else if (aud) square_run(c, q, 1, 1);
    else square_run(c, q, 0, 1);
}

/* ---- triangle ------------------------------------------------------------------------------- */

/* tri = 2 |s| - 1 with s = (int32)(phase + 2^30) / 2^31: 0 at phase 0, rising, peak +1 at a quarter,
 * trough -1 at three quarters.  The naive waveform is read D samples late (D = the ramp table's
 * delay), the corners are found on the undelayed phase, and each adds the ramp residual times the
 * change of slope (-/+ 2 * 2 * 2 * inc / 2^32 per sample). */
static inline __attribute__((always_inline)) void tri_run(lt_vop_call *c, int q, int aud)
{
    lt_vop_blep_state *s = c->state;
    const int n = c->n;
    const float *fq = c->in[0];
    float *out = c->out[0];
    const v8f scale = v8_set1(4294967296.0f * c->inv_sr), act = v8_mask_of(c->active);
    const float D = q == Q_HQ ? lt_blamp32_delay : q == Q_NAIVE ? 0.0f : lt_blamp16_delay;
    const int dint = (int)D;
    const v8f dfrac = v8_set1(D - (float)dint);
    const v8i quarter = v8i_set1(1 << 30);
    v8i ph = v8i_load(s->ph), inc = aud ? v8i_set1(0) : freq_inc_const(fq, c->sr);
    blep_ev ev[MAX_EV];
    int ne = 0;
    for (int i = 0; i < n; i++) {
        if (aud) inc = freq_inc(v8_load(fq + i * LT_LANES), scale);
        v8i old = ph;
        ph = v8i_add(ph, inc);
        v8i lag = v8_round_i(v8_mul(v8_from_i(inc), dfrac));
        for (int k = 0; k < dint; k++) lag = v8i_add(lag, inc);
        v8f sd = v8_mul(v8_from_i(v8i_add(v8i_sub(ph, lag), quarter)), v8_set1(INV_2_31));
        v8_store(out + i * LT_LANES, v8_sub(v8_add(v8_abs(sd), v8_abs(sd)), v8_set1(1.0f)));
        if (q != Q_NAIVE) {
            v8i qo = v8i_add(old, quarter), qn = v8i_add(ph, quarter);
            v8f peak = v8_cast_f(v8i_gt(qo, qn));                                   /* overflow at +1 */
            v8f trough = v8_cast_f(v8i_andnot(v8i_gt(v8i_set1(0), qn), v8i_gt(v8i_set1(0), qo)));
            v8f any = v8_and(v8_or(peak, trough), act);
            if (v8_mask(any)) {
                v8f finc = v8_max(v8_from_i(inc), v8_set1(1.0f));
                v8f since = v8_select(peak, v8_from_i(v8i_xor(qn, v8i_set1(INT32_MIN))), v8_from_i(qn));
                v8f d = v8_clamp(v8_div(since, finc), v8_zero(), v8_set1(1.0f));
                v8f ds = v8_mul(v8_from_i(inc), v8_set1(4.0f * INV_2_31));            /* 2 * slope */
                v8f h = v8_and(any, v8_select(peak, v8_neg(ds), ds));
                note_ev(ev, &ne, i, d, h);
            }
        }
    }
    v8i_store(s->ph, ph);
    finish(c, s->ring, ev, ne, q, 1);
}

void LT_V8(vop_tri)(lt_vop_call *c)
{
    int q = quality(c), aud = c->rate[0] != LT_RATE_CONST;
    if (q == Q_NAIVE) { if (aud) tri_run(c, Q_NAIVE, 1); else tri_run(c, Q_NAIVE, 0); }
    else if (aud) tri_run(c, q, 1);
    else tri_run(c, q, 0);
}

/* ---- hard sync ------------------------------------------------------------------------------ */

/* A saw at the slave frequency (-1 at phase 0, rising to +1) whose phase restarts whenever the
 * master's phase wraps.  Per frame and lane: the master wrapped d_m samples ago (a reset) or not;
 * the slave either advanced normally (and may have wrapped: a step of -2), or advanced (1 - d_m)
 * samples to the reset (possibly wrapping on the way), jumped to 0 (a step from its value there to
 * -1) and advanced d_m samples since.  Both steps are band-limited. */
static inline __attribute__((always_inline)) void sync_run(lt_vop_call *c, int q)
{
    lt_vop_sync_state *s = c->state;
    const int n = c->n;
    const float *fm = c->in[0], *fs = c->in[1];
    const int sm = LT_IN_STRIDE(c, 0), ss = LT_IN_STRIDE(c, 1);
    float *out = c->out[0];
    const v8f scale = v8_set1(4294967296.0f * c->inv_sr), act = v8_mask_of(c->active);
    const v8f one = v8_set1(1.0f);
    const v8i bias = v8i_set1(INT32_MIN);
    const v8f lag = v8_set1(INV_2_31 * (q == Q_HQ ? lt_blep32_delay : q == Q_NAIVE ? 0.0f : lt_blep16_delay));
    const v8i incm0 = sm ? v8i_set1(0) : freq_inc_const(fm, c->sr), incs0 = ss ? v8i_set1(0) : freq_inc_const(fs, c->sr);
    v8i m = v8i_load(s->ph), sl = v8i_load(s->ph2);
    blep_ev ev[MAX_EV];
    int ne = 0;
    for (int i = 0; i < n; i++) {
        v8i incm = sm ? freq_inc(v8_load(fm + i * sm), scale) : incm0;
        v8i incs = ss ? freq_inc(v8_load(fs + i * ss), scale) : incs0;
        v8i mo = m, so = sl;
        m = v8i_add(m, incm);
        v8i reset = v8i_gtu(mo, m);
        v8f fincm = v8_max(v8_from_i(incm), one), fincs = v8_max(v8_from_i(incs), one);
        /* time since the master's wrap (valid where reset) */
        v8f dm = v8_clamp(v8_div(v8_from_i(m), fincm), v8_zero(), one);
        v8i pre = v8i_add(so, v8_round_i(v8_mul(v8_sub(one, dm), v8_from_i(incs))));
        v8i after = v8_round_i(v8_mul(dm, v8_from_i(incs)));
        v8i free_ = v8i_add(so, incs);
        sl = v8i_select(reset, after, free_);
        v8f y = v8_mul(v8_from_i(v8i_xor(sl, bias)), v8_set1(INV_2_31));
        if (q != Q_NAIVE) y = v8_sub(y, v8_mul(v8_from_i(incs), lag));
        v8_store(out + i * LT_LANES, y);
        if (q != Q_NAIVE) {
            v8i reach = v8i_select(reset, pre, free_);               /* slave phase at the reset or now */
            v8f wrap = v8_cast_f(v8i_gtu(so, reach));
            v8f rs = v8_cast_f(reset);
            v8f any = v8_and(v8_or(wrap, rs), act);
            if (v8_mask(any)) {
                /* the wrap: reach / incs samples before the reset (or before now) */
                v8f dw = v8_add(v8_div(v8_from_i(reach), fincs), v8_and(rs, dm));
                note_ev(ev, &ne, i, v8_clamp(dw, v8_zero(), one), v8_and(v8_and(wrap, act), v8_set1(-2.0f)));
                v8f vpre = v8_mul(v8_from_i(v8i_xor(pre, bias)), v8_set1(INV_2_31));
                v8f hr = v8_and(v8_and(rs, act), v8_sub(v8_neg(one), vpre));
                note_ev(ev, &ne, i, dm, hr);
            }
        }
    }
    v8i_store(s->ph, m);
    v8i_store(s->ph2, sl);
    finish(c, s->ring, ev, ne, q, 0);
}

void LT_V8(vop_sync)(lt_vop_call *c)
{
    int q = quality(c);
    if (q == Q_NAIVE) sync_run(c, Q_NAIVE); else sync_run(c, q);
}

/* ---- sine and fm ------------------------------------------------------------------------------ */

/* sin(2 pi (phase + offset)), phase from the uint32 read as signed (-0.5 .. 0.5 cycles); the offset
 * input is in cycles (phase modulation). */
void LT_V8(vop_sine)(lt_vop_call *c)
{
    lt_vop_sine_state *s = c->state;
    const int n = c->n, aud = c->rate[0] != LT_RATE_CONST;
    const float *fq = c->in[0], *po = c->in[1];
    const int sp = LT_IN_STRIDE(c, 1);
    float *out = c->out[0];
    const v8f scale = v8_set1(4294967296.0f * c->inv_sr);
    v8i ph = v8i_load(s->ph), inc = aud ? v8i_set1(0) : freq_inc_const(fq, c->sr);
    for (int i = 0; i < n; i++) {
        if (aud) inc = freq_inc(v8_load(fq + i * LT_LANES), scale);
        v8f p = v8_add(v8_mul(v8_from_i(ph), v8_set1(INV_2_32)), v8_load(po + i * sp));
        v8_store(out + i * LT_LANES, v8_sin2pi(p));
        ph = v8i_add(ph, inc);
    }
    v8i_store(s->ph, ph);
}

/* A two-operator FM voice (Chowning 1973; the DX7's operator with feedback): a sine modulator at
 * carrier * ratio, fed back into its own phase by `feedback` radians times the mean of its last two
 * outputs (the DX7's smoothing, which keeps high feedback from oscillating at Nyquist), modulates the
 * carrier's phase by `index` radians. */
void LT_V8(vop_fm)(lt_vop_call *c)
{
    lt_vop_fm_state *s = c->state;
    const int n = c->n;
    const float *fq = c->in[0], *ra = c->in[1], *ix = c->in[2], *fb = c->in[3];
    const int s0 = LT_IN_STRIDE(c, 0), s1 = LT_IN_STRIDE(c, 1), s2 = LT_IN_STRIDE(c, 2), s3 = LT_IN_STRIDE(c, 3);
    float *out = c->out[0];
    const v8f scale = v8_set1(4294967296.0f * c->inv_sr), inv2pi = v8_set1(0.159154943f);
    v8i pc = v8i_load(s->pc), pm = v8i_load(s->pm);
    v8f m1 = v8_load(s->m1), m2 = v8_load(s->m2);
    for (int i = 0; i < n; i++) {
        v8f f = v8_load(fq + i * s0);
        v8i incc = freq_inc(f, scale);
        v8i incm = freq_inc(v8_mul(f, v8_load(ra + i * s1)), scale);
        v8f fbk = v8_mul(v8_mul(v8_load(fb + i * s3), inv2pi), v8_mul(v8_add(m1, m2), v8_set1(0.5f)));
        v8f m = v8_sin2pi(v8_add(v8_mul(v8_from_i(pm), v8_set1(INV_2_32)), fbk));
        v8f pcar = v8_add(v8_mul(v8_from_i(pc), v8_set1(INV_2_32)), v8_mul(v8_mul(v8_load(ix + i * s2), inv2pi), m));
        v8_store(out + i * LT_LANES, v8_sin2pi(pcar));
        m2 = m1;
        m1 = m;
        pc = v8i_add(pc, incc);
        pm = v8i_add(pm, incm);
    }
    v8i_store(s->pc, pc);
    v8i_store(s->pm, pm);
    v8_store(s->m1, v8_zap(m1));
    v8_store(s->m2, v8_zap(m2));
}

/* ---- noise ------------------------------------------------------------------------------------ */

/* White: xorshift32 per lane, uniform in [-1, 1) (RMS 0.577, -4.8 dBFS). */
void LT_V8(vop_noise)(lt_vop_call *c)
{
    lt_vop_noise_state *s = c->state;
    v8i r = v8i_load(s->rng);
    for (int i = 0; i < c->n; i++) {
        r = v8_xorshift(r);
        v8_store(c->out[0] + i * LT_LANES, v8_bits_to_bipolar(r));
    }
    v8i_store(s->rng, r);
}

/* Pink: Paul Kellett's "refined" filter (musicdsp.org, 1999), seven first-order sections summed from
 * the white noise above, within 0.05 dB of -3 dB/octave above 9 Hz at 44.1 kHz (the poles scale a
 * little at 48 kHz); the sum is scaled by 0.11 as Kellett advises, for about the white noise's peak. */
void LT_V8(vop_pink)(lt_vop_call *c)
{
    lt_vop_pink_state *s = c->state;
    v8i r = v8i_load(s->rng);
    v8f b0 = v8_load(s->b[0]), b1 = v8_load(s->b[1]), b2 = v8_load(s->b[2]), b3 = v8_load(s->b[3]);
    v8f b4 = v8_load(s->b[4]), b5 = v8_load(s->b[5]), b6 = v8_load(s->b[6]);
    for (int i = 0; i < c->n; i++) {
        r = v8_xorshift(r);
        v8f w = v8_bits_to_bipolar(r);
        b0 = v8_add(v8_mul(b0, v8_set1(0.99886f)), v8_mul(w, v8_set1(0.0555179f)));
        b1 = v8_add(v8_mul(b1, v8_set1(0.99332f)), v8_mul(w, v8_set1(0.0750759f)));
        b2 = v8_add(v8_mul(b2, v8_set1(0.96900f)), v8_mul(w, v8_set1(0.1538520f)));
        b3 = v8_add(v8_mul(b3, v8_set1(0.86650f)), v8_mul(w, v8_set1(0.3104856f)));
        b4 = v8_add(v8_mul(b4, v8_set1(0.55000f)), v8_mul(w, v8_set1(0.5329522f)));
        b5 = v8_sub(v8_mul(b5, v8_set1(-0.7616f)), v8_mul(w, v8_set1(0.0168980f)));
        v8f y = v8_add(v8_add(v8_add(b0, b1), v8_add(b2, b3)), v8_add(v8_add(b4, b5), v8_add(b6, v8_mul(w, v8_set1(0.5362f)))));
        b6 = v8_mul(w, v8_set1(0.115926f));
        v8_store(c->out[0] + i * LT_LANES, v8_mul(y, v8_set1(0.11f)));
    }
    v8i_store(s->rng, r);
    v8_store(s->b[0], v8_zap(b0)); v8_store(s->b[1], v8_zap(b1)); v8_store(s->b[2], v8_zap(b2));
    v8_store(s->b[3], v8_zap(b3)); v8_store(s->b[4], v8_zap(b4)); v8_store(s->b[5], v8_zap(b5));
    v8_store(s->b[6], b6);
}
