/* cmd_common.c — see cmd_common.h. */
#include "cmd_common.h"
#include "bind_fx.h"
#include "vm.h"
#include "dsp/fx_master.h"
#include "master/dither.h"
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void lt_master_cfg_init(lt_master_cfg *c) {
    memset(c, 0, sizeof *c);
    c->target = c->ceiling = c->tolerance = NAN;
    for (int i = 0; i < 5; i++) c->limiter[i] = lt_fx_limiter.params[i].def;
}

void lt_dirname(const char *path, char *buf, size_t len) {
    const char *s = strrchr(path, '/');
    if (!s) snprintf(buf, len, ".");
    else if (s == path) snprintf(buf, len, "/");
    else snprintf(buf, len, "%.*s", (int)(s - path), path);
}

static const char prelude[] =
    "local fx = require 'fx'\n"
    "for _, n in ipairs(fx.list()) do _G[n] = fx[n] end\n"
    "_G.fx = fx\n"
    "function master(t) return t end\n";

lua_State *lt_cmd_lua(const char *dir) {
    lua_State *L = luaL_newstate();
    if (!L) return NULL;
    luaL_openlibs(L);
    lt_fx_preload(L);
    const char *root = lt_vm_root();
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/lua/?.lua;%s/scripts/?.lua;%s/scripts/?/init.lua;%s/?.lua", root, root, root, dir ? dir : ".");
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
    if (luaL_dostring(L, prelude) != LUA_OK) {
        fprintf(stderr, "lute: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return NULL;
    }
    return L;
}

static int num_field(lua_State *L, int t, const char *k, double lo, double hi, double *out, const char *where, char *err, size_t errlen) {
    lua_getfield(L, t, k);
    int ty = lua_type(L, -1);
    if (ty == LUA_TNIL) { lua_pop(L, 1); return 0; }
    if (ty != LUA_TNUMBER) {
        snprintf(err, errlen, "%s: %s must be a number from %g to %g, not a %s", where, k, lo, hi, lua_typename(L, ty));
        lua_pop(L, 1);
        return -1;
    }
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!(v >= lo && v <= hi)) { snprintf(err, errlen, "%s: %s = %g is out of range (%g .. %g)", where, k, v, lo, hi); return -1; }
    *out = v;
    return 0;
}

