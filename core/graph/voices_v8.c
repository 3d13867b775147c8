/* voices_v8.c — a voice pool's block loop, compiled once per instruction set (v8.h): parameters
 * and voice inputs become wires, every op of the program runs over each block of eight voices, and
 * the voices' outputs are placed by their pans and summed, per lane across blocks, then across the
 * lanes in one fixed order.  See voices.h for what a pool does and voices.c for its notes. */
#include "graph/voices_impl.h"
#include <math.h>
#include <string.h>
#include <stdlib.h>

#define WIRE (LT_QUANTUM * LT_LANES)

/* A parameter's n values as a wire (the same in every lane), and what it does across the call.  A
 * steady parameter fills the whole wire once and is left alone while it stays where it is (its
 * version says when it changed); a gliding one is filled every call. */
static int fill_param(lt_pool *pl, int k, int n) {
    float *w = pl->pwires + (size_t)k * WIRE;
    const lt_ramp *r = &pl->params[k];
    if (lt_ramp_steady(r)) {
        if (pl->pver[k] != 0 && w[0] == r->cur && pl->prate[k] == LT_RATE_CONST) return LT_RATE_CONST;
        v8f v = v8_set1(r->cur);
        for (int i = 0; i < LT_QUANTUM; i++) v8_store(w + i * LT_LANES, v);
        pl->pver[k] = ++pl->clock32;
        return LT_RATE_CONST;
    }
    for (int i = 0; i < n; i++) v8_store(w + i * LT_LANES, v8_set1(lt_ramp_at(r, i)));
    pl->pver[k] = ++pl->clock32;
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
    while (s.kind == LT_SRC_WIRE && pl->uni[s.op] == 3) s = pl->prog->ops[s.op].in[pl->need[s.op] >> 1];
    switch (s.kind) {
    case LT_SRC_WIRE:
        if (pl->uni[s.op]) return pl->uwires + (size_t)pl->prog->ops[s.op].uslot[s.port] * WIRE;
        return pl->wires + (size_t)s.index * WIRE;
    case LT_SRC_PARAM: return pl->pwires + (size_t)s.index * WIRE;
    default:           return pl->iwires + (size_t)s.index * WIRE;
    }
}

static int src_rate(const lt_pool *pl, lt_src s, const uint8_t *irate) {
    while (s.kind == LT_SRC_WIRE && pl->uni[s.op] == 3) s = pl->prog->ops[s.op].in[pl->need[s.op] >> 1];
    if (s.kind == LT_SRC_INPUT && !irate) return LT_RATE_AUDIO;
    switch (s.kind) {
    case LT_SRC_WIRE:  return pl->uni[s.op] ? pl->urate[pl->prog->ops[s.op].uslot[s.port]] : pl->wrate[s.index];
    case LT_SRC_PARAM: return pl->prate[s.index];
    default:           return irate[s.index];
    }
}

/* Is source s the same for every voice this call (a parameter, or a pure op of such), and if it is
 * steady, what value? */
static int uniform(const lt_pool *pl, lt_src s) {
    while (s.kind == LT_SRC_WIRE && pl->uni[s.op] == 3) s = pl->prog->ops[s.op].in[pl->need[s.op] >> 1];
    return s.kind == LT_SRC_PARAM || (s.kind == LT_SRC_WIRE && pl->uni[s.op]);
}

/* The per-call pass over the program, before any block runs:
 *  - a pure op whose inputs are the same for every voice is computed once, for all of them (the
 *    built-in synth's 0.25 / (1 + 2 res), a cutoff in Hz from a control);
 *  - a multiply by a steady, exact 0 is 0 for every voice whatever its other input (fenv = 0 keeps
 *    the envelope out of the cutoff, so the filter's coefficients stay constant);
 *  - a select with a steady index needs only the input it picks: the others are not computed (a
 *    wave switch costs one oscillator, not two);
 *  - an envelope always runs (voices end by it). */
