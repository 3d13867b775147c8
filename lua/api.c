/* api.c — `lute.core`: the engine, the tempo map and the parameter table as seen from Lua.
 * Bindings follow Lua's own libraries: luaL_check* for arguments, luaL_argerror for bad values with
 * what would be right, userdata with a metatable for the tempo map. */
#include "api.h"
#include "vm.h"
#include "tempo.h"
#include "ring.h"
#include "midi.h"
#include "driver.h"
#include "params.h"
#include "bind_mix.h"
#include "graph/vop.h"
#include "io/input_file.h"
#include "bind_record.h"
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
        luaL_error(L, "the engine's command queue is full (more than %d events ahead); schedule less at once",
                   (int)lt_engine_send_space(st->engine));
}

/* A track handle from Lua: an integer the engine gave, still naming a track. */
static lt_handle check_track(lua_State *L, lt_api_state *st, int arg) {
    lua_Integer h = luaL_checkinteger(L, arg);
    if (h <= 0 || h > 0xFFFFFFFF || !lt_mix_name(st->mix, (lt_handle)h))
        luaL_argerror(L, arg, "the track no longer exists");
    return (lt_handle)h;
}

/* The built-in synth's parameter table (core/params.c): the controls of scripts/patches/synth.lua
 * plus the strip's gain and pan. */
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

/* ---- patch programs ---------------------------------------------------------------------------- */

#define PROGRAM_MT "lute.program"
typedef struct program_ud { lt_program *p; } program_ud;

static lt_program *check_program(lua_State *L, int arg) {
    program_ud *u = luaL_checkudata(L, arg, PROGRAM_MT);
    if (!u->p) luaL_argerror(L, arg, "the program was freed");
    return u->p;
}

static int program_gc(lua_State *L) {
    program_ud *u = luaL_checkudata(L, 1, PROGRAM_MT);
    if (u->p) { lt_program_unref(u->p); u->p = NULL; }   /* idempotent */
    return 0;
}

static int program_tostring(lua_State *L) {
    program_ud *u = luaL_checkudata(L, 1, PROGRAM_MT);
    if (!u->p) { lua_pushliteral(L, "program (freed)"); return 1; }
    lua_pushfstring(L, "program %p: %d ops, %d parameters, %d wires", (void *)u->p, u->p->nops, u->p->nparams, u->p->nwires);
    return 1;
}

static int program_hash(lua_State *L) {
    char buf[17];
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)check_program(L, 1)->hash);
    lua_pushstring(L, buf);
    return 1;
}

static int program_info(lua_State *L) {
    lt_program *p = check_program(L, 1);
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, p->nops); lua_setfield(L, -2, "ops");
    lua_pushinteger(L, p->nparams); lua_setfield(L, -2, "params");
    lua_pushinteger(L, p->nwires); lua_setfield(L, -2, "wires");
    lua_pushinteger(L, (lua_Integer)p->state_size); lua_setfield(L, -2, "state_bytes");
    lua_pushinteger(L, p->nout); lua_setfield(L, -2, "channels");
    lua_createtable(L, p->ncontrols, 0);
    for (int c = 0; c < p->ncontrols; c++) {
        lua_createtable(L, 0, 4);
        lua_pushstring(L, p->control_name[c]); lua_setfield(L, -2, "name");
        lua_pushnumber(L, p->param_default[c]); lua_setfield(L, -2, "default");
        lua_pushnumber(L, p->param_min[c]); lua_setfield(L, -2, "min");
        lua_pushnumber(L, p->param_max[c]); lua_setfield(L, -2, "max");
        lua_rawseti(L, -2, c + 1);
    }
    lua_setfield(L, -2, "controls");
    return 1;
}

static const luaL_Reg program_methods[] = { {"hash", program_hash}, {"info", program_info}, {NULL, NULL} };

static int arg_field_int(lua_State *L, int t, const char *k, lua_Integer def) {
    lua_getfield(L, t, k);
    lua_Integer v = lua_isnil(L, -1) ? def : (lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1);
    lua_pop(L, 1);
    return (int)v;
}

/* One argument of an op, from its table: {op = i, port = p} | {const = x} | {input = "freq"} |
 * {control = c}; op and control indices are 1-based. */
