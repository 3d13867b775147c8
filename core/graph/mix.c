/* mix.c — the control thread's model of the mix and its reconcile (see mix.h). */
#include "graph/mix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mfx {
    lt_node *node;
    const lt_fx_def *def;
    const lt_fx_data *data;
    char     key[LT_NAME_MAX];
    float    params[LT_FX_MAX_PARAMS];
    float    mix;
    int      leaving;
} mfx;

typedef struct mtrack {
    char        name[LT_NAME_MAX];
    lt_node    *instr, *strip;
    int         nfx;
    mfx         fx[LT_MIX_MAX_FX * 2];      /* the chain in order, leaving effects among them */
    lt_program *prog;                       /* the program of the current pool (a reference) */
    lt_pool_config pcfg;
    lt_pool    *pool;
    float      *sent;                       /* last value sent for each of the pool's parameters */
    float       gain, pan;
    int         mute, leaving;
} mtrack;

typedef struct chain {                      /* the master's effects */
    int nfx;
    mfx fx[LT_MIX_MAX_FX * 2];
} chain;

struct lt_mix {
    lt_engine *e;
    float      sr;
    mtrack   **tracks;
    int        ntracks, cap;
    lt_node   *master;                      /* the master strip */
    chain      mchain;
    float      mgain;
    uint16_t   gen[LT_MAX_NODES + 1];
    lt_node   *by_index[LT_MAX_NODES + 1];
    int       *free_idx;              /* a FIFO of freed indices: an index rests as long as possible */
    int        free_head, nfree, next_idx, nodes_alive;
    lt_track_spec *staged;
    int        nstaged, capstaged;
    char     (*removals)[LT_NAME_MAX];
    int        nremovals, capremovals;
    lt_master_spec mstaged;
    int        has_mstaged;
    uint64_t   plans;
    int        dirty;
};

/* ---- handles and node lifetime ----------------------------------------------------------------- */

static int give_handle(lt_mix *m, lt_node *n) {
    int idx;
    if (m->nfree > 0) { idx = m->free_idx[m->free_head]; m->free_head = (m->free_head + 1) % (LT_MAX_NODES + 1); m->nfree--; }
    else if (m->next_idx < LT_MAX_NODES) idx = ++m->next_idx;
    else return -1;
    m->gen[idx]++;
    if (m->gen[idx] == 0) m->gen[idx] = 1;
    n->handle = ((lt_handle)m->gen[idx] << 16) | (lt_handle)idx;
    m->by_index[idx] = n;
    m->nodes_alive++;
    return 0;
}

static void free_pool(lt_pool *p) {
    if (!p) return;
    lt_program_unref((lt_program *)lt_pool_program(p));
    lt_free_prefault(p);
}

static void node_release(lt_mix *m, lt_node *n) {
    if (!n || --n->refs > 0) return;
    int idx = (int)LT_HANDLE_INDEX(n->handle);
    if (idx > 0 && m->by_index[idx] == n) {
        m->by_index[idx] = NULL;
        m->free_idx[(m->free_head + m->nfree++) % (LT_MAX_NODES + 1)] = idx;
        m->nodes_alive--;
    }
    if (n->type == LT_NODE_INSTR) {
        free_pool(n->u.instr.pool);
        for (int k = 0; k < n->u.instr.nold; k++) free_pool(n->u.instr.old[k]);
    }
    lt_node_free(n);
}

static lt_pool *new_pool(const lt_mix *m, lt_program *prog, const lt_pool_config *cfg) {
    void *mem = lt_alloc_prefault(lt_pool_size(prog, cfg));
    if (!mem) return NULL;
    lt_pool *p = lt_pool_init(mem, prog, cfg, m->sr);
    lt_program_ref(prog);
    return p;
}

static void free_plan(lt_mix *m, lt_plan *p) {
    if (!p) return;
    for (int i = 0; i < p->nnodes; i++) node_release(m, p->nodes[i]);
    free(p->steps);
    free(p->nodes);
    free(p->node_flags);
    lt_free_prefault(p->bufs);
    free(p);
}

/* ---- plans ------------------------------------------------------------------------------------- */

