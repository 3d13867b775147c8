/* bind_take.c — lute.take: take files from Lua (thin over core/io/take.c).
 *
 *   take.open{ folder =, name =, track =, rate =, channels =, start =, stop =, ring = seconds,
 *              sync = seconds } -> writer | nil, message
 *   writer:write(frame, samples) -> true | false (ring full: counted as lost)
 *        samples: a string of interleaved float32 (as core.render gives) or a table of numbers
 *   writer:status() -> info           writer:close([note]) -> info      writer:path() -> string
 *   writer:set_end(frame) (punch out)  writer:lent() -> true while the engine records into it
 *                                      (core.take_attach); then it can neither be written nor closed
 *   writer:abandon(note) -> info       closes the file even while lent, for a device that stopped
 *                                      (its audio thread no longer runs; a late push is discarded)
 *   take.recover(path) -> info, fixed | nil, message
 *   take.recover_folder(folder) -> { info, ... }   (the pass to run on start)
 *   info = { path =, file =, number =, rate =, channels =, start =, frames =, lost =, hash = "hex",
 *            ring_peak =, error = "message" or nil }
 *
 * Live, the engine's audio thread is the one that pushes into a take's ring; from Lua the
 * control thread may be the producer instead (tools, tests, `lute exec` scripts), never both.
 * Thread: control only.  RT-safe: no. */
#include "bind_record.h"
#include "io/take.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define TAKE_MT "lute.take.writer"

typedef struct { lt_take *t; int closed, channels, lent; lt_take_info last; } take_ud;

/* Takes the engine records into: lent to the audio thread (the one producer) until it hands the
 * take back (LT_REPLY_TAKE_DONE); meanwhile Lua may not write, close or free it. */
#define MAX_LENT 64
static take_ud *lent[MAX_LENT];

static take_ud *check_take(lua_State *L) { return luaL_checkudata(L, 1, TAKE_MT); }

static void push_info(lua_State *L, const lt_take_info *in) {
    char hash[24];
    lua_createtable(L, 0, 14);
    lua_pushstring(L, in->path); lua_setfield(L, -2, "path");
    lua_pushstring(L, in->file ? in->file : ""); lua_setfield(L, -2, "file");
    lua_pushinteger(L, in->number); lua_setfield(L, -2, "number");
    lua_pushinteger(L, in->rate); lua_setfield(L, -2, "rate");
    lua_pushinteger(L, in->channels); lua_setfield(L, -2, "channels");
    lua_pushinteger(L, in->start_frame); lua_setfield(L, -2, "start");
    lua_pushinteger(L, in->frames); lua_setfield(L, -2, "frames");
    lua_pushinteger(L, in->lost_frames); lua_setfield(L, -2, "lost");
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)in->hash);
    lua_pushstring(L, hash); lua_setfield(L, -2, "hash");
    lua_pushnumber(L, in->ring_peak); lua_setfield(L, -2, "ring_peak");
    lua_pushinteger(L, in->sound_end); lua_setfield(L, -2, "sound_end");
    lua_pushnumber(L, in->peak); lua_setfield(L, -2, "peak");
    if (in->error) { lua_pushstring(L, in->message); lua_setfield(L, -2, "error"); }
    else if (in->message[0]) { lua_pushstring(L, in->message); lua_setfield(L, -2, "message"); }
}

