/* main.c — lute's command line: live playback with the REPL (default), `render` (offline, to a
 * file), `exec` (a Lua file in lute's language without audio: tests and tools), and the listings.
 * Exit status: 0 success, 1 failure while working, 2 bad usage or bad input at start-up; a render
 * stopped by Ctrl-C or SIGTERM exits 130 or 143 (128 + the signal) and leaves no file behind.
 *
 * Every touch of a Lua value here goes through a protected call (lt_vm_cpcall): a script can replace
 * any global, `lute` included, and that must make an error message, never an abort. */
#include "session.h"
#include "repl.h"
#include "watch.h"
#include "vm.h"
#include "guard.h"
#include "message.h"
#include "driver.h"
#include "io/stems.h"
#include "io/input_file.h"
#include "analysis.h"
#include "midi.h"
#include "midi_rt.h"
#include "ring.h"
#include "cmd.h"
#include "bind_fx.h"
#include <lauxlib.h>
#include <errno.h>
#include <limits.h>
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
#define MAX_INPUTS 256
#define DEVICE_LOST_MS 1500   /* no callback for this long: the device is gone (a loaded machine never stalls so long) */

/* The engine's MIDI panic: CC 120 (all sound off: `hard`, voices cut) and CC 123 (all notes off:
 * released).  Thread: the MIDI thread (the producer of the engine's MIDI ring).  RT-safe: yes.
 * It belongs to core/engine.c; until the engine has it this is a weak reference, left NULL, and the
 * two controllers only reach Lua handlers. */

typedef struct options {
    const char *cmd;          /* NULL (live), "render", "exec" */
    const char *script;
    const char *out;
    const char *midi_out;
    const char *device;
    const char *midi_in;
    const char *midi_api;
    const char *section;
    const char *solo, *mute, *bus, *stems, *input;
    int no_guard, inputs, outputs;
    double seconds, bars, from_bar, to_bar, tail, stall_limit, guard_ceiling, seed;
    int has_seed;
    int rate, block, bits, lookahead_ms, no_midi, no_repl;
    int exec_argc;
    char **exec_argv;
} options;

