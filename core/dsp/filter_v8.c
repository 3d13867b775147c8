/* filter_v8.c — the filter voice ops on 8 lanes: lpf, hpf, bpf, notch (state-variable), ladder,
 * onepole, comb, formant.
 *
 * lpf/hpf/bpf/notch are the trapezoidal (zero-delay-feedback, topology-preserving) state-variable
 * filter of core/dsp/svf.c: Zavalishin, "The Art of VA Filter Design", ch. 4, in Andrew Simper's
 * formulation (Cytomic, "Linear trapezoidal integrated SVF", 2013); the same filter, its update
 * written as increments of the two integrator states (svf_v8.h), which keeps Simper's precision at
 * low cutoffs (no 1 - tiny coefficient) and shortens the chain from one frame's state to the next to
 * a multiply and two adds (the loop is bound by that latency: 8 voices per vector).  Outputs:
 * low v2; band k v1 (0 dB at the centre: a constant-peak band-pass); high x - k v1 - v2; notch
 * x - k v1.  Cutoff is prewarped (g = tan(pi fc / sr)), clamped to 10 Hz .. 0.49 sr; `res` 0..1 maps
 * to Q = 0.7071 * 32^res (0.71 .. 22.6), as lute's track parameter always has.
 *
 * Coefficients follow the input rates: a constant cutoff and res cost one coefficient computation
 * per call; a control-rate ramp computes them at both ends of the call and ramps them (Surge's
 * C += dC); an audio-rate input computes them every frame (tan from v8.h's polynomials, exact
 * divisions), so a filter swept by an envelope at audio rate stays exact and block-size invariant.
 *
 * Thread: audio.  RT-safe: yes. */
#include "dsp/v8.h"
#include "dsp/vop_kernels.h"
#include "dsp/svf_v8.h"

/* ---- state-variable filter ------------------------------------------------------------------- */

/* rate: 0 = both parameters constant, 1 = control-rate ramp, 2 = audio rate (per frame). */
static inline __attribute__((always_inline)) void svf_run(lt_vop_call *c, int mode, int rate)
{
    lt_vop_svf_state *s = c->state;
    const int n = c->n;
    const float *x = c->in[0], *fc = c->in[1], *rs = c->in[2];
    const int sx = LT_IN_STRIDE(c, 0), sf = LT_IN_STRIDE(c, 1), sr = LT_IN_STRIDE(c, 2);
    float *out = c->out[0];
    v8f ic1 = v8_load(s->ic1), ic2 = v8_load(s->ic2);
    svf_c k0 = rate == 0 ? svf_coef_cached(s, v8_load(fc), v8_load(rs), c->inv_sr)
                         : svf_coef(v8_load(fc), v8_load(rs), c->inv_sr), dk = k0;
    if (rate == 1) {
        svf_c k1 = svf_coef(v8_load(fc + (n - 1) * sf), v8_load(rs + (n - 1) * sr), c->inv_sr);
        dk = svf_slope(&k0, &k1, v8_set1(n > 1 ? 1.0f / (float)(n - 1) : 0.0f));
    }
    for (int i = 0; i < n; i++) {
        svf_c k = k0;
        if (rate == 1) {
            k = svf_lerp(&k0, &dk, v8_set1((float)i));
        } else if (rate == 2) {
            k = svf_coef(v8_load(fc + i * sf), v8_load(rs + i * sr), c->inv_sr);
        }
        v8_store(out + i * LT_LANES, svf_tick(mode, &k, v8_load(x + i * sx), &ic1, &ic2));
    }
    v8_store(s->ic1, v8_zap(ic1));
    v8_store(s->ic2, v8_zap(ic2));
}

static inline int param_rate(const lt_vop_call *c, int a, int b)
{
    int r = c->rate[a] > c->rate[b] ? c->rate[a] : c->rate[b];
    return r == LT_RATE_AUDIO ? 2 : r == LT_RATE_CONTROL ? 1 : 0;
}

