/* fx_sat.c — saturation and waveshaping: drive, dist, shape, sat; and crush (bit depth and sample
 * rate reduction).
 *
 * The four shapers run oversampled (`os` 1, 2 or 4; 4 by default) through the linear-phase half-band
 * chain of oversample.c, so the harmonics a curve makes above the base rate's Nyquist are filtered
 * before they come back down, instead of folding into the audio band as inharmonic aliases (the
 * tests measure both).  Every factor is padded to the delay of the 4x chain, so the unit's latency is
 * the same whatever `os` is (lt_os_latency(4) frames, reported through latency()), and a change of
 * `os` crossfades over 20 ms between two aligned signals; the new chain is warmed on the input of the
 * last frames before it fades in.
 *   drive: tanh(g x), the smooth symmetric clipper.
 *   dist:  u / (1 + u^4)^(1/4) with u = g x + bias: harder knee than tanh; the bias makes it
 *          asymmetric (even harmonics); the static offset of the bias is subtracted and the DC that
 *          asymmetric clipping makes from a signal is removed by the DC blocker of fx_util.c's kind;
 *          `tone` is a one-pole low-pass after the clipper.
 *   shape: (1 + k) x / (1 + k |x|), k = 2 a / (1 - a): SuperDirt's and Strudel's `shape`, so a
 *          pattern's shape sounds as it does there (without their aliasing).
 *   sat:   (tanh(g (x + b)) - tanh(g b)) / (g (1 - tanh^2(g b))): unity gain for small signals, so it
 *          adds harmonics without changing the level of quiet passages; b adds even harmonics
 *          (a tape or tube colour); DC blocked.
 * crush: a sample-and-hold at `rate` Hz (a fractional phase accumulator: any rate, not only integer
 * divisions of the engine's) and a mid-tread quantiser of `bits` bits (any real number of bits, so
 * the parameter glides); no oversampling — its aliasing is what it is for.
 *
 * Block lengths do not change the output (all state is per frame); reset returns to the first
 * render. */
#include "fx_common.h"
#include "oversample.h"

enum { K_DRIVE, K_DIST, K_SHAPE, K_SAT };

/* Parameter indexes per kind: a table maps the common roles to each def's order. */
enum { R_DRIVE, R_BIAS, R_TONE, R_GAIN, R_OS, R_SHAPE, R_N };

static const lt_fx_param drive_params[] = {
    { "drive", 0.0f, 48.0f, 12.0f, "dB", 1, "gain into the clipper" },
    { "gain", -24.0f, 12.0f, 0.0f, "dB", 1, "output level" },
    { "os", 1.0f, 4.0f, 4.0f, "x", 0, "oversampling: 1, 2 or 4 (crossfades when it changes)" },
};
static const int drive_roles[R_N] = { 0, -1, -1, 1, 2, -1 };

static const lt_fx_param dist_params[] = {
    { "drive", 0.0f, 48.0f, 18.0f, "dB", 1, "gain into the clipper" },
    { "bias", 0.0f, 0.5f, 0.1f, "", 1, "asymmetry (even harmonics)" },
    { "tone", 500.0f, 20000.0f, 8000.0f, "Hz", 1, "low-pass after the clipper (6 dB/oct)" },
    { "gain", -24.0f, 12.0f, -6.0f, "dB", 1, "output level" },
    { "os", 1.0f, 4.0f, 4.0f, "x", 0, "oversampling: 1, 2 or 4 (crossfades when it changes)" },
};
static const int dist_roles[R_N] = { 0, 1, 2, 3, 4, -1 };

static const lt_fx_param shape_params[] = {
    { "shape", 0.0f, 0.99f, 0.5f, "", 1, "amount, as in Strudel/SuperDirt: (1+k)x/(1+k|x|), k = 2a/(1-a)" },
    { "gain", -24.0f, 12.0f, 0.0f, "dB", 1, "output level" },
    { "os", 1.0f, 4.0f, 4.0f, "x", 0, "oversampling: 1, 2 or 4 (crossfades when it changes)" },
};
static const int shape_roles[R_N] = { -1, -1, -1, 1, 2, 0 };

static const lt_fx_param sat_params[] = {
    { "drive", 0.0f, 24.0f, 6.0f, "dB", 1, "how hard the curve is driven (small signals keep unity gain)" },
    { "bias", 0.0f, 0.3f, 0.05f, "", 1, "asymmetry (even harmonics, a tape/tube colour)" },
    { "gain", -12.0f, 12.0f, 0.0f, "dB", 1, "output level" },
    { "os", 1.0f, 4.0f, 4.0f, "x", 0, "oversampling: 1, 2 or 4 (crossfades when it changes)" },
};
static const int sat_roles[R_N] = { 0, 1, -1, 2, 3, -1 };

