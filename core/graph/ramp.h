/* ramp.h — a parameter that glides: its current value, where it is going and how fast.  Every
 * automatable value in the graph (a patch control, an effect's parameter, a fader) is one of these,
 * so a change never steps (no zipper noise) unless it is meant to, and automation segments are the
 * same thing with a length of their own (DESIGN.md, "Automation").
 *
 * Linear in value, exact at the end: the last frame of a ramp lands on the target, whatever rounding
 * the steps gathered.  Thread: the owner (the audio thread for live ramps).  RT-safe: yes. */
#ifndef LT_GRAPH_RAMP_H
#define LT_GRAPH_RAMP_H
#include <stdint.h>

typedef struct lt_ramp {
    float   cur;      /* value at the next frame */
    float   target;
    float   step;     /* per frame while left > 0 */
    int32_t left;     /* frames until cur == target */
} lt_ramp;

static inline void lt_ramp_init(lt_ramp *r, float v) { r->cur = r->target = v; r->step = 0; r->left = 0; }

/* Go to v over `frames` frames (0: at once). */
static inline void lt_ramp_set(lt_ramp *r, float v, int32_t frames) {
    r->target = v;
    if (frames <= 0 || r->cur == v) { r->cur = v; r->step = 0; r->left = 0; return; }
    r->step = (v - r->cur) / (float)frames;
    r->left = frames;
}

/* True when the value stays the same for the next n frames. */
static inline int lt_ramp_steady(const lt_ramp *r) { return r->left == 0; }

/* Value at frame i (0 <= i) from now, without advancing. */
static inline float lt_ramp_at(const lt_ramp *r, int i) {
    if (i >= r->left) return r->target;
    return r->cur + r->step * (float)i;
}

static inline void lt_ramp_advance(lt_ramp *r, int n) {
    if (r->left == 0) return;
    if (n >= r->left) { r->cur = r->target; r->step = 0; r->left = 0; }
    else { r->cur += r->step * (float)n; r->left -= n; }
}

/* The constant-power pan law, cos and sin of (pan + 1) pi/4, exact at the ends: a hard-panned
 * signal puts exactly nothing in the other channel (cos(pi/2) in floating point is 6e-17, which
 * would leak one track into another's channel). */
static inline float lt_pan_left(float pan) {
    if (pan <= -1.0f) return 1.0f;
    if (pan >= 1.0f) return 0.0f;
    return (float)__builtin_cos(((double)pan + 1.0) * 0.78539816339744830962);
}
static inline float lt_pan_right(float pan) {
    if (pan <= -1.0f) return 0.0f;
    if (pan >= 1.0f) return 1.0f;
    return (float)__builtin_sin(((double)pan + 1.0) * 0.78539816339744830962);
}
#endif