#define SVF_KERNEL(name, mode)                                          \
    void LT_V8(name)(lt_vop_call *c)                                    \
    {                                                                   \
        switch (param_rate(c, 1, 2)) {                                  \
        case 0: svf_run(c, mode, 0); break;                             \
        case 1: svf_run(c, mode, 1); break;                             \
        default: svf_run(c, mode, 2); break;                            \
        }                                                               \
    }
SVF_KERNEL(vop_lpf, SVF_LOW)
SVF_KERNEL(vop_hpf, SVF_HIGH)
SVF_KERNEL(vop_bpf, SVF_BAND)
SVF_KERNEL(vop_notch, SVF_NOTCH)

/* ---- one-pole ------------------------------------------------------------------------------- */

/* The trapezoidal one-pole low-pass (Zavalishin ch. 3): v = (x - s) G, y = v + s, s = y + v, with
 * G = g / (1 + g), g = tan(pi fc / sr); -3 dB at the cutoff, exactly the prewarped bilinear
 * transform of 1 / (1 + s/w). */
static inline v8f onepole_G(v8f cutoff, float inv_sr)
{
    v8f t = v8_clamp(v8_mul(cutoff, v8_set1(inv_sr)), v8_set1(1.0f * inv_sr), v8_set1(0.49f));
    v8f g = v8_tanpi(t);
    return v8_div(g, v8_add(v8_set1(1.0f), g));
}

void LT_V8(vop_onepole)(lt_vop_call *c)
{
    lt_vop_onepole_state *st = c->state;
    const int n = c->n, aud = c->rate[1] != LT_RATE_CONST;
    const float *x = c->in[0], *fc = c->in[1];
    const int sx = LT_IN_STRIDE(c, 0);
    v8f s = v8_load(st->s), G = onepole_G(v8_load(fc), c->inv_sr);
    for (int i = 0; i < n; i++) {
        if (aud) G = onepole_G(v8_load(fc + i * LT_LANES), c->inv_sr);
        v8f v = v8_mul(v8_sub(v8_load(x + i * sx), s), G);
        v8f y = v8_add(v, s);
        s = v8_add(y, v);
        v8_store(c->out[0] + i * LT_LANES, y);
    }
    v8_store(st->s, v8_zap(s));
}

/* ---- ladder --------------------------------------------------------------------------------- */

/* Four trapezoidal one-poles in series with negative feedback k = 4 res from the last to the input
 * (the Moog ladder, Zavalishin ch. 5 "Ladder filter", zero-delay feedback).  The feedback loop is
 * solved exactly for the linear filter: with each stage y = G u + (1 - G) s, the output is
 * y4 = G^4 u + S with S from the states, so y4 = (G^4 x + S) / (1 + k G^4).  The saturation is
 * applied at the input of the first stage to x - k y4 (that linear estimate): u =
 * tanh(drive_gain x - k y4), so small signals pass linearly (the analytic response
 * G^4 / (1 + k G^4) holds) and |u| <= 1 bounds everything after it — self-oscillation
 * (from res = 1) settles at a fixed amplitude instead of growing.  drive 0..1 is a gain of 1..16
 * (0..24 dB) into the saturator: quiet signals come out louder by that much, loud ones are bounded
 * by the saturation (dirtier, not louder); the self-oscillation's level does not depend on it.  The
 * pass-band gain is 1 / (1 + k) (times the drive gain), as in the analog ladder. */
/* Coefficients: the stage gain G and its powers, and c_m = G^(m-1) (1 - G), so that with the states
 * s1..s4 the state parts of the stage outputs are P1 = c1 s1, P2 = c2 s1 + c1 s2, P3 = c3 s1 + c2 s2
 * + c1 s3, S = P4 = c4 s1 + c3 s2 + c2 s3 + c1 s4, and y_m = G^m u + P_m: every stage's output at
 * once from u, instead of one stage after another (the same filter, a shorter chain per frame). */
typedef struct { v8f G, G2, G3, G4, c1, c2, c3, c4, k, inv_den, pre; } ladder_c;

