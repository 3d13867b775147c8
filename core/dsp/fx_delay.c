/* fx_delay.c — the echo delay: a stereo feedback delay with ping-pong and filtered repeats.
 *
 * Each channel is a delay line read at `time` (rounded to the frame: an exact delay) and fed with the
 * input plus the feedback.  The feedback passes a 2x2 mixing matrix [[1-p, p], [p, 1-p]] (p =
 * `pingpong`): at p = 1 the input enters the left line only and each repeat crosses to the other
 * side, at p = 0 the channels echo apart.  What enters a line first passes a trapezoidal (TPT)
 * one-pole high-pass at `lowcut` and low-pass at `highcut` (Zavalishin, "The Art of VA Filter
 * Design", ch. 3), so every repeat is filtered once more than the one before, as on a tape echo.
 * The matrix has norm <= 1 and the filters gain <= 1, so the loop gain is at most `feedback` < 1.
 *
 * `time` is a stepped parameter (the Lua side turns "3/16" into seconds at the current tempo): a
 * change crossfades from the old tap to the new one over 40 ms instead of jumping (a jump would
 * click) or gliding (which bends the pitch of everything in the line).  The other parameters glide.
 * Output is the wet signal only; the engine blends it with the dry one (`mix`).
 *
 * Block lengths do not change the output; written samples are flushed of denormals and NaN. */
#include "fx_common.h"

#define DELAY_MAX_S  4.0f
#define DELAY_FADE_S 0.040f

enum { P_TIME, P_FEEDBACK, P_PINGPONG, P_LOWCUT, P_HIGHCUT, NP };

static const lt_fx_param delay_params[NP] = {
    { "time", 0.001f, DELAY_MAX_S, 0.375f, "s", 0, "delay time (\"3/16\" is turned into seconds by the "
      "tempo); a change crossfades over 40 ms" },
    { "feedback", 0.0f, 0.98f, 0.4f, "", 1, "how much of each repeat comes back" },
    { "pingpong", 0.0f, 1.0f, 0.0f, "", 1, "0 stereo echoes, 1 repeats alternate left and right" },
    { "lowcut", 20.0f, 2000.0f, 20.0f, "Hz", 1, "6 dB/oct high-pass on every repeat" },
    { "highcut", 500.0f, 20000.0f, 8000.0f, "Hz", 1, "6 dB/oct low-pass on every repeat" },
};

typedef struct delay_st {
    float   sr;
    int     init_d;
    fx_line ln[2];
    fx_xtap tap[2];
    float   lo_hz, hi_hz;              /* the cutoffs designed for */
    fx_smooth lo_g, hi_g;              /* one-pole G = g / (1 + g), following the designs */
    float   sa;
    float   lo_s[2], hi_s[2];              /* filter states */
    int     grid;
    int     time_frames;                   /* the current target, for tail() */
    float   feedback;                      /* the last value seen, for tail() */
} delay_st;

static int delay_len(float sr) { return (int)ceilf(DELAY_MAX_S * sr) + 4; }

static size_t delay_layout(delay_st *s, float sr)
{
    fx_arena a = fx_arena_of(s, sizeof *s);
    int c, len = delay_len(sr);
    for (c = 0; c < 2; c++) {
        float *buf = fx_take(&a, sizeof(float) * (size_t)len);
        if (s) s->ln[c].buf = buf, s->ln[c].len = len;
    }
    return fx_arena_size(sizeof *s, a.used);
}

static size_t delay_size(float sr, const lt_fx_data *data) { (void)data; return delay_layout(NULL, sr); }

static int delay_frames(const delay_st *s, float sec)
{
    int n = (int)floor((double)sec * s->sr + 0.5);
    if (n < 1) n = 1;
    if (n > s->ln[0].len - 4) n = s->ln[0].len - 4;
    return n;
}

static float onepole_g(float hz, float sr)
{
    double g;
    if (hz > 0.45f * sr) hz = 0.45f * sr;
    g = tan(M_PI * hz / sr);
    return (float)(g / (1.0 + g));
}

