/* api.c — `lute.core`: the engine, the tempo map and the parameter table as seen from Lua.
 * Bindings follow Lua's own libraries: luaL_check* for arguments, luaL_argerror for bad values with
 * what would be right, userdata with a metatable for the tempo map. */
#include "api.h"
#include "vm.h"
#include "tempo.h"
#include "ring.h"
#include "midi.h"
#include "driver.h"
#include <math.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* lt_message and lt_message_hook live in message.c (flood control). */

static lt_api_state *state(lua_State *L) {
    return lua_touserdata(L, lua_upvalueindex(1));
}

static void send(lua_State *L, lt_api_state *st, const lt_cmd *c) {
    if (!lt_engine_send(st->engine, c))
        luaL_error(L, "the engine's command queue is full (more than %d events ahead); schedule less at once", 8192);
}

static int check_slot(lua_State *L, lt_api_state *st, int arg) {
    lua_Integer s = luaL_checkinteger(L, arg);
    if (s < 0 || s >= LT_MAX_TRACKS || !st->slot_busy[s])
        luaL_argerror(L, arg, lua_pushfstring(L, "no track in slot %d", (int)s));
    return (int)s;
}

static int check_param(lua_State *L, int arg) {
    const char *name = luaL_checkstring(L, arg);
    int id = lt_param_find(name);
    if (id < 0) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int i = 0; i < LT_P_COUNT; i++) {
            luaL_addstring(&b, lt_params[i].name);
            if (i + 1 < LT_P_COUNT) luaL_addstring(&b, ", ");
        }
        luaL_pushresult(&b);
        luaL_argerror(L, arg, lua_pushfstring(L, "unknown parameter '%s'; known: %s", name, lua_tostring(L, -1)));
    }
    return id;
}

static float check_param_value(lua_State *L, int id, int arg) {
    lua_Number v = luaL_checknumber(L, arg);
    const lt_param_info *p = &lt_params[id];
    if (!(v >= p->min && v <= p->max))
        luaL_argerror(L, arg, lua_pushfstring(L, "%s = %f is out of range (%f .. %f %s)", p->name, v,
                                              (double)p->min, (double)p->max, p->unit));
    return (float)v;
}

static int l_rate(lua_State *L) { lua_pushinteger(L, lt_engine_rate(state(L)->engine)); return 1; }
static int l_live(lua_State *L) { lua_pushboolean(L, state(L)->live); return 1; }
static int l_frame(lua_State *L) { lua_pushinteger(L, lt_engine_frame(state(L)->engine)); return 1; }
static int l_lookahead(lua_State *L) {
    lt_api_state *st = state(L);
    if (!lua_isnoneornil(L, 1)) {
        lua_Number ms = luaL_checknumber(L, 1);
        luaL_argcheck(L, ms >= 1 && ms <= 2000, 1, "lookahead must be 1 .. 2000 ms");
        st->lookahead = (int64_t)(ms / 1000.0 * lt_engine_rate(st->engine));
    }
    lua_pushnumber(L, (double)st->lookahead * 1000.0 / lt_engine_rate(st->engine));
    return 1;
}