static inline ladder_c ladder_coef(v8f cutoff, v8f res, v8f drive, float inv_sr)
{
    ladder_c o;
    o.G = onepole_G(cutoff, inv_sr);
    o.G2 = v8_mul(o.G, o.G);
    o.G3 = v8_mul(o.G2, o.G);
    o.G4 = v8_mul(o.G2, o.G2);
    o.c1 = v8_sub(v8_set1(1.0f), o.G);
    o.c2 = v8_mul(o.G, o.c1);
    o.c3 = v8_mul(o.G, o.c2);
    o.c4 = v8_mul(o.G, o.c3);
    o.k = v8_mul(v8_set1(4.0f), v8_clamp(res, v8_zero(), v8_set1(1.2f)));
    o.inv_den = v8_div(v8_set1(1.0f), v8_add(v8_set1(1.0f), v8_mul(o.k, o.G4)));
    o.pre = v8_exp2(v8_mul(v8_clamp(drive, v8_zero(), v8_set1(1.0f)), v8_set1(4.0f)));
    return o;
}

void LT_V8(vop_ladder)(lt_vop_call *c)
{
    lt_vop_ladder_state *st = c->state;
    const int n = c->n;
    const int aud = c->rate[1] != LT_RATE_CONST || c->rate[2] != LT_RATE_CONST || c->rate[3] != LT_RATE_CONST;
    const float *x = c->in[0], *fc = c->in[1], *rs = c->in[2], *dr = c->in[3];
    const int sx = LT_IN_STRIDE(c, 0), s1f = LT_IN_STRIDE(c, 1), s2r = LT_IN_STRIDE(c, 2), s3d = LT_IN_STRIDE(c, 3);
    v8f s1 = v8_load(st->s[0]), s2 = v8_load(st->s[1]), s3 = v8_load(st->s[2]), s4 = v8_load(st->s[3]);
    ladder_c k = ladder_coef(v8_load(fc), v8_load(rs), v8_load(dr), c->inv_sr);
    for (int i = 0; i < n; i++) {
        if (aud) k = ladder_coef(v8_load(fc + i * s1f), v8_load(rs + i * s2r), v8_load(dr + i * s3d), c->inv_sr);
        v8f p1 = v8_mul(k.c1, s1);
        v8f p2 = v8_add(v8_mul(k.c2, s1), v8_mul(k.c1, s2));
        v8f p3 = v8_add(v8_add(v8_mul(k.c3, s1), v8_mul(k.c2, s2)), v8_mul(k.c1, s3));
        v8f S = v8_add(v8_add(v8_mul(k.c4, s1), v8_mul(k.c3, s2)), v8_add(v8_mul(k.c2, s3), v8_mul(k.c1, s4)));
        /* the linear loop solved with the driven input; the saturator sees what the first stage would */
        v8f xi = v8_mul(v8_load(x + i * sx), k.pre);
        v8f y4 = v8_mul(v8_add(v8_mul(k.G4, xi), S), k.inv_den);
        v8f u = v8_tanh(v8_sub(xi, v8_mul(k.k, y4)));
        v8f y1 = v8_add(v8_mul(k.G, u), p1), y2 = v8_add(v8_mul(k.G2, u), p2);
        v8f y3 = v8_add(v8_mul(k.G3, u), p3);
        y4 = v8_add(v8_mul(k.G4, u), S);
        s1 = v8_sub(v8_add(y1, y1), s1);
        s2 = v8_sub(v8_add(y2, y2), s2);
        s3 = v8_sub(v8_add(y3, y3), s3);
        s4 = v8_sub(v8_add(y4, y4), s4);
        v8_store(c->out[0] + i * LT_LANES, y4);
    }
    v8_store(st->s[0], v8_zap(s1));
    v8_store(st->s[1], v8_zap(s2));
    v8_store(st->s[2], v8_zap(s3));
    v8_store(st->s[3], v8_zap(s4));
}

