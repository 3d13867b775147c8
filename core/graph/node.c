/* node.c — instruments, insert effects and strips as nodes of the mix (see node.h). */
#include "graph/node.h"
#include "dsp/kweight.h"
#include "io/take.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMOOTH_S      0.020f   /* an effect's smoothed parameter glides over 20 ms */
#define STRIP_SMOOTH  0.010f   /* fader, pan and mute glide over 10 ms */
#define XFADE_S       0.030f   /* an effect entering or leaving crossfades with dry over 30 ms */
#define QUIET_S       0.100f   /* a leaving track is done after 100 ms below QUIET_LEVEL ... */
#define QUIET_LEVEL   1e-5f    /* ... (-100 dBFS) once its voices have ended */
#define TAIL_CAP_S    10.0f    /* ... or after 10 s, whatever still rings */
#define LEAVE_FADE_S  0.030f

static size_t align32(size_t n) { return (n + 31) & ~(size_t)31; }

static lt_node *node_alloc(const char *path, uint16_t type, size_t extra) {
    lt_node *n = lt_alloc_prefault(align32(sizeof *n) + extra);
    if (!n) return NULL;
    n->type = type;
    n->phase = LT_NODE_LIVE;
    n->ev_head = n->ev_tail = -1;
    snprintf(n->path, sizeof n->path, "%s", path);
    return n;
}

lt_node *lt_node_instr_new(const char *path, float sr) {
    size_t smp = lt_sampler_size(LT_INSTR_SAMPLE_VOICES);
    lt_node *n = node_alloc(path, LT_NODE_INSTR, align32(smp));
    if (!n) return NULL;
    n->u.instr.smp = lt_sampler_init((unsigned char *)n + align32(sizeof(lt_node)), LT_INSTR_SAMPLE_VOICES, sr);
    n->u.instr.in_ch[0] = n->u.instr.in_ch[1] = -1;
    return n;
}

lt_node *lt_node_fx_new(const char *path, const lt_fx_def *def, const float *params, float mix,
                        const lt_fx_data *data, float sr) {
    size_t st = def->size ? def->size(sr, data) : 0;
    size_t base = align32(sizeof(lt_node));
    int latency;
    lt_node *n = node_alloc(path, LT_NODE_FX, align32(st));
    if (!n) return NULL;
    lt_fxnode *f = &n->u.fx;
    f->def = def;
    f->data = data;
    f->st = st ? (unsigned char *)n + base : NULL;
    f->smooth = (int32_t)lroundf(SMOOTH_S * sr);
    def->init(f->st, sr, params, data);
    for (int k = 0; k < def->nparams && k < LT_FX_MAX_PARAMS; k++) lt_ramp_init(&f->p[k], params[k]);
    latency = def->latency ? def->latency(f->st) : 0;
    f->latency = latency > 0 ? latency : 0;
    f->mix_declared = (def->flags & LT_FX_NO_MIX) ? 1.0f : mix;
    lt_ramp_init(&f->mix, f->mix_declared);
    if (f->latency > 0) {
        f->dly = lt_alloc_prefault(sizeof(float) * 2 * (size_t)f->latency);
        if (!f->dly) { lt_free_prefault(n); return NULL; }
    }
    return n;
}

lt_node *lt_node_strip_new(const char *path, float gain_db, float pan, int mute, float sr) {
    lt_node *n = node_alloc(path, LT_NODE_STRIP, 0);
    if (!n) return NULL;
    lt_strip *s = &n->u.strip;
    lt_ramp_init(&s->gain_db, gain_db);
    lt_ramp_init(&s->pan, pan);
    lt_ramp_init(&s->mute, mute ? 1.0f : 0.0f);
    lt_ramp_init(&s->polarity, 0.0f);
    lt_ramp_init(&s->width, 1.0f);
    lt_ramp_init(&s->solo_mute, 0.0f);
    /* BS.1770's K-weighting, so a strip's short-term loudness reads as lute analyze does. */
    lt_kweight_design(sr, s->kb, s->ka);
    s->gl = s->gr = -1.0f;        /* not set yet: the first block starts at its gains, no ramp */
    s->fade = -1;
    s->cap = (int32_t)(TAIL_CAP_S * sr);
    return n;
}