static void usage(FILE *f) {
    fprintf(f,
        "usage: lute [SCRIPT.lua] [options]             play live, watch SCRIPT and what it requires, open the REPL\n"
        "       lute render SCRIPT.lua -o OUT.wav [options]   render offline to a file (or --midi OUT.mid)\n"
        "       lute exec FILE.lua [ARGS...]             run Lua in lute's language, no audio (tests, tools)\n"
        "       lute analyze FILE... [--json [--series]] [--plot OUT.png|.svg] [--target LUFS]\n"
        "       lute master IN -o OUT [--target LUFS] [--ceiling dBTP] [--chain FILE.lua] [--reference REF]\n"
        "       lute album ALBUM.lua [-o DIR]    sequence an album: CD image + CUE sheet, streaming files\n"
        "       lute --list-devices | --list-midi | --help | --version\n"
        "\n"
        "live:\n"
        "  --device NAME        audio output: a number, part of a device name or of a host API (--device jack)\n"
        "  --rate HZ            sample rate (default 48000)\n"
        "  --block FRAMES       device block size (default 256)\n"
        "  --lookahead MS       how far ahead the scheduler works (default %d)\n"
        "  --midi-in PORT       MIDI input port: a number, a name or part of one (default: a virtual port\n"
        "                       connected to every MIDI output present at start)\n"
        "  --midi-api alsa|jack which MIDI system (default: ALSA when there is one, else JACK)\n"
        "  --no-midi            no MIDI input\n"
        "  --no-repl            no REPL: play and watch the script only\n"
        "  --outputs N          open N output channels (the master on 1-2; 3.. for a click: record{ click = { 3, 4 } })\n"
        "  --inputs N           open N input channels of the device too (full duplex), to record or\n"
        "                       monitor inputs; off by default: duplex costs a period of latency\n"
        "  --no-guard           no speaker guard (by default the output never passes 0 dBFS: a fast\n"
        "                       limiter at the output that says when it acts)\n"
        "  --guard-ceiling DB   the speaker guard's ceiling, -20 .. 0 dBFS (default 0)\n"
        "  --stall-limit S      say so when the control thread is stuck in one C function for S seconds\n"
        "                       (default %g, or $LUTE_STALL_LIMIT; 0 = never)\n"
        "  --seed N             math.random's seed for the script (a whole number; default 0, as lute.seed)\n"
        "render:\n"
        "  -o, --out FILE       the file to write: .wav, .flac or .aiff; written to a temporary file beside\n"
        "                       it and renamed when complete\n"
        "  --seconds S | --bars N   how much (default: the whole song, or 8 bars)\n"
        "  --section NAME       one section of the song\n"
        "  --from BAR --to BAR  bars of the song (counted from 1; --to is not played)\n"
        "  --tail S             seconds of release after the end (default 2 for a whole song)\n"
        "  --rate HZ            sample rate (default 48000)\n"
        "  --bits 16|24|32      sample format (32 = float; default 32, 24 for FLAC)\n"
        "  --solo TRACK[,TRACK] render only these tracks\n"
        "  --mute NAME[,NAME]   these tracks and buses are silent\n"
        "  --bus NAME           only what this bus outputs (it is soloed with what feeds it)\n"
        "  --stems DIR          also write each track's and bus's post-fader signal to DIR/NAME.wav\n"
        "  --input FILE         a file as the audio input (input tracks play and record it)\n"
        "  --midi FILE.mid      also (or only) write a type 1 Standard MIDI File\n"
        "  --lookahead MS       the scheduler's lookahead (default %d)\n"
        "  --stall-limit S      stop with an error naming the file and line when the script is stuck in one\n"
        "                       C function for S seconds (default %g; 0 = never)\n"
        "other:\n"
        "  --list-devices       audio devices (their inputs and outputs)\n"
        "  --list-midi          MIDI inputs (--midi-api chooses the system)\n"
        "  -h, --help           this text\n"
        "  --version            lute's version\n"
        "\n"
        "Live, lute plays SCRIPT on the default audio device, watches it and the files it requires\n"
        "(saving re-evaluates; the change is heard at the next bar), and opens the REPL (help()).\n"
        "Without an audio device it says so and renders the script to a WAV file instead.\n"
        "Ctrl-C stops an evaluation; pressed twice while lute is busy, or SIGTERM, it quits within a second.\n"
        "A render shows its progress on a terminal; Ctrl-C stops it and keeps any earlier file.\n"
        "Exit status: 0 success, 1 failure while working, 2 bad usage or bad input at start-up.\n",
        DEFAULT_LOOKAHEAD_MS, LT_GUARD_STALL_DEFAULT_S, DEFAULT_LOOKAHEAD_MS, LT_GUARD_STALL_DEFAULT_S);
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
    o->stall_limit = LT_GUARD_STALL_DEFAULT_S;
    /* LUTE_STALL_LIMIT: the default for builds that run slowly on purpose (make test-asan); the option wins */
    const char *sl = getenv("LUTE_STALL_LIMIT");
    if (sl && *sl) { char *end; double v = strtod(sl, &end); if (*end == 0 && v >= 0 && v <= 86400) o->stall_limit = v; }
    o->guard_ceiling = 0;
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
        else if (strcmp(a, "--no-guard") == 0) o->no_guard = 1;
        STR("-o", o->out) STR("--out", o->out) STR("--midi", o->midi_out) STR("--device", o->device)
        STR("--midi-in", o->midi_in) STR("--midi-api", o->midi_api) STR("--section", o->section) STR("--solo", o->solo)
        STR("--mute", o->mute) STR("--bus", o->bus) STR("--stems", o->stems) STR("--input", o->input)
        NUM("--seconds", 0.001, 86400, o->seconds) NUM("--bars", 0.001, 100000, o->bars)
        NUM("--from", 1, 100000, o->from_bar) NUM("--to", 1, 100000, o->to_bar) NUM("--tail", 0, 600, o->tail)
        NUM("--inputs", 1, 8, o->inputs) NUM("--outputs", 2, LT_MAX_OUTPUTS, o->outputs) NUM("--rate", 8000, 384000, o->rate) NUM("--block", 16, 8192, o->block)
        NUM("--stall-limit", 0, 86400, o->stall_limit) NUM("--guard-ceiling", -20, 0, o->guard_ceiling)
        else if (strcmp(a, "--seed") == 0) {   /* a whole number: math.random's seed (lute.seed) */
            if (parse_number(a, v, -9007199254740992.0, 9007199254740992.0, &d)) return 2;
            if (d != floor(d)) return bad_usage("--seed takes a whole number, got %s", v);
            o->seed = d; o->has_seed = 1; i++;
        }
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

static double stall_limit(const options *o) {
    return o->stall_limit > 0 ? o->stall_limit : -1;   /* guard: < 0 = never */
}

/* ---- output paths ------------------------------------------------------------------------------ */

/* The canonical name of a path whose file may not exist yet: its folder resolved, then its name. */
static int canonical(const char *path, char *out) {
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (realpath(path, out)) return 1;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
    if (!realpath(dir, real)) return 0;
    const char *name = slash ? slash + 1 : path;
    size_t a = strcmp(real, "/") ? strlen(real) : 0, b = strlen(name);
    if (a + b + 2 > PATH_MAX) return 0;
    memcpy(out, real, a);
    out[a] = '/';
    memcpy(out + a + 1, name, b + 1);
    return 1;
}

/* 1 when the two paths are one file: the same inode, or (not existing yet) the same canonical name. */
static int same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char ca[PATH_MAX], cb[PATH_MAX];
    return canonical(a, ca) && canonical(b, cb) && strcmp(ca, cb) == 0;
}

static int has_ext(const char *path, const char *const *exts) {
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    for (; dot && *exts; exts++) if (strcasecmp(dot, *exts) == 0) return 1;
    return 0;
}

/* The folder an output goes to must exist and be writable (checked before any work is done). */
static int check_out_dir(const char *opt, const char *path) {
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "lute: %s %s: that is a folder; give a file name\n", opt, path);
        return 2;
    }
    if (access(dir, W_OK) != 0) {
        fprintf(stderr, "lute: cannot write '%s': the folder '%s' %s\n", path, dir,
                errno == ENOENT ? "does not exist" : "is not writable");
        return 2;
    }
    return 0;
}