static void read_arg(lua_State *L, int t, lt_arg_desc *a, int nops, int ncontrols, const char *where) {
    memset(a, 0, sizeof *a);
    if (lua_getfield(L, t, "op") != LUA_TNIL) {
        lua_Integer i = lua_tointeger(L, -1);
        if (i < 1 || i > nops) luaL_error(L, "%s: op %d is outside 1 .. %d", where, (int)i, nops);
        a->kind = LT_ARG_OP;
        a->index = (uint16_t)(i - 1);
        a->port = (uint8_t)(arg_field_int(L, t, "port", 1) - 1);
    } else if (lua_getfield(L, t, "const") != LUA_TNIL) {
        a->kind = LT_ARG_CONST;
        a->value = (float)luaL_checknumber(L, -1);
        lua_pop(L, 1);
    } else if (lua_getfield(L, t, "input") != LUA_TNIL) {
        const char *name = lua_tostring(L, -1);
        int k;
        for (k = 0; k < LT_IN_COUNT; k++) if (name && strcmp(name, lt_voice_input_names[k]) == 0) break;
        if (k == LT_IN_COUNT) luaL_error(L, "%s: unknown voice input '%s' (freq, note, gate, vel, release_vel)", where, name ? name : "?");
        a->kind = LT_ARG_INPUT;
        a->index = (uint16_t)k;
        lua_pop(L, 2);
    } else if (lua_getfield(L, t, "control") != LUA_TNIL) {
        lua_Integer c = lua_tointeger(L, -1);
        if (c < 1 || c > ncontrols) luaL_error(L, "%s: control %d is outside 1 .. %d", where, (int)c, ncontrols);
        a->kind = LT_ARG_CONTROL;
        a->index = (uint16_t)(c - 1);
        lua_pop(L, 3);
    } else luaL_error(L, "%s: an argument is {op = i} or {const = x} or {input = name} or {control = c}", where);
    lua_pop(L, 1);
}

/* core.program{ ops = { {unit = "saw", opt = 0, data = {...}, args = {...}}, ... },
 *               controls = { {name =, default =, min =, max =}, ... }, out = { arg [, arg] } }
 * -> a program (lua/patch.lua builds the table from a patch function).  Errors name the unit. */
static int l_program(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    program_ud *u = lua_newuserdatauv(L, sizeof *u, 0);   /* made safe before anything is acquired */
    u->p = NULL;
    luaL_setmetatable(L, PROGRAM_MT);
    int ud = lua_gettop(L);
    lua_getfield(L, 1, "ops");
    int nops = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
    lua_getfield(L, 1, "controls");
    int ncontrols = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
    if (nops > LT_PROGRAM_MAX_OPS) return luaL_error(L, "a patch has at most %d units; this one has %d", LT_PROGRAM_MAX_OPS, nops);
    if (ncontrols > LT_PROGRAM_MAX_PARAMS) return luaL_error(L, "a patch has at most %d controls", LT_PROGRAM_MAX_PARAMS);
    /* scratch memory anchored in the stack, so an error cannot leak it */
    lt_op_desc *ops = lua_newuserdatauv(L, sizeof *ops * (size_t)(nops ? nops : 1), 0);
    lt_control_desc *ctl = lua_newuserdatauv(L, sizeof *ctl * (size_t)(ncontrols ? ncontrols : 1), 0);
    memset(ops, 0, sizeof *ops * (size_t)(nops ? nops : 1));
    int opst = ud + 1, ctlt = ud + 2;
    for (int c = 0; c < ncontrols; c++) {
        lua_rawgeti(L, ctlt, c + 1);
        int t = lua_gettop(L);
        lua_getfield(L, t, "name");
        const char *name = lua_tostring(L, -1);
        if (!name || !*name || strlen(name) >= LT_PROGRAM_NAME) return luaL_error(L, "control %d needs a name of 1 to %d characters", c + 1, LT_PROGRAM_NAME - 1);
        snprintf(ctl[c].name, sizeof ctl[c].name, "%s", name);
        lua_getfield(L, t, "default"); ctl[c].def = (float)luaL_optnumber(L, -1, 0);
        lua_getfield(L, t, "min"); ctl[c].min = (float)luaL_optnumber(L, -1, -HUGE_VAL);
        lua_getfield(L, t, "max"); ctl[c].max = (float)luaL_optnumber(L, -1, HUGE_VAL);
        lua_settop(L, t - 1);
    }
    for (int i = 0; i < nops; i++) {
        lua_rawgeti(L, opst, i + 1);
        int t = lua_gettop(L);
        char where[64];
        lua_getfield(L, t, "unit");
        const char *unit = lua_tostring(L, -1);
        snprintf(where, sizeof where, "unit %d (%s)", i + 1, unit ? unit : "?");
        ops[i].def = unit ? lt_vop_find(unit) : NULL;
        if (!ops[i].def) return luaL_error(L, "unknown unit '%s'; help(\"units\") lists them", unit ? unit : "?");
        lua_pop(L, 1);
        if (lua_getfield(L, t, "opt") != LUA_TNIL) ops[i].opt = (int)luaL_checkinteger(L, -1);
        lua_pop(L, 1);
        if (lua_getfield(L, t, "data") == LUA_TTABLE) {
            int n = (int)luaL_len(L, -1);
            float *d = lua_newuserdatauv(L, sizeof(float) * (size_t)(n ? n : 1), 0);
            lua_setfield(L, t, "_data");   /* anchored in the op table, which the desc table anchors */
            for (int k = 0; k < n; k++) { lua_rawgeti(L, -1, k + 1); d[k] = (float)lua_tonumber(L, -1); lua_pop(L, 1); }
            ops[i].data = d;
            ops[i].ndata = n;
        }
        lua_pop(L, 1);
        lua_getfield(L, t, "args");
        int nargs = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
        if (nargs > LT_VOP_MAX_IN) return luaL_error(L, "%s: at most %d inputs", where, LT_VOP_MAX_IN);
        ops[i].nargs = nargs;
        for (int k = 0; k < nargs; k++) {
            lua_rawgeti(L, -1, k + 1);
            if (!lua_istable(L, -1)) return luaL_error(L, "%s: argument %d is not a table", where, k + 1);
            read_arg(L, lua_gettop(L), &ops[i].args[k], nops, ncontrols, where);
            lua_pop(L, 1);
        }
        lua_settop(L, t - 1);
    }
    lt_program_desc d = { nops, ops, ncontrols, ctl, 0, {{0}} };
    lua_getfield(L, 1, "out");
    d.nout = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
    if (d.nout < 1 || d.nout > 2) return luaL_error(L, "a patch returns one signal (mono) or two (stereo), got %d", d.nout);
    for (int k = 0; k < d.nout; k++) {
        lua_rawgeti(L, -1, k + 1);
        read_arg(L, lua_gettop(L), &d.out[k], nops, ncontrols, "the patch's output");
        lua_pop(L, 1);
    }
    lt_prog_error err;
    lt_program *p = lt_program_compile(&d, &err);
    if (!p) return luaL_error(L, "%s", err.msg);
    u->p = p;
    lua_settop(L, ud);
    return 1;
}

