/* qc.c — see qc.h. */
#include "master/qc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct check { const char *name; int verdict; char detail[200]; } check;   /* verdict: 1 pass, 0 fail, 2 note */

int lt_qc_file(const char *path, const lt_qc_limits *lim, const char *extra_json, FILE *echo, char *err, size_t errlen) {
    lt_report r;
    lt_meter_opts mo = {0};
    if (lt_meter_file(path, &mo, &r, err, errlen)) return -1;
    double tol = lim && lim->tolerance_lu > 0 ? lim->tolerance_lu : 0.2;
    double head = lim && lim->head_note_s > 0 ? lim->head_note_s : 1.0, tail = lim && lim->tail_note_s > 0 ? lim->tail_note_s : 3.0;
    check c[8];
    int n = 0;
    if (lim && !isnan(lim->target_lufs)) {
        c[n] = (check){"loudness", fabs(r.integrated_lufs - lim->target_lufs) <= tol, ""};
        snprintf(c[n++].detail, 200, "%.2f LUFS, target %.1f +/- %.2f LU", r.integrated_lufs, lim->target_lufs, tol);
    }
    if (lim && !isnan(lim->ceiling_dbtp)) {
        c[n] = (check){"true peak", r.true_peak_dbtp <= lim->ceiling_dbtp + 1e-9, ""};
        snprintf(c[n++].detail, 200, "%.2f dBTP, ceiling %.1f dBTP", r.true_peak_dbtp, lim->ceiling_dbtp);
    }
    c[n] = (check){"clipping", r.clip_runs == 0, ""};
    if (r.clip_runs) snprintf(c[n++].detail, 200, "%lld runs of 3+ full-scale samples, the first at %.3f s", (long long)r.clip_runs, r.first_clip_s);
    else snprintf(c[n++].detail, 200, "no runs of 3 or more samples at full scale");
    double dc = 0;
    for (int ch = 0; ch < r.channels; ch++) dc = fmax(dc, fabs(r.dc_ch[ch]));
    /* A DC offset of a fault (a converter, a bad edit) is usually 1% of full scale or more; a heavily
     * limited master of asymmetric material gets a little of its own (the gain dips on the big side
     * of the waveform), inaudible and costing no headroom: noted, not failed. */
    c[n] = (check){"DC offset", dc < 0.01 ? (dc < 0.001 ? 1 : 2) : 0, ""};
    snprintf(c[n++].detail, 200, "largest %.2g of full scale (%.0f dBFS); fails above -40 dBFS, noted above -60", dc,
             dc > 0 ? 20 * log10(dc) : -INFINITY);
    if (r.channels >= 2) {
        c[n] = (check){"phase", !(r.correlation < 0), ""};
        snprintf(c[n++].detail, 200, "correlation %+.2f, width %.2f%s", r.correlation, r.width,
                 r.correlation < 0 ? " (mostly out of phase: mono playback cancels)" : r.correlation < 0.2 ? " (very wide: check mono)" : "");
    }
    c[n] = (check){"silence", r.silence_head_s <= head && r.silence_tail_s <= tail ? 1 : 2, ""};
    snprintf(c[n++].detail, 200, "%.3f s at the head, %.3f s at the tail (below -60 dBFS)", r.silence_head_s, r.silence_tail_s);
    int pass = 1;
    for (int i = 0; i < n; i++) if (c[i].verdict == 0) pass = 0;
    size_t len = strlen(path);
    char *name = malloc(len + 16);
    if (!name) { lt_report_free(&r); snprintf(err, errlen, "out of memory"); return -1; }
    /* text */
    snprintf(name, len + 16, "%s.qc.txt", path);
    FILE *f = fopen(name, "w");
    if (!f) { snprintf(err, errlen, "cannot write '%s'", name); free(name); lt_report_free(&r); return -1; }
    for (int pass_out = 0; pass_out < 2; pass_out++) {
        FILE *o = pass_out ? echo : f;
        if (!o) continue;
        fprintf(o, "QC %s: %s\n", path, pass ? "PASS" : "FAIL");
        for (int i = 0; i < n; i++)
            fprintf(o, "  %-5s %-10s %s\n", c[i].verdict == 1 ? "pass" : c[i].verdict == 0 ? "FAIL" : "note", c[i].name, c[i].detail);
        if (!pass_out) { fputc('\n', o); lt_report_text(o, &r, path); }
    }
    fclose(f);
    /* JSON */
    snprintf(name, len + 16, "%s.qc.json", path);
    f = fopen(name, "w");
    if (!f) { snprintf(err, errlen, "cannot write '%s'", name); free(name); lt_report_free(&r); return -1; }
    fprintf(f, "{\n  \"file\": ");
    lt_json_str(f, path);
    fprintf(f, ",\n  \"pass\": %s,\n  \"checks\": [", pass ? "true" : "false");
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s\n    {\"check\": ", i ? "," : "");
        lt_json_str(f, c[i].name);
        fprintf(f, ", \"verdict\": \"%s\", \"detail\": ", c[i].verdict == 1 ? "pass" : c[i].verdict == 0 ? "fail" : "note");
        lt_json_str(f, c[i].detail);
        fputc('}', f);
    }
    fprintf(f, "\n  ],\n  \"limits\": {\"target_lufs\": ");
    lt_json_num(f, lim ? lim->target_lufs : NAN);
    fprintf(f, ", \"tolerance_lu\": ");
    lt_json_num(f, tol);
    fprintf(f, ", \"ceiling_dbtp\": ");
    lt_json_num(f, lim ? lim->ceiling_dbtp : NAN);
    fprintf(f, "},\n");
    if (extra_json && extra_json[0]) fprintf(f, "  \"mastering\": {%s},\n", extra_json);
    fprintf(f, "  \"analysis\":\n");
    lt_report_json(f, &r, path, 0, 2);
    fprintf(f, "\n}\n");
    int bad = ferror(f);
    fclose(f);
    free(name);
    lt_report_free(&r);
    if (bad) { snprintf(err, errlen, "cannot write the QC report for '%s'", path); return -1; }
    return pass;
}