static int add_node(lt_plan *p, lt_node *n, int leaving) {
    p->nodes[p->nnodes] = n;
    p->node_flags[p->nnodes] = (uint8_t)((leaving ? LT_PN_LEAVING : 0) | (n->refs == 1 ? LT_PN_ENTERING : 0));
    p->nnodes++;
    n->refs++;
    return 0;
}

static void add_step(lt_plan *p, uint16_t kind, int buf, int dst, int group, lt_node *n, lt_node *aux) {
    lt_step *s = &p->steps[p->nsteps++];
    s->kind = kind;
    s->buf = (int16_t)buf;
    s->dst = (int16_t)dst;
    s->key = -1;
    s->group = group;
    s->node = n;
    s->aux = aux;
}

/* Builds the plan of the model as it stands: each track (instrument, effects, strip) into its own
 * buffer and summed into the master's, then the master's effects and strip, then the output.
 * A node whose only reference is the model's is new in this plan (entering). */
static lt_plan *build_plan(lt_mix *m) {
    int nn = 1 + m->mchain.nfx, ns = 3 + m->mchain.nfx;
    for (int i = 0; i < m->ntracks; i++) { nn += 2 + m->tracks[i]->nfx; ns += 2 + m->tracks[i]->nfx; }
    lt_plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->steps = calloc((size_t)ns, sizeof *p->steps);
    p->nodes = calloc((size_t)nn, sizeof *p->nodes);
    p->node_flags = calloc((size_t)nn, 1);
    p->nbufs = 1 + m->ntracks;
    p->bufs = lt_alloc_prefault(sizeof(float) * 2 * LT_QUANTUM * (size_t)p->nbufs);
    if (!p->steps || !p->nodes || !p->node_flags || !p->bufs) {
        free(p->steps); free(p->nodes); free(p->node_flags); lt_free_prefault(p->bufs); free(p);
        return NULL;
    }
    p->id = ++m->plans;
    p->out_buf = 0;
    add_step(p, LT_STEP_CLEAR, 0, -1, -1, NULL, NULL);
    for (int i = 0; i < m->ntracks; i++) {
        mtrack *t = m->tracks[i];
        int b = 1 + i;
        add_node(p, t->instr, t->leaving);
        add_step(p, LT_STEP_INSTR, b, -1, i, t->instr, NULL);
        for (int k = 0; k < t->nfx; k++) {
            add_node(p, t->fx[k].node, t->fx[k].leaving);   /* a leaving track's effects ring on */
            add_step(p, LT_STEP_FX, b, -1, i, t->fx[k].node, NULL);
        }
        add_node(p, t->strip, t->leaving);
        add_step(p, LT_STEP_STRIP, b, 0, i, t->strip, t->instr);
    }
    for (int k = 0; k < m->mchain.nfx; k++) {
        add_node(p, m->mchain.fx[k].node, m->mchain.fx[k].leaving);
        add_step(p, LT_STEP_FX, 0, -1, -1, m->mchain.fx[k].node, NULL);
    }
    add_node(p, m->master, 0);
    add_step(p, LT_STEP_STRIP, 0, -1, -1, m->master, NULL);
    add_step(p, LT_STEP_OUT, 0, -1, -1, NULL, NULL);
    return p;
}

static int send_plan(lt_mix *m, int64_t frame) {
    lt_plan *p = build_plan(m);
    if (!p) return -1;
    lt_cmd c = { .frame = frame, .type = LT_CMD_PLAN, .flags = LT_CMDF_SCHED };
    c.u.obj.ptr = p;
    c.u.obj.hash = p->id;
    if (!lt_engine_send(m->e, &c)) { free_plan(m, p); return -1; }
    return 0;
}

/* ---- the model --------------------------------------------------------------------------------- */

lt_mix *lt_mix_new(lt_engine *e) {
    lt_mix *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->e = e;
    m->sr = (float)lt_engine_rate(e);
    m->free_idx = malloc(sizeof(int) * (LT_MAX_NODES + 1));
    m->master = lt_node_strip_new("master", 0.0f, 0.0f, 0, m->sr);
    if (!m->free_idx || !m->master || give_handle(m, m->master)) goto fail;
    m->master->refs = 1;
    if (send_plan(m, 0)) goto fail;
    return m;
fail:
    if (m->master) lt_node_free(m->master);
    free(m->free_idx);
    free(m);
    return NULL;
}

