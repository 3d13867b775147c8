/* vops_bench.c — the W1 voice (saw -> lpf 2 kHz Q 2 -> linear ADSR 10/100/0.7/200 ms -> gain -> pan,
 * bench-peers/workload.py) run by the voice-op kernels for N voices x 60 s at 48 kHz, the way the
 * patch compiler will run it (8-lane blocks, 32-frame calls, per-track vector accumulators reduced once
 * per frame), in four forms:
 *   ops     one kernel per op: saw, lpf, adsr, mul, mul, pan (what a Lua patch compiles to unfused)
 *   fused   saw_lpf and/or vca_pan in place of their chains (saw -> lpf; * env * gain -> pan, the
 *           voice's constant gain folding into vca_pan's level), each alone and both
 * each with the SSE2 and the AVX2 kernels, and
 *   scalar  the same voice hand-written in plain C, one voice at a time (minBLEP saw with the same
 *           table, the same SVF, the same envelope), as a C programmer would write it.
 * W1r (every voice slot restarts a note every 250 ms, gate 50 ms) is run too: lane restarts, calls
 * split at event frames, envelope corners.
 *
 * Prints voice-seconds per CPU-second (CPU time of the process's thread in the rendering loop).
 * Asserts nothing.  Build and run: make build/bench/vops_bench && build/bench/vops_bench [N] [seconds];
 * `build/bench/vops_bench ops [seconds]` times every op alone instead. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <emmintrin.h>
#include "graph/vop.h"
#include "dsp/vops_defs.h"
#include "dsp/blep.h"
#include "dsp/wavetable.h"

#define SR 48000
#define Q LT_QUANTUM
#define MAXB 256                           /* blocks: up to 2048 voices */

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double w_freq(int k) { return 55.0 * pow(2.0, ((k % 48) + 0.1 * fmod(k * 0.6180339887, 1.0)) / 12.0); }
static double w_pan(int k) { return (k % 16) / 15.0 * 2.0 - 1.0; }      /* -1 .. 1 */

/* ---- the kernels' program ------------------------------------------------------------------------ */

typedef struct {
    const lt_vop_def *def;
    void *state[MAXB];
    int in[LT_VOP_MAX_IN], out[2];          /* wire numbers; -1 = none */
    uint8_t rate[LT_VOP_MAX_IN];
} op;

/* Constants per voice (CONST inputs: one lane vector per block, as the engine may pass them) and the
 * wires between ops (AUDIO: one set shared by every block, as scsynth shares its wire buffers, so
 * the working set stays in L1 whatever N is). */
enum { W_FREQ, W_CUT, W_RES, W_GATE, W_A, W_D, W_S, W_R, W_AMP, W_POS, W_NCONST,
       W_OSC = W_NCONST, W_FLT, W_ENV, W_X, W_Y, W_L, W_R2, W_COUNT };

static float konst[MAXB][W_NCONST][LT_LANES] __attribute__((aligned(32)));
static float wires[W_COUNT][Q * LT_LANES] __attribute__((aligned(32)));

static const float *wire(int b, int w) { return w < W_NCONST ? konst[b][w] : wires[w]; }

static void op_init(op *o, const lt_vop_def *d, int nb, const int *in, const int *out, const uint8_t *rate)
{
    o->def = d;
    for (int b = 0; b < nb; b++) {
        o->state[b] = aligned_alloc(32, d->state_size ? d->state_size : 32);
        memset(o->state[b], 0, d->state_size ? d->state_size : 32);
    }
    for (int k = 0; k < d->max_in; k++) { o->in[k] = in[k]; o->rate[k] = rate[k]; }
    for (int k = 0; k < 2; k++) o->out[k] = k < d->n_out ? out[k] : -1;
}

static void zero_lane(op *o, int b, int j)
{
    float *s = o->state[b];
    for (uint32_t v = 0; v < o->def->state_size / 32; v++) s[v * 8 + j] = 0.0f;
}

