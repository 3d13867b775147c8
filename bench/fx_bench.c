/* fx_bench.c — CPU and memory of every effect in the registry (core/dsp/fx_registry.c, what
 * lute.fxdefs lists): milliseconds of CPU per second of stereo audio at 48 kHz, and the bytes of one
 * instance (the unit's size(), all the memory it has: the engine allocates nothing else for it).
 *
 * Each unit runs as the engine runs it: its memory allocated zeroed, init with the defaults, blocks
 * of 32 frames in place, parameters steady (p at their values, dp 0), a keyed unit fed its own input
 * as the key (what the engine passes when nothing is routed to it).  The input is 10 s of stereo
 * noise at -10 dBFS.  The EQ has four bands on (low cut, two bells, a high shelf: the mix bench's
 * channel EQ); the convolver runs a 0.25 s and a 2 s stereo response.  Every unit is timed once per
 * round, rounds interleaved, and the median is printed with its spread ((max-min)/median), since the
 * machine this runs on is usually shared.  The engine's generic wet/dry `mix` and parameter ramps
 * are not in these figures (bench/mix.py measures whole mixes).
 *
 *   make build/bench/fx_bench && build/bench/fx_bench [rounds] [seconds]     (default 5, 10)
 *
 * Asserts nothing (tests/c/test_fx_*.c test the units). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "graph/fx.h"

#define SR 48000.0f
#define MAXR 25

typedef struct {
    const lt_fx_def *d;
    const char *label;
    char buf[40];
    const lt_fx_data *data;
    float p[LT_FX_MAX_PARAMS];
    double t[MAXR];
    size_t bytes;
    int latency;
} unit;

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint32_t seed = 1;
static float noise(void)
{
    seed = seed * 1664525u + 1013904223u;
    return (float)((seed >> 8) * (2.0 / 16777216.0) - 1.0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void set_param(unit *u, const char *name, float v)
{
    int k = lt_fx_param_index(u->d, name);
    if (k >= 0) u->p[k] = v;
}

/* One timed pass: a fresh instance over the whole input (copied, processed in place). */
static double run(unit *u, const float *inl, const float *inr, float *l, float *r, int n)
{
    float dp[LT_FX_MAX_PARAMS] = {0}, kl[LT_QUANTUM], kr[LT_QUANTUM];
    size_t size = u->d->size(SR, u->data);
    void *st = calloc(1, size ? size : 1);
    if (!st) { fprintf(stderr, "fx_bench: out of memory for %s\n", u->label); exit(1); }
    u->d->init(st, SR, u->p, u->data);
    u->bytes = size;
    u->latency = u->d->latency ? u->d->latency(st) : 0;
    memcpy(l, inl, sizeof(float) * (size_t)n);
    memcpy(r, inr, sizeof(float) * (size_t)n);
    double t0 = cpu_now();
    for (int i = 0; i < n; i += LT_QUANTUM) {
        int m = n - i < LT_QUANTUM ? n - i : LT_QUANTUM;
        memcpy(kl, l + i, sizeof(float) * (size_t)m);
        memcpy(kr, r + i, sizeof(float) * (size_t)m);
        lt_fx_block b = { m, l + i, r + i, kl, kr, u->p, dp, SR, 120.0 };
        u->d->process(st, &b);
    }
    double t = cpu_now() - t0;
    free(st);
    return t;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    double secs = argc > 2 ? atof(argv[2]) : 10.0;
    if (rounds < 1 || rounds > MAXR || !(secs > 0 && secs <= 600)) {
        fprintf(stderr, "usage: fx_bench [rounds 1..%d] [seconds]\n", MAXR);
        return 2;
    }
    int n = (int)(secs * SR);
    float *inl = malloc(sizeof(float) * (size_t)n), *inr = malloc(sizeof(float) * (size_t)n);
    float *l = malloc(sizeof(float) * (size_t)n), *r = malloc(sizeof(float) * (size_t)n);
    if (!inl || !inr || !l || !r) { fprintf(stderr, "fx_bench: out of memory\n"); return 1; }
    for (int i = 0; i < n; i++) inl[i] = 0.3f * noise(), inr[i] = 0.3f * noise();

    /* decaying stereo noise responses for the convolver: 0.25 s and 2 s */
    static lt_fx_data ir[2];
    const double irs[2] = {0.25, 2.0};
    for (int k = 0; k < 2; k++) {
        int m = (int)(irs[k] * SR);
        float *s = malloc(sizeof(float) * 2 * (size_t)m);
        if (!s) { fprintf(stderr, "fx_bench: out of memory\n"); return 1; }
        for (int i = 0; i < m; i++) {
            float env = expf(-6.9f * (float)i / (float)m);
            s[2 * i] = env * noise();
            s[2 * i + 1] = env * noise();
        }
        ir[k] = (lt_fx_data){ 2, m, s };
    }

    unit *u = calloc(2 * (size_t)lt_fx_count, sizeof *u);   /* a unit with data runs twice */
    int nu = 0;
    if (!u) { fprintf(stderr, "fx_bench: out of memory\n"); return 1; }
    for (int i = 0; i < lt_fx_count; i++) {
        const lt_fx_def *d = lt_fx_defs[i];
        int copies = d->data_field ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            unit *x = &u[nu++];
            x->d = d;
            x->label = d->name;
            for (int k = 0; k < d->nparams; k++) x->p[k] = d->params[k].def;
            if (d->data_field) {
                snprintf(x->buf, sizeof x->buf, "%s (%g s)", d->name, irs[c]);
                x->label = x->buf;
                x->data = &ir[c];
            }
            if (strcmp(d->name, "eq") == 0) {   /* the mix bench's channel EQ: cut, two bells, shelf */
                set_param(x, "b1_type", 4); set_param(x, "b1_freq", 40);
                set_param(x, "b2_type", 1); set_param(x, "b2_freq", 300); set_param(x, "b2_gain", -2);
                set_param(x, "b3_type", 1); set_param(x, "b3_freq", 2500); set_param(x, "b3_gain", 1.5);
                set_param(x, "b4_type", 3); set_param(x, "b4_freq", 8000); set_param(x, "b4_gain", 2);
                x->label = "eq (4 bands)";
            }
        }
    }
    for (int r0 = 0; r0 < rounds; r0++)
        for (int i = 0; i < nu; i++) u[i].t[r0] = run(&u[i], inl, inr, l, r, n) / secs;

    printf("effects: CPU per second of stereo audio at 48 kHz (blocks of 32, defaults, %g s of noise, median of %d "
           "interleaved rounds), and one instance's memory\n", secs, rounds);
    printf("  %-18s %9s %7s %10s %10s %8s\n", "unit", "ms per s", "spread", "x realtime", "memory KiB", "latency");
    for (int i = 0; i < nu; i++) {
        qsort(u[i].t, (size_t)rounds, sizeof(double), cmp_double);
        double m = u[i].t[rounds / 2], sp = m > 0 ? (u[i].t[rounds - 1] - u[i].t[0]) / m : 0;
        printf("  %-18s %9.3f %6.0f%% %10.0f %10.1f %8d\n", u[i].label, m * 1000, sp * 100, m > 0 ? 1 / m : 0,
               (double)u[i].bytes / 1024, u[i].latency);
    }
    for (int k = 0; k < 2; k++) free((void *)ir[k].samples);
    free(u); free(inl); free(inr); free(l); free(r);
    return 0;
}
