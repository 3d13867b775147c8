/* tempo.c — tempo map arithmetic (see tempo.h).  A ramp's time is the integral of 60/bpm over beats:
 * with bpm(x) = a + (c - a) x / L, t(d) = 60 L / (c - a) * ln(bpm(d) / a). */
#include "tempo.h"
#include <math.h>

const char *lt_tempo_strerror(lt_tempo_err e) {
    switch (e) {
    case LT_TEMPO_OK:    return "ok";
    case LT_TEMPO_EBPM:  return "tempo must be between 1 and 1000 bpm";
    case LT_TEMPO_EBEAT: return "a tempo change must be at beat 0 or later, and not NaN";
    case LT_TEMPO_EFULL: return "too many tempo changes (at most 256)";
    }
    return "unknown tempo error";
}

static int bad_bpm(double bpm) { return !(bpm >= LT_BPM_MIN && bpm <= LT_BPM_MAX); }

/* Seconds from the start of segment s to `d` beats into it. */
static double seg_seconds(const lt_tempo_seg *s, double d) {
    if (s->ramp > 0 && d > 0) {
        double r = d < s->ramp ? d : s->ramp, t;
        double a = s->bpm0, c = s->bpm1;
        if (fabs(c - a) < 1e-12) t = 60.0 * r / a;
        else t = 60.0 * s->ramp / (c - a) * log((a + (c - a) * r / s->ramp) / a);
        if (d > s->ramp) t += 60.0 * (d - s->ramp) / c;
        return t;
    }
    return 60.0 * d / s->bpm1;
}

static double seg_beats(const lt_tempo_seg *s, double sec) {
    if (s->ramp > 0) {
        double a = s->bpm0, c = s->bpm1;
        double ramp_sec = seg_seconds(s, s->ramp);
        if (sec < ramp_sec) {
            if (fabs(c - a) < 1e-12) return sec * a / 60.0;
            double bpm = a * exp(sec * (c - a) / (60.0 * s->ramp));
            return (bpm - a) * s->ramp / (c - a);
        }
        return s->ramp + (sec - ramp_sec) * c / 60.0;
    }
    return sec * s->bpm1 / 60.0;
}

static int seg_index(const lt_tempo *t, double beat) {
    int lo = 0, hi = t->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (t->seg[mid].beat <= beat) lo = mid; else hi = mid - 1;
    }
    return lo;
}

lt_tempo_err lt_tempo_init(lt_tempo *t, double sr, double bpm) {
    if (bad_bpm(bpm)) return LT_TEMPO_EBPM;
    t->sr = sr;
    t->n = 1;
    t->seg[0] = (lt_tempo_seg){0, bpm, bpm, 0, 0};
    return LT_TEMPO_OK;
}

static lt_tempo_err add_seg(lt_tempo *t, double beat, double bpm0, double bpm1, double ramp) {
    if (!(beat >= 0)) return LT_TEMPO_EBEAT;
    if (bad_bpm(bpm1)) return LT_TEMPO_EBPM;
    double sec = lt_tempo_seconds(t, beat);
    while (t->n > 1 && t->seg[t->n - 1].beat >= beat) t->n--;
    if (t->seg[0].beat >= beat) t->n = 0;
    if (t->n >= LT_TEMPO_MAX) return LT_TEMPO_EFULL;
    t->seg[t->n++] = (lt_tempo_seg){beat, bpm0, bpm1, ramp, sec};
    return LT_TEMPO_OK;
}

lt_tempo_err lt_tempo_set(lt_tempo *t, double beat, double bpm) {
    return add_seg(t, beat, bpm, bpm, 0);
}

lt_tempo_err lt_tempo_ramp(lt_tempo *t, double beat, double bpm, double len) {
    if (!(len >= 0)) return LT_TEMPO_EBEAT;
    return add_seg(t, beat, lt_tempo_bpm_at(t, beat), bpm, len);
}

double lt_tempo_bpm_at(const lt_tempo *t, double beat) {
    const lt_tempo_seg *s = &t->seg[seg_index(t, beat)];
    double d = beat - s->beat;
    if (s->ramp > 0 && d < s->ramp && d >= 0) return s->bpm0 + (s->bpm1 - s->bpm0) * d / s->ramp;
    return s->bpm1;
}

double lt_tempo_seconds(const lt_tempo *t, double beat) {
    const lt_tempo_seg *s = &t->seg[seg_index(t, beat)];
    return s->sec + seg_seconds(s, beat - s->beat);
}

double lt_tempo_beat_at(const lt_tempo *t, double seconds) {
    int lo = 0, hi = t->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (t->seg[mid].sec <= seconds) lo = mid; else hi = mid - 1;
    }
    return t->seg[lo].beat + seg_beats(&t->seg[lo], seconds - t->seg[lo].sec);
}

int64_t lt_tempo_frame(const lt_tempo *t, double beat) {
    return (int64_t)llround(lt_tempo_seconds(t, beat) * t->sr);
}
