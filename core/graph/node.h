/* node.h — the stateful things of the mix: a track's instrument (its voice pools), an insert
 * effect, a strip (fader, pan, mute, meters).  A node is keyed by its name path ("track:bass",
 * "track:bass/fx:reverb#1", "track:bass/strip", "master/fx:limiter#1") and keeps its state across
 * re-evaluations: a new plan that names the same path runs the same node, so voices sound on and
 * reverb tails ring on (DESIGN.md, "Nodes keep their state by name").
 *
 * Each node runs as one step of the plan (plan.h), over the stereo buffer of its track or bus, and
 * applies its own events at their exact frames by splitting only its own processing there: a
 * track's samples never depend on another track's events.
 *
 * A node the declaration dropped does not vanish: the next plan still runs it, marked leaving.  An
 * instrument then releases its voices; an effect crossfades to dry over 30 ms; a strip waits until
 * its track is silent (a reverb's tail rang out) or 10 s passed, fades over 30 ms, and reports
 * LT_REPLY_NODE_DONE — then the control thread builds a plan without the track.
 *
 * Thread: create/free on the control thread; run and apply on the audio thread.  RT-safe: the
 * audio-thread functions are. */
#ifndef LT_GRAPH_NODE_H
#define LT_GRAPH_NODE_H
#include <stdint.h>
#include "quantum.h"
#include "graph/cmd.h"
#include "graph/fx.h"
#include "graph/ramp.h"
#include "graph/voices.h"
#include "sampler/sampler.h"

#define LT_NODE_PATH   96
#define LT_INSTR_OLD   4          /* pools finishing their voices after a program change */
#define LT_INSTR_SAMPLE_VOICES 64 /* sample voices per track */

typedef enum { LT_NODE_INSTR = 1, LT_NODE_FX, LT_NODE_STRIP, LT_NODE_SEND, LT_NODE_DELAY } lt_node_type;
typedef enum { LT_NODE_LIVE = 0, LT_NODE_LEAVING, LT_NODE_FINISHED } lt_node_phase;

/* One event of the current quantum for a node: the command and its offset in the quantum. */
typedef struct lt_nev { int32_t next; int32_t off; lt_cmd cmd; } lt_nev;

typedef struct lt_instr {
    lt_pool *pool;                 /* takes new notes; NULL: the track has no patch */
    lt_pool *old[LT_INSTR_OLD];    /* finishing their voices on the program they started with */
    int      nold;
    lt_sampler *smp;               /* the track's sample voices (in the node's allocation) */
    const lt_kit *kit;             /* the kit samples come from; NULL: none */
    const lt_kit *old_kits[LT_INSTR_OLD];
    int      nold_kits;
    int      released;             /* leaving: its voices were released */
    int8_t   in_ch[2];             /* device input channels it plays (-1: none; [1] -1: mono) */
    uint8_t  monitor;              /* the input is heard (else only recorded) */
    struct lt_take *take;          /* recording its input, or NULL */
    int32_t  take_latency;         /* frames the input arrives after what the player heard */
} lt_instr;

typedef struct lt_fxnode {
    const lt_fx_def  *def;
    const lt_fx_data *data;
    void    *st;
    lt_ramp  p[LT_FX_MAX_PARAMS];
    lt_ramp  mix;
    float    mix_declared;         /* where mix goes back to after entering */
    int      latency;
    float   *dly;                  /* the dry signal delayed by the latency, so wet/dry stay aligned */
    int      dpos;
    int32_t  smooth;
    float    gr_max;               /* the largest gain reduction since the last meter reply (dB) */
} lt_fxnode;

typedef struct lt_strip {
    lt_ramp  gain_db, pan, mute, polarity, width, solo_mute;
    float    gl, gr;               /* channel gains at the end of the last block */
    float    peak_l, peak_r;       /* since the last meter reply */
    int32_t  quiet;                /* leaving: frames of silence seen */
    int32_t  cap;                  /* leaving: frames until it stops waiting for silence */
    int32_t  fade;                 /* leaving: frames of fade-out left (-1: not fading yet) */
    int32_t  fade_total;
    int      instr_idle;           /* set by the engine each quantum: the track's voices have ended */
    double   ms_l, ms_r;           /* sum of squares since the last meter reply (RMS) */
    double   ks;                   /* sum of K-weighted squares, both channels (loudness) */
    int32_t  ms_n;
    double   kz[2][4];             /* K-weighting filter state per channel (two biquads) */
    double   kb[2][3], ka[2][3];   /* their coefficients for the engine's rate */
} lt_strip;

