/* voices.c — a voice pool's memory, notes and lanes (see voices.h); the block loop itself is in
 * voices_v8.c, compiled once per instruction set. */
#include "graph/voices_impl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SMOOTH_S  0.010f    /* a parameter change glides over 10 ms unless told otherwise */
#define FADE_S    0.005f    /* a released voice of a program without envelope fades over 5 ms */

static size_t align32(size_t n) { return (n + 31) & ~(size_t)31; }

void *lt_alloc_prefault(size_t bytes) {
    bytes = align32(bytes ? bytes : 32);
    void *p = aligned_alloc(32, bytes);
    if (!p) return NULL;
    memset(p, 0, bytes);          /* writes every page: no page fault later on the audio thread */
    return p;
}

void lt_free_prefault(void *p) { free(p); }

static int capacity_of(const lt_pool_config *cfg) {
    int v = cfg->mono ? 1 : cfg->voices;
    if (v < 1) v = 1;
    if (v > LT_POOL_MAX_VOICES) v = LT_POOL_MAX_VOICES;
    return v;
}

/* Layout: pool | params | trig | rates | blocks | wires | pwires | iwires | acc, each 32-aligned. */
typedef struct layout { size_t params, trig, wrate, prate, urate, flags, vers, calls, run, rsrc, blocks, wires, pwires, iwires, acc, uwires, total, stride, hdr; } layout;

static layout plan_layout(const lt_program *p, int cap) {
    layout L;
    size_t wire = sizeof(float) * LT_QUANTUM * LT_LANES;
    int nblocks = (cap + LT_LANES - 1) / LT_LANES;
    L.hdr = align32(sizeof(lt_vhdr));
    L.stride = L.hdr + align32(p->state_size);
    size_t off = align32(sizeof(struct lt_pool));
    L.params = off; off += align32(sizeof(lt_ramp) * (size_t)(p->nparams ? p->nparams : 1));
    L.trig = off;   off += align32(sizeof(int) * (size_t)nblocks);
    L.wrate = off;  off += align32((size_t)(p->nwires ? p->nwires : 1));
    L.prate = off;  off += align32((size_t)(p->nparams ? p->nparams : 1));
    L.urate = off;  off += align32((size_t)(p->nuniform ? p->nuniform : 1));
    L.flags = off;  off += align32(2 * (size_t)(p->nops ? p->nops : 1));
    L.vers = off;   off += align32(sizeof(uint32_t) * (size_t)(p->nparams + p->nops + 1));
    L.calls = off;  off += align32(sizeof(lt_vop_call) * (size_t)(p->nops ? p->nops : 1));
    L.run = off;    off += align32(sizeof(uint16_t) * (size_t)(p->nops ? p->nops : 1));
    L.rsrc = off;   off += align32(sizeof(int16_t) * LT_VOP_MAX_IN * (size_t)(p->nops ? p->nops : 1));
    L.blocks = off; off += L.stride * (size_t)nblocks;
    L.wires = off;  off += wire * (size_t)(p->nwires ? p->nwires : 1);
    L.pwires = off; off += wire * (size_t)(p->nparams ? p->nparams : 1);
    L.iwires = off; off += wire * LT_IN_COUNT;
    L.acc = off;    off += wire * 2;
    L.uwires = off; off += wire * (size_t)(p->nuniform ? p->nuniform : 1);
    L.total = off;
    return L;
}

size_t lt_pool_size(const lt_program *p, const lt_pool_config *cfg) {
    return plan_layout(p, capacity_of(cfg)).total;
}

