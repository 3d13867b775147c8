/* mix.c — the control thread's model of the mix and its reconcile (see mix.h): channels (tracks and
 * buses) with their nodes, the routing between them (outputs, sends, sidechain keys) checked for
 * cycles, the order the plan runs them in, latency compensation and solo. */
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
    char     keysrc[LT_NAME_MAX];
    float    params[LT_FX_MAX_PARAMS];
    float    mix;
    int      leaving;
    int      par, branch;                   /* parallel{}: its group and branch (lt_fx_spec) */
} mfx;

typedef struct msend {
    char     to[LT_NAME_MAX];
    lt_node *node;
    float    gain;
    int      pre;
} msend;

typedef struct mtrack {                     /* a channel: a track, or a bus (no instrument) */
    char        name[LT_NAME_MAX];
    int         is_bus;
    int         feedback;                   /* a bus read one quantum late (lt_track_spec) */
    lt_node    *instr, *strip;
    int         nfx;
    mfx         fx[LT_MIX_MAX_FX * 2];      /* the chain in order, leaving effects among them */
    int         nsends;
    msend       sends[LT_MIX_MAX_SENDS];
    char        out[LT_NAME_MAX];
    lt_program *prog;                       /* the program of the current pool (a reference) */
    lt_pool_config pcfg;
    lt_pool    *pool;
    lt_kit     *kit;                        /* the kit as declared (a reference) */
    float      *sent;                       /* last value sent for each of the pool's parameters */
    float       gain, pan, width;
    int         mute, polarity, solo, solo_safe, solo_muted;
    int         leaving;
    int8_t      in_ch[2];                   /* the device input it plays (as its instrument has it) */
    int         ndirect, direct[2];         /* device outputs instead of `out` (lt_track_spec) */
    int         monitor;
    /* plan building */
    int         buf, tap, rank, lat_in, lat_post;
    int         inbuf;                      /* a feedback bus: where its inputs gather for the next quantum */
} mtrack;

typedef struct chain {                      /* the master's effects */
    int nfx;
    mfx fx[LT_MIX_MAX_FX * 2];
} chain;

typedef struct mdelay {                     /* a latency-compensation delay, kept by its path */
    char     key[LT_NODE_PATH];
    lt_node *node;
    int      used;
} mdelay;

struct lt_mix {
    lt_engine *e;
    float      sr;
    mtrack   **tracks;
    int        ntracks, cap;
    lt_node   *master;                      /* the master strip */
    chain      mchain;
    float      mgain;
    mdelay    *delays;
    int        ndelays, capdelays;
    uint16_t   gen[LT_MAX_NODES + 1];
    lt_node   *by_index[LT_MAX_NODES + 1];
    int       *free_idx;                    /* a FIFO of freed indices: an index rests as long as possible */
    int        free_head, nfree, next_idx, nodes_alive;
    lt_track_spec *staged;
    int        nstaged, capstaged;
    char     (*removals)[LT_NAME_MAX];
    int        nremovals, capremovals;
    lt_master_spec mstaged;
    int        has_mstaged;
    uint64_t   plans;
    int32_t    latency;
    int32_t    latency_in;                  /* where the channels meet at the master (stems are aligned to it) */
    int        dirty;
};

/* ---- handles and node lifetime ----------------------------------------------------------------- */

static int give_handle(lt_mix *m, lt_node *n) {
    int idx;
    if (m->nfree > 0) {
        idx = m->free_idx[m->free_head];
        m->free_head = (m->free_head + 1) % (LT_MAX_NODES + 1);
        m->nfree--;
    } else if (m->next_idx < LT_MAX_NODES) idx = ++m->next_idx;
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
        if (n->u.instr.kit) lt_kit_unref((lt_kit *)n->u.instr.kit);
        for (int k = 0; k < n->u.instr.nold_kits; k++) lt_kit_unref((lt_kit *)n->u.instr.old_kits[k]);
    }
    lt_node_free(n);
}

/* A node the model owns from now on: a handle and the model's reference. */
static int adopt(lt_mix *m, lt_node *n) {
    if (give_handle(m, n)) return -1;
    n->refs = 1;
    return 0;
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
    free(p->chan);
    free(p->steps);
    free(p->nodes);
    free(p->node_flags);
    lt_free_prefault(p->bufs);
    free(p);
}

static int send_cmd(lt_mix *m, lt_cmd *c) { return lt_engine_send(m->e, c) ? 0 : -1; }

static int send_param_ramp(lt_mix *m, lt_handle node, int index, float value, int64_t frame, int32_t ramp) {
    /* before the engine has rendered anything (a render setting up: --mute, --bus) a glide would
     * only smear the first milliseconds: the value is there from the start */
    if (ramp < 0 && frame <= 0 && lt_engine_frame(m->e) == 0) ramp = 0;
    lt_cmd c = { .frame = frame, .type = LT_CMD_PARAM, .flags = LT_CMDF_SCHED, .node = node };
    c.u.param.index = (uint16_t)index;
    c.u.param.value = value;
    c.u.param.ramp = ramp;
    return send_cmd(m, &c);
}

static int send_param(lt_mix *m, lt_handle node, int index, float value, int64_t frame) {
    return send_param_ramp(m, node, index, value, frame, -1);
}

/* ---- routing ----------------------------------------------------------------------------------- */

static int is_master(const char *out) { return !out[0] || strcmp(out, "master") == 0; }

static int find_index(mtrack **list, int n, const char *name) {
    for (int i = 0; i < n; i++) if (!list[i]->leaving && strcmp(list[i]->name, name) == 0) return i;
    return -1;
}

/* The channels a channel feeds: its output (a bus), its sends' buses, and every channel one of whose
 * effects keys from it.  Indices into list, or -1 for the master. */
static int edges(mtrack **list, int n, int c, int *to, int max) {
    int k = 0;
    const mtrack *t = list[c];
    /* a feedback bus hears its inputs a quantum late: nothing it hears must run before it */
    int d = is_master(t->out) ? -1 : find_index(list, n, t->out);
    if (!is_master(t->out) && !(d >= 0 && list[d]->feedback)) to[k++] = d;
    for (int s = 0; s < t->nsends && k < max; s++) {
        d = find_index(list, n, t->sends[s].to);
        if (!(d >= 0 && list[d]->feedback)) to[k++] = d;
    }
    for (int j = 0; j < n && k < max; j++)
        for (int f = 0; f < list[j]->nfx; f++)
            if (!list[j]->fx[f].leaving && strcmp(list[j]->fx[f].keysrc, t->name) == 0) { to[k++] = j; break; }
    return k;
}

/* Orders the channels so that everything a channel hears runs before it (Kahn's algorithm; among
 * channels ready at once, the one declared first).  A cycle: -1 and err names it. */
