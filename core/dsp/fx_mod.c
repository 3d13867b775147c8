/* fx_mod.c — the modulation effects: chorus, flanger, phaser, tremolo, autopan, ringmod.
 *
 * chorus / flanger: one modulated delay tap per channel (the bucket-brigade chorus of the Juno and
 * the tape flanger, in Dattorro's "Effect Design, Part 2: Delay-Line Modulation and Chorus", JAES
 * 1997).  The tap sweeps between `delay` and `delay + depth` milliseconds with a sine LFO, read with
 * 4-point Hermite interpolation; the right channel's LFO runs `spread` x 180 degrees behind the left
 * one.  `feedback` returns the tap into the line (the flanger's resonant comb).  `delay`, `depth` and
 * `spread` pass a 20 ms smoother on top of the engine's glide, like the inertia of a tape transport:
 * a glide that starts and stops abruptly would jump the pitch of everything in the line.
 * phaser: a chain of trapezoidal (TPT) first-order allpasses (Zavalishin, "The Art of VA Filter
 * Design", ch. 3; the Univibe/Small Stone structure) whose common corner sweeps `depth` octaves
 * around `freq` with the LFO; `stages` picks the chain length (the output tap crossfades over 20 ms
 * when it changes); the wet output is the allpass chain, so the notches appear when the engine mixes
 * it with the dry signal (mix 0.5 by default).
 * tremolo / autopan: gain and constant-power pan modulation by an LFO that morphs from a sine
 * (`shape` 0) to a soft square (`shape` 1).  ringmod: multiplication by a sine carrier.
 *
 * LFO phases run in double precision from the instance's start (phase 0), so a rate is exact over
 * hours; LFO-driven coefficients are recomputed on a fixed grid of FX_GRID frames counted from the
 * start, so the output does not depend on the block lengths; reset returns the phase to 0. */
#include "fx_common.h"

/* ============================================================================ chorus / flanger */

#define MD_MAX_MS 52.0f

enum { MD_RATE, MD_DEPTH, MD_DELAY, MD_SPREAD, MD_FEEDBACK, MD_NP };

static const lt_fx_param chorus_params[MD_NP] = {
    { "rate", 0.01f, 10.0f, 0.8f, "Hz", 1, "LFO rate" },
    { "depth", 0.0f, 10.0f, 4.0f, "ms", 1, "sweep width: the tap moves from delay to delay + depth" },
    { "delay", 1.0f, 40.0f, 7.0f, "ms", 1, "shortest delay of the sweep" },
    { "spread", 0.0f, 1.0f, 0.5f, "", 1, "right LFO behind the left by spread x 180 degrees" },
    { "feedback", -0.9f, 0.9f, 0.0f, "", 1, "tap fed back into the line" },
};

static const lt_fx_param flanger_params[MD_NP] = {
    { "rate", 0.01f, 10.0f, 0.25f, "Hz", 1, "LFO rate" },
    { "depth", 0.0f, 10.0f, 3.0f, "ms", 1, "sweep width: the tap moves from delay to delay + depth" },
    { "delay", 0.1f, 10.0f, 0.5f, "ms", 1, "shortest delay of the sweep" },
    { "spread", 0.0f, 1.0f, 0.25f, "", 1, "right LFO behind the left by spread x 180 degrees" },
    { "feedback", -0.95f, 0.95f, 0.6f, "", 1, "resonance of the comb (negative: odd harmonics)" },
};

#define MD_SMOOTH_S 0.020

typedef struct md_st {
    float   sr;
    double  phase;               /* LFO phase in cycles, [0, 1) */
    fx_smooth base, depth, off;  /* frames, frames, cycles */
    float   ma;                  /* their smoother coefficient */
    fx_line ln[2];
    float   y[2];                /* last tap output (feedback) */
    float   feedback, maxd;      /* for tail() */
} md_st;

static size_t md_layout(md_st *s, float sr)
{
    fx_arena a = fx_arena_of(s, sizeof *s);
    int c, len = (int)ceilf(MD_MAX_MS * 0.001f * sr) + 8;
    for (c = 0; c < 2; c++) {
        float *buf = fx_take(&a, sizeof(float) * (size_t)len);
        if (s) s->ln[c].buf = buf, s->ln[c].len = len;
    }
    return fx_arena_size(sizeof *s, a.used);
}

