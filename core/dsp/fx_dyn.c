/* fx_dyn.c — dynamics: comp, duck, gate, expander, deess, transient.
 *
 * comp follows Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design — A Tutorial
 * and Analysis" (JAES 60(6), 2012): a level detector (peak: |x|; RMS: mean square over 10 ms), the
 * gain computer in dB with a quadratic soft knee (their eq. 4), and the gain reduction smoothed in the
 * log domain by a one-pole whose coefficient branches on rise (attack) or fall (release) ("smooth
 * branching", their eq. 17) — so a step in level makes the reduction move exactly exponentially with
 * the attack or release time constant, the property the tests measure.  The detector reads the key
 * (the engine routes a sidechain there, or the unit's own input), optionally high-passed (`keyhp`);
 * `link` blends each channel's level with the louder channel's; `lookahead` delays the audio, not
 * the key (reported as latency); `auto` adds half the reduction a full-scale signal would get.
 * duck: a keyed ducker — when the key passes `threshold` the gain goes to -depth dB (attack), stays
 * there while the key is above and `hold` ms after, then returns (release); the depth is exact,
 * whatever the key's level.
 * gate: opens when the key's peak passes `threshold`, closes `hold` ms after it falls below
 * threshold - hysteresis; the gain moves between 1 and -range dB with one-pole attack and release
 * in the linear domain.
 * expander: downward expansion below `threshold` by `ratio` (same gain computer, mirrored), RMS
 * detection, at most `range` dB, with a hold before the reduction deepens.
 * deess: a split-band de-esser — the TPT SVF at `freq` splits x = lp + k bp + hp exactly; the level of
 * hp drives a compressor curve and only hp is turned down, so nothing changes below `freq` and the
 * band is rebuilt exactly when nothing is reduced.
 * transient: a transient shaper in the manner of the SPL Transient Designer — the difference of a
 * fast (2 ms) and a slow (30 ms) average of |x| marks onsets (`attack` dB of gain there, in full once
 * they differ by 6 dB), the difference of a long (300 ms) and a short (30 ms) peak hold marks decays
 * (`sustain` dB there); the gain passes a 3 ms smoother, which keeps the ripple of the fast average
 * on a steady low tone from modulating it (a steady tone is left within a few tenths of a dB).
 *
 * Every unit: per-frame state only (block lengths do not change the output), detector states flushed
 * per block, reduction() reports the current gain reduction in dB. */
#include "fx_common.h"
#include "svf.h"

#define DYN_FLOOR_DB -120.0f
#define RMS_MS 10.0

/* The gain computer of Giannoulis et al. (eq. 4): how many dB a level x (dB) is turned down. */
static inline float comp_gr(float x, float thr, float ratio, float knee)
{
    float over = x - thr, slope = 1.0f - 1.0f / ratio;
    if (knee > 0.0f && 2.0f * fabsf(over) <= knee) {
        float t = over + 0.5f * knee;
        return slope * t * t / (2.0f * knee);
    }
    return over > 0.0f ? slope * over : 0.0f;
}

/* The mirror for downward expansion: dB of reduction below the threshold, soft knee. */
static inline float exp_gr(float x, float thr, float ratio, float knee)
{
    float under = thr - x, slope = ratio - 1.0f;
    if (knee > 0.0f && 2.0f * fabsf(under) <= knee) {
        float t = under + 0.5f * knee;
        return slope * t * t / (2.0f * knee);
    }
    return under > 0.0f ? slope * under : 0.0f;
}

static inline float lin2db_floor(float x)
{
    return x > 1e-6f ? fx_lin2db(x) : DYN_FLOOR_DB;
}

/* A TPT 2-pole Butterworth high-pass on the key (svf.c's coefficients), bypassed below 10 Hz. */
typedef struct keyhp {
    lt_svf coef;
    float  hz;
    float  s1[2], s2[2];
} keyhp;

static void keyhp_set(keyhp *h, float sr, float hz)
{
    if (hz == h->hz && h->coef.sr == sr) return;
    h->hz = hz;
    if (h->coef.sr != sr) lt_svf_init(&h->coef, sr);
    lt_svf_set(&h->coef, hz, 0.70710678f);
}