static int l_params(lua_State *L) {
    lua_createtable(L, LT_P_COUNT, 0);
    for (int i = 0; i < LT_P_COUNT; i++) {
        const lt_param_info *p = &lt_params[i];
        lua_createtable(L, 0, 6);
        lua_pushstring(L, p->name); lua_setfield(L, -2, "name");
        lua_pushnumber(L, p->min); lua_setfield(L, -2, "min");
        lua_pushnumber(L, p->max); lua_setfield(L, -2, "max");
        lua_pushnumber(L, p->def); lua_setfield(L, -2, "default");
        lua_pushstring(L, p->unit); lua_setfield(L, -2, "unit");
        lua_pushstring(L, p->help); lua_setfield(L, -2, "help");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* core.track_add(name, voices, {param = value, ...}) -> slot */
static int l_track_add(lua_State *L) {
    lt_api_state *st = state(L);
    lt_track_desc d;
    memset(&d, 0, sizeof d);
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    luaL_argcheck(L, len > 0 && len < LT_NAME_MAX, 1, "a track name is 1 to 31 characters");
    memcpy(d.name, name, len);
    lua_Integer voices = luaL_optinteger(L, 2, 8);
    luaL_argcheck(L, voices >= 1 && voices <= LT_MAX_VOICES, 2, "voices must be 1 .. 1024");
    d.voices = (int)voices;
    for (int i = 0; i < LT_P_COUNT; i++) d.params[i] = lt_params[i].def;
    if (lua_istable(L, 3)) {
        lua_pushnil(L);
        while (lua_next(L, 3)) {
            lua_pushvalue(L, -2);
            int id = check_param(L, lua_gettop(L));
            d.params[id] = check_param_value(L, id, lua_gettop(L) - 1);
            lua_pop(L, 2);
        }
    }
    int slot = -1;
    for (int i = 0; i < LT_MAX_TRACKS; i++) if (!st->slot_busy[i]) { slot = i; break; }
    if (slot < 0) return luaL_error(L, "too many tracks (at most %d)", LT_MAX_TRACKS);
    lt_track *t = lt_track_new(&d, lt_engine_rate(st->engine));
    if (!t) return luaL_error(L, "out of memory creating track '%s'", name);
    lt_cmd c = {.frame = 0, .type = LT_CMD_TRACK_ADD, .slot = (uint16_t)slot};
    c.u.add.track = t;
    c.u.add.desc = d;
    if (!lt_engine_send(st->engine, &c)) {
        lt_track_free(t);
        return luaL_error(L, "the engine's command queue is full");
    }
    st->slot_busy[slot] = 1;
    lua_pushinteger(L, slot);
    return 1;
}

static int l_track_remove(lua_State *L) {
    lt_api_state *st = state(L);
    int slot = check_slot(L, st, 1);
    lt_cmd c = {.frame = luaL_optinteger(L, 2, 0), .type = LT_CMD_TRACK_REMOVE, .slot = (uint16_t)slot};
    send(L, st, &c);
    return 0;
}

/* core.note(slot, on_frame, off_frame, note, vel) */
static int l_note(lua_State *L) {
    lt_api_state *st = state(L);
    int slot = check_slot(L, st, 1);
    lua_Integer on = luaL_checkinteger(L, 2), off = luaL_checkinteger(L, 3);
    lua_Number note = luaL_checknumber(L, 4), vel = luaL_optnumber(L, 5, 0.8);
    luaL_argcheck(L, note >= -24 && note <= 151, 4, lua_pushfstring(L, "note %f is outside -24 .. 151", note));
    luaL_argcheck(L, vel >= 0 && vel <= 1, 5, lua_pushfstring(L, "velocity %f is outside 0 .. 1", vel));
    lt_cmd c = {.frame = on, .type = LT_CMD_NOTE_ON, .slot = (uint16_t)slot};
    c.u.note.note = (float)note;
    c.u.note.vel = (float)vel;
    send(L, st, &c);
    c.frame = off > on ? off : on + 1;
    c.type = LT_CMD_NOTE_OFF;
    send(L, st, &c);
    return 0;
}

/* core.param(slot | "master", frame, name, value) */
static int l_param(lua_State *L) {
    lt_api_state *st = state(L);
    int master = lua_type(L, 1) == LUA_TSTRING && strcmp(lua_tostring(L, 1), "master") == 0;
    int slot = master ? LT_MASTER_SLOT : check_slot(L, st, 1);
    int id = check_param(L, 3);
    if (master) luaL_argcheck(L, id == LT_P_GAIN, 3, "the master has only 'gain'");
    lt_cmd c = {.frame = luaL_checkinteger(L, 2), .type = LT_CMD_PARAM, .slot = (uint16_t)slot};
    c.u.param.id = (uint16_t)id;
    c.u.param.value = check_param_value(L, id, 4);
    send(L, st, &c);
    return 0;
}

static int l_param_check(lua_State *L) {
    int id = check_param(L, 1);
    lua_pushnumber(L, check_param_value(L, id, 2));
    return 1;
}

static int l_release_all(lua_State *L) {
    lt_api_state *st = state(L);
    int slot = lua_isnoneornil(L, 1) ? LT_MASTER_SLOT : check_slot(L, st, 1);
    lt_cmd c = {.frame = luaL_optinteger(L, 2, 0), .type = LT_CMD_RELEASE_ALL, .slot = (uint16_t)slot};
    send(L, st, &c);
    return 0;
}

/* core.ccmap(index, cc, channel, slot, param, min, max, curve) ; cc = -1 clears the map */
static int l_ccmap(lua_State *L) {
    lt_api_state *st = state(L);
    lua_Integer index = luaL_checkinteger(L, 1), cc = luaL_checkinteger(L, 2);
    luaL_argcheck(L, index >= 0 && index < LT_CC_MAPS, 1, "at most 128 CC maps");
    lt_cmd c = {.frame = 0, .type = LT_CMD_CC_MAP};
    c.u.cc.index = (uint16_t)index;
    c.u.cc.map.cc = -1;
    if (cc >= 0) {
        luaL_argcheck(L, cc <= 127, 2, lua_pushfstring(L, "cc %d is outside 0 .. 127", (int)cc));
        lua_Integer ch = luaL_optinteger(L, 3, -1);
        luaL_argcheck(L, ch >= -1 && ch <= 15, 3, "channel is 1 .. 16 (or any)");
        c.u.cc.map.cc = (int16_t)cc;
        c.u.cc.map.channel = (int16_t)ch;
        c.u.cc.map.slot = (uint16_t)check_slot(L, st, 4);
        c.u.cc.map.param = (uint16_t)check_param(L, 5);
        c.u.cc.map.min = (float)luaL_checknumber(L, 6);
        c.u.cc.map.max = (float)luaL_checknumber(L, 7);
        const char *curves[] = {"lin", "exp", NULL};
        c.u.cc.map.curve = (uint8_t)luaL_checkoption(L, 8, "lin", curves);
        if (c.u.cc.map.curve == LT_CURVE_EXP)
            luaL_argcheck(L, c.u.cc.map.min > 0 && c.u.cc.map.max > 0, 6, "an exp curve needs min and max above 0");
    }
    send(L, st, &c);
    return 0;
}

static int l_note_target(lua_State *L) {
    lt_api_state *st = state(L);
    int slot = lua_isnoneornil(L, 1) ? LT_MASTER_SLOT : check_slot(L, st, 1);
    lt_cmd c = {.frame = 0, .type = LT_CMD_NOTE_TARGET, .slot = (uint16_t)slot};
    send(L, st, &c);
    return 0;
}

static int l_meters(lua_State *L) {
    lt_api_state *st = state(L);
    lua_createtable(L, LT_MAX_TRACKS, 1);
    for (int i = 0; i <= LT_MAX_TRACKS; i++) {
        if (i < LT_MAX_TRACKS && !st->slot_busy[i]) continue;
        lua_createtable(L, 2, 0);
        lua_pushnumber(L, st->meter[i][0]); lua_rawseti(L, -2, 1);
        lua_pushnumber(L, st->meter[i][1]); lua_rawseti(L, -2, 2);
        if (i == LT_MAX_TRACKS) lua_setfield(L, -2, "master");
        else lua_rawseti(L, -2, i);
    }
    return 1;
}

static int l_stats(lua_State *L) {
    lt_engine_stats s;
    lt_engine_get_stats(state(L)->engine, &s);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, s.late_events); lua_setfield(L, -2, "late");
    lua_pushinteger(L, s.dropped_events); lua_setfield(L, -2, "dropped");
    lua_pushinteger(L, s.guard_trips); lua_setfield(L, -2, "guard");
    return 1;
}

static int l_quit(lua_State *L) { state(L)->quit_requested = 1; return 0; }

static int l_clock(lua_State *L) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (double)ts.tv_sec + ts.tv_nsec / 1e9);
    return 1;
}

