/* fx_reverb.c — the algorithmic reverb: a 16-line feedback delay network.
 *
 * After Jot & Chaigne, "Digital delay networks for designing artificial reverberators" (AES 1991):
 * sixteen delay lines of mutually unrelated lengths (28.7 to 84.7 ms, scaled by `size` from 0.25x to
 * 1.5x) mixed by a 16x16 Hadamard matrix (orthogonal, so the mixing neither adds nor loses energy,
 * computed as four stages of butterflies), each line followed by Jot's absorbent filter — a one-pole
 * low-pass whose DC gain is 10^(-3 L / (sr T60)) for its length L, so that every mode decays by 60 dB
 * in `decay` seconds, and whose Nyquist gain gives the high frequencies the shorter decay
 * T60 (1 - 0.95 damping).  In front: a predelay (a crossfading tap, so a change does not click) and
 * four Schroeder allpasses per channel of input diffusion (the lengths and gains of Dattorro's plate,
 * "Effect Design, Part 1", JAES 1997) that thicken the onset without touching the decay.  The left
 * and right outputs read the lines through two orthogonal sign patterns, and a 5 Hz DC blocker.
 *
 * `size` glides through a 100 ms smoother of its own on top of the engine's glide (the lines' lengths
 * are whole frames when steady; while they move they are read at fractional lengths with linear
 * interpolation, sample by sample, so a change bends the
 * pitch of the tail, like a tape, instead of clicking; without the extra inertia a fast size change
 * would be a zip); the absorbent filters follow it on the control grid; `decay` and `damping` glide
 * with the engine.  Every sample written into
 * a line is flushed of denormals and NaN; once the input has been silent long enough for everything in
 * the lines to have fallen below 1e-10, the state is cleared and silent blocks cost nothing until a
 * non-zero input comes.  Block lengths do not change the output. */
#include "fx_common.h"

#define NL 16
#define PRE_MAX_S 0.5f
#define PRE_FADE_S 0.030f
#define SIZE_MIN 0.25f
#define SIZE_SPAN 1.25f
#define QUIET 1e-10f
#define SIZE_SMOOTH_S 0.100

enum { R_SIZE, R_DECAY, R_DAMPING, R_PREDELAY, R_NP };

static const lt_fx_param reverb_params[R_NP] = {
    { "size", 0.0f, 1.0f, 0.7f, "", 1, "room size: scales the delay lines from 0.25x (a room) to 1.5x (a hall)" },
    { "decay", 0.1f, 30.0f, 2.0f, "s", 1, "RT60: time for the tail to fall by 60 dB" },
    { "damping", 0.0f, 1.0f, 0.5f, "", 1, "high frequencies decay faster: RT60 at Nyquist x (1 - 0.95 damping)" },
    { "predelay", 0.0f, PRE_MAX_S, 0.02f, "s", 0, "delay before the reverb starts (crossfades when it changes)" },
};

static const float line_ms[NL] = {
    28.7f, 31.3f, 34.1f, 36.9f, 39.7f, 42.8f, 46.1f, 49.3f, 53.0f, 56.9f, 60.7f, 64.9f, 69.4f, 74.2f, 79.3f, 84.7f,
};
static const float diff_ms[2][4] = { { 4.771f, 3.595f, 12.73f, 9.307f }, { 4.981f, 3.389f, 13.13f, 8.977f } };
static const float diff_g[4] = { 0.75f, 0.75f, 0.625f, 0.625f };

typedef struct reverb_st {
    float   sr;
    fx_line line[NL];
    fx_line pre[2];
    fx_xtap pretap[2];
    fx_line diff[2][4];
    float   len[NL], dlen[NL];       /* current line lengths (frames, fractional), per-frame change */
    float   size_s, size_a;          /* the size in use (smoothed) and its smoother per grid step */
    float   designed;                /* the size the lengths head for */
    int     moving;                  /* lengths still ramping */
    float   g[NL], b[NL];            /* absorbent filters: y = g (1 - b) x + b y */
    float   dg[NL], db[NL];          /* their per-frame change across a grid segment (no zipper) */
    float   z[NL];                   /* their states */
    float   dcx[2], dcy[2], dcR;
    float   size, decay, damping;    /* what the lengths and filters were computed for */
    float   out_gain;
    int     grid, quiet, quiet_need, silent;
    int     init_pre;
} reverb_st;