static size_t md_size(float sr, const lt_fx_data *data) { (void)data; return md_layout(NULL, sr); }

static void md_reset(void *st)
{
    md_st *s = st;
    int c;
    for (c = 0; c < 2; c++) {
        memset(s->ln[c].buf, 0, sizeof(float) * (size_t)s->ln[c].len);
        s->ln[c].w = 0;
        s->y[c] = 0;
    }
    s->phase = 0;
    fx_smooth_init(&s->base, s->base.tgt);
    fx_smooth_init(&s->depth, s->depth.tgt);
    fx_smooth_init(&s->off, s->off.tgt);
}

static void md_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    md_st *s = st;
    (void)data;
    md_layout(s, sr);
    s->sr = sr;
    s->ma = (float)(1.0 - exp(-1.0 / (MD_SMOOTH_S * sr)));
    s->base.tgt = p[MD_DELAY] * 0.001f * sr;
    s->depth.tgt = p[MD_DEPTH] * 0.001f * sr;
    s->off.tgt = 0.5f * p[MD_SPREAD];
    s->feedback = p[MD_FEEDBACK];
    s->maxd = (p[MD_DELAY] + p[MD_DEPTH]) * 0.001f;
    md_reset(st);
}

static void md_process(void *st, const lt_fx_block *b)
{
    md_st *s = st;
    const float ms = 0.001f * s->sr, dmax = (float)(s->ln[0].len - 4);
    double ph = s->phase;
    float y0 = s->y[0], y1 = s->y[1];
    int i;
    for (i = 0; i < b->n; i++) {
        float depth, base, off, fb = fx_p(b, MD_FEEDBACK, i);
        s->base.tgt = fx_p(b, MD_DELAY, i) * ms;
        s->depth.tgt = fx_p(b, MD_DEPTH, i) * ms;
        s->off.tgt = 0.5f * fx_p(b, MD_SPREAD, i);
        base = fx_smooth_next(&s->base, s->ma);
        depth = fx_smooth_next(&s->depth, s->ma);
        off = fx_smooth_next(&s->off, s->ma);
        float dl = base + depth * (0.5f + 0.5f * fx_sin2pi((float)ph));
        float dr = base + depth * (0.5f + 0.5f * fx_sin2pi((float)ph - off));
        dl = fminf(fmaxf(dl, 2.0f), dmax);
        dr = fminf(fmaxf(dr, 2.0f), dmax);
        y0 = fx_line_read(&s->ln[0], dl);
        y1 = fx_line_read(&s->ln[1], dr);
        fx_line_write(&s->ln[0], b->l[i] + fb * y0);
        fx_line_write(&s->ln[1], b->r[i] + fb * y1);
        b->l[i] = y0;
        b->r[i] = y1;
        ph += fx_p(b, MD_RATE, i) / s->sr;
        if (ph >= 1.0) ph -= 1.0;
    }
    s->phase = ph;
    s->y[0] = fx_zap(y0);
    s->y[1] = fx_zap(y1);
    s->feedback = b->p[MD_FEEDBACK];
    s->maxd = (b->p[MD_DELAY] + b->p[MD_DEPTH]) * 0.001f;
}

static float md_tail(const void *st)
{
    const md_st *s = st;
    return fx_fb_tail(s->maxd, s->feedback, 10.0f);
}

const lt_fx_def lt_fx_chorus = {
    "chorus", "chorus: a delay tap swept by a sine LFO per channel (Juno-style stereo)",
    "chorus{ rate = 0.8, depth = 4, mix = 0.5 }",
    MD_NP, chorus_params, LT_FX_TAIL, 0.5f, NULL,
    md_size, md_init, NULL, md_reset, md_process, NULL, md_tail, NULL,
};

const lt_fx_def lt_fx_flanger = {
    "flanger", "flanger: a short swept delay with feedback (a moving resonant comb)",
    "flanger{ rate = 0.2, feedback = 0.7, mix = 0.5 }",
    MD_NP, flanger_params, LT_FX_TAIL, 0.5f, NULL,
    md_size, md_init, NULL, md_reset, md_process, NULL, md_tail, NULL,
};

