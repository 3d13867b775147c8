/* bind_fx.h — lute.fxdefs: the registry of mix-side processors (core/dsp/fx_registry.c) as plain Lua
 * tables, for lua/fx.lua to build its constructors from.  Read-only; nothing here touches an engine.
 *   require "lute.fxdefs" -> { {name=, help=, example=, mix=true|false, mix_default=, tail=, keyed=,
 *                              data_field=, latency=?, params = { {name=, min=, max=, def=, unit=,
 *                              smoothed=, help=}, ... }}, ... ; by_name = { [name] = def } }
 * Thread: control (the thread that owns the lua_State).  RT-safe: no. */
#ifndef LT_BIND_FX_H
#define LT_BIND_FX_H
#include <lua.h>

int  lt_open_fxdefs(lua_State *L);    /* pushes the table (a luaopen_* function) */
/* Registers lute.fxdefs in package.preload.  The mastering commands call it for their own states;
 * the session's state (lute exec, songs) gets it from main.c until lt_api_open does it. */
void lt_fx_preload(lua_State *L);
#endif
