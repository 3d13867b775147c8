/* cmd_analyze.c — `lute analyze FILE... [--json [--series]] [--plot OUT.png|.svg] [--target LUFS]
 * [--reference REF]`: the report of core/analysis/meter.h for each file, as text or JSON, and
 * optionally a picture of all of them (the first drawn over the others).  One file gives one JSON
 * object; several give an array of objects in the order given. */
#include "cmd.h"
#include "analysis/meter.h"
#include "analysis/plot.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "lute analyze: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\nusage: lute analyze FILE... [--json [--series]] [--plot OUT.png|OUT.svg] [--target LUFS] "
                    "[--reference REF] [--silence DBFS]\n");
    return 2;
}

int lt_cmd_analyze(int argc, char **argv) {
    int json = 0, series = 0;
    const char *plot = NULL;
    double target = NAN, silence = 0;
    const char **files = calloc((size_t)argc + 1, sizeof(char *));
    int nfiles = 0;
    if (!files) return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0) json = 1;
        else if (strcmp(a, "--series") == 0) series = 1;
        else if (strcmp(a, "--plot") == 0) { if (!v) { free(files); return usage_error("--plot needs a file name (.png or .svg)%s", ""); } plot = v; i++; }
        else if (strcmp(a, "--reference") == 0) { if (!v) { free(files); return usage_error("--reference needs a file%s", ""); } files[nfiles++] = v; i++; }
        else if (strcmp(a, "--target") == 0 || strcmp(a, "--silence") == 0) {
            char *end;
            errno = 0;
            double d = v ? strtod(v, &end) : 0;
            if (!v || errno || *end || !(d >= -120 && d <= 0)) { free(files); return usage_error("%s needs a level from -120 to 0", a); }
            if (a[2] == 't') target = d; else silence = d;
            i++;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: lute analyze FILE... [--json [--series]] [--plot OUT.png|OUT.svg] [--target LUFS] [--reference REF]\n"
                   "Loudness (EBU R128 / ITU-R BS.1770-4 through libebur128), true peak, dynamics, stereo, clipping,\n"
                   "silence and third-octave band levels of any audio file libsndfile reads.  --series adds the\n"
                   "momentary and short-term readings (every 10 ms) to the JSON; --plot draws the files (the first over\n"
                   "the others) with the --target line.  See docs/mastering.md.\n");
            free(files);
            return 0;
        } else if (a[0] == '-' && a[1]) { free(files); return usage_error("unknown option '%s'", a); }
        else files[nfiles++] = a;
    }
    if (nfiles == 0) { free(files); return usage_error("which file?%s", ""); }
    if (series && !json) { free(files); return usage_error("--series goes with --json%s", ""); }
    if (plot) {
        const char *dot = strrchr(plot, '.');
        if (!dot || (strcmp(dot, ".png") && strcmp(dot, ".svg"))) { free(files); return usage_error("--plot writes a .png or an .svg, not '%s'", plot); }
    }
    lt_report *reps = calloc((size_t)nfiles, sizeof(lt_report));
    if (!reps) { free(files); return 1; }
    int rc = 0, done = 0;
    lt_meter_opts o = {.series = json && series ? 1 : 0, .silence_db = silence};
    if (plot) { o.series = 1; o.plot_columns = LT_PLOT_COLUMNS; }
    if (json && nfiles > 1) printf("[\n");
    for (int i = 0; i < nfiles; i++) {
        char err[1024];
        if (lt_meter_file(files[i], &o, &reps[i], err, sizeof err)) {
            fprintf(stderr, "lute analyze: %s\n", err);
            rc = 2;
            break;
        }
        done++;
        if (json) {
            lt_report_json(stdout, &reps[i], files[i], series, nfiles > 1 ? 2 : 0);
            printf(i + 1 < nfiles ? ",\n" : "\n");
        } else {
            lt_report_text(stdout, &reps[i], files[i]);
            if (i + 1 < nfiles) putchar('\n');
        }
    }
    if (json && nfiles > 1 && rc == 0) printf("]\n");
    if (rc == 0 && plot) {
        const lt_report **rp = malloc(sizeof(lt_report *) * nfiles);
        char err[1024];
        for (int i = 0; i < nfiles; i++) rp[i] = &reps[i];
        lt_plot_opts po = {.target_lufs = target};
        if (lt_plot(plot, rp, files, nfiles, &po, err, sizeof err)) {
            fprintf(stderr, "lute analyze: %s\n", err);
            rc = 1;
        } else if (!json) printf("plot: %s\n", plot);
        free(rp);
    }
    for (int i = 0; i < done; i++) lt_report_free(&reps[i]);
    free(reps);
    free(files);
    fflush(stdout);
    return rc;
}
