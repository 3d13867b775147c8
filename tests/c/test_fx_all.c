/* test_fx_all.c — what every mix-side processor in the registry must do, whatever it is: a sane
 * parameter table; finite output on noise at every parameter's extremes; recovery from a NaN or an
 * infinity in its input; no DC out of zero-mean noise; the same samples whatever the block lengths
 * (1..32 frames) when no parameter moves; reset returns to the first render; no allocation in
 * process, set or reset; and no click when any parameter changes (a smoothed one gliding over the
 * engine's 20 ms, a stepped one through set()) to the far end of its range: the largest third
 * difference of the output (fxtest.h: a jump shows at its full size, two low tones hardly at all)
 * around the change stays within twice that of the steady renders before and after it, plus 0.005
 * (a jump of -46 dBFS, 40 dB under the test tones; the corner of a 20 ms fade of them to silence
 * measures 0.004).  And at 44.1 and 96 kHz: finite, block lengths do not matter.
 * CHECK_VERBOSE=1 prints every figure. */
#include <stdio.h>
#include "check.h"
#include "fxtest.h"

#include "alloc_count.h"   /* counting, allocs, COUNT_ALLOCS */

#define SR 48000
#define N (SR / 2)

static float *il, *ir, *ol, *orr, *al, *ar;
static lt_fx_data ir_data;
static float *ir_samples;

/* Data for units that take some (an impulse response): 0.25 s of stereo noise decaying by 60 dB. */
static const lt_fx_data *data_for(const lt_fx_def *d)
{
    return d->data_field ? &ir_data : NULL;
}

/* A test signal with something for every kind of unit: two tones of different levels per channel,
 * noise, and bursts that make dynamics units move. */
static void signal(float *l, float *r, int n, unsigned seed)
{
    int i;
    fxt_seed = seed;
    for (i = 0; i < n; i++) {
        float burst = ((i / 2400) % 3 == 0) ? 1.0f : 0.15f;
        l[i] = burst * (0.35f * (float)sin(2 * PI * 110 * i / SR) + 0.1f * fxt_noise());
        r[i] = burst * (0.3f * (float)sin(2 * PI * 165 * i / SR + 1) + 0.1f * fxt_noise());
    }
}

static float tail_of(const fxt *t)
{
    float s = t->d->tail ? t->d->tail(t->st) : 0.0f;
    return s < 6.0f ? s : 6.0f;
}

static void run_copy(fxt *t, const float *l, const float *r, float *yl, float *yr, int n, int block)
{
    memcpy(yl, l, sizeof(float) * (size_t)n);
    memcpy(yr, r, sizeof(float) * (size_t)n);
    fxt_run(t, yl, yr, n, block);
}

static void check_table(const lt_fx_def *d)
{
    int k, j, ok = 1;
    ok &= d->name && d->help && d->example && d->size && d->init && d->process;
    ok &= d->nparams >= 0 && d->nparams <= LT_FX_MAX_PARAMS;
    for (k = 0; k < d->nparams; k++) {
        const lt_fx_param *p = &d->params[k];
        if (!(p->name && p->unit && p->help && p->min <= p->def && p->def <= p->max)) {
            ok = 0;
            fprintf(stderr, "%s.%s: bad range or missing text\n", d->name, p->name ? p->name : "?");
        }
        for (j = 0; j < k; j++)
            if (strcmp(p->name, d->params[j].name) == 0) ok = 0;
        if (strcmp(p->name, "mix") == 0 || strcmp(p->name, "key") == 0) ok = 0;   /* the engine's */
    }
    ok &= !(d->mix_default < 0 || d->mix_default > 1);
    CHECK(ok, "%s: parameter table sane (ranges hold their defaults, names unique, no 'mix'/'key')", d->name);
}

/* Output finite on loud noise at the defaults, then with each parameter at its min and its max. */
static void check_finite(const lt_fx_def *d)
{
    int k, e, ok = 1, bad_k = -1, bad_e = 0;
    for (k = -1; k < d->nparams; k++)
        for (e = 0; e < (k < 0 ? 1 : 2); e++) {
            fxt *t = fxt_new(d->name, SR, data_for(d), NULL);
            int i;
            if (k >= 0) fxt_glide(t, d->params[k].name, e ? d->params[k].max : d->params[k].min, 0);
            fxt_seed = 99;
            for (i = 0; i < SR / 4; i++) ol[i] = 2.0f * fxt_noise(), orr[i] = 2.0f * fxt_noise();
            fxt_run(t, ol, orr, SR / 4, 32);
            if (!fxt_finite(ol, SR / 4) || !fxt_finite(orr, SR / 4)) { ok = 0; bad_k = k; bad_e = e; }
            fxt_free(t);
        }
    CHECK(ok, "%s: finite output on +-2 noise at every parameter's extremes%s%s%s", d->name,
          ok ? "" : " (not at ", ok ? "" : (bad_k >= 0 ? d->params[bad_k].name : "defaults"),
          ok ? "" : (bad_e ? " max)" : " min)"));
}

