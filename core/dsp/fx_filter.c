/* fx_filter.c — lpf, hpf, bpf as insert effects, with an envelope follower that moves the cutoff
 * (an auto-wah when `follow` is not 0).
 *
 * The filter is the trapezoidal (TPT) state-variable filter of Zavalishin ("The Art of VA Filter
 * Design", ch. 4) in Simper's formulation, with the coefficients of core/dsp/svf.c (lt_svf_set: the
 * same clamps, the same g, k, a1..a3), so the patch filter and the effect filter are one filter:
 * low-pass v2, band-pass k v1 (unity gain at the peak), high-pass x - k v1 - v2 — each the bilinear
 * transform, prewarped at the cutoff, of 1, s/q, s^2 over s^2 + s/q + 1.
 *
 * The envelope follower is a peak detector on max(|L|, |R|) with `attack` and `release` time
 * constants (one-pole, branching on rise or fall); the cutoff becomes cutoff * 2^(follow * env), env
 * in linear amplitude (a full-scale signal moves the cutoff by `follow` octaves).  Coefficients are
 * designed on a fixed grid of FX_GRID frames from the instance's start (so block lengths do not
 * change the output) and g, k follow the designs through a 2 ms smoother (fx_common.h; stepping them
 * would buzz: the high-pass and band-pass outputs read k directly).  The states keep their values across
 * coefficient changes, which is why a sweep of 20 Hz to 20 kHz in 10 ms neither clicks nor blows
 * up. */
#include "fx_common.h"
#include "svf.h"

enum { F_CUTOFF, F_Q, F_FOLLOW, F_ATTACK, F_RELEASE, F_NP };
enum { MODE_LP, MODE_HP, MODE_BP };

#define FILTER_PARAMS(def_cut, def_q) { \
    { "cutoff", 20.0f, 20000.0f, def_cut, "Hz", 1, "cutoff (centre for bpf)" }, \
    { "q", 0.1f, 20.0f, def_q, "", 1, "resonance: 0.707 flat, higher peaks at the cutoff" }, \
    { "follow", -8.0f, 8.0f, 0.0f, "oct", 1, "octaves the cutoff moves at full-scale input level" }, \
    { "attack", 0.1f, 500.0f, 5.0f, "ms", 1, "envelope follower rise time constant" }, \
    { "release", 1.0f, 5000.0f, 150.0f, "ms", 1, "envelope follower fall time constant" }, \
}

static const lt_fx_param lpf_params[F_NP] = FILTER_PARAMS(2000.0f, 0.7071f);
static const lt_fx_param hpf_params[F_NP] = FILTER_PARAMS(200.0f, 0.7071f);
static const lt_fx_param bpf_params[F_NP] = FILTER_PARAMS(1000.0f, 1.0f);

typedef struct filt_st {
    lt_svf coef;                 /* the design at the latest grid point (its own state unused) */
    fx_smooth g, k;              /* what the filter runs with, following the design */
    float  sa;                   /* smoother coefficient */
    int    mode;
    float  sr;
    float  ic1[2], ic2[2];
    float  env;
    float  att_ms, rel_ms, att_a, rel_a;
    int    grid;
} filt_st;

static size_t filt_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(filt_st); }

static void filt_reset(void *st)
{
    filt_st *s = st;
    s->ic1[0] = s->ic1[1] = s->ic2[0] = s->ic2[1] = 0;
    s->env = 0;
    s->grid = 0;
    fx_smooth_init(&s->g, s->coef.g);
    fx_smooth_init(&s->k, s->coef.k);
}

static void filt_init(void *st, float sr, const float *p, int mode)
{
    filt_st *s = st;
    s->mode = mode;
    s->sr = sr;
    lt_svf_init(&s->coef, sr);
    lt_svf_set(&s->coef, p[F_CUTOFF], p[F_Q]);
    s->att_ms = p[F_ATTACK];
    s->rel_ms = p[F_RELEASE];
    s->att_a = fx_tc(s->att_ms, sr);
    s->rel_a = fx_tc(s->rel_ms, sr);
    s->sa = fx_smooth_coef(sr);
    filt_reset(st);
}

static void lpf_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; filt_init(st, sr, p, MODE_LP); }
static void hpf_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; filt_init(st, sr, p, MODE_HP); }
static void bpf_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; filt_init(st, sr, p, MODE_BP); }

