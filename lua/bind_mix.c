/* bind_mix.c — the mix as the language declares it: `core.mix_begin()`, `core.mix_channel{…}` for
 * each track and bus, `core.mix_master{…}`, `core.mix_remove(name)`, `core.mix_commit(frame, full)`
 * (one evaluation, one transaction: graph/mix.h), and `core.mix_latency()`, `core.fx_units()`.
 * Thin, as Lua's own libraries are: check the tables, fill the C specs, call the mix, translate its
 * errors into Lua errors that name the channel and field. */
#include "bind_mix.h"
#include "bind_sample.h"
#include "graph/mix.h"
#include "graph/fx.h"
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PROGRAM_MT "lute.program"

static lt_api_state *state(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(1)); }

static const char *opt_string(lua_State *L, int t, const char *k, const char *def) {
    lua_getfield(L, t, k);
    const char *s = lua_isnil(L, -1) ? def : lua_tostring(L, -1);
    if (!s && !lua_isnil(L, -1)) luaL_error(L, "%s must be a string", k);
    lua_pop(L, 1);
    return s;
}

static double opt_number(lua_State *L, int t, const char *k, double def, const char *owner) {
    lua_getfield(L, t, k);
    double v = def;
    if (!lua_isnil(L, -1)) {
        if (!lua_isnumber(L, -1)) luaL_error(L, "'%s': %s must be a number, got %s", owner, k, luaL_typename(L, -1));
        v = lua_tonumber(L, -1);
        if (!isfinite(v)) luaL_error(L, "'%s': %s is %f; it must be a finite number", owner, k, v);
    }
    lua_pop(L, 1);
    return v;
}

static int opt_bool(lua_State *L, int t, const char *k, int def) {
    lua_getfield(L, t, k);
    int v = lua_isnil(L, -1) ? def : lua_toboolean(L, -1);
    if (lua_isnumber(L, -1)) v = lua_tonumber(L, -1) != 0;
    lua_pop(L, 1);
    return v;
}

static void copy_name(lua_State *L, char *dst, const char *src, const char *what) {
    size_t n = strlen(src);
    if (n >= LT_NAME_MAX) luaL_error(L, "%s '%s' is longer than %d characters", what, src, LT_NAME_MAX - 1);
    memcpy(dst, src, n + 1);
}

/* One effect: { type = "reverb", params = { size = 0.8 }, mix = 0.3, key = "k", keysrc = "kick" }. */
static void read_fx(lua_State *L, int t, lt_fx_spec *f, const char *owner, int index) {
    memset(f, 0, sizeof *f);
    const char *type = opt_string(L, t, "type", NULL);
    if (!type) luaL_error(L, "'%s': effect %d has no type", owner, index);
    f->def = lt_fx_find(type);
    if (!f->def) luaL_error(L, "'%s': unknown effect '%s'; help(\"effects\") lists them", owner, type);
    for (int k = 0; k < f->def->nparams; k++) f->params[k] = f->def->params[k].def;
    if (lua_getfield(L, t, "params") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            int k = lt_fx_param_index(f->def, name);
            if (k < 0) luaL_error(L, "'%s': %s has no parameter '%s'", owner, type, name);
            if (!lua_isnumber(L, -1)) luaL_error(L, "'%s': %s.%s must be a number, got %s", owner, type, name, luaL_typename(L, -1));
            double v = lua_tonumber(L, -1);
            const lt_fx_param *pd = &f->def->params[k];
            if (!(v >= pd->min && v <= pd->max))
                luaL_error(L, "'%s': %s.%s = %g is out of range (%g .. %g %s)", owner, type, name, v, (double)pd->min,
                           (double)pd->max, pd->unit);
            f->params[k] = (float)v;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    double mix = opt_number(L, t, "mix", -1, owner);
    if (mix != -1 && !(mix >= 0 && mix <= 1)) luaL_error(L, "'%s': %s mix = %g is out of range (0 .. 1)", owner, type, mix);
    f->mix = (float)mix;
    copy_name(L, f->key, opt_string(L, t, "key", ""), "an effect key");
    copy_name(L, f->keysrc, opt_string(L, t, "keysrc", ""), "a sidechain key source");
    if (f->keysrc[0] && !(f->def->flags & LT_FX_KEYED))
        luaL_error(L, "'%s': %s does not take a sidechain key (by = / key =)", owner, type);
    if (lua_getfield(L, t, "data") == LUA_TLIGHTUSERDATA) f->data = lua_touserdata(L, -1);
    lua_pop(L, 1);
    f->par = (int)opt_number(L, t, "par", 0, owner);
    f->branch = (int)opt_number(L, t, "branch", 0, owner);
    if (f->par < 0 || f->par > LT_MIX_MAX_FX || f->branch < 0 || f->branch >= LT_MIX_MAX_BRANCHES)
        luaL_error(L, "'%s': %s is in parallel group %d, branch %d (at most %d branches)", owner, type, f->par,
                   f->branch + 1, LT_MIX_MAX_BRANCHES);
    if (f->par && f->keysrc[0]) luaL_error(L, "'%s': %s inside parallel{} cannot take a sidechain key", owner, type);
}

static void read_chain(lua_State *L, int t, lt_fx_spec *fx, int *nfx, const char *owner) {
    *nfx = 0;
    if (lua_getfield(L, t, "fx") == LUA_TTABLE) {
        int n = (int)luaL_len(L, -1);
        if (n > LT_MIX_MAX_FX) luaL_error(L, "'%s': at most %d effects in a chain", owner, LT_MIX_MAX_FX);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, -1, i + 1);
            luaL_checktype(L, -1, LUA_TTABLE);
            read_fx(L, lua_gettop(L), &fx[i], owner, i + 1);
            lua_pop(L, 1);
        }
        *nfx = n;
    }
    lua_pop(L, 1);
}

