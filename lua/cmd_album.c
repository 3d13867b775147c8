/* cmd_album.c — `lute album ALBUM.lua [-o DIR]`: sequences an album described in Lua and delivers
 * it: a Red Book CD image (one 44.1 kHz / 16-bit stereo WAV) with its CUE sheet, streaming files per
 * track with tags, and a QC report beside each file.
 *
 *   album {
 *     title = "Three Songs", performer = "lute", songwriter = "...", upc = "036000291452",
 *     genre = "Electronic", year = 2025,
 *     gaps = 2,                 -- seconds of silence between tracks (a track's gap/crossfade wins)
 *     trim = -60,               -- trim heads and tails below this (dBFS); false: keep as they are
 *     fade_in = 0, fade_out = 1.5,
 *     loudness = "album",       -- one gain for the album (keeps the songs' relation) | "track"
 *     master = "streaming",     -- a preset's name, a chain file, or a chain table (cmd_common.h)
 *     cd = true, files = { "flac", "mp3" },  -- what to deliver
 *     out = "ep",               -- folder, beside the album file (-o DIR wins)
 *     tracks = {
 *       { script = "song1.lua", bars = 16, title = "One", isrc = "US-S1Z-25-00001" },
 *       { file = "two.wav", title = "Two", gap = 3, fade_out = 4 },
 *       { script = "song3.lua", seconds = 40, crossfade = 2 },
 *     },
 *   }
 *
 * Script tracks are rendered by running this same lute binary (`lute render SCRIPT -o TMP --rate R`)
 * as a subprocess: each song gets a fresh engine and Lua state, exactly as `lute render` would make
 * it, and nothing of one song leaks into the next.  See docs/mastering.md. */
#include "cmd.h"
#include "cmd_common.h"
#include "analysis/meter.h"
#include "dsp/fx_master.h"
#include "master/album.h"
#include "master/deliver.h"
#include "master/qc.h"
#include "master/target.h"
#include <lauxlib.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

typedef struct track {
    char   file[PATH_MAX], script[PATH_MAX];
    double bars, seconds, gap, crossfade, fade_in, fade_out, pregap;
    char   title[256], performer[256], songwriter[256], isrc_in[64], isrc[13];
    lt_audio audio;
} track;

typedef struct album {
    char   title[256], performer[256], songwriter[256], upc[14], genre[128], date[32], out[PATH_MAX], stem[256];
    double gap, trim, fade_in, fade_out;
    int    trim_off, per_track, cd, rate, nfiles;
    lt_format files[8];
    lt_master_cfg master;
    int    ntracks;
    track *tracks;
} album;

static int fail(const char *where, const char *fmt, const char *a) {
    fprintf(stderr, "lute album: %s: ", where);
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return 2;
}

static int get_str(lua_State *L, int t, const char *k, char *buf, size_t len, const char *where, char *err, size_t errlen) {
    lua_getfield(L, t, k);
    int ty = lua_type(L, -1);
    int rc = 0;
    if (ty == LUA_TSTRING || ty == LUA_TNUMBER) { snprintf(buf, len, "%s", lua_tostring(L, -1)); rc = 1; }
    else if (ty != LUA_TNIL) { snprintf(err, errlen, "%s: %s must be a string, not a %s", where, k, lua_typename(L, ty)); rc = -1; }
    lua_pop(L, 1);
    return rc;
}

static int get_num(lua_State *L, int t, const char *k, double lo, double hi, double *out, const char *where, char *err, size_t errlen) {
    lua_getfield(L, t, k);
    int ty = lua_type(L, -1), rc = 0;
    if (ty == LUA_TNUMBER) {
        double v = lua_tonumber(L, -1);
        if (v >= lo && v <= hi) { *out = v; rc = 1; }
        else { snprintf(err, errlen, "%s: %s = %g is out of range (%g .. %g)", where, k, v, lo, hi); rc = -1; }
    } else if (ty != LUA_TNIL) { snprintf(err, errlen, "%s: %s must be a number, not a %s", where, k, lua_typename(L, ty)); rc = -1; }
    lua_pop(L, 1);
    return rc;
}

