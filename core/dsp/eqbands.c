/* eqbands.c — see eqbands.h. */
#include "dsp/eqbands.h"
#include <math.h>

const lt_fx_param lt_eq_params[LT_EQ_NPARAMS] = {
    {"lowcut", 0, 500, 0, "Hz", 1, "24 dB/octave high-pass below this (0 = off)"},
    {"low_freq", 20, 1000, 100, "Hz", 1, "low shelf frequency (half its gain there)"},
    {"low_gain", -18, 18, 0, "dB", 1, "low shelf gain"},
    {"low_q", 0.3f, 1.5f, 0.707f, "", 1, "low shelf slope (0.707 = no overshoot)"},
    {"p1_freq", 20, 20000, 250, "Hz", 1, "peak 1 centre"},
    {"p1_gain", -18, 18, 0, "dB", 1, "peak 1 gain"},
    {"p1_q", 0.1f, 10, 1, "", 1, "peak 1 width (higher = narrower)"},
    {"p2_freq", 20, 20000, 1000, "Hz", 1, "peak 2 centre"},
    {"p2_gain", -18, 18, 0, "dB", 1, "peak 2 gain"},
    {"p2_q", 0.1f, 10, 1, "", 1, "peak 2 width"},
    {"p3_freq", 20, 20000, 3000, "Hz", 1, "peak 3 centre"},
    {"p3_gain", -18, 18, 0, "dB", 1, "peak 3 gain"},
    {"p3_q", 0.1f, 10, 1, "", 1, "peak 3 width"},
    {"p4_freq", 20, 20000, 8000, "Hz", 1, "peak 4 centre"},
    {"p4_gain", -18, 18, 0, "dB", 1, "peak 4 gain"},
    {"p4_q", 0.1f, 10, 1, "", 1, "peak 4 width"},
    {"high_freq", 1000, 20000, 10000, "Hz", 1, "high shelf frequency"},
    {"high_gain", -18, 18, 0, "dB", 1, "high shelf gain"},
    {"high_q", 0.3f, 1.5f, 0.707f, "", 1, "high shelf slope"},
    {"highcut", 0, 24000, 0, "Hz", 1, "24 dB/octave low-pass above this (0 = off)"},
};

/* The two quality factors of a 4th-order Butterworth: 1 / (2 cos(pi/8)) and 1 / (2 cos(3 pi/8)). */
#define BW4_Q1 0.54119610
#define BW4_Q2 1.30656296

int lt_eq_sections(const float *p, double sr, lt_eq_section *out) {
    int n = 0;
    double nyq = 0.49 * sr;
    if (p[LT_EQ_LOWCUT] > 0) {
        out[n++] = (lt_eq_section){LT_BQ_HIGHPASS, p[LT_EQ_LOWCUT], BW4_Q1, 0};
        out[n++] = (lt_eq_section){LT_BQ_HIGHPASS, p[LT_EQ_LOWCUT], BW4_Q2, 0};
    }
    if (p[LT_EQ_LOW_GAIN] != 0)
        out[n++] = (lt_eq_section){LT_BQ_LOWSHELF, p[LT_EQ_LOW_FREQ], p[LT_EQ_LOW_Q], p[LT_EQ_LOW_GAIN]};
    for (int k = 0; k < 4; k++) {
        const float *b = p + LT_EQ_P1_FREQ + 3 * k;
        if (b[1] != 0 && b[0] < nyq) out[n++] = (lt_eq_section){LT_BQ_PEAK, b[0], b[2], b[1]};
    }
    if (p[LT_EQ_HIGH_GAIN] != 0 && p[LT_EQ_HIGH_FREQ] < nyq)
        out[n++] = (lt_eq_section){LT_BQ_HIGHSHELF, p[LT_EQ_HIGH_FREQ], p[LT_EQ_HIGH_Q], p[LT_EQ_HIGH_GAIN]};
    if (p[LT_EQ_HIGHCUT] > 0 && p[LT_EQ_HIGHCUT] < nyq) {
        out[n++] = (lt_eq_section){LT_BQ_LOWPASS, p[LT_EQ_HIGHCUT], BW4_Q1, 0};
        out[n++] = (lt_eq_section){LT_BQ_LOWPASS, p[LT_EQ_HIGHCUT], BW4_Q2, 0};
    }
    return n;
}

double lt_eqbands_mag(const float *p, double sr, double f) {
    lt_eq_section s[LT_EQ_MAX_SECTIONS];
    int n = lt_eq_sections(p, sr, s);
    double m = 1;
    for (int i = 0; i < n; i++) m *= lt_bq_analog_mag(s[i].kind, s[i].f, s[i].q, s[i].gain, f);
    return m;
}
