/* test_vop_util.c — the pure voice ops (util_v8.c): arithmetic exactly as C computes it (division
 * by zero gives 0), constant-power pan (-3 dB in the centre, power constant everywhere), tanh within
 * 1e-4 of libm, clip, min, max, abs, neg, select's rounding and clamping, db and midi_to_hz, and the
 * fused vca_pan and saw_lpf giving the same samples as the ops they replace. */
#include <stdio.h>
#include "check.h"
#include "vop_harness.h"
#include "dsp/vops_defs.h"

#define SR 48000
#define LEN 4096

static float *ramp(float lo, float hi)
{
    float *x = malloc(sizeof(float) * LEN);
    for (int t = 0; t < LEN; t++) x[t] = lo + (hi - lo) * (float)t / (LEN - 1);
    return x;
}

static float *run(const lt_vop_def *d, float *a, float *b, float *c, float **out2)
{
    float *sig[LT_VOP_MAX_IN] = { a, b, c };
    return vh_run1(d, 0, NULL, 0, SR, LEN, NULL, sig, 0, out2);
}

int main(void)
{
    printf("kernels: %s\n", lt_isa_name(lt_isa_select(NULL)));
    float *a = ramp(-3, 3), *b = ramp(2, -2);
    b[LEN / 2] = 0.0f;                                    /* a zero divisor somewhere */
    {
        float *s = run(&lt_vop_add, a, b, NULL, NULL), *d = run(&lt_vop_subtract, a, b, NULL, NULL);
        float *m = run(&lt_vop_mul, a, b, NULL, NULL), *q = run(&lt_vop_div, a, b, NULL, NULL);
        float *mn = run(&lt_vop_min, a, b, NULL, NULL), *mx = run(&lt_vop_max, a, b, NULL, NULL);
        float *ng = run(&lt_vop_neg, a, NULL, NULL, NULL), *ab = run(&lt_vop_abs, a, NULL, NULL, NULL);
        float *vc = run(&lt_vop_vca, a, b, NULL, NULL);
        int ok = 1;
        for (int t = 0; t < LEN; t++) {
            ok &= s[t] == a[t] + b[t] && d[t] == a[t] - b[t] && m[t] == a[t] * b[t] && vc[t] == a[t] * b[t];
            ok &= q[t] == (b[t] == 0.0f ? 0.0f : a[t] / b[t]);
            ok &= mn[t] == fminf(a[t], b[t]) && mx[t] == fmaxf(a[t], b[t]) && ng[t] == -a[t] && ab[t] == fabsf(a[t]);
        }
        CHECK(ok, "add, subtract, mul, vca, div (0 where b is 0), min, max, neg, abs give C's results bit for bit");
        free(s); free(d); free(m); free(q); free(mn); free(mx); free(ng); free(ab); free(vc);
    }
    {
        float *x = ramp(-8, 8), *t = run(&lt_vop_tanh, x, NULL, NULL, NULL);
        double err = 0;
        for (int i = 0; i < LEN; i++) err = fmax(err, fabs(t[i] - tanh(x[i])));
        printf("tanh: largest error against libm over -8..8: %.2g\n", err);
        CHECK(err < 1e-4, "tanh within 1e-4 of libm (%.2g)", err);
        float *lo = ramp(-0.5f, -0.5f), *hi = ramp(0.25f, 0.25f), *c = run(&lt_vop_clip, x, lo, hi, NULL);
        int ok = 1;
        for (int i = 0; i < LEN; i++) ok &= c[i] == fminf(fmaxf(x[i], -0.5f), 0.25f);
        CHECK(ok, "clip limits to lo..hi");
        free(x); free(t); free(lo); free(hi); free(c);
    }
    {
        float *p = ramp(-1, 1), *one = ramp(1, 1), *r = NULL;
        float *l = run(&lt_vop_pan, one, p, NULL, &r);
        double dev = 0;
        for (int i = 0; i < LEN; i++) dev = fmax(dev, fabs((double)l[i] * l[i] + (double)r[i] * r[i] - 1));
        int c = LEN / 2;                                  /* p is -1 + 2 * 2048 / 4095: just right of centre */
        printf("pan: power constant within %.2g; left at -1 %.6f, right at +1 %.6f, centre %.2f dB\n", dev, l[0],
               r[LEN - 1], 20 * log10(l[c]));
        CHECK(dev < 1e-6, "pan keeps the power constant (deviation %.2g)", dev);
        CHECK(l[0] == 1.0f && fabsf(r[0]) < 1e-7f && r[LEN - 1] == 1.0f && fabsf(l[LEN - 1]) < 1e-7f,
              "pan -1 is left only, +1 right only");
        CHECK(fabs(20 * log10(l[c]) + 3.01) < 0.01, "pan centre is -3 dB per side (%.3f)", 20 * log10(l[c]));
        float *g = ramp(0.5f, 0.5f), *r2 = NULL, *l2 = run(&lt_vop_vca_pan, one, g, p, &r2);
        int same = 1;
        for (int i = 0; i < LEN; i++) same &= l2[i] == l[i] * 0.5f && r2[i] == r[i] * 0.5f;
        CHECK(same, "vca_pan gives the samples of pan(x * gain)");
        double dl = 0;
        const float vals[4] = { 0, 0, 0.3f, 0.25f };
        float *sig[LT_VOP_MAX_IN] = { g, p }, *r3 = NULL;
        float *l3 = vh_run1(&lt_vop_vca_pan, 0, NULL, 0, SR, LEN, vals, sig, 0, &r3);
        float *sp[LT_VOP_MAX_IN] = { g }, *r4 = NULL;
        const float pv[2] = { 0, 0.3f };
        float *l4 = vh_run1(&lt_vop_pan, 0, NULL, 0, SR, LEN, pv, sp, 0, &r4);
        for (int i = 0; i < LEN; i++) dl = fmax(dl, fabs(l3[i] - l4[i] * p[i] * 0.25) + fabs(r3[i] - r4[i] * p[i] * 0.25));
        CHECK(dl < 1e-6, "vca_pan's level scales the panned signal (deviation %.2g)", dl);
        free(l3); free(r3); free(l4); free(r4);
        free(p); free(one); free(r); free(l); free(g); free(r2); free(l2);
    }
    {
        float *ix = ramp(-2, 18), *in[16] = { ix };
        for (int k = 1; k < 16; k++) in[k] = ramp((float)k, (float)k);
        float *o = vh_run1(&lt_vop_select, 0, NULL, 0, SR, LEN, NULL, in, 0, NULL);
        int ok = 1;
        for (int t = 0; t < LEN; t++) {
            float want = ix[t] <= 0 ? 1 : ix[t] >= 14 ? 15 : 1 + rintf(ix[t]);
            ok &= o[t] == want;
        }
        CHECK(ok, "select picks input round(index) from 0, clamped to the 15 given");
        for (int k = 0; k < 16; k++) free(in[k]);
        free(o);
    }
    {
        float *x = ramp(-60, 12), *g = run(&lt_vop_db, x, NULL, NULL, NULL);
        double err = 0;
        for (int i = 0; i < LEN; i++) err = fmax(err, fabs(g[i] / pow(10, x[i] / 20) - 1));
        float *n = ramp(0, 127), *hz = run(&lt_vop_midi_to_hz, n, NULL, NULL, NULL);
        double herr = 0;
        for (int i = 0; i < LEN; i++) herr = fmax(herr, fabs(1200 * log2(hz[i] / (440 * pow(2, (n[i] - 69) / 12.0)))));
        float *m69 = ramp(69, 69), *h69 = run(&lt_vop_midi_to_hz, m69, NULL, NULL, NULL);
        float *z = ramp(-200, -200), *gz = run(&lt_vop_db, z, NULL, NULL, NULL);
        printf("db: relative error %.2g over -60..12 dB; midi_to_hz: %.2g cents over 0..127, note 69 = %.4f Hz\n", err,
               herr, h69[0]);
        CHECK(err < 1e-6 && gz[0] == 0.0f, "db(x) is 10^(x/20) within %.2g, and 0 below -150 dB", err);
        CHECK(herr < 1e-3 && h69[0] == 440.0f, "midi_to_hz within %.2g cents; note 69 is 440 Hz exactly", herr);
        free(x); free(g); free(n); free(hz); free(m69); free(h69); free(z); free(gz);
    }
    /* the fused saw -> lpf gives the samples of the two ops */
    for (int q = 0; q < 3; q++) {
        float *f = ramp(110, 3000), *fc = ramp(2000, 2000), *rs = ramp(0.3f, 0.3f);
        float *sig1[1] = { f }, *sig3[3] = { f, NULL, NULL };
        const float vals[3] = { 0, 2000, 0.3f };
        (void)fc; (void)rs;
        float *saw = vh_run1(&lt_vop_saw, q, NULL, 0, SR, LEN, NULL, sig1, 0, NULL);
        float *sig2[3] = { saw, NULL, NULL };
        float *two = vh_run1(&lt_vop_lpf, 0, NULL, 0, SR, LEN, vals, sig2, 0, NULL);
        float *one = vh_run1(&lt_vop_saw_lpf, q, NULL, 0, SR, LEN, vals, sig3, 0, NULL);
        CHECK(memcmp(one, two, sizeof(float) * LEN) == 0, "saw_lpf (%s) gives the samples of lpf(saw(f), 2000, 0.3)",
              lt_vop_saw_lpf.options[q]);
        free(f); free(fc); free(rs); free(saw); free(two); free(one);
        const float f440[1] = { 440 }, v3[3] = { 440, 2000, 0.3f };
        saw = vh_run1(&lt_vop_saw, q, NULL, 0, SR, LEN, f440, NULL, 0, NULL);
        sig2[0] = saw;
        two = vh_run1(&lt_vop_lpf, 0, NULL, 0, SR, LEN, vals, sig2, 0, NULL);
        one = vh_run1(&lt_vop_saw_lpf, q, NULL, 0, SR, LEN, v3, NULL, 0, NULL);
        CHECK(memcmp(one, two, sizeof(float) * LEN) == 0, "saw_lpf (%s) at a constant 440 Hz gives the samples of the "
              "two ops", lt_vop_saw_lpf.options[q]);
        free(saw); free(two); free(one);
    }
    /* saw_lpf_pan gives the samples of pan(lpf(saw) * gain * level) computed as vca_pan does */
    for (int q = 0; q < 2; q++) {
        const float v6[6] = { 330, 1500, 0.4f, 0, -0.4f, 0.3f }, v3[3] = { 0, 1500, 0.4f }, vp[4] = { 0, 0, -0.4f, 0.3f };
        float *g = ramp(0, 1), *sig6[LT_VOP_MAX_IN] = { NULL, NULL, NULL, g }, *r1 = NULL, *r2 = NULL;
        float *l1 = vh_run1(&lt_vop_saw_lpf_pan, q, NULL, 0, SR, LEN, v6, sig6, 0, &r1);
        const float f330[1] = { 330 };
        float *saw = vh_run1(&lt_vop_saw, q, NULL, 0, SR, LEN, f330, NULL, 0, NULL);
        float *sl[LT_VOP_MAX_IN] = { saw };
        float *flt = vh_run1(&lt_vop_lpf, 0, NULL, 0, SR, LEN, v3, sl, 0, NULL);
        float *sp[LT_VOP_MAX_IN] = { flt, g };
        float *l2 = vh_run1(&lt_vop_vca_pan, 0, NULL, 0, SR, LEN, vp, sp, 0, &r2);
        CHECK(!memcmp(l1, l2, sizeof(float) * LEN) && !memcmp(r1, r2, sizeof(float) * LEN),
              "saw_lpf_pan (%s) gives the samples of saw, lpf and vca_pan", lt_vop_saw_lpf_pan.options[q]);
        free(g); free(r1); free(r2); free(l1); free(l2); free(saw); free(flt);
    }
    free(a);
    free(b);
    return check_done("test_vop_util");
}