static int line_cap(float sr) { return (int)ceilf(84.7f * 0.001f * sr * (SIZE_MIN + SIZE_SPAN)) + 4; }

static size_t reverb_layout(reverb_st *s, float sr)
{
    fx_arena a = fx_arena_of(s, sizeof *s);
    int i, c, cap = line_cap(sr), pre = (int)ceilf(PRE_MAX_S * sr) + 4;
    for (i = 0; i < NL; i++) {
        float *buf = fx_take(&a, sizeof(float) * (size_t)cap);
        if (s) s->line[i].buf = buf, s->line[i].len = cap;
    }
    for (c = 0; c < 2; c++) {
        float *buf = fx_take(&a, sizeof(float) * (size_t)pre);
        if (s) s->pre[c].buf = buf, s->pre[c].len = pre;
        for (i = 0; i < 4; i++) {
            int n = (int)floorf(diff_ms[c][i] * 0.001f * sr + 0.5f);
            float *d = fx_take(&a, sizeof(float) * (size_t)n);
            if (s) s->diff[c][i].buf = d, s->diff[c][i].len = n;
        }
    }
    return fx_arena_size(sizeof *s, a.used);
}

static size_t reverb_size(float sr, const lt_fx_data *data) { (void)data; return reverb_layout(NULL, sr); }

/* Line lengths for a size (reached linearly over the next grid segment, or at once when `snap`), and
 * the absorbent filters for those lengths, decay and damping. */
static void reverb_design(reverb_st *s, float size, float decay, float damping, int snap)
{
    float scale = SIZE_MIN + SIZE_SPAN * fminf(fmaxf(size, 0.0f), 1.0f);
    float t60 = fmaxf(decay, 0.01f), thf = t60 * (1.0f - 0.95f * fminf(fmaxf(damping, 0.0f), 1.0f));
    int i;
    for (i = 0; i < NL; i++) {
        /* whole frames: a steady line is an exact delay (a fractional read would low-pass every pass
         * through the loop and shorten the decay of the highs); only a moving one interpolates */
        double L = floor(line_ms[i] * 0.001 * s->sr * scale + 0.5);
        double g = pow(10.0, -3.0 * L / (s->sr * t60)), ghf = pow(10.0, -3.0 * L / (s->sr * thf));
        double r = ghf / g;                  /* Nyquist gain relative to DC: (1 - b) / (1 + b) */
        if (snap || fabsf((float)L - s->len[i]) < 1e-4f) s->len[i] = (float)L, s->dlen[i] = 0;
        else s->dlen[i] = ((float)L - s->len[i]) * (1.0f / FX_GRID);
        if (snap || (fabsf((float)g - s->g[i]) < 2e-7f && fabsf((float)((1 - r) / (1 + r)) - s->b[i]) < 2e-7f)) {
            s->g[i] = (float)g;
            s->b[i] = (float)((1 - r) / (1 + r));
            s->dg[i] = s->db[i] = 0;
        } else {
            s->dg[i] = ((float)g - s->g[i]) * (1.0f / FX_GRID);
            s->db[i] = ((float)((1 - r) / (1 + r)) - s->b[i]) * (1.0f / FX_GRID);
        }
    }
    s->decay = decay;
    s->damping = damping;
    s->designed = size;
    s->moving = 0;
    for (i = 0; i < NL; i++) s->moving |= s->dlen[i] != 0.0f || s->dg[i] != 0.0f || s->db[i] != 0.0f;
}

static void reverb_clear(reverb_st *s)
{
    int i, c;
    for (i = 0; i < NL; i++) {
        memset(s->line[i].buf, 0, sizeof(float) * (size_t)s->line[i].len);
        s->line[i].w = 0;
        s->z[i] = 0;
    }
    for (c = 0; c < 2; c++) {
        memset(s->pre[c].buf, 0, sizeof(float) * (size_t)s->pre[c].len);
        for (i = 0; i < 4; i++) memset(s->diff[c][i].buf, 0, sizeof(float) * (size_t)s->diff[c][i].len);
        s->dcx[c] = s->dcy[c] = 0;
    }
}

