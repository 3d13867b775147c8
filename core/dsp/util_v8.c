/* util_v8.c — the pure voice ops on 8 lanes: arithmetic (add, subtract, mul, div, neg, vca), pan,
 * abs, clip, tanh, min, max, select, db, midi_to_hz.  No state; each output frame depends only on
 * the same frame of the inputs, so the rates need no special path (a constant input is a wire of
 * equal values).  Thread: audio.  RT-safe: yes. */
#include "dsp/v8.h"
#include "dsp/vop_kernels.h"

#define BINARY(name, expr)                                                              \
    void LT_V8(name)(lt_vop_call *c)                                                    \
    {                                                                                   \
        const float *pa = c->in[0], *pb = c->in[1];                                     \
        const int sa = LT_IN_STRIDE(c, 0), sb = LT_IN_STRIDE(c, 1);                     \
        for (int i = 0; i < c->n; i++) {                                                \
            v8f a = v8_load(pa + i * sa), b = v8_load(pb + i * sb);                     \
            v8_store(c->out[0] + i * LT_LANES, (expr));                                 \
        }                                                                               \
    }
#define UNARY(name, expr)                                                               \
    void LT_V8(name)(lt_vop_call *c)                                                    \
    {                                                                                   \
        const float *pa = c->in[0];                                                     \
        const int sa = LT_IN_STRIDE(c, 0);                                              \
        for (int i = 0; i < c->n; i++) {                                                \
            v8f a = v8_load(pa + i * sa);                                               \
            v8_store(c->out[0] + i * LT_LANES, (expr));                                 \
        }                                                                               \
    }

BINARY(vop_add, v8_add(a, b))
BINARY(vop_subtract, v8_sub(a, b))
BINARY(vop_mul, v8_mul(a, b))
BINARY(vop_vca, v8_mul(a, b))
BINARY(vop_min, v8_min(a, b))
BINARY(vop_max, v8_max(a, b))
/* a / b, and 0 where b is 0 (a patch dividing by a signal that crosses zero must not blow up). */
BINARY(vop_div, v8_and(v8_neq(b, v8_zero()), v8_div(a, v8_select(v8_eq(b, v8_zero()), v8_set1(1.0f), b))))
UNARY(vop_neg, v8_neg(a))
UNARY(vop_abs, v8_abs(a))
UNARY(vop_tanh, v8_tanh(a))
/* dB to gain, 10^(x/20); below -150 dB (3e-8) it is 0, so db(-inf) is silence. */
UNARY(vop_db, v8_and(v8_gt(a, v8_set1(-150.0f)), v8_exp2(v8_mul(a, v8_set1(0.166096405f)))))
/* 440 * 2^((n - 69) / 12) */
UNARY(vop_midi_to_hz, v8_mul(v8_set1(440.0f), v8_exp2(v8_mul(v8_sub(a, v8_set1(69.0f)), v8_set1(1.0f / 12.0f)))))

/* min(max(x, lo), hi) */
void LT_V8(vop_clip)(lt_vop_call *c)
{
    const int s0 = LT_IN_STRIDE(c, 0), s1 = LT_IN_STRIDE(c, 1), s2 = LT_IN_STRIDE(c, 2);
    for (int i = 0; i < c->n; i++) {
        v8f x = v8_load(c->in[0] + i * s0);
        v8f y = v8_min(v8_max(x, v8_load(c->in[1] + i * s1)), v8_load(c->in[2] + i * s2));
        v8_store(c->out[0] + i * LT_LANES, y);
    }
}

/* Constant-power pan, position -1 (left) .. 1 (right): left = cos((p + 1) pi / 4), right =
 * sin((p + 1) pi / 4), so each side is -3 dB in the centre and the power is constant. */
static inline void pan_gains(v8f p, v8f *l, v8f *r)
{
    v8f a = v8_mul(v8_add(v8_clamp(p, v8_set1(-1.0f), v8_set1(1.0f)), v8_set1(1.0f)), v8_set1(0.125f));
    *l = v8_cos2pi(a);
    *r = v8_sin2pi(a);
}

void LT_V8(vop_pan)(lt_vop_call *c)
{
    const int aud = c->rate[1] != LT_RATE_CONST, s0 = LT_IN_STRIDE(c, 0);
    v8f gl, gr;
    pan_gains(v8_load(c->in[1]), &gl, &gr);
    for (int i = 0; i < c->n; i++) {
        if (aud) pan_gains(v8_load(c->in[1] + i * LT_LANES), &gl, &gr);
        v8f x = v8_load(c->in[0] + i * s0);
        v8_store(c->out[0] + i * LT_LANES, v8_mul(x, gl));
        v8_store(c->out[1] + i * LT_LANES, v8_mul(x, gr));
    }
}

/* select(index, a, b, ...): the input numbered round(index) from 0 (a), clamped to those given. */
void LT_V8(vop_select)(lt_vop_call *c)
{
    const int m = c->nin - 1;
    if (m < 1) {
        for (int i = 0; i < c->n; i++) v8_store(c->out[0] + i * LT_LANES, v8_zero());
        return;
    }
    for (int i = 0; i < c->n; i++) {
        v8f ix = v8_round(v8_clamp(v8_load(c->in[0] + i * LT_IN_STRIDE(c, 0)), v8_zero(), v8_set1((float)(m - 1))));
        v8f y = v8_load(c->in[1] + i * LT_IN_STRIDE(c, 1));
        for (int k = 1; k < m; k++)
            y = v8_select(v8_eq(ix, v8_set1((float)k)), v8_load(c->in[1 + k] + i * LT_IN_STRIDE(c, 1 + k)), y);
        v8_store(c->out[0] + i * LT_LANES, y);
    }
}

/* Fused gain and pan (the compiler's `x * gain * level -> pan`): left = (x gain) (level cos), right =
 * (x gain) (level sin); level (a voice's constant: velocity, a patch's volume) folds into the pan
 * gains once per call when it is constant. */
void LT_V8(vop_vca_pan)(lt_vop_call *c)
{
    const int aud = c->rate[2] != LT_RATE_CONST || c->rate[3] != LT_RATE_CONST;
    const int s0 = LT_IN_STRIDE(c, 0), s1 = LT_IN_STRIDE(c, 1);
    v8f gl, gr, lv = v8_load(c->in[3]);
    pan_gains(v8_load(c->in[2]), &gl, &gr);
    gl = v8_mul(lv, gl);
    gr = v8_mul(lv, gr);
    for (int i = 0; i < c->n; i++) {
        if (aud) {
            pan_gains(v8_load(c->in[2] + i * LT_IN_STRIDE(c, 2)), &gl, &gr);
            lv = v8_load(c->in[3] + i * LT_IN_STRIDE(c, 3));
            gl = v8_mul(lv, gl);
            gr = v8_mul(lv, gr);
        }
        v8f x = v8_mul(v8_load(c->in[0] + i * s0), v8_load(c->in[1] + i * s1));
        v8_store(c->out[0] + i * LT_LANES, v8_mul(x, gl));
        v8_store(c->out[1] + i * LT_LANES, v8_mul(x, gr));
    }
}
