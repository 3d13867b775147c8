/* program.c — compiles a patch description into a program (see program.h): checks, constant
 * lifting, the structural hash, wire colouring and state layout. */
#include "graph/program.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const lt_voice_input_names[LT_IN_COUNT] = { "freq", "note", "gate", "vel", "release_vel" };

static const char *const errors[] = {
    [LT_PROG_OK]         = "no error",
    [LT_PROG_ENOMEM]     = "out of memory",
    [LT_PROG_EMPTY]      = "the patch outputs nothing",
    [LT_PROG_TOO_BIG]    = "the patch is too big",
    [LT_PROG_BAD_ARG]    = "an argument refers to nothing",
    [LT_PROG_ARITY]      = "wrong number of inputs",
    [LT_PROG_RANGE]      = "a value is out of range",
    [LT_PROG_OPTION]     = "unknown option",
    [LT_PROG_NOT_FINITE] = "a value is not a finite number",
};

const char *lt_prog_strerror(lt_prog_err e) {
    return e >= 0 && e < (int)(sizeof errors / sizeof errors[0]) ? errors[e] : "unknown error";
}

/* FNV-1a over 64 bits, fed field by field in a fixed order. */
typedef struct { uint64_t h; } hasher;
static void hash_bytes(hasher *h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h->h ^= b[i]; h->h *= 0x100000001b3ULL; }
}
static void hash_int(hasher *h, int64_t v) { hash_bytes(h, &v, sizeof v); }
static void hash_str(hasher *h, const char *s) { hash_bytes(h, s, strlen(s) + 1); }

