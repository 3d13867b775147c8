/* engine.c — the block loop: commands into a time-ordered queue, each quantum's events handed to
 * the nodes they are for, the plan's steps walked in order, the output guarded; plan swaps, the
 * handle table, MIDI in C and the flywheel.  See engine.h for the threading contract. */
#include "engine.h"
#include "ring.h"
#include "graph/plan.h"
#include "analysis/truepeak.h"
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#include <pmmintrin.h>
#endif

#define METER_S        0.050
#define RECORD_CAP     16384      /* scheduled events remembered for the flywheel (a dense bar) */
#define GUARD_RELEASE  0.050f     /* the speaker guard lets go over 50 ms */
#define IN_CAP         16384      /* input ring frames per channel (a power of two, > 2 x the largest block) */

typedef struct midi_msg { int64_t frame; uint8_t len; uint8_t d[3]; } midi_msg;
typedef struct qitem { int64_t frame; uint64_t seq; lt_cmd cmd; } qitem;

struct lt_engine {
    int       sr;
    lt_ring   cmd_ring, reply_ring, midi_ring;
    qitem    *heap;                 /* min-heap on (frame, seq) */
    int       heap_n, heap_cap;
    uint64_t  seq;
    lt_nev   *qev;                  /* this quantum's node events */
    int       nqev;
    lt_plan  *plan;
    lt_node  *table[LT_MAX_NODES + 1];   /* handle index -> node, for the nodes of the running plan */
    lt_ccmap  ccmaps[LT_CC_MAPS];
    lt_handle note_target;
    uint32_t  note_ids;
    int64_t   midi_last;            /* frame of the last MIDI message taken: MIDI keeps its order */
    /* the flywheel */
    int64_t   horizon;              /* engine frame the scheduler has covered; -1: no flywheel */
    int32_t   period;
    int64_t   offset;               /* engine frame = score frame + offset */
    _Atomic int64_t offset_pub;
    int       turns;                /* turns in the current stall */
    lt_cmd   *rec;                  /* ring of applied scheduled events, engine frames */
    int       rec_head, rec_n;
    /* the output */
    float     fifo[LT_QUANTUM * LT_MAX_OUTPUTS];   /* nout channels, interleaved */
    int       fifo_pos;
    int       nout;                 /* device output channels: the master on 0-1, direct outputs after */
    float     direct[LT_MAX_OUTPUTS][LT_QUANTUM];
    _Atomic int64_t frame;          /* next engine frame rendered into the FIFO */
    int64_t   out_frame;
    _Atomic int64_t out_frame_pub;
    int       guard_on;
    float     guard_ceiling, guard_gain, guard_rel, guard_min;
    int       guard_acting;
    _Atomic unsigned mark_seq;
    _Atomic int64_t mark_frame, mark_ns;
    int       meter_count, meter_period;
    float     mpeak_l, mpeak_r;
    double    corr_lr, corr_ll, corr_rr;   /* the output's cross and own products since the last meter reply */
    _Atomic(lt_truepeak *) tp;       /* the output's true-peak meter, made when first wanted */
    _Atomic int64_t late, dropped, stale, guards, turns_total, limited;
    void    (*tap)(void *ud, const lt_plan *p, int64_t frame);
    void     *tap_ud;
    /* the device input: a ring of the frames the driver handed in, read one quantum behind */
    float     in_ring[LT_MAX_INPUTS][IN_CAP];
    int64_t   in_written;           /* engine frame after the last input frame written */
    int       nin;                  /* channels the driver gives */
    float     in_q[LT_MAX_INPUTS][LT_QUANTUM];
    void    (*in_src)(void *ud, int64_t frame, float *const *ch, int nch, int n);
    void     *in_ud;
    int       in_src_ch;
};

static void heap_push(lt_engine *e, const lt_cmd *c);

/* ---- control thread ---------------------------------------------------------------------------- */