static inline float keyhp_run(keyhp *h, int c, float x)
{
    float v3, v1, v2;
    if (h->hz < 10.0f) return x;
    v3 = x - h->s2[c];
    v1 = h->coef.a1 * h->s1[c] + h->coef.a2 * v3;
    v2 = h->s2[c] + h->coef.a2 * h->s1[c] + h->coef.a3 * v3;
    h->s1[c] = 2.0f * v1 - h->s1[c];
    h->s2[c] = 2.0f * v2 - h->s2[c];
    return x - h->coef.k * v1 - v2;
}

/* A fresh filter at `hz` (its coefficients made, its state cleared), and a cleared state. */
static void keyhp_clear(keyhp *h) { memset(h->s1, 0, sizeof h->s1); memset(h->s2, 0, sizeof h->s2); }

static void keyhp_init(keyhp *h, float sr, float hz)
{
    h->hz = -1;
    h->coef.sr = 0;
    keyhp_set(h, sr, hz);
    keyhp_clear(h);
}

static void keyhp_flush(keyhp *h)
{
    int c;
    for (c = 0; c < 2; c++) h->s1[c] = fx_zap(h->s1[c]), h->s2[c] = fx_zap(h->s2[c]);
}

/* A cached one-pole coefficient for a time constant that may move. */
typedef struct tcache {
    float ms, a;
} tcache;

static inline float tc_get(tcache *t, float ms, float sr)
{
    if (ms != t->ms) t->ms = ms, t->a = fx_tc(ms, sr);
    return t->a;
}

/* ========================================================================================= comp */

enum { C_THR, C_RATIO, C_KNEE, C_ATT, C_REL, C_MAKEUP, C_AUTO, C_DETECT, C_LINK, C_LOOK, C_KEYHP, C_NP };

#define LOOK_MAX_MS 20.0f
#define LOOK_FADE_S 0.010f

static const lt_fx_param comp_params[C_NP] = {
    { "threshold", -60.0f, 0.0f, -18.0f, "dB", 1, "level above which the gain is reduced" },
    { "ratio", 1.0f, 50.0f, 4.0f, ":1", 1, "dB in per dB out above the threshold" },
    { "knee", 0.0f, 24.0f, 6.0f, "dB", 1, "width of the soft knee around the threshold" },
    { "attack", 0.05f, 300.0f, 10.0f, "ms", 1, "time constant of a rising reduction (63%)" },
    { "release", 5.0f, 3000.0f, 100.0f, "ms", 1, "time constant of a falling reduction (63%)" },
    { "makeup", -12.0f, 36.0f, 0.0f, "dB", 1, "gain after compression" },
    { "auto", 0.0f, 1.0f, 0.0f, "", 0, "1 adds half the reduction a full-scale signal would get" },
    { "detect", 0.0f, 1.0f, 0.0f, "", 0, "0 peak, 1 RMS (10 ms)" },
    { "link", 0.0f, 1.0f, 1.0f, "", 1, "stereo link: 0 independent channels, 1 the louder one drives both" },
    { "lookahead", 0.0f, LOOK_MAX_MS, 0.0f, "ms", 0, "delays the audio ahead of the detector (latency)" },
    { "keyhp", 0.0f, 1000.0f, 0.0f, "Hz", 1, "high-pass on the key (12 dB/oct), 0 = off" },
};

typedef struct comp_st {
    float   sr;
    int     autom, rms, look;       /* stepped parameters: auto makeup, RMS detection, lookahead frames */
    float   ms[2];                  /* RMS detector */
    float   y[2];                   /* smoothed reduction (dB) */
    float   mk;                     /* makeup in use (dB), gliding */
    float   mk_a, rms_a;
    tcache  att, rel;
    keyhp   hp;
    fx_line ln[2];
    fx_xtap tap[2];
    float   gr;                     /* for reduction() */
    int     init_look;
} comp_st;