static void delay_reset(void *st)
{
    delay_st *s = st;
    int c;
    for (c = 0; c < 2; c++) {
        memset(s->ln[c].buf, 0, sizeof(float) * (size_t)s->ln[c].len);
        s->ln[c].w = 0;
        fx_xtap_init(&s->tap[c], s->time_frames, (int)(DELAY_FADE_S * s->sr));
        s->lo_s[c] = s->hi_s[c] = 0;
    }
    s->grid = 0;
    fx_smooth_init(&s->lo_g, s->lo_g.tgt);
    fx_smooth_init(&s->hi_g, s->hi_g.tgt);
}

static void delay_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    delay_st *s = st;
    (void)data;
    delay_layout(s, sr);
    s->sr = sr;
    s->time_frames = delay_frames(s, p[P_TIME]);
    s->feedback = p[P_FEEDBACK];
    s->lo_hz = p[P_LOWCUT];
    s->hi_hz = p[P_HIGHCUT];
    s->lo_g.tgt = onepole_g(s->lo_hz, sr);
    s->hi_g.tgt = onepole_g(s->hi_hz, sr);
    s->sa = fx_smooth_coef(sr);
    delay_reset(st);
}

static void delay_set(void *st, int k, float v)
{
    delay_st *s = st;
    if (k != P_TIME) return;
    s->time_frames = delay_frames(s, v);
    fx_xtap_set(&s->tap[0], s->time_frames);
    fx_xtap_set(&s->tap[1], s->time_frames);
}

static void delay_process(void *st, const lt_fx_block *b)
{
    delay_st *s = st;
    float lo0 = s->lo_s[0], lo1 = s->lo_s[1], hi0 = s->hi_s[0], hi1 = s->hi_s[1];
    int i;
    for (i = 0; i < b->n; i++) {
        float fb = fx_p(b, P_FEEDBACK, i), pp = fx_p(b, P_PINGPONG, i);
        float dl, dr, wl, wr, v, lp, lg, hg;
        if (s->grid == 0) {
            float lo = fx_p(b, P_LOWCUT, i), hi = fx_p(b, P_HIGHCUT, i);
            if (lo != s->lo_hz) s->lo_hz = lo, s->lo_g.tgt = onepole_g(lo, s->sr);
            if (hi != s->hi_hz) s->hi_hz = hi, s->hi_g.tgt = onepole_g(hi, s->sr);
            s->grid = FX_GRID;
        }
        s->grid--;
        lg = fx_smooth_next(&s->lo_g, s->sa);
        hg = fx_smooth_next(&s->hi_g, s->sa);
        dl = fx_xtap_read(&s->tap[0], &s->ln[0]);
        dr = fx_xtap_read(&s->tap[1], &s->ln[1]);
        wl = (1.0f - pp) * b->l[i] + pp * 0.5f * (b->l[i] + b->r[i]) + fb * ((1.0f - pp) * dl + pp * dr);
        wr = (1.0f - pp) * b->r[i] + fb * ((1.0f - pp) * dr + pp * dl);
        /* low-pass then high-pass, TPT one-poles: v = (x - s) G, y = v + s, s' = y + v */
        v = (wl - hi0) * hg; lp = v + hi0; hi0 = lp + v; wl = lp;
        v = (wr - hi1) * hg; lp = v + hi1; hi1 = lp + v; wr = lp;
        v = (wl - lo0) * lg; lp = v + lo0; lo0 = lp + v; wl -= lp;
        v = (wr - lo1) * lg; lp = v + lo1; lo1 = lp + v; wr -= lp;
        fx_line_write(&s->ln[0], wl);
        fx_line_write(&s->ln[1], wr);
        b->l[i] = dl;
        b->r[i] = dr;
    }
    s->lo_s[0] = fx_zap(lo0);
    s->lo_s[1] = fx_zap(lo1);
    s->hi_s[0] = fx_zap(hi0);
    s->hi_s[1] = fx_zap(hi1);
    s->feedback = b->p[P_FEEDBACK] + b->dp[P_FEEDBACK] * (float)b->n;
}

static float delay_tail(const void *st)
{
    const delay_st *s = st;
    return fx_fb_tail((float)s->time_frames / s->sr, s->feedback, 60.0f);
}

const lt_fx_def lt_fx_delay = {
    "delay", "echo: stereo or ping-pong feedback delay with filtered repeats",
    "delay{ time = \"3/16\", feedback = 0.45, mix = 0.3 }",
    NP, delay_params, LT_FX_TAIL, 0.35f, NULL,
    delay_size, delay_init, delay_set, delay_reset, delay_process, NULL, delay_tail, NULL,
};
