/* env_v8.c — envelopes and modulators on 8 lanes: adsr, ar, env (multi-segment), lfo, slew, sah.
 *
 * Envelopes are timed to the frame like core/dsp/adsr.c: a segment of `len` = round(T * sr) frames
 * ramps from `from` to `to`; frame j of it is from + (to - from) * shape(j / len), and the frame after
 * its last is the next segment's first, whose value is the old `to` exactly.  So with attack A the
 * level is exactly 1.0 at frame round(A * sr) after the gate opens.  A gate that opens while the
 * envelope sounds restarts the attack from the level that frame would have had: no click.
 * shape is a straight line or SuperCollider's curve (1 - e^(c x)) / (1 - e^c) (Env's `curve`:
 * negative = fast start, as a capacitor charges or a sound decays; positive = slow start).
 *
 * SoA shape (the research note's C3.6): between events every lane is one vector formula per frame,
 * level = from + (to - from) * shape(pos / len) or a held level, with no branch; a call is cut into
 * runs at the frames where some lane's segment ends or its gate changes, and only there does a
 * scalar pass update the lanes that have an event.  A held note costs the vector formula; a lane
 * with a corner inside the quantum costs one scalar step at that frame.
 *
 * Thread: audio.  RT-safe: yes. */
#include <math.h>
#include "dsp/v8.h"
#include "dsp/vop_kernels.h"

#define LOG2E 1.44269504f
#define MAX_LEN 16777216.0                       /* 2^24 frames (349 s at 48 kHz): exact in float */

enum { ADSR_IDLE = 0, ADSR_ATTACK, ADSR_DECAY, ADSR_SUSTAIN, ADSR_RELEASE };
enum { ENV_DONE = -2, ENV_HOLD = -1 };

static float seg_frames(float seconds, float sr)
{
    double x = (double)seconds * sr;
    if (!(x > 0.0)) return 0.0f;
    return x < MAX_LEN ? (float)floor(x + 0.5) : (float)MAX_LEN;
}

/* Starts segment `stage` of lane j. */
static void seg_start(lt_vop_env_state *s, int j, int stage, float from, float to, float len, float curve)
{
    s->stage[j] = stage;
    s->pos[j] = 0.0f;
    s->len[j] = len;
    s->inv[j] = len > 0.0f ? 1.0f / len : 0.0f;
    s->from[j] = from;
    s->to[j] = to;
    float k = curve * LOG2E;
    if (fabsf(k) < 1e-3f) k = 0.0f;
    s->k[j] = k;
    s->norm[j] = k != 0.0f ? 1.0f / (1.0f - exp2f(k)) : 0.0f;
}

/* The levels of frame i for every lane: a ramp where `ramp`, else `hold`.  tgt is the ramp's target
 * (the stored `to`, or a live sustain level). */
static inline v8f env_level(v8f ramp, v8f pos, v8f inv, v8f from, v8f tgt, v8f k, v8f norm, v8f hold, int curved)
{
    v8f x = v8_mul(pos, inv), sh = x;
    if (curved) {
        v8f c = v8_mul(v8_sub(v8_set1(1.0f), v8_exp2(v8_mul(k, x))), norm);
        sh = v8_select(v8_eq(k, v8_zero()), x, c);
    }
    return v8_select(ramp, v8_add(from, v8_mul(v8_sub(tgt, from), sh)), hold);
}

/* Frames from i until the first frame where some lane's segment ends or some lane's gate (> 0 or
 * not) differs from frame i; at most n - i. */
static inline int run_length(const lt_vop_env_state *s, v8f ramp, const float *gate, int gate_audio, int i, int n)
{
    int r = n - i;
    float left[8] __attribute__((aligned(32)));
    v8_store(left, v8_and(ramp, v8_sub(v8_load(s->len), v8_load(s->pos))));
    int rm = v8_mask(ramp);
    for (int j = 0; j < LT_LANES; j++)
        if ((rm >> j & 1) && left[j] < (float)r) r = left[j] > 0.0f ? (int)left[j] : 0;
    if (gate_audio) {
        int g0 = v8_mask(v8_gt(v8_load(gate + i * LT_LANES), v8_zero()));
        for (int t = i + 1; t < i + r; t++)
            if (v8_mask(v8_gt(v8_load(gate + t * LT_LANES), v8_zero())) != g0) { r = t - i; break; }
    }
    return r > 0 ? r : 1;
}