static void drop_track_nodes(lt_mix *m, mtrack *t) {
    node_release(m, t->instr);
    node_release(m, t->strip);
    for (int k = 0; k < t->nfx; k++) node_release(m, t->fx[k].node);
    t->nfx = 0;
    if (t->prog) lt_program_unref(t->prog);
    free(t->sent);
    free(t);
}

static void take_back(void *ud, const lt_reply *r) {
    lt_mix *m = ud;
    if (r->type == LT_REPLY_NODE_DONE) return;   /* everything goes below anyway */
    m->dirty = 0;
    lt_mix_reply(m, r);
}

void lt_mix_free(lt_mix *m) {
    if (!m) return;
    lt_engine_drain(m->e, take_back, m);
    for (int i = 0; i < m->ntracks; i++) drop_track_nodes(m, m->tracks[i]);
    for (int k = 0; k < m->mchain.nfx; k++) node_release(m, m->mchain.fx[k].node);
    node_release(m, m->master);
    free(m->tracks);
    free(m->staged);
    free(m->removals);
    free(m->free_idx);
    free(m);
}

static mtrack *find_track(const lt_mix *m, const char *name) {
    for (int i = 0; i < m->ntracks; i++)
        if (!m->tracks[i]->leaving && strcmp(m->tracks[i]->name, name) == 0) return m->tracks[i];
    return NULL;
}

static mtrack *track_of(const lt_mix *m, lt_handle h) {
    lt_node *n = m->by_index[LT_HANDLE_INDEX(h)];
    if (!n || n->handle != h) return NULL;
    for (int i = 0; i < m->ntracks; i++) if (m->tracks[i]->instr == n) return m->tracks[i];
    return NULL;
}

lt_handle lt_mix_handle(const lt_mix *m, const char *name) {
    const mtrack *t = find_track(m, name);
    return t ? t->instr->handle : 0;
}

const char *lt_mix_name(const lt_mix *m, lt_handle h) {
    const mtrack *t = track_of(m, h);
    return t ? t->name : NULL;
}

int lt_mix_tracks(const lt_mix *m) {
    int n = 0;
    for (int i = 0; i < m->ntracks; i++) n += !m->tracks[i]->leaving;
    return n;
}

int lt_mix_nodes(const lt_mix *m) { return m->nodes_alive; }

void lt_mix_begin(lt_mix *m) { m->nstaged = 0; m->nremovals = 0; m->has_mstaged = 0; }
void lt_mix_abort(lt_mix *m) { lt_mix_begin(m); }

int lt_mix_track(lt_mix *m, const lt_track_spec *t, char *err, size_t errlen) {
    if (!t->name[0]) { snprintf(err, errlen, "a track needs a name"); return -1; }
    for (int i = 0; i < m->nstaged; i++)
        if (strcmp(m->staged[i].name, t->name) == 0) { snprintf(err, errlen, "track '%s' is declared twice", t->name); return -1; }
    if (t->nfx < 0 || t->nfx > LT_MIX_MAX_FX) { snprintf(err, errlen, "track '%s': at most %d effects", t->name, LT_MIX_MAX_FX); return -1; }
    if (m->nstaged == m->capstaged) {
        int cap = m->capstaged ? 2 * m->capstaged : 16;
        lt_track_spec *s = realloc(m->staged, sizeof *s * (size_t)cap);
        if (!s) { snprintf(err, errlen, "out of memory"); return -1; }
        m->staged = s;
        m->capstaged = cap;
    }
    m->staged[m->nstaged++] = *t;
    return 0;
}

int lt_mix_master(lt_mix *m, const lt_master_spec *s, char *err, size_t errlen) {
    if (s->nfx < 0 || s->nfx > LT_MIX_MAX_FX) { snprintf(err, errlen, "the master has at most %d effects", LT_MIX_MAX_FX); return -1; }
    m->mstaged = *s;
    m->has_mstaged = 1;
    return 0;
}

