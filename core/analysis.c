/* analysis.c — loudness and peaks of a file (see analysis.h): a summary of the full meter in
 * core/analysis/meter.h (loudness through libebur128, true peak through lute's 4x meter), so that
 * `lute render`'s closing line and `lute analyze` read the same numbers. */
#include "analysis.h"
#include "analysis/meter.h"
#include <math.h>
#include <stdio.h>

int lt_analyze_file(const char *path, lt_analysis *a, char *err, size_t errlen) {
    lt_report r;
    lt_meter_opts o = {.no_bands = 1};
    if (lt_meter_file(path, &o, &r, err, errlen)) return -1;
    a->frames = r.frames;
    a->rate = r.rate;
    a->channels = r.channels;
    a->seconds = r.duration_s;
    a->peak_db = r.sample_peak_dbfs;
    a->true_peak_db = r.true_peak_dbtp;
    a->lufs = r.integrated_lufs;
    a->lra = isfinite(r.lra_lu) ? r.lra_lu : 0;
    lt_report_free(&r);
    return 0;
}