static void resolve(const char *dir, const char *p, char *out, size_t len) {
    if (p[0] == '/' || !dir) snprintf(out, len, "%s", p);
    else if ((size_t)snprintf(out, len, "%.2047s/%.2047s", dir, p) >= len) out[0] = 0;
}

#define TRY(x) do { if ((x) < 0) return -1; } while (0)

static int read_album(lua_State *L, int t, const char *dir, const char *file, album *a, char *err, size_t errlen) {
    char where[600];   /* "album.lua: tracks[3]", kept short enough to fit in a message */
    snprintf(where, sizeof where, "%.560s", file);
    TRY(get_str(L, t, "title", a->title, sizeof a->title, where, err, errlen));
    TRY(get_str(L, t, "performer", a->performer, sizeof a->performer, where, err, errlen));
    TRY(get_str(L, t, "songwriter", a->songwriter, sizeof a->songwriter, where, err, errlen));
    TRY(get_str(L, t, "genre", a->genre, sizeof a->genre, where, err, errlen));
    TRY(get_str(L, t, "year", a->date, sizeof a->date, where, err, errlen));
    char upc[64] = "";
    TRY(get_str(L, t, "upc", upc, sizeof upc, where, err, errlen));
    if (!upc[0]) TRY(get_str(L, t, "ean", upc, sizeof upc, where, err, errlen));
    if (upc[0]) {
        char why[256];
        if (lt_upc_check(upc, a->upc, why, sizeof why)) { snprintf(err, errlen, "%s: upc: %s", where, why); return -1; }
    }
    a->gap = 2;
    if (get_num(L, t, "gaps", 0, 60, &a->gap, where, err, errlen) < 0) return -1;
    if (get_num(L, t, "gap", 0, 60, &a->gap, where, err, errlen) < 0) return -1;
    a->trim = -60;
    lua_getfield(L, t, "trim");
    if (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) a->trim_off = 1;
    lua_pop(L, 1);
    if (!a->trim_off && get_num(L, t, "trim", -120, -20, &a->trim, where, err, errlen) < 0) return -1;
    TRY(get_num(L, t, "fade_in", 0, 60, &a->fade_in, where, err, errlen));
    TRY(get_num(L, t, "fade_out", 0, 60, &a->fade_out, where, err, errlen));
    char mode[32] = "album";
    TRY(get_str(L, t, "loudness", mode, sizeof mode, where, err, errlen));
    if (strcmp(mode, "track") == 0) a->per_track = 1;
    else if (strcmp(mode, "album")) { snprintf(err, errlen, "%s: loudness is \"album\" (one gain for all) or \"track\", not \"%s\"", where, mode); return -1; }
    a->cd = 1;
    lua_getfield(L, t, "cd");
    if (lua_isboolean(L, -1)) a->cd = lua_toboolean(L, -1);
    lua_pop(L, 1);
    double rate = 44100;
    TRY(get_num(L, t, "rate", 8000, 384000, &rate, where, err, errlen));
    a->rate = (int)rate;
    if (a->cd && a->rate != LT_CD_RATE) { snprintf(err, errlen, "%s: a CD album works at 44100 Hz (rate = %d); set cd = false for other rates", where, a->rate); return -1; }
    TRY(get_str(L, t, "out", a->out, sizeof a->out, where, err, errlen));
    if (a->out[0] && a->out[0] != '/') { char tmp[PATH_MAX]; resolve(dir, a->out, tmp, sizeof tmp); snprintf(a->out, sizeof a->out, "%s", tmp); }
    /* files = { "flac", "mp3" } */
    lua_getfield(L, t, "files");
    if (lua_istable(L, -1)) {
        int n = (int)luaL_len(L, -1);
        for (int i = 1; i <= n && a->nfiles < 8; i++) {
            lua_rawgeti(L, -1, i);
            const char *e = lua_tostring(L, -1);
            char fake[64];
            snprintf(fake, sizeof fake, "x.%s", e ? (e[0] == '.' ? e + 1 : e) : "?");
            if (!e || lt_format_from_path(fake, &a->files[a->nfiles], err, errlen)) {
                snprintf(err, errlen, "%s: files[%d] = %s: the formats are \"wav\", \"aiff\", \"flac\", \"mp3\", \"opus\", \"ogg\"", where, i, e ? e : "?");
                lua_pop(L, 2);
                return -1;
            }
            a->nfiles++;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) { lua_pop(L, 1); snprintf(err, errlen, "%s: files is a list such as { \"flac\", \"mp3\" }", where); return -1; }
    lua_pop(L, 1);
    /* master: a preset's name, a chain file or a table */
    lt_master_cfg_init(&a->master);
    lua_getfield(L, t, "master");
    if (lua_type(L, -1) == LUA_TSTRING) {
        char p[PATH_MAX];
        const char *m = lua_tostring(L, -1);
        if (strchr(m, '/') || strstr(m, ".lua")) resolve(dir, m, p, sizeof p); else snprintf(p, sizeof p, "%s", m);
        if (lt_master_cfg_load(p, &a->master, err, errlen)) { lua_pop(L, 1); return -1; }
    } else if (lua_istable(L, -1)) {
        char w2[600];
        snprintf(w2, sizeof w2, "%.560s: master", file);
        if (lt_master_cfg_read(L, -1, dir, w2, &a->master, err, errlen)) { lua_pop(L, 1); return -1; }
    } else if (!lua_isnil(L, -1)) { lua_pop(L, 1); snprintf(err, errlen, "%s: master is a preset's name, a chain file or a chain table", where); return -1; }
    else {   /* as lute master's default: a 15 Hz low cut before the limiter */
        lt_chain_desc_unit *u = &a->master.units[a->master.nunits++];
        u->def = &lt_fx_mineq;
        for (int k = 0; k < lt_fx_mineq.nparams; k++) u->params[k] = lt_fx_mineq.params[k].def;
        u->params[0] = 15;
        u->mix = 1;
    }
    lua_pop(L, 1);
    /* tracks */
    lua_getfield(L, t, "tracks");
    if (!lua_istable(L, -1)) { lua_pop(L, 1); snprintf(err, errlen, "%s: tracks = { { file = \"a.wav\" }, { script = \"b.lua\" }, ... } is missing", where); return -1; }
    int n = (int)luaL_len(L, -1), tt = lua_gettop(L);
    if (n < 1) { lua_pop(L, 1); snprintf(err, errlen, "%s: tracks is empty", where); return -1; }
    if (a->cd && n > LT_CD_MAX_TRACKS) { lua_pop(L, 1); snprintf(err, errlen, "%s: %d tracks: a CD holds at most %d", where, n, LT_CD_MAX_TRACKS); return -1; }
    a->tracks = calloc((size_t)n, sizeof(track));
    a->ntracks = n;
    for (int i = 1; i <= n; i++) {
        track *k = &a->tracks[i - 1];
        snprintf(where, sizeof where, "%.560s: tracks[%d]", file, i);
        lua_rawgeti(L, tt, i);
        int ti = lua_gettop(L);
        if (lua_type(L, ti) == LUA_TSTRING) {   /* a bare file or script name */
            const char *s = lua_tostring(L, ti);
            resolve(dir, s, strstr(s, ".lua") ? k->script : k->file, PATH_MAX);
        } else if (lua_istable(L, ti)) {
            char p[PATH_MAX] = "";
            TRY(get_str(L, ti, "file", p, sizeof p, where, err, errlen));
            if (p[0]) resolve(dir, p, k->file, sizeof k->file);
            p[0] = 0;
            TRY(get_str(L, ti, "script", p, sizeof p, where, err, errlen));
            if (p[0]) resolve(dir, p, k->script, sizeof k->script);
            TRY(get_str(L, ti, "title", k->title, sizeof k->title, where, err, errlen));
            TRY(get_str(L, ti, "performer", k->performer, sizeof k->performer, where, err, errlen));
            TRY(get_str(L, ti, "songwriter", k->songwriter, sizeof k->songwriter, where, err, errlen));
            TRY(get_str(L, ti, "isrc", k->isrc_in, sizeof k->isrc_in, where, err, errlen));
            TRY(get_num(L, ti, "bars", 0.001, 100000, &k->bars, where, err, errlen));
            TRY(get_num(L, ti, "seconds", 0.001, 86400, &k->seconds, where, err, errlen));
            k->gap = k->fade_in = k->fade_out = NAN;
            TRY(get_num(L, ti, "gap", 0, 60, &k->gap, where, err, errlen));
            TRY(get_num(L, ti, "crossfade", 0, 30, &k->crossfade, where, err, errlen));
            TRY(get_num(L, ti, "fade_in", 0, 60, &k->fade_in, where, err, errlen));
            TRY(get_num(L, ti, "fade_out", 0, 60, &k->fade_out, where, err, errlen));
            TRY(get_num(L, ti, "pregap", 0, 10, &k->pregap, where, err, errlen));
        } else {
            snprintf(err, errlen, "%s: a track is { file = \"...\" } or { script = \"...\" } (or just the file's name), not a %s", where, luaL_typename(L, ti));
            return -1;
        }
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) k->gap = k->fade_in = k->fade_out = NAN;
        if (!k->file[0] == !k->script[0]) { snprintf(err, errlen, "%s: give either file = \"...\" or script = \"...\"", where); return -1; }
        if (k->isrc_in[0]) {
            char why[256];
            if (lt_isrc_check(k->isrc_in, k->isrc, why, sizeof why)) { snprintf(err, errlen, "%s: isrc: %s", where, why); return -1; }
        }
        if (!k->title[0]) {
            const char *src = k->file[0] ? k->file : k->script, *b = strrchr(src, '/');
            b = b ? b + 1 : src;
            snprintf(k->title, sizeof k->title, "%.*s", (int)strcspn(b, "."), b);
        }
        if (i == 1 && k->crossfade > 0) { snprintf(err, errlen, "%s: the first track has nothing to cross-fade from", where); return -1; }
    }
    lua_pop(L, 1);
    return 0;
}

