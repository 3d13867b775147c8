/* bind_record.h — recording and editing for Lua: lute.take (take files, the sidecar's recovery)
 * over core/io/take.h, and lute.edit (audio buffers and the non-destructive edits) over
 * core/edit/edit.h.  docs/recording.md documents both; lua/edit.lua builds clips, comps and the
 * edit history on them.  Thread: control only (the thread that owns the lua_State).  RT-safe: no. */
#ifndef LT_BIND_RECORD_H
#define LT_BIND_RECORD_H
#include <lua.h>

/* Each pushes its module table and returns 1, like a luaopen_* function. */
int lt_open_take(lua_State *L);
int lt_open_edit(lua_State *L);

/* The engine records into a take (core.take_attach): lend it to the audio thread, and hear that
 * it was handed back (LT_REPLY_TAKE_DONE).  While lent, Lua can neither write nor close it. */
struct lt_take;
struct lt_take *lt_take_lend(lua_State *L, int idx, int *channels);
void lt_take_returned(const void *take);
/* The audio thread has stopped: every lent take is Lua's again (closed as the state closes). */
void lt_take_return_all(void);
/* The metatable name of a lute.edit buffer (an lt_abuf userdata): lute.sample's from_buffer reads
 * one to make a sample of a rendered clip. */
#define LT_EDIT_BUF_MT "lute.edit.buffer"
#endif