static void check_nan(const lt_fx_def *d)
{
    fxt *t = fxt_new(d->name, SR, data_for(d), NULL);
    float tail = tail_of(t);
    int n = (int)((tail + 0.5f) * SR), i;
    float *l = fxt_buf(n), *r = fxt_buf(n);
    signal(l, r, n, 7);
    for (i = 1000; i < 1032; i++) {
        l[i] = NAN;
        r[i] = (i & 1) ? INFINITY : -INFINITY;
    }
    fxt_run(t, l, r, n, 32);
    CHECK(fxt_finite(l + n - SR / 4, SR / 4) && fxt_finite(r + n - SR / 4, SR / 4),
          "%s: 32 frames of NaN and infinity in the input, then %.2f s later the output is finite again",
          d->name, tail + 0.25);
    free(l);
    free(r);
    fxt_free(t);
}

/* No DC out of a signal without any: noise differentiated (u[n] - u[n-1]) has a zero at DC, so its
 * mean over any window is (u[last] - u[first]) / n, about nothing; an LTI unit's output keeps that,
 * and a unit that rectifies (a saturator's asymmetry) shows up. */
static void check_dc(const lt_fx_def *d)
{
    fxt *t = fxt_new(d->name, SR, data_for(d), NULL);
    int n = SR, i;
    double m, rms;
    float *l = fxt_buf(n), *r = fxt_buf(n), ul = 0, ur = 0;
    fxt_seed = 5;
    for (i = 0; i < n; i++) {
        float a = 0.35f * fxt_noise(), b = 0.35f * fxt_noise();
        l[i] = a - ul;
        r[i] = b - ur;
        ul = a;
        ur = b;
    }
    fxt_run(t, l, r, n, 32);
    m = fmax(fabs(fxt_mean(l + n / 2, n / 2)), fabs(fxt_mean(r + n / 2, n / 2)));
    rms = fmax(fxt_rms(l + n / 2, n / 2), fxt_rms(r + n / 2, n / 2));
    CHECK(m <= 0.002 * rms + 1e-5, "%s: noise without DC in, output mean %.2g against RMS %.2g: no DC",
          d->name, m, rms);
    free(l);
    free(r);
    fxt_free(t);
}

static void check_blocks_reset_allocs(const lt_fx_def *d)
{
    fxt *a = fxt_new(d->name, SR, data_for(d), NULL), *b = fxt_new(d->name, SR, data_for(d), NULL);
    int same, k;
    signal(il, ir, N, 11);
    run_copy(a, il, ir, ol, orr, N, 32);
    counting = 1;
    allocs = 0;
    run_copy(b, il, ir, al, ar, N, 0);
    same = memcmp(ol, al, sizeof(float) * N) == 0 && memcmp(orr, ar, sizeof(float) * N) == 0;
    CHECK(same, "%s: blocks of random lengths 1..32 give the same samples as blocks of 32", d->name);
    /* reset, then the same input again */
    fxt_reset(b);
    b->rng = 1234567u;
    run_copy(b, il, ir, al, ar, N, 0);
    same = memcmp(ol, al, sizeof(float) * N) == 0 && memcmp(orr, ar, sizeof(float) * N) == 0;
    CHECK(same, "%s: after reset the same input gives the first render again", d->name);
    /* set() every stepped parameter to its max and back while running */
    for (k = 0; k < d->nparams; k++)
        if (!d->params[k].smoothed && d->set) {
            d->set(b->st, k, d->params[k].max);
            run_copy(b, il, ir, al, ar, 2048, 0);
            d->set(b->st, k, d->params[k].def);
        }
    counting = 0;
    if (COUNT_ALLOCS)
        CHECK(allocs == 0, "%s: %d allocations in process, set and reset", d->name, allocs);
    fxt_free(a);
    fxt_free(b);
}

/* The value a parameter is changed to in the click test: the far end of its range from the default
 * (a milder one where the far end is a different effect, not a change: none so far). */
static float step_target(const lt_fx_param *p)
{
    return (p->def - p->min < p->max - p->def) ? p->max : p->min;
}

static void check_steps(const lt_fx_def *d)
{
    int S = (int)(0.6 * SR), W = (int)(0.15 * SR), k;
    for (k = 0; k < d->nparams; k++) {
        const lt_fx_param *p = &d->params[k];
        float v = step_target(p), before, across, after;
        fxt *t = fxt_new(d->name, SR, data_for(d), NULL);
        fxt *u = fxt_new(d->name, SR, data_for(d), p->name, (double)v, NULL);
        int n = S + 2 * W, c;
        float *l = fxt_buf(n), *r = fxt_buf(n), *l2 = fxt_buf(n), *r2 = fxt_buf(n);
        /* two tones faded in over 50 ms (an abrupt start would click in an echo of it) */
        for (c = 0; c < n; c++) {
            float fade = c < SR / 20 ? (float)c / (SR / 20) : 1.0f;
            l[c] = l2[c] = fade * 0.5f * (float)sin(2 * PI * 110 * c / SR);
            r[c] = r2[c] = fade * 0.4f * (float)sin(2 * PI * 165 * c / SR + 1);
        }
        fxt_run(t, l, r, S, 32);
        fxt_change(t, p->name, v);
        fxt_run(t, l + S, r + S, n - S, 32);
        fxt_run(u, l2, r2, n, 32);
        before = fmaxf(fxt_disc(l, S - W, S), fxt_disc(r, S - W, S));
        across = fmaxf(fxt_disc(l, S, S + W), fxt_disc(r, S, S + W));
        after = fmaxf(fxt_disc(l2, S + W, n), fxt_disc(r2, S + W, n));
        CHECK(across <= 2.0f * fmaxf(before, after) + 0.005f,
              "%s.%s %g -> %g (%s): largest 3rd difference %.2g across the change, %.2g before, %.2g in a "
              "steady render at the new value; want no click (<= 2x + 0.005)", d->name, p->name, p->def, v,
              p->smoothed ? "glides" : "set()", across, before, after);
        free(l); free(r); free(l2); free(r2);
        fxt_free(t);
        fxt_free(u);
    }
}

