/* fx_common.h — small pieces every mix-side processor (graph/fx.h) shares: flushing feedback state,
 * decibels, one-pole time constants, a fixed control grid, the LFO, interpolated delay-line reads, a
 * delay tap that crossfades when its length steps, and the layout of an instance's memory.
 *
 * Private to core/dsp/fx_*.c: everything here is static inline, nothing is exported.
 * Thread: any.  RT-safe: yes (no allocation; the layout helpers only compute addresses). */
#ifndef LT_DSP_FX_COMMON_H
#define LT_DSP_FX_COMMON_H
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "graph/fx.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Pd's PD_BIGORSMALL / SuperCollider's zapgremlins, as in svf.c: a decaying state becomes denormal
 * (and slow) long after it is inaudible, and a NaN or infinity would poison a feedback loop forever;
 * both become 0.  Applied once per block to filter states and on every write into a feedback line. */
static inline float fx_zap(float x)
{
    float a = fabsf(x);
    return (a > 1e-15f && a < 1e15f) ? x : 0.0f;
}

/* A sample that is not finite becomes 0 (input guard for units that square or divide). */
static inline float fx_finite(float x)
{
    return isfinite(x) ? x : 0.0f;
}

static inline float fx_db2lin(float db) { return expf(db * 0.115129254649702f); }
static inline float fx_lin2db(float x) { return 8.68588963806504f * logf(x > 1e-30f ? x : 1e-30f); }

/* The value of parameter k at frame i of the block (fx.h: p + dp * i). */
static inline float fx_p(const lt_fx_block *b, int k, int i) { return b->p[k] + b->dp[k] * (float)i; }
/* Whether parameter k moves during this block. */
static inline int fx_moving(const lt_fx_block *b, int k) { return b->dp[k] != 0.0f; }

/* The coefficient of a one-pole smoother y += (1 - a) (x - y) that reaches 1 - 1/e of a step in `ms`
 * milliseconds: the definition of a time constant the dynamics tests measure. */
static inline float fx_tc(double ms, double sr)
{
    double n = ms * 0.001 * sr;
    return n > 1e-9 ? (float)exp(-1.0 / n) : 0.0f;
}

/* A fixed control grid: units that recompute coefficients from a moving value (an LFO, an envelope,
 * a ramped parameter) do it every FX_GRID frames counted from the instance's start, not per block, so
 * the output does not depend on how the engine splits a quantum. */
#define FX_GRID 8

/* A coefficient that follows its design without stepping or kinking: designs are made on the control
 * grid (a staircase every FX_GRID frames), and the coefficient a filter runs with follows them through
 * a one-pole smoother of FX_SMOOTH_MS, sample by sample.  Stepping coefficients buzzes (zipper noise);
 * following a linear glide exactly would still turn its corners into kinks that a resonant filter
 * makes audible.  Once within 1e-6 of its target it snaps to it, so a steady coefficient is exactly
 * the design and a unit can tell it is steady (v == tgt). */
#define FX_SMOOTH_MS 2.0

typedef struct fx_smooth {
    float v, tgt;
} fx_smooth;

static inline void fx_smooth_init(fx_smooth *s, float v) { s->v = s->tgt = v; }

/* a = fx_smooth_coef(sr): the per-sample step fraction. */
static inline float fx_smooth_coef(double sr) { return (float)(1.0 - exp(-1.0 / (FX_SMOOTH_MS * 0.001 * sr))); }

static inline float fx_smooth_next(fx_smooth *s, float a)
{
    float d = s->tgt - s->v;
    if (d == 0.0f) return s->v;
    if (fabsf(d) <= 1e-6f * fabsf(s->tgt) + 1e-20f) s->v = s->tgt;
    else s->v += a * d;
    return s->v;
}

/* Sine of 2*pi*ph for ph in [0, 1): a 9th-order odd Taylor polynomial on a quarter wave, error < 4e-6,
 * cheaper than sinf and the same on every machine (plain multiplies and adds). */
static inline float fx_sin2pi(float ph)
{
    float x = ph - floorf(ph);                       /* [0, 1) */
    float s = 1.0f;
    if (x >= 0.5f) { x -= 0.5f; s = -1.0f; }         /* [0, 0.5) */
    if (x > 0.25f) x = 0.5f - x;                     /* [0, 0.25] */
    {
        float t = x * 6.28318530717959f, t2 = t * t;
        return s * t * (1.0f + t2 * (-1.6666667e-1f + t2 * (8.3333333e-3f + t2 * (-1.98412698e-4f
               + t2 * 2.7557319e-6f))));
    }
}

/* 4-point, 3rd-order Hermite interpolation between x1 and x2 at fraction f (Catmull-Rom): exact at
 * integer delays, smooth under modulation. */
static inline float fx_hermite(float xm1, float x0, float x1, float x2, float f)
{
    float c1 = 0.5f * (x1 - xm1);
    float c2 = xm1 - 2.5f * x0 + 2.0f * x1 - 0.5f * x2;
    float c3 = 0.5f * (x2 - xm1) + 1.5f * (x0 - x1);
    return ((c3 * f + c2) * f + c1) * f + x0;
}

/* A circular delay line of `len` floats (any length) written at `w`; fx_line_read gives the sample
 * `d` frames ago (d >= 1 for a sample written before this read; d may be fractional). */
