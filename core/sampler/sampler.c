/* sampler.c — sample voices for one track (see sampler.h for the contract).
 *
 * A voice renders in segments: between two moments where something changes (a fade starts or
 * ends, its dur runs out, the play head reaches the region's end or wraps a loop), a tight loop reads
 * the sample with 4-point Hermite interpolation and adds it, faded and panned, into the output.  The
 * segment lengths come from integer arithmetic on the 32.32 play head, so where a voice ends does
 * not depend on how the engine splits its blocks. */
#include "sampler/sampler.h"
#include "graph/ramp.h"
#include "quantum.h"
#include <math.h>
#include <string.h>

#define FADE_IN_S   0.001    /* a voice starting inside its sample */
#define FADE_END_S  0.001    /* a region ending inside its sample */
#define FADE_OUT_S  0.005    /* choke, steal, dur, stop, release */
#define MAX_SPEED   1024.0f  /* |speed| is clamped here: the play head's step must fit 32.32 */

enum { V_FREE = 0, V_PLAY, V_FADE };

typedef struct voice {
    const lt_kit *kit;
    const float  *data;       /* the level read, frame 0 */
    int           ch;
    int           shift;      /* the level's positions are level-0 positions >> shift */
    int           os;         /* the level is oversampled (levels 1..): read with opt2x */
    int           state;
    int           loop, cut, declick_end;
    uint32_t      id;
    uint64_t      seq;        /* start order, for stealing the oldest */
    int64_t       pos, step;  /* 32.32, in level-0 frames */
    int64_t       lo, hi;     /* the region, 32.32 */
    int64_t       lbk, lek;   /* the region in frames of the level read (loops wrap neighbours there) */
    float         gl, gr;
    float         env, estep; /* fade: amplitude now and per frame */
    int32_t       eleft;      /* frames until the fade ends (0: none) */
    int32_t       dur_left;   /* frames until release (-1: none) */
} voice;

struct lt_sampler {
    float    sr;
    int      voices, cap, top;      /* top: one past the highest slot in use */
    int32_t  fade_in, fade_end, fade_out;
    uint64_t seq;
    voice    v[];
};

size_t lt_sampler_size(int voices) {
    if (voices < 1) voices = 1;
    if (voices > LT_SAMPLER_MAX_VOICES) voices = LT_SAMPLER_MAX_VOICES;
    return sizeof(lt_sampler) + sizeof(voice) * (size_t)(2 * voices);
}

lt_sampler *lt_sampler_init(void *mem, int voices, float sr) {
    if (voices < 1) voices = 1;
    if (voices > LT_SAMPLER_MAX_VOICES) voices = LT_SAMPLER_MAX_VOICES;
    lt_sampler *s = mem;
    memset(s, 0, lt_sampler_size(voices));
    s->sr = sr > 0 ? sr : 48000.0f;
    s->voices = voices;
    s->cap = 2 * voices;
    s->fade_in = (int32_t)lroundf(FADE_IN_S * s->sr);
    s->fade_end = (int32_t)lroundf(FADE_END_S * s->sr);
    s->fade_out = (int32_t)lroundf(FADE_OUT_S * s->sr);
    if (s->fade_in < 1) s->fade_in = 1;
    if (s->fade_end < 1) s->fade_end = 1;
    if (s->fade_out < 1) s->fade_out = 1;
    return s;
}

/* ---- voice state ------------------------------------------------------------------------------- */

static void voice_free(lt_sampler *s, voice *v) {
    v->state = V_FREE;
    v->kit = NULL;
    while (s->top > 0 && s->v[s->top - 1].state == V_FREE) s->top--;
}

/* Fades the voice to silence within `frames` (sooner if it is already fading faster). */
static void start_fade(voice *v, int32_t frames) {
    if (v->state == V_FADE && v->eleft <= frames) return;
    if (frames < 1) frames = 1;
    v->state = V_FADE;
    v->estep = -v->env / (float)frames;
    v->eleft = frames;
}

/* Frames the play head can advance before it leaves the region (0 when it already has). */
static int64_t room_of(const voice *v) {
    if (v->step > 0) return v->pos < v->hi ? (v->hi - v->pos + v->step - 1) / v->step : 0;
    return v->pos >= v->lo ? (v->pos - v->lo) / -v->step + 1 : 0;
}

