/* plot.h — a picture of one or more analysed files (cairo): the waveform, the short-term loudness
 * over time with the target line, and the spectrum, the first file drawn over the others (a
 * reference, or the mix before mastering).  PNG or SVG by the file's extension.
 * Thread: control.  RT-safe: no. */
#ifndef LT_ANALYSIS_PLOT_H
#define LT_ANALYSIS_PLOT_H
#include <stddef.h>
#include "analysis/meter.h"

#define LT_PLOT_COLUMNS 1100   /* the envelope columns lt_plot expects (lt_meter_opts.plot_columns) */

typedef struct lt_plot_opts {
    double      target_lufs;   /* NAN: no target line */
    const char *title;         /* NULL: the first file's name */
} lt_plot_opts;

/* reports[i] must have been measured with series = 1 and plot_columns = LT_PLOT_COLUMNS.
 * -1 with err when the file cannot be written or its extension is not .png or .svg. */
int lt_plot(const char *path, const lt_report *const *reports, const char *const *names, int n,
            const lt_plot_opts *o, char *err, size_t errlen);
#endif
