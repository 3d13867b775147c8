/* repl.c — the REPL (see repl.h).  Messages that arrive while the user types (a reload error, a
 * loop that stopped) are printed above the prompt without losing the line being typed. */
#include "repl.h"
#include "vm.h"
#include <lauxlib.h>
#include <readline/readline.h>
#include <readline/history.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROMPT  "lute> "
#define PROMPT2 "  >> "

static lt_session *sess;
static int is_tty, done;
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
    lt_chunk_status st = lt_session_eval_chunk(sess, pending, 1);
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
        putchar('\n');
        return;
    }
    if (*line) {
        add_history(line);
        if (history_path[0]) append_history(1, history_path);
    }
    int more = feed_line(line);
    free(line);
    if (sess->api.quit_requested) { done = 1; rl_callback_handler_remove(); return; }
    rl_set_prompt(more ? PROMPT2 : PROMPT);
}

static void print_above_prompt(const char *text) {
    if (is_tty && !done) {
        int saved_point = rl_point;
        char *saved = rl_copy_text(0, rl_end);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
        fprintf(stderr, "%s\n", text);
        rl_restore_prompt();
        rl_replace_line(saved, 0);
        rl_point = saved_point;
        rl_redisplay();
        free(saved);
    } else {
        fprintf(stderr, "%s\n", text);
        fflush(stderr);
    }
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

static void collect(const char *text) {
    lua_State *L = sess->L;
    for (int i = 0; i < nmatches; i++) free(matches[i]);
    nmatches = 0;
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

static void on_sigint(int sig) {
    (void)sig;
    lt_vm_interrupt();
}

int lt_repl_init(lt_session *s) {
    sess = s;
    is_tty = isatty(0);
    lt_message_hook = print_above_prompt;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    if (!is_tty) return 0;
    const char *h = getenv("LUTE_HISTORY");
    if (h) snprintf(history_path, sizeof history_path, "%s", h);
    else if (getenv("HOME")) snprintf(history_path, sizeof history_path, "%s/.lute_history", getenv("HOME"));
    using_history();
    if (history_path[0]) {
        read_history(history_path);
        FILE *f = fopen(history_path, "a");   /* make sure append_history has a file */
        if (f) fclose(f);
    }
    rl_readline_name = "lute";
    rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(,[";
    rl_attempted_completion_function = complete;
    rl_catch_signals = 0;
    rl_callback_handler_install(PROMPT, on_line);
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
    if (is_tty) rl_callback_read_char();
    else read_pipe();
}

int lt_repl_done(void) { return done || sess->api.quit_requested; }

void lt_repl_close(void) {
    if (is_tty && !done) rl_callback_handler_remove();
    lt_message_hook = NULL;
    free(pending);
    pending = NULL;
    for (int i = 0; i < nmatches; i++) free(matches[i]);
    free(matches);
    matches = NULL;
    nmatches = 0;
}