/* core.units() -> { {name, signature, help, example, inputs = {...}, min_in, max_in, outputs,
 *                     options = {...}, envelope = bool}, ... } in the registry's order. */
static int l_units(lua_State *L) {
    lua_createtable(L, lt_vop_count, 0);
    for (int i = 0; i < lt_vop_count; i++) {
        const lt_vop_def *d = lt_vop_defs[i];
        lua_createtable(L, 0, 10);
        lua_pushstring(L, d->name); lua_setfield(L, -2, "name");
        lua_pushstring(L, d->signature ? d->signature : d->name); lua_setfield(L, -2, "signature");
        lua_pushstring(L, d->help ? d->help : ""); lua_setfield(L, -2, "help");
        lua_pushstring(L, d->example ? d->example : ""); lua_setfield(L, -2, "example");
        lua_pushinteger(L, d->min_in); lua_setfield(L, -2, "min_in");
        lua_pushinteger(L, d->max_in); lua_setfield(L, -2, "max_in");
        lua_pushinteger(L, d->n_out); lua_setfield(L, -2, "outputs");
        lua_pushboolean(L, (d->flags & LT_VOP_ENV) != 0); lua_setfield(L, -2, "envelope");
        lua_createtable(L, d->max_in, 0);
        for (int k = 0; k < d->max_in; k++) {
            lua_createtable(L, 0, 4);
            lua_pushstring(L, d->in_names && d->in_names[k] ? d->in_names[k] : "input"); lua_setfield(L, -2, "name");
            if (d->in_default) { lua_pushnumber(L, d->in_default[k]); lua_setfield(L, -2, "default"); }
            if (d->in_min) { lua_pushnumber(L, d->in_min[k]); lua_setfield(L, -2, "min"); }
            if (d->in_max) { lua_pushnumber(L, d->in_max[k]); lua_setfield(L, -2, "max"); }
            lua_rawseti(L, -2, k + 1);
        }
        lua_setfield(L, -2, "inputs");
        lua_newtable(L);
        if (d->options) for (int k = 0; d->options[k]; k++) { lua_pushstring(L, d->options[k]); lua_rawseti(L, -2, k + 1); }
        lua_setfield(L, -2, "options");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* ---- tracks ------------------------------------------------------------------------------------ */

/* Fills a track spec from (name, voices, {param = value}, program [, opts]): parameters of the
 * strip (gain, pan, mute) go to the strip, the rest are the patch's controls. */
static void read_track(lua_State *L, lt_track_spec *t, int name_arg) {
    size_t len;
    const char *name = luaL_checklstring(L, name_arg, &len);
    luaL_argcheck(L, len > 0 && len < LT_NAME_MAX, name_arg, "a track name is 1 to 31 characters");
    memset(t, 0, sizeof *t);
    memcpy(t->name, name, len);
    lua_Integer voices = luaL_optinteger(L, name_arg + 1, 8);
    luaL_argcheck(L, voices >= 1 && voices <= LT_POOL_MAX_VOICES, name_arg + 1, "voices must be 1 .. 4096");
    t->pool.voices = (int)voices;
    t->gain = lt_params[LT_P_GAIN].def;
    t->pan = 0;
    if (lua_istable(L, name_arg + 2)) {
        lua_pushnil(L);
        while (lua_next(L, name_arg + 2)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            if (!k) luaL_error(L, "track '%s': parameter names are strings", t->name);
            float v = (float)luaL_checknumber(L, -1);
            if (strcmp(k, "gain") == 0) t->gain = v;
            else if (strcmp(k, "pan") == 0) t->pan = v;
            else if (strcmp(k, "mute") == 0) t->mute = v != 0;
            else {
                if (t->ncontrols == LT_MIX_MAX_CONTROLS) luaL_error(L, "track '%s': at most %d controls", t->name, LT_MIX_MAX_CONTROLS);
                snprintf(t->controls[t->ncontrols].name, LT_PROGRAM_NAME, "%s", k);
                t->controls[t->ncontrols++].value = v;
            }
            lua_pop(L, 1);
        }
    }
    if (!lua_isnoneornil(L, name_arg + 3)) t->program = check_program(L, name_arg + 3);
    if (lua_istable(L, name_arg + 4)) {
        int o = name_arg + 4;
        t->pool.mono = arg_field_int(L, o, "mono", 0) != 0;
        lua_getfield(L, o, "mono"); if (lua_isboolean(L, -1)) t->pool.mono = lua_toboolean(L, -1); lua_pop(L, 1);
        lua_getfield(L, o, "legato"); if (lua_isboolean(L, -1)) t->pool.legato = lua_toboolean(L, -1); lua_pop(L, 1);
        lua_getfield(L, o, "glide"); if (lua_isnumber(L, -1)) t->pool.glide = (float)lua_tonumber(L, -1); lua_pop(L, 1);
    }
}

/* core.track_add(name, voices, {param = value, ...}, program [, {mono, legato, glide}]) -> handle.
 * Declares (or updates) one track at once; the language's reconcile uses core.mix_* for a whole
 * evaluation. */
static int l_track_add(lua_State *L) {
    lt_api_state *st = state(L);
    lt_track_spec *t = lua_newuserdatauv(L, sizeof *t, 0);   /* large: kept off the C stack */
    char err[256];
    read_track(L, t, 1);
    lt_mix_begin(st->mix);
    if (lt_mix_track(st->mix, t, err, sizeof err) || lt_mix_commit(st->mix, 0, 0, err, sizeof err))
        return luaL_error(L, "%s", err);
    lua_pushinteger(L, lt_mix_handle(st->mix, t->name));
    return 1;
}

static int l_track_remove(lua_State *L) {
    lt_api_state *st = state(L);
    lt_handle h = check_track(L, st, 1);
    char err[256];
    lt_mix_begin(st->mix);
    if (lt_mix_remove(st->mix, lt_mix_name(st->mix, h), err, sizeof err) ||
        lt_mix_commit(st->mix, luaL_optinteger(L, 2, 0), 0, err, sizeof err))
        return luaL_error(L, "%s", err);
    return 0;
}

/* core.note(track, on_frame, off_frame, note, vel [, pan]) */
static int l_note(lua_State *L) {
    lt_api_state *st = state(L);
    lt_handle h = check_track(L, st, 1);
    lua_Integer on = luaL_checkinteger(L, 2), off = luaL_checkinteger(L, 3);
    lua_Number note = luaL_checknumber(L, 4), vel = luaL_optnumber(L, 5, 0.8);
    luaL_argcheck(L, note >= -24 && note <= 151, 4, lua_pushfstring(L, "note %f is outside -24 .. 151", note));
    luaL_argcheck(L, vel >= 0 && vel <= 1, 5, lua_pushfstring(L, "velocity %f is outside 0 .. 1", vel));
    lt_cmd c = {.frame = on, .type = LT_CMD_NOTE, .flags = LT_CMDF_SCHED, .node = h};
    c.u.note.note = (float)note;
    c.u.note.vel = (float)vel;
    c.u.note.dur = (int32_t)(off > on ? (off - on > INT32_MAX ? INT32_MAX : off - on) : 1);
    if (!lua_isnoneornil(L, 6)) {
        lua_Number pan = luaL_checknumber(L, 6);
        luaL_argcheck(L, pan >= -1 && pan <= 1, 6, lua_pushfstring(L, "pan %f is outside -1 .. 1", pan));
        c.u.note.pan = (float)pan;
        c.flags |= LT_CMDF_PANNED;
    }
    send(L, st, &c);
    return 0;
}

/* core.param(track | "master", frame, name, value [, ramp_frames]): the value glides there over
 * ramp_frames (automation segments); without it, over the parameter's own smoothing time. */
static int l_param(lua_State *L) {
    lt_api_state *st = state(L);
    int master = lua_type(L, 1) == LUA_TSTRING && strcmp(lua_tostring(L, 1), "master") == 0;
    lua_Integer frame = luaL_checkinteger(L, 2);
    const char *name = luaL_checkstring(L, 3);
    float v = (float)luaL_checknumber(L, 4);
    char err[512];
    if (master) {
        luaL_argcheck(L, strcmp(name, "gain") == 0, 3, "the master has only 'gain'");
        int id = check_param(L, 3);
        v = check_param_value(L, id, 4);
        /* the master is always there; it has the handle lt_mix gave it first */
        lt_cmd c = {.frame = frame, .type = LT_CMD_PARAM, .flags = LT_CMDF_SCHED, .node = (1u << 16) | 1u};
        c.u.param.index = LT_STRIP_GAIN;
        c.u.param.value = v;
        c.u.param.ramp = -1;
        send(L, st, &c);
        return 0;
    }
    lt_handle h = check_track(L, st, 1);
    if (lt_param_find(name) >= 0) v = check_param_value(L, lt_param_find(name), 4);
    lua_Integer ramp = luaL_optinteger(L, 5, -1);
    luaL_argcheck(L, ramp >= -1 && ramp <= INT32_MAX, 5, "ramp is a number of frames");
    if (lt_mix_param(st->mix, h, name, frame, v, (int32_t)ramp, err, sizeof err)) return luaL_error(L, "%s", err);
    return 0;
}

static int l_param_check(lua_State *L) {
    int id = check_param(L, 1);
    lua_pushnumber(L, check_param_value(L, id, 2));
    return 1;
}

static int l_release_all(lua_State *L) {
    lt_api_state *st = state(L);
    lt_cmd c = {.frame = luaL_optinteger(L, 2, 0), .flags = LT_CMDF_SCHED};
    if (lua_isnoneornil(L, 1)) c.type = LT_CMD_RELEASE_ALL;
    else { c.type = LT_CMD_RELEASE; c.node = check_track(L, st, 1); }
    send(L, st, &c);
    return 0;
}

/* core.take_attach(h, writer, latency_frames [, frame [, base]]): from `frame` the engine records the
 * track's input into the take (lute.take writer), latency_frames earlier than it arrives (what the
 * player heard), its frames counted from score frame `base` (the song's first bar).  core.take_detach(h [, frame]): it stops; the writer can be closed once writer:lent() is
 * false (the audio thread handed it back). */
static int l_take_attach(lua_State *L) {
    lt_api_state *st = state(L);
    lt_handle h = check_track(L, st, 1);
    lua_Integer lat = luaL_checkinteger(L, 3);
    luaL_argcheck(L, lat >= 0 && lat < 10 * 48000 * 4, 3, "the latency is a number of frames, 0 .. a few seconds");
    lt_cmd c = {.frame = luaL_optinteger(L, 4, 0), .type = LT_CMD_TAKE, .flags = LT_CMDF_SCHED, .node = h};
    c.u.take.take = lt_take_lend(L, 2, NULL);
    c.u.take.latency = (int32_t)lat;
    c.u.take.base = luaL_optinteger(L, 5, 0);
    if (!lt_engine_send(st->engine, &c)) {
        lt_take_returned(c.u.take.take);
        return luaL_error(L, "the engine's command queue is full");
    }
    return 0;
}

static int l_take_detach(lua_State *L) {
    lt_api_state *st = state(L);
    lt_handle h = check_track(L, st, 1);
    lt_cmd c = {.frame = luaL_optinteger(L, 2, 0), .type = LT_CMD_TAKE, .flags = LT_CMDF_SCHED, .node = h};
    send(L, st, &c);
    return 0;
}

/* core.guard(on [, ceiling_db]): the speaker guard at the output (live: on at 0 dBFS unless
 * --no-guard; master { ceiling = } moves it). */
static int l_guard(lua_State *L) {
    lt_api_state *st = state(L);
    double db = luaL_optnumber(L, 2, 0);
    luaL_argcheck(L, db >= -40 && db <= 0, 2, "the ceiling is -40 .. 0 dBFS");
    lt_cmd c = {.frame = 0, .type = LT_CMD_GUARD};
    c.u.guard.on = lua_toboolean(L, 1);
    c.u.guard.ceiling = (float)pow(10.0, db / 20.0);
    send(L, st, &c);
    return 0;
}

/* core.script_dir() -> the folder of the script being played (".": none yet). */
static int l_script_dir(lua_State *L) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, "lute.script_dir") != LUA_TSTRING) { lua_pop(L, 1); lua_pushstring(L, "."); }
    return 1;
}

