/* fx_util.c — the mixing utilities: gain, polarity, mono, swap, width (mid/side with a mono-safe low
 * end), dcblock, and the alignment delays delay_samples / delay_ms.
 *
 * None of them has a wet/dry mix (LT_FX_NO_MIX): wet/dry means nothing for a gain or a swap.  Gains
 * ramp sample by sample with their parameter; the polarity flips by a 10 ms ramp through zero instead
 * of a jump; an alignment delay that steps crossfades between the old and new taps over 10 ms.  The
 * width's low-end guard is the trapezoidal (TPT) 2-pole high-pass of Zavalishin's "The Art of VA
 * Filter Design" (ch. 4, the SVF of core/dsp/svf.c) on the side signal only, so the mid — and with it
 * the mono sum L + R — is untouched.  The DC blocker is J. O. Smith's one-zero one-pole DC blocker.
 *
 * Block lengths do not change the output (only per-sample state); every unit returns to its first
 * render on reset. */
#include "fx_common.h"

/* ------------------------------------------------------------------------------------------ gain */

typedef struct gain_st {
    int dummy;
} gain_st;

static const lt_fx_param gain_params[] = {
    { "gain", -96.0f, 24.0f, 0.0f, "dB", 1, "level change; -96 dB is silence" },
};

static size_t gain_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(gain_st); }
static void gain_init(void *st, float sr, const float *p, const lt_fx_data *data) { (void)st; (void)sr; (void)p; (void)data; }

static inline float gain_lin(float db) { return db <= -96.0f ? 0.0f : fx_db2lin(db); }

static void gain_process(void *st, const lt_fx_block *b)
{
    int i, n = b->n;
    (void)st;
    if (!fx_moving(b, 0)) {
        float g = gain_lin(b->p[0]);
        if (g == 1.0f) return;
        for (i = 0; i < n; i++) b->l[i] *= g, b->r[i] *= g;
        return;
    }
    for (i = 0; i < n; i++) {
        float g = gain_lin(fx_p(b, 0, i));
        b->l[i] *= g;
        b->r[i] *= g;
    }
}

const lt_fx_def lt_fx_gain = {
    "gain", "changes the level in dB, ramped sample by sample", "gain{ gain = -6 }",
    1, gain_params, LT_FX_NO_MIX, 1.0f, NULL,
    gain_size, gain_init, NULL, NULL, gain_process, NULL, NULL, NULL,
};

/* -------------------------------------------------------------------------------------- polarity */

#define POL_FADE_S 0.010f

typedef struct pol_st {
    float g[2];        /* current gain per channel, +1 or -1 when steady */
    float want[2];     /* +1 or -1 */
    int   pos[2], fade;/* frames into a flip (0: steady), its length */
} pol_st;

static const lt_fx_param pol_params[] = {
    { "left", 0.0f, 1.0f, 1.0f, "", 0, "1 inverts the left channel" },
    { "right", 0.0f, 1.0f, 1.0f, "", 0, "1 inverts the right channel" },
};

static size_t pol_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(pol_st); }

/* Clears the memory (a flip in progress completes at once); the parameters stay. */
static void pol_reset(void *st)
{
    pol_st *s = st;
    s->g[0] = s->want[0];
    s->g[1] = s->want[1];
    s->pos[0] = s->pos[1] = 0;
}

static void pol_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    pol_st *s = st;
    (void)data;
    s->fade = (int)(POL_FADE_S * sr);
    s->want[0] = p[0] >= 0.5f ? -1.0f : 1.0f;
    s->want[1] = p[1] >= 0.5f ? -1.0f : 1.0f;
    pol_reset(st);
}

/* A flip in progress completes first; the next one starts from where it ends. */
static void pol_set(void *st, int k, float v)
{
    pol_st *s = st;
    if (k == 0 || k == 1) s->want[k] = v >= 0.5f ? -1.0f : 1.0f;
}

static void pol_process(void *st, const lt_fx_block *b)
{
    pol_st *s = st;
    float *x[2] = { b->l, b->r };
    int c, i;
    for (c = 0; c < 2; c++) {
        if (s->pos[c] == 0 && s->g[c] == s->want[c]) {
            if (s->g[c] != 1.0f)
                for (i = 0; i < b->n; i++) x[c][i] = -x[c][i];
            continue;
        }
        /* a raised-cosine ramp from g to -g: smooth at both ends */
        for (i = 0; i < b->n; i++) {
            float w;
            if (s->pos[c] == 0) {
                if (s->g[c] == s->want[c]) { x[c][i] *= s->g[c]; continue; }
                s->pos[c] = 1;
            }
            w = fx_xfade_w(s->pos[c], s->fade);
            x[c][i] *= s->g[c] * (1.0f - 2.0f * w);
            if (++s->pos[c] > s->fade) {
                s->pos[c] = 0;
                s->g[c] = -s->g[c];
            }
        }
    }
}

