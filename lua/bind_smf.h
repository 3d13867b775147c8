/* bind_smf.h — Standard MIDI Files for Lua (lute.smf): read(path) and write(path, song) over
 * core/smf.h.  The table shape is documented in docs/smf.md and at the top of bind_smf.c.
 * Thread: control only (the thread that owns the lua_State).  RT-safe: no. */
#ifndef LT_BIND_SMF_H
#define LT_BIND_SMF_H
#include <lua.h>

/* Pushes a new table { read = function, write = function } and returns 1, like a luaopen_*
 * function; the VM setup stores it as lute.smf. */
int lt_open_smf(lua_State *L);
#endif