static void reverb_reset(void *st)
{
    reverb_st *s = st;
    int i, c;
    reverb_clear(s);
    for (c = 0; c < 2; c++) {
        s->pre[c].w = 0;
        for (i = 0; i < 4; i++) s->diff[c][i].w = 0;
        if (s->pretap[c].pending >= 0) s->init_pre = s->pretap[c].pending;
        else if (s->pretap[c].pos) s->init_pre = s->pretap[c].next;
        else s->init_pre = s->pretap[c].cur;
    }
    for (c = 0; c < 2; c++) fx_xtap_init(&s->pretap[c], s->init_pre, (int)(PRE_FADE_S * s->sr));
    s->grid = 0;
    s->quiet = 0;
    s->silent = 0;
    s->size_s = s->size;
    reverb_design(s, s->size_s, s->decay, s->damping, 1);
}

static int pre_frames(const reverb_st *s, float sec)
{
    int n = (int)floorf(sec * s->sr + 0.5f) + 1;      /* the tap reads after the write: 1 = no delay */
    return n < 1 ? 1 : n > s->pre[0].len - 2 ? s->pre[0].len - 2 : n;
}

static void reverb_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    reverb_st *s = st;
    int i, c, longest = 0;
    (void)data;
    reverb_layout(s, sr);
    s->sr = sr;
    s->size = s->size_s = p[R_SIZE];
    s->size_a = (float)(1.0 - exp(-FX_GRID / (SIZE_SMOOTH_S * sr)));
    reverb_design(s, p[R_SIZE], p[R_DECAY], p[R_DAMPING], 1);
    {
        double cw = cos(2 * M_PI * 5.0 / sr);
        s->dcR = (float)(cw - sqrt((1 - cw) * (3 - cw)));
    }
    /* an impulse of energy 1 leaves a tail of energy about 1 per channel at the default decay */
    s->out_gain = 2.3f;
    for (i = 0; i < NL; i++) longest = s->line[i].len > longest ? s->line[i].len : longest;
    s->quiet_need = s->pre[0].len + longest;
    for (c = 0; c < 2; c++)
        for (i = 0; i < 4; i++) s->quiet_need += s->diff[c][i].len;
    s->init_pre = pre_frames(s, p[R_PREDELAY]);
    for (c = 0; c < 2; c++) s->pretap[c].pending = -1, s->pretap[c].pos = 0, s->pretap[c].cur = s->init_pre;
    reverb_reset(st);
}

static void reverb_set(void *st, int k, float v)
{
    reverb_st *s = st;
    if (k != R_PREDELAY) return;
    fx_xtap_set(&s->pretap[0], pre_frames(s, v));
    fx_xtap_set(&s->pretap[1], pre_frames(s, v));
}

/* Linear-interpolated read `d` frames back (d >= 1), before this frame's write. */
static inline float line_read(const fx_line *ln, float d)
{
    int di = (int)d;
    float f = d - (float)di;
    return fx_line_tap(ln, di) + f * (fx_line_tap(ln, di + 1) - fx_line_tap(ln, di));
}

/* A Schroeder allpass on a line: v = x + g d, y = d - g v, where d is the line's output. */
static inline float allpass(fx_line *ln, float g, float x)
{
    float d = fx_line_tap(ln, ln->len), v = x + g * d;
    fx_line_write(ln, v);
    return d - g * v;
}

static void fwht16(float *x)
{
    int h, i, j;
    for (h = 1; h < NL; h <<= 1)
        for (i = 0; i < NL; i += h << 1)
            for (j = i; j < i + h; j++) {
                float a = x[j], b = x[j + h];
                x[j] = a + b;
                x[j + h] = a - b;
            }
    for (i = 0; i < NL; i++) x[i] *= 0.25f;
}