/* core.outputs() -> the device's output channels (2 offline: the render is the master). */
static int l_outputs(lua_State *L) {
    lua_pushinteger(L, lt_engine_outputs(state(L)->engine));
    return 1;
}

/* core.inputs() -> channels, roundtrip frames: the device input lute reads (0 without one). */
static int l_inputs(lua_State *L) {
    lt_api_state *st = state(L);
    lua_pushinteger(L, st->inputs);
    lua_pushinteger(L, st->roundtrip);
    return 2;
}

/* core.input_file(path | nil): offline, a file as the device input (lute render --input). */
static int l_input_file(lua_State *L) {
    lt_api_state *st = state(L);
    luaL_argcheck(L, !st->live, 1, "a file as the input is for offline renders");
    if (st->input_file) { lt_input_file_close(st->engine, st->input_file); st->input_file = NULL; st->inputs = 0; }
    if (lua_isnoneornil(L, 1)) return 0;
    char err[512];
    st->input_file = lt_input_file_open(st->engine, luaL_checkstring(L, 1), lt_engine_rate(st->engine), err, sizeof err);
    if (!st->input_file) return luaL_error(L, "%s", err);
    st->inputs = lt_input_file_channels(st->input_file);
    return 0;
}

static int l_panic(lua_State *L) {
    lt_api_state *st = state(L);
    lt_cmd c = {.frame = 0, .type = LT_CMD_PANIC};
    send(L, st, &c);
    return 0;
}

