/* cmd.h — what crosses from the control thread to the audio thread (commands) and back (replies).
 *
 * A command is a plain value with a frame: a note, a parameter ramp, a plan swap.  It names what it
 * acts on by a node handle (16-bit index + 16-bit generation, as sokol's resource ids), so a command
 * for a node that no longer exists is dropped and counted, never applied to whatever took its
 * index.  Objects built on the control thread (plans, voice pools, kits) travel by pointer beside a
 * content hash; the audio thread hands each back by a reply when it no longer uses it, and the
 * control thread frees it (SuperCollider's FifoMsg split of perform and free).
 *
 * Frames: commands the scheduler sends carry score frames (LT_CMDF_SCHED); the engine maps them to
 * its own frames by adding the flywheel's offset (engine.h), so what the scheduler wrote lands where
 * the music is, even after the engine repeated a bar while the control thread was stalled.
 * Thread: any (plain data). */
#ifndef LT_GRAPH_CMD_H
#define LT_GRAPH_CMD_H
#include <stdint.h>

typedef uint32_t lt_handle;           /* (generation << 16) | index; 0 = none */
#define LT_HANDLE_INDEX(h) ((h) & 0xFFFFu)
#define LT_HANDLE_GEN(h)   ((h) >> 16)

typedef enum {
    /* to a node */
    LT_CMD_NOTE = 1,       /* instr: note.{note, vel, pan, dur}; dur > 0: the engine ends it dur frames later;
                              dur == 0: held until LT_CMD_NOTE_OFF_PITCH (MIDI note-through) */
    LT_CMD_NOTE_OFF,       /* instr: note.id — sent by the engine itself when a note's dur runs out */
    LT_CMD_NOTE_OFF_PITCH, /* instr: note.note — MIDI note-off */
    LT_CMD_PARAM,          /* param.{index, value, ramp}: an instr's patch parameter, an fx's parameter
                              (index LT_FX_MIX = its wet/dry), a strip's fader (LT_STRIP_*) */
    LT_CMD_POOL,           /* instr: obj.ptr = a new lt_pool for new notes; the old one finishes its voices */
    LT_CMD_SAMPLE,         /* instr: smp.* — a sample of the track's kit, with its own speed, region, ... */
    LT_CMD_KIT,            /* instr: obj.ptr = the lt_kit samples now come from; the old one is handed
                              back when no voice reads it */
    LT_CMD_RELEASE,        /* instr: release every voice */
    LT_CMD_KILL,           /* instr: silence every voice now; fx: clear its memory */
    LT_CMD_INPUT,          /* instr: input.{ch, monitor}: the device input channels it plays (-1: none) */
    LT_CMD_TAKE,           /* instr: take.{take, latency, base}: record its input into this lt_take (NULL:
                              stop), its frames counted from score frame `base` (the song's bar 1);
                              the take it had goes back by LT_REPLY_TAKE_DONE */
    /* to the engine */
    LT_CMD_PLAN,           /* obj.ptr = the lt_plan to run from this frame's quantum */
    LT_CMD_CC_MAP,         /* cc.{index, map}: MIDI CC -> a node's parameter, in C */
    LT_CMD_NOTE_TARGET,    /* node = the instr MIDI notes play (0 = none) */
    LT_CMD_HORIZON,        /* fly.{horizon, period}: the scheduler has sent everything before `horizon`
                              (score frames); a bar lasts `period` frames there (the flywheel) */
    LT_CMD_RELEASE_ALL,    /* every instr releases its voices (stop) */
    LT_CMD_PANIC,          /* every instr silences now, every fx clears (panic, CC 120) */
    LT_CMD_GUARD,          /* guard.{on, ceiling}: the speaker guard at the output */
} lt_cmd_type;

enum {
    LT_CMDF_SCHED = 1,     /* sent by the scheduler: score frames, recorded for the flywheel */
    LT_CMDF_PANNED = 2,    /* a note with its own pan */
    LT_CMDF_MIDI = 4,      /* a note from MIDI note-through */
};

