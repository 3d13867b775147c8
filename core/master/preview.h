/* preview.h — how a master might sound elsewhere: filter chains that stand in for a phone's speaker,
 * earbuds, a laptop, a car and a club system, and a mono fold-down.  They are approximations —
 * typical band limits and resonances from published measurements of such devices, not any one
 * model — meant for checking translation (does the bass line survive a phone? does the vocal poke
 * out in a car?), not for judging the device.  docs/mastering.md lists each chain.
 * Thread: control.  RT-safe: no. */
#ifndef LT_MASTER_PREVIEW_H
#define LT_MASTER_PREVIEW_H
#include <stddef.h>
#include "master/audio.h"

typedef enum { LT_PREVIEW_PHONE, LT_PREVIEW_EARBUDS, LT_PREVIEW_LAPTOP, LT_PREVIEW_CAR, LT_PREVIEW_CLUB, LT_PREVIEW_MONO,
               LT_PREVIEW_COUNT } lt_preview;

const char *lt_preview_name(lt_preview p);
const char *lt_preview_about(lt_preview p);      /* one line: what the chain does */
int         lt_preview_from_name(const char *name);   /* -1 when unknown */
/* Renders in (stereo) through the preview's chain into out (allocated, stereo). */
int         lt_preview_render(const lt_audio *in, lt_preview p, lt_audio *out, char *err, size_t errlen);
#endif
