/* bind_mix.h — the mix declaration functions of `lute.core` (bind_mix.c).  Thread: control. */
#ifndef LT_BIND_MIX_H
#define LT_BIND_MIX_H
#include <lua.h>
#include "api.h"
/* Adds the mix functions to the table on top of the stack, bound to st. */
void lt_bind_mix(lua_State *L, lt_api_state *st);
#endif
