/* vm.c — lute's Lua state: memory cap, watchdog, docall (see vm.h).
 *
 * Budgets live on a stack of call frames, one per lt_docall or vm.call in progress.  A frame with a
 * budget of its own has a deadline; while a nested call with its own budget runs, the outer frame's
 * deadline is pushed back by the time the nested call took, so the outer one is charged only for its
 * own running time.  A frame whose budget is 0 shares its parent's deadline.  A frame that has fired
 * stays fired: the hook raises again LT_VM_GRACE_MS after each stop for as long as the frame lives.
 *
 * The hook also leaves signs of life for the watchdog thread (guard.c): the time it last ran and the
 * file and line it saw, so a control thread stuck inside one C function can be told from a busy one. */
#include "vm.h"
#include "guard.h"
#include "message.h"
#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOOK_EVERY 10000   /* instructions between watchdog checks */
#define MAX_FRAMES 220     /* deeper nesting than Lua's C-call limit (200) is not tracked: it shares budgets */
#define MAX_CO 64          /* coroutines resumed inside each other that where_now can see */

static char root[PATH_MAX];
static size_t mem_used, mem_limit;
static int mem_refused;                        /* the allocator said no since the last recovery */
static char refused_at[LUA_IDSIZE + 96];       /* where the hook last saw the script when that happened */
static volatile sig_atomic_t interrupted, terminating;
static lua_State *main_L;
static void (*background_fn)(lua_State *L, void *ud);
static void *background_ud;
static int evaluating, in_background;
static int64_t eval_started_ns, last_background_ns;

typedef struct call_frame {
    int64_t deadline_ns;       /* 0 = none */
    int64_t started_ns;
    int64_t fired_ns;          /* when the hook last raised for this frame */
    int budget_ms;
    int fired;
    int own;                   /* a budget of its own (else shared with the parent) */
} call_frame;

static call_frame frames[MAX_FRAMES];
static int depth;                              /* frames in use (may exceed MAX_FRAMES: untracked) */
static _Atomic int busy_depth;
static _Atomic int64_t quiet_ns;
/* Allocations so far: a loop calling a heavy C function (("x"):rep(1e6) a thousand times) runs few VM
 * instructions, so the hook is rare, but it allocates all the time; a C function that is truly stuck does
 * not.  A plain relaxed increment (no locked instruction): only its changing matters. */
static _Atomic unsigned long alloc_count;

/* The coroutines being resumed, innermost last (see co_resume). */
static lua_State *co_running[MAX_CO];
static volatile sig_atomic_t co_depth;

/* The position the hook saw last, under a sequence lock for the watchdog thread. */
static _Atomic unsigned pos_seq;
static char pos_src[LUA_IDSIZE];
static int pos_line;
static int64_t pos_ns;

/* The first refusal since the last recovery remembers where the script was: the allocator runs inside the
 * VM with the stack in order (the VM saves its pc before anything that may allocate), so reading it is
 * safe, and the message can then name the user's line as every other error does. */
static void where_into(char *buf, size_t len);

