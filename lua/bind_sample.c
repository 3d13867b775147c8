/* bind_sample.c — lute.sample: samples and kits as Lua userdata (see bind_sample.h for the surface).
 *
 * Userdata follow liolib.c: the userdata is made (holding NULL) and given its metatable before the
 * core object is acquired, so a memory error raised in between frees nothing twice and leaks
 * nothing; __gc and __close release the reference and clear the pointer, so they may run twice.
 * Thread: control only.  RT-safe: no. */
#include "bind_sample.h"
#include "bind_record.h"
#include "edit/edit.h"
#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SAMPLE_MT "lute.sample"
#define KIT_MT    "lute.kit"
#define DEFAULT_RATE 48000

typedef struct { lt_sample *s; } sample_ud;
typedef struct { lt_kit *k; } kit_ud;

/* ---- userdata ---------------------------------------------------------------------------------- */

static sample_ud *new_sample_ud(lua_State *L) {
    sample_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->s = NULL;
    luaL_setmetatable(L, SAMPLE_MT);
    return u;
}

static kit_ud *new_kit_ud(lua_State *L) {
    kit_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->k = NULL;
    luaL_setmetatable(L, KIT_MT);
    return u;
}

void lt_push_sample(lua_State *L, lt_sample *s) { new_sample_ud(L)->s = s; }
void lt_push_kit(lua_State *L, lt_kit *k) { new_kit_ud(L)->k = k; }

lt_sample *lt_check_sample(lua_State *L, int arg) {
    sample_ud *u = luaL_checkudata(L, arg, SAMPLE_MT);
    if (!u->s) luaL_argerror(L, arg, "the sample was released");
    return u->s;
}

lt_kit *lt_check_kit(lua_State *L, int arg) {
    kit_ud *u = luaL_checkudata(L, arg, KIT_MT);
    if (!u->k) luaL_argerror(L, arg, "the kit was released");
    return u->k;
}

static int sample_gc(lua_State *L) {
    sample_ud *u = luaL_checkudata(L, 1, SAMPLE_MT);
    lt_sample_unref(u->s);
    u->s = NULL;
    return 0;
}

static int kit_gc(lua_State *L) {
    kit_ud *u = luaL_checkudata(L, 1, KIT_MT);
    lt_kit_unref(u->k);
    u->k = NULL;
    return 0;
}

/* The rate samples load at when none is given: the engine's (lute.core.rate()) when lute.core is
 * there, else 48000 (a plain Lua host). */
static int default_rate(lua_State *L) {
    int rate = DEFAULT_RATE;
    int top = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "lute.core");
    if (lua_isfunction(L, -2) && lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1)) {
        lua_getfield(L, -1, "rate");
        if (lua_isfunction(L, -1) && lua_pcall(L, 0, 1, 0) == LUA_OK && lua_isinteger(L, -1)) {
            lua_Integer r = lua_tointeger(L, -1);
            if (r > 0 && r <= 768000) rate = (int)r;
        }
    }
    lua_settop(L, top);
    return rate;
}

/* ---- module functions -------------------------------------------------------------------------- */

static int l_load(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    lua_Integer rate = luaL_opt(L, luaL_checkinteger, 2, 0);
    if (rate == 0) rate = default_rate(L);
    luaL_argcheck(L, rate > 0 && rate <= 768000, 2, "a sample rate from 1 to 768000 Hz");
    sample_ud *u = new_sample_ud(L);
    char err[1200];
    u->s = lt_sample_load(path, (int)rate, err, sizeof err);
    if (!u->s) {
        luaL_pushfail(L);
        lua_pushstring(L, err);
        return 2;
    }
    return 1;
}

/* sample.from_buffer(buf [, name [, rate]]): a sample made from a lute.edit buffer (a rendered
 * clip), converted to `rate` (the engine's by default) like a file would be.  The buffer's floats
 * go to the sampler in C, never through Lua values.  `name` stands in for the path (messages, the
 * session log); the hash is the content's.  Returns nil, message for a buffer the sampler cannot
 * play (more than two channels, empty). */
