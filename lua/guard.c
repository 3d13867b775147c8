/* guard.c — signals and the watchdog thread (see guard.h).
 *
 * Everything a signal handler touches is a lock-free atomic.  The watchdog thread never touches the
 * Lua state: it reads vm.c's signs of life (lt_vm_busy) and, to name a position, sends the control
 * thread SIG_WHERE, whose handler fills a buffer from the Lua stack.  A forced end runs the cleanups
 * and writes its message on a helper thread and waits for it at most LT_GUARD_CLEANUP_MS: a cleanup
 * that blocks (a JACK server that stopped answering) cannot keep lute alive. */
#include "guard.h"
#include "vm.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 20
#define MAX_CLEANUPS 8
#define SIG_WHERE (SIGRTMIN + 3)

static _Atomic int exit_status;
static _Atomic int64_t exit_asked_ns;
static _Atomic int64_t shutdown_deadline_ns;
static _Atomic int shutdown_status;
static _Atomic int claimed;                    /* someone is ending the process */
static _Atomic int stop_thread;
static int started, live;
static double stall_limit_s;
static pthread_t control_thread, watch_thread;

static struct { void (*fn)(void *); void *ud; } cleanups[MAX_CLEANUPS];
static pthread_mutex_t cleanup_lock = PTHREAD_MUTEX_INITIALIZER;
static char tempfile[4096];
static _Atomic int have_tempfile;

static char where_buf[1024];
static volatile sig_atomic_t where_ready;

static int64_t guard_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void say(const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0) { if (w < 0 && errno == EINTR) continue; return; }
        s += w;
        n -= (size_t)w;
    }
}

void lt_guard_request_exit(int status) {
    int zero = 0;
    if (status <= 0) status = 1;
    if (atomic_compare_exchange_strong(&exit_status, &zero, status)) {
        atomic_store(&exit_asked_ns, guard_now_ns());   /* clock_gettime is async-signal-safe */
        lt_vm_terminate();
    }
}

int lt_guard_exit_status(void) { return atomic_load(&exit_status); }
double lt_guard_stall_limit(void) { return stall_limit_s; }

static void on_signal(int sig) {
    lt_guard_request_exit(128 + sig);
}

static void on_where(int sig) {
    (void)sig;
    lt_vm_where_now(where_buf, sizeof where_buf);
    atomic_thread_fence(memory_order_release);   /* the text before the flag, for the watchdog thread */
    where_ready = 1;
}

int lt_guard_add_cleanup(void (*fn)(void *), void *ud) {
    int id = -1;
    pthread_mutex_lock(&cleanup_lock);
    for (int i = 0; i < MAX_CLEANUPS; i++)
        if (!cleanups[i].fn) { cleanups[i].fn = fn; cleanups[i].ud = ud; id = i; break; }
    pthread_mutex_unlock(&cleanup_lock);
    return id;
}

void lt_guard_remove_cleanup(int id) {
    if (id < 0 || id >= MAX_CLEANUPS) return;
    pthread_mutex_lock(&cleanup_lock);
    cleanups[id].fn = NULL;
    pthread_mutex_unlock(&cleanup_lock);
}

void lt_guard_set_tempfile(const char *path) {
    atomic_store(&have_tempfile, 0);
    if (!path) return;
    snprintf(tempfile, sizeof tempfile, "%s", path);
    atomic_store(&have_tempfile, 1);
}

void lt_guard_shutdown(int ms, int status) {
    atomic_store(&shutdown_status, status);
    atomic_store(&shutdown_deadline_ns, guard_now_ns() + (int64_t)ms * 1000000);
}

/* ---- ending the process -------------------------------------------------------------------------- */

static char final_message[2048];
static _Atomic int helper_done;

static void *helper(void *arg) {
    (void)arg;
    if (final_message[0]) say(final_message);
    if (atomic_load(&have_tempfile)) unlink(tempfile);   /* first: it is quick and it matters */
    /* The control thread may be stuck holding the lock (it never is for long): do not wait for it. */
    int locked = pthread_mutex_trylock(&cleanup_lock) == 0;
    for (int i = MAX_CLEANUPS - 1; i >= 0; i--)
        if (cleanups[i].fn) cleanups[i].fn(cleanups[i].ud);
    if (locked) pthread_mutex_unlock(&cleanup_lock);
    atomic_store(&helper_done, 1);
    return NULL;
}

static __attribute__((noreturn)) void end_now(int status) {
    pthread_t h;
    if (pthread_create(&h, NULL, helper, NULL) == 0) {
        pthread_detach(h);
        int64_t until = guard_now_ns() + (int64_t)LT_GUARD_CLEANUP_MS * 1000000;
        while (!atomic_load(&helper_done) && guard_now_ns() < until) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    } else {
        helper(NULL);
    }
    _exit(status);
}