#define SAT_FADE_S 0.020f
#define SAT_HIST   128              /* input frames kept for the pads and for warming a new chain */
#define SAT_WARM   64

typedef struct shaper_args {
    float g, b, k, off, norm;       /* drive gain, bias, shape k, static offset, normalisation */
} shaper_args;

typedef struct sat_st {
    int     kind;
    const int *roles;
    float   sr;
    int     os, next, pending;      /* factor in use, factor being faded to, a change waiting (0: none) */
    int     fpos, fade;
    lt_os   chain[2][2];            /* [slot][channel]; slot `cur` runs os, the other one next */
    int     cur;
    float   hist[2][2 * SAT_HIST];  /* input history per channel, doubled */
    int     hpos;
    float   tone_z[2], dc_x[2], dc_y[2], dc_R;
    fx_smooth tone_g;
    float   sa;
    float   tone_hz;
} sat_st;

static int sat_factor(float v) { return v < 1.5f ? 1 : v < 3.0f ? 2 : 4; }

static size_t sat_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(sat_st); }

static float sat_tone_g(float hz, float sr)
{
    double g;
    if (hz > 0.45f * sr) hz = 0.45f * sr;
    g = tan(M_PI * hz / sr);
    return (float)(g / (1.0 + g));
}

static void sat_reset(void *st)
{
    sat_st *s = st;
    int c, k;
    for (k = 0; k < 2; k++)
        for (c = 0; c < 2; c++) lt_os_reset(&s->chain[k][c]);
    memset(s->hist, 0, sizeof s->hist);
    s->hpos = 0;
    if (s->pending) s->next = s->pending;
    s->os = s->next;
    s->pending = 0;
    s->fpos = 0;
    s->tone_z[0] = s->tone_z[1] = s->dc_x[0] = s->dc_x[1] = s->dc_y[0] = s->dc_y[1] = 0;
    fx_smooth_init(&s->tone_g, s->tone_g.tgt);
}

static void sat_init(void *st, float sr, const float *p, int kind, const int *roles)
{
    sat_st *s = st;
    int k, c;
    s->kind = kind;
    s->roles = roles;
    s->sr = sr;
    for (k = 0; k < 2; k++)
        for (c = 0; c < 2; c++) lt_os_init(&s->chain[k][c]);
    s->cur = 0;
    s->os = s->next = sat_factor(p[roles[R_OS]]);
    s->pending = 0;
    s->fade = (int)(SAT_FADE_S * sr);
    s->tone_hz = roles[R_TONE] >= 0 ? p[roles[R_TONE]] : 20000.0f;
    s->tone_g.tgt = sat_tone_g(s->tone_hz, sr);
    s->sa = fx_smooth_coef(sr);
    {   /* the DC blocker at 5 Hz (fx_util.c's dcblock) */
        double cw = cos(2 * M_PI * 5.0 / sr);
        s->dc_R = (float)(cw - sqrt((1 - cw) * (3 - cw)));
    }
    sat_reset(st);
}

static void drive_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; sat_init(st, sr, p, K_DRIVE, drive_roles); }
static void dist_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; sat_init(st, sr, p, K_DIST, dist_roles); }
static void shape_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; sat_init(st, sr, p, K_SHAPE, shape_roles); }
static void satu_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; sat_init(st, sr, p, K_SAT, sat_roles); }

/* A change of `os` waits for a fade in progress to finish. */
static void sat_set(void *st, int k, float v)
{
    sat_st *s = st;
    if (k == s->roles[R_OS]) s->pending = sat_factor(v);
}

static float dist_curve(float u)
{
    float u2 = u * u;
    return u / sqrtf(sqrtf(1.0f + u2 * u2));
}

static inline float shaper(const sat_st *s, const shaper_args *a, float x)
{
    switch (s->kind) {
    case K_DRIVE: return tanhf(a->g * x);
    case K_DIST:  return dist_curve(a->g * x + a->b) - a->off;
    case K_SHAPE: return (1.0f + a->k) * x / (1.0f + a->k * fabsf(x));
    default:      return (tanhf(a->g * (x + a->b)) - a->off) * a->norm;
    }
}

