/* vm.h — the one lua_State of lute, owned by the control thread: standard libraries, lute's module
 * path, a memory cap, the watchdog that stops a runaway script, and docall, the single way C calls
 * into Lua (pcall with a traceback handler, like lua.c).
 *
 * The watchdog is an instruction-count hook.  Every call through lt_docall (and every Lua call
 * through vm.call, see below) gets a budget of its own: a call nested inside another does not eat
 * the outer one's time, and the outer one's clock is paused meanwhile.  When a budget runs out the
 * hook raises "stopped by the watchdog" in the running Lua code, and it stays expired: if Lua code
 * catches that error and goes on spinning, or calls something else that spins, the hook raises again
 * after a short grace (LT_VM_GRACE_MS), so one expired budget can never turn into an endless call.
 * Code running inside a C function (a long string.find) is beyond any hook: guard.h's watchdog
 * thread watches for that.
 *
 * From Lua, `require "lute.vm"` gives:
 *   vm.call(ms, f, ...) -> true, results... | false, message
 *       calls f with a budget of its own, like pcall.  f must not yield across it (a coroutine
 *       resumed inside f may yield as usual).  The scheduler calls each piece of user code (a live
 *       loop's resume, a MIDI handler, a pattern function) through it, so two endless loops in one
 *       tick are each stopped after their own budget.
 *   vm.memory() -> bytes of Lua memory in use, and the cap.
 *   vm.where() -> "file:line" of the innermost user code on the stack (the caller's), or nil.
 *
 * Thread: control only, unless a function says otherwise.  RT-safe: no. */
#ifndef LT_VM_H
#define LT_VM_H
#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#define LT_VM_GRACE_MS 50        /* after an expired budget, how long code may run before the next stop */
#define LT_VM_MEM_DEFAULT ((size_t)1 << 30)

typedef struct lt_vm_config {
    const char *root;          /* lute's source root (holds lua/ and scripts/); NULL = found from /proc/self/exe */
    size_t mem_limit;          /* bytes; 0 = 1 GiB */
} lt_vm_config;

lua_State *lt_vm_new(const lt_vm_config *cfg);
void       lt_vm_close(lua_State *L);
const char *lt_vm_root(void);

/* Calls the function below `narg` arguments on the stack with a budget of its own of `budget_ms`
 * milliseconds (0 = no budget of its own: inside another call it shares that call's budget, at the
 * top it runs unlimited).  Returns a lua status; on error the message (with traceback when
 * `traceback` is set) is left on the stack.  After a call that ran into the memory cap, the garbage
 * is collected in full and freed memory is returned to the system (malloc_trim), and lute says so. */
int lt_docall(lua_State *L, int narg, int nres, int budget_ms, int traceback);
/* Runs a C function protected, with `ud` as its one (light userdata) argument; its results are
 * dropped.  On error the message is left on the stack.  For C code that must touch Lua values that a
 * script can break (a global replaced by a number): nothing then raises outside a protected call. */
int lt_vm_cpcall(lua_State *L, lua_CFunction f, void *ud, int budget_ms);
/* Loads a file as text (precompiled chunks are refused: a corrupted one could crash Lua) and runs it
 * under the watchdog; on error leaves the message on the stack. */
int lt_dofile(lua_State *L, const char *path, int budget_ms);
/* luaL_loadfilex(L, path, "t") with a clearer message for a binary file. */
int lt_vm_loadfile(lua_State *L, const char *path);

/* Asks the running evaluation to stop at the next hook (Ctrl-C).  Thread: any (signal handler). */
void lt_vm_interrupt(void);
/* 1 while an interrupt has been asked for and not yet acted on.  Thread: any (signal handler). */
int  lt_vm_interrupt_pending(void);
/* Forgets an interrupt that arrived after the evaluation it was meant for had finished. */
void lt_vm_clear_interrupt(void);
/* From now on every hook raises "lute is quitting", so whatever Lua runs unwinds at once.
 * Thread: any (signal handler).  Irreversible. */
void lt_vm_terminate(void);

/* While a script or REPL chunk is being evaluated (lt_vm_evaluating(1) ... (0)), the watchdog's hook
 * calls `fn` every few milliseconds once the evaluation has run for 10 ms, on the running thread, so
 * the scheduler keeps the music going through a slow evaluation.  fn must not raise errors. */
void lt_vm_set_background(void (*fn)(lua_State *L, void *ud), void *ud);
void lt_vm_evaluating(int on);

/* For the watchdog thread (guard.c).  Thread: one thread other than the control thread (it keeps state
 * between calls).  Returns 1 while the control thread is inside a call into Lua, with *quiet_ns =
 * monotonic time of the last sign of progress (entering or leaving a call, the hook running, or Lua
 * allocating since the previous look), so now - *quiet_ns is how long it has been stuck in one C function. */
int  lt_vm_busy(int64_t *quiet_ns);
/* For a C function of lute's own that may legitimately run for seconds without calling back into Lua
 * (loading or stretching a long sample): call it now and then, so the watchdog thread does not take the
 * work for a stall.  Thread: control.  RT-safe: yes (one relaxed store). */
void lt_vm_progress(void);
/* Writes "file:line" (and the C function running, when there is one) of the innermost Lua code of
 * the running call, preferring the user's files over lute's own.  Must run on the control thread:
 * the watchdog thread gets it there through a signal while the control thread is stuck in a C
 * function (so the Lua stack does not move).  Async-signal-safe in that situation: it only reads. */
void lt_vm_where_now(char *buf, size_t len);
/* The position the hook saw last (any thread; may be a little stale). */
void lt_vm_last_seen(char *buf, size_t len);
/* Bytes of Lua memory in use. */
size_t lt_vm_memory(void);
#endif