/* One or two device channels, 1-based in Lua ({ 1 } or { 3, 4 }), from lo to hi: stored 0-based in
 * ch; returns how many (0 when the field is absent), raises an error naming the field otherwise. */
static int device_channels(lua_State *L, const char *field, int lo, int hi, int ch[2], const char *owner) {
    int n = 0;
    if (lua_getfield(L, 1, field) == LUA_TTABLE) {
        n = (int)luaL_len(L, -1);
        if (n < 1 || n > 2) luaL_error(L, "'%s': %s is one or two device channels, e.g. { %d } or { %d, %d }", owner, field, lo, lo, lo + 1);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, -1, i + 1);
            int isnum = 0;
            lua_Integer c = lua_tointegerx(L, -1, &isnum);
            if (!isnum || c < lo || c > hi)
                luaL_error(L, "'%s': %s channels are whole numbers %d .. %d", owner, field, lo, hi);
            ch[i] = (int)c - 1;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return n;
}

/* core.mix_channel{ name =, bus =, out =, program =, voices =, mono =, legato =, glide =,
 *                   controls = {name = value}, gain =, pan =, mute =, polarity =, width =, solo =,
 *                   solo_safe =, fx = {...}, sends = { {to =, gain =, pre =}, ... },
 *                   feedback = (a bus: heard a quantum late, so it may close a loop),
 *                   input = { 1 [, 2] } (device input channels, 1-based), monitor =,
 *                   outputs = { 3 [, 4] } (device outputs instead of out: a click for headphones) } */
