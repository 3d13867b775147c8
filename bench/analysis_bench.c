/* analysis_bench.c — the CPU of the analysis `lute render` does after writing its file: the very
 * call lua/main.c makes (lt_analyze_file: read the file back, sample peak, 4x true peak, integrated
 * loudness and loudness range through libebur128), timed on files already rendered.  bench/w1.py
 * subtracts it from the W0 render to say how much of lute's fixed cost it is.
 *
 *   make build/bench/analysis_bench && build/bench/analysis_bench [--runs N] FILE.wav...
 *
 * Prints, per file, the median CPU seconds (this process, CLOCK_PROCESS_CPUTIME_ID) of N calls
 * (default 5), the spread (min..max) and the file's length, then the figures lute render prints.
 * Asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "analysis.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = 5, first = 1;
    if (argc > 2 && strcmp(argv[1], "--runs") == 0) {
        runs = atoi(argv[2]);
        first = 3;
    }
    if (runs < 1 || runs > 100 || first >= argc) {
        fprintf(stderr, "usage: analysis_bench [--runs 1..100] FILE.wav...\n");
        return 2;
    }
    double t[100];
    for (int f = first; f < argc; f++) {
        lt_analysis a;
        char err[512];
        for (int r = 0; r < runs; r++) {
            double t0 = cpu_now();
            if (lt_analyze_file(argv[f], &a, err, sizeof err)) {
                fprintf(stderr, "analysis_bench: %s\n", err);
                return 1;
            }
            t[r] = cpu_now() - t0;
        }
        qsort(t, (size_t)runs, sizeof t[0], cmp_double);
        printf("%s: %.3f s of audio, analysis CPU %.4f s (median of %d, %.4f..%.4f); peak %.1f dBFS, "
               "true peak %.1f dBTP, %.1f LUFS\n", argv[f], a.seconds, t[runs / 2], runs, t[0], t[runs - 1],
               a.peak_db, a.true_peak_db, a.lufs);
    }
    return 0;
}