static void op_call(op *o, int b, int isa, int n, int64_t frame, int trig)
{
    lt_vop_call c;                          /* fields filled one by one: no memset per call */
    c.n = n;
    c.busy = 0;
    c.data = NULL;
    c.nin = o->def->max_in;
    for (int k = 0; k < o->def->max_in; k++) { c.in[k] = wire(b, o->in[k]); c.rate[k] = o->rate[k]; }
    for (int k = 0; k < o->def->n_out; k++) c.out[k] = wires[o->out[k]];
    c.state = o->state[b];
    c.frame = frame;
    c.active = 0xff;
    c.trig = trig;
    c.sr = SR;
    c.inv_sr = 1.0f / SR;
    o->def->fn[isa](&c);
}

static void fill(float *w, int lane, float v) { w[lane] = v; }

/* The track's vector accumulator: acc += x, 8 lanes per frame (the engine's per-track sum). */
static void accumulate(float *restrict acc, const float *restrict x, int n)
{
    for (int i = 0; i < n * LT_LANES; i += 4) _mm_store_ps(acc + i, _mm_add_ps(_mm_load_ps(acc + i), _mm_load_ps(x + i)));
}

/* Note events of W1r per voice: onset frames every 250 ms from (k % 10) * 25 ms, gate 50 ms. */
static int64_t w1r_next_event(int N, int64_t after)
{
    int64_t best = INT64_MAX;
    for (int g = 0; g < 10 && g < N; g++) {
        int64_t t0 = (int64_t)g * 1200;
        for (int e = 0; e < 2; e++) {
            int64_t base = t0 + e * 2400;                      /* onset, gate off */
            int64_t m = after < base ? 0 : (after - base) / 12000 + 1;
            int64_t t = base + m * 12000;
            if (t < best) best = t;
        }
    }
    return best;
}