static int str_field(lua_State *L, int t, const char *k, char *buf, size_t len, const char *where, char *err, size_t errlen) {
    lua_getfield(L, t, k);
    int ty = lua_type(L, -1);
    if (ty == LUA_TNIL) { lua_pop(L, 1); return 0; }
    if (ty != LUA_TSTRING) {
        snprintf(err, errlen, "%s: %s must be a string, not a %s", where, k, lua_typename(L, ty));
        lua_pop(L, 1);
        return -1;
    }
    snprintf(buf, len, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return 1;
}

/* One fx descriptor at the top of the stack into u (checked again: a chain may be written by hand). */
static int read_unit(lua_State *L, int i, lt_chain_desc_unit *u, const char *where, char *err, size_t errlen) {
    int d = lua_gettop(L);
    if (lua_type(L, d) != LUA_TTABLE) {
        snprintf(err, errlen, "%s: chain entry %d is a %s, not an effect (write e.g. limiter{ ceiling = -1 })", where, i, luaL_typename(L, d));
        return -1;
    }
    lua_getfield(L, d, "type");
    const char *type = lua_tostring(L, -1);
    const lt_fx_def *def = type ? lt_fx_find(type) : NULL;
    lua_pop(L, 1);
    if (!def) {
        snprintf(err, errlen, "%s: chain entry %d is not an effect made by a constructor such as limiter{} (type %s)", where, i,
                 type ? type : "missing");
        return -1;
    }
    u->def = def;
    for (int k = 0; k < def->nparams; k++) u->params[k] = def->params[k].def;
    u->mix = def->mix_default;
    lua_getfield(L, d, "params");
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            int k = name ? lt_fx_param_index(def, name) : -1;
            if (k < 0 || !lua_isnumber(L, -1)) {
                snprintf(err, errlen, "%s: %s has no setting '%s' taking that value", where, def->name, name ? name : "?");
                lua_pop(L, 3);
                return -1;
            }
            double v = lua_tonumber(L, -1);
            if (!(v >= def->params[k].min && v <= def->params[k].max)) {
                snprintf(err, errlen, "%s: %s: %s = %g is out of range (%g .. %g %s)", where, def->name, name, v, def->params[k].min,
                         def->params[k].max, def->params[k].unit);
                lua_pop(L, 3);
                return -1;
            }
            u->params[k] = (float)v;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    lua_getfield(L, d, "mix");
    if (lua_isnumber(L, -1)) u->mix = (float)lua_tonumber(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, d, "data");
    if (!lua_isnil(L, -1)) {
        snprintf(err, errlen, "%s: %s: data files are not used by the offline master chain", where, def->name);
        lua_pop(L, 1);
        return -1;
    }
    lua_pop(L, 1);
    return 0;
}

int lt_master_cfg_read(lua_State *L, int idx, const char *dir, const char *where, lt_master_cfg *c, char *err, size_t errlen) {
    int t = lua_absindex(L, idx);
    if (!lua_istable(L, t)) {
        snprintf(err, errlen, "%s: a master chain is a table ({ target = -14, ceiling = -1, limiter{} ... }), not a %s", where,
                 luaL_typename(L, t));
        return -1;
    }
    str_field(L, t, "name", c->name, sizeof c->name, where, err, errlen);
    str_field(L, t, "source", c->source, sizeof c->source, where, err, errlen);
    lua_getfield(L, t, "target");
    if (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) c->no_target = 1;
    else if (lua_isstring(L, -1) && !lua_isnumber(L, -1) && strcmp(lua_tostring(L, -1), "none") == 0) c->no_target = 1;
    lua_pop(L, 1);
    if (!c->no_target && num_field(L, t, "target", -70, -3, &c->target, where, err, errlen)) return -1;
    if (num_field(L, t, "ceiling", -20, 0, &c->ceiling, where, err, errlen)) return -1;
    if (num_field(L, t, "tolerance", 0.01, 2, &c->tolerance, where, err, errlen)) return -1;
    double d = 0;
    if (num_field(L, t, "bits", 16, 32, &d, where, err, errlen)) return -1;
    if (d) {
        if (d != 16 && d != 24 && d != 32) { snprintf(err, errlen, "%s: bits is 16, 24 or 32 (float), not %g", where, d); return -1; }
        c->bits = (int)d;
    }
    d = 0;
    if (num_field(L, t, "rate", 8000, 384000, &d, where, err, errlen)) return -1;
    c->rate = (int)d;
    if (num_field(L, t, "kbps", 32, 512, &c->kbps, where, err, errlen)) return -1;
    char dither[32] = "";
    if (str_field(L, t, "dither", dither, sizeof dither, where, err, errlen) < 0) return -1;
    if (dither[0]) {
        if (strcmp(dither, "tpdf") == 0) c->dither = LT_DITHER_TPDF + 1;
        else if (strcmp(dither, "shaped") == 0) c->dither = LT_DITHER_SHAPED + 1;
        else if (strcmp(dither, "none") == 0) c->dither = LT_DITHER_NONE + 1;
        else { snprintf(err, errlen, "%s: dither is \"tpdf\", \"shaped\" or \"none\", not \"%s\"", where, dither); return -1; }
    }
    char ref[PATH_MAX];
    int has = str_field(L, t, "reference", ref, sizeof ref, where, err, errlen);
    if (has < 0) return -1;
    if (has) {
        if (ref[0] == '/' || !dir) snprintf(c->reference, sizeof c->reference, "%s", ref);
        else if ((size_t)snprintf(c->reference, sizeof c->reference, "%.2047s/%.2047s", dir, ref) >= sizeof c->reference) {
            snprintf(err, errlen, "%s: reference path too long", where);
            return -1;
        }
    }
    lua_getfield(L, t, "match");
    if (lua_toboolean(L, -1)) {
        c->match_eq = c->match_loudness = 1;
        if (lua_istable(L, -1)) {
            int m = lua_gettop(L);
            lua_getfield(L, m, "eq");
            if (lua_isboolean(L, -1)) c->match_eq = lua_toboolean(L, -1);
            lua_getfield(L, m, "loudness");
            if (lua_isboolean(L, -1)) c->match_loudness = lua_toboolean(L, -1);
            lua_pop(L, 2);
            if (num_field(L, m, "max_db", 0.5, 18, &c->match_max_db, where, err, errlen) ||
                num_field(L, m, "amount", 0.05, 1, &c->match_amount, where, err, errlen)) { lua_pop(L, 1); return -1; }
        }
    }
    lua_pop(L, 1);
    int n = (int)luaL_len(L, t);
    c->nunits = 0;
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        lt_chain_desc_unit u;
        int rc = read_unit(L, i, &u, where, err, errlen);
        lua_pop(L, 1);
        if (rc) return -1;
        if (i == n && u.def == &lt_fx_limiter) {   /* the last limiter is targeting's */
            memcpy(c->limiter, u.params, sizeof c->limiter);
            if (isnan(c->ceiling)) c->ceiling = u.params[1];
            break;
        }
        if (c->nunits >= LT_CHAIN_MAX) { snprintf(err, errlen, "%s: a chain holds at most %d effects", where, LT_CHAIN_MAX); return -1; }
        c->units[c->nunits++] = u;
    }
    return 0;
}

