/* bind_smf.c — lute.smf: Standard MIDI Files as plain Lua tables (thin over core/smf.c).
 *
 *   smf.read(path) -> song | nil, "path: message at byte N"
 *   smf.write(path, song) -> true | nil, "path: message"   (a malformed song raises an error
 *                                                           naming the field)
 *   song = { name = "title", division = 480,
 *            tempos  = { {tick=0, bpm=120}, ... },            -- read also gives usec=
 *            meters  = { {tick=0, num=4, den=4}, ... },
 *            markers = { {tick=0, text="intro"}, ... },
 *            keys    = { {tick=0, sharps=-3, minor=true}, ... },   -- read only (written as events)
 *            events  = { ... },     -- other conductor events, same shape as a track's
 *            tracks  = { { name = "Bass",
 *                          notes  = { {tick=0, dur=480, note=36, vel=100, ch=1}, ... },
 *                          events = { {tick=0, type="cc", ch=1, cc=7, value=100}, ... } }, ... },
 *            format = 1, warnings = { "..." } }                -- read only
 *   Channels are 1..16 as on a synth's display; vel defaults to 100 and ch to 1 when writing.
 *   Event types: cc (cc, value), program (program), pitch_bend (value -8192..8191),
 *   aftertouch (value), poly_aftertouch (note, value), sysex / sysex_escape (data: the bytes after
 *   the length), meta (meta: type 0..127, data).
 *
 * Reading a format 1 file whose first track holds no channel events treats that track as the
 * conductor: its name becomes song.name and it is not listed in song.tracks, so
 * write(path, read(other)) does not grow an extra track each time.
 * Thread: control only.  RT-safe: no. */
#include "bind_smf.h"
#include "smf.h"
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>

/* ---- read ---- */

static void set_int(lua_State *L, const char *k, lua_Integer v) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const void *s, size_t n) {
    lua_pushlstring(L, (const char *)s, n);
    lua_setfield(L, -2, k);
}

/* Meta events that read() returns in song-wide lists or as names, not in events. */
static int is_listed_meta(const lt_smf_event *e) {
    return e->type == LT_SMF_META &&
           (e->d1 == 0x03 || e->d1 == 0x06 || e->d1 == 0x51 || e->d1 == 0x58 || e->d1 == 0x2F);
}

static void push_events(lua_State *L, const lt_smf_mtrk *t) {
    lua_Integer n = 0;
    lua_newtable(L);
    for (size_t i = 0; i < t->nevents; i++) {
        const lt_smf_event *e = &t->events[i];
        if (e->type == LT_SMF_NOTE_ON || e->type == LT_SMF_NOTE_OFF || is_listed_meta(e)) continue;
        lua_createtable(L, 0, 5);
        set_int(L, "tick", e->tick);
        if (e->type <= LT_SMF_PITCH_BEND) set_int(L, "ch", e->channel + 1);
        const char *type = "meta";
        switch (e->type) {
        case LT_SMF_CC:              type = "cc"; set_int(L, "cc", e->d1); set_int(L, "value", e->d2); break;
        case LT_SMF_PROGRAM:         type = "program"; set_int(L, "program", e->d1); break;
        case LT_SMF_PITCH_BEND:      type = "pitch_bend"; set_int(L, "value", lt_smf_bend(e)); break;
        case LT_SMF_AFTERTOUCH:      type = "aftertouch"; set_int(L, "value", e->d1); break;
        case LT_SMF_POLY_AFTERTOUCH: type = "poly_aftertouch"; set_int(L, "note", e->d1); set_int(L, "value", e->d2); break;
        case LT_SMF_SYSEX:
            type = e->d1 == 0xF0 ? "sysex" : "sysex_escape";
            set_str(L, "data", e->data, e->len);
            break;
        default:
            set_int(L, "meta", e->d1);
            set_str(L, "data", e->data, e->len);
            break;
        }
        lua_pushstring(L, type);
        lua_setfield(L, -2, "type");
        lua_rawseti(L, -2, ++n);
    }
}