static void run_op(lt_pool *pl, const lt_prog_op *op, lt_vop_call *c, const uint8_t *irate, float **outs, uint8_t *out_rate) {
    int rate = LT_RATE_CONST;
    c->nin = op->nin;
    for (int k = 0; k < op->nin; k++) {
        c->in[k] = src_ptr(pl, op->in[k]);
        c->rate[k] = (uint8_t)src_rate(pl, op->in[k], irate);
        if (c->rate[k] > rate) rate = c->rate[k];
    }
    for (int o = 0; o < op->def->n_out; o++) c->out[o] = outs[o];
    c->data = &op->data;
    c->busy = 0;
    op->def->fn[lt_isa()](c);
    *out_rate = (op->def->flags & LT_VOP_PURE) ? (uint8_t)rate : LT_RATE_AUDIO;
}

static void plan_call(lt_pool *pl, int n, int64_t frame) {
    const lt_program *p = pl->prog;
    lt_vop_call c;
    memset(&c, 0, sizeof c);
    c.n = n; c.frame = frame; c.active = 0xff; c.sr = pl->sr; c.inv_sr = 1.0f / pl->sr;
    for (int i = 0; i < p->nops; i++) {
        const lt_prog_op *op = &p->ops[i];
        pl->uni[i] = 0;
        pl->need[i] = 0;
        if (op->role == LT_ROLE_SELECT && uniform(pl, op->in[0]) && src_rate(pl, op->in[0], NULL) == LT_RATE_CONST) {
            int pick = (int)lrintf(src_ptr(pl, op->in[0])[0]) + 1;
            if (pick < 1) pick = 1;
            if (pick > op->nin - 1) pick = op->nin - 1;
            pl->uni[i] = 3;                        /* 3: this output is input `pick`, nothing to compute */
            pl->need[i] = (uint8_t)(pick << 1);
            continue;
        }
        if (!(op->def->flags & LT_VOP_PURE)) continue;
        int u = 1;
        for (int k = 0; k < op->nin && u; k++) u = uniform(pl, op->in[k]);
        if (!u && op->role == LT_ROLE_MUL) {
            for (int k = 0; k < op->nin; k++)
                if (uniform(pl, op->in[k]) && src_rate(pl, op->in[k], NULL) == LT_RATE_CONST &&
                    src_ptr(pl, op->in[k])[0] == 0.0f) {
                    for (int q = 0; q < op->def->n_out; q++) {
                        float *w = pl->uwires + (size_t)op->uslot[q] * WIRE;
                        for (int f = 0; f < n; f++) v8_store(w + f * LT_LANES, v8_zero());
                        pl->urate[op->uslot[q]] = LT_RATE_CONST;
                    }
                    pl->uni[i] = 2;                /* 2: known to be 0, nothing to compute */
                    break;
                }
            continue;
        }
        if (!u) continue;
        pl->uni[i] = 1;
        /* Inputs that all hold steady and have not changed since this op last ran leave its output
         * as it was: the version of its inputs says so. */
        uint32_t ver = 1;
        int steady = 1;
        for (int k = 0; k < op->nin; k++) {
            lt_src s = op->in[k];
            while (s.kind == LT_SRC_WIRE && pl->uni[s.op] == 3) s = p->ops[s.op].in[pl->need[s.op] >> 1];
            if (src_rate(pl, s, NULL) != LT_RATE_CONST) steady = 0;
            ver = ver * 2654435761u + (s.kind == LT_SRC_PARAM ? pl->pver[s.index] : pl->uver[s.op]);
        }
        if (steady && ver == pl->uver[i] && pl->urate[op->uslot[0]] == LT_RATE_CONST) continue;
        float *outs[LT_VOP_MAX_OUT];
        uint8_t rate;
        for (int q = 0; q < op->def->n_out; q++) outs[q] = pl->uwires + (size_t)op->uslot[q] * WIRE;
        c.n = steady ? LT_QUANTUM : n;    /* steady: the whole wire, valid for any later call */
        run_op(pl, op, &c, NULL, outs, &rate);
        c.n = n;
        for (int q = 0; q < op->def->n_out; q++) pl->urate[op->uslot[q]] = rate;
        pl->uver[i] = steady ? ver : ++pl->clock32;
    }
    /* The patch's output: a multiply that only the output reads is done while summing the voices
     * (one pass less over the wires), and a steady factor (a level) goes into the voices' gains. */
    for (int k = 0; k < p->nout; k++) {
        struct lt_out_fused *of = &pl->outs[k];
        lt_src s = p->out[k];
        of->has_b = 0;
        of->factor = 1.0f;
        for (int guard = 0; guard < 8; guard++) {
            while (s.kind == LT_SRC_WIRE && pl->uni[s.op] == 3) s = p->ops[s.op].in[pl->need[s.op] >> 1];
            if (s.kind != LT_SRC_WIRE || pl->uni[s.op] || p->ops[s.op].role != LT_ROLE_MUL || p->ops[s.op].readers != 1 ||
                p->nout == 2) break;
            const lt_prog_op *op = &p->ops[s.op];
            int cu = -1;
            for (int q = 0; q < 2; q++)
                if (uniform(pl, op->in[q]) && src_rate(pl, op->in[q], NULL) == LT_RATE_CONST) cu = q;
            if (cu >= 0) { of->factor *= src_ptr(pl, op->in[cu])[0]; s = op->in[1 - cu]; continue; }
            if (of->has_b) break;
            of->a = op->in[0];
            of->b = op->in[1];
            of->has_b = 1;
            break;
        }
        if (!of->has_b) of->a = s;
    }
    /* need: bit 0 = computed this call; an alias keeps its pick in the bits above */
    for (int k = 0; k < p->nout; k++) {
        const struct lt_out_fused *of = &pl->outs[k];
        if (of->a.kind == LT_SRC_WIRE) pl->need[of->a.op] |= 1;
        if (of->has_b && of->b.kind == LT_SRC_WIRE) pl->need[of->b.op] |= 1;
    }
    for (int i = p->nops - 1; i >= 0; i--) {
        const lt_prog_op *op = &p->ops[i];
        if (op->def->flags & LT_VOP_ENV) pl->need[i] |= 1;
        if (!(pl->need[i] & 1) || (pl->uni[i] && pl->uni[i] != 3)) continue;
        int lo = 0, hi = op->nin;
        if (pl->uni[i] == 3) { lo = pl->need[i] >> 1; hi = lo + 1; }
        for (int k = lo; k < hi; k++) if (op->in[k].kind == LT_SRC_WIRE) pl->need[op->in[k].op] |= 1;
    }
    /* the ops every block runs, with what they read and write, prepared once for all blocks */
    pl->nrun = 0;
    for (int i = 0; i < p->nops; i++) {
        const lt_prog_op *op = &p->ops[i];
        if (pl->uni[i] || !(pl->need[i] & 1)) continue;
        lt_vop_call *cc = &pl->calls[i];
        cc->n = n;
        cc->nin = op->nin;
        cc->frame = frame;
        cc->sr = pl->sr;
        cc->inv_sr = 1.0f / pl->sr;
        cc->data = &op->data;
        for (int k = 0; k < op->nin; k++) {
            cc->in[k] = src_ptr(pl, op->in[k]);
            cc->rate[k] = (uint8_t)(op->in[k].kind == LT_SRC_INPUT ? LT_RATE_CONST : src_rate(pl, op->in[k], NULL));
            /* where this input's rate comes from in each block: a voice input (-2 - input), the
             * wire of an op the block runs (its slot), or nothing that changes (-1) */
            lt_src s = op->in[k];
            while (s.kind == LT_SRC_WIRE && pl->uni[s.op] == 3) s = p->ops[s.op].in[pl->need[s.op] >> 1];
            int16_t *rs = &pl->rsrc[(size_t)i * LT_VOP_MAX_IN + (size_t)k];
            if (s.kind == LT_SRC_INPUT) *rs = (int16_t)(-2 - s.index);
            else if (s.kind == LT_SRC_WIRE && !pl->uni[s.op]) *rs = (int16_t)s.index;
            else *rs = -1;
        }
        for (int o = 0; o < op->def->n_out; o++) cc->out[o] = pl->wires + (size_t)op->out[o] * WIRE;
        pl->run[pl->nrun++] = (uint16_t)i;
    }
}