int lt_master_cfg_load(const char *path, lt_master_cfg *c, char *err, size_t errlen) {
    char file[PATH_MAX];
    struct stat st;
    snprintf(file, sizeof file, "%s", path);
    if (stat(file, &st) != 0 && !strchr(path, '/')) {   /* a preset's name */
        snprintf(file, sizeof file, "%s/scripts/master/%s%s", lt_vm_root(), path, strstr(path, ".lua") ? "" : ".lua");
        if (stat(file, &st) != 0) {
            snprintf(err, errlen, "no chain file '%s' and no preset of that name in scripts/master/ (streaming, apple, broadcast, cd, club)", path);
            return -1;
        }
    }
    char dir[PATH_MAX];
    lt_dirname(file, dir, sizeof dir);
    lua_State *L = lt_cmd_lua(dir);
    if (!L) { snprintf(err, errlen, "cannot start Lua for '%s'", file); return -1; }
    int rc = -1;
    if (luaL_loadfile(L, file) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) snprintf(err, errlen, "%s", lua_tostring(L, -1));
    else rc = lt_master_cfg_read(L, -1, dir, file, c, err, errlen);
    lua_close(L);
    return rc;
}

int lt_master_cfg_chain(const lt_master_cfg *c, float sr, lt_chain *ch, char *err, size_t errlen) {
    lt_chain_init(ch, sr);
    for (int i = 0; i < c->nunits; i++)
        if (lt_chain_add(ch, c->units[i].def, c->units[i].params, c->units[i].mix, NULL, err, errlen)) {
            lt_chain_free(ch);
            return -1;
        }
    return 0;
}

int lt_ffmpeg_available(void) {
    static int known = -1;
    if (known < 0) known = system("ffmpeg -hide_banner -version >/dev/null 2>&1") == 0;
    return known;
}

int lt_ffmpeg_verify(void *ud, const char *path, double *lufs, double *dbtp) {
    (void)ud;
    if (!lt_ffmpeg_available()) return -1;
    /* the path goes inside single quotes; a quote in it becomes '\'' */
    size_t n = strlen(path);
    char *q = malloc(4 * n + 256);
    if (!q) return -1;
    char *w = q + sprintf(q, "ffmpeg -hide_banner -nostats -nostdin -i '");
    for (const char *s = path; *s; s++) {
        if (*s == '\'') { memcpy(w, "'\\''", 4); w += 4; } else *w++ = *s;
    }
    /* the per-frame metadata carries three decimals (the summary only one): take the last frame's
     * integrated loudness and the largest true peak it reports, and the summary's if it reads higher
     * (it includes the resampler's flush at the very end) */
    sprintf(w, "' -af ebur128=peak=true:metadata=1,ametadata=mode=print:file=/dev/stdout -f null - 2>&1");
    FILE *p = popen(q, "r");
    free(q);
    if (!p) return -1;
    char line[1024];
    int summary = 0, section = 0, got = 0;
    double meta_i = NAN, meta_tp = 0, sum_i = NAN, sum_tp = NAN;
    while (fgets(line, sizeof line, p)) {
        const char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        if (strncmp(s, "lavfi.r128.I=", 13) == 0) meta_i = strtod(s + 13, NULL);
        else if (strncmp(s, "lavfi.r128.true_peak=", 21) == 0) { double v = strtod(s + 21, NULL); if (v > meta_tp) meta_tp = v; }
        if (strstr(line, "Summary:")) summary = 1;
        if (!summary) continue;
        if (strncmp(s, "Integrated loudness", 19) == 0) section = 1;
        else if (strncmp(s, "True peak", 9) == 0) section = 2;
        else if (section == 1 && strncmp(s, "I:", 2) == 0) { sum_i = strtod(s + 2, NULL); got |= 1; }
        else if (section == 2 && strncmp(s, "Peak:", 5) == 0) { sum_tp = strtod(s + 5, NULL); got |= 2; }
    }
    *lufs = isfinite(meta_i) ? meta_i : sum_i;
    double mt = meta_tp > 0 ? 20 * log10(meta_tp) : -HUGE_VAL;
    *dbtp = isfinite(sum_tp) && sum_tp > mt + 0.05 ? sum_tp : mt;
    int rc = pclose(p);
    return rc == 0 && got == 3 ? 0 : -1;
}