typedef struct fx_line {
    float *buf;
    int    len, w;
} fx_line;

static inline void fx_line_write(fx_line *ln, float x)
{
    ln->buf[ln->w] = fx_zap(x);
    if (++ln->w == ln->len) ln->w = 0;
}

/* The sample written `d` writes ago (d = 1 is the latest), integer d in [1, len]. */
static inline float fx_line_tap(const fx_line *ln, int d)
{
    int i = ln->w - d;
    if (i < 0) i += ln->len;
    return ln->buf[i];
}

/* Fractional read at delay d (Hermite between the samples d rounded down and up); d >= 1 and
 * d + 2 <= len.  Below d = 2 the newer neighbour is not written yet and the nearest one stands in. */
static inline float fx_line_read(const fx_line *ln, float d)
{
    int di = (int)d;
    float f = d - (float)di;
    float xm1 = fx_line_tap(ln, di > 1 ? di - 1 : di);
    float x0 = fx_line_tap(ln, di);
    float x1 = fx_line_tap(ln, di + 1);
    float x2 = fx_line_tap(ln, di + 2);
    return fx_hermite(xm1, x0, x1, x2, f);
}

/* A delay tap whose length steps (a stepped parameter through set()) without a click: the old and
 * the new lengths are both read and crossfaded with a raised cosine over `fade` frames; a step that
 * arrives during a fade waits for it to finish (only the latest one is kept).  Lengths are integers
 * (frames), so a steady tap is an exact delay. */
typedef struct fx_xtap {
    int cur, next, pending;      /* frames; pending < 0: none */
    int pos, fade;               /* frames into the fade (0: steady), fade length */
} fx_xtap;

static inline void fx_xtap_init(fx_xtap *t, int d, int fade)
{
    t->cur = t->next = d;
    t->pending = -1;
    t->pos = 0;
    t->fade = fade > 1 ? fade : 1;
}

static inline void fx_xtap_set(fx_xtap *t, int d)
{
    if (t->pos == 0 && d == t->cur) { t->pending = -1; return; }
    t->pending = d;
}

/* The crossfade weight of the new tap at fade position pos (0 .. fade). */
static inline float fx_xfade_w(int pos, int fade)
{
    float x = (float)pos / (float)fade;
    return 0.5f - 0.5f * fx_sin2pi(0.25f + 0.5f * x);   /* 0.5 - 0.5 cos(pi x) */
}

/* Reads the tap for one frame and advances the fade. */
static inline float fx_xtap_read(fx_xtap *t, const fx_line *ln)
{
    float y;
    if (t->pos == 0) {
        if (t->pending < 0) return fx_line_tap(ln, t->cur);
        t->next = t->pending;
        t->pending = -1;
        if (t->next == t->cur) return fx_line_tap(ln, t->cur);
    }
    {
        float w = fx_xfade_w(t->pos, t->fade);
        y = (1.0f - w) * fx_line_tap(ln, t->cur) + w * fx_line_tap(ln, t->next);
    }
    if (++t->pos >= t->fade) {
        t->pos = 0;
        t->cur = t->next;
    }
    return y;
}

/* Advances the tap by one frame without reading (for a unit that skips silent blocks and must keep
 * the same clock as if it had read). */
static inline void fx_xtap_advance(fx_xtap *t)
{
    if (t->pos == 0) {
        if (t->pending < 0) return;
        t->next = t->pending;
        t->pending = -1;
        if (t->next == t->cur) return;
    }
    if (++t->pos >= t->fade) {
        t->pos = 0;
        t->cur = t->next;
    }
}

/* Instance memory: a unit's struct followed by its buffers.  size() and init() walk the same
 * sequence of fx_take calls, so the sizes agree; buffers are 64-byte aligned (FFTW and SIMD loads
 * like that).  A state holds pointers into itself: the engine must not move it after init. */
typedef struct fx_arena {
    char  *base;                 /* NULL while counting */
    size_t used;
} fx_arena;

static inline void *fx_take(fx_arena *a, size_t bytes)
{
    size_t at = (a->used + 63) & ~(size_t)63;
    a->used = at + bytes;
    return a->base ? (void *)(a->base + at) : NULL;
}

/* The arena of a state whose struct is `head` bytes (st = NULL while counting): buffers start after
 * the struct at the next 64-byte boundary of the real address, so alignment does not depend on where
 * the engine put the state. */
static inline fx_arena fx_arena_of(void *st, size_t head)
{
    fx_arena a;
    a.base = NULL;
    a.used = 0;
    if (st) {
        uintptr_t p = (uintptr_t)st + head;
        a.base = (char *)((p + 63) & ~(uintptr_t)63);
    }
    return a;
}

/* Bytes a state of `head` bytes plus an arena of `used` bytes needs, wherever it is placed. */
static inline size_t fx_arena_size(size_t head, size_t used) { return head + 64 + used; }

/* The tail of a feedback loop: seconds for a loop of `loop_s` seconds and gain `g` (< 1) per pass to
 * fall by 90 dB, capped. */
static inline float fx_fb_tail(float loop_s, float g, float cap)
{
    float t;
    g = fabsf(g);
    if (g < 1e-6f) return loop_s;
    if (g >= 0.9999f) return cap;
    t = loop_s * (-90.0f / (20.0f * log10f(g)) + 1.0f);
    return t < cap ? t : cap;
}
#endif
