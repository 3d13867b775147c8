/* bind_fx.c — see bind_fx.h. */
#include "bind_fx.h"
#include "graph/fx.h"
#include <lauxlib.h>

static void set_str(lua_State *L, const char *k, const char *v) {
    if (!v) return;
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, double v) {
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

static void set_bool(lua_State *L, const char *k, int v) {
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

int lt_open_fxdefs(lua_State *L) {
    lua_createtable(L, lt_fx_count, 1);
    lua_createtable(L, 0, lt_fx_count);   /* by_name */
    for (int i = 0; i < lt_fx_count; i++) {
        const lt_fx_def *d = lt_fx_defs[i];
        lua_createtable(L, 0, 10);
        set_str(L, "name", d->name);
        set_str(L, "help", d->help);
        set_str(L, "example", d->example);
        set_str(L, "data_field", d->data_field);
        set_bool(L, "mix", !(d->flags & LT_FX_NO_MIX));
        set_num(L, "mix_default", d->mix_default);
        set_bool(L, "keyed", (d->flags & LT_FX_KEYED) != 0);
        set_bool(L, "tail", (d->flags & LT_FX_TAIL) != 0);
        lua_createtable(L, d->nparams, 0);
        for (int k = 0; k < d->nparams; k++) {
            const lt_fx_param *p = &d->params[k];
            lua_createtable(L, 0, 7);
            set_str(L, "name", p->name);
            set_num(L, "min", p->min);
            set_num(L, "max", p->max);
            set_num(L, "def", p->def);
            set_str(L, "unit", p->unit ? p->unit : "");
            set_bool(L, "smoothed", p->smoothed);
            set_str(L, "help", p->help);
            set_num(L, "index", k + 1);
            lua_rawseti(L, -2, k + 1);
        }
        lua_setfield(L, -2, "params");
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, d->name);     /* by_name[name] = def */
        lua_rawseti(L, -3, i + 1);        /* list[i] = def */
    }
    lua_setfield(L, -2, "by_name");
    return 1;
}

void lt_fx_preload(lua_State *L) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, lt_open_fxdefs);
    lua_setfield(L, -2, "lute.fxdefs");
    lua_pop(L, 1);
}
