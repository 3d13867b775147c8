/* params.h — the parameters of a track, by id and by name, with their ranges and defaults.  The Lua
 * bridge uses the names to validate scripts ("unknown parameter 'cutof'; known: ..."), the engine uses
 * the ids.  Thread: any (constant data).  RT-safe: yes. */
#ifndef LT_PARAMS_H
#define LT_PARAMS_H

typedef enum {
    LT_P_GAIN = 0,   /* dB */
    LT_P_PAN,        /* -1 left .. 1 right, constant power */
    LT_P_WAVE,       /* 0 saw, 1 square */
    LT_P_CUTOFF,     /* Hz */
    LT_P_RES,        /* 0..1 */
    LT_P_FENV,       /* octaves */
    LT_P_ATTACK,     /* s */
    LT_P_DECAY,      /* s */
    LT_P_SUSTAIN,    /* 0..1 */
    LT_P_RELEASE,    /* s */
    LT_P_DETUNE,     /* cents */
    LT_P_COUNT
} lt_param_id;

typedef struct lt_param_info {
    const char *name;
    float min, max, def;
    const char *unit;
    int smoothed;      /* ramps over about 10 ms instead of stepping */
    const char *help;
} lt_param_info;

extern const lt_param_info lt_params[LT_P_COUNT];
int lt_param_find(const char *name);   /* id, or -1 */
#endif
