/* program.h — a compiled patch program: what one voice of an instrument computes, as a flat, sorted
 * list of voice ops (vop.h) over wires, plus the layout of its state in a block of eight voices.
 *
 * A patch is a Lua function over symbolic voice inputs; called once, it records an expression graph,
 * which lua/patch.lua flattens into an lt_program_desc in a deterministic topological order (the
 * outputs' arguments depth-first, left to right).  lt_program_compile then, on the control thread:
 *   - checks every op against its def (arity, option, constant ranges) with a message naming the op;
 *   - lifts every constant into a parameter slot, so that changing a number in a patch is a parameter
 *     change on the sounding voices, not a new program; named controls (v.cutoff(800)) are slots too;
 *   - hashes the normalised structure (units, options, tables, edges, control names — not the
 *     constants' values), which is the program's identity: same hash, same program;
 *   - colours the wires (a wire is freed after its last reader, as scsynth's DoBufferColoring does),
 *     so the scratch every block shares stays small;
 *   - lays out each op's state in a block (32-byte aligned runs of lane vectors).
 * A program is immutable once built; voice pools (voices.h) run it.
 *
 * Thread: control (compile, free).  The compiled program is read-only on the audio thread. */
#ifndef LT_GRAPH_PROGRAM_H
#define LT_GRAPH_PROGRAM_H
#include <stdint.h>
#include "graph/vop.h"

#define LT_PROGRAM_MAX_OPS     1024
#define LT_PROGRAM_MAX_PARAMS  512
#define LT_PROGRAM_NAME        32

/* Voice inputs a patch can read (v.freq, v.note, ...). */
typedef enum { LT_IN_FREQ = 0, LT_IN_NOTE, LT_IN_GATE, LT_IN_VEL, LT_IN_RELVEL, LT_IN_COUNT } lt_voice_input;
extern const char *const lt_voice_input_names[LT_IN_COUNT];

/* ---- the description Lua hands over ------------------------------------------------------------ */

typedef enum { LT_ARG_OP = 0, LT_ARG_CONST, LT_ARG_INPUT, LT_ARG_CONTROL } lt_arg_kind;

typedef struct lt_arg_desc {
    uint8_t  kind;        /* lt_arg_kind */
    uint8_t  port;        /* LT_ARG_OP: which output of the op */
    uint16_t index;       /* LT_ARG_OP: op index (earlier in the list); LT_ARG_INPUT: lt_voice_input;
                             LT_ARG_CONTROL: index into the description's controls */
    float    value;       /* LT_ARG_CONST */
} lt_arg_desc;

typedef struct lt_op_desc {
    const lt_vop_def *def;
    int          opt;
    int          ndata;
    const float *data;    /* copied by the compiler */
    int          nargs;
    lt_arg_desc  args[LT_VOP_MAX_IN];
} lt_op_desc;

typedef struct lt_control_desc {
    char  name[LT_PROGRAM_NAME];
    float def, min, max;
} lt_control_desc;

typedef struct lt_program_desc {
    int              nops;
    const lt_op_desc *ops;
    int              ncontrols;
    const lt_control_desc *controls;
    int              nout;        /* 1 (mono) or 2 (stereo) */
    lt_arg_desc      out[2];      /* what the voice outputs (an op output, a constant, an input ...) */
} lt_program_desc;

/* ---- the compiled program ---------------------------------------------------------------------- */

/* A wire source resolved at compile time: every op input and output reads one of these. */
typedef enum { LT_SRC_WIRE = 0, LT_SRC_PARAM, LT_SRC_INPUT } lt_src_kind;
typedef struct lt_src {
    uint8_t  kind;
    uint8_t  port;       /* LT_SRC_WIRE: which output of the op */
    uint16_t index;      /* wire slot, param slot or voice input */
    uint16_t op;         /* LT_SRC_WIRE: the op that writes it */
} lt_src;

/* What the pool's per-call pass knows about an op (voices_v8.c): a multiply by an exact 0 is 0
 * whatever the other input does; a select with a steady index needs only the input it picks. */
enum { LT_ROLE_NONE = 0, LT_ROLE_MUL, LT_ROLE_SELECT };

typedef struct lt_prog_op {
    const lt_vop_def *def;
    lt_vop_data data;
    int      nin;
    lt_src   in[LT_VOP_MAX_IN];
    uint16_t out[LT_VOP_MAX_OUT];   /* wire slots */
    uint16_t uslot[LT_VOP_MAX_OUT]; /* a pure op's outputs when they are the same for every voice */
    uint8_t  role;                  /* LT_ROLE_* */
    uint8_t  readers;               /* how many inputs (and outputs of the patch) read it, up to 255 */
    uint32_t state_off;             /* byte offset of its state in a block's state area */
} lt_prog_op;

typedef struct lt_program {
    uint64_t    hash;               /* identity: the normalised structure */
    int         nops;
    lt_prog_op *ops;
    int         nwires;             /* coloured wire slots */
    int         nuniform;           /* slots for pure ops' outputs computed once for all voices */
    int         nfused;             /* ops the compiler fused into one kernel (saw -> lpf, * -> pan) */
    int         nparams;            /* slots: controls first (in description order), then constants */
    int         ncontrols;
    float      *param_default;      /* nparams: a control's default or the constant's value */
    float      *param_min, *param_max;
    char      (*control_name)[LT_PROGRAM_NAME];
    int         ninputs_used;       /* bit i set: the program reads voice input i */
    int         nout;
    lt_src      out[2];
    uint32_t    state_size;         /* bytes of op state per block of 8 voices */
    int         has_env;            /* some op is an envelope (LT_VOP_ENV): voices end by it */
    float      *data_store;         /* the ops' tables, one allocation */
    int         refs;               /* control thread: holders (Lua values, voice pools) */
} lt_program;

typedef enum {
    LT_PROG_OK = 0,
    LT_PROG_ENOMEM,
    LT_PROG_EMPTY,       /* no ops and no output */
    LT_PROG_TOO_BIG,     /* more ops or parameters than the limits */
    LT_PROG_BAD_ARG,     /* an argument refers to a later op, a missing port, an unknown input */
    LT_PROG_ARITY,       /* wrong number of inputs for the unit */
    LT_PROG_RANGE,       /* a constant outside the unit's range for that input */
    LT_PROG_OPTION,      /* an option index the unit does not have */
    LT_PROG_NOT_FINITE,  /* a constant that is NaN or infinite */
} lt_prog_err;

typedef struct lt_prog_error {
    lt_prog_err code;
    int  op;                        /* the op at fault, or -1 */
    int  arg;                       /* its argument, or -1 */
    char msg[200];                  /* a sentence naming the unit, the input and what would be right */
} lt_prog_error;

/* Thread: control.  RT-safe: no.  NULL on failure, with *err filled. */
lt_program *lt_program_compile(const lt_program_desc *d, lt_prog_error *err);
void        lt_program_free(lt_program *p);
/* Reference counting on the control thread: compile returns a program with one reference. */
lt_program *lt_program_ref(lt_program *p);
void        lt_program_unref(lt_program *p);     /* frees it with the last reference */
const char *lt_prog_strerror(lt_prog_err e);
/* The parameter slot of a named control, or -1. */
int         lt_program_control(const lt_program *p, const char *name);
#endif