static void reverb_process(void *st, const lt_fx_block *blk)
{
    reverb_st *s = st;
    int i, k, c;
    if (s->silent) {
        int any = 0;
        for (i = 0; i < blk->n; i++) any |= blk->l[i] != 0.0f || blk->r[i] != 0.0f;
        if (!any) {
            /* the state is all zeros: processing would give exactly zeros; only the clocks move */
            memset(blk->l, 0, sizeof(float) * (size_t)blk->n);
            memset(blk->r, 0, sizeof(float) * (size_t)blk->n);
            s->grid = (s->grid - blk->n % FX_GRID + FX_GRID) % FX_GRID;
            for (i = 0; i < blk->n; i++) fx_xtap_advance(&s->pretap[0]), fx_xtap_advance(&s->pretap[1]);
            return;
        }
        s->silent = 0;
        s->quiet = 0;
    }
    for (i = 0; i < blk->n; i++) {
        float x[NL], in[2], u[2], yl = 0, yr = 0, peak = 0;
        if (s->grid == 0) {
            float sz = fx_p(blk, R_SIZE, i), dc = fx_p(blk, R_DECAY, i), dm = fx_p(blk, R_DAMPING, i);
            s->size = sz;
            if (sz != s->size_s) {
                s->size_s += s->size_a * (sz - s->size_s);
                if (fabsf(sz - s->size_s) < 1e-6f) s->size_s = sz;
            }
            if (s->moving || s->size_s != s->designed || dc != s->decay || dm != s->damping)
                reverb_design(s, s->size_s, dc, dm, 0);
            s->grid = FX_GRID;
        }
        s->grid--;
        in[0] = fx_finite(blk->l[i]);
        in[1] = fx_finite(blk->r[i]);
        for (c = 0; c < 2; c++) {
            float v;
            fx_line_write(&s->pre[c], in[c]);
            v = fx_xtap_read(&s->pretap[c], &s->pre[c]);
            for (k = 0; k < 4; k++) v = allpass(&s->diff[c][k], diff_g[k], v);
            u[c] = v * 0.35355339f;                      /* 1 / sqrt 8: each channel feeds 8 lines */
        }
        for (k = 0; k < NL; k++) {
            float d = line_read(&s->line[k], s->len[k]);
            s->len[k] += s->dlen[k];
            s->g[k] += s->dg[k];
            s->b[k] += s->db[k];
            s->z[k] = s->g[k] * (1.0f - s->b[k]) * d + s->b[k] * s->z[k];
            x[k] = s->z[k];
        }
        /* outputs: two orthogonal sign patterns over the lines (Hadamard rows 1 and 2) */
        for (k = 0; k < NL; k++) {
            yl += (k & 1) ? -x[k] : x[k];
            yr += (k & 2) ? -x[k] : x[k];
        }
        fwht16(x);
        for (k = 0; k < NL; k++) {
            float w = x[k] + u[k & 1];
            fx_line_write(&s->line[k], w);
            peak = fmaxf(peak, fabsf(w));
        }
        yl *= 0.25f * s->out_gain;
        yr *= 0.25f * s->out_gain;
        {
            float o = yl - s->dcx[0] + s->dcR * s->dcy[0];
            s->dcx[0] = yl;
            s->dcy[0] = o;
            blk->l[i] = o;
            o = yr - s->dcx[1] + s->dcR * s->dcy[1];
            s->dcx[1] = yr;
            s->dcy[1] = o;
            blk->r[i] = o;
        }
        if (in[0] == 0.0f && in[1] == 0.0f && peak < QUIET) {
            if (++s->quiet >= s->quiet_need) {
                /* everything in the lines is below -200 dB: clear it, and rest until the input moves */
                reverb_clear(s);
                s->silent = 1;
            }
        } else s->quiet = 0;
    }
    for (k = 0; k < NL; k++) s->z[k] = fx_zap(s->z[k]);
    for (c = 0; c < 2; c++) s->dcx[c] = fx_zap(s->dcx[c]), s->dcy[c] = fx_zap(s->dcy[c]);
}

static float reverb_tail(const void *st)
{
    const reverb_st *s = st;
    return 1.5f * s->decay + PRE_MAX_S;
}

const lt_fx_def lt_fx_reverb = {
    "reverb", "algorithmic reverb: a 16-line feedback delay network (size, decay RT60, damping, predelay)",
    "reverb{ size = 0.8, decay = 2.5, mix = 0.25 }",
    R_NP, reverb_params, LT_FX_TAIL, 0.3f, NULL,
    reverb_size, reverb_init, reverb_set, reverb_reset, reverb_process, NULL, reverb_tail, NULL,
};
