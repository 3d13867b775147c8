/* repl.c — the REPL (see repl.h).  Messages that arrive while the user types (a reload error, a
 * loop that stopped, print() from a loop or a MIDI handler) are printed above the prompt without
 * losing the line being typed.  Ctrl-C stops an evaluation (through the VM's watchdog hook); at the
 * prompt it discards the line being typed, as in a shell; without a prompt it ends the session.
 * A second Ctrl-C while the first is still waiting to be acted on (the control thread is stuck) quits:
 * see guard.h, which makes sure that happens within a second.  Every touch of the Lua state from here
 * (completion walks tables whose metamethods a script wrote) runs under a protected call. */
#include "repl.h"
#include "vm.h"
#include "guard.h"
#include "message.h"
#include <lauxlib.h>
#include <readline/readline.h>
#include <readline/history.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROMPT  "lute> "
#define PROMPT2 "  >> "

static lt_session *sess;
static int is_tty, done;
static int installed;          /* the readline handler (and so the prompt) is on the screen */
static volatile sig_atomic_t in_eval;       /* a chunk typed by the user is being evaluated */
static volatile sig_atomic_t prompt_sigint; /* Ctrl-C arrived while the prompt was waiting */
static char *pending;          /* an incomplete chunk waiting for more lines */
static char history_path[4096];
static char pipebuf[65536];
static size_t pipelen;

static void append(const char *line) {
    size_t a = pending ? strlen(pending) : 0, b = strlen(line);
    char *p = realloc(pending, a + b + 2);
    if (!p) return;
    if (a) p[a++] = '\n';
    memcpy(p + a, line, b + 1);
    pending = p;
}

/* Evaluates the pending chunk plus `line`; keeps it pending while it is incomplete. */
static int feed_line(const char *line) {
    append(line);
    if (!pending) return 0;
    lt_message_user_action();
    in_eval = 1;
    lt_chunk_status st = lt_session_eval_chunk(sess, pending, 1);
    in_eval = 0;
    if (st == LT_CHUNK_INCOMPLETE) return 1;
    free(pending);
    pending = NULL;
    fflush(stdout);
    return 0;
}

static void on_line(char *line) {
    if (!line) {                       /* Ctrl-D */
        done = 1;
        rl_callback_handler_remove();
        installed = 0;
        putchar('\n');
        return;
    }
    if (*line) {
        add_history(line);
        if (history_path[0]) append_history(1, history_path);
    }
    int more = feed_line(line);
    free(line);
    if (sess->api.quit_requested) { done = 1; rl_callback_handler_remove(); installed = 0; return; }
    rl_set_prompt(more ? PROMPT2 : PROMPT);
}

/* True when the prompt and the user's half-typed line are on the screen, so that anything else
 * printed must first clear them and then draw them again below.  During an evaluation readline has
 * already moved to a fresh line: output then goes straight through. */
static int prompt_showing(void) {
    return is_tty && installed && !done && !in_eval;
}

/* Readline writes to its own (buffered) stream: flush it, or a message written to stderr would
 * reach the terminal before the line is cleared. */
static void clear_prompt(void) {
    rl_clear_visible_line();
    fflush(rl_outstream ? rl_outstream : stdout);
}

static void print_above_prompt(const char *text) {
    if (prompt_showing()) {
        clear_prompt();
        fprintf(stderr, "%s\n", text);
        fflush(stderr);
        rl_on_new_line();
        rl_redisplay();
    } else {
        fprintf(stderr, "%s\n", text);
        fflush(stderr);
    }
}

/* print() as in Lua's base library (tostring on each argument, tabs between, a newline), but on a
 * terminal it clears the prompt first and draws it again after, so a live loop or a MIDI handler
 * that prints does not break the line the user is typing. */
static int repl_print(lua_State *L) {
    int n = lua_gettop(L);
    int around = prompt_showing();
    if (around) clear_prompt();
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1) fputc('\t', stdout);
        fwrite(s, 1, len, stdout);
        lua_pop(L, 1);
    }
    fputc('\n', stdout);
    fflush(stdout);
    if (around) { rl_on_new_line(); rl_redisplay(); }
    return 0;
}

