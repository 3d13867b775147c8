/* preview.c — see preview.h.  The chains (all second-order sections from dsp/bq.h):
 *   phone   mono; 4th-order high-pass at 450 Hz (a small speaker in a sealed phone body has almost
 *           nothing below); +5 dB peak at 2.5 kHz (its resonance); 2nd-order low-pass at 8 kHz.
 *   earbuds 2nd-order high-pass at 40 Hz (an unsealed fit); +3 dB shelf below 120 Hz; +4 dB peak at
 *           3 kHz (the ear canal's resonance, not cancelled as headphone targets do); -4 dB above 10 kHz.
 *   laptop  stereo narrowed to 40% side; 4th-order high-pass at 220 Hz; +4 dB peak at 4 kHz;
 *           2nd-order low-pass at 14 kHz.
 *   car     2nd-order high-pass at 35 Hz; +6 dB shelf below 90 Hz (cabin gain); -3 dB at 250 Hz,
 *           Q 1.2 (a door-panel dip); -3 dB above 8 kHz (seats and glass).
 *   club    mono below 100 Hz (subwoofers are mono); 4th-order high-pass at 30 Hz; +4 dB shelf below
 *           70 Hz; -3 dB above 12 kHz (distance and air).
 *   mono    (L + R) / 2 on both sides: what cancels out of phase is lost. */
#include "master/preview.h"
#include "dsp/bq.h"
#include <stdio.h>
#include <string.h>

static const char *names[LT_PREVIEW_COUNT] = {"phone", "earbuds", "laptop", "car", "club", "mono"};
static const char *about[LT_PREVIEW_COUNT] = {
    "phone speaker: mono, nothing below ~450 Hz, a 2.5 kHz resonance, dull above 8 kHz",
    "earbuds: light bass loss below 40 Hz, a little bass lift, ear-canal peak at 3 kHz, soft top",
    "laptop: narrow stereo, nothing below ~220 Hz, 4 kHz forward, soft above 14 kHz",
    "car: cabin bass gain below 90 Hz, a dip at 250 Hz, dull top",
    "club: mono bass below 100 Hz, sub lift below 70 Hz, soft top",
    "mono: L+R folded down; out-of-phase parts cancel",
};

const char *lt_preview_name(lt_preview p) { return (unsigned)p < LT_PREVIEW_COUNT ? names[p] : "?"; }
const char *lt_preview_about(lt_preview p) { return (unsigned)p < LT_PREVIEW_COUNT ? about[p] : "?"; }

int lt_preview_from_name(const char *name) {
    for (int i = 0; i < LT_PREVIEW_COUNT; i++) if (strcmp(name, names[i]) == 0) return i;
    return -1;
}

#define BW4_Q1 0.54119610
#define BW4_Q2 1.30656296

int lt_preview_render(const lt_audio *in, lt_preview p, lt_audio *out, char *err, size_t errlen) {
    if (in->channels != 2) { snprintf(err, errlen, "previews take stereo"); return -1; }
    if (lt_audio_alloc(out, in->frames, 2, in->rate)) { snprintf(err, errlen, "out of memory"); return -1; }
    double sr = in->rate;
    lt_bq s[8];
    int n = 0, mono = 0;
    double side = 1, mono_below = 0;
    switch (p) {
    case LT_PREVIEW_PHONE:
        mono = 1;
        s[n++] = lt_bq_design(LT_BQ_HIGHPASS, sr, 450, BW4_Q1, 0);
        s[n++] = lt_bq_design(LT_BQ_HIGHPASS, sr, 450, BW4_Q2, 0);
        s[n++] = lt_bq_peak_matched(sr, 2500, 1.0, 5);
        s[n++] = lt_bq_design(LT_BQ_LOWPASS, sr, 8000, 0.7071, 0);
        break;
    case LT_PREVIEW_EARBUDS:
        s[n++] = lt_bq_design(LT_BQ_HIGHPASS, sr, 40, 0.7071, 0);
        s[n++] = lt_bq_design(LT_BQ_LOWSHELF, sr, 120, 0.7071, 3);
        s[n++] = lt_bq_peak_matched(sr, 3000, 1.2, 4);
        s[n++] = lt_bq_design(LT_BQ_HIGHSHELF, sr, 10000, 0.7071, -4);
        break;
    case LT_PREVIEW_LAPTOP:
        side = 0.4;
        s[n++] = lt_bq_design(LT_BQ_HIGHPASS, sr, 220, BW4_Q1, 0);
        s[n++] = lt_bq_design(LT_BQ_HIGHPASS, sr, 220, BW4_Q2, 0);
        s[n++] = lt_bq_peak_matched(sr, 4000, 1.0, 4);
        s[n++] = lt_bq_design(LT_BQ_LOWPASS, sr, 14000, 0.7071, 0);
        break;
    case LT_PREVIEW_CAR:
        s[n++] = lt_bq_design(LT_BQ_HIGHPASS, sr, 35, 0.7071, 0);
        s[n++] = lt_bq_design(LT_BQ_LOWSHELF, sr, 90, 0.7071, 6);
        s[n++] = lt_bq_peak_matched(sr, 250, 1.2, -3);
        s[n++] = lt_bq_design(LT_BQ_HIGHSHELF, sr, 8000, 0.7071, -3);
        break;
    case LT_PREVIEW_CLUB:
        mono_below = 100;
        s[n++] = lt_bq_design(LT_BQ_HIGHPASS, sr, 30, BW4_Q1, 0);
        s[n++] = lt_bq_design(LT_BQ_HIGHPASS, sr, 30, BW4_Q2, 0);
        s[n++] = lt_bq_design(LT_BQ_LOWSHELF, sr, 70, 0.7071, 4);
        s[n++] = lt_bq_design(LT_BQ_HIGHSHELF, sr, 12000, 0.7071, -3);
        break;
    case LT_PREVIEW_MONO:
    default:
        mono = 1;
        break;
    }
    /* stereo stage: mono fold-down, side scaling or mono bass (Linkwitz-Riley split of the side) */
    lt_bq hp = lt_bq_design(LT_BQ_HIGHPASS, sr, mono_below > 0 ? mono_below : 10, 0.7071, 0),
          ap = lt_bq_design(LT_BQ_ALLPASS, sr, mono_below > 0 ? mono_below : 10, 0.7071, 0);
    lt_bq_state zs[2] = {{0, 0}, {0, 0}}, zm = {0, 0}, z[2][8];
    memset(z, 0, sizeof z);
    for (int64_t i = 0; i < in->frames; i++) {
        double l = in->x[2 * i], r = in->x[2 * i + 1], m = 0.5 * (l + r), sd = 0.5 * (l - r);
        if (mono) sd = 0;
        else if (mono_below > 0) {
            sd = lt_bq_tick(&hp, &zs[1], lt_bq_tick(&hp, &zs[0], sd));
            m = lt_bq_tick(&ap, &zm, m);
        } else sd *= side;
        double o[2] = {m + sd, m - sd};
        for (int c = 0; c < 2; c++) {
            for (int k = 0; k < n; k++) o[c] = lt_bq_tick(&s[k], &z[c][k], o[c]);
            out->x[2 * i + c] = (float)o[c];
        }
    }
    return 0;
}