const lt_fx_def lt_fx_polarity = {
    "polarity", "inverts the polarity of either channel (a 10 ms ramp through zero when it changes)",
    "polarity{ left = 1, right = 0 }",
    2, pol_params, LT_FX_NO_MIX, 1.0f, NULL,
    pol_size, pol_init, pol_set, pol_reset, pol_process, NULL, NULL, NULL,
};

/* ------------------------------------------------------------------------------------------ mono */

static const lt_fx_param mono_params[] = {
    { "amount", 0.0f, 1.0f, 1.0f, "", 1, "0 leaves the stereo image, 1 sums both channels to mono" },
};

static void mono_process(void *st, const lt_fx_block *b)
{
    int i;
    (void)st;
    for (i = 0; i < b->n; i++) {
        float a = fx_p(b, 0, i), l = b->l[i], r = b->r[i], m = 0.5f * (l + r);
        b->l[i] = (1.0f - a) * l + a * m;
        b->r[i] = (1.0f - a) * r + a * m;
    }
}

const lt_fx_def lt_fx_mono = {
    "mono", "sums left and right to mono (amount 0..1)", "mono{}",
    1, mono_params, LT_FX_NO_MIX, 1.0f, NULL,
    gain_size, gain_init, NULL, NULL, mono_process, NULL, NULL, NULL,
};

/* ------------------------------------------------------------------------------------------ swap */

static void swap_process(void *st, const lt_fx_block *b)
{
    int i;
    (void)st;
    for (i = 0; i < b->n; i++) {
        float t = b->l[i];
        b->l[i] = b->r[i];
        b->r[i] = t;
    }
}

const lt_fx_def lt_fx_swap = {
    "swap", "swaps the left and right channels", "swap{}",
    0, NULL, LT_FX_NO_MIX, 1.0f, NULL,
    gain_size, gain_init, NULL, NULL, swap_process, NULL, NULL, NULL,
};

/* ----------------------------------------------------------------------------------------- width */

typedef struct width_st {
    float sr;
    float cut;                   /* cutoff the design is for (Hz) */
    float a1, a2, a3;            /* TPT SVF coefficients of the design, q = 1/sqrt 2 */
    float k;
    fx_smooth g;                 /* g the filter runs with, following the design */
    float sa;
    float ic1, ic2;              /* side high-pass state */
    int   grid;                  /* frames to the next coefficient update */
} width_st;

static const lt_fx_param width_params[] = {
    { "width", 0.0f, 2.0f, 1.0f, "", 1, "0 mono, 1 unchanged, 2 twice the side signal" },
    { "mono_below", 0.0f, 500.0f, 0.0f, "Hz", 1, "the side signal is high-passed here (12 dB/oct), so "
      "the low end is mono; 0 = off" },
};

static size_t width_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(width_st); }

static void width_coef(width_st *s, float hz)
{
    double g, k = 1.4142135623731;
    if (hz < 1.0f) hz = 1.0f;
    if (hz > 0.45f * s->sr) hz = 0.45f * s->sr;
    g = tan(M_PI * hz / s->sr);
    s->cut = hz;
    s->k = (float)k;
    s->g.tgt = (float)g;
    s->a1 = (float)(1.0 / (1.0 + g * (g + k)));
    s->a2 = (float)(g / (1.0 + g * (g + k)));
    s->a3 = (float)(g * g / (1.0 + g * (g + k)));
}

static void width_reset(void *st)
{
    width_st *s = st;
    s->ic1 = s->ic2 = 0;
    s->grid = 0;
    fx_smooth_init(&s->g, s->g.tgt);
}

static void width_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    width_st *s = st;
    (void)data;
    s->sr = sr;
    s->sa = fx_smooth_coef(sr);
    width_coef(s, p[1]);
    width_reset(st);
}

