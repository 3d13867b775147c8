/* engine.h — lute's audio engine: it runs one compiled mix plan (graph/plan.h) a quantum at a time,
 * driven by timestamped commands (graph/cmd.h).  One code path serves live playback (a driver's
 * callback) and offline rendering (a loop): both call lt_engine_process.
 *
 * Time.  The engine renders fixed quanta of LT_QUANTUM frames aligned to absolute frame 0 and hands
 * them out through a small FIFO, so what it produces never depends on the driver's block size.  An
 * event at frame F takes effect at frame F exactly, in the node it is for; a node splits only its
 * own processing at its events, so one track's samples never depend on another's.
 *
 * The flywheel.  Live, the scheduler tells the engine how far it has scheduled (LT_CMD_HORIZON) and
 * how long a bar is.  When the engine reaches that horizon and nothing more has come — the control
 * thread is stuck in a long C call, a garbage-collection pause, a memory bomb, a slow evaluation —
 * it repeats the last bar it was given, shifted by a bar, and moves everything the scheduler sends
 * later by that bar too (score frames + offset = engine frames), so the music plays on in time and
 * the scheduler resumes where the score is, one bar later.  Offline there is no horizon: the
 * scheduler runs in lockstep and a render is bit-identical every time.
 *
 * Threads: the control thread creates the engine, sends commands (lt_engine_send) and reads replies
 * (lt_engine_poll); the audio thread calls lt_engine_process; a MIDI thread may push MIDI
 * (lt_engine_midi).  Each crossing is its own SPSC ring (ring.h). */
#ifndef LT_ENGINE_H
#define LT_ENGINE_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "quantum.h"
#include "graph/cmd.h"

#define LT_NAME_MAX     32
#define LT_CC_MAPS      128
#define LT_MAX_NODES    65535      /* handles have a 16-bit index: tracks, effects and strips together */
#define LT_MAX_OUTPUTS  8          /* device output channels: the master on 1-2, direct outputs on 3..8 */

typedef struct lt_engine lt_engine;
struct lt_plan;

typedef struct lt_engine_config {
    int sample_rate;      /* 0 = 48000 */
    int cmd_capacity;     /* 0 = 65536 messages in the command ring and in the event queue */
} lt_engine_config;

typedef struct lt_engine_stats {
    int64_t late_events, dropped_events, stale_events, guard_trips, flywheel_turns, limiter_blocks;
    int64_t offset;       /* frames the flywheel has inserted so far */
} lt_engine_stats;

/* Thread: control.  RT-safe: no. */
lt_engine *lt_engine_new(const lt_engine_config *cfg);
/* Hands back everything the engine holds that the control thread built — the plan it runs, plans
 * and pools still queued, replies not yet read — as replies to `give_back`, and forgets them.
 * Thread: control, only while the audio thread is stopped (before freeing the mix). */
void       lt_engine_drain(lt_engine *e, void (*give_back)(void *ud, const lt_reply *r), void *ud);
void       lt_engine_free(lt_engine *e);
int        lt_engine_rate(const lt_engine *e);

/* Thread: control (the one producer of the command ring).  RT-safe: yes.  false when the ring is full. */
bool   lt_engine_send(lt_engine *e, const lt_cmd *c);
size_t lt_engine_send_space(lt_engine *e);          /* commands that fit in the ring now */
/* Thread: control (the one consumer of the reply ring).  RT-safe: yes. */
bool   lt_engine_poll(lt_engine *e, lt_reply *r);

/* MIDI from one producer thread: a complete channel message with the engine frame it should act at.
 * Notes go to the note target, CCs through the CC maps, CC 120 / 123 silence / release everything,
 * all in C.  Thread: the MIDI thread.  RT-safe: yes.  false when the ring is full. */
bool lt_engine_midi(lt_engine *e, int64_t frame, const uint8_t *msg, int len);

/* Renders n frames of interleaved stereo float into out.
 * Thread: audio.  RT-safe: yes — no allocation, locks, I/O or Lua; commands come from the rings. */
void lt_engine_process(lt_engine *e, float *out, int n);
/* The same with the device input: `in` holds n frames of nin interleaved channels (NULL: none),
 * captured while the previous output played.  The engine reads its input one quantum (LT_QUANTUM
 * frames) behind, so a block of any size has its input there in time; a track hears input frame
 * F at engine frame F + LT_QUANTUM.  Thread: audio.  RT-safe: yes. */
void lt_engine_process_io(lt_engine *e, const float *in, int nin, float *out, int n);
/* Offline: the device input comes from `src`, asked for n frames of nch planar channels from
 * engine frame `frame` (which may be negative: give silence there).  NULL: no input.
 * Thread: control, while the engine is not running. */
void lt_engine_set_input(lt_engine *e, void (*src)(void *ud, int64_t frame, float *const *ch, int nch, int n), void *ud,
                         int nch);

/* The score frame of the next sample lt_engine_process will produce: the engine frame minus what
 * the flywheel inserted.  The scheduler works in score frames.  Thread: any.  RT-safe: yes. */
int64_t lt_engine_frame(const lt_engine *e);
/* The engine frame of the next sample (for timestamps that must not move: MIDI).  Thread: any. */
int64_t lt_engine_engine_frame(const lt_engine *e);
/* The driver records when the last block started, for timestamping MIDI (CLOCK_MONOTONIC ns).
 * Thread: audio.  RT-safe: yes. */
void    lt_engine_mark_time(lt_engine *e, int64_t frame, int64_t ns);
/* Estimates the engine frame that corresponds to monotonic time `ns`.  Thread: any.  RT-safe: yes. */
int64_t lt_engine_frame_at(const lt_engine *e, int64_t ns);
void    lt_engine_get_stats(const lt_engine *e, lt_engine_stats *s);
/* Device output channels (2 .. LT_MAX_OUTPUTS): the master on the first two, channels routed to direct
 * outputs (a click for the performer's headphones) after them; lt_engine_process_io then writes n
 * interleaved channels.  Thread: control, before the audio thread runs.  -1 when out of range. */
int     lt_engine_set_outputs(lt_engine *e, int n);
int     lt_engine_outputs(const lt_engine *e);
/* Starts measuring the output's true peak (LT_REPLY_OUTPUT): 4x oversampled, about 3 ms of CPU per
 * second of audio, so only once someone looks at the master's meters.  -1 when out of memory.
 * Thread: control (the meter is made here and handed over by an atomic pointer).  RT-safe: no. */
int     lt_engine_meter_true_peak(lt_engine *e);
/* The plan the audio thread runs.  Thread: control, only while the audio thread is not running. */
struct lt_plan *lt_engine_plan(const lt_engine *e);
/* Offline only: `tap` is called after every quantum with the plan that ran, its buffers holding each
 * channel's post-fader signal (stems) and the master (buffer 0), and the quantum's first frame.
 * Thread: control (the offline render loop runs the engine on it).  Never set it live. */
void lt_engine_set_tap(lt_engine *e, void (*tap)(void *ud, const struct lt_plan *p, int64_t frame), void *ud);
#endif