lt_engine *lt_engine_new(const lt_engine_config *cfg) {
    lt_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->sr = cfg && cfg->sample_rate > 0 ? cfg->sample_rate : 48000;
    int cap = cfg && cfg->cmd_capacity > 0 ? cfg->cmd_capacity : 65536;
    if (lt_ring_init(&e->cmd_ring, sizeof(lt_cmd), (size_t)cap)) goto fail;
    if (lt_ring_init(&e->reply_ring, sizeof(lt_reply), 16384)) goto fail;
    if (lt_ring_init(&e->midi_ring, sizeof(midi_msg), 1024)) goto fail;
    e->heap_cap = cap;
    e->heap = calloc((size_t)cap, sizeof *e->heap);
    e->qev = calloc((size_t)cap, sizeof *e->qev);
    e->rec = calloc(RECORD_CAP, sizeof *e->rec);
    if (!e->heap || !e->qev || !e->rec) goto fail;
    for (int i = 0; i < LT_CC_MAPS; i++) e->ccmaps[i].cc = -1;
    e->fifo_pos = LT_QUANTUM;
    e->nout = 2;
    e->meter_period = (int)(METER_S * e->sr / LT_QUANTUM);
    e->horizon = -1;
    e->midi_last = INT64_MIN;
    e->guard_ceiling = 1.0f;
    e->guard_gain = 1.0f;
    e->guard_rel = 1.0f - expf(-1.0f / (GUARD_RELEASE * (float)e->sr));
    return e;
fail:
    lt_engine_free(e);
    return NULL;
}

static void give(void (*give_back)(void *, const lt_reply *), void *ud, uint16_t type, void *ptr) {
    lt_reply r = { type, 0, 0, ptr, 0, 0, 0, 0 };
    if (ptr) give_back(ud, &r);
}

void lt_engine_drain(lt_engine *e, void (*give_back)(void *ud, const lt_reply *r), void *ud) {
    lt_cmd c;
    lt_reply r;
    while (lt_ring_pop(&e->reply_ring, &r)) give_back(ud, &r);
    while (lt_ring_pop(&e->cmd_ring, &c)) heap_push(e, &c);
    for (int i = 0; i < e->heap_n; i++) {
        if (e->heap[i].cmd.type == LT_CMD_PLAN) give(give_back, ud, LT_REPLY_PLAN_FREE, e->heap[i].cmd.u.obj.ptr);
        if (e->heap[i].cmd.type == LT_CMD_POOL) give(give_back, ud, LT_REPLY_POOL_FREE, e->heap[i].cmd.u.obj.ptr);
        if (e->heap[i].cmd.type == LT_CMD_KIT) give(give_back, ud, LT_REPLY_KIT_FREE, e->heap[i].cmd.u.obj.ptr);
        if (e->heap[i].cmd.type == LT_CMD_TAKE && e->heap[i].cmd.u.take.take)
            give(give_back, ud, LT_REPLY_TAKE_DONE, e->heap[i].cmd.u.take.take);
    }
    if (e->plan)
        for (int i = 0; i < e->plan->nnodes; i++) {
            lt_node *n = e->plan->nodes[i];
            if (n->type == LT_NODE_INSTR && n->u.instr.take) {
                give(give_back, ud, LT_REPLY_TAKE_DONE, n->u.instr.take);
                n->u.instr.take = NULL;
            }
        }
    e->heap_n = 0;
    if (e->plan) give(give_back, ud, LT_REPLY_PLAN_FREE, e->plan);
    e->plan = NULL;
    memset(e->table, 0, sizeof e->table);
}

void lt_engine_free(lt_engine *e) {
    if (!e) return;
    lt_truepeak_free(atomic_load(&e->tp));
    lt_ring_free(&e->cmd_ring);
    lt_ring_free(&e->reply_ring);
    lt_ring_free(&e->midi_ring);
    free(e->heap);
    free(e->qev);
    free(e->rec);
    free(e);
}

int    lt_engine_rate(const lt_engine *e) { return e->sr; }

int lt_engine_set_outputs(lt_engine *e, int n) {
    if (n < 2 || n > LT_MAX_OUTPUTS) return -1;
    e->nout = n;
    return 0;
}

int lt_engine_outputs(const lt_engine *e) { return e->nout; }

int lt_engine_meter_true_peak(lt_engine *e) {
    if (atomic_load(&e->tp)) return 0;
    lt_truepeak *t = lt_truepeak_new(2);
    if (!t) return -1;
    atomic_store_explicit(&e->tp, t, memory_order_release);
    return 0;
}
bool   lt_engine_send(lt_engine *e, const lt_cmd *c) { return lt_ring_push(&e->cmd_ring, c); }
size_t lt_engine_send_space(lt_engine *e) { return lt_ring_capacity(&e->cmd_ring) - lt_ring_count(&e->cmd_ring); }
bool   lt_engine_poll(lt_engine *e, lt_reply *r) { return lt_ring_pop(&e->reply_ring, r); }
lt_plan *lt_engine_plan(const lt_engine *e) { return e->plan; }
void lt_engine_set_tap(lt_engine *e, void (*tap)(void *, const lt_plan *, int64_t), void *ud) { e->tap = tap; e->tap_ud = ud; }