/* Pushes { name=, notes=, events= } for one MTrk; raises a memory error if pairing fails. */
static void push_track(lua_State *L, const lt_smf_mtrk *t) {
    lt_smf_note *notes;
    size_t n;
    if (lt_smf_mtrk_notes(t, &notes, &n)) luaL_error(L, "not enough memory");
    lua_createtable(L, 0, 3);
    if (t->name) set_str(L, "name", t->name, strlen(t->name));
    lua_createtable(L, n < INT32_MAX ? (int)n : 0, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 5);
        set_int(L, "tick", notes[i].tick);
        set_int(L, "dur", notes[i].dur);
        set_int(L, "note", notes[i].note);
        set_int(L, "vel", notes[i].vel);
        set_int(L, "ch", notes[i].ch + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    free(notes);
    lua_setfield(L, -2, "notes");
    push_events(L, t);
    lua_setfield(L, -2, "events");
}

static int has_channel_events(const lt_smf_mtrk *t) {
    for (size_t i = 0; i < t->nevents; i++)
        if (t->events[i].type <= LT_SMF_PITCH_BEND) return 1;
    return 0;
}

/* The parsed file lives in a userdata whose __gc frees it, so a memory error raised while the
 * song table is being built cannot leak it. */
static int smf_gc(lua_State *L) {
    lt_smf *s = lua_touserdata(L, 1);
    lt_smf_free(s);
    return 0;
}

static int build_song(lua_State *L, const lt_smf *s) {
    int conductor = s->format == 1 && s->ntracks > 1 && !has_channel_events(&s->tracks[0]);
    lua_createtable(L, 0, 10);
    set_int(L, "format", s->format);
    set_int(L, "division", s->division);
    if (s->tracks[0].name && (conductor || s->format == 0))
        set_str(L, "name", s->tracks[0].name, strlen(s->tracks[0].name));

    lua_createtable(L, s->ntracks, 0);
    for (int i = conductor; i < s->ntracks; i++) {
        push_track(L, &s->tracks[i]);
        lua_rawseti(L, -2, i + 1 - conductor);
    }
    lua_setfield(L, -2, "tracks");
    if (conductor) {
        push_events(L, &s->tracks[0]);
        lua_setfield(L, -2, "events");
    }

    lua_createtable(L, (int)s->ntempos, 0);
    for (size_t i = 0; i < s->ntempos; i++) {
        lua_createtable(L, 0, 3);
        set_int(L, "tick", s->tempos[i].tick);
        lua_pushnumber(L, 60e6 / s->tempos[i].usec_per_quarter);
        lua_setfield(L, -2, "bpm");
        set_int(L, "usec", s->tempos[i].usec_per_quarter);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "tempos");
    lua_createtable(L, (int)s->nmeters, 0);
    for (size_t i = 0; i < s->nmeters; i++) {
        lua_createtable(L, 0, 3);
        set_int(L, "tick", s->meters[i].tick);
        set_int(L, "num", s->meters[i].num);
        set_int(L, "den", s->meters[i].den);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "meters");
    lua_createtable(L, (int)s->nmarkers, 0);
    for (size_t i = 0; i < s->nmarkers; i++) {
        lua_createtable(L, 0, 2);
        set_int(L, "tick", s->markers[i].tick);
        set_str(L, "text", s->markers[i].text, strlen(s->markers[i].text));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "markers");
    lua_createtable(L, (int)s->nkeys, 0);
    for (size_t i = 0; i < s->nkeys; i++) {
        lua_createtable(L, 0, 3);
        set_int(L, "tick", s->keys[i].tick);
        set_int(L, "sharps", s->keys[i].sharps);
        lua_pushboolean(L, s->keys[i].minor);
        lua_setfield(L, -2, "minor");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "keys");
    if (s->warnings) {
        lua_newtable(L);
        lua_Integer n = 0;
        for (unsigned bit = 1; bit && bit <= s->warnings; bit <<= 1)
            if (s->warnings & bit) {
                lua_pushstring(L, lt_smf_warning_string(bit));
                lua_rawseti(L, -2, ++n);
            }
        lua_setfield(L, -2, "warnings");
    }
    return 1;
}

static int smf_read(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    lt_smf *s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);               /* safe for __gc before anything is acquired */
    lua_newtable(L);
    lua_pushcfunction(L, smf_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lt_smf_error err;
    int rc = lt_smf_read_file(path, s, &err);
    if (rc != LT_SMF_OK) {
        char msg[256];
        if (rc == LT_SMF_EIO) snprintf(msg, sizeof msg, "%s", strerror(errno));
        else lt_smf_error_format(&err, msg, sizeof msg);
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, msg);
        return 2;
    }
    build_song(L, s);
    lt_smf_free(s);                        /* now, rather than whenever the collector runs */
    return 1;
}