int lt_mix_remove(lt_mix *m, const char *name, char *err, size_t errlen) {
    if (!find_track(m, name)) { snprintf(err, errlen, "no track '%s'", name); return -1; }
    if (m->nremovals == m->capremovals) {
        int cap = m->capremovals ? 2 * m->capremovals : 16;
        char (*r)[LT_NAME_MAX] = realloc(m->removals, sizeof *r * (size_t)cap);
        if (!r) { snprintf(err, errlen, "out of memory"); return -1; }
        m->removals = r;
        m->capremovals = cap;
    }
    snprintf(m->removals[m->nremovals++], LT_NAME_MAX, "%s", name);
    return 0;
}

/* ---- reconcile --------------------------------------------------------------------------------- */

/* What one staged chain becomes: for each declared effect, the node that will run it (an old one
 * that matched, or a new one). */
typedef struct chain_prep {
    lt_node *node[LT_MIX_MAX_FX];
    int      match[LT_MIX_MAX_FX];   /* index in the old chain, or -1 (new) */
} chain_prep;

typedef struct track_prep {
    const lt_track_spec *spec;
    mtrack    *t;                    /* the live track it updates, or NULL (a new track) */
    lt_node   *instr, *strip;        /* new nodes of a new track */
    lt_pool   *pool;                 /* a new pool (new track, or a structural change) */
    chain_prep fx;
} track_prep;

static float control_value(const lt_track_spec *s, const lt_program *p, int k) {
    for (int c = 0; c < s->ncontrols; c++)
        if (strcmp(s->controls[c].name, p->control_name[k]) == 0) return s->controls[c].value;
    return p->param_default[k];
}

/* The value each of a program's parameters should have for this declaration. */
static float desired(const lt_track_spec *s, const lt_program *p, int k) {
    return k < p->ncontrols ? control_value(s, p, k) : p->param_default[k];
}

static int same_pool_config(const lt_pool_config *a, const lt_pool_config *b) {
    return a->voices == b->voices && a->mono == b->mono && a->legato == b->legato && a->glide == b->glide &&
           a->smooth == b->smooth;
}

static float fx_mix(const lt_fx_spec *s) { return s->mix >= 0 ? s->mix : s->def->mix_default; }

/* Matches declared effects to an old chain: by key when given, else the n-th unkeyed effect of a
 * type matches the n-th unkeyed one of that type.  A match must be the same unit on the same data. */
static void match_chain(const mfx *old, int nold, const lt_fx_spec *spec, int nspec, int *match) {
    int used[LT_MIX_MAX_FX * 2] = {0};
    for (int i = 0; i < nspec; i++) {
        match[i] = -1;
        if (spec[i].key[0]) {
            for (int k = 0; k < nold; k++)
                if (!used[k] && !old[k].leaving && strcmp(old[k].key, spec[i].key) == 0 && old[k].def == spec[i].def &&
                    old[k].data == spec[i].data) { match[i] = k; used[k] = 1; break; }
            continue;
        }
        for (int k = 0; k < nold; k++)
            if (!used[k] && !old[k].leaving && !old[k].key[0] && old[k].def == spec[i].def && old[k].data == spec[i].data) {
                match[i] = k; used[k] = 1; break;
            }
    }
}

static lt_node *new_fx_node(const lt_mix *m, const char *owner, const lt_fx_spec *s, int index) {
    char path[LT_NODE_PATH];
    if (s->key[0]) snprintf(path, sizeof path, "%s/fx:%s", owner, s->key);
    else snprintf(path, sizeof path, "%s/fx:%s#%d", owner, s->def->name, index + 1);
    return lt_node_fx_new(path, s->def, s->params, fx_mix(s), s->data, m->sr);
}

static int prep_chain(const lt_mix *m, const char *owner, const mfx *old, int nold, const lt_fx_spec *spec,
                      int nspec, chain_prep *cp) {
    match_chain(old, nold, spec, nspec, cp->match);
    for (int i = 0; i < nspec; i++) {
        cp->node[i] = cp->match[i] >= 0 ? old[cp->match[i]].node : new_fx_node(m, owner, &spec[i], i);
        if (!cp->node[i]) return -1;
    }
    return 0;
}