/* ===================================================================================== phaser */

#define PH_MAX 12
#define PH_FADE_S 0.020f

enum { PH_RATE, PH_DEPTH, PH_FREQ, PH_FEEDBACK, PH_STAGES, PH_SPREAD, PH_NP };

static const lt_fx_param phaser_params[PH_NP] = {
    { "rate", 0.01f, 10.0f, 0.4f, "Hz", 1, "LFO rate" },
    { "depth", 0.0f, 6.0f, 3.0f, "oct", 1, "sweep width in octaves around freq" },
    { "freq", 50.0f, 5000.0f, 700.0f, "Hz", 1, "centre of the sweep (the allpasses' corner)" },
    { "feedback", -0.95f, 0.95f, 0.3f, "", 1, "output fed back into the chain (sharper notches)" },
    { "stages", 1.0f, 12.0f, 4.0f, "", 0, "first-order allpasses in the chain (2 per notch)" },
    { "spread", 0.0f, 1.0f, 0.25f, "", 1, "right LFO behind the left by spread x 180 degrees" },
};

typedef struct phaser_st {
    float  sr;
    double phase;
    float  G[2];                 /* one-pole G = g / (1 + g) per channel */
    float  z[2][PH_MAX];         /* allpass states: all stages always run, so any tap is warm */
    float  y[2];                 /* last output, for the feedback */
    int    stages, next, pending;/* output tap, the tap being faded to, a change waiting (-1: none) */
    int    fpos, fade;           /* frames into the fade (0: steady), fade length */
    int    grid;
} phaser_st;

static size_t phaser_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(phaser_st); }

static int phaser_stages(float v)
{
    int n = (int)floorf(v + 0.5f);
    return n < 1 ? 1 : n > PH_MAX ? PH_MAX : n;
}

static void phaser_reset(void *st)
{
    phaser_st *s = st;
    memset(s->z, 0, sizeof s->z);
    s->y[0] = s->y[1] = 0;
    s->phase = 0;
    s->grid = 0;
    if (s->pending >= 0) s->next = s->pending;
    s->stages = s->next;
    s->pending = -1;
    s->fpos = 0;
}

static void phaser_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    phaser_st *s = st;
    (void)data;
    s->sr = sr;
    s->stages = s->next = phaser_stages(p[PH_STAGES]);
    s->pending = -1;
    s->fade = (int)(PH_FADE_S * sr);
    phaser_reset(st);
}

/* A change of `stages` waits for a fade in progress (retargeting it would jump). */
static void phaser_set(void *st, int k, float v)
{
    phaser_st *s = st;
    if (k == PH_STAGES) s->pending = phaser_stages(v);
}

static float phaser_G(float hz, float sr)
{
    double g;
    if (hz < 10.0f) hz = 10.0f;
    if (hz > 0.45f * sr) hz = 0.45f * sr;
    g = tan(M_PI * hz / sr);
    return (float)(g / (1.0 + g));
}

static void phaser_process(void *st, const lt_fx_block *b)
{
    phaser_st *s = st;
    float *x[2] = { b->l, b->r };
    double ph = s->phase;
    int i, c, k;
    for (i = 0; i < b->n; i++) {
        float fb = fx_p(b, PH_FEEDBACK, i);
        if (s->grid == 0) {
            float f = fx_p(b, PH_FREQ, i), d = 0.5f * fx_p(b, PH_DEPTH, i), off = 0.5f * fx_p(b, PH_SPREAD, i);
            s->G[0] = phaser_G(f * exp2f(d * fx_sin2pi((float)ph)), s->sr);
            s->G[1] = phaser_G(f * exp2f(d * fx_sin2pi((float)ph - off)), s->sr);
            s->grid = FX_GRID;
            if (s->fpos == 0 && s->pending >= 0) {
                s->next = s->pending;
                s->pending = -1;
                if (s->next != s->stages) s->fpos = 1;
            }
        }
        s->grid--;
        for (c = 0; c < 2; c++) {
            float v = x[c][i] + fb * s->y[c], G = s->G[c], a = 0, to = 0;
            float *z = s->z[c];
            for (k = 0; k < PH_MAX; k++) {
                /* TPT one-pole low-pass; allpass = 2 lp - x */
                float u = (v - z[k]) * G, lp = u + z[k];
                z[k] = lp + u;
                v = 2.0f * lp - v;
                if (k + 1 == s->stages) a = v;
                if (k + 1 == s->next) to = v;
            }
            if (s->fpos) a += fx_xfade_w(s->fpos, s->fade) * (to - a);
            s->y[c] = a;
            x[c][i] = a;
        }
        if (s->fpos && ++s->fpos > s->fade) {
            s->fpos = 0;
            s->stages = s->next;
        }
        ph += fx_p(b, PH_RATE, i) / s->sr;
        if (ph >= 1.0) ph -= 1.0;
    }
    s->phase = ph;
    for (c = 0; c < 2; c++) {
        s->y[c] = fx_zap(s->y[c]);
        for (k = 0; k < PH_MAX; k++) s->z[c][k] = fx_zap(s->z[c][k]);
    }
}