void LT_V8(lt_pool_process)(lt_pool *pl, float *l, float *r, int n, int64_t frame) {
    const lt_program *p = pl->prog;
    uint8_t irate[LT_IN_COUNT];
    float *accl = pl->acc, *accr = pl->acc + WIRE;

    for (int k = 0; k < p->nparams; k++) {
        pl->prate[k] = (uint8_t)fill_param(pl, k, n);
        lt_ramp_advance(&pl->params[k], n);
    }
    for (int i = 0; i < n; i++) {
        v8_store(accl + i * LT_LANES, v8_zero());
        v8_store(accr + i * LT_LANES, v8_zero());
    }
    plan_call(pl, n, frame);

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

        /* the program: each op as prepared for this call, with this block's state and lanes */
        int busy = 0;
        for (int q = 0; q < pl->nrun; q++) {
            int i = pl->run[q];
            const lt_prog_op *op = &p->ops[i];
            lt_vop_call *c = &pl->calls[i];
            c->state = st + op->state_off;
            c->active = active;
            c->trig = pl->trig[b];
            c->busy = 0;
            int rate = LT_RATE_CONST;
            const int16_t *rs = pl->rsrc + (size_t)i * LT_VOP_MAX_IN;
            for (int k = 0; k < op->nin; k++) {      /* what varies from block to block: rates */
                if (rs[k] <= -2) c->rate[k] = irate[-rs[k] - 2];
                else if (rs[k] >= 0) c->rate[k] = pl->wrate[rs[k]];
                if (c->rate[k] > rate) rate = c->rate[k];
            }
            op->def->fn[lt_isa()](c);
            if (op->def->flags & LT_VOP_ENV) busy |= c->busy;
            uint8_t out_rate = (op->def->flags & LT_VOP_PURE) ? (uint8_t)rate : LT_RATE_AUDIO;
            for (int o = 0; o < op->def->n_out; o++) pl->wrate[op->out[o]] = out_rate;
        }

        /* place and sum the voices: out = a (* b) * factor, by each voice's pan */
        v8f mask = v8_mask_of(active);
        const struct lt_out_fused *f0 = &pl->outs[0], *f1 = &pl->outs[p->nout == 2 ? 1 : 0];
        v8f gl = v8_mul(v8_and(mask, v8_load(h->gl)), v8_set1(f0->factor));
        v8f gr = v8_mul(v8_and(mask, v8_load(h->gr)), v8_set1(f1->factor));
        const float *a0 = src_ptr(pl, f0->a), *b0 = f0->has_b ? src_ptr(pl, f0->b) : NULL;
        const float *a1 = src_ptr(pl, f1->a), *b1 = f1->has_b ? src_ptr(pl, f1->b) : NULL;
        v8f fade = v8_load(h->fade), fstep = v8_load(h->fstep);
        int fading = !p->has_env;
        for (int i = 0; i < n; i++) {
            v8f x = v8_load(a0 + i * LT_LANES), y = v8_load(a1 + i * LT_LANES);
            if (b0) x = v8_mul(x, v8_load(b0 + i * LT_LANES));
            if (b1) y = v8_mul(y, v8_load(b1 + i * LT_LANES));
            if (fading) {
                fade = v8_max(v8_add(fade, fstep), v8_zero());
                x = v8_mul(x, fade);
                y = v8_mul(y, fade);
            }
            v8_store(accl + i * LT_LANES, v8_add(v8_load(accl + i * LT_LANES), v8_mul(x, gl)));
            v8_store(accr + i * LT_LANES, v8_add(v8_load(accr + i * LT_LANES), v8_mul(y, gr)));
        }
        if (fading) v8_store(h->fade, fade);

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