static void unprep_chain(chain_prep *cp, int nspec) {
    for (int i = 0; i < nspec; i++)
        if (cp->match[i] < 0 && cp->node[i]) { lt_node_free(cp->node[i]); cp->node[i] = NULL; }
}

/* Commands a chain's update needs: parameter and mix changes of the effects that matched. */
static int chain_commands(const mfx *old, const lt_fx_spec *spec, int nspec, const chain_prep *cp) {
    int n = 0;
    for (int i = 0; i < nspec; i++) {
        if (cp->match[i] < 0) continue;
        const mfx *o = &old[cp->match[i]];
        for (int k = 0; k < spec[i].def->nparams; k++) n += o->params[k] != spec[i].params[k];
        n += o->mix != fx_mix(&spec[i]);
    }
    return n;
}

static int send_param(lt_mix *m, lt_handle node, int index, float value, int64_t frame) {
    lt_cmd c = { .frame = frame, .type = LT_CMD_PARAM, .flags = LT_CMDF_SCHED, .node = node };
    c.u.param.index = (uint16_t)index;
    c.u.param.value = value;
    c.u.param.ramp = -1;
    return lt_engine_send(m->e, &c) ? 0 : -1;
}

/* Installs a prepared chain: the declared effects in order, each leaving effect of the old chain
 * just before the old neighbour that follows it (or at the end), and sends the parameter changes. */
static void apply_chain(lt_mix *m, mfx *old, int *nold, const lt_fx_spec *spec, int nspec, const chain_prep *cp,
                        int64_t frame) {
    mfx next[LT_MIX_MAX_FX * 2];
    int nn = 0, kept[LT_MIX_MAX_FX * 2] = {0};
    for (int i = 0; i < nspec; i++) {
        mfx *f = &next[nn++];
        memset(f, 0, sizeof *f);
        f->node = cp->node[i];
        f->def = spec[i].def;
        f->data = spec[i].data;
        snprintf(f->key, sizeof f->key, "%s", spec[i].key);
        memcpy(f->params, spec[i].params, sizeof f->params);
        f->mix = fx_mix(&spec[i]);
        if (cp->match[i] >= 0) {
            const mfx *o = &old[cp->match[i]];
            kept[cp->match[i]] = 1;
            for (int k = 0; k < spec[i].def->nparams; k++)
                if (o->params[k] != spec[i].params[k]) send_param(m, f->node->handle, k, spec[i].params[k], frame);
            if (o->mix != f->mix) send_param(m, f->node->handle, LT_FX_MIX, f->mix, frame);
        } else {
            give_handle(m, f->node);
            f->node->refs = 1;
        }
    }
    for (int k = 0; k < *nold; k++) {
        if (kept[k]) continue;
        mfx f = old[k];
        if (nn >= LT_MIX_MAX_FX * 2) { node_release(m, f.node); continue; }   /* too many leaving at once */
        f.leaving = 1;
        int at = nn;
        for (int j = k + 1; j < *nold && at == nn; j++)
            if (kept[j])
                for (int q = 0; q < nn; q++) if (next[q].node == old[j].node) { at = q; break; }
        memmove(next + at + 1, next + at, sizeof next[0] * (size_t)(nn - at));
        next[at] = f;
        nn++;
    }
    memcpy(old, next, sizeof next[0] * (size_t)nn);
    *nold = nn;
}

static void leave_track(mtrack *t) { t->leaving = 1; }