static float phaser_tail(const void *st) { (void)st; return 0.2f; }

const lt_fx_def lt_fx_phaser = {
    "phaser", "phaser: swept allpass chain with feedback; notches appear mixed with the dry signal",
    "phaser{ rate = 0.3, stages = 6, feedback = 0.5 }",
    PH_NP, phaser_params, LT_FX_TAIL, 0.5f, NULL,
    phaser_size, phaser_init, phaser_set, phaser_reset, phaser_process, NULL, phaser_tail, NULL,
};

/* =========================================================================== tremolo / autopan */

enum { AM_RATE, AM_DEPTH, AM_SHAPE, AM_SPREAD, AM_NP };

static const lt_fx_param tremolo_params[AM_NP] = {
    { "rate", 0.01f, 20.0f, 5.0f, "Hz", 1, "LFO rate" },
    { "depth", 0.0f, 1.0f, 0.5f, "", 1, "gain swings between 1 - depth and 1" },
    { "shape", 0.0f, 1.0f, 0.0f, "", 1, "0 sine, 1 soft square" },
    { "spread", 0.0f, 1.0f, 0.0f, "", 1, "right LFO behind the left by spread x 180 degrees" },
};

static const lt_fx_param autopan_params[AM_SPREAD] = {
    { "rate", 0.01f, 20.0f, 0.5f, "Hz", 1, "LFO rate" },
    { "depth", 0.0f, 1.0f, 1.0f, "", 1, "how far the pan swings (1: hard left to hard right)" },
    { "shape", 0.0f, 1.0f, 0.0f, "", 1, "0 sine, 1 soft square" },
};

typedef struct am_st {
    float  sr;
    double phase;
    fx_smooth off;               /* right channel's phase lag (cycles), smoothed over 20 ms per grid */
    float  oa;
    float  w0[2], w1[2];         /* LFO waveform at this grid point and the next, per channel */
    int    grid;                 /* frames into the grid segment; 0: compute a new segment */
    int    pan;                  /* 1: autopan */
} am_st;

static size_t am_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(am_st); }

static void am_reset(void *st)
{
    am_st *s = st;
    s->phase = 0;
    s->grid = 0;
    fx_smooth_init(&s->off, s->off.tgt);
}

static void am_init_common(void *st, float sr, const float *p, int pan)
{
    am_st *s = st;
    s->sr = sr;
    s->pan = pan;
    s->off.tgt = pan ? 0.0f : 0.5f * p[AM_SPREAD];
    s->oa = (float)(1.0 - exp(-FX_GRID / (0.020 * sr)));
    am_reset(st);
}

static void trem_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; am_init_common(st, sr, p, 0); }
static void pan_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)d; am_init_common(st, sr, p, 1); }

/* The LFO waveform in [-1, 1]: a sine morphing into a soft square, tanh(6 sin) / tanh(6), whose
 * edges still take a few milliseconds at 20 Hz (no click). */
static float am_wave(double ph, float shape)
{
    float sn = fx_sin2pi((float)ph);
    if (shape <= 0.0f) return sn;
    return sn + shape * (tanhf(6.0f * sn) * 1.0000123f - sn);
}