/* ---- tempo map userdata ---------------------------------------------------------------------- */

#define TEMPO_MT "lute.tempo"
#define totempo(L) ((lt_tempo *)luaL_checkudata(L, 1, TEMPO_MT))

static int tempo_check(lua_State *L, lt_tempo_err e) {
    if (e != LT_TEMPO_OK) return luaL_error(L, "%s", lt_tempo_strerror(e));
    return 0;
}

static int l_tempo_new(lua_State *L) {
    lt_api_state *st = state(L);
    lua_Number bpm = luaL_checknumber(L, 1);
    lt_tempo *t = lua_newuserdatauv(L, sizeof *t, 0);
    luaL_setmetatable(L, TEMPO_MT);
    tempo_check(L, lt_tempo_init(t, lt_engine_rate(st->engine), bpm));
    return 1;
}
static int t_set(lua_State *L) {
    tempo_check(L, lt_tempo_set(totempo(L), luaL_checknumber(L, 2), luaL_checknumber(L, 3)));
    return 0;
}
static int t_ramp(lua_State *L) {
    tempo_check(L, lt_tempo_ramp(totempo(L), luaL_checknumber(L, 2), luaL_checknumber(L, 3), luaL_checknumber(L, 4)));
    return 0;
}
static int t_frame(lua_State *L) { lua_pushinteger(L, lt_tempo_frame(totempo(L), luaL_checknumber(L, 2))); return 1; }
static int t_seconds(lua_State *L) { lua_pushnumber(L, lt_tempo_seconds(totempo(L), luaL_checknumber(L, 2))); return 1; }
static int t_bpm(lua_State *L) { lua_pushnumber(L, lt_tempo_bpm_at(totempo(L), luaL_optnumber(L, 2, 0))); return 1; }
static int t_beat_at_frame(lua_State *L) {
    lt_tempo *t = totempo(L);
    lua_pushnumber(L, lt_tempo_beat_at(t, (double)luaL_checkinteger(L, 2) / t->sr));
    return 1;
}
static int t_copy(lua_State *L) {
    lt_tempo *t = totempo(L);
    lt_tempo *c = lua_newuserdatauv(L, sizeof *c, 0);
    memcpy(c, t, sizeof *c);
    luaL_setmetatable(L, TEMPO_MT);
    return 1;
}
static int t_tostring(lua_State *L) {
    lt_tempo *t = totempo(L);
    lua_pushfstring(L, "tempo map (%d segment%s, %f bpm at beat 0)", t->n, t->n == 1 ? "" : "s", t->seg[0].bpm1);
    return 1;
}