static void note_refusal(void) {
    if (mem_refused) return;
    mem_refused = 1;
    where_into(refused_at, sizeof refused_at - 2);
    if (refused_at[0]) strcat(refused_at, ": ");
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A capped allocator: a script that eats memory gets a Lua memory error, lute keeps running. */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    if (!ptr) osize = 0;
    if (nsize == 0) { free(ptr); mem_used -= osize; return NULL; }
    if (nsize > osize && mem_used + (nsize - osize) > mem_limit) { note_refusal(); return NULL; }
    void *p = realloc(ptr, nsize);
    if (p) mem_used = mem_used - osize + nsize;
    else note_refusal();
    atomic_store_explicit(&alloc_count, atomic_load_explicit(&alloc_count, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    return p;
}

size_t lt_vm_memory(void) { return mem_used; }

/* The watchdog raises its error as if from the running function, so the message says which file
 * and line were still running ("song.lua:12: stopped by the watchdog ..."). */
static int stop_here(lua_State *L, const char *msg) {
    luaL_where(L, 0);
    lua_pushstring(L, msg);
    lua_concat(L, 2);
    return lua_error(L);
}

static void record_position(lua_State *L, lua_Debug *ar, int64_t now) {
    if (!lua_getinfo(L, "Sl", ar)) return;
    atomic_fetch_add_explicit(&pos_seq, 1, memory_order_acq_rel);
    memcpy(pos_src, ar->short_src, sizeof pos_src);
    pos_line = ar->currentline;
    pos_ns = now;
    atomic_fetch_add_explicit(&pos_seq, 1, memory_order_acq_rel);
}

static call_frame *top_frame(void) {
    return depth > 0 && depth <= MAX_FRAMES ? &frames[depth - 1] : NULL;
}

static void watchdog(lua_State *L, lua_Debug *ar) {
    int64_t now = now_ns();
    atomic_store_explicit(&quiet_ns, now, memory_order_relaxed);
    if (now - pos_ns > 1000000) record_position(L, ar, now);
    if (terminating) stop_here(L, "lute is quitting");
    if (interrupted) {
        interrupted = 0;
        stop_here(L, "interrupted (Ctrl-C); the music plays on");
    }
    call_frame *f = top_frame();
    /* The second and later stops of one expired budget say the same as the first: it is one problem (code
     * that does not end), and one text lets lt_message count the repeats instead of printing each. */
    if (f && f->deadline_ns && now > f->deadline_ns && (!f->fired || now - f->fired_ns > (int64_t)LT_VM_GRACE_MS * 1000000)) {
        char msg[200];
        f->fired = 1;
        f->fired_ns = now;
        snprintf(msg, sizeof msg, "stopped by the watchdog: still running after %d ms (an endless loop, or a "
                                  "loop that never sleeps?)", f->budget_ms);
        stop_here(L, msg);
    }
    if (evaluating && background_fn && !in_background && now - eval_started_ns > 10000000 &&
        now - last_background_ns > 4000000) {
        in_background = 1;
        background_fn(L, background_ud);
        in_background = 0;
        last_background_ns = now;
    }
}

void lt_vm_clear_interrupt(void) { interrupted = 0; }
void lt_vm_interrupt(void) { interrupted = 1; }
int  lt_vm_interrupt_pending(void) { return interrupted != 0; }
void lt_vm_terminate(void) { terminating = 1; }

void lt_vm_set_background(void (*fn)(lua_State *L, void *ud), void *ud) {
    background_fn = fn;
    background_ud = ud;
}

void lt_vm_evaluating(int on) {
    evaluating = on;
    if (on) eval_started_ns = now_ns();
}

/* ---- call frames ------------------------------------------------------------------------------ */

static void push_frame(int budget_ms) {
    int64_t now = now_ns();
    atomic_store_explicit(&quiet_ns, now, memory_order_relaxed);
    atomic_fetch_add_explicit(&busy_depth, 1, memory_order_relaxed);
    if (depth >= MAX_FRAMES) { depth++; return; }
    call_frame *f = &frames[depth], *o = depth ? &frames[depth - 1] : NULL;
    if (budget_ms > 0 || !o) {
        f->own = 1;
        f->budget_ms = budget_ms > 0 ? budget_ms : 0;
        f->deadline_ns = budget_ms > 0 ? now + (int64_t)budget_ms * 1000000 : 0;
        f->fired = 0;
        f->fired_ns = 0;
    } else {
        *f = *o;
        f->own = 0;
    }
    f->started_ns = now;
    depth++;
}

static void pop_frame(void) {
    int64_t now = now_ns();
    atomic_store_explicit(&quiet_ns, now, memory_order_relaxed);
    atomic_fetch_sub_explicit(&busy_depth, 1, memory_order_relaxed);
    depth--;
    if (depth >= MAX_FRAMES || depth == 0) return;
    call_frame *f = &frames[depth], *o = &frames[depth - 1];
    if (f->own) {
        if (o->deadline_ns) o->deadline_ns += now - f->started_ns;   /* the outer clock was paused */
    } else {
        o->fired = f->fired;
        o->fired_ns = f->fired_ns;
    }
}

void lt_vm_progress(void) { atomic_store_explicit(&quiet_ns, now_ns(), memory_order_relaxed); }

/* Called by one thread only (the watchdog): it remembers when it last saw the allocation count move. */
int lt_vm_busy(int64_t *quiet) {
    static unsigned long seen_count;
    static int64_t seen_ns;
    unsigned long n = atomic_load_explicit(&alloc_count, memory_order_relaxed);
    if (n != seen_count) { seen_count = n; seen_ns = now_ns(); }
    int64_t q = atomic_load_explicit(&quiet_ns, memory_order_relaxed);
    if (quiet) *quiet = q > seen_ns ? q : seen_ns;
    return atomic_load_explicit(&busy_depth, memory_order_relaxed) > 0;
}

/* After a failed call that hit the memory cap or left much garbage (a memory bomb stopped by the
 * watchdog), that garbage would still count against the cap and stay resident until Lua's collector
 * came round to it: collect it all now and hand the free pages back to the system.  The message waits
 * for lt_message_flush, so it comes after the error that explains it. */
#define RECOVER_ABOVE ((size_t)64 << 20)

static void recover_memory(lua_State *L) {
    size_t before = mem_used;
    int refused = mem_refused;
    mem_refused = 0;
    lua_gc(L, LUA_GCCOLLECT);
    lua_gc(L, LUA_GCCOLLECT);   /* a second pass frees what the first one's finalizers released */
    malloc_trim(0);
    if (refused)
        lt_message_later("lute: %sa script used all of the %zu MiB Lua may have; memory freed (Lua holds %.1f MiB now)",
                         refused_at, mem_limit >> 20, (double)mem_used / (1 << 20));
    else if (before - mem_used > RECOVER_ABOVE / 2)
        lt_message_later("lute: memory freed after the failed call (Lua holds %.1f MiB now, it held %.1f MiB)",
                         (double)mem_used / (1 << 20), (double)before / (1 << 20));
}

/* ---- docall ----------------------------------------------------------------------------------- */

static int traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static int plain_handler(lua_State *L) {
    if (!lua_tostring(L, 1)) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    return 1;
}

int lt_docall(lua_State *L, int narg, int nres, int budget_ms, int traceback) {
    int base = lua_gettop(L) - narg;
    int saved_co = co_depth;
    lua_pushcfunction(L, traceback ? traceback_handler : plain_handler);
    lua_insert(L, base);
    push_frame(budget_ms);
    int status = lua_pcall(L, narg, nres, base);
    pop_frame();
    co_depth = saved_co;
    lua_remove(L, base);
    if (depth == 0 && (mem_refused || (status != LUA_OK && mem_used > RECOVER_ABOVE))) recover_memory(L);
    return status;
}

int lt_vm_cpcall(lua_State *L, lua_CFunction f, void *ud, int budget_ms) {
    if (!lua_checkstack(L, 3)) {
        /* cannot even push the call: report it like an error, without touching Lua further */
        return LUA_ERRMEM;
    }
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, ud);
    return lt_docall(L, 1, 0, budget_ms, 0);
}

int lt_vm_loadfile(lua_State *L, const char *path) {
    int st = luaL_loadfilex(L, path, "t");
    if (st == LUA_ERRSYNTAX) {
        const char *m = lua_tostring(L, -1);
        if (m && strstr(m, "attempt to load a binary chunk")) {
            lua_pop(L, 1);
            lua_pushfstring(L, "%s: this is a precompiled (binary) Lua chunk; lute loads scripts as text only", path);
        }
    }
    return st;
}

int lt_dofile(lua_State *L, const char *path, int budget_ms) {
    int st = lt_vm_loadfile(L, path);
    if (st == LUA_OK) st = lt_docall(L, 0, 0, budget_ms, 0);
    return st;
}

/* ---- where the control thread is --------------------------------------------------------------- */

typedef struct textbuf { char *s; size_t len, used; } textbuf;

/* Appends without stdio: this runs inside a signal handler. */
static void tb_add(textbuf *b, const char *s) {
    while (s && *s && b->used + 1 < b->len) b->s[b->used++] = *s++;
    b->s[b->used] = 0;
}

static void tb_int(textbuf *b, int v) {
    char d[16];
    int n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do { d[n++] = (char)('0' + u % 10); u /= 10; } while (u && n < 15);
    if (v < 0) tb_add(b, "-");
    while (n > 0) { char c[2] = {d[--n], 0}; tb_add(b, c); }
}

static int is_own_source(const char *source) {
    size_t n = strlen(root);
    return source[0] == '@' && n && strncmp(source + 1, root, n) == 0 && strncmp(source + 1 + n, "/lua/", 5) == 0;
}

/* Describes the innermost Lua position of T's stack from `level` on: the first frame in a user file,
 * else the first Lua frame at all.  Returns 1 when it found one. */
static int describe(lua_State *T, int level, textbuf *b) {
    lua_Debug ar;
    char first[LUA_IDSIZE + 16] = "";
    const char *cname = NULL;
    int first_line = 0, have = 0;
    for (int i = 0; i < 200 && lua_getstack(T, level + i, &ar); i++) {
        if (!lua_getinfo(T, "Sl", &ar)) break;
        if (ar.currentline <= 0) {
            if (i == 0 && ar.what && strcmp(ar.what, "C") == 0 && lua_getinfo(T, "n", &ar)) cname = ar.name;
            continue;
        }
        const char *src = ar.source[0] == '@' || ar.source[0] == '=' ? ar.source + 1 : ar.short_src;
        if (!is_own_source(ar.source)) {
            tb_add(b, src);
            tb_add(b, ":");
            tb_int(b, ar.currentline);
            have = 2;
            break;
        }
        if (!have) {
            size_t k = 0;
            for (; src[k] && k + 1 < sizeof first; k++) first[k] = src[k];
            first[k] = 0;
            first_line = ar.currentline;
            have = 1;
        }
    }
    if (have == 1) {
        tb_add(b, first);
        tb_add(b, ":");
        tb_int(b, first_line);
    }
    if (have && cname) {
        tb_add(b, " (inside the C function '");
        tb_add(b, cname);
        tb_add(b, "')");
    }
    return have != 0;
}

void lt_vm_where_now(char *buf, size_t len) {
    textbuf b = {buf, len, 0};
    if (!len) return;
    buf[0] = 0;
    if (!main_L) return;
    int d = co_depth;
    if (d > 0 && d <= MAX_CO && describe(co_running[d - 1], 0, &b)) return;
    describe(main_L, 0, &b);
}

/* The same without the C function's name (for messages that name a line of the script). */
static void where_into(char *buf, size_t len) {
    lt_vm_where_now(buf, len);
    char *paren = strstr(buf, " (inside the C function");
    if (paren) *paren = 0;
}

void lt_vm_last_seen(char *buf, size_t len) {
    for (int tries = 0; tries < 100; tries++) {
        unsigned s1 = atomic_load_explicit(&pos_seq, memory_order_acquire);
        if (s1 & 1) continue;
        snprintf(buf, len, "%.*s:%d", (int)sizeof pos_src, pos_src, pos_line);
        if (atomic_load_explicit(&pos_seq, memory_order_acquire) == s1) return;
    }
    snprintf(buf, len, "?");
}

/* coroutine.resume, remembered: while it runs, where_now looks inside the coroutine first.  The
 * coroutine stays on this function's stack meanwhile, so it cannot be collected under our feet. */
static int co_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    if (!co) return luaL_typeerror(L, 1, "coroutine");
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    int d = co_depth;
    if (d < MAX_CO) co_running[d] = co;
    co_depth = d + 1;
    int st = lua_pcall(L, n, LUA_MULTRET, 0);
    co_depth = d;
    if (st != LUA_OK) return lua_error(L);
    return lua_gettop(L);
}