#define LT_FX_MIX      255   /* LT_CMD_PARAM index of an fx node's wet/dry */
/* A strip's parameters (LT_CMD_PARAM index).  SOLO_MUTE is the mix's: set when another channel is
 * soloed, kept apart from the user's MUTE so unsoloing restores what the user had. */
enum { LT_STRIP_GAIN = 0, LT_STRIP_PAN, LT_STRIP_MUTE, LT_STRIP_POLARITY, LT_STRIP_WIDTH, LT_STRIP_SOLO_MUTE,
       LT_STRIP_NPARAMS };
/* A send's parameters. */
enum { LT_SEND_GAIN = 0, LT_SEND_NPARAMS };

typedef enum { LT_CURVE_LIN = 0, LT_CURVE_EXP } lt_curve;

typedef struct lt_ccmap {
    int16_t   cc;          /* 0..127, -1 = unused */
    int16_t   channel;     /* 0..15, -1 = any */
    lt_handle node;
    uint16_t  param;
    float     min, max;
    uint8_t   curve;
} lt_ccmap;

typedef struct lt_cmd {
    int64_t   frame;       /* when it takes effect; earlier than now means at once */
    uint16_t  type;
    uint16_t  flags;
    lt_handle node;
    union {
        struct { float note, vel, pan; int32_t dur; uint32_t id; } note;
        struct { uint16_t index; uint8_t cut, loop; float speed, begin, end, gain, vel, pan; int32_t dur; } smp;
        struct { uint16_t index; float value; int32_t ramp; } param;   /* ramp < 0: the node's smoothing */
        struct { void *ptr; uint64_t hash; } obj;
        struct { uint16_t index; lt_ccmap map; } cc;
        struct { int64_t horizon; int32_t period; } fly;
        struct { int on; float ceiling; } guard;
        struct { int8_t ch[2]; uint8_t monitor; } input;
        struct { void *take; int32_t latency; int64_t base; } take;
    } u;
} lt_cmd;

typedef enum {
    LT_REPLY_PLAN_FREE = 1,   /* ptr: an lt_plan the audio thread no longer runs */
    LT_REPLY_POOL_FREE,       /* ptr: an lt_pool whose voices have ended */
    LT_REPLY_KIT_FREE,        /* ptr: an lt_kit no voice reads any more */
    LT_REPLY_NODE_DONE,       /* node: a leaving node has finished (its tail rang out) */
    LT_REPLY_GUARD,           /* node: a strip's output was NaN/Inf; its track was silenced and cleared */
    LT_REPLY_LIMIT,           /* the speaker guard reduced the output by `a` dB at `frame` */
    LT_REPLY_LATE,            /* a scheduled command arrived `a` frames late (applied at once) */
    LT_REPLY_OVERFLOW,        /* the event queue was full: a command was dropped */
    LT_REPLY_STALE,           /* a command for a node that no longer exists was dropped */
    LT_REPLY_METER,           /* node (0 = master): a, b = peak left, right; c = RMS of both channels;
                                 d = K-weighted mean square summed over the channels (BS.1770), all
                                 over the last ~50 ms */
    LT_REPLY_REDUCTION,       /* node (an effect): a = its largest gain reduction (dB) over ~50 ms */
    LT_REPLY_FLYWHEEL,        /* the scheduler fell behind: the engine repeated the last `a` frames
                                 (a bar) at `frame`; b = turns so far in this stall */
    LT_REPLY_TAKE_DONE,       /* ptr: an lt_take the audio thread no longer writes into */
    LT_REPLY_OUTPUT,          /* the output over the last ~50 ms: a = its true peak (linear, 4x
                                 oversampled; -1 until lt_engine_meter_true_peak), b = the
                                 correlation of left and right (-1 .. 1; 0 when either is silent) */
} lt_reply_type;

typedef struct lt_reply {
    uint16_t  type;
    lt_handle node;
    int64_t   frame;
    void     *ptr;
    float     a, b, c, d;
} lt_reply;
#endif