/* ---- comb ----------------------------------------------------------------------------------- */

/* Feedback comb y = x + feedback * lp(y delayed by delay_s), the delay read between samples by 4-point
 * Catmull-Rom (Hermite) interpolation; lp is a one-pole in the loop (damp 0 = none .. 1), which turns
 * a noise burst into a Karplus-Strong pluck (Karplus & Strong 1983; Jaffe & Smith 1983).  The delay
 * line is LT_COMB_FRAMES lane vectors written at the absolute frame, so blocks share one position;
 * the delay is clamped to 3 samples .. 50 ms (and what the line holds: 85 ms at 48 kHz), feedback to
 * +-0.999. */
void LT_V8(vop_comb)(lt_vop_call *c)
{
    lt_vop_comb_state *st = c->state;
    const int n = c->n;
    const float *x = c->in[0], *dl = c->in[1], *fb = c->in[2], *dm = c->in[3];
    const int s0 = LT_IN_STRIDE(c, 0), s1 = LT_IN_STRIDE(c, 1), s2 = LT_IN_STRIDE(c, 2), s3 = LT_IN_STRIDE(c, 3);
    float *line = &st->line[0][0];
    const float dmax = 0.05f * c->sr < (float)(LT_COMB_FRAMES - 4) ? 0.05f * c->sr : (float)(LT_COMB_FRAMES - 4);
    int32_t lanes[8] __attribute__((aligned(32))) = { 0, 1, 2, 3, 4, 5, 6, 7 };
    const v8i lix = v8i_load(lanes), wrap = v8i_set1(LT_COMB_FRAMES - 1);
    v8f lp = v8_load(st->lp);
    for (int i = 0; i < n; i++) {
        int32_t w = (int32_t)((c->frame + i) & (LT_COMB_FRAMES - 1));
        v8f d = v8_clamp(v8_mul(v8_load(dl + i * s1), v8_set1(c->sr)), v8_set1(3.0f), v8_set1(dmax));
        v8f di = v8_floor(d), f = v8_sub(v8_set1(1.0f), v8_sub(d, di));      /* read at w - di - 1 + f */
        v8i base = v8i_sub(v8i_set1(w - 1), v8_trunc_i(di));                  /* the older tap of the pair */
        v8f xm1 = v8_gather(line, v8i_add(v8i_slli(v8i_and(v8i_sub(base, v8i_set1(1)), wrap), 3), lix));
        v8f x0 = v8_gather(line, v8i_add(v8i_slli(v8i_and(base, wrap), 3), lix));
        v8f x1 = v8_gather(line, v8i_add(v8i_slli(v8i_and(v8i_add(base, v8i_set1(1)), wrap), 3), lix));
        v8f x2 = v8_gather(line, v8i_add(v8i_slli(v8i_and(v8i_add(base, v8i_set1(2)), wrap), 3), lix));
        v8f c1 = v8_mul(v8_set1(0.5f), v8_sub(x1, xm1));
        v8f c2 = v8_add(v8_sub(xm1, v8_mul(v8_set1(2.5f), x0)), v8_sub(v8_add(x1, x1), v8_mul(v8_set1(0.5f), x2)));
        v8f c3 = v8_add(v8_mul(v8_set1(0.5f), v8_sub(x2, xm1)), v8_mul(v8_set1(1.5f), v8_sub(x0, x1)));
        v8f yd = v8_add(v8_mul(v8_add(v8_mul(v8_add(v8_mul(c3, f), c2), f), c1), f), x0);
        v8f damp = v8_clamp(v8_load(dm + i * s3), v8_zero(), v8_set1(1.0f));
        lp = v8_add(yd, v8_mul(damp, v8_sub(lp, yd)));
        v8f g = v8_clamp(v8_load(fb + i * s2), v8_set1(-0.999f), v8_set1(0.999f));
        v8f y = v8_add(v8_load(x + i * s0), v8_mul(g, lp));
        v8_store(line + (size_t)w * LT_LANES, y);
        v8_store(c->out[0] + i * LT_LANES, y);
    }
    v8_store(st->lp, v8_zap(lp));
}