/* ---- adsr and ar ------------------------------------------------------------------------------ */

static const float adsr_curves[2][2] = { { 0, 0 }, { -4.0f, -4.0f } };  /* attack, decay/release */

/* in: gate, attack, decay, sustain, release (ar: decay 0 and sustain 1, from `ar`'s own inputs). */
static inline __attribute__((always_inline)) void adsr_run(lt_vop_call *c, int ar)
{
    lt_vop_env_state *s = c->state;
    const int n = c->n;
    const float *gate = c->in[0], *at = c->in[1];
    const float *dt = ar ? NULL : c->in[2], *su = ar ? NULL : c->in[3], *rt = ar ? c->in[2] : c->in[4];
    const int sg = LT_IN_STRIDE(c, 0), sa = LT_IN_STRIDE(c, 1), sd = ar ? 0 : LT_IN_STRIDE(c, 2);
    const int ss = ar ? 0 : LT_IN_STRIDE(c, 3), sr = LT_IN_STRIDE(c, ar ? 2 : 4);
    const int opt = c->data && c->data->opt == 1 ? 1 : 0;
    const float ca = adsr_curves[opt][0], cd = adsr_curves[opt][1];
    const int gate_audio = c->rate[0] != LT_RATE_CONST;
    float *out = c->out[0];
    float cur[8] __attribute__((aligned(32)));
    int i = 0;
    while (i < n) {
        /* this frame's levels as they stand, then the events at this frame */
        v8f st = v8_from_i(v8i_load(s->stage));
        v8f sus = ar ? v8_set1(1.0f) : v8_clamp(v8_load(su + i * ss), v8_zero(), v8_set1(1.0f));
        v8f ramp = v8_or(v8_or(v8_eq(st, v8_set1(ADSR_ATTACK)), v8_eq(st, v8_set1(ADSR_DECAY))), v8_eq(st, v8_set1(ADSR_RELEASE)));
        /* lanes with an event here: a gate edge, a trigger, a segment at its end (most calls: none) */
        v8f g0 = v8_load(gate + i * sg), on0 = v8_gt(g0, v8_zero());
        const int was_on = v8_mask(v8_gt(v8_load(s->gate), v8_zero()));
        const int ev = (v8_mask(on0) ^ was_on) | v8_mask(v8_and(ramp, v8_ge(v8_load(s->pos), v8_load(s->len))))
                     | (i == 0 ? c->trig & v8_mask(on0) : 0);
        v8_store(s->gate, g0);
        if (ev) {
            v8f tgt = v8_select(v8_eq(st, v8_set1(ADSR_DECAY)), sus, v8_load(s->to));
            v8f hold = v8_and(v8_eq(st, v8_set1(ADSR_SUSTAIN)), sus);
            v8_store(cur, env_level(ramp, v8_load(s->pos), v8_load(s->inv), v8_load(s->from), tgt, v8_load(s->k),
                                    v8_load(s->norm), hold, opt));
        }
        for (int j = 0; j < LT_LANES; j++) {
            if (!(ev >> j & 1)) continue;
            float g = gate[i * sg + j];
            int on = g > 0.0f, was = was_on >> j & 1;
            int stage = s->stage[j];
            if ((on && !was) || (i == 0 && on && (c->trig >> j & 1))) {
                seg_start(s, j, ADSR_ATTACK, cur[j], 1.0f, seg_frames(at[i * sa + j], c->sr), ca);
            } else if (!on && was && stage != ADSR_IDLE && stage != ADSR_RELEASE) {
                seg_start(s, j, ADSR_RELEASE, cur[j], 0.0f, seg_frames(rt[i * sr + j], c->sr), cd);
            }
            for (;;) {                                   /* segments that end here (or have no length) */
                stage = s->stage[j];
                if (!(stage == ADSR_ATTACK || stage == ADSR_DECAY || stage == ADSR_RELEASE) || s->pos[j] < s->len[j])
                    break;
                if (stage == ADSR_ATTACK)
                    seg_start(s, j, ADSR_DECAY, 1.0f, 0.0f, ar ? 0.0f : seg_frames(dt[i * sd + j], c->sr), cd);
                else
                    s->stage[j] = stage == ADSR_DECAY ? ADSR_SUSTAIN : ADSR_IDLE;
            }
        }
        /* a run of frames with no event: one vector formula per frame */
        st = v8_from_i(v8i_load(s->stage));
        ramp = v8_or(v8_or(v8_eq(st, v8_set1(ADSR_ATTACK)), v8_eq(st, v8_set1(ADSR_DECAY))), v8_eq(st, v8_set1(ADSR_RELEASE)));
        v8f is_decay = v8_eq(st, v8_set1(ADSR_DECAY)), is_sus = v8_eq(st, v8_set1(ADSR_SUSTAIN));
        int r = run_length(s, ramp, gate, gate_audio, i, n);
        v8f pos = v8_load(s->pos), inv = v8_load(s->inv), from = v8_load(s->from), to = v8_load(s->to);
        v8f k = v8_load(s->k), norm = v8_load(s->norm), one = v8_set1(1.0f);
        if (!v8_mask(ramp) && (ar || c->rate[3] == LT_RATE_CONST)) {
            /* every lane holds a constant level (sustain or rest): a fill */
            v8f h = v8_and(is_sus, ar ? one : v8_clamp(v8_load(su + i * ss), v8_zero(), one));
            for (int t = i; t < i + r; t++) v8_store(out + t * LT_LANES, h);
            i += r;
            continue;
        }
        for (int t = i; t < i + r; t++) {
            v8f sv = ar ? one : v8_clamp(v8_load(su + t * ss), v8_zero(), one);
            v8f y = env_level(ramp, pos, inv, from, v8_select(is_decay, sv, to), k, norm, v8_and(is_sus, sv), opt);
            v8_store(out + t * LT_LANES, y);
            pos = v8_add(pos, one);
        }
        v8_store(s->pos, v8_and(ramp, pos));
        i += r;
    }
    c->busy |= v8_mask(v8_neq(v8_from_i(v8i_load(s->stage)), v8_zero())) & c->active;
}

