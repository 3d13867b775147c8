/* voices_v8.c — a voice pool's block loop, compiled once per instruction set (v8.h): parameters
 * and voice inputs become wires, every op of the program runs over each block of eight voices, and
 * the voices' outputs are placed by their pans and summed, per lane across blocks, then across the
 * lanes in one fixed order.  See voices.h for what a pool does and voices.c for its notes. */
#include "graph/voices_impl.h"
#include <math.h>
#include <string.h>

#define WIRE (LT_QUANTUM * LT_LANES)

/* A parameter's n values as a wire (the same in every lane), and what it does across the call. */
static int fill_param(float *w, const lt_ramp *r, int n) {
    if (lt_ramp_steady(r)) {
        v8f v = v8_set1(r->cur);
        for (int i = 0; i < n; i++) v8_store(w + i * LT_LANES, v);
        return LT_RATE_CONST;
    }
    for (int i = 0; i < n; i++) v8_store(w + i * LT_LANES, v8_set1(lt_ramp_at(r, i)));
    return r->left >= n ? LT_RATE_CONTROL : LT_RATE_AUDIO;
}

static void fill_lanes(float *w, const float *lanes, int n) {
    v8f v = v8_load(lanes);
    for (int i = 0; i < n; i++) v8_store(w + i * LT_LANES, v);
}

static float hz(float note) { return (float)(440.0 * exp2(((double)note - 69.0) / 12.0)); }

/* note and freq of a block: constant, or a glide sampled at both ends of the call and joined by a
 * straight line (a control-rate input: vop.h). */
static int fill_pitch(const lt_pool *pl, const lt_vhdr *h, int n, int want_note, int want_freq) {
    float n0[LT_LANES] __attribute__((aligned(32))), n1[LT_LANES] __attribute__((aligned(32)));
    float f0[LT_LANES] __attribute__((aligned(32))), f1[LT_LANES] __attribute__((aligned(32)));
    int gliding = 0;
    for (int j = 0; j < LT_LANES; j++) {
        n0[j] = h->gnote[j];
        if (h->gleft[j] > 0) {
            int k = h->gleft[j] < n - 1 ? h->gleft[j] : n - 1;
            n1[j] = k == h->gleft[j] ? h->note[j] : h->gnote[j] + h->gstep[j] * (float)k;
            gliding = 1;
        } else n1[j] = n0[j];
    }
    float *wn = pl->iwires + LT_IN_NOTE * WIRE, *wf = pl->iwires + LT_IN_FREQ * WIRE;
    if (!gliding) {
        if (want_note) fill_lanes(wn, n0, n);
        if (want_freq) {
            for (int j = 0; j < LT_LANES; j++) f0[j] = n0[j] == h->note[j] ? h->freq[j] : hz(n0[j]);
            fill_lanes(wf, f0, n);
        }
        return LT_RATE_CONST;
    }
    for (int j = 0; j < LT_LANES; j++) { f0[j] = hz(n0[j]); f1[j] = hz(n1[j]); }
    v8f a = v8_load(n0), b = v8_load(n1), fa = v8_load(f0), fb = v8_load(f1);
    v8f dn = n > 1 ? v8_div(v8_sub(b, a), v8_set1((float)(n - 1))) : v8_zero();
    v8f df = n > 1 ? v8_div(v8_sub(fb, fa), v8_set1((float)(n - 1))) : v8_zero();
    for (int i = 0; i < n; i++) {
        v8f t = v8_set1((float)i);
        if (want_note) v8_store(wn + i * LT_LANES, v8_add(a, v8_mul(dn, t)));
        if (want_freq) v8_store(wf + i * LT_LANES, v8_add(fa, v8_mul(df, t)));
    }
    return LT_RATE_CONTROL;
}

static const float *src_ptr(const lt_pool *pl, lt_src s) {
    switch (s.kind) {
    case LT_SRC_WIRE:  return pl->wires + (size_t)s.index * WIRE;
    case LT_SRC_PARAM: return pl->pwires + (size_t)s.index * WIRE;
    default:           return pl->iwires + (size_t)s.index * WIRE;
    }
}

static int src_rate(const lt_pool *pl, lt_src s, const uint8_t *irate) {
    switch (s.kind) {
    case LT_SRC_WIRE:  return pl->wrate[s.index];
    case LT_SRC_PARAM: return pl->prate[s.index];
    default:           return irate[s.index];
    }
}