static double run_kernels(int N, double seconds, int isa, int fused, int retrig, double *rms)
{
    const int nb = (N + 7) / 8;
    const int64_t total = (int64_t)(seconds * SR);
    const uint8_t C = LT_RATE_CONST, A = LT_RATE_AUDIO;
    op ops[8];
    int nops;
    if (!fused) {
        op_init(&ops[0], &lt_vop_saw, nb, (int[]){ W_FREQ }, (int[]){ W_OSC }, (uint8_t[]){ C });
        op_init(&ops[1], &lt_vop_lpf, nb, (int[]){ W_OSC, W_CUT, W_RES }, (int[]){ W_FLT }, (uint8_t[]){ A, C, C });
        op_init(&ops[2], &lt_vop_adsr, nb, (int[]){ W_GATE, W_A, W_D, W_S, W_R }, (int[]){ W_ENV },
                (uint8_t[]){ C, C, C, C, C });
        op_init(&ops[3], &lt_vop_mul, nb, (int[]){ W_FLT, W_ENV }, (int[]){ W_X }, (uint8_t[]){ A, A });
        op_init(&ops[4], &lt_vop_mul, nb, (int[]){ W_X, W_AMP }, (int[]){ W_Y }, (uint8_t[]){ A, C });
        op_init(&ops[5], &lt_vop_pan, nb, (int[]){ W_Y, W_POS }, (int[]){ W_L, W_R2 }, (uint8_t[]){ A, C });
        nops = 6;
    } else {
        nops = 0;
        if (fused == 4) {
            op_init(&ops[nops++], &lt_vop_adsr, nb, (int[]){ W_GATE, W_A, W_D, W_S, W_R }, (int[]){ W_ENV },
                    (uint8_t[]){ C, C, C, C, C });
            op_init(&ops[nops++], &lt_vop_saw_lpf_pan, nb, (int[]){ W_FREQ, W_CUT, W_RES, W_ENV, W_POS, W_AMP },
                    (int[]){ W_L, W_R2 }, (uint8_t[]){ C, C, C, A, C, C });
        } else {
        if (fused & 1) {
            op_init(&ops[nops++], &lt_vop_saw_lpf, nb, (int[]){ W_FREQ, W_CUT, W_RES }, (int[]){ W_FLT }, (uint8_t[]){ C, C, C });
        } else {
            op_init(&ops[nops++], &lt_vop_saw, nb, (int[]){ W_FREQ }, (int[]){ W_OSC }, (uint8_t[]){ C });
            op_init(&ops[nops++], &lt_vop_lpf, nb, (int[]){ W_OSC, W_CUT, W_RES }, (int[]){ W_FLT }, (uint8_t[]){ A, C, C });
        }
        op_init(&ops[nops++], &lt_vop_adsr, nb, (int[]){ W_GATE, W_A, W_D, W_S, W_R }, (int[]){ W_ENV },
                (uint8_t[]){ C, C, C, C, C });
        if (fused & 2) {
            op_init(&ops[nops++], &lt_vop_vca_pan, nb, (int[]){ W_FLT, W_ENV, W_POS, W_AMP }, (int[]){ W_L, W_R2 },
                    (uint8_t[]){ A, A, C, C });
        } else {
            op_init(&ops[nops++], &lt_vop_mul, nb, (int[]){ W_FLT, W_ENV }, (int[]){ W_X }, (uint8_t[]){ A, A });
            op_init(&ops[nops++], &lt_vop_mul, nb, (int[]){ W_X, W_AMP }, (int[]){ W_Y }, (uint8_t[]){ A, C });
            op_init(&ops[nops++], &lt_vop_pan, nb, (int[]){ W_Y, W_POS }, (int[]){ W_L, W_R2 }, (uint8_t[]){ A, C });
        }
        }
    }
    /* wires that hold per-voice constants */
    for (int b = 0; b < nb; b++)
        for (int j = 0; j < 8; j++) {
            int k = b * 8 + j;
            int live = k < N;
            fill(konst[b][W_FREQ], j, live ? (float)w_freq(k) : 0.0f);
            fill(konst[b][W_CUT], j, 2000.0f);
            fill(konst[b][W_RES], j, 0.3f);                    /* Q = 0.7071 * 32^0.3 = 2.0 */
            fill(konst[b][W_GATE], j, live && !retrig ? 1.0f : 0.0f);
            fill(konst[b][W_A], j, 0.010f);
            fill(konst[b][W_D], j, 0.100f);
            fill(konst[b][W_S], j, 0.7f);
            fill(konst[b][W_R], j, 0.200f);
            fill(konst[b][W_AMP], j, live ? (float)(0.5 / sqrt(N)) : 0.0f);
            fill(konst[b][W_POS], j, (float)w_pan(k));
        }
    static float accl[Q * LT_LANES] __attribute__((aligned(32))), accr[Q * LT_LANES] __attribute__((aligned(32)));
    double sum2 = 0;
    int64_t frame = 0, next_ev = retrig ? 0 : INT64_MAX;
    double t0 = cpu_now();
    while (frame < total) {
        int n = Q - (int)(frame % Q);
        if (frame + n > total) n = (int)(total - frame);
        int trigs[MAXB] = { 0 };
        if (retrig && next_ev == frame) {
            /* voices with an event now: onset (restart the lane, gate on) or gate off */
            for (int k = 0; k < N; k++) {
                int64_t rel = frame - (int64_t)(k % 10) * 1200;
                if (rel < 0) continue;
                int b = k / 8, j = k % 8;
                if (rel % 12000 == 0 && frame + 12000 <= total) {
                    for (int o = 0; o < nops; o++) zero_lane(&ops[o], b, j);
                    fill(konst[b][W_GATE], j, 1.0f);
                    trigs[b] |= 1 << j;
                } else if (rel % 12000 == 2400) {
                    fill(konst[b][W_GATE], j, 0.0f);
                }
            }
            next_ev = w1r_next_event(N, frame);
        }
        if (retrig && next_ev < frame + n) n = (int)(next_ev - frame);
        memset(accl, 0, sizeof accl);
        memset(accr, 0, sizeof accr);
        for (int b = 0; b < nb; b++) {
            for (int o = 0; o < nops; o++) op_call(&ops[o], b, isa, n, frame, trigs[b]);
            accumulate(accl, wires[W_L], n);
            accumulate(accr, wires[W_R2], n);
        }
        for (int i = 0; i < n; i++) {
            float L = 0, R = 0;
            for (int j = 0; j < LT_LANES; j++) { L += accl[i * 8 + j]; R += accr[i * 8 + j]; }
            sum2 += (double)L * L + (double)R * R;
        }
        frame += n;
    }
    double cpu = cpu_now() - t0;
    *rms = sqrt(sum2 / (2.0 * total));
    for (int o = 0; o < nops; o++) for (int b = 0; b < nb; b++) free(ops[o].state[b]);
    return cpu;
}

