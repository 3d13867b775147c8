/* stems.h — one file per track and per bus while a song renders offline (`lute render --stems DIR`):
 * each channel's post-fader signal, aligned as it reaches the master (latency compensated), all the
 * same length and starting at the render's first frame — a channel that begins later is silence
 * until then.  The stems of the channels routed to the master sum to the mix when the master has no
 * effects and a 0 dB fader.  Channels whose names begin with "~" (lute's own: the click) are left out.
 * Thread: control (the offline render runs the engine there; lt_stems_tap is the engine's tap).
 * RT-safe: no (it writes files) — never used live. */
#ifndef LT_IO_STEMS_H
#define LT_IO_STEMS_H
#include <stddef.h>
#include <stdint.h>

struct lt_plan;
typedef struct lt_stems lt_stems;

/* Writes into `dir` (made if missing) the frames [start, start + frames) of every channel, as WAV
 * of `bits` (16, 24, 32 = float) at `rate`.  NULL with err naming the folder and the reason. */
lt_stems *lt_stems_open(const char *dir, int rate, int bits, int64_t start, int64_t frames, char *err, size_t errlen);
/* The engine's tap (lt_engine_set_tap): called after every quantum with the plan that ran. */
void      lt_stems_tap(void *ud, const struct lt_plan *p, int64_t frame);
/* Closes every file.  Returns the number of stems written, or -1 with err (the first failure: a
 * full disk, a file that could not be made). */
int       lt_stems_close(lt_stems *s, char *err, size_t errlen);
#endif