static int l_from_buffer(lua_State *L) {
    const lt_abuf *b = luaL_checkudata(L, 1, LT_EDIT_BUF_MT);
    const char *name = luaL_optstring(L, 2, "(clip)");
    lua_Integer rate = luaL_opt(L, luaL_checkinteger, 3, 0);
    if (rate == 0) rate = default_rate(L);
    luaL_argcheck(L, rate > 0 && rate <= 768000, 3, "a sample rate from 1 to 768000 Hz");
    if (!b->s || b->frames < 1) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: the clip is empty (no frames to play)", name);
        return 2;
    }
    if (b->channels < 1 || b->channels > 2) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %d channels; the sampler plays mono or stereo clips", name, b->channels);
        return 2;
    }
    sample_ud *u = new_sample_ud(L);
    char err[1200];
    u->s = lt_sample_from_frames(b->s, b->frames, b->channels, b->rate, (int)rate, name, err, sizeof err);
    if (!u->s) {
        luaL_pushfail(L);
        lua_pushstring(L, err);
        return 2;
    }
    return 1;
}

static int l_kit(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, n >= 0 && n <= 65535, 1, "a list of at most 65535 samples");
    kit_ud *u = new_kit_ud(L);
    lt_sample **list = lua_newuserdatauv(L, sizeof(lt_sample *) * (size_t)(n ? n : 1), 0);   /* collected */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        sample_ud *s = luaL_testudata(L, -1, SAMPLE_MT);
        if (!s || !s->s)
            return luaL_argerror(L, 1, lua_pushfstring(L, "item %d: expected a sample (from sample.load), got %s",
                                                       (int)i, luaL_typename(L, -1)));
        list[i - 1] = s->s;
        lua_pop(L, 1);
    }
    u->k = lt_kit_new(list, (int)n);
    if (!u->k) return luaL_error(L, "not enough memory for a kit of %d samples", (int)n);
    lua_pop(L, 1);
    return 1;
}

typedef struct { char *name; int dir; } dir_entry;

/* What a listing holds while it is built, owned by a userdata whose __gc frees it: a memory error
 * raised anywhere in between (a Lua string, the table) leaks neither the handle nor the names. */
typedef struct { DIR *d; dir_entry *e; size_t n; } dir_guard;
#define DIRGUARD_MT "lute.sample.dirguard"

static int dirguard_gc(lua_State *L) {
    dir_guard *g = luaL_checkudata(L, 1, DIRGUARD_MT);
    if (g->d) closedir(g->d);
    for (size_t i = 0; i < g->n; i++) free(g->e[i].name);
    free(g->e);
    g->d = NULL; g->e = NULL; g->n = 0;
    return 0;
}

static int entry_cmp(const void *a, const void *b) {
    return strcmp(((const dir_entry *)a)->name, ((const dir_entry *)b)->name);
}

/* Sorted by name in byte order, which does not depend on the locale: the same folder gives the
 * same kit everywhere.  Hidden entries (a leading '.') are left out. */
static int l_dir(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    dir_guard *g = lua_newuserdatauv(L, sizeof *g, 0);
    memset(g, 0, sizeof *g);
    luaL_setmetatable(L, DIRGUARD_MT);
    g->d = opendir(path);
    if (!g->d) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    size_t cap = 0, plen = strlen(path);
    struct dirent *de;
    while ((de = readdir(g->d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        if (g->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            dir_entry *ne = realloc(g->e, sizeof *ne * nc);
            if (!ne) return luaL_error(L, "not enough memory to list %s", path);
            g->e = ne;
            cap = nc;
        }
        size_t nlen = strlen(de->d_name);
        char *full = malloc(plen + nlen + 2);
        char *name = strdup(de->d_name);
        if (!full || !name) { free(full); free(name); return luaL_error(L, "not enough memory to list %s", path); }
        snprintf(full, plen + nlen + 2, "%s/%s", path, de->d_name);
        struct stat st;
        g->e[g->n].name = name;
        g->e[g->n].dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        g->n++;
        free(full);
    }
    closedir(g->d);
    g->d = NULL;
    if (g->n) qsort(g->e, g->n, sizeof *g->e, entry_cmp);
    lua_createtable(L, (int)g->n, 0);
    for (size_t i = 0; i < g->n; i++) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, g->e[i].name);
        lua_setfield(L, -2, "name");
        lua_pushboolean(L, g->e[i].dir);
        lua_setfield(L, -2, "dir");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;                                  /* the guard frees the names when collected */
}

static int l_stat(lua_State *L) {
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    if (stat(path, &st) != 0) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, (lua_Number)st.st_mtim.tv_sec + (lua_Number)st.st_mtim.tv_nsec * 1e-9);
    lua_setfield(L, -2, "mtime");
    lua_pushinteger(L, (lua_Integer)st.st_size);
    lua_setfield(L, -2, "size");
    lua_pushboolean(L, S_ISDIR(st.st_mode));
    lua_setfield(L, -2, "dir");
    return 1;
}