static int look_frames(float sr, float ms)
{
    int n = (int)floorf(ms * 0.001f * sr + 0.5f);
    return n < 0 ? 0 : n;
}

static size_t comp_layout(comp_st *s, float sr)
{
    fx_arena a = fx_arena_of(s, sizeof *s);
    int c, len = look_frames(sr, LOOK_MAX_MS) + 4;
    for (c = 0; c < 2; c++) {
        float *buf = fx_take(&a, sizeof(float) * (size_t)len);
        if (s) s->ln[c].buf = buf, s->ln[c].len = len;
    }
    return fx_arena_size(sizeof *s, a.used);
}

static size_t comp_size(float sr, const lt_fx_data *data) { (void)data; return comp_layout(NULL, sr); }

static void comp_reset(void *st)
{
    comp_st *s = st;
    int c;
    for (c = 0; c < 2; c++) {
        memset(s->ln[c].buf, 0, sizeof(float) * (size_t)s->ln[c].len);
        s->ln[c].w = 0;
        fx_xtap_init(&s->tap[c], s->look + 1, (int)(LOOK_FADE_S * s->sr));
        s->ms[c] = 0;
        s->y[c] = 0;
    }
    keyhp_clear(&s->hp);
    s->mk = -1e9f;                  /* taken from the parameters at the first frame */
    s->gr = 0;
}

static void comp_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    comp_st *s = st;
    (void)data;
    comp_layout(s, sr);
    s->sr = sr;
    s->autom = p[C_AUTO] >= 0.5f;
    s->rms = p[C_DETECT] >= 0.5f;
    s->look = look_frames(sr, p[C_LOOK]);
    s->mk_a = fx_tc(50.0, sr);
    s->rms_a = fx_tc(RMS_MS, sr);
    s->att.ms = s->rel.ms = -1;
    keyhp_init(&s->hp, sr, p[C_KEYHP]);
    comp_reset(st);
}

static void comp_set(void *st, int k, float v)
{
    comp_st *s = st;
    if (k == C_AUTO) s->autom = v >= 0.5f;
    else if (k == C_DETECT) s->rms = v >= 0.5f;
    else if (k == C_LOOK) {
        s->look = look_frames(s->sr, v);
        fx_xtap_set(&s->tap[0], s->look + 1);
        fx_xtap_set(&s->tap[1], s->look + 1);
    }
}

static void comp_process(void *st, const lt_fx_block *b)
{
    comp_st *s = st;
    float *x[2] = { b->l, b->r };
    const float *key[2] = { b->kl, b->kr };
    float y0 = s->y[0], y1 = s->y[1];
    int i;
    keyhp_set(&s->hp, s->sr, b->p[C_KEYHP]);
    for (i = 0; i < b->n; i++) {
        float thr = fx_p(b, C_THR, i), ratio = fx_p(b, C_RATIO, i), knee = fx_p(b, C_KNEE, i);
        float aa = tc_get(&s->att, fx_p(b, C_ATT, i), s->sr), ra = tc_get(&s->rel, fx_p(b, C_REL, i), s->sr);
        float link = fx_p(b, C_LINK, i), lev[2], top, mk, c0, c1;
        int c;
        for (c = 0; c < 2; c++) {
            float k = keyhp_run(&s->hp, c, fx_finite(key[c][i]));
            if (s->rms) {
                s->ms[c] = k * k + s->rms_a * (s->ms[c] - k * k);
                lev[c] = sqrtf(s->ms[c]);
            } else lev[c] = fabsf(k);
        }
        top = fmaxf(lev[0], lev[1]);
        lev[0] += link * (top - lev[0]);
        lev[1] += link * (top - lev[1]);
        c0 = comp_gr(lin2db_floor(lev[0]), thr, ratio, knee);
        c1 = comp_gr(lin2db_floor(lev[1]), thr, ratio, knee);
        y0 = c0 + (c0 > y0 ? aa : ra) * (y0 - c0);
        y1 = c1 + (c1 > y1 ? aa : ra) * (y1 - c1);
        mk = fx_p(b, C_MAKEUP, i) + (s->autom ? 0.5f * comp_gr(0.0f, thr, ratio, knee) : 0.0f);
        s->mk = s->mk < -1e8f ? mk : mk + s->mk_a * (s->mk - mk);
        fx_line_write(&s->ln[0], x[0][i]);
        fx_line_write(&s->ln[1], x[1][i]);
        x[0][i] = fx_xtap_read(&s->tap[0], &s->ln[0]) * fx_db2lin(s->mk - y0);
        x[1][i] = fx_xtap_read(&s->tap[1], &s->ln[1]) * fx_db2lin(s->mk - y1);
    }
    s->y[0] = fx_zap(y0);
    s->y[1] = fx_zap(y1);
    s->ms[0] = fx_zap(s->ms[0]);
    s->ms[1] = fx_zap(s->ms[1]);
    keyhp_flush(&s->hp);
    s->gr = fmaxf(s->y[0], s->y[1]);
}