/* ---- the same voice in scalar C, one voice at a time ---------------------------------------------- */

typedef struct {
    uint32_t ph, inc;
    float ring[64];
    float ic1, ic2;
    float a1m1, a2, a3;
    int stage, pos, len;
    float from, level, amp, gl, gr, lag;
} svoice;

static void sv_seg(svoice *v, int stage, float from, double secs)
{
    v->stage = stage; v->pos = 0; v->from = from;
    v->len = (int)floor(secs * SR + 0.5);
}

static void sv_start(svoice *v, int k, int N)
{
    memset(v, 0, sizeof *v);
    v->inc = (uint32_t)(w_freq(k) / SR * 4294967296.0 + 0.5);
    double g = tan(M_PI * 2000.0 / SR), kk = 1.0 / 2.0, a1 = 1.0 / (1.0 + g * (g + kk));
    v->a1m1 = (float)(-g * (g + kk) * a1); v->a2 = (float)(g * a1); v->a3 = (float)(g * g * a1);
    v->amp = (float)(0.5 / sqrt(N));
    double a = (w_pan(k) + 1) * M_PI / 4;
    v->gl = (float)cos(a); v->gr = (float)sin(a);
    v->lag = (float)v->inc * (1.0f / 2147483648.0f) * lt_blep16_delay;
    sv_seg(v, 1, 0.0f, 0.010);
}

static void sv_gate_off(svoice *v)
{
    if (v->stage && v->stage != 4) sv_seg(v, 4, v->level, 0.200);
}

static void sv_run(svoice *v, int64_t frame, int n, float *L, float *R)
{
    for (int i = 0; i < n; i++) {
        /* saw + minBLEP */
        uint32_t old = v->ph;
        v->ph += v->inc;
        float y = (float)(int32_t)v->ph * (1.0f / 2147483648.0f) - v->lag;
        if ((int32_t)old > (int32_t)v->ph) {
            float d = (float)(int32_t)(v->ph ^ 0x80000000u) / (float)v->inc;
            float pos = d * 64.0f;
            int p = (int)pos;
            float w;
            if (p >= 64) { p = 63; w = 1.0f; } else w = pos - (float)p;
            const float *r0 = lt_blep16[p], *r1 = lt_blep16[p + 1];
            for (int k = 0; k < 16; k++) v->ring[(frame + i + k) & 63] += -2.0f * (r0[k] + w * (r1[k] - r0[k]));
        }
        float *rr = &v->ring[(frame + i) & 63];
        y += *rr;
        *rr = 0.0f;
        /* SVF low-pass */
        float e1 = v->a1m1 * v->ic1 - v->a2 * v->ic2 + v->a2 * y;
        float e2 = v->a2 * v->ic1 - v->a3 * v->ic2 + v->a3 * y;
        float v1 = v->ic1 + e1, v2 = v->ic2 + e2;
        v->ic1 = v1 + e1;
        v->ic2 = v2 + e2;
        /* ADSR */
        float e;
        for (;;) {
            if (v->stage == 1 && v->pos >= v->len) sv_seg(v, 2, 1.0f, 0.100);
            else if (v->stage == 2 && v->pos >= v->len) v->stage = 3;
            else if (v->stage == 4 && v->pos >= v->len) v->stage = 0;
            else break;
        }
        switch (v->stage) {
        case 1: e = v->from + (1.0f - v->from) * ((float)v->pos / (float)v->len); break;
        case 2: e = 1.0f + (0.7f - 1.0f) * ((float)v->pos / (float)v->len); break;
        case 3: e = 0.7f; break;
        case 4: e = v->from * (1.0f - (float)v->pos / (float)v->len); break;
        default: e = 0.0f;
        }
        v->pos++;
        v->level = e;
        float x = v2 * e * v->amp;
        L[i] += x * v->gl;
        R[i] += x * v->gr;
    }
}

