/* engine.c — the block loop: commands into a time-ordered queue, tracks of synth voices rendered in
 * aligned quanta split at event frames, gain and constant-power pan with per-sample ramps, the master
 * bus and the output guard.  See engine.h for the threading contract. */
#include "engine.h"
#include "ring.h"
#include "synth.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#include <pmmintrin.h>
#endif

#define FADE_FRAMES_S   0.030    /* a removed track fades out over 30 ms */
#define SMOOTH_S        0.010    /* smoothed parameters reach ~63% of a jump in 10 ms */
#define METER_S         0.050

struct lt_track {
    lt_track_desc desc;
    float   target[LT_P_COUNT];   /* where parameters are going */
    float   cur[LT_P_COUNT];      /* where they are, per quantum */
    float   gl, gr;               /* channel gains at the end of the last quantum */
    int     removing;             /* frames of fade left, > 0 while fading out */
    int     fade_total;
    float   peak_l, peak_r;
    lt_synth *synth;
    void   *synth_mem;            /* the allocation the synth lives in */
    float   buf[LT_QUANTUM];
};

typedef struct midi_msg { int64_t frame; uint8_t len; uint8_t d[3]; } midi_msg;

typedef struct qitem { int64_t frame; uint64_t seq; lt_cmd cmd; } qitem;

struct lt_engine {
    int      sr;
    lt_ring  cmd_ring, reply_ring, midi_ring;
    qitem   *heap;                 /* min-heap on (frame, seq) */
    int      heap_n, heap_cap;
    uint64_t seq;
    lt_track *tracks[LT_MAX_TRACKS];
    lt_ccmap ccmaps[LT_CC_MAPS];
    int      note_target;          /* slot or -1 */
    float    master_target, master_cur, master_g;
    float    smooth_a;             /* one-pole coefficient per quantum */
    float    fifo[LT_QUANTUM * 2];
    int      fifo_pos;             /* next frame to hand out; LT_QUANTUM = empty */
    _Atomic int64_t frame;         /* next frame rendered into the FIFO */
    int64_t  out_frame;            /* next frame handed out by process */
    _Atomic int64_t out_frame_pub;
    _Atomic unsigned mark_seq;
    _Atomic int64_t mark_frame, mark_ns;
    int      meter_count, meter_period;
    float    mpeak_l, mpeak_r;
    _Atomic int64_t late, dropped, guards;
};

/* ---- control thread ---------------------------------------------------------------------------- */

lt_track *lt_track_new(const lt_track_desc *desc, int sample_rate) {
    int nv = desc->voices;
    if (nv < 1) nv = 1;
    if (nv > LT_MAX_VOICES) nv = LT_MAX_VOICES;
    lt_track *t = calloc(1, sizeof *t);
    void *mem = NULL;
    if (!t) goto fail;
    mem = calloc(1, lt_synth_size(nv));
    if (!mem) goto fail;
    t->synth_mem = mem;
    t->synth = lt_synth_init(mem, nv, (float)sample_rate);
    if (!t->synth) goto fail;
    t->desc = *desc;
    t->desc.voices = nv;
    for (int i = 0; i < LT_P_COUNT; i++) t->target[i] = t->cur[i] = desc->params[i];
    return t;
fail:
    free(mem);
    free(t);
    return NULL;
}

void lt_track_free(lt_track *t) {
    if (!t) return;
    free(t->synth_mem);
    free(t);
}

lt_engine *lt_engine_new(const lt_engine_config *cfg) {
    lt_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->sr = cfg && cfg->sample_rate > 0 ? cfg->sample_rate : 48000;
    int cap = cfg && cfg->cmd_capacity > 0 ? cfg->cmd_capacity : 8192;
    if (lt_ring_init(&e->cmd_ring, sizeof(lt_cmd), (size_t)cap)) goto fail;
    if (lt_ring_init(&e->reply_ring, sizeof(lt_reply), 4096)) goto fail;
    if (lt_ring_init(&e->midi_ring, sizeof(midi_msg), 1024)) goto fail;
    e->heap_cap = cap;
    e->heap = calloc((size_t)cap, sizeof *e->heap);
    if (!e->heap) goto fail;
    for (int i = 0; i < LT_CC_MAPS; i++) e->ccmaps[i].cc = -1;
    e->note_target = -1;
    e->master_target = e->master_cur = e->master_g = 1.0f;
    e->smooth_a = 1.0f - expf(-(float)LT_QUANTUM / (SMOOTH_S * (float)e->sr));
    e->fifo_pos = LT_QUANTUM;
    e->meter_period = (int)(METER_S * e->sr / LT_QUANTUM);
    return e;
fail:
    lt_engine_free(e);
    return NULL;
}

