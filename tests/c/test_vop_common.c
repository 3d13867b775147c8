/* test_vop_common.c — the properties every voice op (vop.h) must have, checked for every def in
 * lt_vop_defs and every option it has:
 *   - the SSE2 and AVX2 kernels give the same bits (on audio-rate and on constant inputs);
 *   - a lane's output never depends on another lane's inputs or state;
 *   - with audio-rate inputs the output does not depend on how the frames are split into calls;
 *   - a lane zeroed and started in a block that has been running gives what a fresh block gives;
 *   - outputs are finite, and a kernel call allocates nothing (malloc counted around the calls).
 * Inputs are deterministic signals spread over each input's useful range (gates open and close). */
#include <stdio.h>
#include "check.h"
#include "vop_harness.h"
#include "dsp/vops_defs.h"
#include "dsp/wavetable.h"

#include "alloc_count.h"   /* counting, allocs, COUNT(on); nothing counted under AddressSanitizer */

#define SR 48000.0f
#define LEN 3000

static int has(const char *name, const char *const *list)
{
    for (; *list; list++) if (strcmp(name, *list) == 0) return 1;
    return 0;
}

/* The useful range of an input, by its name (the def's range where it is narrow enough). */
static void input_range(const lt_vop_def *d, int k, float *lo, float *hi, int *noise)
{
    static const char *const times[] = { "a", "d", "r", "up_s", "down_s", "time1", "time2", "time3", "time4",
                                         "time5", "time6", "time7", NULL };
    static const char *const freqs[] = { "freq", "carrier_freq", "master_freq", "slave_freq", NULL };
    static const char *const signals[] = { "x", "in1", "in2", "in3", "in4", "in5", "in6", "in7", "in8", "in9",
                                           "in10", "in11", "in12", "in13", "in14", "in15", NULL };
    const char *nm = d->in_names[k];
    *noise = 0;
    *lo = d->in_min ? d->in_min[k] : -1.0f;
    *hi = d->in_max ? d->in_max[k] : 1.0f;
    if (*lo < -1e6f) *lo = -1.0f;
    if (*hi > 1e6f) *hi = 1.0f;
    if ((d->flags & LT_VOP_PURE) && (!strcmp(nm, "a") || !strcmp(nm, "b"))) *noise = 1;
    else if (has(nm, times)) { *lo = 0.0f; *hi = 0.02f; }
    else if (has(nm, freqs)) { *lo = 50.0f; *hi = 5000.0f; }
    else if (!strcmp(nm, "cutoff")) { *lo = 50.0f; *hi = 15000.0f; }
    else if (!strcmp(nm, "rate")) { *lo = 0.5f; *hi = 40.0f; }
    else if (!strcmp(nm, "delay_s")) { *lo = 0.0005f; *hi = 0.02f; }
    else if (!strcmp(nm, "ratio")) { *lo = 0.5f; *hi = 4.0f; }
    else if (!strcmp(nm, "index")) { *lo = 0.0f; *hi = 5.0f; }
    else if (!strcmp(nm, "position")) { *lo = -1.0f; *hi = 1.0f; }
    else if (has(nm, signals)) *noise = 1;
    if (!strcmp(d->name, "db") && !strcmp(nm, "x")) { *lo = -60.0f; *hi = 12.0f; *noise = 0; }
    if (!strcmp(d->name, "midi_to_hz")) { *lo = 0.0f; *hi = 127.0f; *noise = 0; }
    if (!strcmp(d->name, "select") && k == 0) { *lo = -1.0f; *hi = 16.0f; }
}

/* Fills in[k] (lane-major, LEN frames) for the def: constant per lane when `constant`, else moving;
 * variant changes every signal (for the lane-independence check). */
static void make_inputs(const lt_vop_def *d, float **in, int constant, int variant)
{
    for (int k = 0; k < d->max_in; k++) {
        float lo, hi;
        int noise;
        input_range(d, k, &lo, &hi, &noise);
        uint32_t r = 12345u + 777u * (uint32_t)k + 31337u * (uint32_t)variant;
        for (int j = 0; j < LT_LANES; j++)
            for (int t = 0; t < LEN; t++) {
                float v;
                if (k == 0 && (d->flags & LT_VOP_GATE0)) {
                    int per = 400 + 90 * j + 37 * variant;        /* gate on for 60 %, from frame 5 + 11 j */
                    int u = t - 5 - 11 * j;
                    v = u >= 0 && u % per < per * 6 / 10 ? 1.0f : 0.0f;
                } else if (noise) {
                    r = r * 1664525u + 1013904223u;
                    v = constant ? 0.3f + 0.05f * (float)j : (float)(r >> 8) / 8388608.0f - 1.0f;
                } else {
                    double ph = constant ? 0.37 + 0.07 * j : (double)t / LEN * (1.5 + 0.3 * j) + 0.13 * j + 0.5 * variant;
                    v = lo + (hi - lo) * (float)(0.5 + 0.5 * sin(2 * M_PI * ph));
                }
                in[k][j * LEN + t] = v;
            }
    }
}

