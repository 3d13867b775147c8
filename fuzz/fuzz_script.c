/* fuzz_script.c — libFuzzer target for loading a script the way lute does (lua/vm.c): the bytes are written
 * to a file and run through lt_dofile, which loads text only (a precompiled chunk is refused, so a corrupted
 * one cannot crash Lua) and runs the chunk under the watchdog with a budget of its own.  Any input must end
 * in LUA_OK or a clean error with a message; a crash, a sanitizer report, a hang beyond the budget, or a Lua
 * state the next input cannot use is a finding.  The chunk runs with an environment of Lua's pure libraries
 * only (no io, os, load or require), so fuzzed code cannot touch the machine.  Run through `make fuzz`. */
#include "../lua/vm.c"
#include "../lua/message.c"
#include "../lua/guard.c"
#include <stdint.h>
#include <sys/mman.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *S;
static int fd = -1;
static char path[64];

static void quiet(const char *text) { (void)text; }

/* The environment the fuzzed chunk sees: pure functions only. */
static const char *sandbox =
    "local env = {}\n"
    "for _, k in ipairs{'assert','error','ipairs','next','pairs','pcall','rawequal','rawget','rawlen','rawset',\n"
    "                   'select','setmetatable','getmetatable','tonumber','tostring','type','xpcall'} do env[k] = _G[k] end\n"
    "for _, k in ipairs{'string','table','math','utf8','coroutine'} do\n"
    "  local t = {} for n, f in pairs(_G[k]) do t[n] = f end env[k] = t\n"
    "end\n"
    "return env\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    lt_vm_config cfg = {.root = getenv("LUTE_ROOT"), .mem_limit = (size_t)64 << 20};
    S = lt_vm_new(&cfg);
    lt_message_hook = quiet;
    fd = memfd_create("fuzz-script", 0);
    if (!S || fd < 0) abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (luaL_loadstring(S, sandbox) || lua_pcall(S, 0, 1, 0)) abort();
    lua_setfield(S, LUA_REGISTRYINDEX, "fuzz.env");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
    int top = lua_gettop(S);
    int st = lt_vm_loadfile(S, path);
    if (st == LUA_OK) {
        lua_getfield(S, LUA_REGISTRYINDEX, "fuzz.env");
        if (!lua_setupvalue(S, -2, 1)) lua_pop(S, 1);      /* the chunk's _ENV */
        st = lt_docall(S, 0, 0, 50, 0);
    }
    if (st != LUA_OK && !lua_isstring(S, -1)) abort();    /* every failure comes with a message */
    lua_settop(S, top);
    lua_gc(S, LUA_GCCOLLECT);
    if (depth != 0 || lt_vm_busy(NULL)) abort();           /* the watchdog's frames are balanced */
    return 0;
}
