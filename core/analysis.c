/* analysis.c — loudness and peaks of a file (see analysis.h); the loudness model is libebur128's. */
#include "analysis.h"
#include <ebur128.h>
#include <sndfile.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int lt_analyze_file(const char *path, lt_analysis *a, char *err, size_t errlen) {
    SF_INFO info = {0};
    float *buf = NULL;
    ebur128_state *st = NULL;
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) { snprintf(err, errlen, "cannot read '%s': %s", path, sf_strerror(NULL)); return -1; }
    st = ebur128_init((unsigned)info.channels, (unsigned long)info.samplerate,
                      EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK);
    buf = malloc(sizeof(float) * 4096 * (size_t)info.channels);
    if (!st || !buf) { snprintf(err, errlen, "out of memory analysing '%s'", path); goto fail; }
    sf_count_t n;
    while ((n = sf_readf_float(f, buf, 4096)) > 0) ebur128_add_frames_float(st, buf, (size_t)n);
    double peak = 0, tp = 0;
    for (int c = 0; c < info.channels; c++) {
        double p, t;
        ebur128_sample_peak(st, (unsigned)c, &p);
        ebur128_true_peak(st, (unsigned)c, &t);
        if (p > peak) peak = p;
        if (t > tp) tp = t;
    }
    a->frames = info.frames;
    a->rate = info.samplerate;
    a->channels = info.channels;
    a->seconds = (double)info.frames / info.samplerate;
    a->peak_db = 20 * log10(peak);
    a->true_peak_db = 20 * log10(tp);
    if (ebur128_loudness_global(st, &a->lufs) != EBUR128_SUCCESS) a->lufs = -HUGE_VAL;
    if (ebur128_loudness_range(st, &a->lra) != EBUR128_SUCCESS) a->lra = 0;
    ebur128_destroy(&st);
    free(buf);
    sf_close(f);
    return 0;
fail:
    if (st) ebur128_destroy(&st);
    free(buf);
    sf_close(f);
    return -1;
}