static int l_mix_channel(lua_State *L) {
    lt_api_state *st = state(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lt_track_spec *t = lua_newuserdatauv(L, sizeof *t, 0);    /* large: kept off the C stack */
    memset(t, 0, sizeof *t);
    copy_name(L, t->name, opt_string(L, 1, "name", ""), "a track name");
    if (!t->name[0]) return luaL_error(L, "a channel needs a name");
    const char *owner = t->name;
    t->is_bus = opt_bool(L, 1, "bus", 0);
    t->feedback = t->is_bus && opt_bool(L, 1, "feedback", 0);
    copy_name(L, t->out, opt_string(L, 1, "out", ""), "an output");
    if (lua_getfield(L, 1, "program") != LUA_TNIL) {
        lt_program **u = luaL_testudata(L, -1, PROGRAM_MT);
        if (!u || !*u) return luaL_error(L, "'%s': program is not a compiled patch", owner);
        t->program = *u;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "kit") != LUA_TNIL) t->kit = lt_check_kit(L, lua_gettop(L));   /* the mix takes its own reference */
    lua_pop(L, 1);
    double voices = opt_number(L, 1, "voices", 8, owner);
    if (voices < 1 || voices > LT_POOL_MAX_VOICES || voices != floor(voices))
        return luaL_error(L, "'%s': voices = %g; it is a whole number 1 .. %d", owner, voices, LT_POOL_MAX_VOICES);
    t->pool.voices = (int)voices;
    t->pool.mono = opt_bool(L, 1, "mono", 0);
    t->pool.legato = opt_bool(L, 1, "legato", 0);
    t->pool.glide = (float)opt_number(L, 1, "glide", 0, owner);
    if (t->pool.glide < 0 || t->pool.glide > 10) return luaL_error(L, "'%s': glide = %g s is out of range (0 .. 10)", owner, (double)t->pool.glide);
    if (lua_getfield(L, 1, "controls") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING || !lua_isnumber(L, -1))
                return luaL_error(L, "'%s': controls are names with numbers", owner);
            if (t->ncontrols == LT_MIX_MAX_CONTROLS) return luaL_error(L, "'%s': at most %d controls", owner, LT_MIX_MAX_CONTROLS);
            snprintf(t->controls[t->ncontrols].name, LT_PROGRAM_NAME, "%s", lua_tostring(L, -2));
            t->controls[t->ncontrols++].value = (float)lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    t->gain = (float)opt_number(L, 1, "gain", 0, owner);
    t->pan = (float)opt_number(L, 1, "pan", 0, owner);
    t->width = (float)opt_number(L, 1, "width", 1, owner);
    if (t->gain < -120 || t->gain > 24) return luaL_error(L, "'%s': gain = %g dB is out of range (-120 .. 24)", owner, (double)t->gain);
    if (t->pan < -1 || t->pan > 1) return luaL_error(L, "'%s': pan = %g is out of range (-1 .. 1)", owner, (double)t->pan);
    if (t->width < 0 || t->width > 2) return luaL_error(L, "'%s': width = %g is out of range (0 .. 2)", owner, (double)t->width);
    t->mute = opt_bool(L, 1, "mute", 0);
    t->polarity = opt_bool(L, 1, "polarity", 0);
    t->solo = opt_bool(L, 1, "solo", 0);
    t->solo_safe = opt_bool(L, 1, "solo_safe", t->is_bus);
    read_chain(L, 1, t->fx, &t->nfx, owner);
    if (lua_getfield(L, 1, "sends") == LUA_TTABLE) {
        int n = (int)luaL_len(L, -1);
        if (n > LT_MIX_MAX_SENDS) return luaL_error(L, "'%s': at most %d sends", owner, LT_MIX_MAX_SENDS);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, -1, i + 1);
            int s = lua_gettop(L);
            copy_name(L, t->sends[i].to, opt_string(L, s, "to", ""), "a send's bus");
            t->sends[i].gain = (float)opt_number(L, s, "gain", 0, owner);
            if (t->sends[i].gain < -120 || t->sends[i].gain > 24)
                return luaL_error(L, "'%s': the send to '%s' is %g dB; it must be -120 .. 24", owner, t->sends[i].to, (double)t->sends[i].gain);
            t->sends[i].pre = opt_bool(L, s, "pre", 0);
            lua_pop(L, 1);
        }
        t->nsends = n;
    }
    lua_pop(L, 1);
    t->ninput = device_channels(L, "input", 1, LT_MAX_INPUTS, t->input, owner);
    t->monitor = opt_bool(L, 1, "monitor", t->ninput > 0);
    t->ndirect = device_channels(L, "outputs", 3, LT_MAX_OUTPUTS, t->direct, owner);   /* 1 and 2: the master's */
    char err[512];
    if (lt_mix_track(st->mix, t, err, sizeof err)) return luaL_error(L, "%s", err);
    return 0;
}

/* core.mix_master{ gain = dB, fx = {...} } */
static int l_mix_master(lua_State *L) {
    lt_api_state *st = state(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lt_master_spec *s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);
    s->gain = (float)opt_number(L, 1, "gain", 0, "master");
    if (s->gain < -120 || s->gain > 24) return luaL_error(L, "master: gain = %g dB is out of range (-120 .. 24)", (double)s->gain);
    read_chain(L, 1, s->fx, &s->nfx, "master");
    char err[512];
    if (lt_mix_master(st->mix, s, err, sizeof err)) return luaL_error(L, "%s", err);
    return 0;
}