void lt_engine_free(lt_engine *e) {
    if (!e) return;
    for (int i = 0; i < LT_MAX_TRACKS; i++) lt_track_free(e->tracks[i]);
    for (int i = 0; i < e->heap_n; i++)
        if (e->heap[i].cmd.type == LT_CMD_TRACK_ADD) lt_track_free(e->heap[i].cmd.u.add.track);
    lt_cmd c;
    while (e->cmd_ring.buf && lt_ring_pop(&e->cmd_ring, &c))
        if (c.type == LT_CMD_TRACK_ADD) lt_track_free(c.u.add.track);
    lt_reply r;
    while (e->reply_ring.buf && lt_ring_pop(&e->reply_ring, &r))
        if (r.type == LT_REPLY_TRACK_FREE) lt_track_free(r.ptr);
    lt_ring_free(&e->cmd_ring);
    lt_ring_free(&e->reply_ring);
    lt_ring_free(&e->midi_ring);
    free(e->heap);
    free(e);
}

int  lt_engine_rate(const lt_engine *e) { return e->sr; }
bool lt_engine_send(lt_engine *e, const lt_cmd *c) { return lt_ring_push(&e->cmd_ring, c); }
bool lt_engine_poll(lt_engine *e, lt_reply *r) { return lt_ring_pop(&e->reply_ring, r); }

bool lt_engine_midi(lt_engine *e, int64_t frame, const uint8_t *msg, int len) {
    if (len < 1 || len > 3 || msg[0] < 0x80 || msg[0] >= 0xF0) return false;  /* channel messages only */
    midi_msg m = {frame, (uint8_t)len, {msg[0], len > 1 ? msg[1] : 0, len > 2 ? msg[2] : 0}};
    return lt_ring_push(&e->midi_ring, &m);
}

int64_t lt_engine_frame(const lt_engine *e) { return atomic_load(&e->out_frame_pub); }

void lt_engine_get_stats(const lt_engine *e, lt_engine_stats *s) {
    s->late_events = atomic_load(&e->late);
    s->dropped_events = atomic_load(&e->dropped);
    s->guard_trips = atomic_load(&e->guards);
}

/* A seqlock: the audio thread writes, readers retry on a torn read and never block the writer. */
void lt_engine_mark_time(lt_engine *e, int64_t frame, int64_t ns) {
    atomic_fetch_add_explicit(&e->mark_seq, 1, memory_order_acq_rel);
    atomic_store_explicit(&e->mark_frame, frame, memory_order_relaxed);
    atomic_store_explicit(&e->mark_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&e->mark_seq, 1, memory_order_acq_rel);
}

int64_t lt_engine_frame_at(const lt_engine *e, int64_t ns) {
    unsigned s0, s1;
    int64_t f, t;
    do {
        s0 = atomic_load_explicit(&e->mark_seq, memory_order_acquire);
        f = atomic_load_explicit(&e->mark_frame, memory_order_relaxed);
        t = atomic_load_explicit(&e->mark_ns, memory_order_relaxed);
        s1 = atomic_load_explicit(&e->mark_seq, memory_order_acquire);
    } while (s0 != s1 || (s0 & 1));
    if (t == 0) return lt_engine_frame(e);
    return f + (int64_t)((double)(ns - t) * e->sr / 1e9);
}

/* ---- audio thread ------------------------------------------------------------------------------ */

static void reply(lt_engine *e, uint16_t type, uint16_t slot, int64_t frame, void *ptr, float a, float b) {
    lt_reply r = {type, slot, frame, ptr, a, b};
    lt_ring_push(&e->reply_ring, &r);   /* a full reply ring drops a report, never blocks */
}

static bool before(const qitem *a, const qitem *b) {
    return a->frame < b->frame || (a->frame == b->frame && a->seq < b->seq);
}