static double run_scalar(int N, double seconds, int retrig, double *rms)
{
    const int64_t total = (int64_t)(seconds * SR);
    svoice *v = aligned_alloc(64, sizeof(svoice) * (size_t)N);
    for (int k = 0; k < N; k++) sv_start(&v[k], k, N);
    if (retrig) for (int k = 0; k < N; k++) v[k].stage = 0;
    double sum2 = 0;
    float L[Q], R[Q];
    double t0 = cpu_now();
    int64_t frame = 0, next_ev = retrig ? 0 : INT64_MAX;
    while (frame < total) {
        int n = Q - (int)(frame % Q);
        if (frame + n > total) n = (int)(total - frame);
        if (retrig && next_ev == frame) {
            for (int k = 0; k < N; k++) {
                int64_t rel = frame - (int64_t)(k % 10) * 1200;
                if (rel < 0) continue;
                if (rel % 12000 == 0 && frame + 12000 <= total) sv_start(&v[k], k, N);
                else if (rel % 12000 == 2400) sv_gate_off(&v[k]);
            }
            next_ev = w1r_next_event(N, frame);
        }
        if (retrig && next_ev < frame + n) n = (int)(next_ev - frame);
        memset(L, 0, sizeof L);
        memset(R, 0, sizeof R);
        for (int k = 0; k < N; k++) sv_run(&v[k], frame, n, L, R);
        for (int i = 0; i < n; i++) sum2 += (double)L[i] * L[i] + (double)R[i] * R[i];
        frame += n;
    }
    double cpu = cpu_now() - t0;
    *rms = sqrt(sum2 / (2.0 * total));
    free(v);
    return cpu;
}

/* Every op alone: 256 voices (32 blocks) for `seconds`, inputs at their defaults (constant) except
 * signals named x (a saw-like audio wire) and gates (on); prints voice-seconds per CPU-second. */