static void shaper_args_at(const sat_st *s, const lt_fx_block *b, int i, shaper_args *a)
{
    const int *ro = s->roles;
    a->g = ro[R_DRIVE] >= 0 ? fx_db2lin(fx_p(b, ro[R_DRIVE], i)) : 1.0f;
    a->b = ro[R_BIAS] >= 0 ? fx_p(b, ro[R_BIAS], i) : 0.0f;
    a->k = 0;
    a->off = 0;
    a->norm = 1;
    if (s->kind == K_SHAPE) {
        float sh = fminf(fmaxf(fx_p(b, ro[R_SHAPE], i), 0.0f), 0.99f);
        a->k = 2.0f * sh / (1.0f - sh);
    } else if (s->kind == K_DIST) {
        a->off = dist_curve(a->b);
    } else if (s->kind == K_SAT) {
        float t = tanhf(a->g * a->b);
        a->off = t;
        a->norm = 1.0f / (a->g * (1.0f - t * t));
    }
}

/* One frame through the chain of `slot` at factor f, input x. */
static inline float run_chain(sat_st *s, lt_os *o, int f, const shaper_args *a, float x)
{
    float y[4];
    if (f == 1) return shaper(s, a, x);
    if (f == 2) {
        lt_os_up2(o, x, y);
        y[0] = shaper(s, a, y[0]);
        y[1] = shaper(s, a, y[1]);
        return lt_os_down2(o, y);
    }
    lt_os_up4(o, x, y);
    y[0] = shaper(s, a, y[0]);
    y[1] = shaper(s, a, y[1]);
    y[2] = shaper(s, a, y[2]);
    y[3] = shaper(s, a, y[3]);
    return lt_os_down4(o, y);
}

/* The input `d` frames ago for channel c (d = 0: the frame just stored). */
static inline float hist_at(const sat_st *s, int c, int d)
{
    return s->hist[c][s->hpos + SAT_HIST - 1 - d];
}

/* Starts a fade to factor f: the other slot is cleared and fed the input of the last SAT_WARM frames
 * (through its pad), so the new chain is warm when it fades in. */
static void start_fade(sat_st *s, int f, const shaper_args *a)
{
    int slot = 1 - s->cur, c, d, pad = lt_os_pad(f);
    s->next = f;
    s->fpos = 1;
    for (c = 0; c < 2; c++) {
        lt_os_reset(&s->chain[slot][c]);
        for (d = SAT_WARM; d >= 1; d--) run_chain(s, &s->chain[slot][c], f, a, hist_at(s, c, d + pad));
    }
}

static void sat_process(void *st, const lt_fx_block *b)
{
    sat_st *s = st;
    const int *ro = s->roles;
    float *x[2] = { b->l, b->r };
    int i, c;
    for (i = 0; i < b->n; i++) {
        shaper_args a;
        float gain = fx_db2lin(fx_p(b, ro[R_GAIN], i)), tg = s->tone_g.v;
        shaper_args_at(s, b, i, &a);
        if (ro[R_TONE] >= 0) {
            float hz = fx_p(b, ro[R_TONE], i);
            if (hz != s->tone_hz) s->tone_hz = hz, s->tone_g.tgt = sat_tone_g(hz, s->sr);
            tg = fx_smooth_next(&s->tone_g, s->sa);
        }
        for (c = 0; c < 2; c++) {
            float in = x[c][i];
            s->hist[c][s->hpos] = s->hist[c][s->hpos + SAT_HIST] = fx_finite(in);
        }
        if (++s->hpos == SAT_HIST) s->hpos = 0;
        if (s->fpos == 0 && s->pending) {
            if (s->pending != s->os) start_fade(s, s->pending, &a);
            s->pending = 0;
        }
        for (c = 0; c < 2; c++) {
            float y = run_chain(s, &s->chain[s->cur][c], s->os, &a, hist_at(s, c, lt_os_pad(s->os)));
            if (s->fpos) {
                float w = fx_xfade_w(s->fpos, s->fade);
                float z = run_chain(s, &s->chain[1 - s->cur][c], s->next, &a, hist_at(s, c, lt_os_pad(s->next)));
                y += w * (z - y);
            }
            if (s->kind == K_DIST) {
                float v = (y - s->tone_z[c]) * tg, lp = v + s->tone_z[c];
                s->tone_z[c] = lp + v;
                y = lp;
            }
            if (s->kind == K_DIST || s->kind == K_SAT) {
                float o = y - s->dc_x[c] + s->dc_R * s->dc_y[c];
                s->dc_x[c] = y;
                s->dc_y[c] = o;
                y = o;
            }
            x[c][i] = y * gain;
        }
        if (s->fpos && ++s->fpos > s->fade) {
            s->fpos = 0;
            s->os = s->next;
            s->cur = 1 - s->cur;
        }
    }
    for (c = 0; c < 2; c++) {
        s->tone_z[c] = fx_zap(s->tone_z[c]);
        s->dc_x[c] = fx_finite(s->dc_x[c]);
        s->dc_y[c] = fx_zap(s->dc_y[c]);
    }
}

