/* engine.h — lute's audio engine: tracks of the subtractive synth summed into a master bus, driven by
 * timestamped commands.  One code path serves live playback (a driver's callback) and offline
 * rendering (a loop): both call lt_engine_process.
 *
 * Internally the engine renders fixed quanta of LT_QUANTUM frames aligned to absolute frame 0, and
 * hands them out through a small FIFO, so what it produces never depends on the driver's block size:
 * an event at frame F sounds at frame F exactly, and a live performance and an offline render of the
 * same command stream give the same samples.
 *
 * Threads: the control thread creates the engine, sends commands (lt_engine_send) and reads replies
 * (lt_engine_poll); the audio thread calls lt_engine_process; a MIDI thread may push MIDI
 * (lt_engine_midi).  Each crossing is its own SPSC ring (ring.h). */
#ifndef LT_ENGINE_H
#define LT_ENGINE_H
#include <stdint.h>
#include <stdbool.h>
#include "params.h"

#define LT_QUANTUM     32
#define LT_MAX_TRACKS  64
#define LT_MAX_VOICES  1024
#define LT_NAME_MAX    32
#define LT_CC_MAPS     128
#define LT_MASTER_SLOT 0xFFFF

typedef struct lt_engine lt_engine;
typedef struct lt_track lt_track;

/* What a track is, by value: enough to rebuild it when a session log is replayed. */
typedef struct lt_track_desc {
    char  name[LT_NAME_MAX];
    int   voices;
    float params[LT_P_COUNT];
} lt_track_desc;

typedef enum {
    LT_CMD_NOTE_ON = 1,    /* slot, note, vel */
    LT_CMD_NOTE_OFF,       /* slot, note */
    LT_CMD_PARAM,          /* slot (or LT_MASTER_SLOT with id LT_P_GAIN), id, value */
    LT_CMD_TRACK_ADD,      /* slot, track (built by lt_track_new), desc */
    LT_CMD_TRACK_REMOVE,   /* slot: releases notes, fades out over 30 ms, then hands the track back */
    LT_CMD_RELEASE_ALL,    /* slot, or LT_MASTER_SLOT for every track */
    LT_CMD_CC_MAP,         /* map[index] = ccmap (cc < 0 clears it) */
    LT_CMD_NOTE_TARGET,    /* slot that MIDI notes play (note-through); LT_MASTER_SLOT = none */
} lt_cmd_type;

typedef enum { LT_CURVE_LIN = 0, LT_CURVE_EXP } lt_curve;

typedef struct lt_ccmap {
    int16_t cc;            /* 0..127, -1 = unused */
    int16_t channel;       /* 0..15, -1 = any */
    uint16_t slot;
    uint16_t param;
    float min, max;
    uint8_t curve;
} lt_ccmap;

typedef struct lt_cmd {
    int64_t  frame;        /* when it takes effect; earlier than now means at once */
    uint16_t type;
    uint16_t slot;
    union {
        struct { float note, vel; } note;
        struct { uint16_t id; float value; } param;
        struct { lt_track *track; lt_track_desc desc; } add;
        struct { uint16_t index; lt_ccmap map; } cc;
    } u;
} lt_cmd;

typedef enum {
    LT_REPLY_TRACK_FREE = 1,  /* ptr: a lt_track the audio thread no longer uses; free it (lt_track_free) */
    LT_REPLY_GUARD,           /* slot made NaN/Inf at frame: its voices were silenced */
    LT_REPLY_LATE,            /* a commands arrived `a` frames late (applied at once) */
    LT_REPLY_OVERFLOW,        /* the event queue was full: a command was dropped */
    LT_REPLY_METER,           /* slot (or master): a = peak left, b = peak right over the last ~50 ms */
} lt_reply_type;

typedef struct lt_reply {
    uint16_t type;
    uint16_t slot;
    int64_t  frame;
    void    *ptr;
    float    a, b;
} lt_reply;

typedef struct lt_engine_config {
    int sample_rate;      /* 0 = 48000 */
    int cmd_capacity;     /* 0 = 8192 messages in the command ring and in the event queue */
} lt_engine_config;

typedef struct lt_engine_stats {
    int64_t late_events, dropped_events, guard_trips;
} lt_engine_stats;

/* Thread: control.  RT-safe: no. */
lt_engine *lt_engine_new(const lt_engine_config *cfg);
void       lt_engine_free(lt_engine *e);
int        lt_engine_rate(const lt_engine *e);

/* Builds a track off the audio thread, ready to be handed over with LT_CMD_TRACK_ADD.
 * Thread: control.  RT-safe: no. */
lt_track  *lt_track_new(const lt_track_desc *desc, int sample_rate);
void       lt_track_free(lt_track *t);

/* Thread: control (the one producer of the command ring).  RT-safe: yes.  false when the ring is full. */
bool lt_engine_send(lt_engine *e, const lt_cmd *c);
/* Thread: control (the one consumer of the reply ring).  RT-safe: yes. */
bool lt_engine_poll(lt_engine *e, lt_reply *r);

/* MIDI from one producer thread (the MIDI thread, or the control thread offline): a complete message
 * with the frame it should act at.  Notes go to the note target, CCs through the CC maps, all in C.
 * Thread: the MIDI thread.  RT-safe: yes.  false when the ring is full. */
bool lt_engine_midi(lt_engine *e, int64_t frame, const uint8_t *msg, int len);

/* Renders n frames of interleaved stereo float into out.
 * Thread: audio.  RT-safe: yes — no allocation, locks, I/O or Lua; commands come from the rings. */
void lt_engine_process(lt_engine *e, float *out, int n);

/* The frame of the next sample lt_engine_process will produce.  Thread: any.  RT-safe: yes. */
int64_t lt_engine_frame(const lt_engine *e);
/* The driver records when the last block started, for timestamping MIDI (CLOCK_MONOTONIC ns).
 * Thread: audio.  RT-safe: yes. */
void    lt_engine_mark_time(lt_engine *e, int64_t frame, int64_t ns);
/* Estimates the output frame that corresponds to monotonic time `ns`.  Thread: any.  RT-safe: yes. */
int64_t lt_engine_frame_at(const lt_engine *e, int64_t ns);
void    lt_engine_get_stats(const lt_engine *e, lt_engine_stats *s);
#endif