/* Brings a looping play head back into the region. */
static void wrap(voice *v) {
    int64_t len = v->hi - v->lo;
    if (v->pos >= v->hi) v->pos = v->lo + (v->pos - v->lo) % len;
    else if (v->pos < v->lo) v->pos += ((v->lo - v->pos + len - 1) / len) * len;
}

/* ---- rendering --------------------------------------------------------------------------------- */

/* Level 0 (the sample as loaded): 4-point, 3rd-order Hermite (Catmull-Rom) through xm1, x0, x1,
 * x2 at t in [0, 1) between x0 and x1 (Niemitalo 2001, "hermite x-form").  It passes through the
 * samples, so a whole-frame position returns the sample itself: speed 1 is bit-transparent.  Its
 * images of a 1 kHz tone are below -90 dB; of content near the top of the band, much higher
 * (docs/sampler.md gives the figures). */
static inline float hermite(float xm1, float x0, float x1, float x2, float t) {
    float c1 = 0.5f * (x1 - xm1);
    float c2 = xm1 - 2.5f * x0 + 2.0f * x1 - 0.5f * x2;
    float c3 = 0.5f * (x2 - xm1) + 1.5f * (x0 - x1);
    return ((c3 * t + c2) * t + c1) * t + x0;
}

/* Levels 1.. (twice oversampled): Niemitalo's "optimal 2x" 4-point, 4th-order polynomial (z-form),
 * whose coefficients minimise the images of content below a quarter of the level's rate (Olli
 * Niemitalo, "Polynomial Interpolators for High-Quality Resampling of Oversampled Audio", 2001):
 * images near -66 dB or lower for any such content (measured in test_sampler). */
static inline float opt2x(float ym1, float y0, float y1, float y2, float t) {
    float z = t - 0.5f;
    float even1 = y1 + y0, odd1 = y1 - y0, even2 = y2 + ym1, odd2 = y2 - ym1;
    float c0 = even1 * 0.45645918406487612f + even2 * 0.04354173901996461f;
    float c1 = odd1 * 0.47236675362442071f + odd2 * 0.17686613581136501f;
    float c2 = even1 * -0.253674794204558521f + even2 * 0.25371918651882464f;
    float c3 = odd1 * -0.37917091811631082f + odd2 * 0.11952965967158000f;
    float c4 = even1 * 0.04252164479749607f + even2 * -0.04289144034653719f;
    return (((c4 * z + c3) * z + c2) * z + c1) * z + c0;
}

static inline int64_t wrapped(int64_t i, int64_t lb, int64_t le) {
    int64_t len = le - lb;
    while (i < lb) i += len;
    while (i >= le) i -= len;
    return i;
}

/* Adds m frames of the voice into l, r.  ch, loop and os (an oversampled level) are constants in
 * each instance, so the compiler makes eight tight loops of this. */
static inline __attribute__((always_inline))
void render(voice *v, float *l, float *r, int m, const int ch, const int loop, const int os) {
    const float *d = v->data;
    const int sh = v->shift;
    const int64_t step = v->step, lb = v->lbk, le = v->lek;
    const float gl = v->gl, gr = v->gr, estep = v->estep;
    int64_t pos = v->pos;
    float env = v->env;
    for (int i = 0; i < m; i++) {
        int64_t p = pos >> sh;
        int64_t idx = p >> 32;
        float t = (float)(uint32_t)p * (1.0f / 4294967296.0f);
        int64_t im1 = idx - 1, i1 = idx + 1, i2 = idx + 2;
        if (loop && (im1 < lb || i2 >= le)) {
            im1 = wrapped(im1, lb, le);
            idx = wrapped(idx, lb, le);
            i1 = wrapped(i1, lb, le);
            i2 = wrapped(i2, lb, le);
        }
        float a, b;
        if (os) {
            a = opt2x(d[im1 * ch], d[idx * ch], d[i1 * ch], d[i2 * ch], t);
            b = ch == 2 ? opt2x(d[im1 * ch + 1], d[idx * ch + 1], d[i1 * ch + 1], d[i2 * ch + 1], t) : a;
        } else {
            a = hermite(d[im1 * ch], d[idx * ch], d[i1 * ch], d[i2 * ch], t);
            b = ch == 2 ? hermite(d[im1 * ch + 1], d[idx * ch + 1], d[i1 * ch + 1], d[i2 * ch + 1], t) : a;
        }
        l[i] += a * (gl * env);
        r[i] += b * (gr * env);
        env += estep;
        pos += step;
    }
    v->pos = pos;
    v->env = env;
}