static void filt_process(void *st, const lt_fx_block *b)
{
    filt_st *s = st;
    float l1 = s->ic1[0], l2 = s->ic2[0], r1 = s->ic1[1], r2 = s->ic2[1], env = s->env;
    const int mode = s->mode;
    int i;
    if (b->p[F_ATTACK] != s->att_ms || fx_moving(b, F_ATTACK)) s->att_ms = b->p[F_ATTACK], s->att_a = fx_tc(s->att_ms, s->sr);
    if (b->p[F_RELEASE] != s->rel_ms || fx_moving(b, F_RELEASE)) s->rel_ms = b->p[F_RELEASE], s->rel_a = fx_tc(s->rel_ms, s->sr);
    for (i = 0; i < b->n; i++) {
        float xl = b->l[i], xr = b->r[i], lev = fmaxf(fabsf(xl), fabsf(xr)), v1, v2, v3;
        float a1, a2, a3, k;
        if (!(lev <= 1e6f)) lev = 0.0f;                    /* NaN and infinity do not move it */
        env = lev + (lev > env ? s->att_a : s->rel_a) * (env - lev);
        if (s->grid == 0) {
            float fol = fx_p(b, F_FOLLOW, i), c = fx_p(b, F_CUTOFF, i);
            if (fol != 0.0f) c *= exp2f(fminf(fol * env, 20.0f));
            lt_svf_set(&s->coef, c, fx_p(b, F_Q, i));
            s->g.tgt = s->coef.g;
            s->k.tgt = s->coef.k;
            s->grid = FX_GRID;
        }
        s->grid--;
        {
            float g = fx_smooth_next(&s->g, s->sa);
            k = fx_smooth_next(&s->k, s->sa);
            if (g == s->g.tgt && k == s->k.tgt) {
                a1 = s->coef.a1, a2 = s->coef.a2, a3 = s->coef.a3;
            } else {
                a1 = 1.0f / (1.0f + g * (g + k));
                a2 = g * a1;
                a3 = g * a2;
            }
        }
        v3 = xl - l2;
        v1 = a1 * l1 + a2 * v3;
        v2 = l2 + a2 * l1 + a3 * v3;
        l1 = 2.0f * v1 - l1;
        l2 = 2.0f * v2 - l2;
        b->l[i] = mode == MODE_LP ? v2 : mode == MODE_BP ? k * v1 : xl - k * v1 - v2;
        v3 = xr - r2;
        v1 = a1 * r1 + a2 * v3;
        v2 = r2 + a2 * r1 + a3 * v3;
        r1 = 2.0f * v1 - r1;
        r2 = 2.0f * v2 - r2;
        b->r[i] = mode == MODE_LP ? v2 : mode == MODE_BP ? k * v1 : xr - k * v1 - v2;
    }
    s->ic1[0] = fx_zap(l1);
    s->ic2[0] = fx_zap(l2);
    s->ic1[1] = fx_zap(r1);
    s->ic2[1] = fx_zap(r2);
    s->env = fx_zap(env);
}

const lt_fx_def lt_fx_lpf = {
    "lpf", "resonant low-pass (TPT SVF, 12 dB/oct) with an envelope follower on the cutoff",
    "lpf{ cutoff = 800, q = 4, follow = 2 }",
    F_NP, lpf_params, 0, 1.0f, NULL,
    filt_size, lpf_init, NULL, filt_reset, filt_process, NULL, NULL, NULL,
};

const lt_fx_def lt_fx_hpf = {
    "hpf", "resonant high-pass (TPT SVF, 12 dB/oct) with an envelope follower on the cutoff",
    "hpf{ cutoff = 300 }",
    F_NP, hpf_params, 0, 1.0f, NULL,
    filt_size, hpf_init, NULL, filt_reset, filt_process, NULL, NULL, NULL,
};

const lt_fx_def lt_fx_bpf = {
    "bpf", "band-pass (TPT SVF, unity gain at the centre) with an envelope follower (auto-wah)",
    "bpf{ cutoff = 600, q = 5, follow = 3 }",
    F_NP, bpf_params, 0, 1.0f, NULL,
    filt_size, bpf_init, NULL, filt_reset, filt_process, NULL, NULL, NULL,
};