static int fail(lt_prog_error *err, lt_prog_err code, int op, int arg, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(lt_prog_error *err, lt_prog_err code, int op, int arg, const char *fmt, ...) {
    if (err) {
        va_list ap;
        err->code = code;
        err->op = op;
        err->arg = arg;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const char *in_name(const lt_vop_def *d, int k) {
    return d->in_names && d->in_names[k] ? d->in_names[k] : "input";
}

/* Checks one argument of op i (or of the output when i == nops) and the ranges of constants. */
static int check_arg(const lt_program_desc *d, int i, int k, const lt_arg_desc *a, lt_prog_error *err) {
    const lt_vop_def *def = i < d->nops ? d->ops[i].def : NULL;
    const char *unit = def ? def->name : "output";
    switch (a->kind) {
    case LT_ARG_OP:
        if (a->index >= i)
            return fail(err, LT_PROG_BAD_ARG, i, k, "%s: input %d reads an op that comes later", unit, k + 1);
        if (a->port >= d->ops[a->index].def->n_out)
            return fail(err, LT_PROG_BAD_ARG, i, k, "%s: input %d reads output %d of %s, which has %d", unit,
                        k + 1, a->port + 1, d->ops[a->index].def->name, d->ops[a->index].def->n_out);
        return 0;
    case LT_ARG_INPUT:
        if (a->index >= LT_IN_COUNT)
            return fail(err, LT_PROG_BAD_ARG, i, k, "%s: input %d reads an unknown voice input", unit, k + 1);
        return 0;
    case LT_ARG_CONTROL:
        if (a->index >= d->ncontrols)
            return fail(err, LT_PROG_BAD_ARG, i, k, "%s: input %d reads an unknown control", unit, k + 1);
        return 0;
    case LT_ARG_CONST:
        if (!isfinite(a->value))
            return fail(err, LT_PROG_NOT_FINITE, i, k, "%s: %s is %g; it must be a finite number", unit,
                        def ? in_name(def, k) : "the value", (double)a->value);
        if (def && def->in_min && def->in_max && !(a->value >= def->in_min[k] && a->value <= def->in_max[k]))
            return fail(err, LT_PROG_RANGE, i, k, "%s: %s = %g is out of range (%g .. %g)", unit, in_name(def, k),
                        (double)a->value, (double)def->in_min[k], (double)def->in_max[k]);
        return 0;
    }
    return fail(err, LT_PROG_BAD_ARG, i, k, "%s: input %d is of an unknown kind", unit, k + 1);
}

static int count_options(const lt_vop_def *d) {
    int n = 0;
    if (d->options) while (d->options[n]) n++;
    return n;
}

/* Readers of each op's outputs (in ops and in the patch's output). */
static void count_readers(const lt_program_desc *d, int *readers) {
    memset(readers, 0, sizeof(int) * (size_t)(d->nops ? d->nops : 1));
    for (int i = 0; i < d->nops; i++)
        for (int k = 0; k < d->ops[i].nargs; k++)
            if (d->ops[i].args[k].kind == LT_ARG_OP) readers[d->ops[i].args[k].index]++;
    for (int k = 0; k < d->nout; k++) if (d->out[k].kind == LT_ARG_OP) readers[d->out[k].index] += 2;
}

/* Hot chains become one kernel whose state stays in registers across the quantum (research note
 * C3): lpf(saw(f), c, r) -> saw_lpf(f, c, r) when the saw feeds nothing else, and pan(a * g, p) ->
 * vca_pan(a, g, p) when the product feeds nothing else.  Same samples, fewer passes.  Returns the
 * fused op list (owned by the caller) and fills fd to describe it. */
static lt_op_desc *fuse(const lt_program_desc *d, lt_program_desc *fd, int *nfused) {
    int n = d->nops;
    lt_op_desc *ops = malloc(sizeof *ops * (size_t)(n ? n : 1));
    int *readers = malloc(sizeof(int) * (size_t)(n ? n : 1)), *gone = calloc((size_t)(n ? n : 1), sizeof(int));
    int *newidx = malloc(sizeof(int) * (size_t)(n ? n : 1));
    if (!ops || !readers || !gone || !newidx) { free(ops); free(readers); free(gone); free(newidx); return NULL; }
    memcpy(ops, d->ops, sizeof *ops * (size_t)n);
    count_readers(d, readers);
    const lt_vop_def *saw_lpf = lt_vop_find("saw_lpf"), *vca_pan = lt_vop_find("vca_pan");
    for (int i = 0; i < n; i++) {
        lt_op_desc *o = &ops[i];
        const lt_arg_desc *a0 = o->nargs > 0 ? &o->args[0] : NULL;
        if (!a0 || a0->kind != LT_ARG_OP || readers[a0->index] != 1 || gone[a0->index]) continue;
        const lt_op_desc *src = &ops[a0->index];
        if (saw_lpf && strcmp(o->def->name, "lpf") == 0 && strcmp(src->def->name, "saw") == 0 && src->nargs == 1) {
            lt_op_desc f = { saw_lpf, src->opt, 0, NULL, o->nargs, { src->args[0] } };
            for (int k = 1; k < o->nargs; k++) f.args[k] = o->args[k];
            gone[a0->index] = 1;
            *o = f;
            (*nfused)++;
        } else if (vca_pan && strcmp(o->def->name, "pan") == 0 && o->nargs == 2 &&
                   (strcmp(src->def->name, "mul") == 0 || strcmp(src->def->name, "vca") == 0) && src->nargs == 2) {
            lt_op_desc f = { vca_pan, 0, 0, NULL, 3, { src->args[0], src->args[1], o->args[1] } };
            gone[a0->index] = 1;
            *o = f;
            (*nfused)++;
        }
    }
    /* renumber: drop the fused-away ops, point every argument at the new indices */
    int m = 0;
    for (int i = 0; i < n; i++) newidx[i] = gone[i] ? -1 : m++;
    m = 0;
    for (int i = 0; i < n; i++) {
        if (gone[i]) continue;
        lt_op_desc o = ops[i];
        for (int k = 0; k < o.nargs; k++) if (o.args[k].kind == LT_ARG_OP) o.args[k].index = (uint16_t)newidx[o.args[k].index];
        ops[m++] = o;
    }
    *fd = *d;
    fd->nops = m;
    fd->ops = ops;
    for (int k = 0; k < fd->nout; k++) if (fd->out[k].kind == LT_ARG_OP) fd->out[k].index = (uint16_t)newidx[fd->out[k].index];
    free(readers);
    free(gone);
    free(newidx);
    return ops;
}

lt_program *lt_program_compile(const lt_program_desc *d, lt_prog_error *err) {
    lt_program *p = NULL;
    int *last_use = NULL, *wire_of = NULL, *free_stack = NULL;
    lt_op_desc *fused = NULL;
    lt_program_desc fd;
    if (err) { err->code = LT_PROG_OK; err->op = err->arg = -1; err->msg[0] = 0; }
    if (d->nout < 1 || d->nout > 2) { fail(err, LT_PROG_EMPTY, -1, -1, "a patch returns one signal (mono) or two (stereo)"); return NULL; }
    if (d->nops > LT_PROGRAM_MAX_OPS) { fail(err, LT_PROG_TOO_BIG, -1, -1, "a patch has at most %d units; this one has %d", LT_PROGRAM_MAX_OPS, d->nops); return NULL; }

    /* 1. Check every op and count constants. */
    int nconst = 0, ndata = 0;
    for (int i = 0; i < d->nops; i++) {
        const lt_op_desc *o = &d->ops[i];
        const lt_vop_def *def = o->def;
        if (!def) { fail(err, LT_PROG_BAD_ARG, i, -1, "unit %d is unknown", i + 1); return NULL; }
        if (o->nargs < def->min_in || o->nargs > def->max_in) {
            if (def->min_in == def->max_in)
                fail(err, LT_PROG_ARITY, i, -1, "%s takes %d input%s, got %d: %s", def->name, def->min_in,
                     def->min_in == 1 ? "" : "s", o->nargs, def->signature);
            else
                fail(err, LT_PROG_ARITY, i, -1, "%s takes %d to %d inputs, got %d: %s", def->name, def->min_in,
                     def->max_in, o->nargs, def->signature);
            return NULL;
        }
        int nopt = count_options(def);
        if (o->opt < 0 || (nopt ? o->opt >= nopt : o->opt != 0)) {
            fail(err, LT_PROG_OPTION, i, -1, "%s: option %d is unknown", def->name, o->opt);
            return NULL;
        }
        for (int k = 0; k < o->nargs; k++) {
            if (check_arg(d, i, k, &o->args[k], err)) return NULL;
            if (o->args[k].kind == LT_ARG_CONST) nconst++;
        }
        nconst += def->max_in - o->nargs;     /* omitted optional inputs become constant slots too */
        if (def->prepare) {                     /* the table as its kernel reads it */
            const char *why = NULL;
            long need = def->prepare(o->data, o->ndata, NULL, &why);
            if (need < 0) {
                fail(err, LT_PROG_RANGE, i, -1, "%s: %s", def->name, why ? why : "its table is not usable");
                return NULL;
            }
            ndata += (int)need;
        } else ndata += o->ndata > 0 ? o->ndata : 0;
    }
    for (int k = 0; k < d->nout; k++) {
        if (check_arg(d, d->nops, k, &d->out[k], err)) return NULL;
        if (d->out[k].kind == LT_ARG_CONST) nconst++;
    }
    int nparams = d->ncontrols + nconst;
    if (nparams > LT_PROGRAM_MAX_PARAMS) {
        fail(err, LT_PROG_TOO_BIG, -1, -1, "a patch has at most %d controls and numbers; this one has %d", LT_PROGRAM_MAX_PARAMS, nparams);
        return NULL;
    }

    /* The structural hash is the patch as written (before fusion, which is the compiler's business). */
    hasher h = { 0xcbf29ce484222325ULL };
    hash_int(&h, d->nops);
    hash_int(&h, d->nout);
    for (int c = 0; c < d->ncontrols; c++) hash_str(&h, d->controls[c].name);
    for (int i = 0; i < d->nops; i++) {
        const lt_op_desc *o = &d->ops[i];
        hash_str(&h, o->def->name);
        hash_int(&h, o->opt);
        hash_int(&h, o->nargs);
        hash_int(&h, o->ndata);
        if (o->ndata > 0) hash_bytes(&h, o->data, sizeof(float) * (size_t)o->ndata);
        for (int k = 0; k < o->nargs; k++) {
            const lt_arg_desc *a = &o->args[k];
            hash_int(&h, a->kind);
            if (a->kind != LT_ARG_CONST) { hash_int(&h, a->index); hash_int(&h, a->port); }
        }
    }
    for (int k = 0; k < d->nout; k++) {
        hash_int(&h, d->out[k].kind);
        if (d->out[k].kind != LT_ARG_CONST) { hash_int(&h, d->out[k].index); hash_int(&h, d->out[k].port); }
    }
    int nfused = 0;
    fused = fuse(d, &fd, &nfused);
    if (!fused) goto nomem;
    d = &fd;
    /* the constants of the fused ops (a fused op may have optional inputs its parts did not) */
    nconst = 0;
    for (int i = 0; i < d->nops; i++) {
        for (int k = 0; k < d->ops[i].nargs; k++) nconst += d->ops[i].args[k].kind == LT_ARG_CONST;
        nconst += d->ops[i].def->max_in - d->ops[i].nargs;
    }
    for (int k = 0; k < d->nout; k++) nconst += d->out[k].kind == LT_ARG_CONST;
    nparams = d->ncontrols + nconst;
    if (nparams > LT_PROGRAM_MAX_PARAMS) {
        fail(err, LT_PROG_TOO_BIG, -1, -1, "a patch has at most %d controls and numbers; this one has %d", LT_PROGRAM_MAX_PARAMS, nparams);
        goto fail_free;
    }

    /* 2. Allocate. */
    p = calloc(1, sizeof *p);
    if (!p) goto nomem;
    p->nops = d->nops;
    p->ops = calloc((size_t)(d->nops ? d->nops : 1), sizeof *p->ops);
    p->nparams = nparams;
    p->ncontrols = d->ncontrols;
    p->param_default = calloc((size_t)(nparams ? nparams : 1), sizeof(float));
    p->param_min = calloc((size_t)(nparams ? nparams : 1), sizeof(float));
    p->param_max = calloc((size_t)(nparams ? nparams : 1), sizeof(float));
    p->control_name = calloc((size_t)(d->ncontrols ? d->ncontrols : 1), sizeof *p->control_name);
    p->data_store = calloc((size_t)(ndata ? ndata : 1), sizeof(float));
    last_use = calloc((size_t)d->nops + 1, sizeof(int));
    wire_of = malloc(((size_t)d->nops + 1) * LT_VOP_MAX_OUT * sizeof(int));
    free_stack = malloc(((size_t)d->nops + 1) * LT_VOP_MAX_OUT * sizeof(int));
    if (!p->ops || !p->param_default || !p->param_min || !p->param_max || !p->control_name || !p->data_store ||
        !last_use || !wire_of || !free_stack) goto nomem;

    /* 3. Parameters: controls first, then constants in the order they appear. */
    for (int c = 0; c < d->ncontrols; c++) {
        const lt_control_desc *cd = &d->controls[c];
        snprintf(p->control_name[c], LT_PROGRAM_NAME, "%s", cd->name);
        p->param_default[c] = cd->def;
        p->param_min[c] = cd->min;
        p->param_max[c] = cd->max;
    }
    int next_param = d->ncontrols;
    float *data = p->data_store;
#define LIFT(val, lo, hi) (p->param_default[next_param] = (val), p->param_min[next_param] = (lo), \
                           p->param_max[next_param] = (hi), next_param++)
    for (int i = 0; i < d->nops; i++) {
        const lt_op_desc *o = &d->ops[i];
        const lt_vop_def *def = o->def;
        lt_prog_op *po = &p->ops[i];
        po->def = def;
        po->nin = def->max_in;
        po->data.opt = o->opt;
        if (def->prepare) {
            const char *why = NULL;
            long got = def->prepare(o->data, o->ndata, data, &why);
            po->data.data = data;
            po->data.ndata = (int)got;
            data += got;
        } else if (o->ndata > 0) {
            memcpy(data, o->data, sizeof(float) * (size_t)o->ndata);
            po->data.data = data;
            po->data.ndata = o->ndata;
            data += o->ndata;
        }
        for (int k = 0; k < def->max_in; k++) {
            float lo = def->in_min ? def->in_min[k] : -INFINITY, hi = def->in_max ? def->in_max[k] : INFINITY;
            if (k >= o->nargs) {                         /* an omitted optional input */
                po->in[k] = (lt_src){ LT_SRC_PARAM, 0, (uint16_t)next_param, 0 };
                LIFT(def->in_default ? def->in_default[k] : 0.0f, lo, hi);
                continue;
            }
            const lt_arg_desc *a = &o->args[k];
            switch (a->kind) {
            case LT_ARG_OP:
                po->in[k] = (lt_src){ LT_SRC_WIRE, a->port, (uint16_t)(a->index * LT_VOP_MAX_OUT + a->port), a->index };
                if (last_use[a->index] < i) last_use[a->index] = i;
                break;
            case LT_ARG_INPUT:
                po->in[k] = (lt_src){ LT_SRC_INPUT, 0, a->index, 0 };
                p->ninputs_used |= 1 << a->index;
                break;
            case LT_ARG_CONTROL:
                po->in[k] = (lt_src){ LT_SRC_PARAM, 0, a->index, 0 };
                break;
            case LT_ARG_CONST:
                po->in[k] = (lt_src){ LT_SRC_PARAM, 0, (uint16_t)next_param, 0 };
                LIFT(a->value, lo, hi);
                break;
            }
        }
        if (def->flags & LT_VOP_ENV) p->has_env = 1;
        po->role = (strcmp(def->name, "mul") == 0 || strcmp(def->name, "vca") == 0) ? LT_ROLE_MUL
                 : strcmp(def->name, "select") == 0 ? LT_ROLE_SELECT : LT_ROLE_NONE;
        if (def->flags & LT_VOP_PURE)
            for (int q = 0; q < def->n_out; q++) po->uslot[q] = (uint16_t)p->nuniform++;
    }
    p->nout = d->nout;
    for (int k = 0; k < d->nout; k++) {
        const lt_arg_desc *a = &d->out[k];
        if (a->kind == LT_ARG_OP) {
            p->out[k] = (lt_src){ LT_SRC_WIRE, a->port, (uint16_t)(a->index * LT_VOP_MAX_OUT + a->port), a->index };
            last_use[a->index] = d->nops;          /* outputs live to the end */
        } else if (a->kind == LT_ARG_INPUT) {
            p->out[k] = (lt_src){ LT_SRC_INPUT, 0, a->index, 0 };
            p->ninputs_used |= 1 << a->index;
        } else if (a->kind == LT_ARG_CONTROL) {
            p->out[k] = (lt_src){ LT_SRC_PARAM, 0, a->index, 0 };
        } else {
            p->out[k] = (lt_src){ LT_SRC_PARAM, 0, (uint16_t)next_param, 0 };
            LIFT(a->value, -INFINITY, INFINITY);
        }
    }
#undef LIFT
    p->hash = h.h;
    p->nfused = nfused;

    for (int i = 0; i < d->nops; i++)
        for (int k = 0; k < p->ops[i].nin; k++)
            if (p->ops[i].in[k].kind == LT_SRC_WIRE && p->ops[p->ops[i].in[k].op].readers < 255) p->ops[p->ops[i].in[k].op].readers++;
    for (int k = 0; k < p->nout; k++)
        if (p->out[k].kind == LT_SRC_WIRE && p->ops[p->out[k].op].readers < 255) p->ops[p->out[k].op].readers++;

    /* A select may hand its consumers one of its inputs' wires directly (voices_v8.c), so those
     * wires must live as long as the select's output does. */
    for (int i = d->nops - 1; i >= 0; i--)
        if (p->ops[i].role == LT_ROLE_SELECT)
            for (int k = 0; k < p->ops[i].nin; k++)
                if (p->ops[i].in[k].kind == LT_SRC_WIRE && last_use[p->ops[i].in[k].op] < last_use[i])
                    last_use[p->ops[i].in[k].op] = last_use[i];

    /* 4. Wire colouring: an op's outputs take free slots; a slot is freed after its last reader.
     *    The op reads its inputs before writing its outputs, but kernels may not alias outputs to
     *    inputs (vop.h), so inputs are released only after the outputs are allocated. */
    int nfree = 0, nslots = 0;
    for (int i = 0; i < d->nops; i++) {
        lt_prog_op *po = &p->ops[i];
        for (int o = 0; o < po->def->n_out; o++) {
            int slot = nfree ? free_stack[--nfree] : nslots++;
            wire_of[i * LT_VOP_MAX_OUT + o] = slot;
            po->out[o] = (uint16_t)slot;
        }
        for (int k = 0; k < po->nin; k++)
            if (po->in[k].kind == LT_SRC_WIRE) po->in[k].index = (uint16_t)wire_of[po->in[k].index];
        /* release the outputs of every op whose last reader is this one */
        for (int j = 0; j < i; j++)
            if (last_use[j] == i)
                for (int o = 0; o < d->ops[j].def->n_out; o++) free_stack[nfree++] = wire_of[j * LT_VOP_MAX_OUT + o];
        if (last_use[i] <= i && last_use[i] != d->nops)  /* read by nobody: free at once */
            for (int o = 0; o < po->def->n_out; o++) free_stack[nfree++] = wire_of[i * LT_VOP_MAX_OUT + o];
    }
    for (int k = 0; k < p->nout; k++)
        if (p->out[k].kind == LT_SRC_WIRE) p->out[k].index = (uint16_t)wire_of[p->out[k].index];
    p->nwires = nslots;

    /* 5. State layout: each op's state is a 32-byte aligned run inside the block's state area. */
    uint32_t off = 0;
    for (int i = 0; i < d->nops; i++) {
        p->ops[i].state_off = off;
        off += (p->ops[i].def->state_size + 31u) & ~31u;
    }
    p->state_size = off;

    free(last_use);
    free(wire_of);
    free(free_stack);
    free(fused);
    p->refs = 1;
    return p;
nomem:
    fail(err, LT_PROG_ENOMEM, -1, -1, "out of memory compiling a patch");
fail_free:
    free(fused);
    free(last_use);
    free(wire_of);
    free(free_stack);
    lt_program_free(p);
    return NULL;
}

void lt_program_free(lt_program *p) {
    if (!p) return;
    free(p->ops);
    free(p->param_default);
    free(p->param_min);
    free(p->param_max);
    free(p->control_name);
    free(p->data_store);
    free(p);
}

int lt_program_control(const lt_program *p, const char *name) {
    for (int c = 0; c < p->ncontrols; c++)
        if (strcmp(p->control_name[c], name) == 0) return c;
    return -1;
}

lt_program *lt_program_ref(lt_program *p) { if (p) p->refs++; return p; }
void lt_program_unref(lt_program *p) { if (p && --p->refs <= 0) lt_program_free(p); }