static int order(mtrack **list, int n, int *rank, char *err, size_t errlen) {
    int *indeg = calloc((size_t)(n ? n : 1), sizeof(int)), *done = calloc((size_t)(n ? n : 1), sizeof(int));
    int to[LT_MIX_MAX_SENDS + 2 + 64];
    int rc = 0;
    if (!indeg || !done) { free(indeg); free(done); snprintf(err, errlen, "out of memory"); return -1; }
    for (int c = 0; c < n; c++) {
        int k = edges(list, n, c, to, (int)(sizeof to / sizeof to[0]));
        for (int j = 0; j < k; j++) if (to[j] >= 0) indeg[to[j]]++;
    }
    for (int r = 0; r < n; r++) {
        int pick = -1;
        for (int c = 0; c < n && pick < 0; c++) if (!done[c] && indeg[c] == 0) pick = c;
        if (pick < 0) {
            /* every channel left waits on another: follow the edges from one to name the cycle */
            int at = 0;
            while (done[at]) at++;
            int seen[512] = {0}, path[512], np = 0;
            while (np < 512 && !seen[at % 512]) {
                seen[at % 512] = 1;
                path[np++] = at;
                int k = edges(list, n, at, to, (int)(sizeof to / sizeof to[0])), next = -1;
                for (int j = 0; j < k && next < 0; j++) if (to[j] >= 0 && !done[to[j]]) next = to[j];
                if (next < 0) break;
                at = next;
            }
            size_t len = (size_t)snprintf(err, errlen, "the routing has a cycle: ");
            int start = 0;
            for (int i = 0; i < np; i++) if (path[i] == at) { start = i; break; }
            for (int i = start; i < np && len < errlen; i++)
                len += (size_t)snprintf(err + len, errlen - len, "%s -> ", list[path[i]]->name);
            if (len < errlen) snprintf(err + len, errlen - len, "%s (feedback goes through a bus read a quantum late)", list[at]->name);
            rc = -1;
            break;
        }
        done[pick] = 1;
        rank[r] = pick;
        int k = edges(list, n, pick, to, (int)(sizeof to / sizeof to[0]));
        for (int j = 0; j < k; j++) if (to[j] >= 0) indeg[to[j]]--;
    }
    free(indeg);
    free(done);
    return rc;
}

/* ---- latency-compensation delays --------------------------------------------------------------- */

static lt_node *delay_node(lt_mix *m, const char *key, int32_t len) {
    for (int i = 0; i < m->ndelays; i++)
        if (strcmp(m->delays[i].key, key) == 0) {
            if (m->delays[i].node->u.delay.cap >= len) { m->delays[i].used = 1; return m->delays[i].node; }
            node_release(m, m->delays[i].node);        /* too short: a longer one replaces it */
            m->delays[i] = m->delays[--m->ndelays];
            break;
        }
    if (m->ndelays == m->capdelays) {
        int cap = m->capdelays ? 2 * m->capdelays : 16;
        mdelay *d = realloc(m->delays, sizeof *d * (size_t)cap);
        if (!d) return NULL;
        m->delays = d;
        m->capdelays = cap;
    }
    int32_t cap = 256;
    while (cap < 2 * len) cap *= 2;
    lt_node *n = lt_node_delay_new(key, len, cap);
    if (!n || adopt(m, n)) { if (n) lt_node_free(n); return NULL; }
    mdelay *d = &m->delays[m->ndelays++];
    snprintf(d->key, sizeof d->key, "%s", key);
    d->node = n;
    d->used = 1;
    return n;
}

/* ---- plans ------------------------------------------------------------------------------------- */

typedef struct builder {
    lt_plan *p;
    int      cap_steps, cap_nodes, nbufs;
} builder;

static int grow(builder *b) {
    if (b->p->nsteps + 8 < b->cap_steps && b->p->nnodes + 8 < b->cap_nodes) return 0;
    int cs = b->cap_steps * 2 + 64, cn = b->cap_nodes * 2 + 64;
    lt_step *s = realloc(b->p->steps, sizeof *s * (size_t)cs);
    if (!s) return -1;
    b->p->steps = s;
    b->cap_steps = cs;
    lt_node **n = realloc(b->p->nodes, sizeof *n * (size_t)cn);
    if (!n) return -1;
    b->p->nodes = n;
    uint8_t *f = realloc(b->p->node_flags, (size_t)cn);
    if (!f) return -1;
    b->p->node_flags = f;
    b->cap_nodes = cn;
    return 0;
}

static void add_node(builder *b, lt_node *n, int leaving) {
    for (int i = 0; i < b->p->nnodes; i++) if (b->p->nodes[i] == n) return;
    b->p->nodes[b->p->nnodes] = n;
    b->p->node_flags[b->p->nnodes] = (uint8_t)((leaving ? LT_PN_LEAVING : 0) | (n->refs == 1 ? LT_PN_ENTERING : 0));
    b->p->nnodes++;
    n->refs++;
}

/* An effect on a channel that is itself new starts fully in: there is no old sound to crossfade
 * from (an insert added to a playing channel crossfades in over 30 ms). */
static void add_fx_node(builder *b, lt_node *n, int leaving, const lt_node *strip) {
    add_node(b, n, leaving);
    if (strip && strip->refs == 1)
        for (int i = 0; i < b->p->nnodes; i++)
            if (b->p->nodes[i] == n) b->p->node_flags[i] &= (uint8_t)~LT_PN_ENTERING;
}