static void heap_push(lt_engine *e, const lt_cmd *c) {
    if (e->heap_n >= e->heap_cap) {
        atomic_fetch_add(&e->dropped, 1);
        reply(e, LT_REPLY_OVERFLOW, c->slot, c->frame, NULL, 0, 0);
        return;
    }
    int i = e->heap_n++;
    qitem it = {c->frame, e->seq++, *c};
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!before(&it, &e->heap[p])) break;
        e->heap[i] = e->heap[p];
        i = p;
    }
    e->heap[i] = it;
}

static void heap_pop(lt_engine *e, lt_cmd *out) {
    *out = e->heap[0].cmd;
    qitem last = e->heap[--e->heap_n];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        const qitem *best = &last;
        if (l < e->heap_n && before(&e->heap[l], best)) { m = l; best = &e->heap[l]; }
        if (r < e->heap_n && before(&e->heap[r], best)) { m = r; }
        if (m == i) break;
        e->heap[i] = e->heap[m];
        i = m;
    }
    if (e->heap_n > 0) e->heap[i] = last;
}

static void track_synth_params(lt_track *t) {
    lt_synth_params p = {
        .wave = t->cur[LT_P_WAVE], .cutoff = t->cur[LT_P_CUTOFF], .res = t->cur[LT_P_RES],
        .fenv = t->cur[LT_P_FENV], .attack = t->cur[LT_P_ATTACK], .decay = t->cur[LT_P_DECAY],
        .sustain = t->cur[LT_P_SUSTAIN], .release = t->cur[LT_P_RELEASE], .detune = t->cur[LT_P_DETUNE],
    };
    lt_synth_set(t->synth, &p);
}

static float cc_value(const lt_ccmap *m, int v) {
    float x = (float)v / 127.0f;
    if (m->curve == LT_CURVE_EXP && m->min > 0 && m->max > 0)
        return m->min * powf(m->max / m->min, x);
    return m->min + (m->max - m->min) * x;
}

static void apply(lt_engine *e, const lt_cmd *c) {
    lt_track *t = c->slot < LT_MAX_TRACKS ? e->tracks[c->slot] : NULL;
    switch (c->type) {
    case LT_CMD_NOTE_ON:
        if (t && !t->removing) lt_synth_note_on(t->synth, c->u.note.note, c->u.note.vel);
        break;
    case LT_CMD_NOTE_OFF:
        if (t) lt_synth_note_off(t->synth, c->u.note.note);
        break;
    case LT_CMD_PARAM:
        if (c->slot == LT_MASTER_SLOT && c->u.param.id == LT_P_GAIN)
            e->master_target = powf(10.0f, c->u.param.value / 20.0f);
        else if (t && c->u.param.id < LT_P_COUNT) {
            t->target[c->u.param.id] = c->u.param.value;
            if (!lt_params[c->u.param.id].smoothed) t->cur[c->u.param.id] = c->u.param.value;
        }
        break;
    case LT_CMD_TRACK_ADD:
        if (c->slot < LT_MAX_TRACKS) {
            if (e->tracks[c->slot])  /* the control side never does this; hand the old one back */
                reply(e, LT_REPLY_TRACK_FREE, c->slot, c->frame, e->tracks[c->slot], 0, 0);
            lt_track *nt = c->u.add.track;
            float pan = nt->cur[LT_P_PAN], g = powf(10.0f, nt->cur[LT_P_GAIN] / 20.0f);
            nt->gl = g * cosf((pan + 1) * (float)M_PI / 4);
            nt->gr = g * sinf((pan + 1) * (float)M_PI / 4);
            track_synth_params(nt);
            e->tracks[c->slot] = nt;
        }
        break;
    case LT_CMD_TRACK_REMOVE:
        if (t && !t->removing) {
            lt_synth_release_all(t->synth);
            t->fade_total = t->removing = (int)(FADE_FRAMES_S * e->sr);
        }
        break;
    case LT_CMD_RELEASE_ALL:
        if (c->slot == LT_MASTER_SLOT) {
            for (int i = 0; i < LT_MAX_TRACKS; i++)
                if (e->tracks[i]) lt_synth_release_all(e->tracks[i]->synth);
        } else if (t) lt_synth_release_all(t->synth);
        break;
    case LT_CMD_CC_MAP:
        if (c->u.cc.index < LT_CC_MAPS) e->ccmaps[c->u.cc.index] = c->u.cc.map;
        break;
    case LT_CMD_NOTE_TARGET:
        e->note_target = c->slot < LT_MAX_TRACKS ? c->slot : -1;
        break;
    }
}