lt_node *lt_node_send_new(const char *path, float gain_db) {
    lt_node *n = node_alloc(path, LT_NODE_SEND, 0);
    if (!n) return NULL;
    lt_ramp_init(&n->u.send.gain_db, gain_db);
    n->u.send.g = -1.0f;
    return n;
}

lt_node *lt_node_delay_new(const char *path, int32_t len, int32_t cap) {
    if (cap < len) cap = len;
    if (cap < 64) cap = 64;
    lt_node *n = node_alloc(path, LT_NODE_DELAY, 0);
    if (!n) return NULL;
    n->u.delay.buf = lt_alloc_prefault(sizeof(float) * 2 * (size_t)cap);
    if (!n->u.delay.buf) { lt_free_prefault(n); return NULL; }
    n->u.delay.cap = cap;
    n->u.delay.len = n->u.delay.old_len = len;
    return n;
}

void lt_node_free(lt_node *n) {
    if (!n) return;
    if (n->type == LT_NODE_FX) lt_free_prefault(n->u.fx.dly);
    if (n->type == LT_NODE_DELAY) lt_free_prefault(n->u.delay.buf);
    lt_free_prefault(n);
}

/* ---- sends and delays -------------------------------------------------------------------------- */

void lt_send_run(lt_node *nd, const lt_run *run, const float *src, float *dst) {
    lt_send *s = &nd->u.send;
    for (int e = nd->ev_head; e >= 0; e = run->ev[e].next) {
        const lt_cmd *c = &run->ev[e].cmd;
        if (c->type == LT_CMD_PARAM && c->u.param.index == LT_SEND_GAIN && c->u.param.value == c->u.param.value) {
            float v = c->u.param.value < -120 ? -120 : c->u.param.value > 24 ? 24 : c->u.param.value;
            lt_ramp_set(&s->gain_db, v, c->u.param.ramp < 0 ? (int32_t)(0.010f * run->sr) : c->u.param.ramp);
        }
    }
    nd->ev_head = nd->ev_tail = -1;
    lt_ramp_advance(&s->gain_db, LT_QUANTUM);
    float g = s->gain_db.cur <= -120.0f ? 0.0f : powf(10.0f, s->gain_db.cur / 20.0f);
    if (s->g < 0) s->g = g;
    float dg = (g - s->g) / LT_QUANTUM, c = s->g;
    if (g == 0.0f && s->g == 0.0f) return;
    for (int i = 0; i < LT_QUANTUM; i++) {
        c += dg;
        dst[i] += src[i] * c;
        dst[i + LT_QUANTUM] += src[i + LT_QUANTUM] * c;
    }
    s->g = g;
}

void lt_delay_run(lt_node *nd, float *buf, int32_t len) {
    lt_delay *d = &nd->u.delay;
    if (len > d->cap) len = d->cap;
    if (len < 0) len = 0;
    if (len != d->len && d->xfade == 0) { d->old_len = d->len; d->len = len; d->xfade = 128; }
    for (int i = 0; i < LT_QUANTUM; i++) {
        float *slot = d->buf + 2 * (size_t)d->pos;
        slot[0] = buf[i];
        slot[1] = buf[i + LT_QUANTUM];
        int32_t rn = d->pos - d->len;
        if (rn < 0) rn += d->cap;
        float l = d->buf[2 * rn], r = d->buf[2 * rn + 1];
        if (d->xfade > 0) {                    /* from the old read position to the new one */
            int32_t ro = d->pos - d->old_len;
            if (ro < 0) ro += d->cap;
            float k = (float)d->xfade / 128.0f;
            l = k * d->buf[2 * ro] + (1 - k) * l;
            r = k * d->buf[2 * ro + 1] + (1 - k) * r;
            d->xfade--;
        }
        buf[i] = l;
        buf[i + LT_QUANTUM] = r;
        if (++d->pos == d->cap) d->pos = 0;
    }
}