static void width_process(void *st, const lt_fx_block *b)
{
    width_st *s = st;
    float ic1 = s->ic1, ic2 = s->ic2;
    int i;
    for (i = 0; i < b->n; i++) {
        float m = 0.5f * (b->l[i] + b->r[i]), side = 0.5f * (b->l[i] - b->r[i]);
        float w = fx_p(b, 0, i), f = fx_p(b, 1, i);
        float v1, v2, v3, hp, g, a1 = s->a1, a2 = s->a2, a3 = s->a3;
        if (s->grid == 0) {
            if (f != s->cut && !(f < 1.0f && s->cut == 1.0f)) width_coef(s, f);
            s->grid = FX_GRID;
        }
        s->grid--;
        g = fx_smooth_next(&s->g, s->sa);
        if (g != s->g.tgt) {
            a1 = 1.0f / (1.0f + g * (g + s->k));
            a2 = g * a1;
            a3 = g * a2;
        }
        v3 = side - ic2;
        v1 = a1 * ic1 + a2 * v3;
        v2 = ic2 + a2 * ic1 + a3 * v3;
        ic1 = 2.0f * v1 - ic1;
        ic2 = 2.0f * v2 - ic2;
        hp = side - s->k * v1 - v2;
        if (f >= 1.0f) side = hp;
        side *= w;
        b->l[i] = m + side;
        b->r[i] = m - side;
    }
    s->ic1 = fx_zap(ic1);
    s->ic2 = fx_zap(ic2);
}

const lt_fx_def lt_fx_width = {
    "width", "stereo width by mid/side, with the low end kept mono below mono_below",
    "width{ width = 1.3, mono_below = 120 }",
    2, width_params, LT_FX_NO_MIX, 1.0f, NULL,
    width_size, width_init, NULL, width_reset, width_process, NULL, NULL, NULL,
};

/* --------------------------------------------------------------------------------------- dcblock */

/* The classic DC blocker y[n] = x[n] - x[n-1] + R y[n-1] (J. O. Smith, "Introduction to Digital
 * Filters", the DC blocker): its zero sits exactly at DC, so a constant input leaves exactly nothing
 * (a one-pole low-pass subtracted from the input stalls at a float residue instead).  R is chosen so
 * that the gain at `freq` is exactly -3 dB. */
typedef struct dc_st {
    float sr, cut, R;
    float x1[2], y1[2];
    int grid;
} dc_st;

static const lt_fx_param dc_params[] = {
    { "freq", 1.0f, 40.0f, 5.0f, "Hz", 1, "corner (-3 dB) of the 6 dB/oct high-pass that removes DC" },
};

static size_t dc_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(dc_st); }

/* |H|^2 = 2 (1 - cos w) / (1 - 2 R cos w + R^2) = 1/2 at w = 2 pi freq / sr. */
static double dc_pole(double hz, double sr)
{
    double c = cos(2 * M_PI * hz / sr);
    return c - sqrt((1 - c) * (3 - c));
}

static void dc_coef(dc_st *s, float hz)
{
    s->cut = hz;
    s->R = (float)dc_pole(hz, s->sr);
}

static void dc_reset(void *st)
{
    dc_st *s = st;
    s->x1[0] = s->x1[1] = s->y1[0] = s->y1[1] = 0;
    s->grid = 0;
}

static void dc_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    dc_st *s = st;
    (void)data;
    s->sr = sr;
    dc_coef(s, p[0]);
    dc_reset(st);
}

static void dc_process(void *st, const lt_fx_block *b)
{
    dc_st *s = st;
    float xl = s->x1[0], xr = s->x1[1], yl = s->y1[0], yr = s->y1[1];
    int i;
    for (i = 0; i < b->n; i++) {
        float x;
        if (s->grid == 0) {
            float f = fx_p(b, 0, i);
            if (f != s->cut) dc_coef(s, f);
            s->grid = FX_GRID;
        }
        s->grid--;
        x = b->l[i];
        yl = x - xl + s->R * yl;
        xl = x;
        b->l[i] = yl;
        x = b->r[i];
        yr = x - xr + s->R * yr;
        xr = x;
        b->r[i] = yr;
    }
    s->x1[0] = fx_finite(xl);
    s->x1[1] = fx_finite(xr);
    s->y1[0] = fx_zap(yl);
    s->y1[1] = fx_zap(yr);
}

const lt_fx_def lt_fx_dcblock = {
    "dcblock", "removes DC offset (a one-pole high-pass at a few Hz)", "dcblock{}",
    1, dc_params, LT_FX_NO_MIX, 1.0f, NULL,
    dc_size, dc_init, NULL, dc_reset, dc_process, NULL, NULL, NULL,
};