/* Before anything is evaluated: every output names a writable file of a kind lute writes, and none of
 * them is the script (`lute render song.lua --midi song.lua` must not eat the song). */
static int check_outputs(const options *o) {
    static const char *const midi_ext[] = {".mid", ".midi", ".smf", NULL};
    char err[1024];
    if (o->out && same_file(o->out, o->script)) {
        fprintf(stderr, "lute: -o %s is the script itself; choose another output file\n", o->out);
        return 2;
    }
    if (o->midi_out && same_file(o->midi_out, o->script)) {
        fprintf(stderr, "lute: --midi %s is the script itself; choose another output file\n", o->midi_out);
        return 2;
    }
    if (o->out && o->midi_out && same_file(o->out, o->midi_out)) {
        fprintf(stderr, "lute: -o and --midi name the same file '%s'\n", o->out);
        return 2;
    }
    if (o->out) {
        if (lt_render_check(o->out, o->bits, err, sizeof err)) { fprintf(stderr, "lute: %s\n", err); return 2; }
        if (check_out_dir("-o", o->out)) return 2;
    }
    if (o->midi_out) {
        if (!has_ext(o->midi_out, midi_ext)) {
            fprintf(stderr, "lute: --midi %s: a MIDI file's name ends in .mid or .midi (lute will not write MIDI "
                            "into a file of another kind)\n", o->midi_out);
            return 2;
        }
        if (check_out_dir("--midi", o->midi_out)) return 2;
    }
    return 0;
}

/* The files the script required (lute._user_modules), read under protection. */
typedef struct inputs { int n; char *path[MAX_INPUTS]; } inputs;