void lt_node_leave(lt_node *n, float sr) {
    if (n->phase != LT_NODE_LIVE) return;
    n->phase = LT_NODE_LEAVING;
    if (n->type == LT_NODE_FX) lt_ramp_set(&n->u.fx.mix, 0.0f, (int32_t)(XFADE_S * sr));
    if (n->type == LT_NODE_STRIP) { n->u.strip.quiet = 0; n->u.strip.cap = (int32_t)(TAIL_CAP_S * sr); }
}

void lt_node_enter(lt_node *n, float sr) {
    if (n->type == LT_NODE_FX && !(n->u.fx.def->flags & LT_FX_NO_MIX)) {
        lt_ramp_init(&n->u.fx.mix, 0.0f);
        lt_ramp_set(&n->u.fx.mix, n->u.fx.mix_declared, (int32_t)(XFADE_S * sr));
    }
}

/* ---- instruments ------------------------------------------------------------------------------- */

static void instr_pools_run(lt_instr *in, float *l, float *r, int n, int64_t frame) {
    if (in->pool) lt_pool_process(in->pool, l, r, n, frame);
    for (int k = 0; k < in->nold; k++) lt_pool_process(in->old[k], l, r, n, frame);
    if (in->smp && lt_sampler_active(in->smp)) lt_sampler_process(in->smp, l, r, n);
}

static void instr_apply(lt_node *nd, const lt_run *run, const lt_cmd *c) {
    lt_instr *in = &nd->u.instr;
    switch (c->type) {
    case LT_CMD_NOTE:
        if (in->pool && nd->phase == LT_NODE_LIVE)
            lt_pool_note_on(in->pool, c->u.note.id, c->u.note.note, c->u.note.vel, c->u.note.pan,
                            (c->flags & LT_CMDF_PANNED) != 0);
        break;
    case LT_CMD_NOTE_OFF:
        if (in->pool) lt_pool_note_off(in->pool, c->u.note.id, c->u.note.vel);
        for (int k = 0; k < in->nold; k++) lt_pool_note_off(in->old[k], c->u.note.id, c->u.note.vel);
        break;
    case LT_CMD_NOTE_OFF_PITCH:
        if (in->pool) lt_pool_note_off_pitch(in->pool, c->u.note.note, c->u.note.vel);
        for (int k = 0; k < in->nold; k++) lt_pool_note_off_pitch(in->old[k], c->u.note.note, c->u.note.vel);
        break;
    case LT_CMD_PARAM:
        if (in->pool) lt_pool_set_param(in->pool, c->u.param.index, c->u.param.value, c->u.param.ramp);
        break;
    case LT_CMD_POOL: {
        lt_pool *old = in->pool;
        in->pool = c->u.obj.ptr;
        if (old) {
            if (lt_pool_active(old) == 0) run->reply(run->ud, LT_REPLY_POOL_FREE, nd->handle, old, 0, 0);
            else {
                if (in->nold == LT_INSTR_OLD) {     /* too many generations: the oldest stops now */
                    lt_pool_kill_all(in->old[0]);
                    run->reply(run->ud, LT_REPLY_POOL_FREE, nd->handle, in->old[0], 0, 0);
                    memmove(in->old, in->old + 1, sizeof in->old[0] * (LT_INSTR_OLD - 1));
                    in->nold--;
                }
                lt_pool_release_all(old);            /* new notes play the new program */
                in->old[in->nold++] = old;
            }
        }
        break;
    }
    case LT_CMD_SAMPLE:
        if (in->smp && in->kit && nd->phase == LT_NODE_LIVE) {
            lt_sampler_event ev = lt_sampler_event_defaults();
            ev.index = c->u.smp.index;
            ev.speed = c->u.smp.speed;
            ev.begin = c->u.smp.begin;
            ev.end = c->u.smp.end;
            ev.loop = c->u.smp.loop;
            ev.cut = c->u.smp.cut;
            ev.gain = c->u.smp.gain;
            ev.vel = c->u.smp.vel;
            ev.pan = c->u.smp.pan;
            ev.dur = c->u.smp.dur;
            lt_sampler_play(in->smp, in->kit, &ev);
        }
        break;
    case LT_CMD_KIT: {
        const lt_kit *old = in->kit;
        in->kit = c->u.obj.ptr;
        if (old && old != in->kit) {
            if (!in->smp || lt_sampler_uses(in->smp, old) == 0)
                run->reply(run->ud, LT_REPLY_KIT_FREE, nd->handle, (void *)old, 0, 0);
            else if (in->nold_kits < LT_INSTR_OLD) in->old_kits[in->nold_kits++] = old;
            else {                                 /* too many kits at once: the oldest stops now */
                lt_sampler_kill_all(in->smp);
                for (int k = 0; k < in->nold_kits; k++) run->reply(run->ud, LT_REPLY_KIT_FREE, nd->handle, (void *)in->old_kits[k], 0, 0);
                in->nold_kits = 0;
                run->reply(run->ud, LT_REPLY_KIT_FREE, nd->handle, (void *)old, 0, 0);
            }
        }
        break;
    }
    case LT_CMD_RELEASE: lt_instr_release(nd); break;
    case LT_CMD_KILL:    lt_instr_kill(nd); break;
    case LT_CMD_INPUT:
        in->in_ch[0] = c->u.input.ch[0];
        in->in_ch[1] = c->u.input.ch[1];
        in->monitor = c->u.input.monitor;
        break;
    case LT_CMD_TAKE:
        if (in->take && in->take != c->u.take.take) run->reply(run->ud, LT_REPLY_TAKE_DONE, nd->handle, in->take, 0, 0);
        in->take = c->u.take.take;
        in->take_latency = c->u.take.latency;
        break;
    }
}

