/* session.c — evaluation with declare-and-reconcile, and the bookkeeping shared by the live, render
 * and exec modes (see session.h). */
#include "session.h"
#include "bind_record.h"
#include "vm.h"
#include "watch.h"
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lt_eval_budget_ms(void) {
    static int ms;   /* read once, on the control thread that evaluates */
    if (!ms) {
        const char *e = getenv("LUTE_EVAL_BUDGET_MS");
        long v = e ? strtol(e, NULL, 10) : 0;
        ms = v >= 100 && v <= 3600000 ? (int)v : 5000;
    }
    return ms;
}

/* Calls lute.<fn> (the language's table, kept in the registry when the session starts, so no global a
 * script or tool changes can take it away) with the `nargs` values on the stack, under the watchdog.
 * Leaves `nres` results, or an error message, on the stack. */
#define LANG_KEY "lute.language"
static int call_lute(lua_State *L, const char *fn, int nargs, int nres) {
    lua_getfield(L, LUA_REGISTRYINDEX, LANG_KEY);
    if (lua_istable(L, -1)) lua_getfield(L, -1, fn); else lua_pushnil(L);
    lua_remove(L, -2);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1 + nargs);
        lua_pushfstring(L, "lute's language has no function '%s' (lua/lute.lua did not load?)", fn);
        return LUA_ERRRUN;
    }
    if (nargs) lua_insert(L, -(nargs + 1));
    return lt_docall(L, nargs, nres, LT_EVAL_BUDGET_MS, 0);
}

/* Runs the scheduler from inside a slow evaluation (see lt_vm_set_background), live only. */
static void background_tick(lua_State *L, void *ud) {
    lt_session *s = ud;
    lt_api_advance(L, &s->api, lt_engine_frame(s->api.engine));
}

int lt_session_init(lt_session *s, int rate, int live, int lookahead_ms) {
    memset(s, 0, sizeof *s);
    if (lt_api_init(&s->api, rate, live, lookahead_ms)) {
        fprintf(stderr, "lute: out of memory creating the engine\n");
        return -1;
    }
    s->L = lt_vm_new(NULL);
    if (!s->L) { fprintf(stderr, "lute: cannot create the Lua state\n"); return -1; }
    lt_api_open(s->L, &s->api);
    if (live) lt_vm_set_background(background_tick, s);
    lua_getglobal(s->L, "require");
    lua_pushstring(s->L, "lute");
    if (lt_docall(s->L, 1, 1, LT_EVAL_BUDGET_MS, 1) != LUA_OK || !lua_istable(s->L, -1)) {
        fprintf(stderr, "lute: cannot load lute's language from %s/lua: %s\n", lt_vm_root(), lua_tostring(s->L, -1));
        lua_pop(s->L, 1);
        return -1;
    }
    lua_setfield(s->L, LUA_REGISTRYINDEX, LANG_KEY);
    return 0;
}

void lt_session_close(lt_session *s) {
    /* the audio thread has stopped (the device is closed, or this was offline): a take the engine
     * was recording into is closed whole as Lua's state goes, with its header and sidecar line */
    lt_take_return_all();
    /* messages held back as repeats are said now, with their count, before the session goes */
    if (s->L && call_lute(s->L, "_at_exit", 0, 0) != LUA_OK) lua_pop(s->L, 1);
    lt_vm_close(s->L);
    s->L = NULL;
    lt_api_close(&s->api);
}

/* The user's modules are reloaded with the script: forget them before each evaluation. */
static void forget_user_modules(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, LANG_KEY);
    if (lua_istable(L, -1)) lua_getfield(L, -1, "_user_modules"); else lua_pushnil(L);
    lua_remove(L, -2);
    if (lua_istable(L, -1)) {
        lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);   /* package.loaded, whatever a script did */
        lua_pushnil(L);
        while (lua_next(L, -3)) {        /* [mods, loaded, name, path] */
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_settable(L, -4);         /* loaded[name] = nil */
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* The script's own folder comes first on the module path, so `require "drums"` finds drums.lua beside it. */
static void add_script_dir(lua_State *L, const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0; else snprintf(dir, sizeof dir, ".");
    lua_pushstring(L, dir);                   /* core.script_dir(): where takes/ and such live */
    lua_setfield(L, LUA_REGISTRYINDEX, "lute.script_dir");
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    const char *old = lua_tostring(L, -1);
    char entry[4200];
    snprintf(entry, sizeof entry, "%s/?.lua;", dir);
    if (!strstr(old, entry)) {
        lua_pushfstring(L, "%s%s", entry, old);
        lua_setfield(L, -3, "path");
    }
    lua_pop(L, 2);
}

/* Reports a failed evaluation and collects the garbage it left (a memory bomb's tables are
 * unreachable once the evaluation is dropped; collecting now gives the memory back to the cap). */
static void failed(lua_State *L, const char *path, int status) {
    const char *m = lua_tostring(L, -1);
    if (status == LUA_ERRMEM)   /* Lua's message has no place in it: name the script and the cap */
        lt_message("%s: not enough memory (a script may use at most 1 GiB); nothing was changed", path);
    else
        lt_message("%s", m ? m : "(error)");
    lua_pop(L, 1);
    if (call_lute(L, "_abort", 0, 0) != LUA_OK) lua_pop(L, 1);
    lua_gc(L, LUA_GCCOLLECT, 0);
}

/* Loads a user chunk as text only into the sandbox environment that _begin left on the stack
 * (replaced by the chunk, or by an error message). */
static int load_user(lua_State *L, int status) {
    if (status == LUA_OK) {          /* [env, chunk] */
        lua_pushvalue(L, -2);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);   /* the chunk's first upvalue is its _ENV */
    }
    lua_remove(L, -2);
    return status;
}