static int read_inputs(lua_State *L) {
    inputs *in = lua_touserdata(L, 1);
    lua_getglobal(L, "lute");
    lua_getfield(L, -1, "_user_modules");
    if (!lua_istable(L, -1)) return 0;
    lua_pushnil(L);
    while (lua_next(L, -2) && in->n < MAX_INPUTS) {
        if (lua_type(L, -1) == LUA_TSTRING) in->path[in->n++] = strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return 0;
}

/* After evaluation: no output may be a file the script required either. */
static int check_outputs_vs_inputs(lt_session *s, const options *o) {
    inputs in = {0};
    int rc = 0;
    if (lt_vm_cpcall(s->L, read_inputs, &in, 1000) != LUA_OK) lua_pop(s->L, 1);
    for (int i = 0; i < in.n && !rc; i++) {
        const char *which = o->out && same_file(o->out, in.path[i]) ? o->out
                          : o->midi_out && same_file(o->midi_out, in.path[i]) ? o->midi_out : NULL;
        if (which) {
            fprintf(stderr, "lute: %s %s is %s, a file the script requires; choose another output file\n",
                    which == o->out ? "-o" : "--midi", which, in.path[i]);
            rc = 2;
        }
    }
    for (int i = 0; i < in.n; i++) free(in.path[i]);
    return rc;
}

/* ---- offline --------------------------------------------------------------------------------- */

/* Progress on a terminal: bars done, speed against real time, time left; redrawn ten times a second. */
typedef struct progress {
    int on;
    int64_t total, first, rate;
    int64_t t0_ns, last_ns;
    int drawn;
} progress;

typedef struct render_ctx {
    lt_session *s;
    progress pr;
} render_ctx;

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int where_body(lua_State *L) {
    char *out = lua_touserdata(L, 1);
    lua_getglobal(L, "where");
    lua_call(L, 0, 1);
    const char *w = lua_tostring(L, -1);
    const char *b = w ? strstr(w, "bar ") : NULL;
    int bar = 0;
    /* where() says "... bar N, beat ..." for the transport: the last "bar N," in it */
    for (const char *p = b; p; p = strstr(p + 1, "bar ")) if (sscanf(p, "bar %d,", &bar) == 1) b = p;
    if (b && sscanf(b, "bar %d,", &bar) == 1) snprintf(out, 32, "bar %d", bar);
    return 0;
}

static void draw_progress(render_ctx *c, int64_t frame) {
    progress *p = &c->pr;
    int64_t now = mono_ns();
    if (now - p->last_ns < 100000000) return;
    p->last_ns = now;
    double done = (double)(frame - p->first), total = (double)p->total;
    double frac = total > 0 ? done / total : 1;
    if (frac > 1) frac = 1;
    double wall = (double)(now - p->t0_ns) / 1e9;
    double speed = wall > 0 ? done / (double)p->rate / wall : 0;
    double left = speed > 0 ? (total - done) / (double)p->rate / speed : 0;
    char bar[32] = "";
    if (lt_vm_cpcall(c->s->L, where_body, bar, 200) != LUA_OK) lua_pop(c->s->L, 1);
    char meter[21];
    int fill = (int)(frac * 20 + 0.5);
    for (int i = 0; i < 20; i++) meter[i] = i < fill ? '#' : '.';
    meter[20] = 0;
    fprintf(stderr, "\r  %s%s[%s] %3.0f%%  %.1fx real time  %d:%02d left\033[K", bar, bar[0] ? "  " : "", meter,
            frac * 100, speed, (int)left / 60, (int)left % 60);
    fflush(stderr);
    p->drawn = 1;
}

static void clear_progress(progress *p) {
    if (p->drawn) { fputs("\r\033[K", stderr); fflush(stderr); }
    p->drawn = 0;
}

static int feed(void *ud, int64_t upto) {
    render_ctx *c = ud;
    if (lt_guard_exit_status()) return 1;
    if (c->pr.on) draw_progress(c, lt_engine_frame(c->s->api.engine));
    lt_session_tick(c->s, upto);
    return lt_guard_exit_status() != 0;
}

/* Asks the script's song how long it is, or converts --bars/--from/--to/--section into frames. */
typedef struct span_call { const options *o; int64_t start, frames; } span_call;

static int span_body(lua_State *L) {
    span_call *c = lua_touserdata(L, 1);
    const options *o = c->o;
    lua_getglobal(L, "lute");
    lua_getfield(L, -1, "_render_span");
    lua_newtable(L);
    if (o->bars > 0) { lua_pushnumber(L, o->bars); lua_setfield(L, -2, "bars"); }
    if (o->seconds > 0) { lua_pushnumber(L, o->seconds); lua_setfield(L, -2, "seconds"); }
    if (o->from_bar > 0) { lua_pushnumber(L, o->from_bar); lua_setfield(L, -2, "from"); }
    if (o->to_bar > 0) { lua_pushnumber(L, o->to_bar); lua_setfield(L, -2, "to"); }
    if (o->tail >= 0) { lua_pushnumber(L, o->tail); lua_setfield(L, -2, "tail"); }
    if (o->section) { lua_pushstring(L, o->section); lua_setfield(L, -2, "section"); }
    lua_call(L, 1, 2);
    c->start = lua_tointeger(L, -2);
    c->frames = lua_tointeger(L, -1);
    return 0;
}

static int render_span(lt_session *s, const options *o, int64_t *start, int64_t *frames) {
    span_call c = {o, 0, 0};
    if (lt_vm_cpcall(s->L, span_body, &c, LT_EVAL_BUDGET_MS) != LUA_OK) {
        fprintf(stderr, "lute: %s\n", lua_tostring(s->L, -1));
        lua_pop(s->L, 1);
        return -1;
    }
    *start = c.start;
    *frames = c.frames;
    return 0;
}

typedef struct midi_call { const options *o; const char *path; } midi_call;

static int midi_body(lua_State *L) {
    midi_call *c = lua_touserdata(L, 1);
    const options *o = c->o;
    lua_getglobal(L, "lute");
    lua_getfield(L, -1, "export_midi");
    lua_pushstring(L, c->path);
    lua_newtable(L);
    if (o->section) { lua_pushstring(L, o->section); lua_setfield(L, -2, "section"); }
    if (o->bars > 0) { lua_pushnumber(L, o->bars); lua_setfield(L, -2, "bars"); }
    if (o->from_bar > 0) { lua_pushnumber(L, o->from_bar); lua_setfield(L, -2, "from"); }
    if (o->to_bar > 0) { lua_pushnumber(L, o->to_bar); lua_setfield(L, -2, "to"); }
    lua_call(L, 2, 0);
    return 0;
}

/* The MIDI file, like the audio one, is written beside its target and renamed when complete. */
static int write_midi(lt_session *s, const char *path, const options *o) {
    char tmp[PATH_MAX + 32];
    const char *slash = strrchr(path, '/');
    snprintf(tmp, sizeof tmp, "%.*s.%s.lute-XXXXXX", slash ? (int)(slash - path) + 1 : 0, path, slash ? slash + 1 : path);
    int fd = mkstemp(tmp);
    if (fd < 0) { fprintf(stderr, "lute: cannot write '%s': %s\n", path, strerror(errno)); return -1; }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) { /* stays private */ }
    close(fd);
    lt_guard_set_tempfile(tmp);
    midi_call c = {o, tmp};
    int st = lt_vm_cpcall(s->L, midi_body, &c, 60000);
    if (st == LUA_OK && rename(tmp, path) != 0) {
        fprintf(stderr, "lute: cannot write '%s': %s\n", path, strerror(errno));
        st = -1;
    } else if (st != LUA_OK) {
        fprintf(stderr, "lute: %s\n", lua_tostring(s->L, -1));
        lua_pop(s->L, 1);
    }
    if (st != LUA_OK) unlink(tmp);
    lt_guard_set_tempfile(NULL);
    if (st != LUA_OK) return -1;
    printf("wrote %s\n", path);
    return 0;
}

static int solo_body(lua_State *L) {
    lua_getglobal(L, "lute");
    lua_getfield(L, -1, "solo");
    lua_pushstring(L, lua_touserdata(L, 1));
    lua_call(L, 1, 0);
    return 0;
}

/* lute/render.lua's answer to an option: mute(list) or bus(name) */
typedef struct render_opt { const char *fn, *arg; } render_opt;
static int render_opt_body(lua_State *L) {
    render_opt *r = lua_touserdata(L, 1);
    lua_getglobal(L, "require");
    lua_pushstring(L, "lute.render");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, r->fn);
    lua_pushstring(L, r->arg);
    lua_call(L, 1, 0);
    return 0;
}