/* Other engine rates: 44.1 and 96 kHz give finite output and the same samples in any block lengths. */
static void check_rates(const lt_fx_def *d)
{
    static const float rates[] = { 44100.0f, 96000.0f };
    int k, i, n = 24000;
    for (k = 0; k < 2; k++) {
        fxt *a = fxt_new(d->name, rates[k], data_for(d), NULL), *b = fxt_new(d->name, rates[k], data_for(d), NULL);
        float *l = fxt_buf(n), *r = fxt_buf(n), *l2 = fxt_buf(n), *r2 = fxt_buf(n);
        fxt_seed = 77;
        for (i = 0; i < n; i++) l[i] = l2[i] = 0.5f * fxt_noise(), r[i] = r2[i] = 0.5f * fxt_noise();
        fxt_run(a, l, r, n, 32);
        fxt_run(b, l2, r2, n, 0);
        CHECK(fxt_finite(l, n) && fxt_finite(r, n) && memcmp(l, l2, sizeof(float) * n) == 0 &&
              memcmp(r, r2, sizeof(float) * n) == 0, "%s at %g Hz: finite, and the same in blocks of 1..32",
              d->name, rates[k]);
        fxt_free(a);
        fxt_free(b);
        free(l); free(r); free(l2); free(r2);
    }
}

/* CPU per second of stereo audio at the defaults (the EQ with four bands on, the convolver with the
 * 0.25 s response above), in blocks of 32: printed for the docs and the bench, not asserted. */
static void print_cpu(const lt_fx_def *d)
{
    const int n = 2 * SR;
    float *l = fxt_buf(n), *r = fxt_buf(n);
    fxt *t;
    double t0, cpu;
    int i;
    if (strcmp(d->name, "eq") == 0)
        t = fxt_new("eq", SR, NULL, "b1_type", 4.0, "b2_type", 1.0, "b2_gain", -3.0, "b3_type", 1.0, "b3_gain", 2.0,
                    "b7_type", 3.0, "b7_gain", 2.0, NULL);
    else t = fxt_new(d->name, SR, data_for(d), NULL);
    fxt_seed = 1;
    for (i = 0; i < n; i++) l[i] = 0.3f * fxt_noise(), r[i] = 0.3f * fxt_noise();
    t0 = fxt_cpu();
    fxt_run(t, l, r, n, 32);
    cpu = (fxt_cpu() - t0) / 2;
    printf("cpu %-14s %7.3f ms per second of stereo audio (%.0fx real time)\n", d->name, cpu * 1000,
           cpu > 0 ? 1 / cpu : 0);
    fxt_free(t);
    free(l);
    free(r);
}

int main(int argc, char **argv)
{
    int i, j;
    const char *only = argc > 1 ? argv[1] : NULL;
    il = fxt_buf(N); ir = fxt_buf(N); ol = fxt_buf(N); orr = fxt_buf(N); al = fxt_buf(N); ar = fxt_buf(N);
    {
        int n = SR / 4;
        ir_samples = fxt_buf(2 * n);
        fxt_seed = 3;
        for (i = 0; i < n; i++) {
            float env = expf(-6.9f * i / n);
            ir_samples[2 * i] = env * fxt_noise();
            ir_samples[2 * i + 1] = env * fxt_noise();
        }
        ir_data.channels = 2;
        ir_data.frames = n;
        ir_data.samples = ir_samples;
    }
    CHECK(lt_fx_count > 0, "the registry lists %d processors", lt_fx_count);
    for (i = 0; i < lt_fx_count; i++) {
        const lt_fx_def *d = lt_fx_defs[i];
        for (j = 0; j < i; j++)
            CHECK(strcmp(lt_fx_defs[j]->name, d->name) != 0, "%s registered once", d->name);
        CHECK(lt_fx_find(d->name) == d, "lt_fx_find(\"%s\") finds it", d->name);
        if (only && strcmp(only, d->name) != 0) continue;
        check_table(d);
        check_finite(d);
        check_nan(d);
        check_dc(d);
        check_blocks_reset_allocs(d);
        check_steps(d);
        check_rates(d);
        print_cpu(d);
    }
    CHECK(lt_fx_find("no-such-effect") == NULL, "an unknown name finds nothing");
    return check_done("test_fx_all");
}
