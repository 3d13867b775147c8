/* mineq.c — the minimum-phase mastering EQ: the band layout of eqbands.h as a cascade of
 * second-order sections, no latency.  Peaks are Vicanek's matched design (their shape holds up to
 * Nyquist instead of cramping as bilinear peaks do); shelves and cuts are the cookbook's bilinear
 * designs, prewarped at their frequency (a high shelf or cut close to Nyquist bends a little: use
 * lineq where that matters).  Coefficients are recomputed once per block when a parameter moved.
 * Block sizes do not change the output except where a moving parameter is sampled per block.
 * Thread: fx.h's contract.  RT-safe: process, set, reset — yes. */
#include "dsp/fx_master.h"
#include "dsp/eqbands.h"
#include <string.h>

typedef struct mineq {
    float         sr;
    float         p[LT_EQ_NPARAMS];
    int           n;
    lt_bq         c[LT_EQ_MAX_SECTIONS];
    lt_bq_state   z[2][LT_EQ_MAX_SECTIONS];
    lt_eq_section sec[LT_EQ_MAX_SECTIONS];
} mineq;

static size_t mq_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return sizeof(mineq); }

/* New coefficients; a section that stays of the same kind keeps its memory (no click). */
static void design(mineq *s) {
    lt_eq_section sec[LT_EQ_MAX_SECTIONS];
    int n = lt_eq_sections(s->p, s->sr, sec);
    for (int i = 0; i < n; i++) {
        if (i >= s->n || sec[i].kind != s->sec[i].kind) s->z[0][i] = s->z[1][i] = (lt_bq_state){0, 0};
        s->c[i] = sec[i].kind == LT_BQ_PEAK ? lt_bq_peak_matched(s->sr, sec[i].f, sec[i].q, sec[i].gain)
                                            : lt_bq_design(sec[i].kind, s->sr, sec[i].f, sec[i].q, sec[i].gain);
        s->sec[i] = sec[i];
    }
    s->n = n;
}

static void mq_reset(void *st) {
    mineq *s = st;
    memset(s->z, 0, sizeof s->z);
}

static void mq_init(void *st, float sr, const float *p, const lt_fx_data *d) {
    (void)d;
    mineq *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    memcpy(s->p, p, sizeof s->p);
    design(s);
}

static void mq_set(void *st, int i, float v) {
    mineq *s = st;
    if (i < 0 || i >= LT_EQ_NPARAMS) return;
    s->p[i] = v;
    design(s);
}

static void mq_process(void *st, const lt_fx_block *b) {
    mineq *s = st;
    if (memcmp(s->p, b->p, sizeof s->p) != 0) {
        memcpy(s->p, b->p, sizeof s->p);
        design(s);
    }
    for (int i = 0; i < s->n; i++) {
        lt_bq_run(&s->c[i], &s->z[0][i], b->l, b->n);
        lt_bq_run(&s->c[i], &s->z[1][i], b->r, b->n);
    }
}

const lt_fx_def lt_fx_mineq = {
    .name = "mineq",
    .help = "minimum-phase mastering EQ: low cut, low shelf, four peaks, high shelf, high cut (no latency)",
    .example = "mineq{ lowcut = 25, low_gain = 1.5, p3_freq = 3500, p3_gain = -1, high_gain = 1 }",
    .nparams = LT_EQ_NPARAMS,
    .params = lt_eq_params,
    .mix_default = 1,
    .size = mq_size,
    .init = mq_init,
    .set = mq_set,
    .reset = mq_reset,
    .process = mq_process,
};