/* The song's master { target =, ceiling = }: its target and ceiling (NAN when not declared), and the
 * settings of the chain's final limiter when the render left it for the target to drive. */
typedef struct master_target { double target, ceiling; int has_limiter; float limiter[8]; } master_target;

static int master_target_body(lua_State *L) {
    master_target *t = lua_touserdata(L, 1);
    lua_getglobal(L, "require");
    lua_pushstring(L, "lute.render");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "master_target");
    lua_call(L, 0, 3);
    t->target = lua_isnumber(L, -3) ? lua_tonumber(L, -3) : NAN;
    t->ceiling = lua_isnumber(L, -2) ? lua_tonumber(L, -2) : NAN;
    t->has_limiter = lua_istable(L, -1);
    for (int i = 0; t->has_limiter && i < 8; i++) {
        lua_rawgeti(L, -1, i + 1);
        t->limiter[i] = (float)lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    return 0;
}

static int render_option(lt_session *s, const char *opt, const char *fn, const char *arg) {
    render_opt r = {fn, arg};
    if (!arg) return 0;
    if (lt_vm_cpcall(s->L, render_opt_body, &r, LT_EVAL_BUDGET_MS) != LUA_OK) {
        fprintf(stderr, "lute: %s: %s\n", opt, lua_tostring(s->L, -1));
        return 2;
    }
    return 0;
}

/* What a listener should know about the peaks: a fixed-point file that clipped (how many samples, how
 * far over, what to do), or a float file whose peaks only a float file keeps. */
static void report_peaks(const lt_render_result *res, int bits) {
    double peak_db = 20 * log10(res->peak > 0 ? res->peak : 1e-12);
    double tp_db = 20 * log10(res->true_peak > 0 ? res->true_peak : 1e-12);
    if (bits < 32 && res->clipped > 0) {
        double over = tp_db > peak_db ? tp_db : peak_db;
        fprintf(stderr,
                "lute: warning: the mix clips: %lld of %lld samples went beyond full scale and were cut off in the "
                "%d-bit file (before conversion: peak %+.1f dBFS, true peak %+.1f dBTP).\n"
                "      To fix it, lower every track's gain (or the master gain) by at least %.1f dB, or put a limiter "
                "at the end of the mix; a 32-bit float file (--bits 32) keeps the peaks as they are.\n",
                (long long)res->clipped, (long long)res->frames * 2, bits, peak_db, tp_db, over + 0.1);
    } else if (bits < 32 && res->true_peak > 1.0) {
        fprintf(stderr, "lute: note: no sample clipped, but the true peak is %+.1f dBTP: a converter or a lossy "
                        "encoder may clip between the samples; lower the gain by %.1f dB for headroom\n", tp_db, tp_db + 1);
    } else if (bits == 32 && res->peak > 1.0) {
        fprintf(stderr, "lute: note: the mix peaks at %+.1f dBFS; this 32-bit float file keeps the peaks, but a "
                        "16/24-bit copy or playback will clip them: lower the tracks' gain by %.1f dB or put a limiter at "
                        "the end of the mix\n", peak_db, peak_db + 0.1);
    }
}

static int interrupted_status(const char *what) {
    int st = lt_guard_exit_status();
    fprintf(stderr, "lute: stopped (%s); %s\n", st == 130 ? "Ctrl-C" : st == 143 ? "SIGTERM" : "asked to quit", what);
    return st ? st : 1;
}