/* The device input: heard through the track when monitored, and written raw (before the track's
 * effects and fader) into the take being recorded.  A take's frames are score frames of what the
 * player heard: the quantum's input was captured LT_QUANTUM frames before it, and reached the
 * input take_latency frames after the output the player was playing along to. */
static void instr_input(lt_node *nd, const lt_run *run, float *l, float *r) {
    lt_instr *in = &nd->u.instr;
    static const float silence[LT_QUANTUM];
    const float *a = in->in_ch[0] < run->nin ? run->in[in->in_ch[0]] : silence;
    const float *b = in->in_ch[1] < 0 ? NULL : in->in_ch[1] < run->nin ? run->in[in->in_ch[1]] : silence;
    if (in->monitor && nd->phase == LT_NODE_LIVE) {
        const float *bb = b ? b : a;
        for (int i = 0; i < LT_QUANTUM; i++) { l[i] += a[i]; r[i] += bb[i]; }
    }
    if (in->take) {
        if (nd->phase != LT_NODE_LIVE) {         /* a track that leaves stops recording */
            run->reply(run->ud, LT_REPLY_TAKE_DONE, nd->handle, in->take, 0, 0);
            in->take = NULL;
            return;
        }
        const float *ch[2] = { a, b };
        lt_take_push(in->take, run->frame - run->offset - LT_QUANTUM - in->take_latency, ch, LT_QUANTUM);
    }
}

