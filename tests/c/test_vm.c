/* test_vm.c — the Lua side of lute's robustness, measured in wall time and messages:
 *   - every call into user code gets a budget of its own: two endless functions called one after the other
 *     in one protected call are each stopped, and the whole call returns in about one budget plus a grace
 *     (on c61466e the second ran forever);
 *   - an expired budget stays expired: code that catches the watchdog's error and spins again is stopped
 *     again within LT_VM_GRACE_MS;
 *   - vm.call gives each call its own budget and pauses the caller's clock meanwhile;
 *   - lt_vm_terminate stops whatever Lua runs at its next hook;
 *   - a Lua error outside every protected call reports and exits with status 1 (not abort(), 134);
 *   - scripts load as text only: a precompiled chunk is refused with a message, and 300 corrupted ones
 *     never crash (each in a child process, so a crash is counted rather than fatal);
 *   - after a memory bomb the Lua memory in use drops back under 8 MiB (full collection after the cap);
 *   - lt_message holds back repeats (a flood of 100,000 prints a handful of lines, with the count);
 *   - lt_vm_where_now names the user's file and line and the C function running.
 * The VM is compiled in from lua/ (vm.c, message.c, guard.c). */
#include "check.h"
#include "../../lua/vm.c"
#include "../../lua/message.c"
#include "../../lua/guard.c"
#include <lauxlib.h>
#include <lualib.h>
#include <sys/wait.h>

static double secs(void) { return (double)now_ns() / 1e9; }

static lua_State *fresh(void) {
    lt_vm_config cfg = {.root = "/nonexistent-lute-root", .mem_limit = 256u << 20};
    return lt_vm_new(&cfg);
}

/* Runs `code` as a chunk named `name` under lt_docall with `budget` ms; returns the status and copies the
 * error message. */