/* ---- lute.vm ---------------------------------------------------------------------------------- */

/* vm.call(ms, f, ...) -> true, ... | false, message */
static int l_call(lua_State *L) {
    lua_Number ms = luaL_checknumber(L, 1);
    luaL_argcheck(L, ms >= 0 && ms <= 3600000, 1, "a budget in milliseconds, 0 .. 3600000");
    luaL_checkany(L, 2);
    lua_remove(L, 1);
    int saved_co = co_depth;
    push_frame((int)ms);
    int st = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    pop_frame();
    co_depth = saved_co;
    lua_pushboolean(L, st == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

static int l_memory(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)mem_used);
    lua_pushinteger(L, (lua_Integer)mem_limit);
    return 2;
}

static int l_where(lua_State *L) {
    char buf[512];
    textbuf b = {buf, sizeof buf, 0};
    buf[0] = 0;
    if (describe(L, 1, &b)) lua_pushstring(L, buf);
    else lua_pushnil(L);
    return 1;
}

static int open_vm(lua_State *L) {
    static const luaL_Reg fns[] = {{"call", l_call}, {"memory", l_memory}, {"where", l_where}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- panic and warnings ---------------------------------------------------------------------- */

/* An error outside every protected call: Lua would abort() next.  Say what it was and end cleanly. */
static int panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "lute: internal error: a Lua error escaped every protected call: %s\n"
                    "lute: stopping (this is a bug in lute, not in your script: please report it)\n",
            msg ? msg : "(not a string)");
    fflush(stderr);
    lt_guard_die(1);
    return 0;
}