static int comp_latency(const void *st) { return ((const comp_st *)st)->look; }
static float comp_reduction(const void *st) { return ((const comp_st *)st)->gr; }

const lt_fx_def lt_fx_comp = {
    "comp", "compressor: soft knee, peak or RMS, stereo link, lookahead, keyable",
    "comp{ threshold = -20, ratio = 4, attack = 10, release = 120 }",
    C_NP, comp_params, LT_FX_KEYED, 1.0f, NULL,
    comp_size, comp_init, comp_set, comp_reset, comp_process, comp_latency, NULL, comp_reduction,
};

/* ========================================================================================= duck */

enum { D_DEPTH, D_THR, D_ATT, D_HOLD, D_REL, D_KEYHP, D_NP };

static const lt_fx_param duck_params[D_NP] = {
    { "depth", 0.0f, 60.0f, 12.0f, "dB", 1, "how far the signal is turned down while the key sounds" },
    { "threshold", -60.0f, 0.0f, -30.0f, "dB", 1, "key level that triggers the ducking" },
    { "attack", 0.1f, 100.0f, 2.0f, "ms", 1, "time constant of the dip" },
    { "hold", 0.0f, 1000.0f, 30.0f, "ms", 1, "how long the dip stays after the key falls below threshold" },
    { "release", 1.0f, 3000.0f, 150.0f, "ms", 1, "time constant of the recovery" },
    { "keyhp", 0.0f, 1000.0f, 0.0f, "Hz", 1, "high-pass on the key (12 dB/oct), 0 = off" },
};

typedef struct duck_st {
    float  sr;
    int    hold_left;
    float  y;                       /* reduction (dB) */
    tcache att, rel;
    keyhp  hp;
} duck_st;

static size_t duck_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(duck_st); }
static void duck_reset(void *st) { duck_st *s = st; s->hold_left = 0; s->y = 0; keyhp_clear(&s->hp); }

static void duck_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    duck_st *s = st;
    (void)data;
    s->sr = sr;
    s->att.ms = s->rel.ms = -1;
    keyhp_init(&s->hp, sr, p[D_KEYHP]);
    duck_reset(st);
}

static void duck_process(void *st, const lt_fx_block *b)
{
    duck_st *s = st;
    float y = s->y;
    int i;
    keyhp_set(&s->hp, s->sr, b->p[D_KEYHP]);
    for (i = 0; i < b->n; i++) {
        float lev = fmaxf(fabsf(keyhp_run(&s->hp, 0, fx_finite(b->kl[i]))), fabsf(keyhp_run(&s->hp, 1, fx_finite(b->kr[i]))));
        float target, a, g;
        if (lev > fx_db2lin(fx_p(b, D_THR, i))) s->hold_left = (int)(fx_p(b, D_HOLD, i) * 0.001f * s->sr) + 1;
        else if (s->hold_left > 0) s->hold_left--;
        target = s->hold_left > 0 ? fx_p(b, D_DEPTH, i) : 0.0f;
        a = target > y ? tc_get(&s->att, fx_p(b, D_ATT, i), s->sr) : tc_get(&s->rel, fx_p(b, D_REL, i), s->sr);
        y = target + a * (y - target);
        g = fx_db2lin(-y);
        b->l[i] *= g;
        b->r[i] *= g;
    }
    s->y = fx_zap(y);
    keyhp_flush(&s->hp);
}

