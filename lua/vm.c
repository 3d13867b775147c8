/* vm.c — lute's Lua state: memory cap, watchdog, docall (see vm.h). */
#include "vm.h"
#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOOK_EVERY 10000   /* instructions between watchdog checks */

static char root[PATH_MAX];
static size_t mem_used, mem_limit;
static int64_t deadline_ns;           /* 0 = no deadline */
static int budget_shown_ms;
static volatile sig_atomic_t interrupted;
static void (*background_fn)(lua_State *L, void *ud);
static void *background_ud;
static int evaluating, in_background;
static int64_t eval_started_ns, last_background_ns;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A capped allocator: a script that eats memory gets a Lua memory error, lute keeps running. */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    if (!ptr) osize = 0;
    if (nsize == 0) { free(ptr); mem_used -= osize; return NULL; }
    if (nsize > osize && mem_used + (nsize - osize) > mem_limit) return NULL;
    void *p = realloc(ptr, nsize);
    if (p) mem_used = mem_used - osize + nsize;
    return p;
}

/* The watchdog raises its error as if from the running function, so the message says which file
 * and line were still running ("song.lua:12: stopped by the watchdog ..."). */
static int stop_here(lua_State *L, const char *msg) {
    luaL_where(L, 0);
    lua_pushstring(L, msg);
    lua_concat(L, 2);
    return lua_error(L);
}

static void watchdog(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (interrupted) {
        interrupted = 0;
        stop_here(L, "interrupted (Ctrl-C); the music plays on");
    }
    int64_t now = (deadline_ns || evaluating) ? now_ns() : 0;
    if (deadline_ns && now > deadline_ns) {
        char msg[200];
        deadline_ns = 0;
        snprintf(msg, sizeof msg, "stopped by the watchdog: still running after %d ms (an endless loop, or a loop "
                                  "that never sleeps?)", budget_shown_ms);
        stop_here(L, msg);
    }
    if (evaluating && background_fn && !in_background && now - eval_started_ns > 10000000 &&
        now - last_background_ns > 4000000) {
        in_background = 1;
        background_fn(L, background_ud);
        in_background = 0;
        last_background_ns = now;
    }
}

void lt_vm_clear_interrupt(void) { interrupted = 0; }

void lt_vm_set_background(void (*fn)(lua_State *L, void *ud), void *ud) {
    background_fn = fn;
    background_ud = ud;
}

void lt_vm_evaluating(int on) {
    evaluating = on;
    if (on) eval_started_ns = now_ns();
}

void lt_vm_interrupt(void) { interrupted = 1; }

static void find_root(const char *given) {
    if (given) { snprintf(root, sizeof root, "%s", given); return; }
    const char *env = getenv("LUTE_ROOT");
    if (env) { snprintf(root, sizeof root, "%s", env); return; }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        for (int up = 0; up < 2; up++) { char *s = strrchr(exe, '/'); if (s) *s = 0; }
        snprintf(root, sizeof root, "%s", exe);   /* <root>/build/lute -> <root> */
    } else snprintf(root, sizeof root, ".");
}

const char *lt_vm_root(void) {
    if (!root[0]) find_root(NULL);
    return root;
}

lua_State *lt_vm_new(const lt_vm_config *cfg) {
    find_root(cfg ? cfg->root : NULL);
    mem_limit = cfg && cfg->mem_limit ? cfg->mem_limit : (size_t)1 << 30;
    mem_used = 0;
    lua_State *L = lua_newstate(capped_alloc, NULL);
    if (!L) return NULL;
    luaL_openlibs(L);
    lua_sethook(L, watchdog, LUA_MASKCOUNT, HOOK_EVERY);
    /* lute's own modules first, then the script's folder (set by the caller), then Lua's defaults. */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/lua/?.lua;%s/scripts/?.lua;%s/scripts/?/init.lua;%s", root, root, root,
                    lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);
    return L;
}

void lt_vm_close(lua_State *L) { if (L) lua_close(L); }

static int traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static int plain_handler(lua_State *L) {
    if (!lua_tostring(L, 1)) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    return 1;
}

int lt_docall(lua_State *L, int narg, int nres, int budget_ms, int traceback) {
    int base = lua_gettop(L) - narg;
    int64_t saved_deadline = deadline_ns;
    int saved_budget = budget_shown_ms;
    lua_pushcfunction(L, traceback ? traceback_handler : plain_handler);
    lua_insert(L, base);
    if (budget_ms > 0 && !saved_deadline) {   /* nested calls keep the outer deadline */
        deadline_ns = now_ns() + (int64_t)budget_ms * 1000000;
        budget_shown_ms = budget_ms;
    }
    int status = lua_pcall(L, narg, nres, base);
    deadline_ns = saved_deadline;
    budget_shown_ms = saved_budget;
    lua_remove(L, base);
    return status;
}

int lt_dofile(lua_State *L, const char *path, int budget_ms) {
    int st = luaL_loadfile(L, path);
    if (st == LUA_OK) st = lt_docall(L, 0, 0, budget_ms, 0);
    return st;
}