/* warn() from scripts and "error in __gc" from Lua itself: on by default ("@off" / "@on" switch it). */
static int warn_on = 1, warn_cont;
static char warn_buf[1024];
static size_t warn_len;

static void warnf(void *ud, const char *msg, int tocont) {
    (void)ud;
    if (!warn_cont && !tocont && msg[0] == '@') {
        if (strcmp(msg, "@off") == 0) warn_on = 0;
        else if (strcmp(msg, "@on") == 0) warn_on = 1;
        return;
    }
    size_t n = strlen(msg);
    if (warn_len + n >= sizeof warn_buf) n = sizeof warn_buf - 1 - warn_len;
    memcpy(warn_buf + warn_len, msg, n);
    warn_len += n;
    warn_buf[warn_len] = 0;
    warn_cont = tocont;
    if (!tocont) {
        if (warn_on) lt_message("lute: warning: %s", warn_buf);
        warn_len = 0;
    }
}

/* ---- the state ------------------------------------------------------------------------------- */

static void find_root(const char *given) {
    if (given) { snprintf(root, sizeof root, "%s", given); return; }
    const char *env = getenv("LUTE_ROOT");
    if (env) { snprintf(root, sizeof root, "%s", env); return; }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        for (int up = 0; up < 2; up++) { char *s = strrchr(exe, '/'); if (s) *s = 0; }
        snprintf(root, sizeof root, "%s", exe);   /* <root>/build/lute -> <root> */
    } else snprintf(root, sizeof root, ".");
}