static float duck_reduction(const void *st) { return ((const duck_st *)st)->y; }

const lt_fx_def lt_fx_duck = {
    "duck", "sidechain ducker: dips by `depth` dB while the key sounds (hold, release)",
    "duck{ by = \"kick\", depth = 8, release = 120 }",
    D_NP, duck_params, LT_FX_KEYED, 1.0f, NULL,
    duck_size, duck_init, NULL, duck_reset, duck_process, NULL, NULL, duck_reduction,
};

/* ========================================================================================= gate */

enum { G_THR, G_HYST, G_ATT, G_HOLD, G_REL, G_RANGE, G_KEYHP, G_NP };

static const lt_fx_param gate_params[G_NP] = {
    { "threshold", -80.0f, 0.0f, -40.0f, "dB", 1, "key peak that opens the gate" },
    { "hysteresis", 0.0f, 24.0f, 6.0f, "dB", 1, "the gate closes this far below the threshold" },
    { "attack", 0.01f, 50.0f, 0.5f, "ms", 1, "time constant of opening (linear gain)" },
    { "hold", 0.0f, 1000.0f, 20.0f, "ms", 1, "stays open this long after the key falls below" },
    { "release", 1.0f, 3000.0f, 100.0f, "ms", 1, "time constant of closing (linear gain)" },
    { "range", 0.0f, 100.0f, 80.0f, "dB", 1, "attenuation when closed" },
    { "keyhp", 0.0f, 1000.0f, 0.0f, "Hz", 1, "high-pass on the key (12 dB/oct), 0 = off" },
};

typedef struct gate_st {
    float  sr;
    int    open, hold_left;
    float  g;                       /* linear gain */
    tcache att, rel;
    keyhp  hp;
} gate_st;

static size_t gate_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(gate_st); }
static void gate_reset(void *st) { gate_st *s = st; s->open = 0; s->hold_left = 0; s->g = -1.0f; keyhp_clear(&s->hp); }

static void gate_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    gate_st *s = st;
    (void)data;
    s->sr = sr;
    s->att.ms = s->rel.ms = -1;
    keyhp_init(&s->hp, sr, p[G_KEYHP]);
    gate_reset(st);
}

static void gate_process(void *st, const lt_fx_block *b)
{
    gate_st *s = st;
    float g = s->g;
    int i;
    keyhp_set(&s->hp, s->sr, b->p[G_KEYHP]);
    for (i = 0; i < b->n; i++) {
        float lev = fmaxf(fabsf(keyhp_run(&s->hp, 0, fx_finite(b->kl[i]))), fabsf(keyhp_run(&s->hp, 1, fx_finite(b->kr[i]))));
        float thr = fx_db2lin(fx_p(b, G_THR, i)), close = fx_db2lin(fx_p(b, G_THR, i) - fx_p(b, G_HYST, i));
        float floor_g = fx_db2lin(-fx_p(b, G_RANGE, i)), target, a;
        if (g < 0.0f) g = floor_g;                       /* a fresh gate starts closed */
        if (lev > thr) s->open = 1;
        if (s->open) {
            if (lev > close) s->hold_left = (int)(fx_p(b, G_HOLD, i) * 0.001f * s->sr) + 1;
            else if (--s->hold_left <= 0) s->open = 0, s->hold_left = 0;
        }
        target = s->open ? 1.0f : floor_g;
        a = target > g ? tc_get(&s->att, fx_p(b, G_ATT, i), s->sr) : tc_get(&s->rel, fx_p(b, G_REL, i), s->sr);
        g = target + a * (g - target);
        b->l[i] *= g;
        b->r[i] *= g;
    }
    s->g = isfinite(g) ? g : 1.0f;
    keyhp_flush(&s->hp);
}