/* core.horizon(score_frame, bar_frames): the scheduler has sent everything before score_frame
 * (live; the flywheel's cue).  core.horizon(-1) turns the flywheel off. */
static int l_horizon(lua_State *L) {
    lt_api_state *st = state(L);
    lt_cmd c = {.frame = 0, .type = LT_CMD_HORIZON};
    c.u.fly.horizon = luaL_checkinteger(L, 1);
    c.u.fly.period = (int32_t)luaL_optinteger(L, 2, 0);
    send(L, st, &c);
    return 0;
}

/* core.ccmap(index, cc, channel, track, param, min, max, curve) ; cc = -1 clears the map */
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
        lt_handle h = check_track(L, st, 4), node;
        int pindex;
        float lo, hi;
        char err[512];
        if (lt_mix_resolve(st->mix, h, luaL_checkstring(L, 5), &node, &pindex, &lo, &hi, err, sizeof err))
            return luaL_error(L, "%s", err);
        c.u.cc.map.cc = (int16_t)cc;
        c.u.cc.map.channel = (int16_t)ch;
        c.u.cc.map.node = node;
        c.u.cc.map.param = (uint16_t)pindex;
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

/* core.midi_in(frame, status, data1 [, data2]): a channel message into the engine as the MIDI thread
 * sends it (lt_engine_midi), for tests and tools offline; false when the ring is full. */