/* 1 if the file holds only whitespace (or cannot be read: then the loader says why). */
static int blank_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int c, blank = 1;
    while (blank && (c = fgetc(f)) != EOF) if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') blank = 0;
    fclose(f);
    return blank;
}

int lt_session_eval_file(lt_session *s, const char *path) {
    lua_State *L = s->L;
    if (blank_file(path)) {   /* saved empty while playing: lute._empty_save arms a stop (reconcile.lua) */
        lua_pushstring(L, path);
        if (call_lute(L, "_empty_save", 1, 1) != LUA_OK) { lt_message("%s", lua_tostring(L, -1)); lua_pop(L, 1); }
        else {
            int armed = lua_toboolean(L, -1);
            lua_pop(L, 1);
            if (armed) return -1;
        }
    }
    add_script_dir(L, path);
    forget_user_modules(L);
    lua_pushboolean(L, 1);
    lua_pushstring(L, path);
    int st = call_lute(L, "_begin", 2, 1);
    if (st != LUA_OK) { failed(L, path, st); return -1; }
    st = load_user(L, lt_vm_loadfile(L, path));
    if (st != LUA_OK) { failed(L, path, st); return -1; }
    lt_vm_evaluating(1);
    st = lt_docall(L, 0, 0, LT_EVAL_BUDGET_MS, 0);
    lt_vm_evaluating(0);
    if (st == LUA_OK) st = call_lute(L, "_commit", 0, 0);
    if (st != LUA_OK) { failed(L, path, st); return -1; }
    return 0;
}

static int incomplete(lua_State *L, int status) {
    if (status == LUA_ERRSYNTAX) {
        size_t lmsg;
        const char *msg = lua_tolstring(L, -1, &lmsg);
        if (lmsg >= 5 && strcmp(msg + lmsg - 5, "<eof>") == 0) return 1;
    }
    return 0;
}

lt_chunk_status lt_session_eval_chunk(lt_session *s, const char *code, int print_results) {
    lua_State *L = s->L;
    int top = lua_gettop(L);
    lua_pushboolean(L, 0);
    lua_pushstring(L, "stdin");
    int st = call_lute(L, "_begin", 2, 1);
    if (st != LUA_OK) { failed(L, "stdin", st); lua_settop(L, top); return LT_CHUNK_ERROR; }
    /* An expression first (its values are printed), as lua.c does; else a statement. */
    const char *ret = lua_pushfstring(L, "return %s;", code);
    st = luaL_loadbufferx(L, ret, strlen(ret), "=stdin", "t");
    lua_remove(L, -2);
    if (st != LUA_OK) {
        lua_pop(L, 1);
        st = luaL_loadbufferx(L, code, strlen(code), "=stdin", "t");
        if (incomplete(L, st)) {
            lua_settop(L, top);
            if (call_lute(L, "_abort", 0, 0) != LUA_OK) lua_pop(L, 1);
            return LT_CHUNK_INCOMPLETE;
        }
    }
    st = load_user(L, st);
    if (st == LUA_OK) {
        lt_vm_evaluating(1);
        st = lt_docall(L, 0, LUA_MULTRET, LT_EVAL_BUDGET_MS, 0);
        lt_vm_evaluating(0);
        lt_vm_clear_interrupt();
    }
    if (st == LUA_OK) {
        int nres = lua_gettop(L) - top;
        st = call_lute(L, "_commit", 0, 0);
        if (st != LUA_OK) { failed(L, "stdin", st); lua_settop(L, top); return LT_CHUNK_ERROR; }
        if (print_results && nres > 0) {
            lua_getglobal(L, "print");
            lua_insert(L, top + 1);
            if (lt_docall(L, nres, 0, LT_EVAL_BUDGET_MS, 0) != LUA_OK) lt_message("%s", lua_tostring(L, -1));
        }
        lua_settop(L, top);
        return LT_CHUNK_OK;
    }
    failed(L, "stdin", st);
    lua_settop(L, top);
    return LT_CHUNK_ERROR;
}

void lt_session_watch_files(lt_session *s) {
    lua_State *L = s->L;
    lt_watch_clear();
    if (s->script) lt_watch_add(s->script);
    /* lute.lua keeps the list of files the script required (see lute._user_modules) */
    lua_getfield(L, LUA_REGISTRYINDEX, LANG_KEY);
    if (lua_istable(L, -1)) lua_getfield(L, -1, "_user_modules"); else lua_pushnil(L);
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_isstring(L, -1)) lt_watch_add(lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 2);
}

void lt_session_tick(lt_session *s, int64_t upto) {
    lt_api_advance(s->L, &s->api, upto);
}

void lt_session_seed(lt_session *s, double seed) {
    lua_State *L = s->L;
    int top = lua_gettop(L);
    lua_pushinteger(L, (lua_Integer)seed);
    if (call_lute(L, "seed", 1, 0) != LUA_OK) lt_message("lute: --seed: %s", lua_tostring(L, -1));
    lua_settop(L, top);
}

void lt_session_device_lost(lt_session *s, const char *reason) {
    lua_State *L = s->L;
    int top = lua_gettop(L);
    lua_pushstring(L, reason);
    if (call_lute(L, "_device_lost", 1, 0) != LUA_OK) lt_message("lute: %s", lua_tostring(L, -1));
    lua_settop(L, top);
}