static float gate_reduction(const void *st)
{
    const gate_st *s = st;
    return s->g <= 0.0f ? 0.0f : -fx_lin2db(s->g);
}

const lt_fx_def lt_fx_gate = {
    "gate", "noise gate: threshold with hysteresis, hold, attack/release, range; keyable",
    "gate{ threshold = -45, hold = 30, release = 80 }",
    G_NP, gate_params, LT_FX_KEYED, 1.0f, NULL,
    gate_size, gate_init, NULL, gate_reset, gate_process, NULL, NULL, gate_reduction,
};

/* ===================================================================================== expander */

enum { E_THR, E_RATIO, E_KNEE, E_ATT, E_HOLD, E_REL, E_RANGE, E_KEYHP, E_NP };

static const lt_fx_param exp_params[E_NP] = {
    { "threshold", -80.0f, 0.0f, -40.0f, "dB", 1, "level (RMS) below which the gain is reduced" },
    { "ratio", 1.0f, 10.0f, 2.0f, ":1", 1, "dB of reduction per dB below the threshold, plus 1" },
    { "knee", 0.0f, 24.0f, 0.0f, "dB", 1, "width of the soft knee" },
    { "attack", 0.05f, 300.0f, 1.0f, "ms", 1, "time constant of the recovery when the level rises" },
    { "hold", 0.0f, 1000.0f, 20.0f, "ms", 1, "wait before the reduction deepens" },
    { "release", 5.0f, 3000.0f, 100.0f, "ms", 1, "time constant of a deepening reduction" },
    { "range", 0.0f, 100.0f, 40.0f, "dB", 1, "most reduction" },
    { "keyhp", 0.0f, 1000.0f, 0.0f, "Hz", 1, "high-pass on the key (12 dB/oct), 0 = off" },
};

typedef struct exp_st {
    float  sr;
    float  ms, y, rms_a;
    int    hold_left;
    tcache att, rel;
    keyhp  hp;
} exp_st;

static size_t exp_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(exp_st); }
static void exp_reset(void *st) { exp_st *s = st; s->ms = 0; s->y = -1.0f; s->hold_left = 0; keyhp_clear(&s->hp); }

static void exp_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    exp_st *s = st;
    (void)data;
    s->sr = sr;
    s->rms_a = fx_tc(RMS_MS, sr);
    s->att.ms = s->rel.ms = -1;
    keyhp_init(&s->hp, sr, p[E_KEYHP]);
    exp_reset(st);
}

static void exp_process(void *st, const lt_fx_block *b)
{
    exp_st *s = st;
    float y = s->y, ms = s->ms;
    int i;
    keyhp_set(&s->hp, s->sr, b->p[E_KEYHP]);
    for (i = 0; i < b->n; i++) {
        float kl = keyhp_run(&s->hp, 0, fx_finite(b->kl[i])), kr = keyhp_run(&s->hp, 1, fx_finite(b->kr[i]));
        float k2 = fmaxf(kl * kl, kr * kr), c, g;
        ms = k2 + s->rms_a * (ms - k2);
        c = fminf(exp_gr(lin2db_floor(sqrtf(ms)), fx_p(b, E_THR, i), fx_p(b, E_RATIO, i), fx_p(b, E_KNEE, i)),
                  fx_p(b, E_RANGE, i));
        if (y < 0.0f) y = c;                              /* a fresh expander starts settled */
        if (c > y) {
            /* deepening: only after the hold */
            if (s->hold_left > 0) s->hold_left--, c = y;
        } else s->hold_left = (int)(fx_p(b, E_HOLD, i) * 0.001f * s->sr);
        y = c + (c > y ? tc_get(&s->rel, fx_p(b, E_REL, i), s->sr) : tc_get(&s->att, fx_p(b, E_ATT, i), s->sr)) * (y - c);
        g = fx_db2lin(-y);
        b->l[i] *= g;
        b->r[i] *= g;
    }
    s->y = fx_zap(y);
    s->ms = fx_zap(ms);
    keyhp_flush(&s->hp);
}