void lt_instr_run(lt_node *nd, const lt_run *run, float *l, float *r) {
    lt_instr *in = &nd->u.instr;
    memset(l, 0, sizeof(float) * LT_QUANTUM);
    memset(r, 0, sizeof(float) * LT_QUANTUM);
    if (nd->phase == LT_NODE_LEAVING && !in->released) { lt_instr_release(nd); in->released = 1; }
    int pos = 0;
    for (int e = nd->ev_head; e >= 0; e = run->ev[e].next) {
        int off = run->ev[e].off;
        if (off > pos) { instr_pools_run(in, l + pos, r + pos, off - pos, run->frame + pos); pos = off; }
        instr_apply(nd, run, &run->ev[e].cmd);
    }
    if (pos < LT_QUANTUM) instr_pools_run(in, l + pos, r + pos, LT_QUANTUM - pos, run->frame + pos);
    nd->ev_head = nd->ev_tail = -1;
    if (in->in_ch[0] >= 0) instr_input(nd, run, l, r);
    /* a pool that finished its last voice after a program change goes back to be freed */
    for (int k = 0; k < in->nold_kits; ) {       /* replaced kits go back once nothing reads them */
        if (lt_sampler_uses(in->smp, in->old_kits[k]) == 0) {
            run->reply(run->ud, LT_REPLY_KIT_FREE, nd->handle, (void *)in->old_kits[k], 0, 0);
            in->old_kits[k] = in->old_kits[--in->nold_kits];
        } else k++;
    }
    for (int k = 0; k < in->nold; ) {
        if (lt_pool_active(in->old[k]) == 0) {
            run->reply(run->ud, LT_REPLY_POOL_FREE, nd->handle, in->old[k], 0, 0);
            memmove(in->old + k, in->old + k + 1, sizeof in->old[0] * (size_t)(in->nold - k - 1));
            in->nold--;
        } else k++;
    }
}

int lt_instr_idle(const lt_node *nd) {
    const lt_instr *in = &nd->u.instr;
    if (in->smp && lt_sampler_active(in->smp)) return 0;
    if (in->pool && lt_pool_active(in->pool)) return 0;
    for (int k = 0; k < in->nold; k++) if (lt_pool_active(in->old[k])) return 0;
    return 1;
}

void lt_instr_kill(lt_node *nd) {
    lt_instr *in = &nd->u.instr;
    if (in->smp) lt_sampler_kill_all(in->smp);
    if (in->pool) lt_pool_kill_all(in->pool);
    for (int k = 0; k < in->nold; k++) lt_pool_kill_all(in->old[k]);
}

void lt_instr_release(lt_node *nd) {
    lt_instr *in = &nd->u.instr;
    if (in->smp) lt_sampler_release_all(in->smp);
    if (in->pool) lt_pool_release_all(in->pool);
    for (int k = 0; k < in->nold; k++) lt_pool_release_all(in->old[k]);
}

/* ---- effects ----------------------------------------------------------------------------------- */

static void fx_apply(lt_fxnode *f, const lt_cmd *c) {
    if (c->type == LT_CMD_KILL) { if (f->def->reset) f->def->reset(f->st); return; }
    if (c->type != LT_CMD_PARAM) return;
    int k = c->u.param.index;
    float v = c->u.param.value;
    if (!(v == v)) return;
    if (k == LT_FX_MIX) {
        if (f->def->flags & LT_FX_NO_MIX) return;
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        f->mix_declared = v;
        lt_ramp_set(&f->mix, v, c->u.param.ramp < 0 ? f->smooth : c->u.param.ramp);
        return;
    }
    if (k >= f->def->nparams) return;
    const lt_fx_param *pd = &f->def->params[k];
    v = v < pd->min ? pd->min : v > pd->max ? pd->max : v;
    if (pd->smoothed) lt_ramp_set(&f->p[k], v, c->u.param.ramp < 0 ? f->smooth : c->u.param.ramp);
    else {
        lt_ramp_init(&f->p[k], v);
        if (f->def->set) f->def->set(f->st, k, v);
    }
}

/* Frames until the first ramping parameter (or the mix) reaches its target, capped at n: blocks end
 * there, so within a block every parameter is a straight line (p + dp * i). */
static int fx_steady_span(const lt_fxnode *f, int n) {
    for (int k = 0; k < f->def->nparams; k++) if (f->p[k].left > 0 && f->p[k].left < n) n = f->p[k].left;
    if (f->mix.left > 0 && f->mix.left < n) n = f->mix.left;
    return n;
}

