/* vm.h — the one lua_State of lute, owned by the control thread: standard libraries, lute's module
 * path, a memory cap, the watchdog that stops a runaway script, and docall, the single way C calls
 * into Lua (pcall with a traceback handler, like lua.c).
 * Thread: control only.  RT-safe: no. */
#ifndef LT_VM_H
#define LT_VM_H
#include <lua.h>
#include <stdint.h>

typedef struct lt_vm_config {
    const char *root;          /* lute's source root (holds lua/ and scripts/); NULL = found from /proc/self/exe */
    size_t mem_limit;          /* bytes; 0 = 1 GiB */
} lt_vm_config;

lua_State *lt_vm_new(const lt_vm_config *cfg);
void       lt_vm_close(lua_State *L);
const char *lt_vm_root(void);

/* Calls the function below `narg` arguments on the stack, with the watchdog armed for `budget_ms`
 * milliseconds (0 = no limit).  Returns a lua status; on error the message (with traceback when
 * `traceback` is set) is left on the stack. */
int lt_docall(lua_State *L, int narg, int nres, int budget_ms, int traceback);
/* Loads and runs a file under the watchdog; on error leaves the message on the stack. */
int lt_dofile(lua_State *L, const char *path, int budget_ms);
/* Asks the running evaluation to stop at the next hook (Ctrl-C).  Thread: any (signal handler). */
void lt_vm_interrupt(void);
/* Forgets an interrupt that arrived after the evaluation it was meant for had finished. */
void lt_vm_clear_interrupt(void);

/* While a script or REPL chunk is being evaluated (lt_vm_evaluating(1) ... (0)), the watchdog's hook
 * calls `fn` every few milliseconds once the evaluation has run for 10 ms, on the running thread, so
 * the scheduler keeps the music going through a slow evaluation.  fn must not raise errors. */
void lt_vm_set_background(void (*fn)(lua_State *L, void *ud), void *ud);
void lt_vm_evaluating(int on);
#endif