lt_pool *lt_pool_init(void *mem, const lt_program *p, const lt_pool_config *cfg, float sr) {
    if (!mem || !p) return NULL;
    int cap = capacity_of(cfg);
    layout L = plan_layout(p, cap);
    unsigned char *base = mem;
    lt_pool *pl = mem;
    memset(pl, 0, sizeof *pl);
    pl->prog = p;
    pl->sr = sr > 0 ? sr : 48000.0f;
    pl->capacity = cap;
    pl->nblocks = (cap + LT_LANES - 1) / LT_LANES;
    pl->mono = cfg->mono;
    pl->legato = cfg->legato;
    pl->glide_frames = cfg->glide > 0 ? (int32_t)lroundf(cfg->glide * pl->sr) : 0;
    pl->smooth_frames = (int32_t)lroundf((cfg->smooth > 0 ? cfg->smooth : SMOOTH_S) * pl->sr);
    pl->fade_frames = (int32_t)lroundf(FADE_S * pl->sr);
    pl->params = (lt_ramp *)(base + L.params);
    pl->trig = (int *)(base + L.trig);
    pl->wrate = base + L.wrate;
    pl->prate = base + L.prate;
    pl->urate = base + L.urate;
    pl->uni = base + L.flags;
    pl->need = base + L.flags + (p->nops ? p->nops : 1);
    pl->uwires = (float *)(base + L.uwires);
    pl->pver = (uint32_t *)(base + L.vers);
    pl->calls = (lt_vop_call *)(base + L.calls);
    pl->run = (uint16_t *)(base + L.run);
    pl->rsrc = (int16_t *)(base + L.rsrc);
    pl->uver = pl->pver + p->nparams;
    pl->blocks = base + L.blocks;
    pl->stride = L.stride;
    pl->hdr_size = L.hdr;
    pl->wires = (float *)(base + L.wires);
    pl->pwires = (float *)(base + L.pwires);
    pl->iwires = (float *)(base + L.iwires);
    pl->acc = (float *)(base + L.acc);
    for (int i = 0; i < p->nparams; i++) lt_ramp_init(&pl->params[i], p->param_default[i]);
    return pl;
}

const lt_program *lt_pool_program(const lt_pool *pl) { return pl->prog; }
int lt_pool_active(const lt_pool *pl) { return pl->nactive; }

int lt_pool_held(const lt_pool *pl) {
    int n = 0;
    for (int v = 0; v < pl->nactive; v++)
        n += (lt_pool_hdr(pl, v / LT_LANES)->flags[v % LT_LANES] & LANE_HELD) != 0;
    return n;
}

static float note_to_hz(float note) { return (float)(440.0 * exp2(((double)note - 69.0) / 12.0)); }

/* Zeroes element j of every lane vector of a block's op state (the vop.h contract). */
static void zero_lane(unsigned char *state, size_t bytes, int j) {
    float *f = (float *)state;
    for (size_t v = 0; v < bytes / 32; v++) f[v * LT_LANES + (size_t)j] = 0.0f;
}

static void copy_lane(unsigned char *dst, int dj, const unsigned char *src, int sj, size_t bytes) {
    float *d = (float *)dst;
    const float *s = (const float *)src;
    for (size_t v = 0; v < bytes / 32; v++) d[v * LT_LANES + (size_t)dj] = s[v * LT_LANES + (size_t)sj];
}

static void set_pan(const lt_pool *pl, lt_vhdr *h, int j, float pan, int panned) {
    /* A centred mono voice gives 0.707 to each side; a stereo voice is balanced, 1 and 1 at centre. */
    float scale = pl->prog->nout == 2 ? (float)M_SQRT2 : 1.0f;
    if (!panned || !(pan == pan)) pan = 0.0f;
    if (pan < -1.0f) pan = -1.0f;
    if (pan > 1.0f) pan = 1.0f;
    h->gl[j] = scale * lt_pan_left(pan);
    h->gr[j] = scale * lt_pan_right(pan);
    if (panned) h->flags[j] |= LANE_PANNED; else h->flags[j] &= ~(uint32_t)LANE_PANNED;
}

/* Sets the pitch a lane is going to: at once, or gliding there over the pool's glide time. */
static void aim(lt_pool *pl, lt_vhdr *h, int j, float note, int glide) {
    h->note[j] = note;
    h->freq[j] = note_to_hz(note);
    if (glide && pl->glide_frames > 0 && h->gnote[j] != note) {
        h->gstep[j] = (note - h->gnote[j]) / (float)pl->glide_frames;
        h->gleft[j] = pl->glide_frames;
    } else {
        h->gnote[j] = note;
        h->gstep[j] = 0;
        h->gleft[j] = 0;
    }
}