static int l_midi_in(lua_State *L) {
    lt_api_state *st = state(L);
    lua_Integer frame = luaL_checkinteger(L, 1);
    uint8_t msg[3];
    int n = lua_gettop(L) - 1;
    luaL_argcheck(L, n >= 2 && n <= 3, 2, "a channel message: status, data1 [, data2]");
    for (int i = 0; i < n; i++) {
        lua_Integer b = luaL_checkinteger(L, i + 2);
        luaL_argcheck(L, b >= 0 && b <= 255, i + 2, "a byte");
        msg[i] = (uint8_t)b;
    }
    lua_pushboolean(L, lt_engine_midi(st->engine, frame, msg, n));
    return 1;
}

static int l_note_target(lua_State *L) {
    lt_api_state *st = state(L);
    lt_cmd c = {.frame = 0, .type = LT_CMD_NOTE_TARGET};
    c.node = lua_isnoneornil(L, 1) ? 0 : check_track(L, st, 1);
    send(L, st, &c);
    return 0;
}

double lt_meter_shortterm(const lt_meter *m) {
    if (!m || m->ks_n == 0) return -HUGE_VAL;
    double sum = 0;
    for (int i = 0; i < m->ks_n; i++) sum += m->ks[i];
    double ms = sum / m->ks_n;
    return ms > 0 ? -0.691 + 10.0 * log10(ms) : -HUGE_VAL;
}

static double ks_mean(const lt_meter *m, int k) {
    double sum = 0;
    for (int i = 1; i <= k; i++) sum += m->ks[(m->ks_pos - i + LT_METER_HISTORY) % LT_METER_HISTORY];
    return sum / k;
}

double lt_meter_momentary(const lt_meter *m) {
    if (!m || m->ks_n < 8) return -HUGE_VAL;
    double ms = ks_mean(m, 8);
    return ms > 0 ? -0.691 + 10.0 * log10(ms) : -HUGE_VAL;
}

/* A 400 ms block every second reading (100 ms: 75 % overlap, as BS.1770) into a histogram. */
static void gate_add(lt_meter *m) {
    lt_gating *g = m->gating;
    if (!g || m->ks_n < 8 || ++g->step < 2) return;
    g->step = 0;
    double z = ks_mean(m, 8);
    if (!(z > 0)) return;
    double l = -0.691 + 10.0 * log10(z);
    if (l <= -70.0) return;
    int b = (int)floor((l + 70.0) * 10.0);
    if (b >= LT_GATE_BINS) b = LT_GATE_BINS - 1;
    g->e[b] += z;
    g->n[b]++;
}

double lt_meter_integrated(const lt_meter *m) {
    const lt_gating *g = m ? m->gating : NULL;
    if (!g) return -HUGE_VAL;
    double e = 0;
    uint64_t n = 0;
    for (int b = 0; b < LT_GATE_BINS; b++) { e += g->e[b]; n += g->n[b]; }
    if (!n) return -HUGE_VAL;
    double rel = -0.691 + 10.0 * log10(e / (double)n) - 10.0;
    e = 0; n = 0;
    for (int b = 0; b < LT_GATE_BINS; b++) if (-70.0 + b / 10.0 >= rel - 0.05) { e += g->e[b]; n += g->n[b]; }
    return n ? -0.691 + 10.0 * log10(e / (double)n) : -HUGE_VAL;
}