void LT_V8(vop_adsr)(lt_vop_call *c) { adsr_run(c, 0); }
void LT_V8(vop_ar)(lt_vop_call *c) { adsr_run(c, 1); }

/* ---- env: multi-segment ------------------------------------------------------------------------ */

/* Inputs: gate, level0 .. level7 (in[1..8]), time1 .. time7 (in[9..15]); option = N segments (1..7);
 * data = { sustain level index (-1 = none: a one-shot), curve of segment 1 .. N }.  Segment m ramps
 * to level m over time m.  A trigger from rest (or after the end) jumps to level0 and starts segment
 * 1; a retrigger while sounding starts segment 1 from the current level.  Reaching the sustain level
 * with the gate open holds it (live) until the gate closes, which goes on with the next segment from
 * the current level (also when it closes earlier); without a sustain level the gate's closing is
 * ignored.  After the last segment it holds level N and is no longer busy. */
#define ENV_MAXSEG 7

static inline float env_curve(const lt_vop_call *c, int m)
{
    return c->data && c->data->ndata > m ? c->data->data[m] : 0.0f;
}

void LT_V8(vop_env)(lt_vop_call *c)
{
    lt_vop_env_state *s = c->state;
    const int n = c->n;
    int N = c->data ? c->data->opt : 1;
    if (N < 1) N = 1;
    if (N > ENV_MAXSEG) N = ENV_MAXSEG;
    int sus = c->data && c->data->ndata > 0 ? (int)c->data->data[0] : -1;
    if (sus > N) sus = N;
    int curved = 0;
    for (int m = 1; m <= N; m++) if (env_curve(c, m) != 0.0f) curved = 1;
    const float *gate = c->in[0];
    const int gate_audio = c->rate[0] != LT_RATE_CONST;
    int sk[LT_VOP_MAX_IN];
    for (int q = 0; q < LT_VOP_MAX_IN; q++) sk[q] = LT_IN_STRIDE(c, q);
    const float *hold_in = c->in[1 + (sus >= 0 ? sus : 0)], *last_in = c->in[1 + N];
    const int sh = sk[1 + (sus >= 0 ? sus : 0)], sl = sk[1 + N];
#define IN(q) (c->in[q][i * sk[q] + j])
    float *out = c->out[0];
    float cur[8] __attribute__((aligned(32)));
    int i = 0;
    while (i < n) {
        v8f st = v8_from_i(v8i_load(s->stage));
        v8f ramp = v8_gt(st, v8_zero());
        v8f g0 = v8_load(gate + i * sk[0]), on0 = v8_gt(g0, v8_zero());
        const int was_on = v8_mask(v8_gt(v8_load(s->gate), v8_zero()));
        const int ev = (v8_mask(on0) ^ was_on) | v8_mask(v8_and(ramp, v8_ge(v8_load(s->pos), v8_load(s->len))))
                     | (i == 0 ? c->trig & v8_mask(on0) : 0);
        v8_store(s->gate, g0);
        if (ev) {
            v8f hold = v8_or(v8_and(v8_eq(st, v8_set1(ENV_HOLD)), v8_load(hold_in + i * sh)),
                             v8_and(v8_eq(st, v8_set1(ENV_DONE)), v8_load(last_in + i * sl)));
            v8_store(cur, env_level(ramp, v8_load(s->pos), v8_load(s->inv), v8_load(s->from), v8_load(s->to),
                                    v8_load(s->k), v8_load(s->norm), hold, curved));
        }
        for (int j = 0; j < LT_LANES; j++) {
            if (!(ev >> j & 1)) continue;
            float g = IN(0);
            int on = g > 0.0f, was = was_on >> j & 1, stage = s->stage[j];
            if ((on && !was) || (i == 0 && on && (c->trig >> j & 1))) {
                float from = stage == 0 || stage == ENV_DONE ? IN(1) : cur[j];
                if (sus == 0) s->stage[j] = ENV_HOLD;            /* sustain on level0: hold it at once */
                else seg_start(s, j, 1, from, IN(2), seg_frames(IN(9), c->sr), env_curve(c, 1));
            } else if (!on && was && sus >= 0 && (stage == ENV_HOLD || (stage > 0 && stage <= sus))) {
                if (sus + 1 <= N)
                    seg_start(s, j, sus + 1, cur[j], IN(2 + sus), seg_frames(IN(9 + sus), c->sr), env_curve(c, sus + 1));
                else
                    s->stage[j] = ENV_DONE;
            }
            for (;;) {
                stage = s->stage[j];
                if (stage <= 0 || s->pos[j] < s->len[j]) break;
                if (stage == sus && on) s->stage[j] = ENV_HOLD;
                else if (stage >= N) s->stage[j] = ENV_DONE;
                else seg_start(s, j, stage + 1, s->to[j], IN(2 + stage), seg_frames(IN(9 + stage), c->sr),
                               env_curve(c, stage + 1));
            }
        }
        st = v8_from_i(v8i_load(s->stage));
        ramp = v8_gt(st, v8_zero());
        v8f is_hold = v8_eq(st, v8_set1(ENV_HOLD)), is_done = v8_eq(st, v8_set1(ENV_DONE));
        int r = run_length(s, ramp, gate, gate_audio, i, n);
        v8f pos = v8_load(s->pos), inv = v8_load(s->inv), from = v8_load(s->from), to = v8_load(s->to);
        v8f k = v8_load(s->k), norm = v8_load(s->norm), one = v8_set1(1.0f);
        for (int t = i; t < i + r; t++) {
            v8f h = v8_or(v8_and(is_hold, v8_load(hold_in + t * sh)), v8_and(is_done, v8_load(last_in + t * sl)));
            v8_store(out + t * LT_LANES, env_level(ramp, pos, inv, from, to, k, norm, h, curved));
            pos = v8_add(pos, one);
        }
        v8_store(s->pos, v8_and(ramp, pos));
        i += r;
    }
#undef IN
    v8f st = v8_from_i(v8i_load(s->stage));
    c->busy |= ~v8_mask(v8_or(v8_eq(st, v8_zero()), v8_eq(st, v8_set1(ENV_DONE)))) & c->active & 0xff;
}