/* ---- write ---- */

/* The song being converted: arrays live in userdata anchored in a table at stack index ANCHOR, so
 * a Lua error raised halfway (a bad field) frees everything through the collector. */
#define ANCHOR 3

static void *scratch(lua_State *L, size_t count, size_t size) {
    if (count > SIZE_MAX / (size ? size : 1)) luaL_error(L, "not enough memory");
    size_t bytes = count * size;
    void *p = lua_newuserdatauv(L, bytes ? bytes : 1, 0);
    lua_rawseti(L, ANCHOR, (lua_Integer)lua_rawlen(L, ANCHOR) + 1);
    return p;
}

/* Raises "bad argument #2 to 'write' (where.key: expected what, got value)". */
static int field_error(lua_State *L, const char *where, const char *key, const char *what, int vidx) {
    const char *got = lua_type(L, vidx) == LUA_TNUMBER || lua_type(L, vidx) == LUA_TBOOLEAN
                    ? luaL_tolstring(L, vidx, NULL) : luaL_typename(L, vidx);
    const char *msg = lua_pushfstring(L, "%s%s%s: expected %s, got %s", where, *where ? "." : "", key, what, got);
    return luaL_argerror(L, 2, msg);
}

/* Integer field t[key] within [lo, hi]; def when absent and optional.  Floats with an integral
 * value (240.0) are accepted, since arrangement code computes ticks with division. */
static lua_Integer get_int(lua_State *L, int t, const char *where, const char *key, lua_Integer lo,
                           lua_Integer hi, int optional, lua_Integer def) {
    int isnum = 0;
    lua_getfield(L, t, key);
    if (lua_isnil(L, -1) && optional) { lua_pop(L, 1); return def; }
    lua_Integer v = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isnum) : 0;
    if (!isnum || v < lo || v > hi) {
        char what[96];
        snprintf(what, sizeof what, "an integer from %lld to %lld", (long long)lo, (long long)hi);
        field_error(L, where, key, what, lua_gettop(L));
    }
    lua_pop(L, 1);
    return v;
}

/* String field; returns NULL when absent and optional.  The string stays anchored in the song
 * table for the whole call. */
static const char *get_str(lua_State *L, int t, const char *where, const char *key, int optional, size_t *len) {
    lua_getfield(L, t, key);
    if (lua_isnil(L, -1) && optional) { lua_pop(L, 1); if (len) *len = 0; return NULL; }
    if (lua_type(L, -1) != LUA_TSTRING) field_error(L, where, key, "a string", lua_gettop(L));
    const char *s = lua_tolstring(L, -1, len);
    lua_pop(L, 1);
    return s;
}

/* Pushes the list t[key] (or nil when absent) and returns its length; checks it is a table. */
static size_t get_list(lua_State *L, int t, const char *where, const char *key) {
    lua_getfield(L, t, key);
    if (lua_isnil(L, -1)) return 0;
    if (!lua_istable(L, -1)) field_error(L, where, key, "a table (a list)", lua_gettop(L));
    return (size_t)lua_rawlen(L, -1);
}

/* Pushes list[i] and checks it is a table; path gets "where.key[i]". */
static int get_item(lua_State *L, int list, size_t i, const char *where, const char *key, char *path, size_t size) {
    snprintf(path, size, "%s%s%s[%zu]", where, *where ? "." : "", key, i + 1);
    lua_rawgeti(L, list, (lua_Integer)i + 1);
    if (!lua_istable(L, -1)) {
        const char *msg = lua_pushfstring(L, "%s: expected a table, got %s", path, luaL_typename(L, -1));
        luaL_argerror(L, 2, msg);
    }
    return lua_gettop(L);
}

#define PATH 160