static int run_render(const options *o) {
    if (!o->script) return bad_usage("render needs a script: lute render SONG.lua -o OUT.wav%s", "");
    if (!o->out && !o->midi_out) return bad_usage("render needs -o OUT.wav (or --midi OUT.mid)%s", "");
    int rc = check_script(o->script);
    if (!rc) rc = check_outputs(o);
    if (rc) return rc;
    lt_guard_config gc = {.live = 0, .stall_limit_s = stall_limit(o), .catch_sigint = 1};
    lt_guard_start(&gc);
    int rate = o->rate > 0 ? o->rate : 48000;
    lt_session s;
    if (lt_session_init(&s, rate, 0, o->lookahead_ms)) return 1;
    if (o->has_seed) lt_session_seed(&s, o->seed);
    s.script = o->script;
    rc = 0;
    if ((rc = render_option(&s, "", "target_mode", ""))) goto done;
    if (lt_session_eval_file(&s, o->script)) { rc = lt_guard_exit_status() ? interrupted_status("nothing was written") : 2; goto done; }
    if ((rc = check_outputs_vs_inputs(&s, o))) goto done;
    if (o->solo && lt_vm_cpcall(s.L, solo_body, (void *)o->solo, LT_EVAL_BUDGET_MS) != LUA_OK) {
        fprintf(stderr, "lute: --solo: %s\n", lua_tostring(s.L, -1));
        rc = 2;
        goto done;
    }
    if ((rc = render_option(&s, "--mute", "mute", o->mute)) || (rc = render_option(&s, "--bus", "bus", o->bus))) goto done;
    if (o->input) {
        char ierr[1024];
        s.api.input_file = lt_input_file_open(s.api.engine, o->input, rate, ierr, sizeof ierr);
        if (!s.api.input_file) { fprintf(stderr, "lute: %s\n", ierr); rc = 2; goto done; }
        s.api.inputs = lt_input_file_channels(s.api.input_file);
    }
    int64_t start = 0, frames = 0;
    if (render_span(&s, o, &start, &frames)) { rc = 2; goto done; }
    lt_stems *stems = NULL;
    if (o->midi_out && write_midi(&s, o->midi_out, o)) { rc = lt_guard_exit_status() ? interrupted_status("") : 2; goto done; }
    if (!o->out) goto done;

    char err[1024];
    lt_render_result res;
    memset(&res, 0, sizeof res);
    render_ctx ctx = {.s = &s};
    ctx.pr.on = isatty(2);
    ctx.pr.first = lt_engine_frame(s.api.engine);
    ctx.pr.total = start + frames;
    ctx.pr.rate = rate;
    ctx.pr.t0_ns = mono_ns();
    /* master { target =, ceiling = }: the mix is rendered in float beside the file, then brought to
     * the target and written once, in the file's format, with one dither (render_master.c) */
    master_target tc = {NAN, NAN, 0, {0}};
    int target_on = lt_vm_cpcall(s.L, master_target_body, &tc, LT_EVAL_BUDGET_MS) == LUA_OK &&
                    (isfinite(tc.target) || isfinite(tc.ceiling));
    char float_path[PATH_MAX + 32];
    snprintf(float_path, sizeof float_path, "%s.lute-mix.wav", o->out);
    lt_render_out out;
    if (lt_render_open(&out, target_on ? float_path : o->out, target_on ? 32 : o->bits, rate, err, sizeof err)) {
        fprintf(stderr, "lute: %s\n", err);
        rc = 2;
        goto done;
    }
    lt_guard_set_tempfile(out.tmp);
    if (o->stems) {
        stems = lt_stems_open(o->stems, rate, out.bits, start, frames, err, sizeof err);
        if (!stems) { fprintf(stderr, "lute: %s\n", err); lt_render_abort(&out); lt_guard_set_tempfile(NULL); rc = 2; goto done; }
        lt_engine_set_tap(s.api.engine, lt_stems_tap, stems);
    }
    /* The master's latency (a lookahead limiter, a linear-phase EQ anywhere in the mix) is taken
     * back: the file starts where the song starts, as DESIGN.md promises, and every onset is on its
     * frame.  (Live the same latency is simply there, like any device's.) */
    int32_t lat = lt_mix_latency(s.api.mix), lat_in = lt_mix_latency_in(s.api.mix);
    if (lat > 0) start += lat;
    if (stems) lt_stems_shift(stems, lat_in);   /* the channels meet at the master lat_in frames late */
    /* Frames before `start` (a section or --from) are rendered into nothing, so voices and tails
     * enter the excerpt exactly as they would sound in the whole song. */
    int failed = 0;
    if (start > 0) {
        float *skip = malloc(sizeof(float) * 2 * 4096);
        if (!skip) { failed = 1; snprintf(err, sizeof err, "out of memory"); }
        for (int64_t done = 0; skip && done < start && !failed;) {
            int64_t n = start - done < 4096 ? start - done : 4096;
            if (lt_render_buffer(s.api.engine, skip, n, feed, &ctx)) { failed = 1; res.interrupted = 1; }
            done += n;
        }
        free(skip);
    }
    if (!failed && lt_render_run(&out, s.api.engine, frames, feed, &ctx, &res, err, sizeof err)) failed = 1;
    clear_progress(&ctx.pr);
    if (!failed && lt_render_commit(&out, err, sizeof err)) failed = 1;
    if (stems) {
        lt_engine_set_tap(s.api.engine, NULL, NULL);
        char serr[1024];
        int n = lt_stems_close(stems, serr, sizeof serr);
        stems = NULL;
        if (n < 0) { fprintf(stderr, "lute: --stems: %s\n", serr); if (!failed) rc = 1; }
        else if (!failed) printf("wrote %d stems in %s\n", n, o->stems);
    }
    if (failed) {
        lt_render_abort(&out);
        lt_guard_set_tempfile(NULL);
        if (res.interrupted || lt_guard_exit_status()) {
            struct stat st;
            char what[PATH_MAX + 64];
            snprintf(what, sizeof what, stat(o->out, &st) == 0 ? "%s was left as it was" : "%s was not written", o->out);
            rc = interrupted_status(what);
        } else {
            fprintf(stderr, "lute: %s; %s\n", err, access(o->out, F_OK) == 0 ? "the earlier file was left as it was"
                                                                               : "nothing was written");
            rc = 1;
        }
        goto done;
    }
    lt_guard_set_tempfile(NULL);
    lt_api_pump(s.L, &s.api);
    int bits = out.bits;
    if (target_on) {
        /* the mix brought to the target under the ceiling, through the song's own final limiter when it
         * has one, from the float render to the file */
        lt_guard_set_tempfile(float_path);
        int trc = lt_render_target(float_path, o->out, o->bits, tc.target, isfinite(tc.ceiling) ? tc.ceiling : -1.0,
                                   tc.has_limiter ? tc.limiter : NULL, &bits, err, sizeof err);
        unlink(float_path);
        lt_guard_set_tempfile(NULL);
        if (trc < 0) { fprintf(stderr, "lute: master target: %s\n", err); rc = 1; }
        else if (trc > 0) rc = 1;
    }
    lt_engine_stats st;
    lt_engine_get_stats(s.api.engine, &st);
    lt_analysis a;
    if (lt_analyze_file(o->out, &a, err, sizeof err) == 0)
        printf("wrote %s: %.3f s, %d Hz, %s, peak %.1f dBFS, true peak %.1f dBTP, %.1f LUFS\n", o->out, a.seconds,
               a.rate, bits == 32 ? "32-bit float" : bits == 24 ? "24-bit" : "16-bit", a.peak_db,
               a.true_peak_db, a.lufs);
    else
        printf("wrote %s (%lld frames)\n", o->out, (long long)res.frames);
    fflush(stdout);
    report_peaks(&res, bits);
    if (st.late_events) fprintf(stderr, "lute: %lld events were late\n", (long long)st.late_events);
done:
    lt_session_close(&s);
    lt_message_flush(1);
    return rc;
}