/* ---- lfo ---------------------------------------------------------------------------------------- */

/* A low-frequency oscillator, -1..1, starting with its voice at phase 0 (sine and tri at 0 rising,
 * saw at 0 rising to +1 then falling to -1 at half a cycle, square +1 for the first half).  random
 * holds a new uniform value each cycle (sample and hold); smooth glides between successive values
 * with a smoothstep (continuous slope).  The rate is in Hz at any input rate; it is not band-limited
 * (use the oscillators for audio). */
enum { LFO_SINE = 0, LFO_TRI, LFO_SAW, LFO_SQUARE, LFO_RANDOM, LFO_SMOOTH };

static inline __attribute__((always_inline)) void lfo_run(lt_vop_call *c, int shape)
{
    lt_vop_lfo_state *s = c->state;
    const int n = c->n;
    const float *rt = c->in[0];
    const int sr = LT_IN_STRIDE(c, 0);
    const v8f scale = v8_set1(4294967296.0f * c->inv_sr);
    v8i ph = v8i_load(s->ph), rng = v8i_load(s->rng);
    v8f a = v8_load(s->a), b = v8_load(s->b);
    for (int i = 0; i < n; i++) {
        v8i inc = v8_round_i(v8_clamp(v8_mul(v8_load(rt + i * sr), scale), v8_zero(), v8_set1(2.1e9f)));
        v8f y;
        if (shape == LFO_SINE) {
            y = v8_sin2pi(v8_mul(v8_from_i(ph), v8_set1(1.0f / 4294967296.0f)));
        } else if (shape == LFO_TRI) {
            v8f sd = v8_mul(v8_from_i(v8i_add(ph, v8i_set1(1 << 30))), v8_set1(1.0f / 2147483648.0f));
            y = v8_sub(v8_add(v8_abs(sd), v8_abs(sd)), v8_set1(1.0f));
        } else if (shape == LFO_SAW) {
            y = v8_mul(v8_from_i(ph), v8_set1(1.0f / 2147483648.0f));
        } else if (shape == LFO_SQUARE) {
            y = v8_select(v8_cast_f(v8i_gt(v8i_set1(0), ph)), v8_set1(-1.0f), v8_set1(1.0f));
        } else if (shape == LFO_RANDOM) {
            y = b;
        } else {
            /* x = phase as 0..1 */
            v8f x = v8_mul(v8_from_i(v8i_srli(ph, 8)), v8_set1(1.0f / 16777216.0f));
            v8f sm = v8_mul(v8_mul(x, x), v8_sub(v8_set1(3.0f), v8_add(x, x)));
            y = v8_add(a, v8_mul(v8_sub(b, a), sm));
        }
        v8_store(c->out[0] + i * LT_LANES, y);
        v8i old = ph;
        ph = v8i_add(ph, inc);
        if (shape >= LFO_RANDOM) {
            v8f wrap = v8_cast_f(v8i_gtu(old, ph));
            if (v8_mask(wrap)) {
                v8i nr = v8_xorshift(rng);
                rng = v8i_select(v8_cast_i(wrap), nr, rng);
                a = v8_select(wrap, b, a);
                b = v8_select(wrap, v8_bits_to_bipolar(nr), b);
            }
        }
    }
    v8i_store(s->ph, ph);
    v8i_store(s->rng, rng);
    v8_store(s->a, a);
    v8_store(s->b, b);
}