int lt_mix_commit(lt_mix *m, int64_t frame, int full, char *err, size_t errlen) {
    int ns = m->nstaged, rc = -1;
    track_prep *tp = calloc((size_t)(ns ? ns : 1), sizeof *tp);
    chain_prep mprep;
    int master_prepped = 0;
    if (!tp) { snprintf(err, errlen, "out of memory"); goto out; }

    /* 1. build everything new; nothing is visible to the audio thread yet */
    int new_nodes = 0;
    for (int i = 0; i < ns; i++) {
        const lt_track_spec *s = &m->staged[i];
        track_prep *p = &tp[i];
        p->spec = s;
        p->t = find_track(m, s->name);
        for (int k = 0; k < LT_MIX_MAX_FX; k++) p->fx.match[k] = -1;
        if (!p->t) {
            char path[LT_NODE_PATH];
            snprintf(path, sizeof path, "track:%s", s->name);
            p->instr = lt_node_instr_new(path, m->sr);
            snprintf(path, sizeof path, "track:%s/strip", s->name);
            p->strip = lt_node_strip_new(path, s->gain, s->pan, s->mute, m->sr);
            if (!p->instr || !p->strip) goto nomem;
            new_nodes += 2;
        }
        int structural = s->program && (!p->t || !p->t->prog || p->t->prog->hash != s->program->hash ||
                                         !same_pool_config(&p->t->pcfg, &s->pool));
        if (structural) {
            p->pool = new_pool(m, s->program, &s->pool);
            if (!p->pool) goto nomem;
            for (int k = 0; k < s->program->nparams; k++) lt_pool_set_param(p->pool, k, desired(s, s->program, k), 0);
        }
        char owner[LT_NODE_PATH];
        snprintf(owner, sizeof owner, "track:%s", s->name);
        if (prep_chain(m, owner, p->t ? p->t->fx : NULL, p->t ? p->t->nfx : 0, s->fx, s->nfx, &p->fx)) goto nomem;
        for (int k = 0; k < s->nfx; k++) new_nodes += p->fx.match[k] < 0;
    }
    if (m->has_mstaged) {
        if (prep_chain(m, "master", m->mchain.fx, m->mchain.nfx, m->mstaged.fx, m->mstaged.nfx, &mprep)) goto nomem;
        master_prepped = 1;
        for (int k = 0; k < m->mstaged.nfx; k++) new_nodes += mprep.match[k] < 0;
    }
    for (int r = 0; r < m->nremovals; r++)
        if (!find_track(m, m->removals[r])) { snprintf(err, errlen, "no track '%s'", m->removals[r]); goto undo; }
    if (m->nodes_alive + new_nodes > LT_MAX_NODES - 1) {
        snprintf(err, errlen, "too many tracks and effects: lute runs at most %d nodes (a track is 2 plus its effects)",
                 LT_MAX_NODES - 1);
        goto undo;
    }

    /* 2. count the commands, so a full ring cannot leave half a change applied */
    size_t need = 2;
    for (int i = 0; i < ns; i++) {
        const track_prep *p = &tp[i];
        if (!p->t) continue;
        if (p->pool) need++;
        else if (p->t->prog && p->spec->program)
            for (int k = 0; k < p->t->prog->nparams; k++) need += p->t->sent[k] != desired(p->spec, p->spec->program, k);
        need += 3 + (size_t)chain_commands(p->t->fx, p->spec->fx, p->spec->nfx, &p->fx);
    }
    if (master_prepped) need += 1 + (size_t)chain_commands(m->mchain.fx, m->mstaged.fx, m->mstaged.nfx, &mprep);
    if (need > lt_engine_send_space(m->e)) {
        snprintf(err, errlen, "the engine's command queue is too full for this change (%zu commands); try again", need);
        goto undo;
    }

    /* 3. apply */
    for (int i = 0; i < ns; i++) {
        track_prep *p = &tp[i];
        const lt_track_spec *s = p->spec;
        mtrack *t = p->t;
        if (!t) {
            t = calloc(1, sizeof *t);
            if (m->ntracks == m->cap) {
                int cap = m->cap ? 2 * m->cap : 16;
                mtrack **nt = realloc(m->tracks, sizeof *nt * (size_t)cap);
                if (nt) { m->tracks = nt; m->cap = cap; }
            }
            if (!t || m->ntracks == m->cap) { free(t); continue; }   /* out of memory after the check: skip */
            snprintf(t->name, sizeof t->name, "%s", s->name);
            t->instr = p->instr;
            t->strip = p->strip;
            give_handle(m, t->instr);
            give_handle(m, t->strip);
            t->instr->refs = t->strip->refs = 1;
            t->gain = s->gain; t->pan = s->pan; t->mute = s->mute;
            if (p->pool) t->instr->u.instr.pool = p->pool;
            m->tracks[m->ntracks++] = t;
        } else {
            lt_handle sh = t->strip->handle;
            if (t->gain != s->gain) send_param(m, sh, LT_STRIP_GAIN, s->gain, frame);
            if (t->pan != s->pan) send_param(m, sh, LT_STRIP_PAN, s->pan, frame);
            if (t->mute != s->mute) send_param(m, sh, LT_STRIP_MUTE, (float)s->mute, frame);
            t->gain = s->gain; t->pan = s->pan; t->mute = s->mute;
            if (p->pool) {
                lt_cmd c = { .frame = frame, .type = LT_CMD_POOL, .flags = LT_CMDF_SCHED, .node = t->instr->handle };
                c.u.obj.ptr = p->pool;
                lt_engine_send(m->e, &c);
            } else if (t->prog && s->program) {       /* same structure: the numbers glide */
                for (int k = 0; k < s->program->nparams; k++) {
                    float v = desired(s, s->program, k);
                    if (t->sent[k] != v) { send_param(m, t->instr->handle, k, v, frame); t->sent[k] = v; }
                }
                lt_program_ref(s->program);
                lt_program_unref(t->prog);
                t->prog = s->program;
            }
        }
        if (p->pool || !s->program) {
            if (t->prog) lt_program_unref(t->prog);
            free(t->sent);
            t->prog = s->program ? lt_program_ref(s->program) : NULL;
            t->pcfg = s->pool;
            t->pool = p->pool;
            t->sent = t->prog ? calloc((size_t)t->prog->nparams + 1, sizeof(float)) : NULL;
            if (t->sent) for (int k = 0; k < t->prog->nparams; k++) t->sent[k] = desired(s, t->prog, k);
            if (!s->program && t->pool) {
                /* the patch was taken away: stop its voices */
                lt_cmd c = { .frame = frame, .type = LT_CMD_RELEASE, .flags = LT_CMDF_SCHED, .node = t->instr->handle };
                lt_engine_send(m->e, &c);
            }
        }
        char owner[LT_NODE_PATH];
        snprintf(owner, sizeof owner, "track:%s", s->name);
        apply_chain(m, t->fx, &t->nfx, s->fx, s->nfx, &p->fx, frame);
    }
    if (master_prepped) {
        apply_chain(m, m->mchain.fx, &m->mchain.nfx, m->mstaged.fx, m->mstaged.nfx, &mprep, frame);
        if (m->mgain != m->mstaged.gain) send_param(m, m->master->handle, LT_STRIP_GAIN, m->mstaged.gain, frame);
        m->mgain = m->mstaged.gain;
    }
    for (int r = 0; r < m->nremovals; r++) {
        mtrack *t = find_track(m, m->removals[r]);
        if (t) leave_track(t);
    }
    if (full)
        for (int i = 0; i < m->ntracks; i++) {
            mtrack *t = m->tracks[i];
            if (t->leaving) continue;
            int declared = 0;
            for (int j = 0; j < ns && !declared; j++) declared = strcmp(m->staged[j].name, t->name) == 0;
            if (!declared) leave_track(t);
        }
    if (send_plan(m, frame)) {
        /* the ring had room (checked above), so this is memory: the model is ahead of the engine,
         * and the next commit sends the whole of it again */
        snprintf(err, errlen, "out of memory building the mix plan");
        m->dirty = 1;
    }
    rc = 0;
    goto out;

nomem:
    snprintf(err, errlen, "out of memory preparing the mix");
undo:
    for (int i = 0; i < ns; i++) {
        track_prep *p = &tp[i];
        if (p->instr) lt_node_free(p->instr);
        if (p->strip) lt_node_free(p->strip);
        if (p->pool) free_pool(p->pool);
        if (p->spec) unprep_chain(&p->fx, p->spec->nfx);
    }
    if (master_prepped) unprep_chain(&mprep, m->mstaged.nfx);
out:
    free(tp);
    lt_mix_begin(m);
    return rc;
}