static void get_events(lua_State *L, int t, const char *where, const lt_smf_event **out, size_t *count) {
    static const char *const types[] = { "cc", "program", "pitch_bend", "aftertouch", "poly_aftertouch",
                                         "sysex", "sysex_escape", "meta", NULL };
    char path[PATH];
    size_t n = get_list(L, t, where, "events");
    lt_smf_event *ev = scratch(L, n, sizeof *ev);
    int list = lua_gettop(L);
    for (size_t i = 0; i < n; i++) {
        int e = get_item(L, list, i, where, "events", path, sizeof path);
        lt_smf_event *x = &ev[i];
        memset(x, 0, sizeof *x);
        x->tick = get_int(L, e, path, "tick", 0, LT_SMF_MAX_TICK, 0, 0);
        lua_getfield(L, e, "type");
        int ty = -1;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int k = 0; types[k]; k++)
                if (strcmp(lua_tostring(L, -1), types[k]) == 0) ty = k;
        if (ty < 0) field_error(L, path, "type", "one of cc, program, pitch_bend, aftertouch, "
                                "poly_aftertouch, sysex, sysex_escape, meta", lua_gettop(L));
        lua_pop(L, 1);
        if (ty <= 4) x->channel = (uint8_t)(get_int(L, e, path, "ch", 1, 16, 1, 1) - 1);
        size_t len = 0;
        switch (ty) {
        case 0: x->type = LT_SMF_CC;
                x->d1 = (uint8_t)get_int(L, e, path, "cc", 0, 127, 0, 0);
                x->d2 = (uint8_t)get_int(L, e, path, "value", 0, 127, 0, 0); break;
        case 1: x->type = LT_SMF_PROGRAM; x->d1 = (uint8_t)get_int(L, e, path, "program", 0, 127, 0, 0); break;
        case 2: {
            lua_Integer v = get_int(L, e, path, "value", -8192, 8191, 0, 0) + 8192;
            x->type = LT_SMF_PITCH_BEND; x->d1 = (uint8_t)(v & 0x7F); x->d2 = (uint8_t)(v >> 7);
            break;
        }
        case 3: x->type = LT_SMF_AFTERTOUCH; x->d1 = (uint8_t)get_int(L, e, path, "value", 0, 127, 0, 0); break;
        case 4: x->type = LT_SMF_POLY_AFTERTOUCH;
                x->d1 = (uint8_t)get_int(L, e, path, "note", 0, 127, 0, 0);
                x->d2 = (uint8_t)get_int(L, e, path, "value", 0, 127, 0, 0); break;
        case 5: case 6:
            x->type = LT_SMF_SYSEX;
            x->d1 = ty == 5 ? 0xF0 : 0xF7;
            x->data = (const uint8_t *)get_str(L, e, path, "data", 0, &len);
            break;
        default:
            x->type = LT_SMF_META;
            x->d1 = (uint8_t)get_int(L, e, path, "meta", 0, 127, 0, 0);
            if (x->d1 == 0x2F) {
                lua_getfield(L, e, "meta");
                field_error(L, path, "meta", "a type other than 47 (end of track, written by lute)", lua_gettop(L));
            }
            x->data = (const uint8_t *)get_str(L, e, path, "data", 1, &len);
            break;
        }
        if (len > LT_SMF_MAX_TICK) luaL_argerror(L, 2, lua_pushfstring(L, "%s.data: too long", path));
        x->len = (uint32_t)len;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    *out = ev;
    *count = n;
}

