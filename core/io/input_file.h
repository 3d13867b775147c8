/* input_file.h — an audio file as the engine's device input, offline: `lute render --input FILE`
 * re-amps a recording through a song's input tracks, and the tests record known signals without a
 * sound card.  The file is read whole at open (libsndfile) and must have the engine's rate; its
 * frame 0 is engine frame 0.
 * Thread: open/close on the control thread; the source callback runs where the engine renders
 * (offline: the control thread).  RT-safe: the callback is (it only copies). */
#ifndef LT_IO_INPUT_FILE_H
#define LT_IO_INPUT_FILE_H
#include <stddef.h>
#include "engine.h"

typedef struct lt_input_file lt_input_file;

/* Opens `path` and makes it the input of `e` (lt_engine_set_input).  NULL with err naming the file
 * and the reason (missing, unreadable, another rate than `rate`). */
lt_input_file *lt_input_file_open(lt_engine *e, const char *path, int rate, char *err, size_t errlen);
int            lt_input_file_channels(const lt_input_file *f);
void           lt_input_file_close(lt_engine *e, lt_input_file *f);
#endif