static int l_rate(lua_State *L) {
    lua_pushinteger(L, default_rate(L));
    return 1;
}

/* ---- sample methods ---------------------------------------------------------------------------- */

static int s_frames(lua_State *L) { lua_pushinteger(L, lt_check_sample(L, 1)->frames); return 1; }
static int s_channels(lua_State *L) { lua_pushinteger(L, lt_check_sample(L, 1)->channels); return 1; }
static int s_rate(lua_State *L) { lua_pushinteger(L, lt_check_sample(L, 1)->rate); return 1; }
static int s_source_rate(lua_State *L) { lua_pushinteger(L, lt_check_sample(L, 1)->source_rate); return 1; }
static int s_source_channels(lua_State *L) { lua_pushinteger(L, lt_check_sample(L, 1)->source_channels); return 1; }
static int s_path(lua_State *L) { lua_pushstring(L, lt_check_sample(L, 1)->path); return 1; }

static int s_duration(lua_State *L) {
    lt_sample *s = lt_check_sample(L, 1);
    lua_pushnumber(L, (lua_Number)s->frames / s->rate);
    return 1;
}

static int s_hash(lua_State *L) {
    char buf[17];
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)lt_check_sample(L, 1)->hash);
    lua_pushstring(L, buf);
    return 1;
}

