/* match.h — comparing a mix with a reference track, and matching its tonal balance: the differences
 * in loudness, dynamics (LRA, PLR, crest), stereo (width, correlation) and spectrum per third-octave
 * band (both brought to the same loudness first), and an EQ that moves the mix toward the reference
 * (the method of Matchering, S. Grishin: the ratio of the two average spectra, mid and side apart,
 * each summed over a third of an octave, limited, applied as linear-phase FIRs).  Loudness matching itself is targeting's job
 * (target.h) with the reference's integrated loudness as the target.
 * Thread: control.  RT-safe: no. */
#ifndef LT_MASTER_MATCH_H
#define LT_MASTER_MATCH_H
#include <stdio.h>
#include "analysis/meter.h"
#include "master/audio.h"

typedef struct lt_match_diff {
    double loudness_lu, lra_lu, plr_lu, crest_db, width, correlation, true_peak_db;   /* mix minus reference */
    double band_db[LT_BANDS];    /* mix minus reference, loudness-normalised; NaN where either is silent */
} lt_match_diff;

typedef struct lt_match_opts {
    double max_db;               /* the most the EQ may boost or cut anywhere (0 = 6 dB) */
    double lo_hz, hi_hz;         /* the range it works in (0 = 30 Hz and 16 kHz); outside it fades to 0 dB */
    double amount;               /* 0..1: how far toward the reference (0 = 1, all the way) */
} lt_match_opts;

void lt_match_compare(const lt_report *mix, const lt_report *ref, lt_match_diff *d);
void lt_match_print(FILE *f, const char *mixname, const char *refname, const lt_report *mix, const lt_report *ref,
                    const lt_match_diff *d);
/* EQs `mix` (stereo, in place) toward `ref`'s balance.  applied_db (31, optional) receives the mid
 * correction at the band centres.  -1 with err. */
int lt_match_eq(lt_audio *mix, const lt_audio *ref, const lt_match_opts *o, double *applied_db, char *err, size_t errlen);
#endif