static int add_step(builder *b, uint16_t kind, int buf, int dst, int group, lt_node *n, lt_node *aux) {
    if (grow(b)) return -1;
    lt_step *s = &b->p->steps[b->p->nsteps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->buf = (int16_t)buf;
    s->dst = (int16_t)dst;
    s->key = -1;
    s->group = group;
    s->node = n;
    s->aux = aux;
    return 0;
}

static int new_buf(builder *b) { return b->nbufs++; }

static int fx_latency(const mfx *f) { return f->leaving ? f->node->u.fx.latency : f->node->u.fx.latency; }

/* Builds the plan of the model as it stands.  Channels run in routing order, each into its own
 * buffer: instrument, effects (a keyed one reads its key's tap), a tap for channels others key from,
 * sends before the fader, the strip, sends after it, then the sum into the bus or master it outputs
 * to; the master's effects and strip last.  Paths that meet are delayed to arrive together. */
/* parallel{}: the group effect k runs in, or 0 for the chain itself.  A leaving effect whose group
 * no longer has a declared member rings out in the chain. */
static int group_of(const mtrack *t, int k) {
    int p = t->fx[k].par;
    if (!p || !t->fx[k].leaving) return p;
    for (int j = 0; j < t->nfx; j++) if (!t->fx[j].leaving && t->fx[j].par == p) return p;
    return 0;
}

/* The end of the group that starts at effect k (one past its last effect), and its branch count. */
static int group_end(const mtrack *t, int k, int *nbranches) {
    int p = group_of(t, k), e = k, nb = 0;
    while (e < t->nfx && group_of(t, e) == p) {
        int br = t->fx[e].branch < LT_MIX_MAX_BRANCHES ? t->fx[e].branch : LT_MIX_MAX_BRANCHES - 1;
        if (br + 1 > nb) nb = br + 1;
        e++;
    }
    *nbranches = nb;
    return e;
}

static lt_plan *build_plan(lt_mix *m) {
    builder b = { calloc(1, sizeof(lt_plan)), 0, 0, 1 };
    int n = m->ntracks;
    int *rank = malloc(sizeof(int) * (size_t)(n ? n : 1));
    int *master_lat = NULL;
    char err[256];
    if (!b.p || !rank) goto fail;
    b.p->id = ++m->plans;
    if (order(m->tracks, n, rank, err, sizeof err)) {
        /* cannot happen: commits reject cycles; a leaving channel keeps its old routing, so run in
         * declaration order rather than not at all */
        for (int i = 0; i < n; i++) rank[i] = i;
    }
    for (int i = 0; i < n; i++) {
        m->tracks[i]->buf = new_buf(&b);
        m->tracks[i]->inbuf = m->tracks[i]->feedback ? new_buf(&b) : m->tracks[i]->buf;
        m->tracks[i]->tap = -1;
        m->tracks[i]->lat_in = 0;
        m->tracks[i]->rank = -1;
    }
    for (int r = 0; r < n; r++) m->tracks[rank[r]]->rank = r;
    for (int i = 0; i < m->ndelays; i++) m->delays[i].used = 0;
    (void)master_lat;

    /* pass 1: latencies, in routing order; a keyed effect whose key arrives later than its own input
     * delays its input to match (recorded as lat_post growing) */
    int32_t master_in = 0;
    for (int r = 0; r < n; r++) {
        mtrack *t = m->tracks[rank[r]];
        int32_t lat = t->lat_in;
        for (int k = 0; k < t->nfx;) {
            if (group_of(t, k)) {   /* a parallel group: as late as its latest branch */
                int nb, e = group_end(t, k, &nb);
                int32_t bl[LT_MIX_MAX_BRANCHES] = {0}, most = 0;
                for (int j = k; j < e; j++) {
                    int br = t->fx[j].branch < nb ? t->fx[j].branch : nb - 1;
                    bl[br] += fx_latency(&t->fx[j]);
                    if (bl[br] > most) most = bl[br];
                }
                lat += most;
                k = e;
                continue;
            }
            int src = t->fx[k].keysrc[0] ? find_index(m->tracks, n, t->fx[k].keysrc) : -1;
            if (src >= 0 && m->tracks[src]->rank < r && m->tracks[src]->lat_post > lat) lat = m->tracks[src]->lat_post;
            lat += fx_latency(&t->fx[k]);
            k++;
        }
        t->lat_post = lat;
        int dsts[LT_MIX_MAX_SENDS + 1], nd = 0;
        if (t->ndirect) ;                        /* a direct output: nothing to meet */
        else if (is_master(t->out)) { if (lat > master_in) master_in = lat; }
        else dsts[nd++] = find_index(m->tracks, n, t->out);
        for (int s = 0; s < t->nsends; s++) dsts[nd++] = find_index(m->tracks, n, t->sends[s].to);
        for (int j = 0; j < nd; j++)   /* (a feedback bus is not compensated: it hears a quantum late anyway) */
            if (dsts[j] >= 0 && !m->tracks[dsts[j]]->feedback && m->tracks[dsts[j]]->lat_in < lat) m->tracks[dsts[j]]->lat_in = lat;
    }

    /* pass 2: steps */
    for (int i = 0; i < n; i++) {
        mtrack *t = m->tracks[i];
        if (t->feedback) {   /* what gathered during the last quantum is this quantum's input */
            if (add_step(&b, LT_STEP_COPY, t->inbuf, t->buf, -1, NULL, NULL)) goto fail;
            if (add_step(&b, LT_STEP_CLEAR, t->inbuf, -1, -1, NULL, NULL)) goto fail;
        } else if (t->is_bus && add_step(&b, LT_STEP_CLEAR, t->buf, -1, -1, NULL, NULL)) goto fail;
    }
    if (add_step(&b, LT_STEP_CLEAR, 0, -1, -1, NULL, NULL)) goto fail;
    for (int r = 0; r < n; r++) {
        int ci = rank[r];
        mtrack *t = m->tracks[ci];
        int buf = t->buf;
        int32_t lat = t->lat_in;
        char key[LT_NODE_PATH];
        if (t->instr) {
            add_node(&b, t->instr, t->leaving);
            if (add_step(&b, LT_STEP_INSTR, buf, -1, ci, t->instr, NULL)) goto fail;
        }
        for (int k = 0; k < t->nfx; k++) {
            if (group_of(t, k)) {
                /* parallel{}: each branch a copy of the signal here, through its own effects, delayed to
                 * the latest branch, then summed in place of the signal */
                int nb, e = group_end(t, k, &nb), bb[LT_MIX_MAX_BRANCHES];
                int32_t bl[LT_MIX_MAX_BRANCHES] = {0}, most = 0;
                for (int br = 0; br < nb; br++) {
                    bb[br] = new_buf(&b);
                    if (add_step(&b, LT_STEP_COPY, buf, bb[br], ci, NULL, NULL)) goto fail;
                }
                for (int j = k; j < e; j++) {
                    mfx *f = &t->fx[j];
                    int br = f->branch < nb ? f->branch : nb - 1;
                    add_fx_node(&b, f->node, f->leaving, t->strip);
                    if (add_step(&b, LT_STEP_FX, bb[br], -1, ci, f->node, NULL)) goto fail;
                    bl[br] += fx_latency(f);
                    if (bl[br] > most) most = bl[br];
                }
                if (add_step(&b, LT_STEP_CLEAR, buf, -1, ci, NULL, NULL)) goto fail;
                for (int br = 0; br < nb; br++) {
                    if (bl[br] < most) {
                        snprintf(key, sizeof key, "pdc:%s/par%d.%d", t->name, t->fx[k].par, br);
                        lt_node *d = delay_node(m, key, most - bl[br]);
                        if (!d) goto fail;
                        add_node(&b, d, 0);
                        if (add_step(&b, LT_STEP_DELAY, bb[br], -1, ci, d, NULL)) goto fail;
                        b.p->steps[b.p->nsteps - 1].len = most - bl[br];
                    }
                    if (add_step(&b, LT_STEP_SUM, bb[br], buf, ci, NULL, NULL)) goto fail;
                }
                lat += most;
                k = e - 1;
                continue;
            }
            mfx *f = &t->fx[k];
            int keybuf = -1;
            int src = f->keysrc[0] ? find_index(m->tracks, n, f->keysrc) : -1;
            if (src >= 0 && m->tracks[src]->rank < r && m->tracks[src]->tap >= 0) {
                mtrack *x = m->tracks[src];
                if (x->lat_post > lat) {                 /* the key comes later: wait for it */
                    snprintf(key, sizeof key, "pdc:%s/fx%d>main", t->name, k);
                    lt_node *d = delay_node(m, key, x->lat_post - lat);
                    if (!d) goto fail;
                    add_node(&b, d, 0);
                    if (add_step(&b, LT_STEP_DELAY, buf, -1, ci, d, NULL)) goto fail;
                    b.p->steps[b.p->nsteps - 1].len = x->lat_post - lat;
                    lat = x->lat_post;
                }
                keybuf = x->tap;
                if (x->lat_post < lat) {                 /* the key comes earlier: delay a copy of it */
                    keybuf = new_buf(&b);
                    if (add_step(&b, LT_STEP_COPY, x->tap, keybuf, ci, NULL, NULL)) goto fail;
                    snprintf(key, sizeof key, "pdc:%s/fx%d<key", t->name, k);
                    lt_node *d = delay_node(m, key, lat - x->lat_post);
                    if (!d) goto fail;
                    add_node(&b, d, 0);
                    if (add_step(&b, LT_STEP_DELAY, keybuf, -1, ci, d, NULL)) goto fail;
                    b.p->steps[b.p->nsteps - 1].len = lat - x->lat_post;
                }
            }
            add_fx_node(&b, f->node, f->leaving, t->strip);
            if (add_step(&b, LT_STEP_FX, buf, -1, ci, f->node, NULL)) goto fail;
            b.p->steps[b.p->nsteps - 1].key = (int16_t)keybuf;
            lat += fx_latency(f);
        }
        /* a tap after the inserts for every channel another one keys from */
        for (int j = 0; j < n && t->tap < 0; j++)
            for (int k = 0; k < m->tracks[j]->nfx; k++)
                if (strcmp(m->tracks[j]->fx[k].keysrc, t->name) == 0) {
                    t->tap = new_buf(&b);
                    if (add_step(&b, LT_STEP_COPY, buf, t->tap, ci, NULL, NULL)) goto fail;
                    break;
                }
        for (int pass = 0; pass < 2; pass++) {           /* pre-fader sends, the strip, post-fader sends */
            if (pass == 1) {
                add_node(&b, t->strip, t->leaving);
                if (add_step(&b, LT_STEP_STRIP, buf, -1, ci, t->strip, t->instr)) goto fail;
            }
            for (int s = 0; s < t->nsends; s++) {
                msend *sd = &t->sends[s];
                if (sd->pre != (pass == 0)) continue;
                int d = find_index(m->tracks, n, sd->to);
                if (d < 0) continue;
                int src = buf;
                int32_t need = m->tracks[d]->feedback ? 0 : m->tracks[d]->lat_in - t->lat_post;
                if (need > 0) {
                    src = new_buf(&b);
                    if (add_step(&b, LT_STEP_COPY, buf, src, ci, NULL, NULL)) goto fail;
                    snprintf(key, sizeof key, "pdc:%s/send>%s", t->name, sd->to);
                    lt_node *dn = delay_node(m, key, need);
                    if (!dn) goto fail;
                    add_node(&b, dn, 0);
                    if (add_step(&b, LT_STEP_DELAY, src, -1, ci, dn, NULL)) goto fail;
                    b.p->steps[b.p->nsteps - 1].len = need;
                }
                add_node(&b, sd->node, t->leaving);
                if (add_step(&b, LT_STEP_SEND, src, m->tracks[d]->inbuf, ci, sd->node, NULL)) goto fail;
            }
        }
        if (t->ndirect) {   /* to device outputs of its own, not into the mix */
            if (add_step(&b, LT_STEP_DIRECT, buf, -1, ci, NULL, NULL)) goto fail;
            b.p->steps[b.p->nsteps - 1].len = t->direct[0];
            b.p->steps[b.p->nsteps - 1].key = (int16_t)(t->ndirect > 1 ? t->direct[1] : -1);
            continue;
        }
        int oi = is_master(t->out) ? -1 : find_index(m->tracks, n, t->out);
        int dst = oi >= 0 ? m->tracks[oi]->inbuf : 0;
        int32_t arrive = oi < 0 ? master_in : m->tracks[oi]->feedback ? t->lat_post : m->tracks[oi]->lat_in;
        if (arrive > t->lat_post) {
            snprintf(key, sizeof key, "pdc:%s/out", t->name);
            lt_node *dn = delay_node(m, key, arrive - t->lat_post);
            if (!dn) goto fail;
            add_node(&b, dn, 0);
            if (add_step(&b, LT_STEP_DELAY, buf, -1, ci, dn, NULL)) goto fail;
            b.p->steps[b.p->nsteps - 1].len = arrive - t->lat_post;
        }
        if (add_step(&b, LT_STEP_SUM, buf, dst, ci, NULL, NULL)) goto fail;
    }
    int32_t lat = master_in;
    for (int k = 0; k < m->mchain.nfx; k++) {
        add_fx_node(&b, m->mchain.fx[k].node, m->mchain.fx[k].leaving, m->master);
        if (add_step(&b, LT_STEP_FX, 0, -1, -1, m->mchain.fx[k].node, NULL)) goto fail;
        lat += fx_latency(&m->mchain.fx[k]);
    }
    add_node(&b, m->master, 0);
    if (add_step(&b, LT_STEP_STRIP, 0, -1, -1, m->master, NULL)) goto fail;
    if (add_step(&b, LT_STEP_OUT, 0, -1, -1, NULL, NULL)) goto fail;
    b.p->latency = lat;
    m->latency = lat;
    m->latency_in = master_in;
    /* delays no path needs any more are dropped (the plan that used them holds them until it is back) */
    for (int i = 0; i < m->ndelays; ) {
        if (!m->delays[i].used) { node_release(m, m->delays[i].node); m->delays[i] = m->delays[--m->ndelays]; }
        else i++;
    }
    b.p->nbufs = b.nbufs;
    b.p->bufs = lt_alloc_prefault(sizeof(float) * 2 * LT_QUANTUM * (size_t)b.nbufs);
    b.p->chan = calloc((size_t)(n ? n : 1), sizeof *b.p->chan);
    if (!b.p->bufs || !b.p->chan) goto fail;
    b.p->nchan = n;
    for (int i = 0; i < n; i++) {
        snprintf(b.p->chan[i].name, sizeof b.p->chan[i].name, "%s", m->tracks[i]->name);
        b.p->chan[i].buf = m->tracks[i]->buf;
        b.p->chan[i].is_bus = m->tracks[i]->is_bus;
        b.p->chan[i].leaving = m->tracks[i]->leaving;
        b.p->chan[i].to_master = !m->tracks[i]->ndirect &&
                                 (is_master(m->tracks[i]->out) || find_index(m->tracks, n, m->tracks[i]->out) < 0);
    }
    b.p->out_buf = 0;
    free(rank);
    return b.p;
fail:
    free(rank);
    if (b.p) free_plan(m, b.p);
    return NULL;
}

static int send_plan(lt_mix *m, int64_t frame) {
    lt_plan *p = build_plan(m);
    if (!p) return -1;
    lt_cmd c = { .frame = frame, .type = LT_CMD_PLAN, .flags = LT_CMDF_SCHED };
    c.u.obj.ptr = p;
    c.u.obj.hash = p->id;
    if (send_cmd(m, &c)) { free_plan(m, p); return -1; }
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
    if (!m->free_idx || !m->master || adopt(m, m->master)) goto fail;
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
    for (int s = 0; s < t->nsends; s++) node_release(m, t->sends[s].node);
    t->nfx = t->nsends = 0;
    if (t->prog) lt_program_unref(t->prog);
    if (t->kit) lt_kit_unref(t->kit);
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
    for (int i = 0; i < m->ndelays; i++) node_release(m, m->delays[i].node);
    node_release(m, m->master);
    free(m->tracks);
    free(m->delays);
    free(m->staged);
    free(m->removals);
    free(m->free_idx);
    free(m);
}

static mtrack *find_track(const lt_mix *m, const char *name) {
    int i = find_index(m->tracks, m->ntracks, name);
    return i >= 0 ? m->tracks[i] : NULL;
}

static lt_node *main_node(const mtrack *t) { return t->instr ? t->instr : t->strip; }

static mtrack *track_of(const lt_mix *m, lt_handle h) {
    lt_node *n = m->by_index[LT_HANDLE_INDEX(h)];
    if (!n || n->handle != h) return NULL;
    for (int i = 0; i < m->ntracks; i++) if (main_node(m->tracks[i]) == n) return m->tracks[i];
    return NULL;
}

lt_handle lt_mix_handle(const lt_mix *m, const char *name) {
    const mtrack *t = find_track(m, name);
    return t ? main_node(t)->handle : 0;
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

int lt_mix_inserts(const lt_mix *m, const char *name, lt_mix_insert *out, int max) {
    const mfx *fx;
    int nfx;
    if (strcmp(name, "master") == 0) { fx = m->mchain.fx; nfx = m->mchain.nfx; }
    else {
        const mtrack *t = find_track(m, name);
        if (!t) return -1;
        fx = t->fx; nfx = t->nfx;
    }
    int n = 0;
    for (int k = 0; k < nfx; k++) {
        if (fx[k].leaving) continue;
        if (n < max) {
            lt_mix_insert *x = &out[n];
            memset(x, 0, sizeof *x);
            x->def = fx[k].def;
            memcpy(x->key, fx[k].key, sizeof x->key);
            memcpy(x->keysrc, fx[k].keysrc, sizeof x->keysrc);
            x->handle = fx[k].node->handle;
            x->latency = fx[k].node->u.fx.latency;
            memcpy(x->params, fx[k].params, sizeof x->params);
            x->mix = fx[k].mix;
        }
        n++;
    }
    return n;
}
int32_t lt_mix_latency(const lt_mix *m) { return m->latency; }
int32_t lt_mix_latency_in(const lt_mix *m) { return m->latency_in; }

int32_t lt_mix_channel_latency(const lt_mix *m, const char *name) {
    const mtrack *t = find_track(m, name);
    return t ? t->lat_post : -1;
}

void lt_mix_begin(lt_mix *m) { m->nstaged = 0; m->nremovals = 0; m->has_mstaged = 0; }
void lt_mix_abort(lt_mix *m) { lt_mix_begin(m); }

int lt_mix_track(lt_mix *m, const lt_track_spec *t, char *err, size_t errlen) {
    if (!t->name[0]) { snprintf(err, errlen, "a track needs a name"); return -1; }
    if (strcmp(t->name, "master") == 0) { snprintf(err, errlen, "'master' is the master's name; call the track something else"); return -1; }
    for (int i = 0; i < m->nstaged; i++)
        if (strcmp(m->staged[i].name, t->name) == 0) { snprintf(err, errlen, "'%s' is declared twice", t->name); return -1; }
    if (t->nfx < 0 || t->nfx > LT_MIX_MAX_FX) { snprintf(err, errlen, "'%s': at most %d effects", t->name, LT_MIX_MAX_FX); return -1; }
    if (t->ninput < 0 || t->ninput > 2 || (t->ninput && t->is_bus)) {
        snprintf(err, errlen, "'%s': a track plays one or two input channels (a bus none)", t->name);
        return -1;
    }
    for (int k = 0; k < t->ninput; k++)
        if (t->input[k] < 0 || t->input[k] >= LT_MAX_INPUTS) {
            snprintf(err, errlen, "'%s': input channel %d: lute reads channels 1 .. %d", t->name, t->input[k] + 1, LT_MAX_INPUTS);
            return -1;
        }
    if (t->nsends < 0 || t->nsends > LT_MIX_MAX_SENDS) { snprintf(err, errlen, "'%s': at most %d sends", t->name, LT_MIX_MAX_SENDS); return -1; }
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

typedef struct chain_prep {
    lt_node *node[LT_MIX_MAX_FX];
    int      match[LT_MIX_MAX_FX];   /* index in the old chain, or -1 (new) */
} chain_prep;

typedef struct track_prep {
    const lt_track_spec *spec;
    mtrack    *t;                    /* the live channel it updates, or NULL (a new one) */
    lt_node   *instr, *strip;        /* new nodes of a new channel */
    lt_pool   *pool;                 /* a new pool (new track, or a structural change) */
    chain_prep fx;
    lt_node   *send[LT_MIX_MAX_SENDS];
    int        send_match[LT_MIX_MAX_SENDS];
} track_prep;

static float control_value(const lt_track_spec *s, const lt_program *p, int k) {
    for (int c = 0; c < s->ncontrols; c++)
        if (strcmp(s->controls[c].name, p->control_name[k]) == 0) return s->controls[c].value;
    return p->param_default[k];
}

static float desired(const lt_track_spec *s, const lt_program *p, int k) {
    return k < p->ncontrols ? control_value(s, p, k) : p->param_default[k];
}

static int same_pool_config(const lt_pool_config *a, const lt_pool_config *b) {
    return a->voices == b->voices && a->mono == b->mono && a->legato == b->legato && a->glide == b->glide &&
           a->smooth == b->smooth;
}

static float fx_mix(const lt_fx_spec *s) { return s->mix >= 0 ? s->mix : s->def->mix_default; }

/* A unit with latency whose stepped settings changed (a compressor's or a limiter's lookahead) is
 * built again, so the compensation follows its new latency; its smoothed settings glide as usual. */
static int latency_setting_changed(const mfx *old, const lt_fx_spec *spec) {
    for (int k = 0; k < spec->def->nparams && k < LT_FX_MAX_PARAMS; k++)
        if (!spec->def->params[k].smoothed && old->params[k] != spec->params[k]) return 1;
    return 0;
}

static void match_chain(const mfx *old, int nold, const lt_fx_spec *spec, int nspec, int *match) {
    int used[LT_MIX_MAX_FX * 2] = {0};
    for (int i = 0; i < nspec; i++) {
        match[i] = -1;
        for (int k = 0; k < nold; k++) {
            if (used[k] || old[k].leaving || old[k].def != spec[i].def || old[k].data != spec[i].data) continue;
            if (old[k].par != spec[i].par || old[k].branch != spec[i].branch) continue;   /* same place in parallel{} */
            if (strcmp(old[k].key, spec[i].key) != 0) continue;   /* keyed ones by key; unkeyed by place */
            if (spec[i].def->latency && latency_setting_changed(&old[k], &spec[i])) continue;
            match[i] = k;
            used[k] = 1;
            break;
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
        snprintf(f->keysrc, sizeof f->keysrc, "%s", spec[i].keysrc);
        memcpy(f->params, spec[i].params, sizeof f->params);
        f->mix = fx_mix(&spec[i]);
        f->par = spec[i].par;
        f->branch = spec[i].branch;
        if (cp->match[i] >= 0) {
            const mfx *o = &old[cp->match[i]];
            kept[cp->match[i]] = 1;
            for (int k = 0; k < spec[i].def->nparams; k++)
                if (o->params[k] != spec[i].params[k]) send_param(m, f->node->handle, k, spec[i].params[k], frame);
            if (o->mix != f->mix) send_param(m, f->node->handle, LT_FX_MIX, f->mix, frame);
        } else adopt(m, f->node);
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

/* The channels after this commit, for the routing checks: live ones that stay, and staged ones. */
static int prospective(lt_mix *m, int full, mtrack ***out, char *err, size_t errlen) {
    int n = 0;
    mtrack **list = malloc(sizeof *list * (size_t)(m->ntracks + m->nstaged + 1));
    mtrack *fake = calloc((size_t)(m->nstaged ? m->nstaged : 1), sizeof *fake);
    if (!list || !fake) { free(list); free(fake); snprintf(err, errlen, "out of memory"); return -1; }
    for (int i = 0; i < m->ntracks; i++) {
        mtrack *t = m->tracks[i];
        if (t->leaving || full) continue;
        int gone = 0;
        for (int r = 0; r < m->nremovals; r++) gone |= strcmp(m->removals[r], t->name) == 0;
        for (int s = 0; s < m->nstaged; s++) gone |= strcmp(m->staged[s].name, t->name) == 0;
        if (!gone) list[n++] = t;
    }
    for (int s = 0; s < m->nstaged; s++) {      /* a staged channel as the routing will see it */
        const lt_track_spec *sp = &m->staged[s];
        mtrack *f = &fake[s];
        snprintf(f->name, sizeof f->name, "%s", sp->name);
        snprintf(f->out, sizeof f->out, "%s", sp->out);
        f->is_bus = sp->is_bus;
        f->feedback = sp->feedback;
        f->nfx = sp->nfx;
        for (int k = 0; k < sp->nfx; k++) snprintf(f->fx[k].keysrc, sizeof f->fx[k].keysrc, "%s", sp->fx[k].keysrc);
        f->nsends = sp->nsends;
        for (int k = 0; k < sp->nsends; k++) snprintf(f->sends[k].to, sizeof f->sends[k].to, "%s", sp->sends[k].to);
        list[n++] = f;
    }
    *out = list;
    list[n] = fake;                              /* freed with the list */
    return n;
}

static int check_routing(lt_mix *m, int full, char *err, size_t errlen) {
    mtrack **list;
    int n = prospective(m, full, &list, err, errlen), rc = 0;
    if (n < 0) return -1;
    for (int i = 0; i < n && !rc; i++) {
        mtrack *t = list[i];
        if (!is_master(t->out)) {
            int d = find_index(list, n, t->out);
            if (d < 0 || !list[d]->is_bus) {
                snprintf(err, errlen, "'%s' outputs to '%s', which is not a bus (declare bus \"%s\" { } or output to the master)",
                         t->name, t->out, t->out);
                rc = -1;
            }
        }
        for (int s = 0; s < t->nsends && !rc; s++) {
            int d = find_index(list, n, t->sends[s].to);
            if (d < 0 || !list[d]->is_bus) {
                snprintf(err, errlen, "'%s' sends to '%s', which is not a bus (declare bus \"%s\" { fx = { ... } })",
                         t->name, t->sends[s].to, t->sends[s].to);
                rc = -1;
            } else if (d == i && !t->feedback) {
                snprintf(err, errlen, "'%s' sends to itself (a bus may, with feedback = true: it hears its inputs a "
                         "quantum late)", t->name);
                rc = -1;
            }
        }
        for (int k = 0; k < t->nfx && !rc; k++)
            if (t->fx[k].keysrc[0] && find_index(list, n, t->fx[k].keysrc) < 0) {
                snprintf(err, errlen, "'%s': an effect keys from '%s', which is neither a track nor a bus", t->name, t->fx[k].keysrc);
                rc = -1;
            }
    }
    if (!rc) {
        int *rank = malloc(sizeof(int) * (size_t)(n ? n : 1));
        rc = rank ? order(list, n, rank, err, errlen) : -1;
        free(rank);
    }
    free(list[n]);
    free(list);
    return rc;
}

/* Solo: when any channel is soloed, every channel that is not soloed, not solo-safe, and neither
 * feeds nor is fed by a soloed one is muted (SOLO_MUTE, apart from the user's own mute). */
static void apply_solo(lt_mix *m, int64_t frame) {
    int n = m->ntracks, any = 0;
    for (int i = 0; i < n; i++) any |= !m->tracks[i]->leaving && m->tracks[i]->solo;
    int *down = calloc((size_t)(n ? n : 1), sizeof(int)), *up = calloc((size_t)(n ? n : 1), sizeof(int));
    if (!down || !up) { free(down); free(up); return; }
    int to[LT_MIX_MAX_SENDS + 2 + 64];
    for (int i = 0; i < n; i++) down[i] = up[i] = m->tracks[i]->solo;
    for (int changed = any; changed; ) {              /* to a fixed point: at most n rounds */
        changed = 0;
        for (int c = 0; c < n; c++) {
            int k = edges(m->tracks, n, c, to, (int)(sizeof to / sizeof to[0]));
            for (int j = 0; j < k; j++) {
                if (to[j] < 0) continue;
                if (down[c] && !down[to[j]]) { down[to[j]] = 1; changed = 1; }   /* what a soloed one feeds */
                if (up[to[j]] && !up[c]) { up[c] = 1; changed = 1; }             /* what feeds a soloed one */
            }
        }
    }
    for (int i = 0; i < n; i++) {
        mtrack *t = m->tracks[i];
        int muted = any && !(down[i] || up[i] || t->solo_safe);
        if (muted != t->solo_muted) {
            /* a strip no plan has run yet starts where it should; one that runs glides there */
            if (t->strip->refs == 1) lt_ramp_init(&t->strip->u.strip.solo_mute, (float)muted);
            else send_param(m, t->strip->handle, LT_STRIP_SOLO_MUTE, (float)muted, frame);
            t->solo_muted = muted;
        }
    }
    free(down);
    free(up);
}

int lt_mix_commit(lt_mix *m, int64_t frame, int full, char *err, size_t errlen) {
    int ns = m->nstaged, rc = -1;
    track_prep *tp = calloc((size_t)(ns ? ns : 1), sizeof *tp);
    chain_prep mprep;
    int master_prepped = 0;
    if (!tp) { snprintf(err, errlen, "out of memory"); goto out; }
    for (int r = 0; r < m->nremovals; r++)
        if (!find_track(m, m->removals[r])) { snprintf(err, errlen, "no track '%s'", m->removals[r]); goto out; }
    if (check_routing(m, full, err, errlen)) goto out;

    /* 1. build everything new; nothing is visible to the audio thread yet */
    int new_nodes = 0;
    for (int i = 0; i < ns; i++) {
        const lt_track_spec *s = &m->staged[i];
        track_prep *p = &tp[i];
        p->spec = s;
        p->t = find_track(m, s->name);
        if (p->t && p->t->is_bus != s->is_bus) p->t = NULL;   /* a track became a bus: a new channel */
        for (int k = 0; k < LT_MIX_MAX_FX; k++) p->fx.match[k] = -1;
        char path[LT_NODE_PATH], owner[48];
        snprintf(owner, sizeof owner, "%s:%s", s->is_bus ? "bus" : "track", s->name);
        if (!p->t) {
            if (!s->is_bus) {
                p->instr = lt_node_instr_new(owner, m->sr);
                if (!p->instr) goto nomem;
            }
            snprintf(path, sizeof path, "%s/strip", owner);
            p->strip = lt_node_strip_new(path, s->gain, s->pan, s->mute, m->sr);
            if (!p->strip) goto nomem;
            p->strip->u.strip.polarity.cur = p->strip->u.strip.polarity.target = s->polarity ? 1.0f : 0.0f;
            p->strip->u.strip.width.cur = p->strip->u.strip.width.target = s->width;
            new_nodes += 1 + !s->is_bus;
        }
        int structural = !s->is_bus && s->program && (!p->t || !p->t->prog || p->t->prog->hash != s->program->hash ||
                                                      !same_pool_config(&p->t->pcfg, &s->pool));
        if (structural) {
            p->pool = new_pool(m, s->program, &s->pool);
            if (!p->pool) goto nomem;
            for (int k = 0; k < s->program->nparams; k++) lt_pool_set_param(p->pool, k, desired(s, s->program, k), 0);
        }
        if (prep_chain(m, owner, p->t ? p->t->fx : NULL, p->t ? p->t->nfx : 0, s->fx, s->nfx, &p->fx)) goto nomem;
        for (int k = 0; k < s->nfx; k++) new_nodes += p->fx.match[k] < 0;
        for (int k = 0; k < s->nsends; k++) {
            p->send_match[k] = -1;
            if (p->t)
                for (int j = 0; j < p->t->nsends; j++)
                    if (strcmp(p->t->sends[j].to, s->sends[k].to) == 0 && p->t->sends[j].pre == s->sends[k].pre) { p->send_match[k] = j; break; }
            if (p->send_match[k] < 0) {
                snprintf(path, sizeof path, "%s/send:%s", owner, s->sends[k].to);
                p->send[k] = lt_node_send_new(path, s->sends[k].gain);
                if (!p->send[k]) goto nomem;
                new_nodes++;
            } else p->send[k] = p->t->sends[p->send_match[k]].node;
        }
    }
    if (m->has_mstaged) {
        if (prep_chain(m, "master", m->mchain.fx, m->mchain.nfx, m->mstaged.fx, m->mstaged.nfx, &mprep)) goto nomem;
        master_prepped = 1;
        for (int k = 0; k < m->mstaged.nfx; k++) new_nodes += mprep.match[k] < 0;
    }
    if (m->nodes_alive + new_nodes > LT_MAX_NODES - 64) {
        snprintf(err, errlen, "too many tracks and effects: lute runs at most %d nodes (a track is 2 plus its effects and sends)",
                 LT_MAX_NODES - 64);
        goto undo;
    }

    /* 2. count the commands, so a full ring cannot leave half a change applied */
    size_t need = 2 + (size_t)m->ntracks + (size_t)ns;    /* the plan, solo changes */
    for (int i = 0; i < ns; i++) {
        const track_prep *p = &tp[i];
        if (!p->t) continue;
        if (p->pool) need++;
        else if (p->t->prog && p->spec->program)
            for (int k = 0; k < p->t->prog->nparams; k++) need += p->t->sent[k] != desired(p->spec, p->spec->program, k);
        need += 6 + (size_t)p->spec->nsends + (size_t)chain_commands(p->t->fx, p->spec->fx, p->spec->nfx, &p->fx);
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
            t->is_bus = s->is_bus;
            t->instr = p->instr;
            t->strip = p->strip;
            if (t->instr) adopt(m, t->instr);
            adopt(m, t->strip);
            t->gain = s->gain; t->pan = s->pan; t->mute = s->mute; t->polarity = s->polarity; t->width = s->width;
            if (p->pool) t->instr->u.instr.pool = p->pool;
            if (t->instr && s->kit) { lt_kit_ref(s->kit); t->instr->u.instr.kit = s->kit; }
            if (s->kit) { lt_kit_ref(s->kit); t->kit = s->kit; }
            t->in_ch[0] = (int8_t)(s->ninput > 0 ? s->input[0] : -1);
            t->in_ch[1] = (int8_t)(s->ninput > 1 ? s->input[1] : -1);
            t->monitor = s->monitor;
            if (t->instr) {
                t->instr->u.instr.in_ch[0] = t->in_ch[0];
                t->instr->u.instr.in_ch[1] = t->in_ch[1];
                t->instr->u.instr.monitor = (uint8_t)s->monitor;
            }
            m->tracks[m->ntracks++] = t;
        } else {
            lt_handle sh = t->strip->handle;
            if (t->gain != s->gain) send_param(m, sh, LT_STRIP_GAIN, s->gain, frame);
            if (t->pan != s->pan) send_param(m, sh, LT_STRIP_PAN, s->pan, frame);
            if (t->mute != s->mute) send_param(m, sh, LT_STRIP_MUTE, (float)s->mute, frame);
            if (t->polarity != s->polarity) send_param(m, sh, LT_STRIP_POLARITY, (float)s->polarity, frame);
            if (t->width != s->width) send_param(m, sh, LT_STRIP_WIDTH, s->width, frame);
            t->gain = s->gain; t->pan = s->pan; t->mute = s->mute; t->polarity = s->polarity; t->width = s->width;
            int8_t c0 = (int8_t)(s->ninput > 0 ? s->input[0] : -1), c1 = (int8_t)(s->ninput > 1 ? s->input[1] : -1);
            if (t->instr && (c0 != t->in_ch[0] || c1 != t->in_ch[1] || s->monitor != t->monitor)) {
                lt_cmd c = { .frame = frame, .type = LT_CMD_INPUT, .flags = LT_CMDF_SCHED, .node = t->instr->handle };
                c.u.input.ch[0] = c0;
                c.u.input.ch[1] = c1;
                c.u.input.monitor = (uint8_t)s->monitor;
                send_cmd(m, &c);
                t->in_ch[0] = c0; t->in_ch[1] = c1; t->monitor = s->monitor;
            }
            if (t->instr && s->kit != t->kit) {          /* new samples: a kit swap at the frame */
                lt_cmd c = { .frame = frame, .type = LT_CMD_KIT, .flags = LT_CMDF_SCHED, .node = t->instr->handle };
                if (s->kit) lt_kit_ref(s->kit);
                c.u.obj.ptr = s->kit;
                send_cmd(m, &c);
                if (t->kit) lt_kit_unref(t->kit);
                t->kit = s->kit;
                if (t->kit) lt_kit_ref(t->kit);
            }
            if (p->pool) {
                lt_cmd c = { .frame = frame, .type = LT_CMD_POOL, .flags = LT_CMDF_SCHED, .node = t->instr->handle };
                c.u.obj.ptr = p->pool;
                send_cmd(m, &c);
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
        snprintf(t->out, sizeof t->out, "%s", s->out);
        t->feedback = s->is_bus && s->feedback;
        t->ndirect = s->ndirect;
        t->direct[0] = s->direct[0];
        t->direct[1] = s->direct[1];
        t->solo = s->solo;
        t->solo_safe = s->solo_safe;
        if (!s->is_bus && (p->pool || !s->program)) {
            if (t->prog) lt_program_unref(t->prog);
            free(t->sent);
            t->prog = s->program ? lt_program_ref(s->program) : NULL;
            t->pcfg = s->pool;
            if (!s->program && t->pool) {            /* the patch was taken away: stop its voices */
                lt_cmd c = { .frame = frame, .type = LT_CMD_RELEASE, .flags = LT_CMDF_SCHED, .node = t->instr->handle };
                send_cmd(m, &c);
            }
            t->pool = p->pool;
            t->sent = t->prog ? calloc((size_t)t->prog->nparams + 1, sizeof(float)) : NULL;
            if (t->sent) for (int k = 0; k < t->prog->nparams; k++) t->sent[k] = desired(s, t->prog, k);
        }
        apply_chain(m, t->fx, &t->nfx, s->fx, s->nfx, &p->fx, frame);
        /* sends: matched ones glide to their new level; the others are new, or dropped */
        msend next[LT_MIX_MAX_SENDS];
        int kept[LT_MIX_MAX_SENDS] = {0};
        for (int k = 0; k < s->nsends; k++) {
            next[k] = (msend){ {0}, p->send[k], s->sends[k].gain, s->sends[k].pre };
            snprintf(next[k].to, sizeof next[k].to, "%s", s->sends[k].to);
            if (p->send_match[k] >= 0) {
                kept[p->send_match[k]] = 1;
                if (t->sends[p->send_match[k]].gain != s->sends[k].gain) send_param(m, p->send[k]->handle, LT_SEND_GAIN, s->sends[k].gain, frame);
            } else adopt(m, p->send[k]);
        }
        for (int k = 0; k < t->nsends; k++) if (!kept[k]) node_release(m, t->sends[k].node);
        memcpy(t->sends, next, sizeof next[0] * (size_t)s->nsends);
        t->nsends = s->nsends;
    }
    if (master_prepped) {
        apply_chain(m, m->mchain.fx, &m->mchain.nfx, m->mstaged.fx, m->mstaged.nfx, &mprep, frame);
        if (m->mgain != m->mstaged.gain) send_param(m, m->master->handle, LT_STRIP_GAIN, m->mstaged.gain, frame);
        m->mgain = m->mstaged.gain;
    }
    for (int r = 0; r < m->nremovals; r++) {
        mtrack *t = find_track(m, m->removals[r]);
        if (t) t->leaving = 1;
    }
    for (int i = 0; i < ns; i++)                      /* a track that became a bus (or back) leaves */
        for (int j = 0; j < m->ntracks; j++)
            if (!m->tracks[j]->leaving && strcmp(m->tracks[j]->name, m->staged[i].name) == 0 &&
                m->tracks[j]->is_bus != m->staged[i].is_bus) m->tracks[j]->leaving = 1;
    if (full)
        for (int i = 0; i < m->ntracks; i++) {
            mtrack *t = m->tracks[i];
            if (t->leaving) continue;
            int declared = 0;
            for (int j = 0; j < ns && !declared; j++)
                declared = strcmp(m->staged[j].name, t->name) == 0 && m->staged[j].is_bus == t->is_bus;
            if (!declared) t->leaving = 1;
        }
    apply_solo(m, frame);
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
        if (p->spec) {
            unprep_chain(&p->fx, p->spec->nfx);
            for (int k = 0; k < p->spec->nsends; k++) if (p->send_match[k] < 0 && p->send[k]) lt_node_free(p->send[k]);
        }
    }
    if (master_prepped) unprep_chain(&mprep, m->mstaged.nfx);
out:
    free(tp);
    lt_mix_begin(m);
    return rc;
}

/* ---- parameters at run time -------------------------------------------------------------------- */

static const char *const strip_names[] = { "gain", "pan", "mute", "polarity", "width" };
static const float strip_min[] = { -120, -1, 0, 0, 0 }, strip_max[] = { 24, 1, 1, 1, 2 };

/* "<fx>.<param>": <fx> is an effect's key, or its type ("reverb" = the first, "reverb#2" = the second). */
static int resolve_fx(const mtrack *t, const mfx *fx, int nfx, const char *param, lt_handle *node, int *index,
                      float *min, float *max) {
    const char *dot = strchr(param, '.');
    if (!dot) return -1;
    char name[LT_NAME_MAX];
    size_t len = (size_t)(dot - param);
    if (len >= sizeof name) return -1;
    memcpy(name, param, len);
    name[len] = 0;
    int want = 1;
    char *hash = strchr(name, '#');
    if (hash) { want = atoi(hash + 1); *hash = 0; }
    int seen = 0;
    (void)t;
    for (int k = 0; k < nfx; k++) {
        const mfx *f = &fx[k];
        if (f->leaving) continue;
        int hit = f->key[0] ? strcmp(f->key, name) == 0 : (strcmp(f->def->name, name) == 0 && ++seen == want);
        if (!hit) continue;
        if (strcmp(dot + 1, "mix") == 0) { *node = f->node->handle; *index = LT_FX_MIX; *min = 0; *max = 1; return 0; }
        int i = lt_fx_param_index(f->def, dot + 1);
        if (i < 0) return -2;
        *node = f->node->handle; *index = i; *min = f->def->params[i].min; *max = f->def->params[i].max;
        return 0;
    }
    return -1;
}

int lt_mix_resolve(const lt_mix *m, lt_handle track, const char *param, lt_handle *node, int *index,
                   float *min, float *max, char *err, size_t errlen) {
    const mtrack *t = track_of(m, track);
    if (!t) { snprintf(err, errlen, "the track no longer exists"); return -1; }
    for (int k = 0; k < (int)(sizeof strip_names / sizeof strip_names[0]); k++)
        if (strcmp(param, strip_names[k]) == 0) {
            *node = t->strip->handle; *index = k; *min = strip_min[k]; *max = strip_max[k];
            return 0;
        }
    if (strncmp(param, "send.", 5) == 0)
        for (int s = 0; s < t->nsends; s++)
            if (strcmp(t->sends[s].to, param + 5) == 0) {
                *node = t->sends[s].node->handle; *index = LT_SEND_GAIN; *min = -120; *max = 24;
                return 0;
            }
    int f = resolve_fx(t, t->fx, t->nfx, param, node, index, min, max);
    if (f == 0) return 0;
    if (f == -2) { snprintf(err, errlen, "'%s' on '%s': the effect has no such parameter", param, t->name); return -1; }
    if (t->prog) {
        int k = lt_program_control(t->prog, param);
        if (k >= 0) {
            *node = t->instr->handle; *index = k; *min = t->prog->param_min[k]; *max = t->prog->param_max[k];
            return 0;
        }
    }
    char known[512] = "gain, pan, mute, polarity, width";
    if (t->prog)
        for (int k = 0; k < t->prog->ncontrols; k++) {
            size_t len = strlen(known);
            snprintf(known + len, sizeof known - len, ", %s", t->prog->control_name[k]);
        }
    snprintf(err, errlen, "unknown parameter '%s' on '%s'; known: %s", param, t->name, known);
    return -1;
}

int lt_mix_param(lt_mix *m, lt_handle track, const char *param, int64_t frame, float value, int32_t ramp,
                 char *err, size_t errlen) {
    lt_handle node;
    int index;
    float lo, hi;
    if (lt_mix_resolve(m, track, param, &node, &index, &lo, &hi, err, errlen)) return -1;
    mtrack *t = track_of(m, track);
    if (t->instr && node == t->instr->handle && t->sent) t->sent[index] = value;
    else if (node == t->strip->handle) {
        if (index == LT_STRIP_GAIN) t->gain = value;
        else if (index == LT_STRIP_PAN) t->pan = value;
        else if (index == LT_STRIP_MUTE) t->mute = value != 0;
        else if (index == LT_STRIP_POLARITY) t->polarity = value != 0;
        else if (index == LT_STRIP_WIDTH) t->width = value;
    } else {
        for (int s = 0; s < t->nsends; s++) if (t->sends[s].node->handle == node) t->sends[s].gain = value;
        for (int k = 0; k < t->nfx; k++)
            if (t->fx[k].node->handle == node) {
                if (index == LT_FX_MIX) t->fx[k].mix = value;
                else if (index < LT_FX_MAX_PARAMS) t->fx[k].params[index] = value;
            }
    }
    if (send_param_ramp(m, node, index, value, frame, ramp)) {
        snprintf(err, errlen, "the engine's command queue is full; schedule less at once");
        return -1;
    }
    return 0;
}

/* ---- what the audio thread hands back ---------------------------------------------------------- */

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
    case LT_REPLY_KIT_FREE: if (r->ptr) lt_kit_unref(r->ptr); break;
    case LT_REPLY_NODE_DONE: {
        const lt_node *n = r->ptr;
        for (int i = 0; i < m->ntracks; i++) {
            mtrack *t = m->tracks[i];
            if (t->strip == n && t->leaving) {
                drop_track_nodes(m, t);
                memmove(m->tracks + i, m->tracks + i + 1, sizeof m->tracks[0] * (size_t)(m->ntracks - i - 1));
                m->ntracks--;
                m->dirty = 1;
                break;
            }
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