static void voice_run(lt_sampler *s, voice *v, float *l, float *r, int n) {
    int i = 0;
    while (i < n) {
        int m = n - i;
        int64_t room = room_of(v);
        if (room == 0) {
            if (v->loop) { wrap(v); continue; }
            voice_free(s, v);
            return;
        }
        if (v->declick_end && !v->loop && (v->state == V_PLAY || v->eleft > room)) {
            if (room <= s->fade_end) start_fade(v, (int32_t)room);
            else if (room - s->fade_end < m) m = (int)(room - s->fade_end);
        }
        if (v->eleft > 0 && v->eleft < m) m = v->eleft;
        if (v->dur_left > 0 && v->dur_left < m) m = v->dur_left;
        if (room < m) m = (int)room;

        switch ((v->ch == 2) * 4 + v->loop * 2 + v->os) {
        case 0: render(v, l + i, r + i, m, 1, 0, 0); break;
        case 1: render(v, l + i, r + i, m, 1, 0, 1); break;
        case 2: render(v, l + i, r + i, m, 1, 1, 0); break;
        case 3: render(v, l + i, r + i, m, 1, 1, 1); break;
        case 4: render(v, l + i, r + i, m, 2, 0, 0); break;
        case 5: render(v, l + i, r + i, m, 2, 0, 1); break;
        case 6: render(v, l + i, r + i, m, 2, 1, 0); break;
        default: render(v, l + i, r + i, m, 2, 1, 1); break;
        }
        i += m;

        if (v->eleft > 0) {
            v->eleft -= m;
            if (v->eleft == 0) {
                if (v->state == V_FADE) { voice_free(s, v); return; }
                v->env = 1.0f;            /* the fade-in landed exactly */
                v->estep = 0.0f;
            }
        }
        if (v->dur_left > 0) {
            v->dur_left -= m;
            if (v->dur_left == 0) { v->dur_left = -1; start_fade(v, s->fade_out); }
        }
    }
}

void lt_sampler_process(lt_sampler *s, float *l, float *r, int n) {
    if (n > LT_QUANTUM) n = LT_QUANTUM;
    for (int k = 0; k < s->top; k++)
        if (s->v[k].state != V_FREE) voice_run(s, &s->v[k], l, r, n);
}

/* ---- events ------------------------------------------------------------------------------------ */

static float clamp01(float x, float def) {
    if (!(x == x)) return def;
    return x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
}

/* A slot for a new voice: makes room among the sounding ones first (the oldest fades out), then
 * takes the lowest free slot, or, if every slot is taken by a fading voice, the oldest of those. */
static voice *take_slot(lt_sampler *s) {
    int playing = 0, oldest = -1, oldest_fade = -1, free_slot = -1;
    for (int k = 0; k < s->cap; k++) {
        voice *v = &s->v[k];
        if (v->state == V_FREE) { if (free_slot < 0) free_slot = k; continue; }
        if (v->state == V_PLAY) {
            playing++;
            if (oldest < 0 || v->seq < s->v[oldest].seq) oldest = k;
        } else if (oldest_fade < 0 || v->seq < s->v[oldest_fade].seq) oldest_fade = k;
    }
    if (playing >= s->voices && oldest >= 0) {
        start_fade(&s->v[oldest], s->fade_out);
        if (free_slot < 0 && (oldest_fade < 0 || s->v[oldest].seq < s->v[oldest_fade].seq)) oldest_fade = oldest;
    }
    if (free_slot < 0) free_slot = oldest_fade;   /* the oldest fading voice is cut dead */
    if (free_slot < 0) return NULL;
    if (free_slot >= s->top) s->top = free_slot + 1;
    return &s->v[free_slot];
}