/* MIDI becomes ordinary commands: a note for the note target, a parameter change per matching map. */
static void midi_to_cmds(lt_engine *e, const midi_msg *m) {
    uint8_t st = m->d[0] & 0xF0, ch = m->d[0] & 0x0F;
    lt_cmd c = {.frame = m->frame};
    if ((st == 0x90 || st == 0x80) && e->note_target >= 0) {
        c.slot = (uint16_t)e->note_target;
        c.type = (st == 0x90 && m->d[2] > 0) ? LT_CMD_NOTE_ON : LT_CMD_NOTE_OFF;
        c.u.note.note = m->d[1];
        c.u.note.vel = m->d[2] / 127.0f;
        heap_push(e, &c);
    } else if (st == 0xB0) {
        for (int i = 0; i < LT_CC_MAPS; i++) {
            const lt_ccmap *map = &e->ccmaps[i];
            if (map->cc != m->d[1] || (map->channel >= 0 && map->channel != ch)) continue;
            c.type = LT_CMD_PARAM;
            c.slot = map->slot;
            c.u.param.id = map->param;
            c.u.param.value = cc_value(map, m->d[2]);
            heap_push(e, &c);
        }
    }
}

static void render_tracks(lt_engine *e, int from, int to) {
    if (to <= from) return;
    for (int i = 0; i < LT_MAX_TRACKS; i++) {
        lt_track *t = e->tracks[i];
        if (t) lt_synth_process(t->synth, t->buf + from, to - from);
    }
}

static void smooth_params(lt_engine *e, lt_track *t) {
    for (int p = 0; p < LT_P_COUNT; p++) {
        if (!lt_params[p].smoothed) continue;
        float d = t->target[p] - t->cur[p];
        t->cur[p] = fabsf(d) < 1e-6f * (1.0f + fabsf(t->target[p])) ? t->target[p] : t->cur[p] + e->smooth_a * d;
    }
    track_synth_params(t);
}

/* Mixes one track into the master buffer with gains ramped sample by sample across the quantum.
 * The output guard sits here: a track whose output (after its gain) is NaN or infinite is silenced
 * — its voices killed, its filters cleared — and reported, and adds nothing to the mix. */
static void mix_track(lt_engine *e, int slot, float *mix) {
    lt_track *t = e->tracks[slot];
    float pan = t->cur[LT_P_PAN], g = powf(10.0f, t->cur[LT_P_GAIN] / 20.0f);
    if (t->removing) g *= (float)(t->removing > LT_QUANTUM ? t->removing - LT_QUANTUM : 0) / (float)t->fade_total;
    float gl = g * cosf((pan + 1) * (float)M_PI / 4), gr = g * sinf((pan + 1) * (float)M_PI / 4);
    float dl = (gl - t->gl) / LT_QUANTUM, dr = (gr - t->gr) / LT_QUANTUM;
    float l = t->gl, r = t->gr, pl = t->peak_l, pr = t->peak_r;
    float outl[LT_QUANTUM], outr[LT_QUANTUM], sum = 0;
    for (int i = 0; i < LT_QUANTUM; i++) {
        l += dl; r += dr;
        outl[i] = t->buf[i] * l;
        outr[i] = t->buf[i] * r;
        sum += outl[i] + outr[i];
    }
    if (!isfinite(sum) || !isfinite(gl) || !isfinite(gr)) {
        lt_synth_kill_all(t->synth);
        memset(t->buf, 0, sizeof t->buf);
        t->gl = t->gr = 0;
        if (!isfinite(gl) || !isfinite(gr))   /* a broken gain mutes the track until it is set again */
            t->cur[LT_P_GAIN] = t->target[LT_P_GAIN] = -120.0f;
        atomic_fetch_add(&e->guards, 1);
        reply(e, LT_REPLY_GUARD, (uint16_t)slot, atomic_load(&e->frame), NULL, 0, 0);
        return;
    }
    for (int i = 0; i < LT_QUANTUM; i++) {
        mix[2 * i] += outl[i];
        mix[2 * i + 1] += outr[i];
        if (fabsf(outl[i]) > pl) pl = fabsf(outl[i]);
        if (fabsf(outr[i]) > pr) pr = fabsf(outr[i]);
    }
    t->gl = gl; t->gr = gr; t->peak_l = pl; t->peak_r = pr;
    if (t->removing) {
        t->removing -= LT_QUANTUM;
        if (t->removing <= 0) {
            e->tracks[slot] = NULL;
            if (e->note_target == slot) e->note_target = -1;
            reply(e, LT_REPLY_TRACK_FREE, (uint16_t)slot, atomic_load(&e->frame), t, 0, 0);
        }
    }
}