static lua_Integer opt_int_field(lua_State *L, int t, const char *k, lua_Integer def) {
    lua_getfield(L, t, k);
    lua_Integer v = def;
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1)) luaL_error(L, "take.open: '%s' must be an integer, got %s", k, luaL_typename(L, -1));
        v = lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static lua_Number opt_num_field(lua_State *L, int t, const char *k, lua_Number def) {
    lua_getfield(L, t, k);
    lua_Number v = def;
    if (!lua_isnil(L, -1)) {
        if (!lua_isnumber(L, -1)) luaL_error(L, "take.open: '%s' must be a number, got %s", k, luaL_typename(L, -1));
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static const char *opt_str_field(lua_State *L, int t, const char *k) {
    lua_getfield(L, t, k);
    const char *s = lua_isnil(L, -1) ? NULL : lua_tostring(L, -1);
    if (!lua_isnil(L, -1) && !s) luaL_error(L, "take.open: '%s' must be a string", k);
    lua_pop(L, 1);   /* the string stays alive: it is a field of the argument table */
    return s;
}

static int t_open(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lt_take_config c = {0};
    c.folder = opt_str_field(L, 1, "folder");
    c.name = opt_str_field(L, 1, "name");
    c.track = opt_str_field(L, 1, "track");
    if (!c.folder) return luaL_error(L, "take.open: 'folder' is required (the song's takes folder)");
    if (!c.name) return luaL_error(L, "take.open: 'name' is required (the take's name, usually the track)");
    c.rate = (int)opt_int_field(L, 1, "rate", 48000);
    c.channels = (int)opt_int_field(L, 1, "channels", 1);
    c.start_frame = opt_int_field(L, 1, "start", 0);
    c.end_frame = opt_int_field(L, 1, "stop", 0);
    c.ring_seconds = opt_num_field(L, 1, "ring", 0);
    c.sync_seconds = opt_num_field(L, 1, "sync", 0);
    take_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, TAKE_MT);
    char msg[LT_TAKE_MSG_MAX];
    lt_take_err e = lt_take_open(&u->t, &c, msg, sizeof msg);
    u->channels = c.channels;
    if (e == LT_TAKE_EARG) return luaL_error(L, "take.open: %s", msg);
    if (e) { luaL_pushfail(L); lua_pushstring(L, msg); return 2; }
    return 1;
}

static int t_write(lua_State *L) {
    take_ud *u = check_take(L);
    if (!u->t || u->closed) return luaL_error(L, "the take is closed");
    if (u->lent) return luaL_error(L, "the engine is recording into this take; only one may write to it");
    lua_Integer frame = luaL_checkinteger(L, 2);
    int nc = u->channels;
    if (lua_type(L, 3) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, 3, &len);
        if (len % (sizeof(float) * (size_t)nc)) return luaL_argerror(L, 3, "the string is not whole frames of float32");
        float *tmp = malloc(len ? len : 1);
        if (!tmp) return luaL_error(L, "out of memory");
        memcpy(tmp, s, len);
        bool ok = lt_take_push_interleaved(u->t, frame, tmp, (int)(len / (sizeof(float) * (size_t)nc)));
        free(tmp);
        lua_pushboolean(L, ok);
        return 1;
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 3);
    if (n % nc) return luaL_argerror(L, 3, "the table is not whole frames (one number per channel per frame)");
    float *tmp = malloc(sizeof(float) * (size_t)(n ? n : 1));
    if (!tmp) return luaL_error(L, "out of memory");
    for (lua_Integer i = 0; i < n; i++) {
        lua_rawgeti(L, 3, i + 1);
        tmp[i] = (float)lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    bool ok = lt_take_push_interleaved(u->t, frame, tmp, (int)(n / nc));
    free(tmp);
    lua_pushboolean(L, ok);
    return 1;
}

static int t_status(lua_State *L) {
    take_ud *u = check_take(L);
    if (u->closed || !u->t) { push_info(L, &u->last); return 1; }
    lt_take_info info;
    lt_take_status(u->t, &info);
    push_info(L, &info);
    return 1;
}

static int t_close(lua_State *L) {
    take_ud *u = check_take(L);
    const char *note = luaL_optstring(L, 2, NULL);
    if (u->lent) return luaL_error(L, "the engine is still recording into this take; stop recording first");
    if (u->t && !u->closed) {
        lt_take_close(u->t, note, &u->last);
        u->closed = 1;
        lt_take_free(u->t);
        u->t = NULL;
    }
    push_info(L, &u->last);
    return 1;
}

/* The device stopped: the audio thread that holds the take does not run, so the take is closed at
 * what reached the disk without waiting for it to be handed back.  lt_take_close discards pushes that
 * come after (a device that comes back); the lt_take itself is freed only once it is returned. */
static int t_abandon(lua_State *L) {
    take_ud *u = check_take(L);
    const char *note = luaL_optstring(L, 2, NULL);
    if (u->t && !u->closed) {
        lt_take_close(u->t, note, &u->last);
        u->closed = 1;
        if (!u->lent) { lt_take_free(u->t); u->t = NULL; }
    }
    push_info(L, &u->last);
    return 1;
}

static int t_path(lua_State *L) {
    take_ud *u = check_take(L);
    lua_pushstring(L, u->t ? lt_take_path(u->t) : u->last.path);
    return 1;
}

static int t_gc(lua_State *L) {
    take_ud *u = check_take(L);
    if (u->lent) {   /* the audio thread may still push into it: leave it (a take is lost, not the process) */
        for (int i = 0; i < MAX_LENT; i++) if (lent[i] == u) lent[i] = NULL;
        return 0;
    }
    if (u->t) {
        if (!u->closed) lt_take_close(u->t, NULL, &u->last);
        lt_take_free(u->t);
        u->t = NULL;
        u->closed = 1;
    }
    return 0;
}

/* writer:set_end(frame): punch out — frames from `frame` on are not kept (safe while lent). */
static int t_set_end(lua_State *L) {
    take_ud *u = check_take(L);
    if (u->t && !u->closed) lt_take_set_end(u->t, luaL_checkinteger(L, 2));
    return 0;
}

static int t_lent(lua_State *L) {
    lua_pushboolean(L, check_take(L)->lent);
    return 1;
}

lt_take *lt_take_lend(lua_State *L, int idx, int *channels) {
    take_ud *u = luaL_checkudata(L, idx, TAKE_MT);
    if (!u->t || u->closed) { luaL_error(L, "the take is closed"); return NULL; }
    if (u->lent) { luaL_error(L, "the engine is already recording into this take"); return NULL; }
    int slot = -1;
    for (int i = 0; i < MAX_LENT && slot < 0; i++) if (!lent[i]) slot = i;
    if (slot < 0) { luaL_error(L, "at most %d takes are recorded at once", MAX_LENT); return NULL; }
    lent[slot] = u;
    u->lent = 1;
    if (channels) *channels = u->channels;
    return u->t;
}

void lt_take_returned(const void *take) {
    for (int i = 0; i < MAX_LENT; i++)
        if (lent[i] && lent[i]->t == take) { lent[i]->lent = 0; lent[i] = NULL; }
}

void lt_take_return_all(void) {
    for (int i = 0; i < MAX_LENT; i++) if (lent[i]) { lent[i]->lent = 0; lent[i] = NULL; }
}

static int t_tostring(lua_State *L) {
    take_ud *u = check_take(L);
    lua_pushfstring(L, "take (%s%s)", u->t ? lt_take_path(u->t) : u->last.path, u->closed ? ", closed" : "");
    return 1;
}

static int t_recover(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    lt_take_info info;
    bool fixed;
    if (lt_take_recover(path, &info, &fixed) != LT_TAKE_OK) { luaL_pushfail(L); lua_pushstring(L, info.message); return 2; }
    push_info(L, &info);
    lua_pushboolean(L, fixed);
    return 2;
}

static void report(void *ud, const lt_take_info *info) {
    lua_State *L = ud;
    push_info(L, info);
    lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
}

static int t_recover_folder(lua_State *L) {
    const char *folder = luaL_checkstring(L, 1);
    lua_newtable(L);
    lt_take_recover_folder(folder, report, L);
    return 1;
}

int lt_open_take(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"write", t_write}, {"status", t_status}, {"close", t_close}, {"path", t_path}, {"lent", t_lent}, {"set_end", t_set_end},
        {"abandon", t_abandon}, {NULL, NULL}};
    static const luaL_Reg funcs[] = {
        {"open", t_open}, {"recover", t_recover}, {"recover_folder", t_recover_folder}, {NULL, NULL}};
    if (luaL_newmetatable(L, TAKE_MT)) {
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, t_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, t_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, t_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, funcs);
    return 1;
}