static void trigger(lt_pool *pl, int lane, uint32_t id, float note, float vel, float pan, int panned,
                    int fresh, int glide) {
    int b = lane / LT_LANES, j = lane % LT_LANES;
    lt_vhdr *h = lt_pool_hdr(pl, b);
    if (fresh) {
        unsigned char *st = lt_pool_state(pl, b);
        zero_lane(st, pl->prog->state_size, j);
        h->gnote[j] = note;
        lt_vop_lane li = { 0, note, note_to_hz(note), vel, pl->sr };
        for (int i = 0; i < pl->prog->nops; i++) {
            const lt_prog_op *op = &pl->prog->ops[i];
            /* a seed of the voice and of the op: two noises in one patch are two different noises */
            li.seed = id * 2654435761u + 0x9e3779b9u + (uint32_t)i * 0x85ebca6bu;
            if (op->def->start) op->def->start(st + op->state_off, j, &op->data, &li);
        }
    }
    aim(pl, h, j, note, glide);
    h->vel[j] = vel;
    h->gate[j] = 1.0f;
    h->relvel[j] = 0.0f;
    h->fade[j] = 1.0f;
    h->fstep[j] = 0.0f;
    h->id[j] = id;
    h->flags[j] = LANE_HELD;
    h->age[j] = ++pl->clock;
    set_pan(pl, h, j, pan, panned);
    pl->trig[b] |= 1 << j;
}

/* The voice to steal when every lane is taken: the oldest released one, else the oldest held. */
static int steal_lane(const lt_pool *pl) {
    int released = -1, held = -1;
    uint64_t ra = 0, ha = 0;
    for (int v = 0; v < pl->nactive; v++) {
        const lt_vhdr *h = lt_pool_hdr(pl, v / LT_LANES);
        int j = v % LT_LANES;
        if (!(h->flags[j] & LANE_HELD)) { if (released < 0 || h->age[j] < ra) { released = v; ra = h->age[j]; } }
        else if (held < 0 || h->age[j] < ha) { held = v; ha = h->age[j]; }
    }
    return released >= 0 ? released : held;
}

int lt_pool_note_on(lt_pool *pl, uint32_t id, float note, float vel, float pan, int panned) {
    if (!(note == note) || !(vel > 0.0f)) return -1;
    if (vel > 1.0f) vel = 1.0f;
    if (pl->mono) {
        if (pl->nstack == LT_MONO_STACK) {                   /* forget the oldest held note */
            memmove(pl->stack, pl->stack + 1, sizeof pl->stack[0] * (LT_MONO_STACK - 1));
            pl->nstack--;
        }
        pl->stack[pl->nstack++] = (lt_mono_note){ note, vel, id };
        if (pl->nactive == 0) {
            pl->nactive = 1;
            trigger(pl, 0, id, note, vel, pan, panned, 1, 0);
            return 0;
        }
        lt_vhdr *h = lt_pool_hdr(pl, 0);
        if ((h->flags[0] & LANE_HELD) && pl->legato) {      /* legato: glide, no new attack */
            aim(pl, h, 0, note, 1);
            h->id[0] = id;
            return 0;
        }
        trigger(pl, 0, id, note, vel, pan, panned, 0, 1);
        return 0;
    }
    int lane;
    if (pl->nactive < pl->capacity) {
        lane = pl->nactive++;
        trigger(pl, lane, id, note, vel, pan, panned, 1, 0);
    } else {
        lane = steal_lane(pl);
        trigger(pl, lane, id, note, vel, pan, panned, 0, 0);
    }
    return lane;
}

static void release_lane(lt_pool *pl, int lane, float relvel) {
    lt_vhdr *h = lt_pool_hdr(pl, lane / LT_LANES);
    int j = lane % LT_LANES;
    if (!(h->flags[j] & LANE_HELD)) return;
    h->flags[j] &= ~(uint32_t)LANE_HELD;
    h->gate[j] = 0.0f;
    h->relvel[j] = relvel;
    if (!pl->prog->has_env) h->fstep[j] = -1.0f / (float)(pl->fade_frames > 0 ? pl->fade_frames : 1);
}