static void get_notes(lua_State *L, int t, const char *where, lt_smf_track *tr) {
    char path[PATH];
    size_t n = get_list(L, t, where, "notes");
    lt_smf_note *notes = scratch(L, n, sizeof *notes);
    int list = lua_gettop(L);
    for (size_t i = 0; i < n; i++) {
        int e = get_item(L, list, i, where, "notes", path, sizeof path);
        lt_smf_note *x = &notes[i];
        x->tick = get_int(L, e, path, "tick", 0, LT_SMF_MAX_TICK, 0, 0);
        x->dur = get_int(L, e, path, "dur", 1, LT_SMF_MAX_TICK - x->tick, 0, 0);
        x->note = (uint8_t)get_int(L, e, path, "note", 0, 127, 0, 0);
        x->vel = (uint8_t)get_int(L, e, path, "vel", 1, 127, 1, 100);
        x->ch = (uint8_t)(get_int(L, e, path, "ch", 1, 16, 1, 1) - 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    tr->notes = notes;
    tr->nnotes = n;
}

static int smf_write(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_newtable(L);                                   /* ANCHOR */
    char where[PATH];
    lt_smf_song song;
    memset(&song, 0, sizeof song);
    song.name = get_str(L, 2, "", "name", 1, NULL);
    song.division = (int)get_int(L, 2, "", "division", 1, 0x7FFF, 1, LT_SMF_DEFAULT_DIVISION);

    size_t n = get_list(L, 2, "", "tempos");
    lt_smf_tempo *tempos = scratch(L, n, sizeof *tempos);
    for (size_t i = 0; i < n; i++) {
        int e = get_item(L, 4, i, "", "tempos", where, sizeof where);
        tempos[i].tick = get_int(L, e, where, "tick", 0, LT_SMF_MAX_TICK, 0, 0);
        lua_getfield(L, e, "bpm");
        double bpm = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
        /* The file stores microseconds per quarter in 24 bits: 3.58 to 60,000,000 bpm. */
        double us = bpm > 0 ? floor(60e6 / bpm + 0.5) : 0;
        if (!(us >= 1 && us <= 0xFFFFFF)) field_error(L, where, "bpm", "a tempo from 3.58 to 60000000", lua_gettop(L));
        tempos[i].usec_per_quarter = (uint32_t)us;
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    song.tempos = tempos;
    song.ntempos = n;

    n = get_list(L, 2, "", "meters");
    lt_smf_meter *meters = scratch(L, n, sizeof *meters);
    for (size_t i = 0; i < n; i++) {
        int e = get_item(L, 4, i, "", "meters", where, sizeof where);
        meters[i].tick = get_int(L, e, where, "tick", 0, LT_SMF_MAX_TICK, 0, 0);
        meters[i].num = (int)get_int(L, e, where, "num", 1, 255, 0, 0);
        meters[i].den = (int)get_int(L, e, where, "den", 1, 32768, 0, 0);
        if (meters[i].den & (meters[i].den - 1)) {
            lua_getfield(L, e, "den");
            field_error(L, where, "den", "a power of two (1, 2, 4, 8, ...)", lua_gettop(L));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    song.meters = meters;
    song.nmeters = n;

    n = get_list(L, 2, "", "markers");
    lt_smf_marker *markers = scratch(L, n, sizeof *markers);
    for (size_t i = 0; i < n; i++) {
        int e = get_item(L, 4, i, "", "markers", where, sizeof where);
        markers[i].tick = get_int(L, e, where, "tick", 0, LT_SMF_MAX_TICK, 0, 0);
        markers[i].text = get_str(L, e, where, "text", 0, NULL);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    song.markers = markers;
    song.nmarkers = n;
    get_events(L, 2, "", &song.events, &song.nevents);

    n = get_list(L, 2, "", "tracks");
    if (n > LT_SMF_MAX_TRACKS - 1) {
        luaL_argerror(L, 2, lua_pushfstring(L, "tracks: at most %d tracks fit a MIDI file, got %d",
                                            LT_SMF_MAX_TRACKS - 1, (int)n));
    }
    lt_smf_track *tracks = scratch(L, n, sizeof *tracks);
    for (size_t i = 0; i < n; i++) {
        int e = get_item(L, 4, i, "", "tracks", where, sizeof where);
        tracks[i].name = get_str(L, e, where, "name", 1, NULL);
        get_notes(L, e, where, &tracks[i]);
        get_events(L, e, where, &tracks[i].events, &tracks[i].nevents);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    song.tracks = tracks;
    song.ntracks = n;

    lt_smf_error err;
    int rc = lt_smf_write(&song, path, &err);
    if (rc == LT_SMF_EIO) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    if (rc != LT_SMF_OK) {
        /* What the checks above let through (too many events, out of memory) is still named. */
        char msg[256];
        lt_smf_error_format(&err, msg, sizeof msg);
        if (rc == LT_SMF_ENOMEM) return luaL_error(L, "not enough memory");
        return luaL_argerror(L, 2, msg);
    }
    lua_pushboolean(L, 1);
    return 1;
}

int lt_open_smf(lua_State *L) {
    static const luaL_Reg funcs[] = {
        { "read", smf_read },
        { "write", smf_write },
        { NULL, NULL }
    };
    luaL_newlib(L, funcs);
    return 1;
}