static void push_meter(lua_State *L, const lt_meter *m) {
    lua_createtable(L, 2, 4);
    lua_pushnumber(L, m ? m->peak_l : 0); lua_rawseti(L, -2, 1);
    lua_pushnumber(L, m ? m->peak_r : 0); lua_rawseti(L, -2, 2);
    lua_pushnumber(L, m ? m->rms : 0); lua_setfield(L, -2, "rms");
    lua_pushnumber(L, lt_meter_shortterm(m)); lua_setfield(L, -2, "lufs");
    lua_pushnumber(L, lt_meter_momentary(m)); lua_setfield(L, -2, "momentary");
    if (m && m->gating) { lua_pushnumber(L, lt_meter_integrated(m)); lua_setfield(L, -2, "integrated"); }
    if (m && m->gating) {   /* the master: the output's true peak (dBTP, once measured) and correlation */
        if (m->true_peak >= 0) {
            lua_pushnumber(L, m->true_peak > 1e-10f ? 20.0 * log10(m->true_peak) : -HUGE_VAL);
            lua_setfield(L, -2, "truepeak");
        }
        lua_pushnumber(L, m->correlation); lua_setfield(L, -2, "correlation");
    }
}

/* core.meters() -> { master = {l, r, rms =, lufs =} }: the master's peaks of the last ~50 ms, RMS
 * and short-term loudness. */
static int l_meters(lua_State *L) {
    lt_api_state *st = state(L);
    lt_engine_meter_true_peak(st->engine);   /* someone looks: measure the true peak from now on */
    lua_newtable(L);
    push_meter(L, st->meter[0]);
    lua_setfield(L, -2, "master");
    return 1;
}

/* core.meter(handle) -> {l, r, rms =, lufs =, reduction =} for a channel (or an effect, whose
 * reduction is its gain reduction in dB). */
static int l_meter(lua_State *L) {
    lt_api_state *st = state(L);
    lua_Integer h = luaL_checkinteger(L, 1);
    if (h <= 0) lt_engine_meter_true_peak(st->engine);
    const lt_meter *m = h > 0 ? st->meter[LT_HANDLE_INDEX((lt_handle)h)] : st->meter[0];
    push_meter(L, m);
    lua_pushnumber(L, m ? m->reduction : 0);
    lua_setfield(L, -2, "reduction");
    return 1;
}

static int l_stats(lua_State *L) {
    lt_api_state *st = state(L);
    lt_engine_stats s;
    lt_engine_get_stats(st->engine, &s);
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, s.late_events); lua_setfield(L, -2, "late");
    lua_pushinteger(L, s.dropped_events); lua_setfield(L, -2, "dropped");
    lua_pushinteger(L, s.stale_events); lua_setfield(L, -2, "stale");
    lua_pushinteger(L, s.guard_trips); lua_setfield(L, -2, "guard");
    lua_pushinteger(L, s.flywheel_turns); lua_setfield(L, -2, "flywheel");
    lua_pushinteger(L, s.limiter_blocks); lua_setfield(L, -2, "limited");
    lua_pushinteger(L, lt_mix_tracks(st->mix)); lua_setfield(L, -2, "tracks");
    lua_pushinteger(L, lt_mix_nodes(st->mix)); lua_setfield(L, -2, "nodes");
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
    {"program", l_program}, {"units", l_units},
    {"track_add", l_track_add}, {"track_remove", l_track_remove}, {"note", l_note}, {"param", l_param},
    {"release_all", l_release_all}, {"panic", l_panic}, {"horizon", l_horizon},
    {"ccmap", l_ccmap}, {"note_target", l_note_target}, {"midi_in", l_midi_in},
    {"meters", l_meters}, {"meter", l_meter}, {"stats", l_stats}, {"quit", l_quit}, {"clock", l_clock},
    {"tempo", l_tempo_new}, {"midi_poll", l_midi_poll},
    {"take_attach", l_take_attach}, {"take_detach", l_take_detach}, {"inputs", l_inputs}, {"outputs", l_outputs}, {"input_file", l_input_file},
    {"script_dir", l_script_dir}, {"guard", l_guard},
    {NULL, NULL}};

