/* main.c — lute's command line: live playback with the REPL (default), `render` (offline, to a
 * file), `exec` (a Lua file in lute's language without audio: tests and tools), and the listings.
 * Exit status: 0 success, 1 failure while working, 2 bad usage or bad input at start-up. */
#include "session.h"
#include "repl.h"
#include "watch.h"
#include "vm.h"
#include "driver.h"
#include "analysis.h"
#include "midi.h"
#include "midi_rt.h"
#include "ring.h"
#include "cmd.h"
#include "bind_fx.h"
#include <lauxlib.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LUTE_VERSION "0.1.0"
#define DEFAULT_LOOKAHEAD_MS 50


typedef struct options {
    const char *cmd;          /* NULL (live), "render", "exec" */
    const char *script;
    const char *out;
    const char *midi_out;
    const char *device;
    const char *midi_in;
    const char *midi_api;
    const char *section;
    const char *solo;
    double seconds, bars, from_bar, to_bar, tail;
    int rate, block, bits, lookahead_ms, no_midi, no_repl;
    int exec_argc;
    char **exec_argv;
} options;

static void usage(FILE *f) {
    fprintf(f,
        "usage: lute [SCRIPT.lua] [--device NAME] [--rate HZ] [--block FRAMES] [--lookahead MS]\n"
        "            [--midi-in PORT] [--midi-api alsa|jack] [--no-midi]\n"
        "       lute render SCRIPT.lua -o OUT.wav [--seconds S | --bars N] [--rate HZ] [--bits 16|24|32]\n"
        "            [--section NAME] [--from BAR] [--to BAR] [--tail S] [--midi OUT.mid]\n"
        "       lute exec FILE.lua [ARGS...]     run Lua in lute's language, no audio (tests, tools)\n"
        "       lute analyze FILE... [--json [--series]] [--plot OUT.png|.svg] [--target LUFS]\n"
        "       lute master IN -o OUT [--target LUFS] [--ceiling dBTP] [--chain FILE.lua] [--reference REF]\n"
        "       lute album ALBUM.lua [-o DIR]    sequence an album: CD image + CUE sheet, streaming files\n"
        "       lute --list-devices | --list-midi | --help | --version\n"
        "\n"
        "Live, lute plays SCRIPT on the default audio device, watches it and the files it requires\n"
        "(saving re-evaluates; the change is heard at the next bar), and opens the REPL (help()).\n"
        "Without an audio device it says so and renders the script to a WAV file instead.\n");
}

static int bad_usage(const char *fmt, const char *arg) {
    fprintf(stderr, "lute: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(lute --help shows the usage)\n");
    return 2;
}

static int parse_number(const char *opt, const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || errno || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "lute: %s needs a number from %g to %g, got '%s'\n", opt, lo, hi, s ? s : "(nothing)");
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, options *o) {
    memset(o, 0, sizeof *o);
    o->bits = 0;   /* 0 = by file type: 32-bit float for WAV and AIFF, 24-bit for FLAC */
    o->lookahead_ms = DEFAULT_LOOKAHEAD_MS;
    o->seconds = o->bars = o->from_bar = o->to_bar = o->tail = -1;
    int i = 1;
    if (i < argc && (strcmp(argv[i], "render") == 0 || strcmp(argv[i], "exec") == 0)) o->cmd = argv[i++];
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        double d;
#define NUM(name, lo, hi, dst) else if (strcmp(a, name) == 0) { if (parse_number(name, v, lo, hi, &d)) return 2; dst = d; i++; }
#define STR(name, dst) else if (strcmp(a, name) == 0) { if (!v) return bad_usage("%s needs a value", a); dst = v; i++; }
        if (o->cmd && strcmp(o->cmd, "exec") == 0 && o->script) { o->exec_argc = argc - i; o->exec_argv = argv + i; break; }
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { usage(stdout); exit(0); }
        else if (strcmp(a, "--version") == 0) { printf("lute %s (Lua 5.4, PortAudio, libsndfile, RtMidi)\n", LUTE_VERSION); exit(0); }
        else if (strcmp(a, "--list-devices") == 0) o->cmd = "list-devices";
        else if (strcmp(a, "--list-midi") == 0) o->cmd = "list-midi";
        else if (strcmp(a, "--no-midi") == 0) o->no_midi = 1;
        else if (strcmp(a, "--no-repl") == 0) o->no_repl = 1;
        STR("-o", o->out) STR("--out", o->out) STR("--midi", o->midi_out) STR("--device", o->device)
        STR("--midi-in", o->midi_in) STR("--midi-api", o->midi_api) STR("--section", o->section) STR("--solo", o->solo)
        NUM("--seconds", 0.001, 86400, o->seconds) NUM("--bars", 0.001, 100000, o->bars)
        NUM("--from", 1, 100000, o->from_bar) NUM("--to", 1, 100000, o->to_bar) NUM("--tail", 0, 600, o->tail)
        NUM("--rate", 8000, 384000, o->rate) NUM("--block", 16, 8192, o->block)
        else if (strcmp(a, "--bits") == 0) {
            if (!v || (strcmp(v, "16") && strcmp(v, "24") && strcmp(v, "32")))
                return bad_usage("--bits is 16, 24 or 32 (32 = float), not '%s'", v ? v : "(nothing)");
            o->bits = atoi(v);
            i++;
        } NUM("--lookahead", 1, 2000, o->lookahead_ms)
        else if (a[0] == '-' && a[1]) return bad_usage("unknown option '%s'", a);
        else if (!o->script) o->script = a;
        else return bad_usage("unexpected argument '%s'", a);
#undef NUM
#undef STR
    }
    return 0;
}

