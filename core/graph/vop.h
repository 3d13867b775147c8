/* vop.h — the ABI of a voice operation: one unit of a patch (saw, lpf, adsr, ...), run for eight
 * voices at once.
 *
 * A patch compiles to a program: a sorted list of ops over wires (program.h).  The voices of one
 * program on one track live in blocks of eight lanes, one voice per lane; the engine runs the program
 * once per block and per call, and each op's kernel processes all eight lanes of `n` frames.  Wires
 * are frame-major: input k, frame i, lane j is in[k][i * LT_LANES + j], so one v8f (v8.h) holds one
 * frame of all eight voices.  A call never spans a note event of its track: a note that starts,
 * stops or is stolen at frame F ends one call at F and starts the next there.
 *
 * An op's state is a run of lane vectors (float[8] or int32[8], 32-byte aligned), nothing else: the
 * engine zeroes a lane by zeroing element j of every vector, and moves a voice from lane k of one
 * block to lane j of another by copying element k to element j of every vector.  After zeroing a
 * lane for a new voice the engine calls `start` (if any) for values that must not start at zero.
 * State that must be shared by all lanes of a block (a ring position) is derived from `frame`, the
 * absolute frame of the call's first sample, which is the same for every block.
 *
 * Determinism: a kernel gives the same bits in its SSE2 and AVX2 builds (v8.h says how), and the
 * same bits whatever the calls' lengths are, except where an input's rate says the kernel may read
 * it only at the ends of the call (LT_RATE_CONTROL): then the split points matter, and they are the
 * track's own event frames, which are the same every run.
 *
 * Thread: kernels and `start` run on the audio thread.  RT-safe: yes — no allocation, locks, I/O,
 * library calls that may allocate; libm is allowed in `start` and in per-call (not per-sample)
 * coefficient updates. */
#ifndef LT_GRAPH_VOP_H
#define LT_GRAPH_VOP_H
#include <stddef.h>
#include <stdint.h>
#include "quantum.h"
#include "dsp/v8.h"

#define LT_VOP_MAX_IN  16
#define LT_VOP_MAX_OUT 2

enum { LT_ISA_SSE2 = 0, LT_ISA_AVX2, LT_ISA_COUNT };

/* What an input does across one call; kernels may take a cheaper path for the slower rates. */
enum {
    LT_RATE_CONST = 0,   /* the same value in every frame of the call (per lane); kernels read frame 0
                            only, so the wire may be a single lane vector (8 floats) */
    LT_RATE_CONTROL,     /* a straight ramp across the call (per lane): reading frames 0 and n-1 is enough */
    LT_RATE_AUDIO        /* anything */
};

/* Compile-time options of one op: part of the patch's structure (changing them makes a new
 * program), unlike its inputs, whose constants become parameters that can glide. */
typedef struct lt_vop_data {
    int          opt;      /* an option index: a shape, a curve, a count (the def's `options`) */
    int          ndata;    /* floats in data */
    const float *data;     /* a table (wavetable frames, ...), owned by the program, immutable */
} lt_vop_data;

typedef struct lt_vop_call {
    int           n;                        /* frames, 1 .. LT_QUANTUM */
    int           nin;                      /* inputs given (min_in .. max_in; omitted ones are filled
                                               with the def's defaults as constant wires) */
    const float  *in[LT_VOP_MAX_IN];        /* 32-byte aligned wires */
    uint8_t       rate[LT_VOP_MAX_IN];
    float        *out[LT_VOP_MAX_OUT];      /* may alias no input */
    void         *state;                    /* state_size bytes, 32-byte aligned */
    const lt_vop_data *data;
    int64_t       frame;                    /* absolute frame of sample 0 of this call */
    int           active;                   /* lanes holding a voice (bit j = lane j) */
    int           trig;                     /* lanes whose note started or was retriggered at frame 0 */
    int           busy;                     /* out: envelope ops OR in the lanes they still sound in */
    float         sr, inv_sr;
} lt_vop_call;

typedef void (*lt_vop_fn)(lt_vop_call *c);

/* What the engine knows about a voice when its lane starts, for `start`. */
typedef struct lt_vop_lane {
    uint32_t seed;        /* a deterministic per-voice seed (noise, random LFOs, free-running phases) */
    float    note, freq, vel;
    float    sr;
} lt_vop_lane;

enum {
    LT_VOP_PURE  = 1 << 0,   /* no state, no time: output rate = the fastest input rate */
    LT_VOP_ENV   = 1 << 1,   /* an envelope: ORs the lanes still sounding into call->busy; a voice
                                ends when its gate is off and no envelope is busy in its lane */
    LT_VOP_GATE0 = 1 << 2,   /* input 0 is a gate: 0 = off, > 0 = on; trig lanes retrigger */
};

typedef struct lt_vop_def {
    const char  *name;               /* the Lua name: "saw" */
    const char  *signature;          /* "saw(freq)": for help() and error messages */
    const char  *help;               /* one line: what it does */
    const char  *example;            /* one line of Lua using it */
    uint8_t      min_in, max_in, n_out;
    const char  *const *in_names;    /* max_in names: "freq", "width", ... */
    const float *in_default;         /* max_in values used for omitted optional inputs */
    const float *in_min, *in_max;    /* ranges a constant input must be in (NULL: any finite value) */
    const char  *const *options;     /* NULL-terminated names for data.opt (shapes, curves), or NULL */
    uint32_t     state_size;         /* bytes per block of 8 voices, a multiple of 32 */
    uint32_t     flags;
    lt_vop_fn    fn[LT_ISA_COUNT];   /* the kernel, per instruction set */
    void       (*start)(void *state, int lane, const lt_vop_data *d, const lt_vop_lane *l);
    /* Optional, control thread, not RT-safe (may use FFTW): turns the table a patch gave for this op
     * (src, nsrc floats, in the format its docs give, e.g. wavetable frames) into the immutable data
     * its kernel reads.  Called with dst NULL to learn the size first; returns the number of floats,
     * or -1 with *err set to a sentence saying what is wrong with the table. */
    long       (*prepare)(const float *src, long nsrc, float *dst, const char **err);
} lt_vop_def;

/* The table of every voice op, in one fixed order (core/dsp/vops.c).  Thread: any (constant data). */
extern const lt_vop_def *const lt_vop_defs[];
extern const int lt_vop_count;
const lt_vop_def *lt_vop_find(const char *name);   /* NULL when unknown */

/* The instruction set the kernels run with: chosen once at start-up from the CPU (AVX2 when it has
 * it), or forced by LUTE_ISA=sse2|avx2 (tests compare the two).  Thread: control, before audio starts. */
int         lt_isa_select(const char *force);      /* returns the ISA chosen; force may be NULL */
int         lt_isa(void);
const char *lt_isa_name(int isa);
#endif
