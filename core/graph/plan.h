/* plan.h — a compiled mix plan: the flat, ordered list of steps the audio thread walks once per
 * quantum (Pd's dsp chain: "sorted into a linear list of DSP operations"), over stereo buffers.
 *
 * A plan is built on the control thread (mix.c) from the declared tracks, effects and master,
 * sent with one LT_CMD_PLAN and swapped at a quantum boundary; it is immutable, and it names every
 * node it runs, so the audio thread installs exactly those nodes' handles at the swap.  The old
 * plan goes back by reply and is freed on the control thread.  Nodes are shared between plans: the
 * same node in the old and the new plan simply carries on.
 *
 * Thread: built and freed on the control thread; read on the audio thread. */
#ifndef LT_GRAPH_PLAN_H
#define LT_GRAPH_PLAN_H
#include <stdint.h>
#include "graph/node.h"

typedef enum {
    LT_STEP_CLEAR = 1,   /* buf = 0 */
    LT_STEP_INSTR,       /* node renders into buf */
    LT_STEP_FX,          /* node processes buf in place (key: a key buffer or -1) */
    LT_STEP_STRIP,       /* node: fader/pan on buf, added into dst (-1: none); aux = the track's instr */
    LT_STEP_COPY,        /* dst = buf (a key tap, or a send that needs its own delay) */
    LT_STEP_DELAY,       /* node delays buf in place by `len` frames (latency compensation) */
    LT_STEP_SEND,        /* node: dst += buf * the send's gain */
    LT_STEP_SUM,         /* dst += buf */
    LT_STEP_OUT,         /* buf is the output */
    LT_STEP_DIRECT,      /* buf goes to device outputs instead of the master: len = the left's index
                            (0-based, >= 2), key = the right's (-1: one output, fed (L + R) / 2) */
} lt_step_kind;

typedef struct lt_step {
    uint16_t kind;
    int16_t  buf, dst, key;
    int32_t  group;      /* steps of one track (or bus) share a group: the output guard clears them together */
    int32_t  len;        /* LT_STEP_DELAY: frames */
    lt_node *node, *aux;
} lt_step;

enum { LT_PN_LEAVING = 1, LT_PN_ENTERING = 2 };

typedef struct lt_plan {
    uint64_t  id;          /* the control thread's count of plans, for messages */
    int       nsteps;
    lt_step  *steps;
    int       nbufs;
    float    *bufs;        /* nbufs stereo buffers: buffer b is bufs + b * 2 * LT_QUANTUM (left, then right) */
    int       nnodes;
    lt_node **nodes;       /* every node the plan runs */
    uint8_t  *node_flags;  /* LT_PN_*: leaving in this plan; new in this plan */
    int       out_buf;
    int32_t   latency;     /* frames from a note to the output: the master's latency (compensated) */
    int       nchan;       /* the channels and the buffer each ends in (post-fader, aligned): stems */
    struct lt_plan_chan { char name[32]; int buf, is_bus, leaving, to_master; } *chan;
} lt_plan;

static inline float *lt_plan_buf(const lt_plan *p, int b) { return p->bufs + (size_t)b * 2 * LT_QUANTUM; }
#endif
