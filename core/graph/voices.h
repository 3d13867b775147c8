/* voices.h — a voice pool: the sounding voices of one patch program on one track, run together in
 * blocks of eight lanes (DESIGN.md, "Voices of one program run together").
 *
 * Lanes are kept packed: the voices in use are lanes 0 .. nactive-1, so a new note takes lane
 * `nactive` (a free lane in a partly used block first, as Vital does), and when a voice ends the last
 * voice moves into its lane (a strided copy of its state, once per voice end, instead of Surge's
 * repacking of every lane on every block).  Only blocks with an active lane run.  When every lane
 * is taken, a new note steals the oldest released voice, else the oldest held one, retriggering it
 * from where it is (its envelope attacks from its current level): no click.  Which lane a note gets
 * depends only on the order of events, so renders stay bit-identical.
 *
 * A voice ends when its gate is off and no envelope of the program still sounds in its lane; a
 * program without an envelope fades a released voice out over 5 ms.  `mono` pools have one lane,
 * a stack of held notes (last-note priority: releasing the newest note returns to the previous one),
 * `legato` (a note while another is held changes pitch without retriggering) and `glide` (portamento,
 * linear in pitch, over a set time).
 *
 * The pool writes stereo: each voice is placed by its own pan (constant power; 0 = centre, 0.707 in
 * each channel) — a mono program's voice, or the balance of a stereo program's voice — and the voices
 * are summed in a fixed order (per lane across blocks, then the eight lanes in one fixed tree).
 *
 * Memory: lt_pool_size bytes, one allocation made and prefaulted on the control thread; nothing
 * here allocates afterwards.  Thread: size/init on the control thread; everything else on the audio
 * thread.  RT-safe: yes after init. */
#ifndef LT_GRAPH_VOICES_H
#define LT_GRAPH_VOICES_H
#include <stddef.h>
#include <stdint.h>
#include "graph/program.h"
#include "graph/ramp.h"

#define LT_POOL_MAX_VOICES 4096
#define LT_MONO_STACK      16

typedef struct lt_pool_config {
    int   voices;        /* lanes; 1 .. LT_POOL_MAX_VOICES (mono forces 1) */
    int   mono;          /* one voice with a note stack */
    int   legato;        /* mono: a note while another is held glides without retriggering */
    float glide;         /* seconds of portamento between notes (mono, or a stolen voice) */
    float smooth;        /* seconds a parameter change glides over (0 = the default, 10 ms) */
} lt_pool_config;

typedef struct lt_pool lt_pool;

/* Thread: control.  RT-safe: no. */
size_t   lt_pool_size(const lt_program *p, const lt_pool_config *cfg);
/* mem: lt_pool_size bytes, 32-byte aligned (lt_alloc_prefault); returns the pool inside it. */
lt_pool *lt_pool_init(void *mem, const lt_program *p, const lt_pool_config *cfg, float sr);
const lt_program *lt_pool_program(const lt_pool *pl);

/* Thread: audio.  RT-safe: yes. */
/* Starts a voice: `id` names it for lt_pool_note_off; pan in -1..1; `panned` = 0 leaves it centred
 * (the pan argument is ignored).  Returns the lane used. */
int  lt_pool_note_on(lt_pool *pl, uint32_t id, float note, float vel, float pan, int panned);
/* Releases the voice started with `id` (nothing if it ended or was stolen). */
void lt_pool_note_off(lt_pool *pl, uint32_t id, float release_vel);
/* Releases the oldest held voice playing exactly `note` (MIDI note-through). */
void lt_pool_note_off_pitch(lt_pool *pl, float note, float release_vel);
void lt_pool_release_all(lt_pool *pl);
void lt_pool_kill_all(lt_pool *pl);                  /* silence now, every lane freed */
/* Parameter slot `index` (controls first, then the patch's numbers) glides to v over `frames`
 * (< 0: the pool's smoothing time). */
void lt_pool_set_param(lt_pool *pl, int index, float v, int frames);
/* Adds n <= LT_QUANTUM frames of the sounding voices into l and r; `frame` is the absolute frame
 * of the first one.  Runs with the instruction set chosen at start-up (vop.h). */
void lt_pool_process(lt_pool *pl, float *l, float *r, int n, int64_t frame);
int  lt_pool_active(const lt_pool *pl);             /* voices sounding */
int  lt_pool_held(const lt_pool *pl);               /* voices whose key is down */

/* Memory for engine objects: 32-byte aligned, zeroed and touched page by page now, so the audio
 * thread never takes a page fault on first use.  Thread: control.  RT-safe: no. */
void *lt_alloc_prefault(size_t bytes);
void  lt_free_prefault(void *p);
#endif