void LT_V8(vop_lfo)(lt_vop_call *c)
{
    switch (c->data ? c->data->opt : 0) {
    case LFO_TRI: lfo_run(c, LFO_TRI); break;
    case LFO_SAW: lfo_run(c, LFO_SAW); break;
    case LFO_SQUARE: lfo_run(c, LFO_SQUARE); break;
    case LFO_RANDOM: lfo_run(c, LFO_RANDOM); break;
    case LFO_SMOOTH: lfo_run(c, LFO_SMOOTH); break;
    default: lfo_run(c, LFO_SINE); break;
    }
}

/* ---- slew ---------------------------------------------------------------------------------------- */

/* An exponential lag with its own time up and down (SuperCollider's LagUD): y follows x by
 * y = x + b (y - x), b = 0.001^(1 / (T sr)), so a step is within 0.1 % (60 dB) after T seconds;
 * T = up_s while x rises above y, down_s while it falls (down_s defaults to up_s: the def's default
 * of -1 means "same as up").  Scale-free, so it glides a frequency as well as it smooths a level. */
static inline v8f lag_coef(v8f t, float sr)
{
    v8f f = v8_mul(v8_max(t, v8_zero()), v8_set1(sr));
    v8f b = v8_exp2(v8_div(v8_set1(-9.96578428f), v8_max(f, v8_set1(1e-6f))));   /* log2(0.001) / f */
    return v8_and(v8_gt(f, v8_set1(0.5f)), b);                                  /* under a frame: no lag */
}