static int s_onsets(lua_State *L) {
    lt_sample *s = lt_check_sample(L, 1);
    lt_onset_config cfg = { (float)luaL_optnumber(L, 2, 0), (float)luaL_optnumber(L, 3, 0) };
    luaL_argcheck(L, cfg.threshold >= 0, 2, "a threshold >= 0 (0 = the default, 1)");
    luaL_argcheck(L, cfg.min_gap >= 0, 3, "a gap in seconds >= 0 (0 = the default, 0.03)");
    /* Onsets are at least min_gap apart (and at least 1 ms, whatever was asked): room for all. */
    double gap = cfg.min_gap > 0 ? cfg.min_gap : 0.03;
    if (gap < 0.001) gap = 0.001;
    int64_t cap = (int64_t)((double)s->frames / (gap * s->rate)) + 2;
    if (cap > 0x7FFFFFF) cap = 0x7FFFFFF;
    int64_t *on = lua_newuserdatauv(L, sizeof(int64_t) * (size_t)cap, 0);
    int m = lt_sample_onsets(s, &cfg, on, (int)cap);
    if (m < 0) return luaL_error(L, "not enough memory to find onsets in %s", s->path);
    if (m > cap) m = (int)cap;
    lua_createtable(L, m, 0);
    for (int i = 0; i < m; i++) {
        lua_pushinteger(L, on[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int s_stretch(lua_State *L) {
    lt_sample *s = lt_check_sample(L, 1);
    lua_Number ratio = luaL_checknumber(L, 2), semis = luaL_optnumber(L, 3, 0);
    luaL_argcheck(L, ratio >= 1.0 / 64 && ratio <= 64, 2,
                  lua_pushfstring(L, "a time ratio from 1/64 to 64, got %f", (double)ratio));
    luaL_argcheck(L, semis >= -48 && semis <= 48, 3,
                  lua_pushfstring(L, "a pitch shift from -48 to 48 semitones, got %f", (double)semis));
    sample_ud *u = new_sample_ud(L);
    char err[1200];
    u->s = lt_sample_stretch(s, ratio, semis, err, sizeof err);
    if (!u->s) {
        luaL_pushfail(L);
        lua_pushstring(L, err);
        return 2;
    }
    return 1;
}

/* s:read(first, count): frames first .. first+count-1 (0-based) of level 0 as a list of numbers,
 * the channels averaged: for tests and analysis in Lua, not for playback. */
static int s_read(lua_State *L) {
    lt_sample *s = lt_check_sample(L, 1);
    lua_Integer first = luaL_optinteger(L, 2, 0), count = luaL_optinteger(L, 3, s->frames - first);
    luaL_argcheck(L, first >= 0 && first <= s->frames, 2, "a frame within the sample");
    luaL_argcheck(L, count >= 0 && count <= s->frames - first && count <= 0x7FFFFFF, 3, "a count within the sample");
    const float *d = s->level[0].data;
    lua_createtable(L, (int)count, 0);
    for (lua_Integer i = 0; i < count; i++) {
        int64_t f = first + i;
        float v = s->channels == 2 ? 0.5f * (d[2 * f] + d[2 * f + 1]) : d[f];
        lua_pushnumber(L, v);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* s:floats(): the whole of level 0 (the sample at the engine's rate) as a string of interleaved
 * float32, as lute.edit.from_floats takes it: a kit's sound becomes an edit buffer in C. */
static int s_floats(lua_State *L) {
    lt_sample *s = lt_check_sample(L, 1);
    lua_pushlstring(L, (const char *)s->level[0].data, sizeof(float) * (size_t)s->frames * (size_t)s->channels);
    return 1;
}

static int s_tostring(lua_State *L) {
    sample_ud *u = luaL_checkudata(L, 1, SAMPLE_MT);
    if (!u->s) lua_pushliteral(L, "sample (released)");
    else lua_pushfstring(L, "sample %s (%d ch, %f s)", u->s->path, u->s->channels, (double)u->s->frames / u->s->rate);
    return 1;
}

/* ---- kit methods ------------------------------------------------------------------------------- */

static int k_len(lua_State *L) { lua_pushinteger(L, lt_check_kit(L, 1)->count); return 1; }

static int k_sample(lua_State *L) {
    lt_kit *k = lt_check_kit(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    luaL_argcheck(L, i >= 0 && i < k->count, 2, lua_pushfstring(L, "an index from 0 to %d", k->count - 1));
    sample_ud *u = new_sample_ud(L);
    u->s = k->samples[i];
    lt_sample_ref(u->s);
    return 1;
}

static int k_hash(lua_State *L) {
    char buf[17];
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)lt_check_kit(L, 1)->hash);
    lua_pushstring(L, buf);
    return 1;
}

static int k_tostring(lua_State *L) {
    kit_ud *u = luaL_checkudata(L, 1, KIT_MT);
    if (!u->k) lua_pushliteral(L, "kit (released)");
    else lua_pushfstring(L, "kit of %d samples", u->k->count);
    return 1;
}

/* ---- module ------------------------------------------------------------------------------------ */

static void new_class(lua_State *L, const char *name, const luaL_Reg *meta, const luaL_Reg *methods) {
    luaL_newmetatable(L, name);
    luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

int lt_open_sample(lua_State *L) {
    static const luaL_Reg sample_meta[] = {
        { "__gc", sample_gc }, { "__close", sample_gc }, { "__tostring", s_tostring }, { NULL, NULL } };
    static const luaL_Reg sample_methods[] = {
        { "frames", s_frames }, { "channels", s_channels }, { "duration", s_duration }, { "rate", s_rate },
        { "source_rate", s_source_rate }, { "source_channels", s_source_channels }, { "path", s_path },
        { "hash", s_hash }, { "onsets", s_onsets }, { "read", s_read }, { "floats", s_floats }, { "stretch", s_stretch }, { NULL, NULL } };
    static const luaL_Reg kit_meta[] = {
        { "__gc", kit_gc }, { "__close", kit_gc }, { "__len", k_len }, { "__tostring", k_tostring }, { NULL, NULL } };
    static const luaL_Reg kit_methods[] = { { "sample", k_sample }, { "hash", k_hash }, { "count", k_len }, { NULL, NULL } };
    static const luaL_Reg funcs[] = {
        { "load", l_load }, { "from_buffer", l_from_buffer }, { "kit", l_kit }, { "dir", l_dir }, { "stat", l_stat }, { "rate", l_rate }, { NULL, NULL } };
    new_class(L, SAMPLE_MT, sample_meta, sample_methods);
    new_class(L, KIT_MT, kit_meta, kit_methods);
    luaL_newmetatable(L, DIRGUARD_MT);
    lua_pushcfunction(L, dirguard_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_newlib(L, funcs);
    return 1;
}