static float exp_reduction(const void *st) { const exp_st *s = st; return s->y > 0 ? s->y : 0.0f; }

const lt_fx_def lt_fx_expander = {
    "expander", "downward expander: below the threshold the level falls by the ratio (hold, range)",
    "expander{ threshold = -40, ratio = 3 }",
    E_NP, exp_params, LT_FX_KEYED, 1.0f, NULL,
    exp_size, exp_init, NULL, exp_reset, exp_process, NULL, NULL, exp_reduction,
};

/* ======================================================================================== deess */

enum { S_FREQ, S_THR, S_RATIO, S_RANGE, S_REL, S_NP };

static const lt_fx_param deess_params[S_NP] = {
    { "freq", 2000.0f, 12000.0f, 6000.0f, "Hz", 1, "the band above this frequency is what is reduced" },
    { "threshold", -60.0f, 0.0f, -30.0f, "dB", 1, "level of that band above which it is turned down" },
    { "ratio", 1.0f, 20.0f, 4.0f, ":1", 1, "compression of that band" },
    { "range", 0.0f, 24.0f, 12.0f, "dB", 1, "most reduction" },
    { "release", 5.0f, 500.0f, 60.0f, "ms", 1, "recovery time constant (attack is 0.5 ms)" },
};

typedef struct deess_st {
    lt_svf coef;
    float  sr, hz;
    float  s1[2], s2[2];
    float  y, att_a;
    tcache rel;
} deess_st;

static size_t deess_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(deess_st); }

static void deess_reset(void *st)
{
    deess_st *s = st;
    s->s1[0] = s->s1[1] = s->s2[0] = s->s2[1] = 0;
    s->y = 0;
}

static void deess_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    deess_st *s = st;
    (void)data;
    s->sr = sr;
    lt_svf_init(&s->coef, sr);
    s->hz = p[S_FREQ];
    lt_svf_set(&s->coef, s->hz, 0.70710678f);
    s->att_a = fx_tc(0.5, sr);
    s->rel.ms = -1;
    deess_reset(st);
}

static void deess_process(void *st, const lt_fx_block *b)
{
    deess_st *s = st;
    float *x[2] = { b->l, b->r };
    float y = s->y;
    int i, c;
    if (b->p[S_FREQ] != s->hz) s->hz = b->p[S_FREQ], lt_svf_set(&s->coef, s->hz, 0.70710678f);
    for (i = 0; i < b->n; i++) {
        float lp[2], bp[2], hp[2], lev, cgr, g;
        for (c = 0; c < 2; c++) {
            float v3 = x[c][i] - s->s2[c];
            float v1 = s->coef.a1 * s->s1[c] + s->coef.a2 * v3;
            float v2 = s->s2[c] + s->coef.a2 * s->s1[c] + s->coef.a3 * v3;
            s->s1[c] = 2.0f * v1 - s->s1[c];
            s->s2[c] = 2.0f * v2 - s->s2[c];
            lp[c] = v2;
            bp[c] = s->coef.k * v1;
            hp[c] = x[c][i] - bp[c] - v2;
        }
        lev = fmaxf(fabsf(fx_finite(hp[0])), fabsf(fx_finite(hp[1])));
        cgr = fminf(comp_gr(lin2db_floor(lev), fx_p(b, S_THR, i), fx_p(b, S_RATIO, i), 0.0f), fx_p(b, S_RANGE, i));
        y = cgr + (cgr > y ? s->att_a : tc_get(&s->rel, fx_p(b, S_REL, i), s->sr)) * (y - cgr);
        g = fx_db2lin(-y);
        for (c = 0; c < 2; c++) x[c][i] = lp[c] + bp[c] + g * hp[c];
    }
    for (c = 0; c < 2; c++) s->s1[c] = fx_zap(s->s1[c]), s->s2[c] = fx_zap(s->s2[c]);
    s->y = fx_zap(y);
}

static float deess_reduction(const void *st) { return ((const deess_st *)st)->y; }