/* ------------------------------------------------------------------------- delay_samples / _ms */

#define ALIGN_FADE_S 0.010f
#define ALIGN_MAX_MS 1000.0f

typedef struct align_st {
    float   sr;
    int     ms;                  /* 1: the parameter is in milliseconds */
    int     init_d;
    fx_line ln[2];
    fx_xtap tap[2];
} align_st;

static const lt_fx_param dsamp_params[] = {
    { "samples", 0.0f, 48000.0f, 0.0f, "frames", 0, "delay in whole frames (crossfades 10 ms when it changes)" },
};
static const lt_fx_param dms_params[] = {
    { "ms", 0.0f, ALIGN_MAX_MS, 0.0f, "ms", 0, "delay in milliseconds, rounded to the frame" },
};

static int align_len(float sr)
{
    int n = (int)ceilf(ALIGN_MAX_MS * 0.001f * sr);
    return (n > 48000 ? n : 48000) + 4;
}

static size_t align_layout(align_st *s, float sr)
{
    fx_arena a = fx_arena_of(s, sizeof *s);
    int c, len = align_len(sr);
    for (c = 0; c < 2; c++) {
        float *buf = fx_take(&a, sizeof(float) * (size_t)len);
        if (s) s->ln[c].buf = buf, s->ln[c].len = len;
    }
    return fx_arena_size(sizeof *s, a.used);
}

static size_t align_size(float sr, const lt_fx_data *data) { (void)data; return align_layout(NULL, sr); }

static int align_frames(const align_st *s, float v)
{
    double d = s->ms ? v * 0.001 * s->sr : v;
    int n = (int)floor(d + 0.5);
    if (n < 0) n = 0;
    if (n > s->ln[0].len - 2) n = s->ln[0].len - 2;
    return n;
}

static void align_reset(void *st)
{
    align_st *s = st;
    int c;
    for (c = 0; c < 2; c++) {
        memset(s->ln[c].buf, 0, sizeof(float) * (size_t)s->ln[c].len);
        s->ln[c].w = 0;
        /* the tap reads `d + 1` writes back: the current sample is written before it is read */
        fx_xtap_init(&s->tap[c], s->init_d + 1, (int)(ALIGN_FADE_S * s->sr));
    }
}

static void align_init_common(void *st, float sr, const float *p, int ms)
{
    align_st *s = st;
    align_layout(s, sr);
    s->sr = sr;
    s->ms = ms;
    s->init_d = align_frames(s, p[0]);
    align_reset(st);
}

static void dsamp_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; align_init_common(st, sr, p, 0); }
static void dms_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; align_init_common(st, sr, p, 1); }

static void align_set(void *st, int k, float v)
{
    align_st *s = st;
    if (k != 0) return;
    fx_xtap_set(&s->tap[0], align_frames(s, v) + 1);
    fx_xtap_set(&s->tap[1], align_frames(s, v) + 1);
}

static void align_process(void *st, const lt_fx_block *b)
{
    align_st *s = st;
    int i;
    for (i = 0; i < b->n; i++) {
        fx_line_write(&s->ln[0], b->l[i]);
        fx_line_write(&s->ln[1], b->r[i]);
        b->l[i] = fx_xtap_read(&s->tap[0], &s->ln[0]);
        b->r[i] = fx_xtap_read(&s->tap[1], &s->ln[1]);
    }
}

static float align_tail(const void *st)
{
    const align_st *s = st;
    int d = s->tap[0].cur > s->tap[0].next ? s->tap[0].cur : s->tap[0].next;
    return (float)d / s->sr;
}

const lt_fx_def lt_fx_delay_samples = {
    "delay_samples", "delays by whole frames, for alignment (a deliberate delay: latency 0)",
    "delay_samples{ samples = 12 }",
    1, dsamp_params, LT_FX_NO_MIX, 1.0f, NULL,
    align_size, dsamp_init, align_set, align_reset, align_process, NULL, align_tail, NULL,
};

const lt_fx_def lt_fx_delay_ms = {
    "delay_ms", "delays by milliseconds (rounded to the frame), for alignment (latency 0)",
    "delay_ms{ ms = 0.25 }",
    1, dms_params, LT_FX_NO_MIX, 1.0f, NULL,
    align_size, dms_init, align_set, align_reset, align_process, NULL, align_tail, NULL,
};