/* A send: a channel's signal (before or after its fader) into a bus, at its own level. */
typedef struct lt_send {
    lt_ramp  gain_db;
    float    g;                    /* linear gain at the end of the last block */
} lt_send;

/* A delay line that keeps paths in step (latency compensation, DESIGN.md).  Its length can change
 * between plans: the read position then crossfades from the old to the new over 128 frames
 * (Ardour's DelayLine), so a new latent effect elsewhere never clicks here. */
typedef struct lt_delay {
    float   *buf;                  /* cap frames of stereo */
    int32_t  cap, pos;
    int32_t  len, old_len;         /* frames; old_len while crossfading */
    int32_t  xfade;                /* frames of crossfade left */
} lt_delay;

typedef struct lt_node {
    lt_handle handle;
    uint16_t  type;                /* lt_node_type */
    uint16_t  phase;               /* lt_node_phase */
    char      path[LT_NODE_PATH];
    int32_t   ev_head, ev_tail;    /* this quantum's events, a list in the engine's event array */
    int       refs;                /* control thread: plans that name this node, plus the mix itself */
    union { lt_instr instr; lt_fxnode fx; lt_strip strip; lt_send send; lt_delay delay; } u;
} lt_node;

/* ---- control thread ---------------------------------------------------------------------------- */
lt_node *lt_node_instr_new(const char *path, float sr);
/* An effect instance: its state (def->size bytes) and the dry delay live in the node's allocation;
 * params[def->nparams] are the initial values.  NULL when out of memory. */
lt_node *lt_node_fx_new(const char *path, const lt_fx_def *def, const float *params, float mix,
                        const lt_fx_data *data, float sr);
lt_node *lt_node_strip_new(const char *path, float gain_db, float pan, int mute, float sr);
lt_node *lt_node_send_new(const char *path, float gain_db);
/* A delay of `len` frames able to grow to `cap` frames without a new node. */
lt_node *lt_node_delay_new(const char *path, int32_t len, int32_t cap);
void     lt_node_free(lt_node *n);   /* an instr's pools are not freed here (they come back by reply) */

/* ---- audio thread ------------------------------------------------------------------------------ */
#define LT_MAX_INPUTS 8           /* device input channels the engine reads */

typedef struct lt_run {
    const lt_nev *ev;             /* the engine's event array for this quantum */
    int64_t  frame;               /* absolute frame of the quantum's first sample */
    float    sr;
    double   bpm;
    /* replies: the engine's reply function */
    void   (*reply)(void *ud, uint16_t type, lt_handle node, void *ptr, float a, float b);
    void    *ud;
    /* the device input of this quantum: frame i was captured at engine frame frame - LT_QUANTUM + i
     * (the engine reads its input one quantum behind, so any block size has it in time) */
    const float *in[LT_MAX_INPUTS];
    int      nin;
    int64_t  offset;              /* engine frame - score frame (the flywheel's) */
} lt_run;

/* Renders the track's voices into l, r (cleared first). */
void lt_instr_run(lt_node *n, const lt_run *run, float *l, float *r);
int  lt_instr_idle(const lt_node *n);         /* no voice sounds in any pool */
void lt_instr_kill(lt_node *n);
void lt_instr_release(lt_node *n);
/* Processes l, r in place; kl, kr: a sidechain key or NULL (the unit then keys from its input). */
void lt_fx_run(lt_node *n, const lt_run *run, float *l, float *r, const float *kl, const float *kr);
void lt_fx_clear(lt_node *n);
/* Applies fader, pan and mute to l, r in place and adds the result into dl, dr (if not NULL).
 * Returns 0, or -1 when the track's signal was NaN/Inf (then l, r are zeroed and nothing is added). */
int  lt_strip_run(lt_node *n, const lt_run *run, float *l, float *r, float *dl, float *dr);
/* Adds src times the send's gain into dst (both stereo buffers of LT_QUANTUM frames). */
void lt_send_run(lt_node *n, const lt_run *run, const float *src, float *dst);
/* Delays a stereo buffer in place by the node's length; `len` is the length this plan wants (a
 * change crossfades). */
void lt_delay_run(lt_node *n, float *buf, int32_t len);
/* Marks a node leaving (from the plan swap). */
void lt_node_leave(lt_node *n, float sr);
void lt_node_enter(lt_node *n, float sr);
#endif
