/* message.c — lute's message printer with flood control (see message.h).
 *
 * A small table remembers the kinds seen recently: a 64-bit hash of the key, when the kind's window
 * opened, how many repeats were held back and the text of the last one.  The table is fixed-size; a
 * kind pushed out early has its count printed first, so nothing is lost silently. */
#include "message.h"
#include <lauxlib.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define KINDS 64
#define TEXT_MAX 4096

void (*lt_message_hook)(const char *text);

typedef struct kind {
    uint64_t hash;              /* 0 = free */
    int64_t opened_ns;          /* when the first message of the current window was printed */
    unsigned long held;         /* repeats held back in the current window */
    char last[TEXT_MAX];        /* the last repeat's text, for the summary line */
} kind;

static kind kinds[KINDS];
static unsigned long suppressed;

static int64_t msg_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void out(const char *text) {
    if (lt_message_hook) lt_message_hook(text);
    else { fputs(text, stderr); fputc('\n', stderr); fflush(stderr); }
}

static int is_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* FNV-1a over the key; with `digits` unset, a number (a run of digits and dots that does not belong to a
 * word: "frame 4800", "song.lua:12", "-3.5 dB", but not the "1" of a loop named "s1") counts as one '#',
 * so messages that differ only in their numbers are one kind. */
static uint64_t hash_key(const char *s, int digits) {
    uint64_t h = 1469598103934665603ull;
    unsigned char prev = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!digits && c >= '0' && c <= '9' && !is_word(prev)) {
            while ((s[1] >= '0' && s[1] <= '9') || (s[1] == '.' && s[2] >= '0' && s[2] <= '9')) s++;
            c = '#';
        }
        h = (h ^ c) * 1099511628211ull;
        prev = c;
    }
    return h ? h : 1;
}

static void summary(kind *k, int64_t now) {
    if (!k->held) return;
    char line[TEXT_MAX + 96];
    double s = (double)(now - k->opened_ns) / 1e9;
    snprintf(line, sizeof line, "%s (repeated %lu time%s in the last %.1f s)", k->last, k->held,
             k->held == 1 ? "" : "s", s < 0.1 ? 0.1 : s);
    k->held = 0;
    out(line);
}

static void emit(uint64_t h, const char *text) {
    int64_t now = msg_now_ns(), window = (int64_t)(LT_MESSAGE_WINDOW_S * 1e9);
    kind *k = NULL, *oldest = NULL;
    for (int i = 0; i < KINDS && !k; i++) if (kinds[i].hash == h) k = &kinds[i];
    for (int i = 0; i < KINDS && !k; i++) {
        if (!kinds[i].hash) { oldest = &kinds[i]; break; }
        if (!oldest || kinds[i].opened_ns < oldest->opened_ns) oldest = &kinds[i];
    }
    if (k && now - k->opened_ns < window) {
        k->held++;
        suppressed++;
        snprintf(k->last, sizeof k->last, "%s", text);
        return;
    }
    if (!k) {
        k = oldest;
        if (k->hash) summary(k, now);
        k->hash = h;
        k->held = 0;
    } else {
        summary(k, now);
    }
    k->opened_ns = now;
    out(text);
}

void lt_message(const char *fmt, ...) {
    char buf[TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit(hash_key(buf, 0), buf);
}

void lt_message_keyed(const char *key, const char *fmt, ...) {
    char buf[TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit(key ? hash_key(key, 1) ^ 0x9e3779b97f4a7c15ull : hash_key(buf, 0), buf);
}

static char later[TEXT_MAX];

void lt_message_later(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(later, sizeof later, fmt, ap);
    va_end(ap);
}

void lt_message_flush(int all) {
    int64_t now = msg_now_ns(), window = (int64_t)(LT_MESSAGE_WINDOW_S * 1e9);
    if (later[0]) {
        char text[TEXT_MAX];
        memcpy(text, later, sizeof text);
        later[0] = 0;
        lt_message("%s", text);
    }
    for (int i = 0; i < KINDS; i++) {
        kind *k = &kinds[i];
        if (k->hash && k->held && (all || now - k->opened_ns >= window)) summary(k, now);
        if (all) k->hash = 0;
    }
}

void lt_message_user_action(void) { lt_message_flush(1); }

unsigned long lt_message_suppressed(void) { return suppressed; }

/* msg(text) or msg(key, text): a message through the same flood control as C's. */
static int l_message(lua_State *L) {
    if (lua_gettop(L) >= 2) {
        const char *key = luaL_checkstring(L, 1);
        lt_message_keyed(key, "%s", luaL_checkstring(L, 2));
    } else {
        lt_message("%s", luaL_checkstring(L, 1));
    }
    return 0;
}

int lt_open_message(lua_State *L) {
    lua_pushcfunction(L, l_message);
    return 1;
}