static void fx_block(lt_fxnode *f, const lt_run *run, float *l, float *r, const float *kl, const float *kr, int n) {
    float p[LT_FX_MAX_PARAMS], dp[LT_FX_MAX_PARAMS];
    for (int k = 0; k < f->def->nparams; k++) {
        p[k] = f->p[k].cur;
        dp[k] = f->p[k].left > 0 ? f->p[k].step : 0.0f;
        lt_ramp_advance(&f->p[k], n);
    }
    float m0 = f->mix.cur, dm = f->mix.left > 0 ? f->mix.step : 0.0f;
    lt_ramp_advance(&f->mix, n);
    int wet_only = m0 == 1.0f && dm == 0.0f && f->latency == 0;
    float dry_l[LT_QUANTUM], dry_r[LT_QUANTUM];
    if (!wet_only) {
        for (int i = 0; i < n; i++) {                   /* the dry signal, delayed as the wet one is */
            if (f->latency > 0) {
                float *d = f->dly + 2 * f->dpos;
                dry_l[i] = d[0]; dry_r[i] = d[1];
                d[0] = l[i]; d[1] = r[i];
                if (++f->dpos == f->latency) f->dpos = 0;
            } else { dry_l[i] = l[i]; dry_r[i] = r[i]; }
        }
    }
    if (f->mix.cur == 0.0f && dm == 0.0f && m0 == 0.0f) {   /* fully dry: the unit need not run */
        memcpy(l, dry_l, sizeof(float) * (size_t)n);
        memcpy(r, dry_r, sizeof(float) * (size_t)n);
        return;
    }
    lt_fx_block b = { n, l, r, kl ? kl : l, kr ? kr : r, p, dp, run->sr, run->bpm };
    float keyl[LT_QUANTUM], keyr[LT_QUANTUM];
    if (!kl) {                                          /* key from its own input: a copy, since l, r change */
        memcpy(keyl, l, sizeof(float) * (size_t)n);
        memcpy(keyr, r, sizeof(float) * (size_t)n);
        b.kl = keyl; b.kr = keyr;
    }
    f->def->process(f->st, &b);
    if (f->def->reduction) { float gr = f->def->reduction(f->st); if (gr > f->gr_max) f->gr_max = gr; }
    if (!wet_only)
        for (int i = 0; i < n; i++) {
            float m = m0 + dm * (float)(i + 1);
            l[i] = dry_l[i] + m * (l[i] - dry_l[i]);
            r[i] = dry_r[i] + m * (r[i] - dry_r[i]);
        }
}

void lt_fx_run(lt_node *nd, const lt_run *run, float *l, float *r, const float *kl, const float *kr) {
    lt_fxnode *f = &nd->u.fx;
    int pos = 0, e = nd->ev_head;
    while (pos < LT_QUANTUM) {
        while (e >= 0 && run->ev[e].off <= pos) { fx_apply(f, &run->ev[e].cmd); e = run->ev[e].next; }
        int end = e >= 0 ? run->ev[e].off : LT_QUANTUM;
        int n = fx_steady_span(f, end - pos);
        fx_block(f, run, l + pos, r + pos, kl ? kl + pos : NULL, kr ? kr + pos : NULL, n);
        pos += n;
    }
    for (; e >= 0; e = run->ev[e].next) fx_apply(f, &run->ev[e].cmd);
    nd->ev_head = nd->ev_tail = -1;
    if (nd->phase == LT_NODE_LEAVING && f->mix.cur == 0.0f && lt_ramp_steady(&f->mix)) {
        nd->phase = LT_NODE_FINISHED;
        run->reply(run->ud, LT_REPLY_NODE_DONE, nd->handle, nd, 0, 0);
    }
}

void lt_fx_clear(lt_node *nd) {
    lt_fxnode *f = &nd->u.fx;
    if (f->def->reset) f->def->reset(f->st);
    if (f->dly) memset(f->dly, 0, sizeof(float) * 2 * (size_t)f->latency);
}

/* ---- strips ------------------------------------------------------------------------------------ */