static const luaL_Reg tempo_methods[] = {
    {"set", t_set}, {"ramp", t_ramp}, {"frame", t_frame}, {"seconds", t_seconds}, {"bpm", t_bpm},
    {"beat_at_frame", t_beat_at_frame}, {"copy", t_copy}, {NULL, NULL}};

/* ---- MIDI for Lua handlers -------------------------------------------------------------------- */

static lt_ring *midi_to_lua;   /* set by the live session; NULL offline */

void lt_api_set_midi_ring(lt_ring *r) { midi_to_lua = r; }

static int l_midi_poll(lua_State *L) {
    lua_newtable(L);
    if (!midi_to_lua) return 1;
    lt_midi_event ev;
    int n = 0;
    while (n < 512 && lt_ring_pop(midi_to_lua, &ev)) {
        lua_createtable(L, 0, 3);
        lua_pushlstring(L, (const char *)ev.data, ev.len); lua_setfield(L, -2, "bytes");
        lua_pushinteger(L, ev.frame); lua_setfield(L, -2, "frame");
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

/* core.render(frames [, want_samples]) -> { peak =, rms = } [, samples string of float32 stereo]
 * Runs the engine offline for `frames` frames with the scheduler in lockstep, as `lute render` does;
 * for tests and tools in `lute exec`. */
static int render_feed(void *ud, int64_t upto) {
    lua_State *L = ud;
    lt_api_state *st = lua_touserdata(L, lua_upvalueindex(1));
    lt_api_advance(L, st, upto);
    return 0;
}

static int l_render(lua_State *L) {
    lt_api_state *st = state(L);
    lua_Integer frames = luaL_checkinteger(L, 1);
    luaL_argcheck(L, frames >= 0 && frames <= 48000 * 600, 1, "frames must be 0 .. 10 minutes");
    luaL_argcheck(L, !st->live, 1, "core.render is for offline use (lute exec), not while playing live");
    int want = lua_toboolean(L, 2);
    float *buf = malloc(sizeof(float) * 2 * (size_t)(frames ? frames : 1));
    if (!buf) return luaL_error(L, "out of memory rendering %d frames", (int)frames);
    lt_render_buffer(st->engine, buf, frames, render_feed, L);
    double peak = 0, sum = 0;
    for (lua_Integer i = 0; i < 2 * frames; i++) {
        double v = buf[i];
        if (fabs(v) > peak) peak = fabs(v);
        sum += v * v;
    }
    lua_createtable(L, 0, 2);
    lua_pushnumber(L, peak); lua_setfield(L, -2, "peak");
    lua_pushnumber(L, frames ? sqrt(sum / (2.0 * (double)frames)) : 0); lua_setfield(L, -2, "rms");
    if (want) lua_pushlstring(L, (const char *)buf, sizeof(float) * 2 * (size_t)frames);
    free(buf);
    return want ? 2 : 1;
}

static const luaL_Reg core_funcs[] = {
    {"render", l_render},
    {"rate", l_rate}, {"live", l_live}, {"frame", l_frame}, {"lookahead", l_lookahead},
    {"params", l_params}, {"param_check", l_param_check},
    {"track_add", l_track_add}, {"track_remove", l_track_remove}, {"note", l_note}, {"param", l_param},
    {"release_all", l_release_all}, {"ccmap", l_ccmap}, {"note_target", l_note_target},
    {"meters", l_meters}, {"stats", l_stats}, {"quit", l_quit}, {"clock", l_clock},
    {"tempo", l_tempo_new}, {"midi_poll", l_midi_poll}, {NULL, NULL}};

static int open_core(lua_State *L) {
    lt_api_state *st = lua_touserdata(L, lua_upvalueindex(1));
    if (luaL_newmetatable(L, TEMPO_MT)) {
        luaL_newlib(L, tempo_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, t_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlibtable(L, core_funcs);
    lua_pushlightuserdata(L, st);
    luaL_setfuncs(L, core_funcs, 1);
    lua_pushstring(L, lt_vm_root());
    lua_setfield(L, -2, "root");
    return 1;
}

#if __has_include("bind_smf.h")
#include "bind_smf.h"
#define HAVE_SMF 1
#endif

void lt_api_open(lua_State *L, lt_api_state *st) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushlightuserdata(L, st);
    lua_pushcclosure(L, open_core, 1);
    lua_setfield(L, -2, "lute.core");
#ifdef HAVE_SMF
    lua_pushcfunction(L, lt_open_smf);
    lua_setfield(L, -2, "lute.smf");
#endif
    lua_pop(L, 1);
}

void lt_api_pump(lua_State *L, lt_api_state *st) {
    (void)L;
    lt_reply r;
    while (lt_engine_poll(st->engine, &r)) {
        switch (r.type) {
        case LT_REPLY_TRACK_FREE:
            lt_track_free(r.ptr);
            if (r.slot < LT_MAX_TRACKS) st->slot_busy[r.slot] = 0;
            break;
        case LT_REPLY_GUARD:
            if (st->guard_reports++ < 20)
                lt_message("lute: track in slot %d produced NaN/Inf at frame %lld; its voices were silenced",
                           r.slot, (long long)r.frame);
            break;
        case LT_REPLY_LATE:
            if (st->late_reports++ < 20)
                lt_message("lute: an event arrived %.0f frames late (frame %lld): the control thread was busy "
                           "or the lookahead (--lookahead) is too short", (double)r.a, (long long)r.frame);
            break;
        case LT_REPLY_OVERFLOW:
            lt_message("lute: the engine's event queue overflowed; an event was dropped");
            break;
        case LT_REPLY_METER: {
            int i = r.slot == LT_MASTER_SLOT ? LT_MAX_TRACKS : r.slot;
            if (i <= LT_MAX_TRACKS) { st->meter[i][0] = r.a; st->meter[i][1] = r.b; }
            break;
        }
        }
    }
}

void lt_api_advance(lua_State *L, lt_api_state *st, int64_t upto) {
    lt_api_pump(L, st);
    lt_api_tick(L, upto + st->lookahead);
}

int lt_api_tick(lua_State *L, int64_t upto_frame) {
    lua_getglobal(L, "lute");
    if (!lua_istable(L, -1)) { lua_pop(L, 1); return 0; }
    lua_getfield(L, -1, "_tick");
    lua_remove(L, -2);
    if (!lua_isfunction(L, -1)) { lua_pop(L, 1); return 0; }
    lua_pushinteger(L, upto_frame);
    if (lt_docall(L, 1, 0, 1000, 0) != LUA_OK) {
        lt_message("lute: scheduler error: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}