bool lt_engine_midi(lt_engine *e, int64_t frame, const uint8_t *msg, int len) {
    if (len < 1 || len > 3 || msg[0] < 0x80 || msg[0] >= 0xF0) return false;  /* channel messages only */
    midi_msg m = {frame, (uint8_t)len, {msg[0], len > 1 ? msg[1] : 0, len > 2 ? msg[2] : 0}};
    return lt_ring_push(&e->midi_ring, &m);
}

int64_t lt_engine_engine_frame(const lt_engine *e) { return atomic_load(&e->out_frame_pub); }
int64_t lt_engine_frame(const lt_engine *e) { return atomic_load(&e->out_frame_pub) - atomic_load(&e->offset_pub); }

void lt_engine_get_stats(const lt_engine *e, lt_engine_stats *s) {
    s->late_events = atomic_load(&e->late);
    s->dropped_events = atomic_load(&e->dropped);
    s->stale_events = atomic_load(&e->stale);
    s->guard_trips = atomic_load(&e->guards);
    s->flywheel_turns = atomic_load(&e->turns_total);
    s->limiter_blocks = atomic_load(&e->limited);
    s->offset = atomic_load(&e->offset_pub);
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
    if (t == 0) return lt_engine_engine_frame(e);
    return f + (int64_t)((double)(ns - t) * e->sr / 1e9);
}

/* ---- audio thread ------------------------------------------------------------------------------ */

static void reply4(lt_engine *e, uint16_t type, lt_handle node, int64_t frame, void *ptr, float a, float b,
                   float c, float d) {
    lt_reply r = {type, node, frame, ptr, a, b, c, d};
    lt_ring_push(&e->reply_ring, &r);   /* a full reply ring drops a report, never blocks */
}

static void reply(lt_engine *e, uint16_t type, lt_handle node, int64_t frame, void *ptr, float a, float b) {
    reply4(e, type, node, frame, ptr, a, b, 0, 0);
}

static void node_reply(void *ud, uint16_t type, lt_handle node, void *ptr, float a, float b) {
    lt_engine *e = ud;
    reply(e, type, node, atomic_load_explicit(&e->frame, memory_order_relaxed), ptr, a, b);
}

static bool before(const qitem *a, const qitem *b) {
    return a->frame < b->frame || (a->frame == b->frame && a->seq < b->seq);
}