int lt_sampler_play(lt_sampler *s, const lt_kit *kit, const lt_sampler_event *p) {
    if (!kit || !p || p->index < 0 || p->index >= kit->count) return -1;
    const lt_sample *sm = kit->samples[p->index];
    float speed = p->speed;
    if (!(speed == speed) || speed == 0.0f) return -1;
    if (speed > MAX_SPEED) speed = MAX_SPEED;
    if (speed < -MAX_SPEED) speed = -MAX_SPEED;
    float amp = p->gain * p->vel;
    if (!isfinite(amp)) return -1;
    int64_t lo = (int64_t)llround((double)clamp01(p->begin, 0.0f) * (double)sm->frames);
    int64_t hi = (int64_t)llround((double)clamp01(p->end, 1.0f) * (double)sm->frames);
    if (hi <= lo) return -1;

    if (p->cut > 0)
        for (int k = 0; k < s->top; k++)
            if (s->v[k].state != V_FREE && s->v[k].cut == p->cut) start_fade(&s->v[k], s->fade_out);
    int64_t step = (int64_t)llround((double)speed * 4294967296.0);
    if (step == 0) return -1;                      /* slower than one frame in 2^32: standing still */
    voice *v = take_slot(s);
    if (!v) return -1;

    int level = lt_sample_level_for(sm, speed);
    memset(v, 0, sizeof *v);
    v->kit = kit;
    v->data = sm->level[level].data;
    v->ch = sm->channels;
    v->shift = sm->level[level].shift;
    v->os = level > 0;
    v->state = V_PLAY;
    v->loop = p->loop != 0;
    v->cut = p->cut > 0 ? p->cut : 0;
    v->id = p->id;
    v->seq = ++s->seq;
    v->step = step;
    v->lo = lo << 32;
    v->hi = hi << 32;
    v->pos = speed > 0 ? v->lo : ((hi - 1) << 32);
    v->lbk = lo >> v->shift;
    v->lek = (hi + ((int64_t)1 << v->shift) - 1) >> v->shift;
    if (v->lek <= v->lbk) v->lek = v->lbk + 1;
    v->declick_end = speed > 0 ? hi < sm->frames : lo > 0;
    v->dur_left = p->dur > 0 ? p->dur : -1;

    float pan = p->pan == p->pan ? p->pan : 0.0f;
    pan = pan < -1.0f ? -1.0f : pan > 1.0f ? 1.0f : pan;
    float scale = sm->channels == 2 ? (float)M_SQRT2 : 1.0f;   /* stereo: balance, 1 and 1 at centre */
    v->gl = amp * scale * lt_pan_left(pan);
    v->gr = amp * scale * lt_pan_right(pan);

    /* The fade-in's first frame is already above 0 (1/(F+1), ..., F/(F+1), then 1), and it is
     * shortened to half the voice for a region of a few frames, so even a 1-frame slice sounds. */
    if (speed > 0 && lo == 0) { v->env = 1.0f; }
    else {
        int64_t count = v->loop ? INT32_MAX : room_of(v);
        int32_t f = s->fade_in;
        if (count / 2 < f) f = (int32_t)(count / 2);
        if (f >= 1) { v->estep = 1.0f / (float)(f + 1); v->env = v->estep; v->eleft = f; }
        else v->env = 1.0f;
    }
    return (int)(v - s->v);
}

void lt_sampler_stop(lt_sampler *s, uint32_t id) {
    for (int k = 0; k < s->top; k++)
        if (s->v[k].state != V_FREE && s->v[k].id == id) start_fade(&s->v[k], s->fade_out);
}

void lt_sampler_release_all(lt_sampler *s) {
    for (int k = 0; k < s->top; k++) {
        voice *v = &s->v[k];
        if (v->state != V_FREE && (v->loop || v->dur_left > 0)) start_fade(v, s->fade_out);
    }
}

void lt_sampler_kill_all(lt_sampler *s) {
    for (int k = 0; k < s->cap; k++) s->v[k].state = V_FREE, s->v[k].kit = NULL;
    s->top = 0;
}

int lt_sampler_active(const lt_sampler *s) {
    int n = 0;
    for (int k = 0; k < s->top; k++) n += s->v[k].state != V_FREE;
    return n;
}

int lt_sampler_uses(const lt_sampler *s, const lt_kit *kit) {
    int n = 0;
    for (int k = 0; k < s->top; k++) n += s->v[k].state != V_FREE && s->v[k].kit == kit;
    return n;
}