static int check_script(const char *path) {
    struct stat st;
    if (!path) return 0;
    if (stat(path, &st) != 0) { fprintf(stderr, "lute: cannot open script '%s': %s\n", path, strerror(errno)); return 2; }
    if (!S_ISREG(st.st_mode)) { fprintf(stderr, "lute: '%s' is not a file\n", path); return 2; }
    return 0;
}

/* ---- offline --------------------------------------------------------------------------------- */

static int feed(void *ud, int64_t upto) {
    lt_session *s = ud;
    lt_session_tick(s, upto);
    return 0;
}

/* Asks the script's song how long it is, or converts --bars/--from/--to/--section into frames. */
static int render_span(lt_session *s, const options *o, int64_t *start, int64_t *frames) {
    lua_State *L = s->L;
    lua_getglobal(L, "lute");
    lua_getfield(L, -1, "_render_span");
    lua_remove(L, -2);
    lua_newtable(L);
    if (o->bars > 0) { lua_pushnumber(L, o->bars); lua_setfield(L, -2, "bars"); }
    if (o->seconds > 0) { lua_pushnumber(L, o->seconds); lua_setfield(L, -2, "seconds"); }
    if (o->from_bar > 0) { lua_pushnumber(L, o->from_bar); lua_setfield(L, -2, "from"); }
    if (o->to_bar > 0) { lua_pushnumber(L, o->to_bar); lua_setfield(L, -2, "to"); }
    if (o->tail >= 0) { lua_pushnumber(L, o->tail); lua_setfield(L, -2, "tail"); }
    if (o->section) { lua_pushstring(L, o->section); lua_setfield(L, -2, "section"); }
    if (lt_docall(L, 1, 2, LT_EVAL_BUDGET_MS, 0) != LUA_OK) {
        fprintf(stderr, "lute: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    *start = lua_tointeger(L, -2);
    *frames = lua_tointeger(L, -1);
    lua_pop(L, 2);
    return 0;
}

static int write_midi(lt_session *s, const char *path, const options *o) {
    lua_State *L = s->L;
    lua_getglobal(L, "lute");
    lua_getfield(L, -1, "export_midi");
    lua_remove(L, -2);
    lua_pushstring(L, path);
    lua_newtable(L);
    if (o->section) { lua_pushstring(L, o->section); lua_setfield(L, -2, "section"); }
    if (o->bars > 0) { lua_pushnumber(L, o->bars); lua_setfield(L, -2, "bars"); }
    if (o->from_bar > 0) { lua_pushnumber(L, o->from_bar); lua_setfield(L, -2, "from"); }
    if (o->to_bar > 0) { lua_pushnumber(L, o->to_bar); lua_setfield(L, -2, "to"); }
    if (lt_docall(L, 2, 0, 60000, 0) != LUA_OK) {
        fprintf(stderr, "lute: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    printf("wrote %s\n", path);
    return 0;
}

static int run_render(const options *o) {
    if (!o->script) return bad_usage("render needs a script: lute render SONG.lua -o OUT.wav%s", "");
    if (!o->out && !o->midi_out) return bad_usage("render needs -o OUT.wav (or --midi OUT.mid)%s", "");
    int rc = check_script(o->script);
    if (rc) return rc;
    int rate = o->rate > 0 ? o->rate : 48000;
    lt_session s;
    if (lt_session_init(&s, rate, 0, o->lookahead_ms)) return 1;
    s.script = o->script;
    if (lt_session_eval_file(&s, o->script)) { lt_session_close(&s); return 2; }
    if (o->solo) {
        lua_getglobal(s.L, "lute");
        lua_getfield(s.L, -1, "solo");
        lua_remove(s.L, -2);
        lua_pushstring(s.L, o->solo);
        if (lt_docall(s.L, 1, 0, LT_EVAL_BUDGET_MS, 0) != LUA_OK) {
            fprintf(stderr, "lute: --solo: %s\n", lua_tostring(s.L, -1));
            lt_session_close(&s);
            return 2;
        }
    }
    int64_t start = 0, frames = 0;
    if (render_span(&s, o, &start, &frames)) { lt_session_close(&s); return 2; }
    if (o->midi_out && write_midi(&s, o->midi_out, o)) { lt_session_close(&s); return 2; }
    if (!o->out) { lt_session_close(&s); return 0; }
    char err[512];
    lt_render_result res;
    int bits = o->bits;
    if (!bits) {
        const char *dot = strrchr(o->out, '.');
        bits = dot && strcasecmp(dot, ".flac") == 0 ? 24 : 32;
    }
    /* Frames before `start` (a section or --from) are rendered into nothing, so voices and tails
     * enter the excerpt exactly as they would sound in the whole song. */
    if (start > 0) {
        float *skip = malloc(sizeof(float) * 2 * 4096);
        if (!skip) { lt_session_close(&s); return 1; }
        for (int64_t done = 0; done < start;) {
            int64_t n = start - done < 4096 ? start - done : 4096;
            lt_render_buffer(s.api.engine, skip, n, feed, &s);
            done += n;
        }
        free(skip);
    }
    if (lt_render_file(s.api.engine, o->out, bits, frames, feed, &s, &res, err, sizeof err)) {
        fprintf(stderr, "lute: %s\n", err);
        lt_session_close(&s);
        return 2;
    }
    lt_api_pump(s.L, &s.api);
    lt_engine_stats st;
    lt_engine_get_stats(s.api.engine, &st);
    lt_session_close(&s);
    lt_analysis a;
    if (lt_analyze_file(o->out, &a, err, sizeof err) == 0)
        printf("wrote %s: %.3f s, %d Hz, %s, peak %.1f dBFS, true peak %.1f dBTP, %.1f LUFS\n", o->out, a.seconds,
               a.rate, bits == 32 ? "32-bit float" : bits == 24 ? "24-bit" : "16-bit", a.peak_db,
               a.true_peak_db, a.lufs);
    else
        printf("wrote %s (%lld frames)\n", o->out, (long long)res.frames);
    if (st.late_events) fprintf(stderr, "lute: %lld events were late\n", (long long)st.late_events);
    return 0;
}

/* ---- exec ------------------------------------------------------------------------------------ */

static int run_exec(const options *o) {
    if (!o->script) return bad_usage("exec needs a Lua file%s", "");
    int rc = check_script(o->script);
    if (rc) return rc;
    lt_session s;
    if (lt_session_init(&s, o->rate > 0 ? o->rate : 48000, 0, o->lookahead_ms)) return 1;
    lua_State *L = s.L;
    lua_createtable(L, o->exec_argc, 1);
    lua_pushstring(L, o->script);
    lua_rawseti(L, -2, 0);
    for (int i = 0; i < o->exec_argc; i++) { lua_pushstring(L, o->exec_argv[i]); lua_rawseti(L, -2, i + 1); }
    lua_setglobal(L, "arg");
    int st = luaL_loadfile(L, o->script);
    if (st == LUA_OK) st = lt_docall(L, 0, 0, 0, 1);
    if (st != LUA_OK) fprintf(stderr, "%s\n", lua_tostring(L, -1));
    lt_session_close(&s);
    return st == LUA_OK ? 0 : 1;
}

/* ---- live ------------------------------------------------------------------------------------ */

typedef struct midi_glue {
    lt_engine *engine;
    lt_ring to_lua;
    int64_t latency;   /* frames added to arrival time: a constant latency instead of jitter */
} midi_glue;

/* RtMidi's thread: stamp, then push to the engine (notes and CCs, no Lua) and to the control thread. */
static void on_midi(void *ud, const uint8_t *msg, size_t len, int64_t arrival_ns) {
    midi_glue *g = ud;
    int64_t frame = lt_engine_frame_at(g->engine, arrival_ns) + g->latency;
    if (len <= 3 && msg[0] >= 0x80 && msg[0] < 0xF0) lt_engine_midi(g->engine, frame, msg, (int)len);
    if (msg[0] >= 0xF8 && msg[0] != 0xFA && msg[0] != 0xFC && msg[0] != 0xFB) return;  /* clock and sensing stay out of Lua */
    lt_midi_event ev;
    ev.frame = frame;
    ev.len = (uint16_t)(len > LT_MIDI_MAX_MSG ? LT_MIDI_MAX_MSG : len);
    memcpy(ev.data, msg, ev.len);
    lt_ring_push(&g->to_lua, &ev);
}

static lt_midi_api midi_api(const options *o) {
    if (o->midi_api && strcmp(o->midi_api, "alsa") == 0) return LT_MIDI_API_ALSA;
    if (o->midi_api && strcmp(o->midi_api, "jack") == 0) return LT_MIDI_API_JACK;
    if (o->device && strcasestr(o->device, "jack")) return LT_MIDI_API_JACK;
    return LT_MIDI_API_AUTO;
}

static volatile sig_atomic_t got_term;
static void on_term(int sig) { (void)sig; got_term = 1; }

static int run_live(const options *o) {
    int rc = check_script(o->script);
    if (rc) return rc;
    if (o->midi_api && strcmp(o->midi_api, "alsa") && strcmp(o->midi_api, "jack"))
        return bad_usage("--midi-api is alsa or jack, not '%s'", o->midi_api);
    char err[2048];
    int no_device = 0;
    lt_live_config lc = {.device = o->device, .sample_rate = o->rate, .block = o->block, .client_name = "lute"};
    lt_live *live = lt_live_open(&lc, &no_device, err, sizeof err);
    if (!live) {
        if (no_device && o->script) {
            /* No sound card (a server, CI): say so plainly and render instead. */
            char out[4096];
            const char *base = strrchr(o->script, '/');
            base = base ? base + 1 : o->script;
            snprintf(out, sizeof out, "%s/build/%.*s.wav", lt_vm_root(), (int)(strcspn(base, ".")), base);
            fprintf(stderr, "lute: %s, so nothing can play live here; rendering %s to %s instead\n", err, o->script, out);
            options r = *o;
            r.cmd = "render";
            r.out = out;
            if (r.bars < 0 && r.seconds < 0) r.bars = -1;
            return run_render(&r);
        }
        fprintf(stderr, "lute: %s\n", err);
        return 2;
    }
    int rate = lt_live_rate(live);
    lt_session s;
    if (lt_session_init(&s, rate, 1, o->lookahead_ms)) { lt_live_close(live); return 1; }
    s.api.inputs = lt_live_inputs(live);
    s.api.roundtrip = (int32_t)lround((lt_live_latency(live) + lt_live_input_latency(live)) * rate);
    s.script = o->script;
    midi_glue glue = {.engine = s.api.engine};
    lt_ring_init(&glue.to_lua, sizeof(lt_midi_event), 256);
    glue.latency = lt_live_block(live) + LT_QUANTUM;
    lt_api_set_midi_ring(&glue.to_lua);
    if (lt_live_start(live, s.api.engine, err, sizeof err)) {
        fprintf(stderr, "lute: %s\n", err);
        lt_live_close(live);
        lt_api_set_midi_ring(NULL);
        lt_session_close(&s);
        lt_ring_free(&glue.to_lua);
        return 1;
    }
    lt_midi_in *midi = NULL;
    if (!o->no_midi) {
        char merr[2048];
        midi = lt_midi_open(midi_api(o), "lute-midi", o->midi_in, on_midi, &glue, merr, sizeof merr);
        if (!midi) {
            if (o->midi_in) {   /* asked for a port that is not there: bad input */
                fprintf(stderr, "lute: %s\n", merr);
                lt_live_close(live);
                lt_api_set_midi_ring(NULL);
                lt_session_close(&s);
                lt_ring_free(&glue.to_lua);
                return 2;
            }
            fprintf(stderr, "lute: no MIDI input (%s); playing on without it\n", merr);
        }
    }
    fprintf(stderr, "lute %s: %s, %d Hz, %d frames, lookahead %d ms%s%s\n", LUTE_VERSION, lt_live_name(live), rate,
            lt_live_block(live), o->lookahead_ms, midi ? "; MIDI in: " : "", midi ? lt_midi_port_name(midi) : "");
    lt_repl_init(&s);
    int wfd = lt_watch_init();
    if (o->script) {
        if (lt_session_eval_file(&s, o->script) == 0) fprintf(stderr, "lute: playing %s\n", o->script);
        lt_session_watch_files(&s);
    }
    if (isatty(0)) fprintf(stderr, "help() for help, quit() or Ctrl-D to leave\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int stdin_open = !o->no_repl;
    int64_t reload_at = 0;
    while (!got_term && !s.api.quit_requested && !(stdin_open && lt_repl_done())) {
        struct pollfd fds[2] = {{stdin_open ? 0 : -1, POLLIN, 0}, {wfd, POLLIN, 0}};
        poll(fds, 2, 4);
        if (fds[0].revents & (POLLIN | POLLHUP)) lt_repl_readable();
        if (fds[1].revents & POLLIN && lt_watch_read()) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            reload_at = ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 50;   /* editors write in bursts */
        }
        if (reload_at) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            if (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 >= reload_at) {
                reload_at = 0;
                if (lt_session_eval_file(&s, o->script) == 0) lt_message("lute: reloaded %s", o->script);
                lt_session_watch_files(&s);
            }
        }
        lt_session_tick(&s, lt_engine_frame(s.api.engine));
        if (!stdin_open && !o->script) break;
    }
    lt_repl_close();
    lt_live_stats ls;
    lt_live_stats_get(live, &ls);
    lt_midi_close(midi);
    lt_live_close(live);
    lt_api_set_midi_ring(NULL);
    lt_engine_stats es;
    lt_engine_get_stats(s.api.engine, &es);
    if (getenv("LUTE_STATS"))
        fprintf(stderr, "lute: stats: callbacks %lld, worst callback %.3f of the period, mean %.4f, underflows %lld, "
                        "late events %lld\n", (long long)ls.callbacks, ls.worst_callback, ls.mean_callback,
                (long long)ls.underflows, (long long)es.late_events);
    lt_session_close(&s);
    lt_ring_free(&glue.to_lua);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "analyze") == 0) return lt_cmd_analyze(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "master") == 0) return lt_cmd_master(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "album") == 0) return lt_cmd_album(argc - 1, argv + 1);
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc) return rc;
    char buf[16384], err[1024];
    if (o.cmd && strcmp(o.cmd, "list-devices") == 0) {
        int n = lt_live_list(buf, sizeof buf, err, sizeof err);
        if (n < 0) { fprintf(stderr, "lute: %s\n", err); return 1; }
        if (n == 0) printf("no audio output devices\n"); else fputs(buf, stdout);
        return 0;
    }
    if (o.cmd && strcmp(o.cmd, "list-midi") == 0) {
        int n = lt_midi_list(midi_api(&o), buf, sizeof buf, err, sizeof err);
        if (n < 0) { fprintf(stderr, "lute: %s\n", err); return 1; }
        if (n == 0) printf("no MIDI input ports\n"); else fputs(buf, stdout);
        return 0;
    }
    if (o.cmd && strcmp(o.cmd, "render") == 0) return run_render(&o);
    if (o.cmd && strcmp(o.cmd, "exec") == 0) return run_exec(&o);
    return run_live(&o);
}
