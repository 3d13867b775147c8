/* analysis.h — what a file sounds like, in numbers: length, sample peak, true peak and integrated
 * loudness (EBU R128 through libebur128; the full report is core/analysis/meter.h).  Used after a
 * render.
 * Thread: control.  RT-safe: no (reads files, allocates). */
#ifndef LT_ANALYSIS_H
#define LT_ANALYSIS_H
#include <stdint.h>
#include <stddef.h>

typedef struct lt_analysis {
    int64_t frames;
    int     rate, channels;
    double  seconds;
    double  peak_db;       /* sample peak, dBFS (-inf for silence) */
    double  true_peak_db;  /* 4x oversampled and refined (core/analysis/truepeak.h), dBTP */
    double  lufs;          /* integrated loudness, LUFS (-inf for silence) */
    double  lra;           /* loudness range, LU */
} lt_analysis;

int lt_analyze_file(const char *path, lt_analysis *a, char *err, size_t errlen);
#endif