static void am_process(void *st, const lt_fx_block *b)
{
    am_st *s = st;
    int i;
    for (i = 0; i < b->n; i++) {
        float depth = fx_p(b, AM_DEPTH, i), w, gl, gr;
        if (s->grid == 0) {
            float shape = fx_p(b, AM_SHAPE, i), off;
            if (!s->pan) s->off.tgt = 0.5f * fx_p(b, AM_SPREAD, i);
            off = fx_smooth_next(&s->off, s->oa);
            double next = s->phase + FX_GRID * (double)fx_p(b, AM_RATE, i) / s->sr;
            s->w0[0] = am_wave(s->phase, shape);
            s->w1[0] = am_wave(next, shape);
            s->w0[1] = am_wave(s->phase - off, shape);
            s->w1[1] = am_wave(next - off, shape);
            s->phase = next - floor(next);
        }
        w = (float)s->grid * (1.0f / FX_GRID);
        if (!s->pan) {
            float wl = s->w0[0] + w * (s->w1[0] - s->w0[0]), wr = s->w0[1] + w * (s->w1[1] - s->w0[1]);
            gl = 1.0f - depth * (0.5f - 0.5f * wl);
            gr = 1.0f - depth * (0.5f - 0.5f * wr);
        } else {
            /* constant power: position pos in [-1, 1] -> angle (pos + 1) pi / 4, unity at the centre */
            float pos = depth * (s->w0[0] + w * (s->w1[0] - s->w0[0]));
            float a = 0.125f * (pos + 1.0f);                   /* cycles: 0 .. 0.25 */
            gl = 1.41421356f * fx_sin2pi(a + 0.25f);
            gr = 1.41421356f * fx_sin2pi(a);
        }
        b->l[i] *= gl;
        b->r[i] *= gr;
        if (++s->grid == FX_GRID) s->grid = 0;
    }
}

const lt_fx_def lt_fx_tremolo = {
    "tremolo", "tremolo: gain modulation by an LFO (sine to soft square, stereo spread)",
    "tremolo{ rate = 6, depth = 0.6 }",
    AM_NP, tremolo_params, 0, 1.0f, NULL,
    am_size, trem_init, NULL, am_reset, am_process, NULL, NULL, NULL,
};

const lt_fx_def lt_fx_autopan = {
    "autopan", "autopan: constant-power pan swept by an LFO",
    "autopan{ rate = 0.25, depth = 0.8 }",
    AM_SPREAD, autopan_params, 0, 1.0f, NULL,
    am_size, pan_init, NULL, am_reset, am_process, NULL, NULL, NULL,
};

/* ==================================================================================== ringmod */

static const lt_fx_param ringmod_params[] = {
    { "freq", 1.0f, 5000.0f, 440.0f, "Hz", 1, "carrier frequency (a sine)" },
};

typedef struct ring_st {
    float  sr;
    double phase;
} ring_st;

static size_t ring_size(float sr, const lt_fx_data *data) { (void)sr; (void)data; return sizeof(ring_st); }
static void ring_reset(void *st) { ((ring_st *)st)->phase = 0; }

static void ring_init(void *st, float sr, const float *p, const lt_fx_data *data)
{
    ring_st *s = st;
    (void)p; (void)data;
    s->sr = sr;
    ring_reset(st);
}

static void ring_process(void *st, const lt_fx_block *b)
{
    ring_st *s = st;
    double ph = s->phase;
    int i;
    for (i = 0; i < b->n; i++) {
        float c = fx_sin2pi((float)ph);
        b->l[i] *= c;
        b->r[i] *= c;
        ph += fx_p(b, 0, i) / s->sr;
        if (ph >= 1.0) ph -= 1.0;
    }
    s->phase = ph;
}

const lt_fx_def lt_fx_ringmod = {
    "ringmod", "ring modulation: the signal times a sine carrier (sum and difference tones)",
    "ringmod{ freq = 300, mix = 0.5 }",
    1, ringmod_params, 0, 1.0f, NULL,
    ring_size, ring_init, NULL, ring_reset, ring_process, NULL, NULL, NULL,
};