/* Renders a lute script with this binary into `out` at `rate`. */
static int render(const track *k, const char *out, int rate, char *err, size_t errlen) {
    char r[32], len[64];   /* argv strings */
    snprintf(r, sizeof r, "%d", rate);
    const char *argv[12] = {"lute", "render", k->script, "-o", out, "--rate", r};
    int n = 7;
    if (k->bars > 0) { snprintf(len, sizeof len, "%g", k->bars); argv[n++] = "--bars"; argv[n++] = len; }
    else if (k->seconds > 0) { snprintf(len, sizeof len, "%g", k->seconds); argv[n++] = "--seconds"; argv[n++] = len; }
    argv[n] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) { snprintf(err, errlen, "cannot start a render of %.1000s", k->script); return -1; }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 1);   /* its "wrote ..." line; errors still reach stderr */
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(err, errlen, "rendering %.1000s failed (lute render exited with %d)", k->script, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return -1;
    }
    return 0;
}

static void safe_name(const char *in, char *out, size_t len) {
    size_t j = 0;
    for (const char *s = in; *s && j + 1 < len; s++) out[j++] = strchr("/\\:*?\"<>|", *s) ? '_' : *s;
    out[j] = 0;
}

static int mkdirs(const char *dir) {
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') { *p = 0; mkdir(buf, 0777); *p = '/'; }
    return mkdir(buf, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

/* Everything after reading the album file: audio, master, image, CUE, files.  Frees what it made. */
static int produce(album *a, const char *file, int verbose, int verify) {
    char err[2048];
    int rc = 0, n = a->ntracks;
    lt_audio **ptr = NULL;
    double *gap = NULL, *xf = NULL;
    lt_cd_track_pos *pos = NULL;
    lt_audio mastered = {0}, whole = {0};
    lt_chain chain;
    lt_chain_init(&chain, (float)a->rate);
    double target = a->master.no_target ? NAN : isnan(a->master.target) ? -14 : a->master.target;
    double ceiling = isnan(a->master.ceiling) ? -1 : a->master.ceiling;
    printf("lute album %s: %d track%s, %s loudness %s%.1f LUFS, ceiling %.1f dBTP -> %s/\n", file, a->ntracks, a->ntracks == 1 ? "" : "s",
           a->per_track ? "per-track" : "album", "", target, ceiling, a->out);

    /* 1. audio for every track: rendered or read, stereo, at the album's rate, trimmed and faded */
    for (int i = 0; i < a->ntracks && rc == 0; i++) {
        track *k = &a->tracks[i];
        char path[PATH_MAX];
        lt_audio raw, st;
        if (k->script[0]) {
            snprintf(path, sizeof path, "%.3000s/.render-%02d.wav", a->out, i + 1);
            if (render(k, path, a->rate, err, sizeof err)) { fprintf(stderr, "lute album: track %d: %s\n", i + 1, err); rc = 1; break; }
        } else snprintf(path, sizeof path, "%s", k->file);
        if (lt_audio_load(path, &raw, err, sizeof err)) { fprintf(stderr, "lute album: track %d: %s\n", i + 1, err); rc = 2; break; }
        if (k->script[0]) remove(path);
        if (lt_audio_to_stereo(&raw, &st, err, sizeof err)) { fprintf(stderr, "lute album: track %d: %s: %s\n", i + 1, path, err); rc = 2; lt_audio_free(&raw); break; }
        lt_audio_free(&raw);
        if (lt_resample(&st, a->rate, &k->audio, err, sizeof err)) { fprintf(stderr, "lute album: track %d: %s\n", i + 1, err); rc = 1; break; }
        lt_audio_free(&st);
        int64_t before = k->audio.frames;
        if (!a->trim_off) lt_album_trim(&k->audio, a->trim, 0.005);
        if (k->audio.frames == 0) { fprintf(stderr, "lute album: track %d (%s) is silent below %.0f dBFS\n", i + 1, k->title, a->trim); rc = 2; break; }
        lt_album_fade(&k->audio, isnan(k->fade_in) ? a->fade_in : k->fade_in, isnan(k->fade_out) ? a->fade_out : k->fade_out);
        if (verbose)
            fprintf(stderr, "lute album: track %d %s: %.2f s (%.2f s trimmed)\n", i + 1, k->title, (double)k->audio.frames / a->rate,
                    (double)(before - k->audio.frames) / a->rate);
    }
    if (rc) return rc;

    /* 2. master: the whole album at one gain, or each track to the target */
    lt_deliver_spec cdspec = {.format = LT_FMT_WAV, .bits = 16, .rate = a->cd ? LT_CD_RATE : 0,
                              .dither = a->master.dither ? a->master.dither - 1 : LT_DITHER_AUTO};
    lt_target_opts to = {.target_lufs = target, .ceiling_dbtp = ceiling, .tolerance_lu = isnan(a->master.tolerance) ? 0 : a->master.tolerance,
                         .limiter = a->master.limiter, .deliver = &cdspec, .verbose = verbose};
    ptr = calloc((size_t)n, sizeof(lt_audio *));
    gap = calloc((size_t)n, sizeof(double));
    xf = calloc((size_t)n, sizeof(double));
    pos = calloc((size_t)n, sizeof(lt_cd_track_pos));
    if (!ptr || !gap || !xf || !pos) { fprintf(stderr, "lute album: out of memory\n"); rc = 1; goto done; }
    for (int i = 0; i < n; i++) {
        gap[i] = isnan(a->tracks[i].gap) ? a->gap : a->tracks[i].gap;
        xf[i] = a->tracks[i].crossfade;
        ptr[i] = &a->tracks[i].audio;
    }
    lt_target_report rep;
    if (lt_master_cfg_chain(&a->master, a->rate, &chain, err, sizeof err)) { fprintf(stderr, "lute album: %s\n", err); { rc = 2; goto done; } }
    if (!a->per_track) {
        if (lt_album_assemble(ptr, n, gap, xf, &whole, pos, err, sizeof err)) { fprintf(stderr, "lute album: %s\n", err); { rc = 1; goto done; } }
        if (lt_target_master(&whole, &chain, &to, &mastered, &rep, err, sizeof err)) { fprintf(stderr, "lute album: %s\n", err); { rc = 1; goto done; } }
        printf("  album master  %.2f LUFS, %.2f dBTP from %.2f LUFS: drive %+.2f dB, gain reduction up to %.1f dB — %s\n", rep.lufs,
               rep.dbtp, rep.input_lufs, rep.gain_db, rep.max_reduction_db, rep.met ? "met" : "NOT MET");
        if (!rep.met) { fprintf(stderr, "lute album: %s\n", rep.note); rc = 1; }
        lt_audio_free(&whole);
    } else {
        for (int i = 0; i < n; i++) {
            lt_audio m;
            if (lt_target_master(&a->tracks[i].audio, &chain, &to, &m, &rep, err, sizeof err)) { fprintf(stderr, "lute album: track %d: %s\n", i + 1, err); { rc = 1; goto done; } }
            printf("  track %2d      %.2f LUFS, %.2f dBTP: drive %+.2f dB, reduction up to %.1f dB — %s\n", i + 1, rep.lufs, rep.dbtp,
                   rep.gain_db, rep.max_reduction_db, rep.met ? "met" : "NOT MET");
            if (!rep.met) { fprintf(stderr, "lute album: track %d: %s\n", i + 1, rep.note); rc = 1; }
            lt_audio_free(&a->tracks[i].audio);
            a->tracks[i].audio = m;
        }
        if (lt_album_assemble(ptr, n, gap, xf, &mastered, pos, err, sizeof err)) { fprintf(stderr, "lute album: %s\n", err); { rc = 1; goto done; } }
    }
    /* A pause is silence: the master's filters ring a little past each track's end (at -100 dB and
     * below); cut that to exact zeros so the pause is digital silence, undithered, as plants expect. */
    for (int i = 1; i < n; i++)
        for (int64_t k = pos[i].index0; k < pos[i].index1 && k < mastered.frames; k++) mastered.x[2 * k] = mastered.x[2 * k + 1] = 0;

    /* 3. the CD image and its CUE sheet */
    lt_tags tags = {.album = a->title[0] ? a->title : NULL, .artist = a->performer[0] ? a->performer : NULL,
                    .date = a->date[0] ? a->date : NULL, .genre = a->genre[0] ? a->genre : NULL};
    lt_qc_limits lim = {.target_lufs = target, .tolerance_lu = a->per_track ? 1.0 : to.tolerance_lu, .ceiling_dbtp = ceiling,
                        .head_note_s = 0.5, .tail_note_s = 0.5};
    if (a->cd) {
        char why[512];
        if (lt_cd_check(pos, n, mastered.frames, why, sizeof why)) { fprintf(stderr, "lute album: %s: %s\n", file, why); { rc = 2; goto done; } }
        char img[PATH_MAX], cue[PATH_MAX], imgname[600];
        snprintf(imgname, sizeof imgname, "%s.wav", a->stem);
        snprintf(img, sizeof img, "%.3000s/%s", a->out, imgname);
        snprintf(cue, sizeof cue, "%.3000s/%s.cue", a->out, a->stem);
        lt_tags it = tags;
        it.title = a->title[0] ? a->title : NULL;
        if (lt_deliver(img, &mastered, &cdspec, &it, NULL, err, sizeof err)) { fprintf(stderr, "lute album: %s\n", err); { rc = 1; goto done; } }
        lt_cue_album ca = {.title = a->title[0] ? a->title : NULL, .performer = a->performer[0] ? a->performer : NULL,
                           .songwriter = a->songwriter[0] ? a->songwriter : NULL, .catalog = a->upc[0] ? a->upc : NULL,
                           .genre = a->genre[0] ? a->genre : NULL, .date = a->date[0] ? a->date : NULL, .comment = "lute album"};
        lt_cue_track *ct = calloc((size_t)n, sizeof(lt_cue_track));
        for (int i = 0; i < n; i++) {
            track *k = &a->tracks[i];
            ct[i] = (lt_cue_track){.title = k->title, .performer = k->performer[0] ? k->performer : NULL,
                                   .songwriter = k->songwriter[0] ? k->songwriter : NULL, .isrc = k->isrc[0] ? k->isrc : NULL,
                                   .pregap_s = k->pregap};
        }
        int crc = lt_cue_write(cue, imgname, &ca, ct, pos, n, err, sizeof err);
        free(ct);
        if (crc) { fprintf(stderr, "lute album: %s\n", err); { rc = 2; goto done; } }
        printf("  CD image      %s (44.1 kHz, 16-bit, %.2f min) and %s\n", img, (double)mastered.frames / LT_CD_RATE / 60, cue);
        for (int i = 0; i < n; i++) {
            int64_t next = i + 1 < n ? pos[i + 1].index0 : mastered.frames;
            long long f0 = pos[i].index0 / LT_CD_FRAME, f1 = pos[i].index1 / LT_CD_FRAME;
            printf("    %02d  %-28.28s INDEX 00 %02lld:%02lld:%02lld  INDEX 01 %02lld:%02lld:%02lld  %6.2f s%s%s\n", i + 1, a->tracks[i].title,
                   f0 / 4500, f0 / 75 % 60, f0 % 75, f1 / 4500, f1 / 75 % 60, f1 % 75, (double)(next - pos[i].index1) / LT_CD_RATE,
                   a->tracks[i].isrc[0] ? "  ISRC " : "", a->tracks[i].isrc);
        }
        int q = lt_qc_file(img, &lim, NULL, NULL, err, sizeof err);
        if (q < 0) { fprintf(stderr, "lute album: %s\n", err); rc = 1; }
        else { printf("  QC %s: %s.qc.txt\n", q ? "pass" : "FAIL", img); if (!q) rc = 1; }
    }

    /* 4. a file per track per format, cut from the master at its INDEX 01 up to the next track's */
    for (int f = 0; f < a->nfiles; f++) {
        for (int i = 0; i < n; i++) {
            track *k = &a->tracks[i];
            int64_t from = pos[i].index1, to_ = i + 1 < n ? pos[i + 1].index0 : mastered.frames;
            if (i + 1 < n && xf[i + 1] > 0) to_ = pos[i].end < mastered.frames ? pos[i].end : mastered.frames;
            lt_audio cut;
            lt_audio_alloc(&cut, to_ - from, 2, mastered.rate);
            memcpy(cut.x, mastered.x + 2 * from, sizeof(float) * 2 * (to_ - from));
            char name[300], path[PATH_MAX], num[32];
            safe_name(k->title, name, sizeof name);
            static const char *ext[] = {".wav", ".aiff", ".flac", ".mp3", ".opus", ".ogg"};
            snprintf(path, sizeof path, "%.3000s/%02d - %s%s", a->out, i + 1, name, ext[a->files[f]]);
            snprintf(num, sizeof num, "%d/%d", i + 1, n);
            lt_tags tt = tags;
            tt.title = k->title;
            tt.track = num;
            if (k->performer[0]) tt.artist = k->performer;
            lt_deliver_spec ts = {.format = a->files[f], .bits = a->master.bits ? a->master.bits : 24,
                                  .dither = a->master.dither ? a->master.dither - 1 : LT_DITHER_AUTO, .kbps = a->master.kbps};
            if (ts.format == LT_FMT_FLAC && ts.bits == 32) ts.bits = 24;
            if (lt_deliver(path, &cut, &ts, &tt, NULL, err, sizeof err)) { fprintf(stderr, "lute album: %s\n", err); rc = 1; }
            else {
                lt_qc_limits tl = lim;
                tl.tolerance_lu = a->per_track ? to.tolerance_lu : 2.0;   /* in album mode a track may sit off the album's loudness */
                if (!a->per_track) tl.target_lufs = NAN;
                tl.head_note_s = 0.5 + (xf[i] > 0 ? xf[i] : 0);
                tl.tail_note_s = 3;
                int q = lt_qc_file(path, &tl, NULL, NULL, err, sizeof err);
                printf("  %-44s QC %s\n", path, q < 0 ? err : q ? "pass" : "FAIL");
                if (q <= 0) rc = 1;
            }
            lt_audio_free(&cut);
        }
    }
    if (verify && lt_ffmpeg_available() && a->cd) {
        char img[PATH_MAX];
        double l, tp;
        snprintf(img, sizeof img, "%.3000s/%s.wav", a->out, a->stem);
        if (lt_ffmpeg_verify(NULL, img, &l, &tp) == 0) {
            printf("  ffmpeg ebur128 on the CD image: %.2f LUFS, %.2f dBTP%s\n", l, tp, tp > ceiling + 1e-9 ? " — OVER the ceiling" : "");
            if (tp > ceiling + 1e-9) rc = 1;
        }
    }
done:
    lt_audio_free(&whole);
    lt_audio_free(&mastered);
    lt_chain_free(&chain);
    free(ptr);
    free(gap);
    free(xf);
    free(pos);
    return rc;
}

int lt_cmd_album(int argc, char **argv) {
    const char *file = NULL, *out_dir = NULL;
    int verify = 1, verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("usage: lute album ALBUM.lua [-o DIR] [--no-verify] [-v]\n"
                   "Sequences the album the file describes (album{ tracks = {...}, gaps = 2, ... }): renders script tracks,\n"
                   "trims, fades, masters (one gain for the album, or per track), and delivers a CD image + CUE sheet and\n"
                   "per-track files with tags and QC reports.  See docs/mastering.md.\n");
            return 0;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) out_dir = argv[++i];
        else if (strcmp(a, "--no-verify") == 0) verify = 0;
        else if (strcmp(a, "-v") == 0) verbose = 1;
        else if (a[0] == '-') return fail("usage", "unknown option '%s' (lute album ALBUM.lua [-o DIR])", a);
        else if (!file) file = a;
        else return fail("usage", "one album file at a time; '%s' is extra", a);
    }
    if (!file) return fail("usage", "which album? lute album ALBUM.lua%s", "");
    char dir[PATH_MAX], err[2048];
    lt_dirname(file, dir, sizeof dir);
    lua_State *L = lt_cmd_lua(dir);
    if (!L) return 1;
    (void)luaL_dostring(L, "function album(t) _G.__album = t return t end");
    album a;
    memset(&a, 0, sizeof a);
    if (luaL_loadfile(L, file) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        fprintf(stderr, "lute album: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return 2;
    }
    if (!lua_istable(L, -1)) { lua_pop(L, 1); lua_getglobal(L, "__album"); }
    if (!lua_istable(L, -1)) { lua_close(L); return fail(file, "declares no album (write album { tracks = { ... } })%s", ""); }
    if (read_album(L, -1, dir, file, &a, err, sizeof err)) {
        fprintf(stderr, "lute album: %s\n", err);
        lua_close(L);
        free(a.tracks);
        return 2;
    }
    lua_close(L);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    snprintf(a.stem, sizeof a.stem, "%.*s", (int)strcspn(base, "."), base);
    if (out_dir) snprintf(a.out, sizeof a.out, "%s", out_dir);
    else if (!a.out[0]) snprintf(a.out, sizeof a.out, "%.2000s/%s", dir, a.stem);
    if (mkdirs(a.out)) {
        fprintf(stderr, "lute album: cannot make the folder '%s': %s\n", a.out, strerror(errno));
        free(a.tracks);
        return 1;
    }
    int rc = produce(&a, file, verbose, verify);
    for (int i = 0; i < a.ntracks; i++) lt_audio_free(&a.tracks[i].audio);
    free(a.tracks);
    return rc;
}
