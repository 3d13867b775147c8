/* params.c — the table of track parameters: names, ranges, defaults (see params.h). */
#include "params.h"
#include <string.h>

const lt_param_info lt_params[LT_P_COUNT] = {
    [LT_P_GAIN]    = {"gain",    -120.0f, 24.0f,    -6.0f,  "dB", 1, "track level in decibels"},
    [LT_P_PAN]     = {"pan",     -1.0f,   1.0f,     0.0f,   "",   1, "stereo position, -1 left .. 1 right (constant power)"},
    [LT_P_WAVE]    = {"wave",    0.0f,    1.0f,     0.0f,   "",   0, "oscillator: 0 saw, 1 square"},
    [LT_P_CUTOFF]  = {"cutoff",  20.0f,   20000.0f, 2000.0f,"Hz", 1, "low-pass cutoff"},
    [LT_P_RES]     = {"res",     0.0f,    1.0f,     0.3f,   "",   1, "resonance, 0 .. 1 (q 0.71 .. 22.6)"},
    [LT_P_FENV]    = {"fenv",    0.0f,    8.0f,     1.0f,   "oct",1, "how far the envelope opens the filter, in octaves"},
    [LT_P_ATTACK]  = {"attack",  0.0f,    10.0f,    0.005f, "s",  0, "envelope attack time"},
    [LT_P_DECAY]   = {"decay",   0.0f,    10.0f,    0.15f,  "s",  0, "envelope decay time"},
    [LT_P_SUSTAIN] = {"sustain", 0.0f,    1.0f,     0.6f,   "",   0, "envelope sustain level"},
    [LT_P_RELEASE] = {"release", 0.0f,    20.0f,    0.2f,   "s",  0, "envelope release time"},
    [LT_P_DETUNE]  = {"detune",  -1200.0f,1200.0f,  0.0f,   "cents", 1, "pitch offset of every voice"},
};

int lt_param_find(const char *name) {
    for (int i = 0; i < LT_P_COUNT; i++)
        if (strcmp(lt_params[i].name, name) == 0) return i;
    return -1;
}
