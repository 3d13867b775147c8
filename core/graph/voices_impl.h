/* voices_impl.h — the inside of a voice pool, shared by voices.c (notes, lanes: scalar) and
 * voices_v8.c (the block loop, compiled once per instruction set).  Not for other files. */
#ifndef LT_GRAPH_VOICES_IMPL_H
#define LT_GRAPH_VOICES_IMPL_H
#include "graph/voices.h"

enum { LANE_HELD = 1, LANE_MIDI = 2, LANE_PANNED = 4, LANE_DONE = 8 };

/* Per-lane facts about the voice in each lane of a block (not op state: moved field by field). */
typedef struct lt_vhdr {
    float    note[LT_LANES], freq[LT_LANES], vel[LT_LANES], gate[LT_LANES], relvel[LT_LANES];
    float    gnote[LT_LANES], gstep[LT_LANES];   /* glide: current note, semitones per frame */
    int32_t  gleft[LT_LANES];                    /* glide frames left */
    float    gl[LT_LANES], gr[LT_LANES];         /* pan gains */
    float    fade[LT_LANES], fstep[LT_LANES];    /* release fade of programs without envelope */
    uint32_t id[LT_LANES], flags[LT_LANES];
    uint64_t age[LT_LANES];
} __attribute__((aligned(32))) lt_vhdr;

typedef struct lt_mono_note { float note, vel; uint32_t id; } lt_mono_note;

struct lt_pool {
    const lt_program *prog;
    float    sr;
    int      capacity, nblocks, nactive;
    int      mono, legato;
    int32_t  glide_frames, smooth_frames, fade_frames;
    uint64_t clock;
    lt_ramp *params;            /* prog->nparams */
    unsigned char *blocks;      /* nblocks * stride: header, then op state */
    size_t   stride, hdr_size;
    int     *trig;              /* per block: lanes (re)triggered at the next call's first frame */
    float   *wires;             /* prog->nwires wires of LT_QUANTUM frames x 8 lanes */
    float   *pwires;            /* prog->nparams wires: parameters, the same for every block */
    float   *iwires;            /* LT_IN_COUNT wires: the voice inputs of the block being run */
    float   *acc;               /* 2 wires: left and right accumulators */
    float   *uwires;            /* prog->nuniform wires: pure ops computed once for every voice */
    uint8_t *wrate, *prate, *urate;
    uint8_t *uni, *need;        /* per op, this call: the same for every voice; needed at all */
    uint32_t *pver, *uver;      /* versions: a parameter's wire changes, a uniform op's inputs change */
    lt_vop_call *calls;         /* per op, this call: inputs, rates, outputs (the same for every block) */
    uint16_t *run;              /* the ops every block runs this call, in order */
    int16_t  *rsrc;             /* per op and input: where its rate comes from in each block */
    int       nrun;
    struct lt_out_fused {       /* each output channel: a (times b) times a steady factor */
        lt_src a, b;
        int    has_b;
        float  factor;
    } outs[2];
    uint32_t  clock32;          /* the source of new versions */
    int      nstack;
    lt_mono_note stack[LT_MONO_STACK];
};

static inline lt_vhdr *lt_pool_hdr(const lt_pool *pl, int b) { return (lt_vhdr *)(pl->blocks + (size_t)b * pl->stride); }
static inline unsigned char *lt_pool_state(const lt_pool *pl, int b) { return pl->blocks + (size_t)b * pl->stride + pl->hdr_size; }

/* Ends voice in lane `lane` (0 .. nactive-1): the last voice moves into it.  voices.c. */
void lt_pool_end_lane(lt_pool *pl, int lane);

void lt_pool_process_sse2(lt_pool *pl, float *l, float *r, int n, int64_t frame);
void lt_pool_process_avx2(lt_pool *pl, float *l, float *r, int n, int64_t frame);
#endif