/* ---- formant -------------------------------------------------------------------------------- */

/* Three constant-peak band-passes (the SVF above) in parallel at the first three formants of a
 * tenor's a, e, i, o, u (frequency, bandwidth, level: the Csound manual's table of formant values),
 * vowel 0..4 moving linearly between neighbours (frequencies, bandwidths and levels in dB). */
static const float formant_f[5][3] = { { 650, 1080, 2650 }, { 400, 1700, 2600 }, { 290, 1870, 2800 },
                                       { 400, 800, 2600 }, { 350, 600, 2700 } };
static const float formant_bw[5][3] = { { 80, 90, 120 }, { 70, 80, 100 }, { 40, 90, 100 },
                                        { 40, 80, 100 }, { 40, 60, 100 } };
static const float formant_db[5][3] = { { 0, -6, -7 }, { 0, -14, -12 }, { 0, -15, -18 },
                                        { 0, -10, -12 }, { 0, -20, -17 } };

typedef struct { svf_c f[3]; v8f gain[3]; } formant_c;

static inline v8f lerp_tab(const float (*t)[3], int f, v8i i0, v8f fr)
{
    float a[8] __attribute__((aligned(32))), b[8] __attribute__((aligned(32)));
    int32_t ix[8] __attribute__((aligned(32)));
    v8i_store(ix, i0);
    for (int j = 0; j < LT_LANES; j++) { a[j] = t[ix[j]][f]; b[j] = t[ix[j] + 1][f]; }
    v8f va = v8_load(a);
    return v8_add(va, v8_mul(v8_sub(v8_load(b), va), fr));
}

static inline formant_c formant_coef(v8f vowel, float inv_sr)
{
    formant_c o;
    v8f v = v8_clamp(vowel, v8_zero(), v8_set1(4.0f));
    v8f fl = v8_min(v8_floor(v), v8_set1(3.0f));
    v8i i0 = v8_trunc_i(fl);
    v8f fr = v8_sub(v, fl);
    for (int f = 0; f < 3; f++) {
        v8f hz = lerp_tab(formant_f, f, i0, fr), bw = lerp_tab(formant_bw, f, i0, fr);
        v8f gdb = lerp_tab(formant_db, f, i0, fr);
        v8f gain = v8_exp2(v8_mul(gdb, v8_set1(0.166096405f)));           /* 10^(dB/20) */
        o.f[f] = svf_coef_k(hz, v8_div(bw, hz), inv_sr);                  /* 1 / Q = bandwidth / f */
        o.gain[f] = gain;
    }
    return o;
}

void LT_V8(vop_formant)(lt_vop_call *c)
{
    lt_vop_formant_state *st = c->state;
    const int n = c->n, aud = c->rate[1] != LT_RATE_CONST;
    const float *x = c->in[0], *vw = c->in[1];
    const int sx = LT_IN_STRIDE(c, 0);
    v8f ic1[3], ic2[3];
    for (int f = 0; f < 3; f++) { ic1[f] = v8_load(st->ic1[f]); ic2[f] = v8_load(st->ic2[f]); }
    formant_c k = formant_coef(v8_load(vw), c->inv_sr);
    for (int i = 0; i < n; i++) {
        if (aud) k = formant_coef(v8_load(vw + i * LT_LANES), c->inv_sr);
        v8f xi = v8_load(x + i * sx), y = v8_zero();
        for (int f = 0; f < 3; f++)
            y = v8_add(y, v8_mul(k.gain[f], svf_tick(SVF_BAND, &k.f[f], xi, &ic1[f], &ic2[f])));
        v8_store(c->out[0] + i * LT_LANES, y);
    }
    for (int f = 0; f < 3; f++) { v8_store(st->ic1[f], v8_zap(ic1[f])); v8_store(st->ic2[f], v8_zap(ic2[f])); }
}