static const float env_data[] = { 2, -4, 0, 3, 1, -2, 0, 0 };

static float *table;                 /* prepared data for ops with `prepare` (the "basic" wavetable) */
static long ntable;

static void setup(vh *h, const lt_vop_def *d, int isa, int opt)
{
    if (d->prepare) {
        if (!table) {
            float *src = malloc(sizeof(float) * (2 + 4 * LT_WT_N));
            long ns = lt_wavetable_builtin("basic", src, 2 + 4 * LT_WT_N);
            const char *err = NULL;
            ntable = d->prepare(src, ns, NULL, &err);
            table = malloc(sizeof(float) * (size_t)ntable);
            d->prepare(src, ns, table, &err);
            free(src);
        }
        vh_init(h, d, isa, SR, opt, table, (int)ntable);
        return;
    }
    int use_data = !strcmp(d->name, "env") && (opt % 2);
    vh_init(h, d, isa, SR, opt, use_data ? env_data : NULL, use_data ? 8 : 0);
}

static void render(vh *h, float **in, const uint8_t *rate, float **out, int block)
{
    COUNT(1);
    vh_render(h, (const float *const *)in, rate, out, LEN, block, NULL);
    COUNT(0);
}

static int same(float **a, float **b, int nout, int lane)
{
    for (int o = 0; o < nout; o++) {
        if (lane < 0) { if (memcmp(a[o], b[o], sizeof(float) * LT_LANES * LEN)) return 0; }
        else if (memcmp(a[o] + lane * LEN, b[o] + lane * LEN, sizeof(float) * LEN)) return 0;
    }
    return 1;
}