/* ---- parameters at run time -------------------------------------------------------------------- */

static const char *const strip_names[LT_STRIP_NPARAMS] = { "gain", "pan", "mute" };
static const float strip_min[LT_STRIP_NPARAMS] = { -120, -1, 0 }, strip_max[LT_STRIP_NPARAMS] = { 24, 1, 1 };

int lt_mix_resolve(const lt_mix *m, lt_handle track, const char *param, lt_handle *node, int *index,
                   float *min, float *max, char *err, size_t errlen) {
    const mtrack *t = track_of(m, track);
    if (!t) { snprintf(err, errlen, "the track no longer exists"); return -1; }
    for (int k = 0; k < LT_STRIP_NPARAMS; k++)
        if (strcmp(param, strip_names[k]) == 0) {
            *node = t->strip->handle; *index = k; *min = strip_min[k]; *max = strip_max[k];
            return 0;
        }
    if (t->prog) {
        int k = lt_program_control(t->prog, param);
        if (k >= 0) {
            *node = t->instr->handle; *index = k; *min = t->prog->param_min[k]; *max = t->prog->param_max[k];
            return 0;
        }
    }
    char known[512] = "gain, pan, mute";
    if (t->prog)
        for (int k = 0; k < t->prog->ncontrols; k++) {
            size_t len = strlen(known);
            snprintf(known + len, sizeof known - len, ", %s", t->prog->control_name[k]);
        }
    snprintf(err, errlen, "unknown parameter '%s' on track '%s'; known: %s", param, t->name, known);
    return -1;
}