static void per_op(double seconds, int isa)
{
    static float win[LT_VOP_MAX_IN][Q * LT_LANES] __attribute__((aligned(32)));
    static float wout[2][Q * LT_LANES] __attribute__((aligned(32)));
    const int nb = 32;
    const int64_t total = (int64_t)(seconds * SR);
    float *table = NULL;
    long ntable = 0;
    printf("each op alone, %s, 256 voices: voice-seconds per CPU-second\n", lt_isa_name(isa));
    for (int v = 0; v < lt_vop_count; v++) {
        const lt_vop_def *d = lt_vop_defs[v];
        void *st[32];
        for (int b = 0; b < nb; b++) { st[b] = aligned_alloc(32, d->state_size ? d->state_size : 32); memset(st[b], 0, d->state_size ? d->state_size : 32); }
        lt_vop_data data = { 0, 0, NULL };
        if (d->prepare) {
            if (!table) {
                float *src = malloc(sizeof(float) * (2 + 4 * 2048));
                long ns = lt_wavetable_builtin("basic", src, 2 + 4 * 2048);
                const char *err;
                ntable = d->prepare(src, ns, NULL, &err);
                table = malloc(sizeof(float) * ntable);
                d->prepare(src, ns, table, &err);
                free(src);
            }
            data.data = table;
            data.ndata = (int)ntable;
        }
        if (!strcmp(d->name, "env")) data.opt = 3;
        lt_vop_call c;
        memset(&c, 0, sizeof c);
        c.nin = d->max_in;
        for (int k = 0; k < d->max_in; k++) {
            int sig = !strcmp(d->in_names[k], "x") || (!strcmp(d->in_names[k], "a") && (d->flags & LT_VOP_PURE));
            int gate = k == 0 && (d->flags & LT_VOP_GATE0);
            for (int i = 0; i < Q * LT_LANES; i++)
                win[k][i] = gate ? 1.0f : sig ? (float)((i / 8 * 7 + i % 8) % 64) / 32.0f - 1.0f : d->in_default[k];
            c.in[k] = win[k];
            c.rate[k] = sig ? LT_RATE_AUDIO : LT_RATE_CONST;
        }
        for (int o = 0; o < d->n_out; o++) c.out[o] = wout[o];
        c.data = &data;
        c.active = 0xff;
        c.sr = SR;
        c.inv_sr = 1.0f / SR;
        double t0 = cpu_now();
        for (int64_t f = 0; f < total; f += Q) {
            c.n = Q;
            c.frame = f;
            for (int b = 0; b < nb; b++) { c.state = st[b]; c.trig = f == 0 ? 0xff : 0; d->fn[isa](&c); }
        }
        double cpu = cpu_now() - t0;
        printf("  %-12s %10.0f\n", d->name, 256 * seconds / cpu);
        for (int b = 0; b < nb; b++) free(st[b]);
    }
    free(table);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "ops")) {
        double secs = argc > 2 ? atof(argv[2]) : 10.0;
        for (int isa = 0; isa < LT_ISA_COUNT; isa++)
            if (isa == LT_ISA_SSE2 || __builtin_cpu_supports("avx2")) per_op(secs, isa);
        return 0;
    }
    int N = argc > 1 ? atoi(argv[1]) : 256;
    double secs = argc > 2 ? atof(argv[2]) : 60.0;
    if (N < 1 || N > MAXB * 8) N = 256;
    int avx2 = __builtin_cpu_supports("avx2");
    printf("W1 voice, N = %d, %.0f s at 48 kHz; voice-seconds per CPU-second (CPU time of the loop only)\n", N, secs);
    for (int retrig = 0; retrig < 2; retrig++) {
        double vs = N * secs * (retrig ? 1.0 : 1.0), rms, cpu;
        printf("%s\n", retrig ? "W1r (a new note every 250 ms per voice slot, gate 50 ms):" : "W1 (held notes):");
        const char *only = getenv("VOPS_ONLY");        /* e.g. "avx2 fused" for profiling one form */
        double scalar = 0;
        if (!only || strstr(only, "scalar")) {
            cpu = run_scalar(N, secs, retrig, &rms);
            scalar = vs / cpu;
        }
        if (scalar > 0) printf("  %-22s %9.0f   (RMS %.1f dBFS)\n", "scalar C, per voice", scalar, 20 * log10(rms));
        for (int isa = 0; isa < LT_ISA_COUNT; isa++) {
            if (isa == LT_ISA_AVX2 && !avx2) continue;
            static const char *const form[5] = { "one op per pass", "saw_lpf fused", "vca_pan fused", "both fused",
                                                 "saw_lpf_pan" };
            for (int fused = 0; fused < 5; fused++) {
                if (only && (!strstr(only, lt_isa_name(isa)) || !strstr(only, fused ? "fused" : "ops"))) continue;
                cpu = run_kernels(N, secs, isa, fused, retrig, &rms);
                printf("  %-5s %-16s %9.0f   (RMS %.1f dBFS", lt_isa_name(isa), form[fused], vs / cpu, 20 * log10(rms));
                if (scalar > 0) printf(", %.2fx scalar C", vs / cpu / scalar);
                printf(")\n");
            }
        }
    }
    return 0;
}
