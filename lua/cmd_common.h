/* cmd_common.h — what `lute master` and `lute album` share: a Lua state for chain and album files
 * (lute's module path, `fx` and every unit's constructor as globals, `master{}` returning its table),
 * reading a master chain description (a Lua table) into C, and the ffmpeg cross-check.
 *
 * A chain description (a chain file returns one; the presets in scripts/master/ are such files):
 *   { name = "streaming", source = "...", target = -14, ceiling = -1, tolerance = 0.2,
 *     reference = "ref.wav", match = true | { eq = true, loudness = true, max_db = 6, amount = 1 },
 *     bits = 24, rate = 44100, dither = "tpdf" | "shaped" | "none", kbps = 320,
 *     fx.mineq{...}, fx.mbcomp{...}, fx.limiter{ release = 80 } }     -- the array part: the chain
 * target = false means no loudness target (the ceiling only).  A limiter last in the chain is the
 * one loudness targeting drives (its gain and ceiling are set by the targeting); without one, a
 * limiter with its defaults is added.
 * Thread: control.  RT-safe: no. */
#ifndef LT_CMD_COMMON_H
#define LT_CMD_COMMON_H
#include <lua.h>
#include <limits.h>
#include <stddef.h>
#include "graph/fx.h"
#include "master/chain.h"

typedef struct lt_chain_desc_unit {
    const lt_fx_def *def;
    float params[LT_FX_MAX_PARAMS];
    float mix;
} lt_chain_desc_unit;

typedef struct lt_master_cfg {
    char   name[128], source[512];
    double target, ceiling, tolerance;     /* NAN = not given */
    int    no_target;                      /* target = false */
    float  limiter[5];                     /* the final limiter's parameters */
    int    nunits;
    lt_chain_desc_unit units[LT_CHAIN_MAX];
    char   reference[PATH_MAX];
    int    match_eq, match_loudness;
    double match_max_db, match_amount;
    int    bits, rate, dither;             /* 0 = not given; dither: lt_dither_mode + 1 */
    double kbps;
} lt_master_cfg;

void lt_master_cfg_init(lt_master_cfg *c);
/* A Lua state for chain/album files: standard libraries, lute's lua/ and scripts/ on the module
 * path (and `dir`, the file's folder), lute.fxdefs preloaded, fx's constructors and master() as
 * globals.  NULL when out of memory. */
lua_State *lt_cmd_lua(const char *dir);
/* Reads the chain description at stack index idx; paths in it are relative to `dir`.
 * -1 with err naming the field. */
int lt_master_cfg_read(lua_State *L, int idx, const char *dir, const char *where, lt_master_cfg *c, char *err, size_t errlen);
/* Runs a chain file (or a preset's name: "streaming" = scripts/master/streaming.lua) and reads what
 * it returns.  -1 with err (the file's own line for Lua errors). */
int lt_master_cfg_load(const char *path, lt_master_cfg *c, char *err, size_t errlen);
/* The units of the description (without the final limiter) as a runnable chain at rate sr. */
int lt_master_cfg_chain(const lt_master_cfg *c, float sr, lt_chain *ch, char *err, size_t errlen);

/* ffmpeg's ebur128 (peak=true) on a file: 0 with the integrated loudness and true peak, -1 when
 * ffmpeg is missing or fails.  The signature of lt_target_opts.verify. */
int lt_ffmpeg_verify(void *ud, const char *path, double *lufs, double *dbtp);
int lt_ffmpeg_available(void);
/* The folder of a path ("." for a bare name), into buf. */
void lt_dirname(const char *path, char *buf, size_t len);
#endif