/* ---- exec ------------------------------------------------------------------------------------ */

typedef struct exec_call { const options *o; } exec_call;

static int exec_args(lua_State *L) {
    const options *o = ((exec_call *)lua_touserdata(L, 1))->o;
    lua_createtable(L, o->exec_argc, 1);
    lua_pushstring(L, o->script);
    lua_rawseti(L, -2, 0);
    for (int i = 0; i < o->exec_argc; i++) { lua_pushstring(L, o->exec_argv[i]); lua_rawseti(L, -2, i + 1); }
    lua_setglobal(L, "arg");
    return 0;
}

static int run_exec(const options *o) {
    if (!o->script) return bad_usage("exec needs a Lua file%s", "");
    int rc = check_script(o->script);
    if (rc) return rc;
    lt_session s;
    if (lt_session_init(&s, o->rate > 0 ? o->rate : 48000, 0, o->lookahead_ms)) return 1;
    if (o->has_seed) lt_session_seed(&s, o->seed);
    lua_State *L = s.L;
    exec_call c = {o};
    int st = lt_vm_cpcall(L, exec_args, &c, 0);
    if (st == LUA_OK) st = lt_vm_loadfile(L, o->script);
    if (st == LUA_OK) st = lt_docall(L, 0, 0, 0, 1);
    if (st != LUA_OK) fprintf(stderr, "%s\n", lua_tostring(L, -1));
    lt_session_close(&s);
    lt_message_flush(1);
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
    /* MIDI panic is the engine's: CC 120 (all sound off) cuts every voice, CC 123 (all notes off)
     * releases them (lt_engine_midi, core/engine.c) */
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

static void abort_live(void *ud) { lt_live_abort(ud); }

static int64_t now_ms(void) { return mono_ns() / 1000000; }

static int run_live(const options *o) {
    int rc = check_script(o->script);
    if (rc) return rc;
    if (o->midi_api && strcmp(o->midi_api, "alsa") && strcmp(o->midi_api, "jack"))
        return bad_usage("--midi-api is alsa or jack, not '%s'", o->midi_api);
    /* The watchdog first: a device that does not answer must not make lute deaf to SIGTERM. */
    lt_guard_config gc = {.live = 1, .stall_limit_s = stall_limit(o), .catch_sigint = o->no_repl || !isatty(0)};
    lt_guard_start(&gc);
    char err[2048];
    int no_device = 0;
    lt_live_config lc = {.device = o->device, .sample_rate = o->rate, .block = o->block, .client_name = "lute",
                         .inputs = o->inputs > 0 ? o->inputs : -1, .outputs = o->outputs};
    lt_live *live = lt_live_open(&lc, &no_device, err, sizeof err);
    if (!live) {
        if (lt_guard_exit_status()) return lt_guard_exit_status();
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
    int cleanup = lt_guard_add_cleanup(abort_live, live);
    int rate = lt_live_rate(live);
    lt_session s;
    if (lt_session_init(&s, rate, 1, o->lookahead_ms)) { lt_live_close(live); return 1; }
    if (o->has_seed) lt_session_seed(&s, o->seed);
    s.api.inputs = lt_live_inputs(live);
    if (!o->no_guard) {   /* the speaker guard: nothing over 0 dBFS reaches the device (docs/robustness.md) */
        lt_cmd gcmd = {.frame = 0, .type = LT_CMD_GUARD};
        gcmd.u.guard.on = 1;
        gcmd.u.guard.ceiling = (float)pow(10.0, o->guard_ceiling / 20.0);
        lt_engine_send(s.api.engine, &gcmd);
    }
    s.api.roundtrip = (int32_t)lround((lt_live_latency(live) + lt_live_input_latency(live)) * rate);
    s.script = o->script;
    midi_glue glue = {.engine = s.api.engine};
    lt_ring_init(&glue.to_lua, sizeof(lt_midi_event), 256);
    glue.latency = lt_live_block(live) + LT_QUANTUM;
    lt_api_set_midi_ring(&glue.to_lua);
    lt_midi_in *midi = NULL;
    int wfd = -1;
    if (lt_live_start(live, s.api.engine, err, sizeof err)) {
        fprintf(stderr, "lute: %s\n", err);
        rc = 1;
        goto out;
    }
    if (!o->no_midi) {
        char merr[2048];
        midi = lt_midi_open(midi_api(o), "lute-midi", o->midi_in, on_midi, &glue, merr, sizeof merr);
        if (!midi) {
            if (o->midi_in) {   /* asked for a port that is not there: bad input */
                fprintf(stderr, "lute: %s\n", merr);
                rc = 2;
                goto out;
            }
            fprintf(stderr, "lute: no MIDI input (%s); playing on without it\n", merr);
        }
    }
    fprintf(stderr, "lute %s: %s, %d Hz, %d frames, lookahead %d ms%s%s\n", LUTE_VERSION, lt_live_name(live), rate,
            lt_live_block(live), o->lookahead_ms, midi ? "; MIDI in: " : "", midi ? lt_midi_port_name(midi) : "");
    lt_repl_init(&s);
    wfd = lt_watch_init();
    if (o->script) {
        /* A script that does not evaluate at start-up is bad input (exit 2), as for a render: there is
         * nothing playing yet that the error could leave in place. */
        if (lt_session_eval_file(&s, o->script) != 0) {
            rc = lt_guard_exit_status() ? 0 : 2;
            if (rc) fprintf(stderr, "lute: %s did not evaluate; nothing to play (fix it and start again)\n", o->script);
            goto out;
        }
        fprintf(stderr, "lute: playing %s\n", o->script);
        lt_session_watch_files(&s);
    }
    if (isatty(0) && !o->no_repl) fprintf(stderr, "help() for help, quit() or Ctrl-D to leave\n");

    int stdin_open = !o->no_repl;
    int64_t reload_at = 0;
    int gone_said = 0;
    /* A device that stops calling back (unplugged; its JACK server quit) stops the engine where it is:
     * lute says so once and closes the takes being recorded, so what reached the disk is kept. */
    int64_t seen_callbacks = -1, callbacks_at = now_ms();
    int device_lost = 0;
    while (!lt_guard_exit_status() && !s.api.quit_requested && !(stdin_open && lt_repl_done())) {
        struct pollfd fds[2] = {{stdin_open ? 0 : -1, POLLIN, 0}, {wfd, POLLIN, 0}};
        poll(fds, 2, 4);
        if (fds[0].revents & (POLLIN | POLLHUP)) lt_repl_readable();
        if (fds[1].revents & POLLIN && lt_watch_read())
            reload_at = now_ms() + 50;   /* editors write in bursts: wait for the last write */
        if (reload_at && now_ms() >= reload_at) {
            reload_at = 0;
            if (access(o->script, R_OK) != 0) {
                /* deleted, or between an editor's delete and its write: keep playing and keep watching the
                 * name; the next save brings it back */
                if (!gone_said) lt_message("lute: %s is gone; the music plays on, and it is loaded again when it is "
                                           "saved", o->script);
                gone_said = 1;
            } else {
                gone_said = 0;
                lt_message_user_action();
                if (lt_session_eval_file(&s, o->script) == 0) lt_message("lute: reloaded %s", o->script);
            }
            lt_session_watch_files(&s);
        }
        lt_session_tick(&s, lt_engine_frame(s.api.engine));
        lt_live_stats ls;
        lt_live_stats_get(live, &ls);
        if (ls.callbacks != seen_callbacks) {
            if (device_lost) lt_message("lute: the audio device %s is back; the music goes on from where it stopped",
                                        lt_live_name(live));
            seen_callbacks = ls.callbacks, callbacks_at = now_ms(), device_lost = 0;
        } else if (!device_lost && now_ms() - callbacks_at > DEVICE_LOST_MS) {
            device_lost = 1;
            char why[256];
            snprintf(why, sizeof why, "the audio device %s stopped (no audio for %d ms: unplugged, or its server quit)",
                     lt_live_name(live), DEVICE_LOST_MS);
            lt_message("lute: %s; the music has stopped. quit() and start lute again once the device is back", why);
            lt_session_device_lost(&s, why);
        }
        lt_message_flush(0);
        if (!stdin_open && !o->script) break;
    }
out:
    /* From here on a device that does not answer cannot keep lute alive (see guard.h). */
    lt_guard_shutdown(1000, rc);
    lt_repl_close();
    lt_live_stats ls;
    lt_live_stats_get(live, &ls);
    lt_midi_close(midi);
    lt_guard_remove_cleanup(cleanup);
    lt_live_close(live);
    lt_watch_close();
    lt_api_set_midi_ring(NULL);
    lt_engine_stats es;
    lt_engine_get_stats(s.api.engine, &es);
    if (getenv("LUTE_STATS"))
        fprintf(stderr, "lute: stats: callbacks %lld, worst callback %.3f of the period, mean %.4f, underflows %lld, "
                        "late events %lld\n", (long long)ls.callbacks, ls.worst_callback, ls.mean_callback,
                (long long)ls.underflows, (long long)es.late_events);
    lt_session_close(&s);
    lt_ring_free(&glue.to_lua);
    lt_message_flush(1);
    return rc;
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
    if (o.cmd && strcmp(o.cmd, "exec") == 0) return run_exec(&o);
    rc = o.cmd && strcmp(o.cmd, "render") == 0 ? run_render(&o) : run_live(&o);
    lt_guard_stop();
    return rc;
}
