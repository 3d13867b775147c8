/* svf_v8.h — the state-variable filter's coefficients and one frame of it on 8 lanes, shared by
 * filter_v8.c (lpf, hpf, bpf, notch) and the fused saw -> lpf kernel in osc_v8.c.  See filter_v8.c
 * for the method.  Include only from files compiled per ISA (..._v8.c).  Thread: audio.  RT-safe: yes. */
#ifndef LT_DSP_SVF_V8_H
#define LT_DSP_SVF_V8_H
#include "dsp/v8.h"
#include "dsp/vop_kernels.h"

enum { SVF_LOW = 0, SVF_BAND, SVF_HIGH, SVF_NOTCH };

/* Coefficients of one frame, written as increments of the two trapezoidal integrator states:
 *     ic1' = (ic1 + b1 x) + (m11 ic1 + m12 ic2)     ic2' = (ic2 + b2 x) + (m21 ic1 + m22 ic2)
 * with m11 = 2 (a1 - 1), m12 = -2 a2, b1 = 2 a2, m21 = 2 a2, m22 = -2 a3, b2 = 2 a3 (Simper's a1, a2,
 * a3), and the outputs v1 = (ic1 + ic1') / 2 (band, unnormalised), v2 = (ic2 + ic2') / 2 (low).  Each
 * state adds a small increment to itself, so low cutoffs keep their precision (no 1 - tiny factor),
 * and the chain from one frame's state to the next is a multiply and two adds. */
typedef struct { v8f m11, m12, m21, m22, b1, b2, k; } svf_c;

/* From the cutoff (Hz, clamped to 10 Hz .. 0.49 sr) and k = 1 / Q. */
static inline svf_c svf_coef_k(v8f cutoff, v8f k, float inv_sr)
{
    svf_c o;
    v8f t = v8_clamp(v8_mul(cutoff, v8_set1(inv_sr)), v8_set1(10.0f * inv_sr), v8_set1(0.49f));
    v8f g = v8_tanpi(t);
    o.k = k;
    v8f gk = v8_mul(g, v8_add(g, o.k));
    v8f a1 = v8_div(v8_set1(1.0f), v8_add(v8_set1(1.0f), gk));
    v8f a2 = v8_mul(g, a1), a3 = v8_mul(g, a2);
    o.m11 = v8_mul(v8_set1(-2.0f), v8_mul(gk, a1));
    o.m12 = v8_mul(v8_set1(-2.0f), a2);
    o.b1 = v8_add(a2, a2);
    o.m21 = o.b1;
    o.m22 = v8_mul(v8_set1(-2.0f), a3);
    o.b2 = v8_add(a3, a3);
    return o;
}

/* From the cutoff and lute's `res` 0..1: Q = 0.7071 * 32^res, k = sqrt(2) * 2^(-5 res). */
static inline svf_c svf_coef(v8f cutoff, v8f res, float inv_sr)
{
    v8f k = v8_mul(v8_set1(1.41421356f), v8_exp2(v8_mul(v8_clamp(res, v8_zero(), v8_set1(1.0f)), v8_set1(-5.0f))));
    return svf_coef_k(cutoff, k, inv_sr);
}

/* svf_coef for constant inputs, through the cache in the state: the same values, computed only when
 * some lane's cutoff or res differs from the last call's (a NaN never matches, so it recomputes). */
static inline svf_c svf_coef_cached(lt_vop_svf_state *s, v8f cutoff, v8f res, float inv_sr)
{
    svf_c o;
    if (v8_mask(v8_or(v8_neq(cutoff, v8_load(s->fc)), v8_neq(res, v8_load(s->res))))) {
        o = svf_coef(cutoff, res, inv_sr);
        v8_store(s->fc, cutoff);
        v8_store(s->res, res);
        v8_store(s->coef[0], o.m11); v8_store(s->coef[1], o.m12); v8_store(s->coef[2], o.m21);
        v8_store(s->coef[3], o.m22); v8_store(s->coef[4], o.b1); v8_store(s->coef[5], o.b2);
        v8_store(s->coef[6], o.k);
    } else {
        o.m11 = v8_load(s->coef[0]); o.m12 = v8_load(s->coef[1]); o.m21 = v8_load(s->coef[2]);
        o.m22 = v8_load(s->coef[3]); o.b1 = v8_load(s->coef[4]); o.b2 = v8_load(s->coef[5]);
        o.k = v8_load(s->coef[6]);
    }
    return o;
}

/* Ramps: c0 + dc * i, member by member. */
static inline svf_c svf_lerp(const svf_c *c0, const svf_c *dc, v8f fi)
{
    svf_c o;
    o.m11 = v8_add(c0->m11, v8_mul(dc->m11, fi));
    o.m12 = v8_add(c0->m12, v8_mul(dc->m12, fi));
    o.m21 = v8_add(c0->m21, v8_mul(dc->m21, fi));
    o.m22 = v8_add(c0->m22, v8_mul(dc->m22, fi));
    o.b1 = v8_add(c0->b1, v8_mul(dc->b1, fi));
    o.b2 = v8_add(c0->b2, v8_mul(dc->b2, fi));
    o.k = v8_add(c0->k, v8_mul(dc->k, fi));
    return o;
}

static inline svf_c svf_slope(const svf_c *c0, const svf_c *c1, v8f r)
{
    svf_c o;
    o.m11 = v8_mul(v8_sub(c1->m11, c0->m11), r);
    o.m12 = v8_mul(v8_sub(c1->m12, c0->m12), r);
    o.m21 = v8_mul(v8_sub(c1->m21, c0->m21), r);
    o.m22 = v8_mul(v8_sub(c1->m22, c0->m22), r);
    o.b1 = v8_mul(v8_sub(c1->b1, c0->b1), r);
    o.b2 = v8_mul(v8_sub(c1->b2, c0->b2), r);
    o.k = v8_mul(v8_sub(c1->k, c0->k), r);
    return o;
}

static inline v8f svf_tick(int mode, const svf_c *c, v8f x, v8f *ic1, v8f *ic2)
{
    v8f n1 = v8_add(v8_add(*ic1, v8_mul(c->b1, x)), v8_add(v8_mul(c->m11, *ic1), v8_mul(c->m12, *ic2)));
    v8f n2 = v8_add(v8_add(*ic2, v8_mul(c->b2, x)), v8_add(v8_mul(c->m21, *ic1), v8_mul(c->m22, *ic2)));
    v8f half = v8_set1(0.5f);
    v8f v2 = v8_mul(v8_add(*ic2, n2), half);
    v8f y;
    if (mode == SVF_LOW) y = v2;
    else {
        v8f kv1 = v8_mul(c->k, v8_mul(v8_add(*ic1, n1), half));
        if (mode == SVF_BAND) y = kv1;
        else if (mode == SVF_HIGH) y = v8_sub(v8_sub(x, kv1), v2);
        else y = v8_sub(x, kv1);
    }
    *ic1 = n1;
    *ic2 = n2;
    return y;
}

#endif