static int open_core(lua_State *L) {
    lt_api_state *st = lua_touserdata(L, lua_upvalueindex(1));
    if (luaL_newmetatable(L, TEMPO_MT)) {
        luaL_newlib(L, tempo_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, t_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, PROGRAM_MT)) {
        luaL_newlib(L, program_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, program_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, program_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlibtable(L, core_funcs);
    lua_pushlightuserdata(L, st);
    luaL_setfuncs(L, core_funcs, 1);
    lt_bind_mix(L, st);
    lua_pushstring(L, lt_vm_root());
    lua_setfield(L, -2, "root");
    lua_pushinteger(L, LT_QUANTUM);
    lua_setfield(L, -2, "quantum");
    lua_pushnumber(L, HUGE_VAL);            /* no fixed limit: LT_MAX_NODES nodes in all */
    lua_setfield(L, -2, "max_tracks");
    lua_pushstring(L, lt_isa_name(lt_isa()));
    lua_setfield(L, -2, "isa");
    return 1;
}

#if __has_include("bind_smf.h")
#include "bind_smf.h"
#define HAVE_SMF 1
#endif
#include "bind_sample.h"
#if __has_include("bind_record.h")
#include "bind_record.h"
#define HAVE_RECORD 1
#endif

#include "bind_fx.h"

void lt_api_open(lua_State *L, lt_api_state *st) {
    lt_fx_preload(L);   /* lute.fxdefs: the effects for lua/fx.lua */
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushlightuserdata(L, st);
    lua_pushcclosure(L, open_core, 1);
    lua_setfield(L, -2, "lute.core");
#ifdef HAVE_SMF
    lua_pushcfunction(L, lt_open_smf);
    lua_setfield(L, -2, "lute.smf");
#endif
    lua_pushcfunction(L, lt_open_sample);
    lua_setfield(L, -2, "lute.sample");
#ifdef HAVE_RECORD
    lua_pushcfunction(L, lt_open_take);
    lua_setfield(L, -2, "lute.take");
    lua_pushcfunction(L, lt_open_edit);
    lua_setfield(L, -2, "lute.edit");
#endif
    lua_pop(L, 1);
}

int lt_api_init(lt_api_state *st, int rate, int live, int lookahead_ms) {
    memset(st, 0, sizeof *st);
    lt_engine_config ec = {.sample_rate = rate};
    st->engine = lt_engine_new(&ec);
    st->meter = calloc(LT_MAX_NODES + 1, sizeof *st->meter);
    if (!st->engine || !st->meter) return -1;
    st->mix = lt_mix_new(st->engine);
    if (!st->mix) return -1;
    st->live = live;
    st->lookahead = (int64_t)lookahead_ms * rate / 1000;
    return 0;
}

void lt_api_close(lt_api_state *st) {
    /* a file standing in for the device input (lute render --input, core.input_file): the engine
     * reads it, so it goes before the engine does */
    if (st->input_file && st->engine) lt_input_file_close(st->engine, st->input_file);
    st->input_file = NULL;
    if (st->mix) lt_mix_free(st->mix);
    if (st->engine) lt_engine_free(st->engine);
    if (st->meter) for (int i = 0; i <= LT_MAX_NODES; i++) { if (st->meter[i]) free(st->meter[i]->gating); free(st->meter[i]); }
    free(st->meter);
    st->mix = NULL;
    st->engine = NULL;
    st->meter = NULL;
}

void lt_api_pump(lua_State *L, lt_api_state *st) {
    (void)L;
    lt_reply r;
    while (lt_engine_poll(st->engine, &r)) {
        switch (r.type) {
        case LT_REPLY_GUARD:
            if (st->guard_reports++ < 20)
                lt_message("lute: track '%s' produced NaN or infinity at frame %lld; its voices and effects were cleared",
                           lt_mix_name(st->mix, r.node) ? lt_mix_name(st->mix, r.node) : "?", (long long)r.frame);
            break;
        case LT_REPLY_LATE:
            if (st->late_reports++ < 20)
                lt_message("lute: an event arrived %.0f frames late (frame %lld): the control thread was busy "
                           "or the lookahead (--lookahead) is too short", (double)r.a, (long long)r.frame);
            break;
        case LT_REPLY_OVERFLOW:
            lt_message("lute: the engine's event queue overflowed; an event was dropped");
            break;
        case LT_REPLY_STALE:
            st->stale_reports++;     /* counted (core.stats().stale); a removed track's events, not an error */
            break;
        case LT_REPLY_LIMIT:
            if (st->limit_reports++ < 20)
                lt_message("lute: the speaker guard held the output under its ceiling (%.1f dB of reduction): "
                           "lower a gain, or add a limiter to the master", (double)r.a);
            break;
        case LT_REPLY_FLYWHEEL:
            if (r.b <= 1.0f && st->flywheel_reports++ < 20)
                lt_message("lute: the control thread fell behind; the engine repeats the last bar until it "
                           "catches up (the music plays on)");
            break;
        case LT_REPLY_METER:
        case LT_REPLY_REDUCTION: {
            int i = (int)LT_HANDLE_INDEX(r.node);
            if (!st->meter[i] && !(st->meter[i] = calloc(1, sizeof(lt_meter)))) break;
            lt_meter *m = st->meter[i];
            if (r.type == LT_REPLY_REDUCTION) { m->reduction = r.a; break; }
            m->peak_l = r.a; m->peak_r = r.b; m->rms = r.c;
            m->ks[m->ks_pos] = r.d;
            m->ks_pos = (m->ks_pos + 1) % LT_METER_HISTORY;
            if (m->ks_n < LT_METER_HISTORY) m->ks_n++;
            if (i == 0 && !m->gating) m->gating = calloc(1, sizeof *m->gating);
            gate_add(m);
            break;
        }
        case LT_REPLY_TAKE_DONE: lt_take_returned(r.ptr); break;
        case LT_REPLY_OUTPUT:
            if (!st->meter[0] && !(st->meter[0] = calloc(1, sizeof(lt_meter)))) break;
            st->meter[0]->true_peak = r.a;
            st->meter[0]->correlation = r.b;
            break;
        default: break;
        }
        lt_mix_reply(st->mix, &r);
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