void lt_pool_note_off(lt_pool *pl, uint32_t id, float relvel) {
    if (pl->mono) {
        int k;
        for (k = pl->nstack - 1; k >= 0 && pl->stack[k].id != id; k--) ;
        if (k < 0) return;
        int top = k == pl->nstack - 1;
        memmove(pl->stack + k, pl->stack + k + 1, sizeof pl->stack[0] * (size_t)(pl->nstack - k - 1));
        pl->nstack--;
        if (!top || pl->nactive == 0) return;
        if (pl->nstack > 0) {                                /* back to the previous held note */
            lt_vhdr *h = lt_pool_hdr(pl, 0);
            aim(pl, h, 0, pl->stack[pl->nstack - 1].note, 1);
            h->id[0] = pl->stack[pl->nstack - 1].id;
        } else release_lane(pl, 0, relvel);
        return;
    }
    for (int v = 0; v < pl->nactive; v++) {
        lt_vhdr *h = lt_pool_hdr(pl, v / LT_LANES);
        if (h->id[v % LT_LANES] == id && (h->flags[v % LT_LANES] & LANE_HELD)) { release_lane(pl, v, relvel); return; }
    }
}

void lt_pool_note_off_pitch(lt_pool *pl, float note, float relvel) {
    int best = -1;
    uint64_t age = 0;
    for (int v = 0; v < pl->nactive; v++) {
        lt_vhdr *h = lt_pool_hdr(pl, v / LT_LANES);
        int j = v % LT_LANES;
        if ((h->flags[j] & LANE_HELD) && h->note[j] == note && (best < 0 || h->age[j] < age)) { best = v; age = h->age[j]; }
    }
    if (best < 0) return;
    if (pl->mono) lt_pool_note_off(pl, lt_pool_hdr(pl, 0)->id[0], relvel);
    else release_lane(pl, best, relvel);
}

void lt_pool_release_all(lt_pool *pl) {
    pl->nstack = 0;
    for (int v = 0; v < pl->nactive; v++) release_lane(pl, v, 0.0f);
}

void lt_pool_kill_all(lt_pool *pl) {
    pl->nactive = 0;
    pl->nstack = 0;
    for (int b = 0; b < pl->nblocks; b++) pl->trig[b] = 0;
}

void lt_pool_set_param(lt_pool *pl, int index, float v, int frames) {
    const lt_program *p = pl->prog;
    if (index < 0 || index >= p->nparams || !(v == v)) return;
    if (v < p->param_min[index]) v = p->param_min[index];
    if (v > p->param_max[index]) v = p->param_max[index];
    lt_ramp_set(&pl->params[index], v, frames < 0 ? pl->smooth_frames : frames);
}

void lt_pool_end_lane(lt_pool *pl, int lane) {
    int last = pl->nactive - 1;
    if (lane < 0 || lane > last) return;
    if (lane != last) {
        int db = lane / LT_LANES, dj = lane % LT_LANES, sb = last / LT_LANES, sj = last % LT_LANES;
        lt_vhdr *d = lt_pool_hdr(pl, db), *s = lt_pool_hdr(pl, sb);
        d->note[dj] = s->note[sj]; d->freq[dj] = s->freq[sj]; d->vel[dj] = s->vel[sj];
        d->gate[dj] = s->gate[sj]; d->relvel[dj] = s->relvel[sj];
        d->gnote[dj] = s->gnote[sj]; d->gstep[dj] = s->gstep[sj]; d->gleft[dj] = s->gleft[sj];
        d->gl[dj] = s->gl[sj]; d->gr[dj] = s->gr[sj];
        d->fade[dj] = s->fade[sj]; d->fstep[dj] = s->fstep[sj];
        d->id[dj] = s->id[sj]; d->flags[dj] = s->flags[sj]; d->age[dj] = s->age[sj];
        copy_lane(lt_pool_state(pl, db), dj, lt_pool_state(pl, sb), sj, pl->prog->state_size);
        if (pl->trig[sb] & (1 << sj)) pl->trig[db] |= 1 << dj; else pl->trig[db] &= ~(1 << dj);
    }
    pl->trig[last / LT_LANES] &= ~(1 << (last % LT_LANES));
    pl->nactive--;
    if (pl->mono && pl->nactive == 0) pl->nstack = 0;
}

void lt_pool_process(lt_pool *pl, float *l, float *r, int n, int64_t frame) {
    if (pl->nactive == 0 || n <= 0) {
        /* parameters still glide while nothing sounds, so the next note starts where they are */
        for (int i = 0; i < pl->prog->nparams; i++) lt_ramp_advance(&pl->params[i], n);
        return;
    }
    if (lt_isa() == LT_ISA_AVX2) lt_pool_process_avx2(pl, l, r, n, frame);
    else lt_pool_process_sse2(pl, l, r, n, frame);
}
