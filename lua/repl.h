/* repl.h — the REPL: readline's callback interface on a terminal (history in a file, tab completion
 * of lute's names, multi-line chunks, Ctrl-C stops an evaluation, never the audio), or, when standard
 * input is not a terminal, the same chunk-by-chunk evaluation of whatever arrives (editors, tests).
 * Thread: control.  RT-safe: no. */
#ifndef LT_REPL_H
#define LT_REPL_H
#include "session.h"

int  lt_repl_init(lt_session *s);    /* returns the fd to poll (0) */
void lt_repl_readable(void);         /* call when the fd is readable */
int  lt_repl_done(void);             /* end of input reached */
void lt_repl_close(void);
#endif
