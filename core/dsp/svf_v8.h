/* svf_v8.h — the state-variable filter's coefficients and one frame of it on 8 lanes, shared by
 * filter_v8.c (lpf, hpf, bpf, notch) and the fused saw -> lpf kernel in osc_v8.c.  See filter_v8.c
 * for the method.  Include only from files compiled per ISA (..._v8.c).  Thread: audio.  RT-safe: yes. */
#ifndef LT_DSP_SVF_V8_H
#define LT_DSP_SVF_V8_H
#include "dsp/v8.h"

enum { SVF_LOW = 0, SVF_BAND, SVF_HIGH, SVF_NOTCH };

typedef struct { v8f a1m1, a2, a3, k; } svf_c;

static inline svf_c svf_coef(v8f cutoff, v8f res, float inv_sr)
{
    svf_c o;
    v8f t = v8_clamp(v8_mul(cutoff, v8_set1(inv_sr)), v8_set1(10.0f * inv_sr), v8_set1(0.49f));
    v8f g = v8_tanpi(t);
    o.k = v8_mul(v8_set1(1.41421356f), v8_exp2(v8_mul(v8_clamp(res, v8_zero(), v8_set1(1.0f)), v8_set1(-5.0f))));
    v8f gk = v8_mul(g, v8_add(g, o.k));
    v8f a1 = v8_div(v8_set1(1.0f), v8_add(v8_set1(1.0f), gk));
    o.a1m1 = v8_neg(v8_mul(gk, a1));
    o.a2 = v8_mul(g, a1);
    o.a3 = v8_mul(g, o.a2);
    return o;
}

static inline v8f svf_tick(int mode, const svf_c *c, v8f x, v8f *ic1, v8f *ic2)
{
    v8f e1 = v8_add(v8_sub(v8_mul(c->a1m1, *ic1), v8_mul(c->a2, *ic2)), v8_mul(c->a2, x));
    v8f e2 = v8_add(v8_sub(v8_mul(c->a2, *ic1), v8_mul(c->a3, *ic2)), v8_mul(c->a3, x));
    v8f v1 = v8_add(*ic1, e1), v2 = v8_add(*ic2, e2);
    *ic1 = v8_add(v1, e1);
    *ic2 = v8_add(v2, e2);
    switch (mode) {
    case SVF_LOW:  return v2;
    case SVF_BAND: return v8_mul(c->k, v1);
    case SVF_HIGH: return v8_sub(v8_sub(x, v8_mul(c->k, v1)), v2);
    default:       return v8_sub(x, v8_mul(c->k, v1));
    }
}

#endif