void lt_guard_die(int status) {
    if (atomic_exchange(&claimed, 1)) for (;;) pause();
    final_message[0] = 0;
    end_now(status);
}

/* Asks the control thread where it is (see SIG_WHERE); falls back to what the hook saw last. */
static void locate(char *buf, size_t len) {
    where_ready = 0;
    if (pthread_kill(control_thread, SIG_WHERE) == 0) {
        int64_t until = guard_now_ns() + 200000000;
        while (!where_ready && guard_now_ns() < until) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    }
    atomic_thread_fence(memory_order_acquire);
    if (where_ready && where_buf[0]) snprintf(buf, len, "%s", where_buf);
    else lt_vm_last_seen(buf, len);
}

/* Ends the process with a message that names the file and line the control thread was at: first,
 * as every error of lute's does ("song.lua:3: ..."), when that place is the point (`where_first`). */
static __attribute__((noreturn)) void force_end(int status, const char *why, int where_first) {
    if (atomic_exchange(&claimed, 1)) for (;;) pause();
    char where[1100];
    int64_t quiet;
    if (lt_vm_busy(&quiet)) {
        locate(where, sizeof where);
        if (!where[0]) snprintf(where, sizeof where, "an unknown place");
        if (where_first) snprintf(final_message, sizeof final_message, "lute: %s: %s; ending now\n", where, why);
        else snprintf(final_message, sizeof final_message, "lute: %s (the control thread was at %s); ending now\n",
                      why, where);
    } else {
        snprintf(final_message, sizeof final_message, "lute: %s; ending now\n", why);
    }
    end_now(status);
}

static void *watch(void *arg) {
    (void)arg;
    int reported_stall = 0;
    int64_t stall_since = 0;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);   /* signals are the control thread's to take */
    while (!atomic_load(&stop_thread)) {
        struct timespec ts = {0, TICK_MS * 1000000};
        nanosleep(&ts, NULL);
        int64_t now = guard_now_ns();
        int st = atomic_load(&exit_status);
        if (st && now - atomic_load(&exit_asked_ns) > (int64_t)LT_GUARD_QUIT_MS * 1000000)
            force_end(st, "asked to quit, and the control thread did not stop within 0.5 s", 0);
        int64_t sd = atomic_load(&shutdown_deadline_ns);
        if (sd && now > sd) force_end(atomic_load(&shutdown_status), "shutting down took too long (is the audio "
                                                                     "device or the JACK server answering?)", 0);
        int64_t quiet;
        if (stall_limit_s > 0 && lt_vm_busy(&quiet)) {
            double stuck = (double)(now - quiet) / 1e9;
            if (stuck < stall_limit_s) { reported_stall = 0; continue; }
            if (!live) {
                char why[200];
                snprintf(why, sizeof why, "stuck for %.1f s inside one C function, which the watchdog cannot "
                         "interrupt (the limit is --stall-limit %g)", stuck, stall_limit_s);
                force_end(1, why, 1);
            }
            if (!reported_stall || quiet != stall_since) {
                char where[1100], msg[1400];
                locate(where, sizeof where);
                snprintf(msg, sizeof msg, "lute: %s: the control thread has been stuck for %.0f s inside one C "
                         "function, which the watchdog cannot interrupt; the music plays on; Ctrl-C twice or "
                         "SIGTERM quits\n", where[0] ? where : "?", stuck);
                say(msg);
                reported_stall = 1;
                stall_since = quiet;
            }
        } else {
            reported_stall = 0;
        }
    }
    return NULL;
}

int lt_guard_start(const lt_guard_config *cfg) {
    live = cfg && cfg->live;
    stall_limit_s = cfg && cfg->stall_limit_s != 0 ? cfg->stall_limit_s : LT_GUARD_STALL_DEFAULT_S;
    if (stall_limit_s < 0) stall_limit_s = 0;
    control_thread = pthread_self();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (cfg && cfg->catch_sigint) sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_where;
    sa.sa_flags = SA_RESTART;
    sigaction(SIG_WHERE, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);   /* a file-size limit makes the write fail (and the render say so), not kill lute */
    if (started) return 0;
    if (pthread_create(&watch_thread, NULL, watch, NULL) != 0) return -1;
    started = 1;
    return 0;
}

void lt_guard_stop(void) {
    if (atomic_exchange(&claimed, 1)) for (;;) pause();   /* the watchdog is ending the process */
    if (!started) return;
    atomic_store(&stop_thread, 1);
    pthread_join(watch_thread, NULL);
    started = 0;
}
