/* mix.h — the control thread's model of the mix: which tracks exist, which nodes they run, which
 * voice pool and program each instrument uses; and the reconcile that turns a new declaration
 * into commands and one new plan (DESIGN.md, "Scripts declare, the engine reconciles").
 *
 * A declaration is staged track by track (lt_mix_track), then committed at a frame: everything
 * that must be built (nodes, voice pools) is built first, and if anything fails, or the command
 * ring could not take the whole change, nothing is sent — one evaluation is one transaction.
 * Then, at the frame: a track that keeps its program keeps its pool, and changed numbers of its
 * patch become parameter glides on the sounding voices; a track whose patch changed in structure
 * gets a new pool for new notes, while its sounding voices finish on the old program; an effect is
 * matched to the old chain by its `key`, or by its type and place among effects of that type, and
 * a match keeps its state (a reverb's tail) with its parameters gliding to the new values; what the
 * declaration dropped leaves (node.h) and is freed once the audio thread hands it back.
 *
 * The mix owns every node and handle (index + generation; a freed index comes back with the next
 * generation, so a command for the old node is dropped, never applied to the new one).
 *
 * Thread: control only.  RT-safe: no. */
#ifndef LT_GRAPH_MIX_H
#define LT_GRAPH_MIX_H
#include <stddef.h>
#include "engine.h"
#include "graph/plan.h"
#include "graph/program.h"
#include "sampler/sample.h"

#define LT_MIX_MAX_FX       32     /* effects in one chain */
#define LT_MIX_MAX_CONTROLS 64
#define LT_MIX_MAX_SENDS    16
#define LT_MIX_MAX_BRANCHES 8      /* branches of one parallel{} insert */

typedef struct lt_mix lt_mix;

typedef struct lt_fx_spec {
    const lt_fx_def  *def;
    char              key[LT_NAME_MAX];   /* "" = matched by type and place */
    float             params[LT_FX_MAX_PARAMS];
    float             mix;                /* < 0: the unit's default */
    const lt_fx_data *data;               /* must outlive the node (the caller keeps it) */
    char              keysrc[LT_NAME_MAX];  /* sidechain key: a track or bus name ("" = its own input) */
    int               par, branch;        /* parallel{}: the group (1, 2, ... in the chain; 0 = none) and
                                             the branch (0 ..) it runs in.  A group's effects are
                                             consecutive, by branch; its branches are copies of the
                                             chain's signal where the group starts, summed where it ends */
} lt_fx_spec;

typedef struct lt_send_spec {
    char  to[LT_NAME_MAX];                /* a bus */
    float gain;                           /* dB */
    int   pre;                            /* 1: before the fader (after the inserts) */
} lt_send_spec;

typedef struct lt_control_value { char name[LT_PROGRAM_NAME]; float value; } lt_control_value;

/* A channel: a track (an instrument, effects, a strip) or a bus (a sum of what is routed or sent to
 * it, effects, a strip).  Every channel outputs to the master or to a bus ("group"), and may send
 * to buses ("returns") before or after its fader. */
typedef struct lt_track_spec {
    char            name[LT_NAME_MAX];
    int             is_bus;
    int             feedback;             /* a bus only: hears what is routed or sent to it one quantum
                                             late, so it may close a loop (a send back into itself) */
    char            out[LT_NAME_MAX];     /* "" or "master": the master; else a bus */
    lt_program     *program;              /* NULL: the track plays no patch */
    lt_kit         *kit;                  /* the samples it plays (the mix takes a reference); NULL: none */
    lt_pool_config  pool;
    int             ncontrols;            /* values for the patch's named controls */
    lt_control_value controls[LT_MIX_MAX_CONTROLS];
    float           gain, pan;            /* dB, -1..1 */
    int             mute;
    int             polarity;             /* 1: inverted */
    float           width;                /* mid/side width: 0 mono .. 1 as is .. 2 */
    int             solo, solo_safe;      /* solo_safe: stays audible when others are soloed (returns) */
    int             nfx;
    lt_fx_spec      fx[LT_MIX_MAX_FX];
    int             nsends;
    lt_send_spec    sends[LT_MIX_MAX_SENDS];
    int             ninput;               /* device input channels the track plays: 0, 1 (mono) or 2 */
    int             input[2];             /* their indices, 0-based, below LT_MAX_INPUTS */
    int             monitor;              /* 1: the input is heard through the track (else only recorded) */
    int             ndirect;              /* 0, or 1 or 2 device outputs (0-based, >= 2) the channel plays to
                                             instead of `out`: a click for headphones, a cue mix */
    int             direct[2];
} lt_track_spec;