static int sat_latency(const void *st) { (void)st; return lt_os_latency(4); }

const lt_fx_def lt_fx_drive = {
    "drive", "overdrive: tanh soft clipping, oversampled", "drive{ drive = 18, gain = -8 }",
    3, drive_params, 0, 1.0f, NULL,
    sat_size, drive_init, sat_set, sat_reset, sat_process, sat_latency, NULL, NULL,
};

const lt_fx_def lt_fx_dist = {
    "dist", "distortion: hard-knee asymmetric clipper with a tone control, oversampled",
    "dist{ drive = 24, bias = 0.2, tone = 5000 }",
    5, dist_params, 0, 1.0f, NULL,
    sat_size, dist_init, sat_set, sat_reset, sat_process, sat_latency, NULL, NULL,
};

const lt_fx_def lt_fx_shape = {
    "shape", "waveshaper with Strudel's `shape` curve, oversampled", "shape{ shape = 0.7 }",
    3, shape_params, 0, 1.0f, NULL,
    sat_size, shape_init, sat_set, sat_reset, sat_process, sat_latency, NULL, NULL,
};

const lt_fx_def lt_fx_sat = {
    "sat", "saturation for mixing: unity gain for quiet signals, harmonics as it gets louder",
    "sat{ drive = 9, bias = 0.1 }",
    4, sat_params, 0, 1.0f, NULL,
    sat_size, satu_init, sat_set, sat_reset, sat_process, sat_latency, NULL, NULL,
};

/* ====================================================================================== crush */

enum { C_BITS, C_RATE, C_NP };

static const lt_fx_param crush_params[C_NP] = {
    { "bits", 1.0f, 24.0f, 8.0f, "bits", 1, "quantiser resolution (fractional values glide)" },
    { "rate", 100.0f, 96000.0f, 96000.0f, "Hz", 1, "sample-and-hold rate (at or above the engine's: off)" },
};

typedef struct crush_st {
    float  sr;
    double phase;                /* sample-and-hold phase in held frames */
    float  held[2];
} crush_st;

static size_t crush_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(crush_st); }

static void crush_reset(void *st)
{
    crush_st *s = st;
    s->phase = 1.0;              /* the first frame is taken */
    s->held[0] = s->held[1] = 0;
}

static void crush_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    crush_st *s = st;
    (void)p; (void)data;
    s->sr = sr;
    crush_reset(st);
}

/* Mid-tread quantiser with 2^(bits - 1) steps per unit: zero stays zero, so silence and a signal's
 * mean survive; the step is continuous in `bits`. */
static inline float quant(float x, float step, float inv)
{
    return step * floorf(x * inv + 0.5f);
}

static void crush_process(void *st, const lt_fx_block *b)
{
    crush_st *s = st;
    double ph = s->phase;
    int i;
    for (i = 0; i < b->n; i++) {
        float bits = fx_p(b, C_BITS, i), rate = fx_p(b, C_RATE, i);
        float step = exp2f(1.0f - bits), inv = 1.0f / step;
        if (rate >= s->sr) {
            ph = 1.0;
            s->held[0] = fx_finite(b->l[i]);
            s->held[1] = fx_finite(b->r[i]);
        } else {
            if (ph >= 1.0) {
                ph -= floor(ph);
                s->held[0] = fx_finite(b->l[i]);
                s->held[1] = fx_finite(b->r[i]);
            }
            ph += rate / s->sr;
        }
        b->l[i] = bits >= 24.0f ? s->held[0] : quant(s->held[0], step, inv);
        b->r[i] = bits >= 24.0f ? s->held[1] : quant(s->held[1], step, inv);
    }
    s->phase = ph;
}

const lt_fx_def lt_fx_crush = {
    "crush", "bitcrusher: bit depth and sample-rate reduction", "crush{ bits = 6, rate = 8000 }",
    C_NP, crush_params, 0, 1.0f, NULL,
    crush_size, crush_init, NULL, crush_reset, crush_process, NULL, NULL, NULL,
};
