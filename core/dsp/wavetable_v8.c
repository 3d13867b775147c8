/* wavetable_v8.c — the wavetable oscillator on 8 lanes: a uint32 phase reads a prepared table
 * (wavetable.h) by linear interpolation, in the mip level whose highest harmonic lies under Nyquist
 * at the lane's frequency (level = ceil(log2(f N / sr)), from the float's exponent bits), and between
 * two neighbouring frames by `position` (0..1 across all frames).  Per lane the four samples are
 * gathered with plain loads (v8_gather), so both builds read the same values.
 * Thread: audio.  RT-safe: yes. */
#include "dsp/v8.h"
#include "dsp/vop_kernels.h"
#include "dsp/wavetable.h"

void LT_V8(vop_wavetable)(lt_vop_call *c)
{
    lt_vop_wavetable_state *s = c->state;
    const int n = c->n;
    float *out = c->out[0];
    const lt_vop_data *d = c->data;
    if (!d || !d->data || d->ndata < 3 + LT_WT_N + 1) {
        for (int i = 0; i < n; i++) v8_store(out + i * LT_LANES, v8_zero());
        return;
    }
    const float *tab = d->data;
    const int F = (int)tab[0], M = (int)tab[2];
    const float *fq = c->in[0], *po = c->in[1];
    const int sf = LT_IN_STRIDE(c, 0), sp = LT_IN_STRIDE(c, 1);
    const v8f scale = v8_set1(4294967296.0f * c->inv_sr), lvl = v8_set1((float)LT_WT_N * c->inv_sr);
    const v8f rowlen = v8_set1((float)(LT_WT_N + 1)), fF = v8_set1((float)F);
    const v8f fmax = v8_set1((float)(F > 1 ? F - 2 : 0)), span = v8_set1((float)(F - 1));
    const v8i mmax = v8i_set1(M - 1), zero = v8i_set1(0);
    const v8f next = v8_set1(F > 1 ? (float)(LT_WT_N + 1) : 0.0f);
    v8i ph = v8i_load(s->ph);
    for (int i = 0; i < n; i++) {
        v8f f = v8_max(v8_load(fq + i * sf), v8_zero());
        v8i inc = v8_round_i(v8_min(v8_mul(f, scale), v8_set1(2.1e9f)));
        /* mip level: ceil(log2(f N / sr)), 0 .. M-1 */
        v8i xb = v8_cast_i(v8_mul(f, lvl));
        v8i m = v8i_add(v8i_sub(v8i_srli(xb, 23), v8i_set1(126)), v8i_eq(v8i_and(xb, v8i_set1(0x7fffff)), zero));
        m = v8i_select(v8i_gt(zero, m), zero, m);
        m = v8i_select(v8i_gt(m, mmax), mmax, m);
        /* frames */
        v8f p = v8_mul(v8_clamp(v8_load(po + i * sp), v8_zero(), v8_set1(1.0f)), span);
        v8f fi = v8_min(v8_floor(p), fmax), ff = v8_sub(p, fi);
        /* sample index and fraction from the phase */
        v8i k = v8i_srli(ph, 32 - LT_WT_LOG2N);
        v8f fr = v8_sub(v8_cast_f(v8i_or(v8i_srli(v8i_slli(ph, LT_WT_LOG2N), 9), v8i_set1(0x3f800000))), v8_set1(1.0f));
        v8f off = v8_add(v8_add(v8_mul(v8_add(v8_mul(v8_from_i(m), fF), fi), rowlen), v8_set1(3.0f)), v8_from_i(k));
        v8i o0 = v8_trunc_i(off), o1 = v8_trunc_i(v8_add(off, next));
        v8f a0 = v8_gather(tab, o0), a1 = v8_gather(tab, v8i_add(o0, v8i_set1(1)));
        v8f b0 = v8_gather(tab, o1), b1 = v8_gather(tab, v8i_add(o1, v8i_set1(1)));
        v8f a = v8_add(a0, v8_mul(fr, v8_sub(a1, a0))), b = v8_add(b0, v8_mul(fr, v8_sub(b1, b0)));
        v8_store(out + i * LT_LANES, v8_add(a, v8_mul(ff, v8_sub(b, a))));
        ph = v8i_add(ph, inc);
    }
    v8i_store(s->ph, ph);
}