static void heap_push(lt_engine *e, const lt_cmd *c) {
    if (e->heap_n >= e->heap_cap) {
        atomic_fetch_add(&e->dropped, 1);
        reply(e, LT_REPLY_OVERFLOW, c->node, c->frame, NULL, 0, 0);
        if (c->type == LT_CMD_PLAN) reply(e, LT_REPLY_PLAN_FREE, 0, c->frame, c->u.obj.ptr, 0, 0);
        if (c->type == LT_CMD_POOL) reply(e, LT_REPLY_POOL_FREE, c->node, c->frame, c->u.obj.ptr, 0, 0);
        if (c->type == LT_CMD_KIT) reply(e, LT_REPLY_KIT_FREE, c->node, c->frame, c->u.obj.ptr, 0, 0);
        if (c->type == LT_CMD_TAKE && c->u.take.take) reply(e, LT_REPLY_TAKE_DONE, c->node, c->frame, c->u.take.take, 0, 0);
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

/* Puts `it` at place i, moving it down past any earlier child (the rest of the heap below i is in order). */
static void sift_down(lt_engine *e, int i, qitem it) {
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        const qitem *best = &it;
        if (l < e->heap_n && before(&e->heap[l], best)) { m = l; best = &e->heap[l]; }
        if (r < e->heap_n && before(&e->heap[r], best)) { m = r; }
        if (m == i) break;
        e->heap[i] = e->heap[m];
        i = m;
    }
    e->heap[i] = it;
}

static void heap_pop(lt_engine *e, lt_cmd *out) {
    *out = e->heap[0].cmd;
    qitem last = e->heap[--e->heap_n];
    if (e->heap_n > 0) sift_down(e, 0, last);
}

static lt_node *lookup(const lt_engine *e, lt_handle h) {
    lt_node *n = e->table[LT_HANDLE_INDEX(h)];
    return n && n->handle == h ? n : NULL;
}

/* Appends an event to a node's list for this quantum (the lists are in frame order, as popped). */
static void to_node(lt_engine *e, lt_node *n, const lt_cmd *c, int off) {
    if (e->nqev >= e->heap_cap) { atomic_fetch_add(&e->dropped, 1); return; }
    int k = e->nqev++;
    e->qev[k].next = -1;
    e->qev[k].off = off;
    e->qev[k].cmd = *c;
    if (n->ev_tail >= 0) e->qev[n->ev_tail].next = k; else n->ev_head = k;
    n->ev_tail = k;
}

static void record(lt_engine *e, const lt_cmd *c) {
    int at = (e->rec_head + e->rec_n) % RECORD_CAP;
    e->rec[at] = *c;
    if (e->rec_n < RECORD_CAP) e->rec_n++; else e->rec_head = (e->rec_head + 1) % RECORD_CAP;
}

static void swap_plan(lt_engine *e, lt_plan *next, int64_t frame) {
    lt_plan *old = e->plan;
    if (old)
        for (int i = 0; i < old->nnodes; i++) {
            lt_node *n = old->nodes[i];
            if (e->table[LT_HANDLE_INDEX(n->handle)] == n) e->table[LT_HANDLE_INDEX(n->handle)] = NULL;
        }
    for (int i = 0; i < next->nnodes; i++) {
        lt_node *n = next->nodes[i];
        if (next->node_flags[i] & LT_PN_ENTERING) { n->ev_head = n->ev_tail = -1; lt_node_enter(n, (float)e->sr); }
        if (next->node_flags[i] & LT_PN_LEAVING) lt_node_leave(n, (float)e->sr);
        else e->table[LT_HANDLE_INDEX(n->handle)] = n;
    }
    e->plan = next;
    if (old) reply(e, LT_REPLY_PLAN_FREE, 0, frame, old, 0, 0);
}

/* Every instrument (and with `fx`, every effect) of the plan gets `type` at offset `off`. */
static void to_all(lt_engine *e, uint16_t type, int off, int fx) {
    if (!e->plan) return;
    lt_cmd c = { .type = type };
    for (int i = 0; i < e->plan->nnodes; i++) {
        lt_node *n = e->plan->nodes[i];
        if (n->type == LT_NODE_INSTR || (fx && n->type == LT_NODE_FX)) { c.node = n->handle; to_node(e, n, &c, off); }
    }
}

static float cc_value(const lt_ccmap *m, int v) {
    float x = (float)v / 127.0f;
    if (m->curve == LT_CURVE_EXP && m->min > 0 && m->max > 0) return m->min * powf(m->max / m->min, x);
    return m->min + (m->max - m->min) * x;
}

/* MIDI becomes ordinary commands in engine frames: notes for the note target, parameters per map. */
static void midi_to_cmds(lt_engine *e, const midi_msg *m) {
    uint8_t st = m->d[0] & 0xF0, ch = m->d[0] & 0x0F;
    lt_cmd c = {.frame = m->frame, .flags = LT_CMDF_MIDI};
    if ((st == 0x90 || st == 0x80) && e->note_target) {
        c.node = e->note_target;
        if (st == 0x90 && m->d[2] > 0) {
            c.type = LT_CMD_NOTE;
            c.u.note.note = m->d[1];
            c.u.note.vel = m->d[2] / 127.0f;
            c.u.note.dur = 0;
        } else {
            c.type = LT_CMD_NOTE_OFF_PITCH;
            c.u.note.note = m->d[1];
            c.u.note.vel = m->d[2] / 127.0f;
        }
        heap_push(e, &c);
    } else if (st == 0xB0 && (m->d[1] == 120 || m->d[1] == 123)) {
        c.type = m->d[1] == 120 ? LT_CMD_PANIC : LT_CMD_RELEASE_ALL;   /* all sound off / all notes off */
        heap_push(e, &c);
    } else if (st == 0xB0) {
        for (int i = 0; i < LT_CC_MAPS; i++) {
            const lt_ccmap *map = &e->ccmaps[i];
            if (map->cc != m->d[1] || (map->channel >= 0 && map->channel != ch)) continue;
            c.type = LT_CMD_PARAM;
            c.node = map->node;
            c.u.param.index = map->param;
            c.u.param.value = cc_value(map, m->d[2]);
            c.u.param.ramp = -1;
            heap_push(e, &c);
        }
    }
}

/* The scheduler has not covered the next quantum: repeat the last bar it gave, a bar later, and
 * move everything it sent for later by that bar too. */
static void flywheel_turn(lt_engine *e) {
    int64_t h = e->horizon, p = e->period;
    /* Every scheduled item at or after h moves a bar later; the others stay — the engine's own
     * note-offs (a note that started before h ends when it was going to) and the player's MIDI, which
     * is in engine frames.  A moved item can now be later than an unmoved child under it, so the
     * heap's order is restored (Floyd's bottom-up build: O(n), no allocation). */
    for (int i = 0; i < e->heap_n; i++)
        if ((e->heap[i].cmd.flags & LT_CMDF_SCHED) && e->heap[i].frame >= h) {
            e->heap[i].frame += p;
            e->heap[i].cmd.frame += p;
        }
    for (int i = e->heap_n / 2 - 1; i >= 0; i--) sift_down(e, i, e->heap[i]);
    for (int k = 0; k < e->rec_n; k++) {
        const lt_cmd *r = &e->rec[(e->rec_head + k) % RECORD_CAP];
        if (r->frame >= h - p && r->frame < h) {
            lt_cmd c = *r;
            c.frame += p;
            heap_push(e, &c);
        }
    }
    e->offset += p;
    atomic_store_explicit(&e->offset_pub, e->offset, memory_order_release);
    e->horizon += p;
    e->turns++;
    atomic_fetch_add(&e->turns_total, 1);
    reply(e, LT_REPLY_FLYWHEEL, 0, h, NULL, (float)p, (float)e->turns);
}

static void apply_engine_cmd(lt_engine *e, const lt_cmd *c, int off) {
    switch (c->type) {
    case LT_CMD_PLAN: swap_plan(e, c->u.obj.ptr, c->frame); break;
    case LT_CMD_CC_MAP: if (c->u.cc.index < LT_CC_MAPS) e->ccmaps[c->u.cc.index] = c->u.cc.map; break;
    case LT_CMD_NOTE_TARGET: e->note_target = c->node; break;
    case LT_CMD_HORIZON:
        if (c->u.fly.horizon < 0 || c->u.fly.period <= 0) { e->horizon = -1; break; }
        e->horizon = c->u.fly.horizon;        /* already mapped to engine frames */
        e->period = c->u.fly.period;
        e->turns = 0;
        break;
    case LT_CMD_RELEASE_ALL: to_all(e, LT_CMD_RELEASE, off, 0); break;
    case LT_CMD_PANIC: to_all(e, LT_CMD_KILL, off, 1); break;
    case LT_CMD_GUARD:
        e->guard_on = c->u.guard.on;
        e->guard_ceiling = c->u.guard.ceiling > 0 ? c->u.guard.ceiling : 1.0f;
        break;
    }
}

static int is_engine_cmd(uint16_t t) { return t >= LT_CMD_PLAN; }

/* Takes the commands of quantum [start, start + LT_QUANTUM) off the queue: engine commands act now,
 * node commands go to their node's list with their offset. */
static void gather(lt_engine *e, int64_t start) {
    int64_t end = start + LT_QUANTUM;
    lt_cmd c;
    midi_msg m;
    e->nqev = 0;
    if (e->plan) for (int i = 0; i < e->plan->nnodes; i++) e->plan->nodes[i]->ev_head = e->plan->nodes[i]->ev_tail = -1;
    /* what the scheduler sent first (a new horizon that has just arrived moves the flywheel's cue
     * before it is judged; it acts at once, whatever its frame), then the flywheel */
    while (lt_ring_pop(&e->cmd_ring, &c)) {
        if (c.flags & LT_CMDF_SCHED) c.frame += e->offset;
        if (c.type == LT_CMD_HORIZON) {
            if (c.u.fly.horizon >= 0) c.u.fly.horizon += e->offset;
            apply_engine_cmd(e, &c, 0);
            continue;
        }
        heap_push(e, &c);
    }
    while (e->horizon >= 0 && e->period > 0 && end > e->horizon) flywheel_turn(e);
    /* Each message is stamped from the arrival time by the clock estimate (lt_engine_frame_at), which can
     * step back when the audio thread was late (an xrun on a loaded machine): a note-off stamped before its
     * note-on would play first and leave the note hanging.  MIDI's order is the order of arrival, so a
     * message is never placed before the one that came before it. */
    while (lt_ring_pop(&e->midi_ring, &m)) {
        if (m.frame < e->midi_last) m.frame = e->midi_last;
        e->midi_last = m.frame;
        midi_to_cmds(e, &m);
    }
    while (e->heap_n > 0 && e->heap[0].frame < end) {
        heap_pop(e, &c);
        int off = 0;
        if (c.frame < start) {
            if ((c.flags & LT_CMDF_SCHED) && c.type == LT_CMD_NOTE) {
                atomic_fetch_add(&e->late, 1);
                reply(e, LT_REPLY_LATE, c.node, c.frame, NULL, (float)(start - c.frame), 0);
            }
        } else off = (int)(c.frame - start);
        if (is_engine_cmd(c.type)) { apply_engine_cmd(e, &c, off); continue; }
        lt_node *n = lookup(e, c.node);
        if (!n) {
            if (c.type != LT_CMD_NOTE_OFF) {   /* a note-off of a removed track is nothing to report */
                atomic_fetch_add(&e->stale, 1);
                reply(e, LT_REPLY_STALE, c.node, c.frame, NULL, (float)c.type, 0);
            }
            if (c.type == LT_CMD_POOL) reply(e, LT_REPLY_POOL_FREE, c.node, c.frame, c.u.obj.ptr, 0, 0);
            if (c.type == LT_CMD_KIT) reply(e, LT_REPLY_KIT_FREE, c.node, c.frame, c.u.obj.ptr, 0, 0);
            if (c.type == LT_CMD_TAKE && c.u.take.take) reply(e, LT_REPLY_TAKE_DONE, c.node, c.frame, c.u.take.take, 0, 0);
            continue;
        }
        if (c.type == LT_CMD_NOTE) {
            c.u.note.id = ++e->note_ids;
            if (c.u.note.dur > 0) {             /* the engine ends the note itself */
                lt_cmd off_cmd = { .frame = c.frame + c.u.note.dur, .type = LT_CMD_NOTE_OFF, .node = c.node };
                off_cmd.u.note.id = c.u.note.id;
                heap_push(e, &off_cmd);
            }
        }
        if ((c.flags & LT_CMDF_SCHED) && (c.type == LT_CMD_NOTE || c.type == LT_CMD_PARAM || c.type == LT_CMD_SAMPLE)) record(e, &c);
        to_node(e, n, &c, off);
    }
}

/* The output stage: NaN and infinity never reach the device; live, the speaker guard keeps every
 * sample at or under its ceiling (instant attack, 50 ms release, then a hard clip as the last word). */
static void output(lt_engine *e, const float *l, const float *r, float *out, int64_t start) {
    float g = e->guard_gain, ceil = e->guard_ceiling, rel = e->guard_rel, gmin = 1.0f;
    float pl = e->mpeak_l, pr = e->mpeak_r;
    for (int i = 0; i < LT_QUANTUM; i++) {
        float a = l[i], b = r[i];
        if (!isfinite(a) || !isfinite(b)) a = b = 0;
        if (e->guard_on) {
            float peak = fmaxf(fabsf(a), fabsf(b));
            float want = peak > ceil ? ceil / peak : 1.0f;
            g = want < g ? want : g + rel * (1.0f - g);
            if (g < gmin) gmin = g;
            a *= g; b *= g;
            a = a > ceil ? ceil : a < -ceil ? -ceil : a;
            b = b > ceil ? ceil : b < -ceil ? -ceil : b;
        }
        out[e->nout * i] = a;
        out[e->nout * i + 1] = b;
        if (fabsf(a) > pl) pl = fabsf(a);
        if (fabsf(b) > pr) pr = fabsf(b);
    }
    e->guard_gain = g;
    e->mpeak_l = pl; e->mpeak_r = pr;
    /* the direct outputs (a click for the headphones): never NaN, and live never past the ceiling */
    for (int c = 2; c < e->nout; c++)
        for (int i = 0; i < LT_QUANTUM; i++) {
            float v = e->direct[c][i];
            if (!isfinite(v)) v = 0;
            if (e->guard_on) v = v > ceil ? ceil : v < -ceil ? -ceil : v;
            out[e->nout * i + c] = v;
        }
    double lr = 0, ll = 0, rr = 0;
    for (int i = 0; i < LT_QUANTUM; i++) {
        double a = out[e->nout * i], b = out[e->nout * i + 1];
        lr += a * b; ll += a * a; rr += b * b;
    }
    e->corr_lr += lr; e->corr_ll += ll; e->corr_rr += rr;
    lt_truepeak *tp = atomic_load_explicit(&e->tp, memory_order_acquire);
    if (tp) {
        if (e->nout == 2) lt_truepeak_add(tp, out, LT_QUANTUM);
        else {
            float lr2[2 * LT_QUANTUM];
            for (int i = 0; i < LT_QUANTUM; i++) { lr2[2 * i] = out[e->nout * i]; lr2[2 * i + 1] = out[e->nout * i + 1]; }
            lt_truepeak_add(tp, lr2, LT_QUANTUM);
        }
    }
    if (gmin < 0.999f) {
        atomic_fetch_add(&e->limited, 1);
        if (!e->guard_acting) reply(e, LT_REPLY_LIMIT, 0, start, NULL, -20.0f * log10f(gmin), 0);
        e->guard_acting = 1;
    } else if (g > 0.999f) e->guard_acting = 0;
}

static void guard_trip(lt_engine *e, const lt_plan *p, int step, int64_t start) {
    int group = p->steps[step].group;
    for (int i = 0; i < p->nsteps; i++) {
        const lt_step *s = &p->steps[i];
        if (s->group != group) continue;
        if (s->kind == LT_STEP_INSTR) lt_instr_kill(s->node);
        if (s->kind == LT_STEP_FX) lt_fx_clear(s->node);
    }
    atomic_fetch_add(&e->guards, 1);
    const lt_step *s = &p->steps[step];
    reply(e, LT_REPLY_GUARD, s->aux ? s->aux->handle : s->node->handle, start, NULL, 0, 0);
}

/* The input of quantum [start, start + Q): the frames captured at [start - Q, start), which the
 * driver has always handed in by now whatever its block size; offline, from the input source. */
static int read_input(lt_engine *e, int64_t start, lt_run *run) {
    if (e->in_src) {
        float *ch[LT_MAX_INPUTS];
        for (int c = 0; c < e->in_src_ch; c++) { ch[c] = e->in_q[c]; run->in[c] = e->in_q[c]; }
        e->in_src(e->in_ud, start - LT_QUANTUM, ch, e->in_src_ch, LT_QUANTUM);
        return e->in_src_ch;
    }
    if (!e->nin) return 0;
    int64_t from = start - LT_QUANTUM;
    for (int c = 0; c < e->nin; c++) {
        for (int i = 0; i < LT_QUANTUM; i++) {
            int64_t f = from + i;
            e->in_q[c][i] = f >= 0 && f < e->in_written && f >= e->in_written - IN_CAP ? e->in_ring[c][f & (IN_CAP - 1)] : 0.0f;
        }
        run->in[c] = e->in_q[c];
    }
    return e->nin;
}

static void render_quantum(lt_engine *e) {
    int64_t start = atomic_load_explicit(&e->frame, memory_order_relaxed);
    gather(e, start);
    for (int c = 2; c < e->nout; c++) memset(e->direct[c], 0, sizeof e->direct[c]);
    lt_plan *p = e->plan;
    if (!p) {
        float z[LT_QUANTUM] = {0};
        output(e, z, z, e->fifo, start);
    } else {
        lt_run run = { e->qev, start, (float)e->sr, 120.0, node_reply, e, {0}, 0, e->offset };
        run.nin = read_input(e, start, &run);
        for (int i = 0; i < p->nsteps; i++) {
            const lt_step *s = &p->steps[i];
            float *b = lt_plan_buf(p, s->buf);
            switch (s->kind) {
            case LT_STEP_CLEAR: memset(b, 0, sizeof(float) * 2 * LT_QUANTUM); break;
            case LT_STEP_INSTR: lt_instr_run(s->node, &run, b, b + LT_QUANTUM); break;
            case LT_STEP_FX: {
                const float *k = s->key >= 0 ? lt_plan_buf(p, s->key) : NULL;
                lt_fx_run(s->node, &run, b, b + LT_QUANTUM, k, k ? k + LT_QUANTUM : NULL);
                break;
            }
            case LT_STEP_STRIP: {
                float *d = s->dst >= 0 ? lt_plan_buf(p, s->dst) : NULL;
                s->node->u.strip.instr_idle = s->aux ? lt_instr_idle(s->aux) : 1;
                if (lt_strip_run(s->node, &run, b, b + LT_QUANTUM, d, d ? d + LT_QUANTUM : NULL) < 0)
                    guard_trip(e, p, i, start);
                break;
            }
            case LT_STEP_COPY: memcpy(lt_plan_buf(p, s->dst), b, sizeof(float) * 2 * LT_QUANTUM); break;
            case LT_STEP_DELAY: lt_delay_run(s->node, b, s->len); break;
            case LT_STEP_SEND: lt_send_run(s->node, &run, b, lt_plan_buf(p, s->dst)); break;
            case LT_STEP_SUM: {
                float *d = lt_plan_buf(p, s->dst);
                for (int k = 0; k < 2 * LT_QUANTUM; k++) d[k] += b[k];
                break;
            }
            case LT_STEP_OUT: output(e, b, b + LT_QUANTUM, e->fifo, start); break;
            case LT_STEP_DIRECT:
                if (s->key < 0) {
                    if (s->len < e->nout)
                        for (int k = 0; k < LT_QUANTUM; k++) e->direct[s->len][k] += 0.5f * (b[k] + b[LT_QUANTUM + k]);
                } else {
                    if (s->len < e->nout) for (int k = 0; k < LT_QUANTUM; k++) e->direct[s->len][k] += b[k];
                    if (s->key < e->nout) for (int k = 0; k < LT_QUANTUM; k++) e->direct[s->key][k] += b[LT_QUANTUM + k];
                }
                break;
            }
        }
        if (e->tap) e->tap(e->tap_ud, p, start);
    }
    if (++e->meter_count >= e->meter_period) {
        e->meter_count = 0;
        if (p)
            for (int i = 0; i < p->nsteps; i++) {
                const lt_step *st = &p->steps[i];
                if (st->kind == LT_STEP_STRIP) {
                    lt_strip *s = &st->node->u.strip;
                    const lt_node *who = st->group < 0 ? NULL : st->aux ? st->aux : st->node;
                    float n = s->ms_n > 0 ? (float)s->ms_n : 1.0f;
                    reply4(e, LT_REPLY_METER, who ? who->handle : 0, start, NULL, who ? s->peak_l : e->mpeak_l,
                           who ? s->peak_r : e->mpeak_r, sqrtf((float)((s->ms_l + s->ms_r) / (2.0 * n))), (float)(s->ks / n));
                    s->peak_l = s->peak_r = 0;
                    s->ms_l = s->ms_r = s->ks = 0;
                    s->ms_n = 0;
                } else if (st->kind == LT_STEP_FX && st->node->u.fx.def->reduction) {
                    reply(e, LT_REPLY_REDUCTION, st->node->handle, start, NULL, st->node->u.fx.gr_max, 0);
                    st->node->u.fx.gr_max = 0;
                }
            }
        else reply(e, LT_REPLY_METER, 0, start, NULL, e->mpeak_l, e->mpeak_r);
        e->mpeak_l = e->mpeak_r = 0;
        /* the output's true peak (-1: not measured) and the correlation of left and right (0 when
         * either is silent: nothing to relate) */
        lt_truepeak *tp = atomic_load_explicit(&e->tp, memory_order_acquire);
        double pk[2] = { -1, -1 };
        if (tp) lt_truepeak_take(tp, pk);
        double den = sqrt(e->corr_ll * e->corr_rr);
        reply(e, LT_REPLY_OUTPUT, 0, start, NULL, (float)(pk[0] > pk[1] ? pk[0] : pk[1]),
              den > 1e-20 ? (float)(e->corr_lr / den) : 0.0f);
        e->corr_lr = e->corr_ll = e->corr_rr = 0;
    }
    atomic_store_explicit(&e->frame, start + LT_QUANTUM, memory_order_relaxed);
}

void lt_engine_process(lt_engine *e, float *out, int n) { lt_engine_process_io(e, NULL, 0, out, n); }

void lt_engine_process_io(lt_engine *e, const float *in, int nin, float *out, int n) {
    if (in && nin > 0) {
        if (nin > LT_MAX_INPUTS) nin = LT_MAX_INPUTS;
        int stride = nin;
        if (nin > e->nin) e->nin = nin;
        for (int i = 0; i < n; i++) {
            int64_t f = e->out_frame + i;
            for (int c = 0; c < nin; c++) e->in_ring[c][f & (IN_CAP - 1)] = in[(size_t)i * stride + c];
        }
        e->in_written = e->out_frame + n;
    }
#if defined(__SSE__) || defined(__x86_64__)
    _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
    _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
#endif
    while (n > 0) {
        if (e->fifo_pos >= LT_QUANTUM) { render_quantum(e); e->fifo_pos = 0; }
        int k = LT_QUANTUM - e->fifo_pos;
        if (k > n) k = n;
        memcpy(out, e->fifo + e->nout * e->fifo_pos, sizeof(float) * (size_t)(e->nout * k));
        out += e->nout * k; n -= k;
        e->fifo_pos += k;
        e->out_frame += k;
    }
    atomic_store_explicit(&e->out_frame_pub, e->out_frame, memory_order_release);
}

void lt_engine_set_input(lt_engine *e, void (*src)(void *ud, int64_t frame, float *const *ch, int nch, int n), void *ud,
                         int nch) {
    e->in_src = src;
    e->in_ud = ud;
    e->in_src_ch = nch < 0 ? 0 : nch > LT_MAX_INPUTS ? LT_MAX_INPUTS : nch;
}