void LT_V8(lt_pool_process)(lt_pool *pl, float *l, float *r, int n, int64_t frame) {
    const lt_program *p = pl->prog;
    const int isa = lt_isa();
    uint8_t irate[LT_IN_COUNT];
    float *accl = pl->acc, *accr = pl->acc + WIRE;

    for (int k = 0; k < p->nparams; k++) {
        pl->prate[k] = (uint8_t)fill_param(pl->pwires + (size_t)k * WIRE, &pl->params[k], n);
        lt_ramp_advance(&pl->params[k], n);
    }
    for (int i = 0; i < n; i++) {
        v8_store(accl + i * LT_LANES, v8_zero());
        v8_store(accr + i * LT_LANES, v8_zero());
    }

    int nblocks = (pl->nactive + LT_LANES - 1) / LT_LANES, any_done = 0;
    for (int b = 0; b < nblocks; b++) {
        lt_vhdr *h = lt_pool_hdr(pl, b);
        unsigned char *st = lt_pool_state(pl, b);
        int lanes = pl->nactive - b * LT_LANES;
        int active = lanes >= LT_LANES ? 0xff : (1 << lanes) - 1;

        /* voice inputs */
        int used = p->ninputs_used;
        if (used & ((1 << LT_IN_NOTE) | (1 << LT_IN_FREQ)))
            irate[LT_IN_NOTE] = irate[LT_IN_FREQ] =
                (uint8_t)fill_pitch(pl, h, n, used & (1 << LT_IN_NOTE), used & (1 << LT_IN_FREQ));
        if (used & (1 << LT_IN_GATE)) fill_lanes(pl->iwires + LT_IN_GATE * WIRE, h->gate, n);
        if (used & (1 << LT_IN_VEL)) fill_lanes(pl->iwires + LT_IN_VEL * WIRE, h->vel, n);
        if (used & (1 << LT_IN_RELVEL)) fill_lanes(pl->iwires + LT_IN_RELVEL * WIRE, h->relvel, n);
        irate[LT_IN_GATE] = irate[LT_IN_VEL] = irate[LT_IN_RELVEL] = LT_RATE_CONST;

        /* the program */
        int busy = 0;
        lt_vop_call c;
        c.n = n;
        c.frame = frame;
        c.active = active;
        c.trig = pl->trig[b];
        c.sr = pl->sr;
        c.inv_sr = 1.0f / pl->sr;
        for (int i = 0; i < p->nops; i++) {
            const lt_prog_op *op = &p->ops[i];
            int rate = LT_RATE_CONST;
            c.nin = op->nin;
            for (int k = 0; k < op->nin; k++) {
                c.in[k] = src_ptr(pl, op->in[k]);
                c.rate[k] = (uint8_t)src_rate(pl, op->in[k], irate);
                if (c.rate[k] > rate) rate = c.rate[k];
            }
            for (int o = 0; o < op->def->n_out; o++) c.out[o] = pl->wires + (size_t)op->out[o] * WIRE;
            c.state = st + op->state_off;
            c.data = &op->data;
            c.busy = 0;
            op->def->fn[isa](&c);
            if (op->def->flags & LT_VOP_ENV) busy |= c.busy;
            uint8_t out_rate = (op->def->flags & LT_VOP_PURE) ? (uint8_t)rate : LT_RATE_AUDIO;
            for (int o = 0; o < op->def->n_out; o++) pl->wrate[op->out[o]] = out_rate;
        }

        /* place and sum the voices */
        v8f mask = v8_mask_of(active);
        v8f gl = v8_and(mask, v8_load(h->gl)), gr = v8_and(mask, v8_load(h->gr));
        const float *o0 = src_ptr(pl, p->out[0]), *o1 = src_ptr(pl, p->out[p->nout == 2 ? 1 : 0]);
        if (p->has_env) {
            for (int i = 0; i < n; i++) {
                v8f a = v8_load(o0 + i * LT_LANES), bb = v8_load(o1 + i * LT_LANES);
                v8_store(accl + i * LT_LANES, v8_add(v8_load(accl + i * LT_LANES), v8_mul(a, gl)));
                v8_store(accr + i * LT_LANES, v8_add(v8_load(accr + i * LT_LANES), v8_mul(bb, gr)));
            }
        } else {
            v8f fade = v8_load(h->fade), fstep = v8_load(h->fstep);
            for (int i = 0; i < n; i++) {
                fade = v8_max(v8_add(fade, fstep), v8_zero());
                v8f a = v8_mul(v8_load(o0 + i * LT_LANES), fade), bb = v8_mul(v8_load(o1 + i * LT_LANES), fade);
                v8_store(accl + i * LT_LANES, v8_add(v8_load(accl + i * LT_LANES), v8_mul(a, gl)));
                v8_store(accr + i * LT_LANES, v8_add(v8_load(accr + i * LT_LANES), v8_mul(bb, gr)));
            }
            v8_store(h->fade, fade);
        }

        /* after the call: glides move on, retriggers are done, finished voices are marked */
        pl->trig[b] = 0;
        for (int j = 0; j < lanes && j < LT_LANES; j++) {
            if (h->gleft[j] > 0) {
                if (n >= h->gleft[j]) { h->gnote[j] = h->note[j]; h->gleft[j] = 0; h->gstep[j] = 0; }
                else { h->gnote[j] += h->gstep[j] * (float)n; h->gleft[j] -= n; }
            }
            int done = h->gate[j] == 0.0f && (p->has_env ? !(busy & (1 << j)) : h->fade[j] <= 0.0f);
            if (done) { h->flags[j] |= LANE_DONE; any_done = 1; }
        }
    }

    for (int i = 0; i < n; i++) {
        l[i] += v8_hsum(v8_load(accl + i * LT_LANES));
        r[i] += v8_hsum(v8_load(accr + i * LT_LANES));
    }

    if (any_done)   /* from the top down, so each voice that moves into a freed lane was already seen */
        for (int v = pl->nactive - 1; v >= 0; v--)
            if (lt_pool_hdr(pl, v / LT_LANES)->flags[v % LT_LANES] & LANE_DONE) lt_pool_end_lane(pl, v);
}