/* Fader and pan as two channel gains.  The pan law treats the stereo pair as a centred source panned
 * with constant power and 3 dB of boost at the sides (sqrt 2 * cos, sqrt 2 * sin): a dual-mono
 * signal at pan p sounds exactly as a mono one panned to p with the usual cos/sin law, and a centred
 * pan leaves any signal untouched. */
static void strip_gains(const lt_strip *s, float *gl, float *gr) {
    float g = (s->gain_db.cur <= -120.0f ? 0.0f : powf(10.0f, s->gain_db.cur / 20.0f)) * (1.0f - s->mute.cur) * (1.0f - s->solo_mute.cur) *
              (1.0f - 2.0f * s->polarity.cur);
    double pan = s->pan.cur < -1 ? -1 : s->pan.cur > 1 ? 1 : s->pan.cur;
    /* in double, so that the centre is exactly 1 (in float cos(pi/4) * sqrt 2 is 1.0000001): a
     * centred track or master passes its signal bit for bit (a solo render equals its stem) */
    *gl = (float)(g * cos((pan + 1.0) * 0.78539816339744830962) * M_SQRT2);
    *gr = (float)(g * sin((pan + 1.0) * 0.78539816339744830962) * M_SQRT2);
    if (pan <= -1) *gr = 0;
    if (pan >= 1) *gl = 0;
}

static void strip_apply(lt_strip *s, const lt_cmd *c, float sr) {
    if (c->type != LT_CMD_PARAM) return;
    float v = c->u.param.value;
    int32_t ramp = c->u.param.ramp < 0 ? (int32_t)(STRIP_SMOOTH * sr) : c->u.param.ramp;
    if (!(v == v)) return;
    switch (c->u.param.index) {
    case LT_STRIP_GAIN: lt_ramp_set(&s->gain_db, v < -120 ? -120 : v > 24 ? 24 : v, ramp); break;
    case LT_STRIP_PAN:  lt_ramp_set(&s->pan, v < -1 ? -1 : v > 1 ? 1 : v, ramp); break;
    case LT_STRIP_MUTE: lt_ramp_set(&s->mute, v != 0 ? 1.0f : 0.0f, ramp); break;
    case LT_STRIP_POLARITY: lt_ramp_set(&s->polarity, v != 0 ? 1.0f : 0.0f, ramp); break;
    case LT_STRIP_WIDTH: lt_ramp_set(&s->width, v < 0 ? 0 : v > 2 ? 2 : v, ramp); break;
    case LT_STRIP_SOLO_MUTE: lt_ramp_set(&s->solo_mute, v != 0 ? 1.0f : 0.0f, ramp); break;
    }
}