int main(void)
{
    float *in[LT_VOP_MAX_IN], *in2[LT_VOP_MAX_IN], *o1[2], *o2[2];
    uint8_t audio[LT_VOP_MAX_IN];
    for (int k = 0; k < LT_VOP_MAX_IN; k++) {
        in[k] = malloc(sizeof(float) * LT_LANES * LEN);
        in2[k] = malloc(sizeof(float) * LT_LANES * LEN);
        audio[k] = LT_RATE_AUDIO;
    }
    for (int o = 0; o < 2; o++) {
        o1[o] = malloc(sizeof(float) * LT_LANES * LEN);
        o2[o] = malloc(sizeof(float) * LT_LANES * LEN);
    }
    int avx2 = __builtin_cpu_supports("avx2");
    printf("%d voice ops; this CPU %s AVX2\n", lt_vop_count, avx2 ? "has" : "lacks");
    CHECK(avx2, "the machine running the tests has AVX2, so both kernel builds are compared");
    int isa = avx2 ? LT_ISA_AVX2 : LT_ISA_SSE2;

    for (int v = 0; v < lt_vop_count; v++) {
        const lt_vop_def *d = lt_vop_defs[v];
        int nopt = 1;
        if (d->options) for (nopt = 0; d->options[nopt]; nopt++) {}
        CHECK(lt_vop_find(d->name) == d, "%s is found by its name", d->name);
        CHECK(d->state_size % 32 == 0, "%s: state size %u is a multiple of 32", d->name, d->state_size);
        CHECK(d->n_out >= 1 && d->n_out <= LT_VOP_MAX_OUT && d->max_in <= LT_VOP_MAX_IN && d->min_in <= d->max_in,
              "%s: input and output counts are within the ABI", d->name);
        CHECK(d->signature && d->help && d->example && (d->max_in == 0 || (d->in_names && d->in_default)),
              "%s has a signature, help, an example, input names and defaults", d->name);
        for (int opt = 0; opt < nopt; opt++) {
            vh a, b;
            int allocs0 = allocs;
            /* SSE2 == AVX2 with audio-rate, constant, control-rate and mixed inputs (a constant input's
             * frames after the first are NaN in the harness, so reading them shows) */
            static const char *const rname[5] = { "audio-rate", "constant", "control-rate", "mixed (even inputs "
                                                  "constant)", "mixed (odd inputs constant)" };
            for (int cst = 0; cst < 5; cst++) {
                uint8_t rates[LT_VOP_MAX_IN];
                for (int k = 0; k < LT_VOP_MAX_IN; k++)
                    rates[k] = cst == 0 ? LT_RATE_AUDIO : cst == 1 ? LT_RATE_CONST : cst == 2 ? LT_RATE_CONTROL
                             : (k % 2 == cst - 3) ? LT_RATE_CONST : LT_RATE_AUDIO;
                make_inputs(d, in, cst == 1, 0);
                if (cst >= 3)                              /* constant inputs hold their first value */
                    for (int k = 0; k < d->max_in; k++)
                        if (rates[k] == LT_RATE_CONST)
                            for (int j = 0; j < LT_LANES; j++)
                                for (int t = 1; t < LEN; t++) in[k][j * LEN + t] = in[k][j * LEN];
                setup(&a, d, LT_ISA_SSE2, opt);
                setup(&b, d, LT_ISA_AVX2, opt);
                render(&a, in, rates, o1, 0);
                if (avx2) render(&b, in, rates, o2, 0);
                int fin = 1;
                for (int o = 0; o < d->n_out; o++) fin &= vh_finite(o1[o], LT_LANES * LEN);
                CHECK(fin, "%s (option %d, %s inputs): every output sample is finite", d->name, opt, rname[cst]);
                if (avx2)
                    CHECK(same(o1, o2, d->n_out, -1), "%s (option %d, %s inputs): SSE2 and AVX2 kernels give "
                          "the same bits", d->name, opt, rname[cst]);
                vh_free(&a);
                vh_free(&b);
                if (cst == 1 || cst >= 3) {
                    /* a constant input is read at frame 0 only: filling its other frames (with its value, or
                     * with a huge number that a clamp would hide NaN behind) changes nothing */
                    for (int pass = 0; pass < 2; pass++) {
                        vh_fill_const = pass == 0;
                        vh_poison = 1e30f;
                        setup(&b, d, LT_ISA_SSE2, opt);
                        render(&b, in, rates, o2, 0);
                        vh_free(&b);
                        vh_fill_const = 0;
                        vh_poison = NAN;
                        CHECK(same(o1, o2, d->n_out, -1), "%s (option %d, %s inputs): constant inputs are read at "
                              "frame 0 only (%s)", d->name, opt, rname[cst], pass ? "1e30 in later frames" : "filled");
                    }
                }
            }
            make_inputs(d, in, 0, 0);
            /* block-size invariance with audio-rate inputs */
            setup(&a, d, isa, opt);
            setup(&b, d, isa, opt);
            render(&a, in, audio, o1, 32);
            render(&b, in, audio, o2, 0);
            CHECK(same(o1, o2, d->n_out, -1), "%s (option %d): calls of 32 frames and of irregular lengths "
                  "give the same bits", d->name, opt);
            double rms = vh_rms(o1[0], LT_LANES * LEN);
            if (getenv("CHECK_VERBOSE")) printf("%-10s option %d: output RMS %.4f\n", d->name, opt, rms);
            CHECK(rms > 1e-4, "%s (option %d) makes a signal from the test inputs (RMS %.4g), so the checks "
                  "above compare something", d->name, opt, rms);
            vh_free(&a);
            vh_free(&b);
            /* lanes are independent: lane 2 and lane 5 keep their output when the others change */
            make_inputs(d, in2, 0, 1);
            for (int keep = 2; keep <= 5; keep += 3) {
                for (int k = 0; k < d->max_in; k++)
                    memcpy(in2[k] + keep * LEN, in[k] + keep * LEN, sizeof(float) * LEN);
                setup(&a, d, isa, opt);
                render(&a, in2, audio, o2, 0);
                CHECK(same(o1, o2, d->n_out, keep), "%s (option %d): lane %d's output does not depend on the "
                      "other lanes", d->name, opt, keep);
                vh_free(&a);
            }
            /* zero + start in a running block equals a fresh block */
            setup(&a, d, isa, opt);
            render(&a, in2, audio, o2, 0);              /* the block runs with other signals */
            vh_start_lane(&a, 3, 1003u);
            render(&a, in, audio, o2, 0);
            CHECK(same(o1, o2, d->n_out, 3), "%s (option %d): a lane zeroed and started in a running block "
                  "plays as in a fresh one", d->name, opt);
            vh_free(&a);
            CHECK(allocs == allocs0, "%s (option %d): kernels allocated %d times", d->name, opt, allocs - allocs0);
        }
    }
    for (int k = 0; k < LT_VOP_MAX_IN; k++) { free(in[k]); free(in2[k]); }
    for (int o = 0; o < 2; o++) { free(o1[o]); free(o2[o]); }
    free(table);
    return check_done("test_vop_common");
}