static int run(lua_State *L, const char *name, const char *code, int budget, char *msg, size_t len) {
    int st = luaL_loadbuffer(L, code, strlen(code), name);
    if (st == LUA_OK) st = lt_docall(L, 0, 0, budget, 0);
    if (msg) snprintf(msg, len, "%s", st == LUA_OK ? "" : lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    if (st != LUA_OK) lua_pop(L, 1);
    return st;
}

static char captured[64][1100];
static int ncaptured;
static void capture(const char *text) {
    if (ncaptured < 64) snprintf(captured[ncaptured], sizeof captured[0], "%s", text);
    ncaptured++;
}

static int l_where_probe(lua_State *L) {
    char buf[512];
    lt_vm_where_now(buf, sizeof buf);
    lua_pushstring(L, buf);
    return 1;
}

int main(void) {
    char msg[1024];
    lt_message_hook = capture;

    /* ---- two endless calls in one protected call ------------------------------------------------ */
    lua_State *L = fresh();
    CHECK(L != NULL, "a Lua state");
    double t0 = secs();
    int st = run(L, "=two", "local n = 0\n"
                            "local function spin() while true do end end\n"
                            "local ok1, e1 = pcall(spin)\n"
                            "local ok2, e2 = pcall(spin)\n"
                            "stops = {e1, e2}\n", 300, msg, sizeof msg);
    double dt = secs() - t0;
    CHECK(st == LUA_OK && dt < 0.3 + 0.3, "two endless functions in one 300 ms call: both stopped, the call "
          "returned after %.3f s (status %d, %s)", dt, st, msg);
    lua_getglobal(L, "stops");
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    const char *e1 = lua_tostring(L, -2), *e2 = lua_tostring(L, -1);
    CHECK(e1 && strstr(e1, "stopped by the watchdog") && strstr(e1, "two:2"),
          "the first is stopped by the watchdog at its own line: %s", e1 ? e1 : "(nil)");
    CHECK(e2 && strstr(e2, "stopped by the watchdog"), "the second is stopped too: %s", e2 ? e2 : "(nil)");
    lua_settop(L, 0);

    /* ---- an expired budget stays expired -------------------------------------------------------- */
    t0 = secs();
    st = run(L, "=stubborn", "for i = 1, 50 do pcall(function() while true do end end) end\n"
                             "while true do end\n", 200, msg, sizeof msg);
    dt = secs() - t0;
    CHECK(st != LUA_OK && dt < 0.2 + 51 * LT_VM_GRACE_MS / 1000.0 + 0.5,
          "code that catches the watchdog's error 50 times and spins again ends after %.2f s (at most the budget "
          "and a grace per stop): %s", dt, msg);

    /* ---- vm.call: a budget per call, the caller's clock paused -------------------------------------- */
    t0 = secs();
    st = run(L, "=percall", "local vm = require 'lute.vm'\n"
                            "local r = {}\n"
                            "for i = 1, 3 do r[i] = select(2, vm.call(150, function() while true do end end)) end\n"
                            "results = r\n", 200, msg, sizeof msg);
    dt = secs() - t0;
    CHECK(st == LUA_OK && dt >= 0.44 && dt < 1.0, "three endless calls through vm.call(150, ...) inside a 200 ms "
          "call: each ran its own 150 ms (total %.3f s) and the caller was not charged for them (%s)", dt, msg);
    lua_getglobal(L, "results");
    lua_rawgeti(L, -1, 3);
    CHECK(lua_tostring(L, -1) && strstr(lua_tostring(L, -1), "150 ms"), "vm.call returns false and the message: %s",
          lua_tostring(L, -1) ? lua_tostring(L, -1) : "(nil)");
    lua_settop(L, 0);
    st = run(L, "=callok", "local vm = require 'lute.vm'\n"
                           "local ok, a, b = vm.call(100, function(x, y) return x + y, 'z' end, 2, 3)\n"
                           "assert(ok == true and a == 5 and b == 'z')\n"
                           "local ok2, e = vm.call(100, error, 'boom', 0)\n"
                           "assert(ok2 == false and e == 'boom')\n", 1000, msg, sizeof msg);
    CHECK(st == LUA_OK, "vm.call passes arguments and results like pcall: %s", msg);

    /* ---- terminate (in a child: lute never comes back from it) ------------------------------------ */
    pid_t tp = fork();
    if (tp == 0) {
        lt_vm_terminate();
        double c0 = secs();
        char m2[256];
        int s2 = run(L, "=quitting", "while true do end", 0, m2, sizeof m2);
        _exit(s2 != LUA_OK && secs() - c0 < 0.1 && strstr(m2, "quitting") ? 0 : 1);
    }
    int tws = 0;
    waitpid(tp, &tws, 0);
    CHECK(WIFEXITED(tws) && WEXITSTATUS(tws) == 0, "after lt_vm_terminate an unbudgeted endless loop stops at once "
          "with \"lute is quitting\"");

    /* ---- where the control thread is ------------------------------------------------------------- */
    lua_pushcfunction(L, l_where_probe);
    lua_setglobal(L, "probe");
    st = run(L, "@/tmp/song.lua", "\n\nwhere = probe()\n", 1000, msg, sizeof msg);
    lua_getglobal(L, "where");
    CHECK(st == LUA_OK && lua_tostring(L, -1) && strstr(lua_tostring(L, -1), "/tmp/song.lua:3") &&
          strstr(lua_tostring(L, -1), "'probe'"),
          "lt_vm_where_now names the user's file, line and the C function: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
    lua_settop(L, 0);
    st = run(L, "@/tmp/loop.lua", "local co = coroutine.create(function()\n"
                                   "  coroutine.yield(probe())\n"
                                   "end)\n"
                                   "local ok, w = coroutine.resume(co)\n"
                                   "where = w\n", 1000, msg, sizeof msg);
    lua_getglobal(L, "where");
    CHECK(st == LUA_OK && lua_tostring(L, -1) && strstr(lua_tostring(L, -1), "/tmp/loop.lua:2"),
          "inside a coroutine it names the coroutine's line: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
    lua_settop(L, 0);

    /* ---- text only -------------------------------------------------------------------------------- */
    char path[] = "/tmp/lute-test-vm-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    lua_pushstring(L, path);
    lua_setglobal(L, "arg_path");
    st = run(L, "=dump", "local f = assert(io.open(arg_path, 'wb'))\n"
                         "f:write(string.dump(function(a) local t = {} for i = 1, 10 do t[i] = a .. i end return t end))\n"
                         "f:close()", 0, msg, sizeof msg);
    st = lt_dofile(L, path, 1000);
    const char *m = st != LUA_OK ? lua_tostring(L, -1) : "";
    CHECK(st == LUA_ERRSYNTAX && m && strstr(m, "precompiled") && strstr(m, path),
          "a precompiled chunk is refused, naming the file: %s", m ? m : "");
    lua_settop(L, 0);
    /* corrupted chunks: loaded through lt_dofile in a child each; none may crash */
    FILE *f = fopen(path, "rb");
    unsigned char chunk[4096];
    size_t n = f ? fread(chunk, 1, sizeof chunk, f) : 0;
    if (f) fclose(f);
    int crashes = 0, refused = 0;
    srand(7);
    for (int k = 0; k < 300 && n > 8; k++) {
        unsigned char bad[4096];
        memcpy(bad, chunk, n);
        for (int j = 0; j < 1 + k % 4; j++) bad[8 + rand() % (int)(n - 8)] = (unsigned char)rand();
        f = fopen(path, "wb");
        fwrite(bad, 1, n, f);
        fclose(f);
        pid_t pid = fork();
        if (pid == 0) {
            lua_State *C = fresh();
            int s2 = lt_dofile(C, path, 500);
            _exit(s2 == LUA_ERRSYNTAX ? 3 : 4);
        }
        int ws = 0;
        waitpid(pid, &ws, 0);
        if (WIFSIGNALED(ws)) crashes++;
        else if (WEXITSTATUS(ws) == 3) refused++;
    }
    CHECK(crashes == 0 && refused == 300, "300 corrupted precompiled chunks: %d crashed, %d refused as binary", crashes,
          refused);
    unlink(path);

    /* ---- panic: an error outside every protected call -------------------------------------------- */
    int pipefd[2];
    if (pipe(pipefd) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            dup2(pipefd[1], 2);
            lua_State *C = fresh();
            lua_pushinteger(C, 5);
            lua_getfield(C, -1, "x");   /* indexing a number, unprotected */
            _exit(0);
        }
        close(pipefd[1]);
        char out[2048] = "";
        ssize_t got = read(pipefd[0], out, sizeof out - 1);
        out[got > 0 ? got : 0] = 0;
        close(pipefd[0]);
        int ws = 0;
        waitpid(pid, &ws, 0);
        CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 1 && strstr(out, "internal error") && strstr(out, "index"),
              "an error outside every protected call exits with status 1 and says what it was (%s %d): %s",
              WIFEXITED(ws) ? "exit" : "signal", WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws), out);
    }

    /* ---- memory bomb, then the memory is back ------------------------------------------------------ */
    ncaptured = 0;
    st = run(L, "=bomb", "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(4096) .. i end", 0, msg, sizeof msg);
    size_t after = lt_vm_memory();
    lt_message_flush(0);
    CHECK(st == LUA_ERRMEM, "a memory bomb ends in a memory error (status %d)", st);
    CHECK(after < (8u << 20), "after it Lua holds %.1f MiB again (cap 256 MiB): the garbage was collected at once",
          (double)after / (1 << 20));
    CHECK(ncaptured >= 1 && strstr(captured[0], "memory freed"), "and lute says so: %s", ncaptured ? captured[0] : "");
    st = run(L, "=after", "local s = ('y'):rep(64 << 20)", 0, msg, sizeof msg);
    CHECK(st == LUA_OK, "a 64 MiB string fits afterwards (the bomb's garbage no longer counts): %s", msg);

    /* ---- warn() ------------------------------------------------------------------------------------ */
    ncaptured = 0;
    run(L, "=warn", "warn('careful ', 'now')", 0, NULL, 0);
    CHECK(ncaptured == 1 && strstr(captured[0], "warning: careful now"), "warn() prints through lute: %s",
          ncaptured ? captured[0] : "(nothing)");

    /* ---- message flood ----------------------------------------------------------------------------- */
    lt_message_flush(1);
    ncaptured = 0;
    for (int i = 0; i < 100000; i++) lt_message("lute: an event arrived %d frames late (frame %d)", i % 300, i * 32);
    lt_message("lute: something else");
    lt_message_flush(1);
    int summary = -1;
    for (int i = 0; i < ncaptured && i < 64; i++) if (strstr(captured[i], "repeated 99999 times")) summary = i;
    CHECK(ncaptured == 3 && summary >= 0, "100,000 messages of one kind (numbers differing) print %d lines, one of them "
          "the count: %s", ncaptured, summary >= 0 ? captured[summary] : "(no count)");
    ncaptured = 0;
    lt_message("lute: loop 's1' stopped: song.lua:9: stopped");
    lt_message("lute: loop 's2' stopped: song.lua:10: stopped");
    lt_message("lute: loop 's2' stopped: song.lua:10: stopped");
    lt_message_flush(1);
    CHECK(ncaptured == 3, "two loops whose names differ by a digit are two kinds, a repeat is counted: %d lines", ncaptured);
    ncaptured = 0;
    for (int i = 0; i < 1000; i++) lt_message_keyed("sched", "scheduler error: note %c out of range", 'a' + i % 20);
    lt_message_flush(1);
    CHECK(ncaptured == 2, "1000 keyed messages with different texts are one kind: %d lines", ncaptured);
    ncaptured = 0;
    run(L, "=luamsg", "local msg = require 'lute.message'\n"
                      "for i = 1, 500 do msg('k', 'from Lua ' .. i) end\n"
                      "msg('plain')", 0, NULL, 0);
    lt_message_flush(1);
    CHECK(ncaptured == 3, "the same flood control from Lua (require 'lute.message'): %d lines", ncaptured);

    lt_vm_close(L);
    return check_done("test_vm");
}