/* Tab completion: Lua globals, fields of tables ("midi.ma" -> "midi.map"), lute's own names. */
static char **matches;
static int nmatches, match_i;

static void add_match(const char *s) {
    char **m = realloc(matches, sizeof *matches * (size_t)(nmatches + 1));
    if (!m) return;
    matches = m;
    matches[nmatches++] = strdup(s);
}

static int collect_body(lua_State *L) {
    const char *text = lua_touserdata(L, 1);
    const char *dot = strrchr(text, '.');
    char prefix[256] = "";
    const char *word = text;
    lua_pushglobaltable(L);
    if (dot && (size_t)(dot - text) < sizeof prefix) {
        memcpy(prefix, text, (size_t)(dot - text) + 1);
        prefix[dot - text + 1] = 0;
        word = dot + 1;
        char path[256];
        snprintf(path, sizeof path, "%.*s", (int)(dot - text), text);
        for (char *tok = strtok(path, "."); tok; tok = strtok(NULL, ".")) {
            if (!lua_istable(L, -1)) break;
            lua_getfield(L, -1, tok);
            lua_remove(L, -2);
        }
    }
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING) {
                const char *k = lua_tostring(L, -1);
                if (k[0] != '_' && strncmp(k, word, strlen(word)) == 0) {
                    char full[512];
                    snprintf(full, sizeof full, "%s%s", prefix, k);
                    add_match(full);
                }
            }
        }
    }
    lua_pop(L, 1);
    return 0;
}

static void collect(const char *text) {
    for (int i = 0; i < nmatches; i++) free(matches[i]);
    nmatches = 0;
    if (lt_vm_cpcall(sess->L, collect_body, (void *)text, 200) != LUA_OK) lua_pop(sess->L, 1);
}

static char *generator(const char *text, int state) {
    if (!state) { collect(text); match_i = 0; }
    return match_i < nmatches ? strdup(matches[match_i++]) : NULL;
}

static char **complete(const char *text, int start, int end) {
    (void)start; (void)end;
    rl_attempted_completion_over = 1;
    return rl_completion_matches(text, generator);
}

/* lute.message(fmt, ...) from lute.lua (a loop that stopped, a scheduler error), in a live session:
 * formatted, then through lt_message like the C side's messages (flood control, and on a terminal
 * print_above_prompt). */
static int repl_message(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));   /* string.format as it was when the REPL started */
    lua_insert(L, 1);
    lua_call(L, n, 1);
    lt_message("%s", luaL_tolstring(L, -1, NULL));   /* flood control, then print_above_prompt */
    return 0;
}

/* Ctrl-C.  During an evaluation it asks the VM to stop it (the watchdog hook raises an error at the
 * next instruction count, the music goes on).  At the prompt it only sets a flag: the line is
 * discarded by the control thread (see take_prompt_sigint) — never through the VM, whose next Lua
 * code would be a scheduler tick or a live loop that has nothing to do with the key.  With no
 * prompt (piped input, --no-repl) Ctrl-C ends the session as SIGTERM does, cleanly. */
static void on_sigint(int sig) {
    (void)sig;
    if (lt_vm_interrupt_pending() || prompt_sigint) { lt_guard_request_exit(130); return; }
    if (in_eval) lt_vm_interrupt();
    else if (is_tty && !done) prompt_sigint = 1;
    else raise(SIGTERM);
}

static void take_prompt_sigint(void) {
    if (!prompt_sigint) return;
    prompt_sigint = 0;
    if (!installed) return;
    free(pending);           /* like a shell: Ctrl-C drops the line and any unfinished chunk */
    pending = NULL;
    rl_free_line_state();
    rl_callback_sigcleanup();
    rl_replace_line("", 0);
    rl_point = rl_end = 0;
    fputs("^C\n", rl_outstream ? rl_outstream : stdout);
    rl_set_prompt(PROMPT);
    rl_on_new_line();
    rl_redisplay();
}