static int l_mix_begin(lua_State *L) { lt_mix_begin(state(L)->mix); return 0; }
static int l_mix_abort(lua_State *L) { lt_mix_abort(state(L)->mix); return 0; }

static int l_mix_remove(lua_State *L) {
    char err[256];
    if (lt_mix_remove(state(L)->mix, luaL_checkstring(L, 1), err, sizeof err)) return luaL_error(L, "%s", err);
    return 0;
}

/* core.mix_commit(frame, full) -> { [name] = handle } of every live channel; an error changes nothing. */
static int l_mix_commit(lua_State *L) {
    lt_api_state *st = state(L);
    lua_Integer frame = luaL_checkinteger(L, 1);
    int full = lua_toboolean(L, 2);
    char err[512];
    if (lt_mix_commit(st->mix, frame, full, err, sizeof err)) return luaL_error(L, "%s", err);
    return 0;
}

static int l_mix_handle(lua_State *L) {
    lt_handle h = lt_mix_handle(state(L)->mix, luaL_checkstring(L, 1));
    if (h) lua_pushinteger(L, h); else lua_pushnil(L);
    return 1;
}

/* core.mix_inserts(name) -> { {type, key, by, handle, latency, mix, params = {name = value}}, ... } | nil */
static int l_mix_inserts(lua_State *L) {
    lt_api_state *st = state(L);
    lt_mix_insert *x = lua_newuserdatauv(L, sizeof *x * LT_MIX_MAX_FX, 0);
    int n = lt_mix_inserts(st->mix, luaL_checkstring(L, 1), x, LT_MIX_MAX_FX);
    if (n < 0) { lua_pushnil(L); return 1; }
    if (n > LT_MIX_MAX_FX) n = LT_MIX_MAX_FX;
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_createtable(L, 0, 7);
        lua_pushstring(L, x[i].def->name); lua_setfield(L, -2, "type");
        if (x[i].key[0]) { lua_pushstring(L, x[i].key); lua_setfield(L, -2, "key"); }
        if (x[i].keysrc[0]) { lua_pushstring(L, x[i].keysrc); lua_setfield(L, -2, "by"); }
        lua_pushinteger(L, x[i].handle); lua_setfield(L, -2, "handle");
        lua_pushinteger(L, x[i].latency); lua_setfield(L, -2, "latency");
        lua_pushnumber(L, x[i].mix >= 0 ? x[i].mix : x[i].def->mix_default); lua_setfield(L, -2, "mix");
        lua_createtable(L, 0, x[i].def->nparams);
        for (int k = 0; k < x[i].def->nparams; k++) { lua_pushnumber(L, x[i].params[k]); lua_setfield(L, -2, x[i].def->params[k].name); }
        lua_setfield(L, -2, "params");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_mix_latency(lua_State *L) {
    lt_api_state *st = state(L);
    if (lua_isnoneornil(L, 1)) lua_pushinteger(L, lt_mix_latency(st->mix));
    else lua_pushinteger(L, lt_mix_channel_latency(st->mix, luaL_checkstring(L, 1)));
    return 1;
}

/* core.fx_units() -> { {name, help, example, keyed, tail, params = { {name, min, max, default, unit,
 *                   smoothed, help}, ... }, mix = default}, ... } */
static int l_fx_units(lua_State *L) {
    lua_createtable(L, lt_fx_count, 0);
    for (int i = 0; i < lt_fx_count; i++) {
        const lt_fx_def *d = lt_fx_defs[i];
        lua_createtable(L, 0, 8);
        lua_pushstring(L, d->name); lua_setfield(L, -2, "name");
        lua_pushstring(L, d->help ? d->help : ""); lua_setfield(L, -2, "help");
        lua_pushstring(L, d->example ? d->example : ""); lua_setfield(L, -2, "example");
        lua_pushboolean(L, (d->flags & LT_FX_KEYED) != 0); lua_setfield(L, -2, "keyed");
        lua_pushboolean(L, (d->flags & LT_FX_NO_MIX) == 0); lua_setfield(L, -2, "has_mix");
        lua_pushnumber(L, d->mix_default); lua_setfield(L, -2, "mix");
        if (d->data_field) { lua_pushstring(L, d->data_field); lua_setfield(L, -2, "data_field"); }
        lua_createtable(L, d->nparams, 0);
        for (int k = 0; k < d->nparams; k++) {
            const lt_fx_param *p = &d->params[k];
            lua_createtable(L, 0, 7);
            lua_pushstring(L, p->name); lua_setfield(L, -2, "name");
            lua_pushnumber(L, p->min); lua_setfield(L, -2, "min");
            lua_pushnumber(L, p->max); lua_setfield(L, -2, "max");
            lua_pushnumber(L, p->def); lua_setfield(L, -2, "default");
            lua_pushstring(L, p->unit ? p->unit : ""); lua_setfield(L, -2, "unit");
            lua_pushboolean(L, p->smoothed); lua_setfield(L, -2, "smoothed");
            lua_pushstring(L, p->help ? p->help : ""); lua_setfield(L, -2, "help");
            lua_rawseti(L, -2, k + 1);
        }
        lua_setfield(L, -2, "params");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* core.sample(track, frame, index [, {speed, begin, end, loop, cut, gain, vel, pan, dur}]): one
 * sample of the track's kit at `frame` (score frames); dur in frames (0: the whole sample). */
static int l_sample(lua_State *L) {
    lt_api_state *st = state(L);
    lua_Integer h = luaL_checkinteger(L, 1);
    if (h <= 0 || !lt_mix_name(st->mix, (lt_handle)h)) return luaL_argerror(L, 1, "the track no longer exists");
    lt_cmd c = { .frame = luaL_checkinteger(L, 2), .type = LT_CMD_SAMPLE, .flags = LT_CMDF_SCHED, .node = (lt_handle)h };
    lua_Integer index = luaL_checkinteger(L, 3);
    luaL_argcheck(L, index >= 0 && index < 65536, 3, "a sample index is 0 .. 65535");
    c.u.smp.index = (uint16_t)index;
    c.u.smp.speed = 1; c.u.smp.begin = 0; c.u.smp.end = 1; c.u.smp.gain = 1; c.u.smp.vel = 1; c.u.smp.pan = 0;
    if (lua_istable(L, 4)) {
        const char *o = "sample";
        c.u.smp.speed = (float)opt_number(L, 4, "speed", 1, o);
        c.u.smp.begin = (float)opt_number(L, 4, "begin", 0, o);
        c.u.smp.end = (float)opt_number(L, 4, "end", 1, o);
        c.u.smp.gain = (float)opt_number(L, 4, "gain", 1, o);
        c.u.smp.vel = (float)opt_number(L, 4, "vel", 1, o);
        c.u.smp.pan = (float)opt_number(L, 4, "pan", 0, o);
        double dur = opt_number(L, 4, "dur", 0, o), cut = opt_number(L, 4, "cut", 0, o);
        c.u.smp.loop = (uint8_t)opt_bool(L, 4, "loop", 0);
        luaL_argcheck(L, dur >= 0 && dur < 2147483647.0, 4, "dur is 0 or more frames");
        luaL_argcheck(L, cut >= 0 && cut <= 255, 4, "cut is a choke group 0 .. 255");
        luaL_argcheck(L, c.u.smp.speed >= -64 && c.u.smp.speed <= 64, 4, "speed is -64 .. 64");
        luaL_argcheck(L, c.u.smp.pan >= -1 && c.u.smp.pan <= 1, 4, "pan is -1 .. 1");
        c.u.smp.dur = (int32_t)dur;
        c.u.smp.cut = (uint8_t)cut;
    }
    if (!lt_engine_send(st->engine, &c)) return luaL_error(L, "the engine's command queue is full; schedule less at once");
    return 0;
}

static const luaL_Reg mix_funcs[] = {
    {"sample", l_sample},
    {"mix_begin", l_mix_begin}, {"mix_channel", l_mix_channel}, {"mix_master", l_mix_master},
    {"mix_remove", l_mix_remove}, {"mix_commit", l_mix_commit}, {"mix_abort", l_mix_abort},
    {"mix_handle", l_mix_handle}, {"mix_latency", l_mix_latency}, {"mix_inserts", l_mix_inserts}, {"fx_units", l_fx_units}, {NULL, NULL}};

void lt_bind_mix(lua_State *L, lt_api_state *st) {
    lua_pushlightuserdata(L, st);
    luaL_setfuncs(L, mix_funcs, 1);
}