const char *lt_vm_root(void) {
    if (!root[0]) find_root(NULL);
    return root;
}

/* Everything that may raise (a memory error) runs here, protected. */
static int setup(lua_State *L) {
    luaL_openlibs(L);
    /* lute's own modules first, then the script's folder (set by the caller), then Lua's defaults. */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/lua/?.lua;%s/scripts/?.lua;%s/scripts/?/init.lua;%s", root, root, root,
                    lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, open_vm);
    lua_setfield(L, -2, "lute.vm");
    lua_pushcfunction(L, lt_open_message);
    lua_setfield(L, -2, "lute.message");
    lua_pop(L, 2);
    lua_getglobal(L, "coroutine");
    lua_getfield(L, -1, "resume");
    lua_pushcclosure(L, co_resume, 1);
    lua_setfield(L, -2, "resume");
    lua_pop(L, 1);
    return 0;
}

lua_State *lt_vm_new(const lt_vm_config *cfg) {
    find_root(cfg ? cfg->root : NULL);
    mem_limit = cfg && cfg->mem_limit ? cfg->mem_limit : LT_VM_MEM_DEFAULT;
    mem_used = 0;
    mem_refused = 0;
    depth = 0;
    co_depth = 0;
    lua_State *L = lua_newstate(capped_alloc, NULL);
    if (!L) return NULL;
    lua_atpanic(L, panic);
    lua_setwarnf(L, warnf, NULL);
    lua_sethook(L, watchdog, LUA_MASKCOUNT, HOOK_EVERY);
    main_L = L;
    lua_pushcfunction(L, setup);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        fprintf(stderr, "lute: cannot set up Lua: %s\n", lua_tostring(L, -1));
        lua_close(L);
        main_L = NULL;
        return NULL;
    }
    return L;
}

void lt_vm_close(lua_State *L) {
    if (!L) return;
    if (L == main_L) main_L = NULL;
    lua_close(L);
}
