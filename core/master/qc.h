/* qc.h — the quality-control report written next to every delivered file (FILE.qc.txt and
 * FILE.qc.json): the analysis of the file as written (core/analysis/meter.h), and each check with
 * its verdict: loudness within the tolerance of the target, true peak at or below the ceiling, no
 * clipped runs, DC offset under -40 dBFS (noted above -60), stereo correlation not negative (mono playback would lose
 * level), and notes (not failures) for long silence at the head or tail.
 * Thread: control.  RT-safe: no. */
#ifndef LT_MASTER_QC_H
#define LT_MASTER_QC_H
#include <stddef.h>
#include "analysis/meter.h"

typedef struct lt_qc_limits {
    double target_lufs;      /* NAN: no loudness check */
    double tolerance_lu;     /* 0 = 0.2 (EBU R128 broadcast allows 1.0: give it) */
    double ceiling_dbtp;     /* NAN: no true-peak check */
    double head_note_s;      /* silence at the head longer than this is noted (0 = 1 s) */
    double tail_note_s;      /* at the tail (0 = 3 s) */
} lt_qc_limits;

/* Measures `path` and writes path.qc.txt and path.qc.json; `extra_json` (may be NULL) is a JSON
 * object's members (`"a": 1, "b": 2`) added under "mastering".  Returns 1 when every check passed,
 * 0 when one failed, -1 with err when the file cannot be read or the reports cannot be written.
 * The text also goes to `echo` when not NULL. */
int lt_qc_file(const char *path, const lt_qc_limits *lim, const char *extra_json, FILE *echo, char *err, size_t errlen);
#endif
