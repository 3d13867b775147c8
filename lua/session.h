/* session.h — one lute session on the control thread: the engine, the Lua state with lute's
 * language loaded, and evaluation of script files and REPL chunks with declare-and-reconcile:
 * a file that fails to load or run changes nothing and its error names the file and line.
 * Thread: control only.  RT-safe: no. */
#ifndef LT_SESSION_H
#define LT_SESSION_H
#include <lua.h>
#include "api.h"

typedef struct lt_session {
    lua_State   *L;
    lt_api_state api;
    const char  *script;       /* the main script, or NULL */
} lt_session;

/* The watchdog's budget for one evaluation of a script or a REPL chunk: 5000 ms, or $LUTE_EVAL_BUDGET_MS
 * (100 .. 3600000) for builds that run slowly on purpose (make test-asan), as $LUTE_STALL_LIMIT is for the
 * stall guard. */
#define LT_EVAL_BUDGET_MS lt_eval_budget_ms()
int lt_eval_budget_ms(void);

/* Creates the engine at `rate` and the Lua state; loads lua/lute.lua.  -1 with a message printed. */
int  lt_session_init(lt_session *s, int rate, int live, int lookahead_ms);
void lt_session_close(lt_session *s);
/* Evaluates a script file as the whole desired state (what the file declared before and no longer
 * does is removed; what the REPL added stays), in the sandbox, loaded as text only.  On error prints
 * "file:line: message", changes nothing, collects the garbage, and returns -1.  A file of only
 * whitespace while something plays is not evaluated: lute says what it would stop and arms the stop
 * for the next bar (lute._empty_save); returns -1 then too (nothing was reloaded). */
int  lt_session_eval_file(lt_session *s, const char *path);
typedef enum { LT_CHUNK_OK = 0, LT_CHUNK_ERROR, LT_CHUNK_INCOMPLETE } lt_chunk_status;
/* Evaluates a REPL chunk (an expression's values are printed) in the sandbox, text only.
 * Declarations in it add or update and stay until removed (see docs/language.md). */
lt_chunk_status lt_session_eval_chunk(lt_session *s, const char *code, int print_results);
/* Watches the main script and every file it required (outside lute's own folders). */
void lt_session_watch_files(lt_session *s);
/* Runs the scheduler up to `upto` (plus the lookahead) and drains replies. */
void lt_session_tick(lt_session *s, int64_t upto);
/* The audio device stopped calling back (unplugged, its JACK server gone): the takes being recorded
 * are closed at what reached the disk, each with `reason` in its sidecar line (lute._device_lost). */
void lt_session_device_lost(lt_session *s, const char *reason);
/* Sets math.random's seed for every later evaluation of a whole script (lute.seed; --seed). */
void lt_session_seed(lt_session *s, double seed);
#endif
