/* fuzz_mini.c — libFuzzer target for the mini-notation parser (lua/mini.lua, run in an embedded Lua
 * like lute's own).  Any input must either parse and be queryable for a cycle, or fail with a clean
 * "mini: ..." message: a Lua error of any other kind (a bug in the parser), a crash or a hang is a
 * finding.  Built by `make fuzz` with the core sources; LUTE_ROOT or the working directory gives lua/. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lua_State *L;

static const char *probe =
    "local P = require 'pattern'\n"
    "return function(s)\n"
    "  local ok, p = pcall(P.mini, s)\n"
    "  if not ok then\n"
    "    if type(p) ~= 'string' or not p:find('mini', 1, true) then return 'unclean parse error: ' .. tostring(p) end\n"
    "    return nil\n"
    "  end\n"
    "  local ok2, e = pcall(p.query, p, 0, 1)\n"
    "  if not ok2 and not tostring(e):find('mini', 1, true) and not tostring(e):find('query', 1, true) then\n"
    "    return 'unclean query error: ' .. tostring(e)\n"
    "  end\n"
    "  return nil\n"
    "end\n";

static void count_hook(lua_State *l, lua_Debug *ar) {
    (void)ar;
    luaL_error(l, "mini: fuzz instruction budget exceeded");   /* counted as clean; libFuzzer's -timeout catches true hangs */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    L = luaL_newstate();
    luaL_openlibs(L);
    const char *root = getenv("LUTE_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "package.path = '%s/lua/?.lua;' .. package.path", root ? root : ".");
    if (luaL_dostring(L, path) || luaL_loadstring(L, probe) || lua_pcall(L, 0, 1, 0)) {
        fprintf(stderr, "fuzz_mini: cannot load the parser: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_setglobal(L, "probe");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 512) return 0;
    lua_getglobal(L, "probe");
    lua_pushlstring(L, (const char *)data, size);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 50000000);
    int st = lua_pcall(L, 1, 1, 0);
    lua_sethook(L, NULL, 0, 0);
    if (st == LUA_OK && lua_isstring(L, -1)) {
        fprintf(stderr, "fuzz_mini: input %.*s\n%s\n", (int)size, (const char *)data, lua_tostring(L, -1));
        abort();
    }
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