int lt_strip_run(lt_node *nd, const lt_run *run, float *l, float *r, float *dl, float *dr) {
    lt_strip *s = &nd->u.strip;
    float in_peak = 0, sum = 0;
    for (int i = 0; i < LT_QUANTUM; i++) {
        float a = fabsf(l[i]), b = fabsf(r[i]);
        if (a > in_peak) in_peak = a;
        if (b > in_peak) in_peak = b;
        sum += l[i] + r[i];
    }
    if (!isfinite(sum)) {
        memset(l, 0, sizeof(float) * LT_QUANTUM);
        memset(r, 0, sizeof(float) * LT_QUANTUM);
        for (int e = nd->ev_head; e >= 0; e = run->ev[e].next) strip_apply(s, &run->ev[e].cmd, run->sr);
        nd->ev_head = nd->ev_tail = -1;
        return -1;
    }
    int pos = 0, e = nd->ev_head;
    if (s->gl < 0) {   /* its first block starts at its gains, with what arrives on its first frame */
        while (e >= 0 && run->ev[e].off <= 0) { strip_apply(s, &run->ev[e].cmd, run->sr); e = run->ev[e].next; }
        strip_gains(s, &s->gl, &s->gr);
    }
    while (pos < LT_QUANTUM) {
        while (e >= 0 && run->ev[e].off <= pos) { strip_apply(s, &run->ev[e].cmd, run->sr); e = run->ev[e].next; }
        int end = e >= 0 ? run->ev[e].off : LT_QUANTUM, n = end - pos;
        float w0 = s->width.cur;
        lt_ramp_advance(&s->gain_db, n);
        lt_ramp_advance(&s->pan, n);
        lt_ramp_advance(&s->mute, n);
        lt_ramp_advance(&s->polarity, n);
        lt_ramp_advance(&s->solo_mute, n);
        lt_ramp_advance(&s->width, n);
        float w1 = s->width.cur;
        if (w0 != 1.0f || w1 != 1.0f) {              /* mid/side width before the pan */
            float dw = (w1 - w0) / (float)n, w = w0;
            for (int i = pos; i < end; i++) {
                w += dw;
                float m = 0.5f * (l[i] + r[i]), sd = 0.5f * (l[i] - r[i]) * w;
                l[i] = m + sd; r[i] = m - sd;
            }
        }
        float gl, gr;
        strip_gains(s, &gl, &gr);
        if (s->fade >= 0) {                          /* leaving: the last 30 ms */
            s->fade -= n;
            if (s->fade < 0) s->fade = 0;
            float k = (float)s->fade / (float)s->fade_total;
            gl *= k; gr *= k;
        }
        float dgl = (gl - s->gl) / (float)n, dgr = (gr - s->gr) / (float)n;
        float cl = s->gl, cr = s->gr, pl = s->peak_l, pr = s->peak_r;
        double ml = 0, mr = 0;
        for (int i = pos; i < end; i++) {
            cl += dgl; cr += dgr;
            l[i] *= cl; r[i] *= cr;
            if (fabsf(l[i]) > pl) pl = fabsf(l[i]);
            if (fabsf(r[i]) > pr) pr = fabsf(r[i]);
            ml += (double)l[i] * l[i];
            mr += (double)r[i] * r[i];
        }
        s->gl = gl; s->gr = gr; s->peak_l = pl; s->peak_r = pr;
        s->ms_l += ml; s->ms_r += mr; s->ms_n += n;
        for (int ch = 0; ch < 2; ch++) {          /* K-weighted squares for the loudness meter */
            const float *x = ch ? r : l;
            double *z = s->kz[ch], ks = 0;
            for (int i = pos; i < end; i++) {
                double y1 = s->kb[0][0] * x[i] + z[0];
                z[0] = s->kb[0][1] * x[i] - s->ka[0][1] * y1 + z[1];
                z[1] = s->kb[0][2] * x[i] - s->ka[0][2] * y1;
                double y2 = y1 + z[2];
                z[2] = -2.0 * y1 - s->ka[1][1] * y2 + z[3];
                z[3] = y1 - s->ka[1][2] * y2;
                ks += y2 * y2;
            }
            for (int k = 0; k < 4; k++) if (!(fabs(z[k]) > 1e-30 && fabs(z[k]) < 1e30)) z[k] = 0;
            s->ks += ks;
        }
        pos = end;
    }
    for (; e >= 0; e = run->ev[e].next) strip_apply(s, &run->ev[e].cmd, run->sr);
    nd->ev_head = nd->ev_tail = -1;
    if (dl) for (int i = 0; i < LT_QUANTUM; i++) { dl[i] += l[i]; dr[i] += r[i]; }

    if (nd->phase == LT_NODE_LEAVING) {
        if (s->fade < 0) {
            s->quiet = (s->instr_idle && in_peak < QUIET_LEVEL) ? s->quiet + LT_QUANTUM : 0;
            s->cap -= LT_QUANTUM;
            if (s->quiet >= (int32_t)(QUIET_S * run->sr) || s->cap <= 0)
                s->fade = s->fade_total = (int32_t)(LEAVE_FADE_S * run->sr);
        } else if (s->fade == 0) {
            nd->phase = LT_NODE_FINISHED;
            run->reply(run->ud, LT_REPLY_NODE_DONE, nd->handle, nd, 0, 0);
        }
    }
    return 0;
}