static void render_quantum(lt_engine *e) {
    int64_t start = atomic_load_explicit(&e->frame, memory_order_relaxed), end = start + LT_QUANTUM;
    lt_cmd c;
    midi_msg m;
    while (lt_ring_pop(&e->cmd_ring, &c)) heap_push(e, &c);
    while (lt_ring_pop(&e->midi_ring, &m)) midi_to_cmds(e, &m);
    for (int i = 0; i < LT_MAX_TRACKS; i++)
        if (e->tracks[i]) smooth_params(e, e->tracks[i]);

    int pos = 0;
    while (e->heap_n > 0 && e->heap[0].frame < end) {
        heap_pop(e, &c);
        int off = 0;
        if (c.frame < start) {
            if (c.type == LT_CMD_NOTE_ON || c.type == LT_CMD_NOTE_OFF) {
                atomic_fetch_add(&e->late, 1);
                reply(e, LT_REPLY_LATE, c.slot, c.frame, NULL, (float)(start - c.frame), 0);
            }
        } else off = (int)(c.frame - start);
        if (off > pos) { render_tracks(e, pos, off); pos = off; }
        apply(e, &c);
        if (c.type == LT_CMD_TRACK_ADD) {   /* a new track starts silent up to its first frame */
            lt_track *t = e->tracks[c.slot];
            if (t) memset(t->buf, 0, sizeof(float) * (size_t)pos);
        }
    }
    render_tracks(e, pos, LT_QUANTUM);

    float *mix = e->fifo;
    memset(mix, 0, sizeof e->fifo);
    for (int i = 0; i < LT_MAX_TRACKS; i++)
        if (e->tracks[i]) mix_track(e, i, mix);

    e->master_cur += e->smooth_a * (e->master_target - e->master_cur);
    float g = e->master_g, dg = (e->master_cur - g) / LT_QUANTUM, pl = e->mpeak_l, pr = e->mpeak_r;
    for (int i = 0; i < LT_QUANTUM; i++) {
        g += dg;
        float l = mix[2 * i] * g, r = mix[2 * i + 1] * g;
        if (!isfinite(l) || !isfinite(r)) { l = r = 0; }   /* never reaches the device */
        mix[2 * i] = l; mix[2 * i + 1] = r;
        if (fabsf(l) > pl) pl = fabsf(l);
        if (fabsf(r) > pr) pr = fabsf(r);
    }
    e->master_g = e->master_cur;
    e->mpeak_l = pl; e->mpeak_r = pr;
    if (++e->meter_count >= e->meter_period) {
        e->meter_count = 0;
        reply(e, LT_REPLY_METER, LT_MASTER_SLOT, start, NULL, pl, pr);
        e->mpeak_l = e->mpeak_r = 0;
        for (int i = 0; i < LT_MAX_TRACKS; i++) {
            lt_track *t = e->tracks[i];
            if (!t) continue;
            reply(e, LT_REPLY_METER, (uint16_t)i, start, NULL, t->peak_l, t->peak_r);
            t->peak_l = t->peak_r = 0;
        }
    }
    atomic_store_explicit(&e->frame, end, memory_order_relaxed);
}

void lt_engine_process(lt_engine *e, float *out, int n) {
#if defined(__SSE__) || defined(__x86_64__)
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
    while (n > 0) {
        if (e->fifo_pos >= LT_QUANTUM) { render_quantum(e); e->fifo_pos = 0; }
        int k = LT_QUANTUM - e->fifo_pos;
        if (k > n) k = n;
        memcpy(out, e->fifo + 2 * e->fifo_pos, sizeof(float) * 2 * (size_t)k);
        out += 2 * k; n -= k;
        e->fifo_pos += k;
        e->out_frame += k;
    }
    atomic_store_explicit(&e->out_frame_pub, e->out_frame, memory_order_release);
}