const lt_fx_def lt_fx_deess = {
    "deess", "de-esser: turns down only the band above `freq` when it is loud (split band)",
    "deess{ freq = 6500, threshold = -28 }",
    S_NP, deess_params, 0, 1.0f, NULL,
    deess_size, deess_init, NULL, deess_reset, deess_process, NULL, NULL, deess_reduction,
};

/* ==================================================================================== transient */

enum { T_ATTACK, T_SUSTAIN, T_NP };

static const lt_fx_param transient_params[T_NP] = {
    { "attack", -24.0f, 24.0f, 0.0f, "dB", 1, "gain on onsets (positive: punchier, negative: softer)" },
    { "sustain", -24.0f, 24.0f, 0.0f, "dB", 1, "gain on decays (positive: longer, negative: drier)" },
};

#define TR_FAST_MS 2.0
#define TR_SLOW_MS 30.0
#define TR_GAIN_MS 3.0
#define TR_SHORT_MS 30.0
#define TR_LONG_MS 300.0
#define TR_FULL_DB 6.0f             /* an envelope difference this large gives the full gain */

typedef struct transient_st {
    float sr;
    float fast, slow, shrt, lng;    /* envelopes */
    float fa, sa, ha, la, ga;       /* their coefficients, and the gain smoother's */
    float gdb;
} transient_st;

static size_t transient_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(transient_st); }

static void transient_reset(void *st)
{
    transient_st *s = st;
    s->fast = s->slow = s->shrt = s->lng = 0;
    s->gdb = 0;
}

static void transient_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    transient_st *s = st;
    (void)p; (void)data;
    s->sr = sr;
    s->fa = fx_tc(TR_FAST_MS, sr);
    s->sa = fx_tc(TR_SLOW_MS, sr);
    s->ha = fx_tc(TR_SHORT_MS, sr);
    s->la = fx_tc(TR_LONG_MS, sr);
    s->ga = fx_tc(TR_GAIN_MS, sr);
    transient_reset(st);
}

static void transient_process(void *st, const lt_fx_block *b)
{
    transient_st *s = st;
    float fast = s->fast, slow = s->slow, shrt = s->shrt, lng = s->lng, gdb = s->gdb;
    int i;
    for (i = 0; i < b->n; i++) {
        float lev = fmaxf(fabsf(fx_finite(b->l[i])), fabsf(fx_finite(b->r[i]))), on, decay, g;
        /* onsets: a fast and a slow average of |x| part when the level jumps */
        fast = lev + s->fa * (fast - lev);
        slow = lev + s->sa * (slow - lev);
        /* decays: a short and a long peak hold part when the level falls */
        shrt = lev > shrt ? lev : lev + s->ha * (shrt - lev);
        lng = lev > lng ? lev : lev + s->la * (lng - lev);
        on = fast > slow && slow > 1e-7f ? fx_lin2db(fast / slow) : 0.0f;
        decay = lng > shrt && shrt > 1e-7f ? fx_lin2db(lng / shrt) : 0.0f;
        g = fx_p(b, T_ATTACK, i) * fminf(on / TR_FULL_DB, 1.0f) + fx_p(b, T_SUSTAIN, i) * fminf(decay / TR_FULL_DB, 1.0f);
        gdb = g + s->ga * (gdb - g);
        g = fx_db2lin(gdb);
        b->l[i] *= g;
        b->r[i] *= g;
    }
    s->fast = fx_zap(fast);
    s->slow = fx_zap(slow);
    s->shrt = fx_zap(shrt);
    s->lng = fx_zap(lng);
    s->gdb = fx_zap(gdb);
}

static float transient_reduction(const void *st)
{
    const transient_st *s = st;
    return s->gdb < 0 ? -s->gdb : 0.0f;
}

const lt_fx_def lt_fx_transient = {
    "transient", "transient shaper: more or less attack and sustain, independent of level",
    "transient{ attack = 6, sustain = -4 }",
    T_NP, transient_params, 0, 1.0f, NULL,
    transient_size, transient_init, NULL, transient_reset, transient_process, NULL, NULL, transient_reduction,
};