int lt_mix_param(lt_mix *m, lt_handle track, const char *param, int64_t frame, float value, char *err, size_t errlen) {
    lt_handle node;
    int index;
    float lo, hi;
    if (lt_mix_resolve(m, track, param, &node, &index, &lo, &hi, err, errlen)) return -1;
    mtrack *t = track_of(m, track);
    if (node == t->instr->handle && t->sent) t->sent[index] = value;
    else if (index == LT_STRIP_GAIN) t->gain = value;
    else if (index == LT_STRIP_PAN) t->pan = value;
    else if (index == LT_STRIP_MUTE) t->mute = value != 0;
    if (send_param(m, node, index, value, frame)) {
        snprintf(err, errlen, "the engine's command queue is full; schedule less at once");
        return -1;
    }
    return 0;
}

/* ---- what the audio thread hands back ---------------------------------------------------------- */

static void remove_track(lt_mix *m, int i) {
    drop_track_nodes(m, m->tracks[i]);
    memmove(m->tracks + i, m->tracks + i + 1, sizeof m->tracks[0] * (size_t)(m->ntracks - i - 1));
    m->ntracks--;
}

static int remove_fx(lt_mix *m, mfx *fx, int *n, const lt_node *node) {
    for (int k = 0; k < *n; k++)
        if (fx[k].node == node) {
            node_release(m, fx[k].node);
            memmove(fx + k, fx + k + 1, sizeof fx[0] * (size_t)(*n - k - 1));
            (*n)--;
            return 1;
        }
    return 0;
}

void lt_mix_reply(lt_mix *m, const lt_reply *r) {
    switch (r->type) {
    case LT_REPLY_PLAN_FREE: free_plan(m, r->ptr); break;
    case LT_REPLY_POOL_FREE:
        for (int i = 0; i < m->ntracks; i++) if (m->tracks[i]->pool == r->ptr) m->tracks[i]->pool = NULL;
        free_pool(r->ptr);
        break;
    case LT_REPLY_NODE_DONE: {
        const lt_node *n = r->ptr;
        for (int i = 0; i < m->ntracks; i++) {
            mtrack *t = m->tracks[i];
            if (t->strip == n && t->leaving) { remove_track(m, i); m->dirty = 1; break; }
            if (n->type == LT_NODE_FX && remove_fx(m, t->fx, &t->nfx, n)) { m->dirty = 1; break; }
        }
        if (n->type == LT_NODE_FX && remove_fx(m, m->mchain.fx, &m->mchain.nfx, n)) m->dirty = 1;
        break;
    }
    }
    /* A finished node changes the plan now, not at a bar: it is silent already. */
    if (m->dirty && r->type == LT_REPLY_NODE_DONE) {
        if (send_plan(m, 0) == 0) m->dirty = 0;
    }
}