typedef struct lt_master_spec {
    float      gain;                      /* dB */
    int        nfx;
    lt_fx_spec fx[LT_MIX_MAX_FX];
} lt_master_spec;

lt_mix   *lt_mix_new(lt_engine *e);
/* Frees the model, every node, pool and plan.  Only while the audio thread is stopped. */
void      lt_mix_free(lt_mix *m);

void      lt_mix_begin(lt_mix *m);
/* Stages a track for the next commit.  -1 with err filled when the spec is wrong (a name twice). */
int       lt_mix_track(lt_mix *m, const lt_track_spec *t, char *err, size_t errlen);
int       lt_mix_master(lt_mix *m, const lt_master_spec *s, char *err, size_t errlen);
/* Stages the removal of a track (a partial commit removes only what is staged). */
int       lt_mix_remove(lt_mix *m, const char *name, char *err, size_t errlen);
/* Applies what was staged at `frame` (score frame); `full`: tracks not staged leave.  Returns 0, or
 * -1 with err filled, having changed nothing. */
int       lt_mix_commit(lt_mix *m, int64_t frame, int full, char *err, size_t errlen);
void      lt_mix_abort(lt_mix *m);

/* The handle commands use for a track (its instrument; a bus's strip), or 0 when there is none. */
lt_handle lt_mix_handle(const lt_mix *m, const char *track);
const char *lt_mix_name(const lt_mix *m, lt_handle track);
/* Where a parameter of a track lives: "gain", "pan", "mute", "polarity", "width" are its strip's;
 * "send.<bus>" is a send's level; "<fx>.<param>" is an effect's parameter (<fx> its key, or its
 * type and place: "reverb" or "reverb#2"); other names are its patch's controls.  Fills node and
 * index; -1 with err (naming the known ones) when unknown. */
int       lt_mix_resolve(const lt_mix *m, lt_handle track, const char *param, lt_handle *node, int *index,
                         float *min, float *max, char *err, size_t errlen);
/* Sends a parameter change of a track at `frame` (score frame), gliding over `ramp` frames (< 0: the
 * parameter's own smoothing; an automation segment gives its length).  -1 with err when unknown or
 * the ring is full. */
int       lt_mix_param(lt_mix *m, lt_handle track, const char *param, int64_t frame, float value, int32_t ramp,
                       char *err, size_t errlen);
/* Handles what the audio thread hands back (plans, pools, finished nodes).  Call for every reply. */
void      lt_mix_reply(lt_mix *m, const lt_reply *r);
int       lt_mix_tracks(const lt_mix *m);          /* live (not leaving) tracks and buses */
/* The master's latency in frames (compensated effects' lookahead), as the last plan has it. */
int32_t   lt_mix_latency(const lt_mix *m);
/* The latency where the channels meet at the master, before its own effects (what stems are aligned to). */
int32_t   lt_mix_latency_in(const lt_mix *m);
/* Latency (frames) at which a channel's signal reaches its output, or -1 for an unknown name. */
int32_t   lt_mix_channel_latency(const lt_mix *m, const char *name);
int       lt_mix_nodes(const lt_mix *m);           /* nodes alive, leaving ones included */

typedef struct lt_mix_insert {
    const lt_fx_def *def;
    char       key[LT_NAME_MAX];
    char       keysrc[LT_NAME_MAX];
    lt_handle  handle;
    int32_t    latency;
    float      params[LT_FX_MAX_PARAMS];
    float      mix;
} lt_mix_insert;
/* The inserts of channel `name` ("master": the master's chain), leaving ones left out, in chain
 * order; at most `max` are written.  Returns how many there are, or -1 for an unknown name. */
int       lt_mix_inserts(const lt_mix *m, const char *name, lt_mix_insert *out, int max);
#endif