/* The prompt is drawn when the main loop first asks whether input is done, that is after the
 * start-up messages (device, "playing SONG", the help hint), so that they do not land on the
 * prompt's line. */
static void install(void) {
    if (installed || done || !is_tty) return;
    rl_callback_handler_install(PROMPT, on_line);
    installed = 1;
}

/* lute.message goes through lt_message in every live session, so the Lua side's messages (a loop that
 * stopped, a MIDI handler that failed) get the same flood control as C's; print is replaced on a
 * terminal only, where the prompt must be kept intact. */
static int install_printers(lua_State *L) {
    if (is_tty) {
        lua_pushcfunction(L, repl_print);
        lua_setglobal(L, "print");
    }
    lua_getglobal(L, "lute");
    if (lua_istable(L, -1)) {
        lua_getglobal(L, "string");
        lua_getfield(L, -1, "format");
        lua_remove(L, -2);
        lua_pushcclosure(L, repl_message, 1);
        lua_setfield(L, -2, "message");
    }
    return 0;
}

int lt_repl_init(lt_session *s) {
    sess = s;
    is_tty = isatty(0);
    lt_message_hook = print_above_prompt;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    if (lt_vm_cpcall(s->L, install_printers, NULL, 1000) != LUA_OK) lua_pop(s->L, 1);
    if (!is_tty) return 0;
    const char *h = getenv("LUTE_HISTORY");
    if (h) snprintf(history_path, sizeof history_path, "%s", h);
    else if (getenv("HOME")) snprintf(history_path, sizeof history_path, "%s/.lute_history", getenv("HOME"));
    using_history();
    if (history_path[0]) {
        read_history(history_path);
        /* make sure append_history has a file; what the performer typed is theirs alone (0600) */
        int fd = open(history_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) close(fd);
    }
    rl_readline_name = "lute";
    rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(,[";
    rl_attempted_completion_function = complete;
    rl_catch_signals = 0;
    return 0;
}

/* Piped input: evaluate every complete line as it arrives, chunk by chunk (multi-line chunks wait
 * until they are complete). */
static void read_pipe(void) {
    ssize_t n = read(0, pipebuf + pipelen, sizeof pipebuf - 1 - pipelen);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        if (pipelen) { pipebuf[pipelen] = 0; feed_line(pipebuf); pipelen = 0; }
        if (pending) { lt_message("lute: end of input inside an unfinished chunk: %.60s", pending); free(pending); pending = NULL; }
        done = 1;
        return;
    }
    pipelen += (size_t)n;
    pipebuf[pipelen] = 0;
    char *start = pipebuf, *nl;
    while ((nl = memchr(start, '\n', pipelen - (size_t)(start - pipebuf)))) {
        *nl = 0;
        feed_line(start);
        start = nl + 1;
        if (sess->api.quit_requested) { done = 1; return; }
    }
    pipelen -= (size_t)(start - pipebuf);
    memmove(pipebuf, start, pipelen);
    if (pipelen == sizeof pipebuf - 1) { pipebuf[pipelen] = 0; feed_line(pipebuf); pipelen = 0; }
}

void lt_repl_readable(void) {
    if (done) return;
    if (is_tty) {
        install();
        take_prompt_sigint();
        rl_callback_read_char();
    } else read_pipe();
}

/* Called once per turn of the main loop, before it polls: the place to draw the first prompt and
 * to act on a Ctrl-C typed at the prompt (the signal only interrupted the poll). */
int lt_repl_done(void) {
    install();
    take_prompt_sigint();
    return done || sess->api.quit_requested;
}

void lt_repl_close(void) {
    if (installed) rl_callback_handler_remove();
    installed = 0;
    if (is_tty && history_path[0]) history_truncate_file(history_path, 1000);
    lt_message_hook = NULL;
    free(pending);
    pending = NULL;
    for (int i = 0; i < nmatches; i++) free(matches[i]);
    free(matches);
    matches = NULL;
    nmatches = 0;
}
