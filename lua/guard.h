/* guard.h — lute's last line of defence: signals, and a watchdog thread beside the control thread.
 *
 * The instruction-count hook (vm.h) stops Lua code that spins, but not a control thread stuck inside
 * one C function (a pathological string.find, a huge allocation, a device that does not answer).  The
 * watchdog thread wakes every 20 ms and looks at what the control thread is doing:
 *   - Asked to quit (SIGTERM, SIGHUP, Ctrl-C twice, or lt_guard_request_exit) and the process is still
 *     here 0.5 s later: it stops the audio stream (the cleanups registered below, given 0.3 s), says
 *     where the control thread was, and ends the process with _exit.  So lute always ends within a
 *     second, whatever state it is in.
 *   - Offline (render), a call into Lua stuck inside one C function for longer than the stall limit
 *     (--stall-limit, default LT_GUARD_STALL_DEFAULT_S): it names the file and line and ends lute with
 *     status 1, removing the render's temporary file — a clear failure instead of a hang.
 *   - Live, the same stall cannot be interrupted (C code cannot be stopped from outside without
 *     risking the Lua state); the music is the engine's to keep going.  It says once where the control
 *     thread is stuck and that Ctrl-C twice or SIGTERM quits.
 * The file and line come from the control thread itself: the watchdog sends it a signal whose handler
 * reads the Lua stack, which cannot move while the thread is stuck in C (lt_vm_where_now).
 *
 * Exit statuses of a forced end: the one asked for (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), 1 for a
 * stall offline.  Thread: lt_guard_request_exit and lt_guard_exit_status from any thread or signal
 * handler; the rest from the control thread. */
#ifndef LT_GUARD_H
#define LT_GUARD_H
#include <stdint.h>

#define LT_GUARD_STALL_DEFAULT_S 5.0   /* offline: longest time in one C function before lute gives up */
#define LT_GUARD_QUIT_MS 500           /* asked to quit: longest wait for the control thread */
#define LT_GUARD_CLEANUP_MS 300        /* forced end: longest wait for the cleanups (stopping the device) */

typedef struct lt_guard_config {
    int live;              /* 1 = a live session (stalls are reported, not ended) */
    double stall_limit_s;  /* 0 = LT_GUARD_STALL_DEFAULT_S; < 0 = no limit */
    int catch_sigint;      /* 1 = Ctrl-C asks to quit (render); 0 = the REPL handles SIGINT itself */
} lt_guard_config;

/* Installs the signal handlers and starts the watchdog thread.  0, or -1 if the thread could not start
 * (lute then runs without it).  Thread: control (it remembers the calling thread as the control thread). */
int  lt_guard_start(const lt_guard_config *cfg);
/* Asks lute to quit with `status`: the main loop sees it (lt_guard_exit_status), every Lua hook raises
 * from now on, and the watchdog ends the process if it is still here LT_GUARD_QUIT_MS later.  The first
 * request's status is kept.  Thread: any, async-signal-safe. */
void lt_guard_request_exit(int status);
/* The status asked for, or 0.  Thread: any, async-signal-safe. */
int  lt_guard_exit_status(void);
/* Registers what a forced end must do first (stop the audio stream, remove a temporary file): run on
 * the watchdog's helper thread, while the control thread may be stuck anywhere, so `fn` must not need
 * anything the control thread might hold.  Returns an id for lt_guard_remove_cleanup, or -1 when full. */
int  lt_guard_add_cleanup(void (*fn)(void *ud), void *ud);
void lt_guard_remove_cleanup(int id);
/* Removes `path` on a forced end (a render's temporary file); NULL forgets it. */
void lt_guard_set_tempfile(const char *path);
/* The main loop is over and lute is shutting down with `status`: if that takes longer than `ms`
 * (a device that does not answer), the watchdog ends the process with that status. */
void lt_guard_shutdown(int ms, int status);
/* The end of main: stops the watchdog thread.  If the watchdog is already ending the process, this
 * waits for it instead of racing it. */
void lt_guard_stop(void);
/* Ends the process now from any thread: cleanups (bounded), then _exit(status). */
void lt_guard_die(int status) __attribute__((noreturn));
/* Seconds of the stall limit in force (0 = none). */
double lt_guard_stall_limit(void);
#endif
