/* fade.c — fade curves, fades and crossfades.  The curves are the ones DAWs offer (Ardour's fade
 * shapes, Pro Tools' S-curve), written as plain formulas so a test can check every sample. */
#include "edit/edit.h"
#include <math.h>
#include <string.h>

static double exp_curve(double x) { return (exp2(10.0 * x) - 1.0) / 1023.0; }

double lt_fade_gain(lt_fade_curve c, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    switch (c) {
    case LT_FADE_LINEAR: return x;
    case LT_FADE_EXP:    return exp_curve(x);
    case LT_FADE_LOG:    return 1.0 - exp_curve(1.0 - x);
    case LT_FADE_S:      return 0.5 - 0.5 * cos(M_PI * x);
    case LT_FADE_POWER:  return sin(0.5 * M_PI * x);
    }
    return x;
}

int lt_fade_curve_parse(const char *s) {
    if (!strcmp(s, "linear") || !strcmp(s, "lin")) return LT_FADE_LINEAR;
    if (!strcmp(s, "exp") || !strcmp(s, "exponential")) return LT_FADE_EXP;
    if (!strcmp(s, "log") || !strcmp(s, "logarithmic")) return LT_FADE_LOG;
    if (!strcmp(s, "s") || !strcmp(s, "S") || !strcmp(s, "scurve")) return LT_FADE_S;
    if (!strcmp(s, "power") || !strcmp(s, "equal_power") || !strcmp(s, "cos")) return LT_FADE_POWER;
    return -1;
}

void lt_edit_fade_in(lt_abuf *b, int64_t len, lt_fade_curve c) {
    if (len > b->frames) len = b->frames;
    int nc = b->channels;
    for (int64_t i = 0; i < len; i++) {
        float g = (float)lt_fade_gain(c, (double)i / (double)len);
        for (int ch = 0; ch < nc; ch++) b->s[i * nc + ch] *= g;
    }
}

void lt_edit_fade_out(lt_abuf *b, int64_t len, lt_fade_curve c) {
    if (len > b->frames) len = b->frames;
    int nc = b->channels;
    for (int64_t k = 0; k < len; k++) {
        float g = (float)lt_fade_gain(c, (double)k / (double)len);
        float *s = b->s + (b->frames - 1 - k) * nc;
        for (int ch = 0; ch < nc; ch++) s[ch] *= g;
    }
}

void lt_xfade_gains(lt_xfade_kind k, double x, double *gout, double *gin) {
    if (x < 0) x = 0;
    if (x > 1) x = 1;
    if (k == LT_XFADE_GAIN) { *gout = 1.0 - x; *gin = x; }
    else { *gout = cos(0.5 * M_PI * x); *gin = sin(0.5 * M_PI * x); }
}

lt_edit_err lt_edit_crossfade(const lt_abuf *a, const lt_abuf *b, int64_t len, lt_xfade_kind k, lt_abuf *out) {
    out->s = NULL;
    out->frames = 0;
    if (a->channels != b->channels || len < 0 || len > a->frames || len > b->frames) return LT_EDIT_EARG;
    lt_edit_err e = lt_abuf_alloc(out, a->frames + b->frames - len, a->channels, a->rate);
    if (e) return e;
    int nc = a->channels;
    int64_t head = a->frames - len;
    memcpy(out->s, a->s, sizeof(float) * (size_t)head * (size_t)nc);
    for (int64_t i = 0; i < len; i++) {
        double go, gi;
        lt_xfade_gains(k, ((double)i + 0.5) / (double)len, &go, &gi);
        for (int c = 0; c < nc; c++)
            out->s[(head + i) * nc + c] = (float)(go * a->s[(head + i) * nc + c] + gi * b->s[i * nc + c]);
    }
    memcpy(out->s + (head + len) * nc, b->s + len * nc, sizeof(float) * (size_t)(b->frames - len) * (size_t)nc);
    return LT_EDIT_OK;
}