void LT_V8(vop_slew)(lt_vop_call *c)
{
    lt_vop_slew_state *s = c->state;
    const int n = c->n;
    const int aud = c->rate[1] != LT_RATE_CONST || c->rate[2] != LT_RATE_CONST;
    const float *x = c->in[0], *up = c->in[1], *dn = c->in[2];
    const int sx = LT_IN_STRIDE(c, 0), su = LT_IN_STRIDE(c, 1), sd = LT_IN_STRIDE(c, 2);
    v8f y = v8_load(s->y), bu = v8_zero(), bd = v8_zero();
    for (int i = 0; i < n; i++) {
        if (aud || i == 0) {
            v8f u = v8_load(up + i * su), d = v8_load(dn + i * sd);
            bu = lag_coef(u, c->sr);
            bd = lag_coef(v8_select(v8_lt(d, v8_zero()), u, d), c->sr);
        }
        v8f xi = v8_load(x + i * sx);
        v8f b = v8_select(v8_gt(xi, y), bu, bd);
        y = v8_add(xi, v8_mul(b, v8_sub(y, xi)));
        v8_store(c->out[0] + i * LT_LANES, y);
    }
    v8_store(s->y, v8_zap(y));
}

/* ---- sah ----------------------------------------------------------------------------------------- */

/* Sample and hold: takes x when trigger rises through 0 (from <= 0 to > 0), holds it otherwise
 * (0 before the first trigger). */
void LT_V8(vop_sah)(lt_vop_call *c)
{
    lt_vop_sah_state *s = c->state;
    const float *x = c->in[0], *tr = c->in[1];
    const int sx = LT_IN_STRIDE(c, 0), st = LT_IN_STRIDE(c, 1);
    v8f y = v8_load(s->y), prev = v8_load(s->prev);
    for (int i = 0; i < c->n; i++) {
        v8f t = v8_load(tr + i * st);
        v8f rise = v8_andnot(v8_gt(prev, v8_zero()), v8_gt(t, v8_zero()));
        y = v8_select(rise, v8_load(x + i * sx), y);
        prev = t;
        v8_store(c->out[0] + i * LT_LANES, y);
    }
    v8_store(s->y, y);
    v8_store(s->prev, prev);
}
