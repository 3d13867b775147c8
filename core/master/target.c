/* target.c — see target.h. */
#include "master/target.h"
#include "analysis/meter.h"
#include "dsp/fx_master.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int measure(const lt_audio *a, double *lufs, double *tp, char *err, size_t errlen) {
    lt_report r;
    lt_meter_opts o = {.loudness_only = 1};
    if (lt_meter_buffer(a->x, a->frames, a->channels, a->rate, &o, &r, err, errlen)) return -1;
    *lufs = r.integrated_lufs;
    *tp = r.true_peak_dbtp;
    lt_report_free(&r);
    return 0;
}

int lt_target_master(const lt_audio *in, lt_chain *chain, const lt_target_opts *o, lt_audio *out,
                     lt_target_report *r, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    memset(out, 0, sizeof *out);
    r->verify_lufs = r->verify_dbtp = NAN;
    double tol = o->tolerance_lu > 0 ? o->tolerance_lu : 0.2, ceiling = o->ceiling_dbtp, target = o->target_lufs;
    int max_passes = o->max_passes > 0 ? o->max_passes : 8;
    lt_deliver_spec plain = {.format = LT_FMT_WAV, .bits = 32};
    const lt_deliver_spec *spec = o->deliver ? o->deliver : &plain;
    lt_audio x = {0}, y = {0}, heard = {0};
    if (in->channels != 2) { snprintf(err, errlen, "lt_target_master takes stereo audio"); return -1; }
    if (measure(in, &r->input_lufs, &r->input_dbtp, err, errlen)) return -1;
    if (lt_audio_alloc(&x, in->frames, 2, in->rate) || lt_audio_alloc(&y, in->frames, 2, in->rate)) goto nomem;
    if (chain && chain->n) {
        if (lt_chain_run(chain, in->x, x.x, in->frames, err, errlen)) goto fail;
    } else memcpy(x.x, in->x, sizeof(float) * 2 * in->frames);
    double tp0;
    if (measure(&x, &r->chain_lufs, &tp0, err, errlen)) goto fail;
    if (!isnan(target) && !isfinite(r->chain_lufs)) {
        snprintf(err, errlen, "the mix is silent (no loudness to bring to %g LUFS)", target);
        goto fail;
    }
    float lp[5];
    for (int i = 0; i < 5; i++) lp[i] = o->limiter ? o->limiter[i] : lt_fx_limiter.params[i].def;
    const float gmin = lt_fx_limiter.params[0].min, gmax = lt_fx_limiter.params[0].max;
    double g = isnan(target) ? 0 : target - r->chain_lufs, c = ceiling;
    double g_prev = NAN, l_prev = NAN;
    if (g > gmax) g = gmax;
    if (g < gmin) g = gmin;
    for (int pass = 1; pass <= max_passes; pass++) {
        r->passes = pass;
        lt_chain lim;
        lt_chain_init(&lim, in->rate);
        lp[0] = (float)g;
        lp[1] = (float)c;
        if (lt_chain_add(&lim, &lt_fx_limiter, lp, 1, NULL, err, errlen)) goto fail;
        int rc = lt_chain_run(&lim, x.x, y.x, x.frames, err, errlen);
        r->max_reduction_db = lim.u[0].max_reduction;
        lt_chain_free(&lim);
        if (rc) goto fail;
        lt_audio_free(&heard);
        if (o->out_path) {
            if (lt_deliver(o->out_path, &y, spec, o->tags, &heard, err, errlen)) goto fail;
        } else if (lt_format_lossy(spec->format)) {
            /* a codec's peaks only show once it has coded: write a scratch file */
            char tmp[] = "/tmp/lute-target-XXXXXX";
            int fd = mkstemp(tmp);
            if (fd < 0) { snprintf(err, errlen, "cannot make a scratch file for the codec check"); goto fail; }
            close(fd);
            char path[64];
            snprintf(path, sizeof path, "%s%s", tmp, spec->format == LT_FMT_MP3 ? ".mp3" : spec->format == LT_FMT_OPUS ? ".opus" : ".ogg");
            rc = lt_deliver(path, &y, spec, NULL, &heard, err, errlen);
            remove(path);
            remove(tmp);
            if (rc) goto fail;
        } else if (lt_deliver_convert(&y, spec, &heard, err, errlen)) goto fail;
        if (measure(&heard, &r->lufs, &r->dbtp, err, errlen)) goto fail;
        r->verify_lufs = r->verify_dbtp = NAN;
        if (o->verify && o->out_path && o->verify(o->verify_ud, o->out_path, &r->verify_lufs, &r->verify_dbtp) != 0)
            r->verify_lufs = r->verify_dbtp = NAN;
        r->gain_db = g;
        r->limiter_ceiling_dbtp = c;
        double over = r->dbtp - ceiling;
        if (isfinite(r->verify_dbtp) && r->verify_dbtp - ceiling > over) over = r->verify_dbtp - ceiling;
        /* aim at the middle of the tolerance with lute's reading; the independent one gets the whole */
        int loud_ok = isnan(target) || (fabs(r->lufs - target) <= tol / 2 &&
                                         (!isfinite(r->verify_lufs) || fabs(r->verify_lufs - target) <= tol));
        int peak_ok = over <= 1e-9;
        if (o->verbose)
            fprintf(stderr, "lute master: pass %d: drive %+.2f dB, limiter ceiling %.2f dBTP -> %.2f LUFS, %.2f dBTP%s\n", pass, g, c,
                    r->lufs, r->dbtp, isfinite(r->verify_lufs) ? " (independent check below)" : "");
        if (o->verbose && isfinite(r->verify_lufs))
            fprintf(stderr, "lute master:         independent reading: %.2f LUFS, %.2f dBTP\n", r->verify_lufs, r->verify_dbtp);
        if (loud_ok && peak_ok) { r->met = 1; break; }
        if (!peak_ok) c -= over + 0.02;
        if (!isnan(target) && !loud_ok) {
            double e = target - r->lufs, slope = 1;
            if (isfinite(g_prev) && fabs(g - g_prev) > 1e-6) {
                slope = (r->lufs - l_prev) / (g - g_prev);
                if (slope < 0.05) slope = 0.05;
                if (slope > 1.5) slope = 1.5;
            }
            g_prev = g;
            l_prev = r->lufs;
            double step = e / slope;
            if (step > 12) step = 12;
            if (step < -12) step = -12;
            double ng = g + step;
            if (ng > gmax) ng = gmax;
            if (ng < gmin) ng = gmin;
            if (ng == g && e > 0) {
                snprintf(r->note, sizeof r->note, "%.1f LUFS is out of reach under a %.1f dBTP ceiling: %.2f LUFS with the "
                         "limiter's drive at its %+.0f dB maximum (%.1f dB of gain reduction)", target, ceiling, r->lufs, gmax,
                         r->max_reduction_db);
                break;
            }
            g = ng;
        }
    }
    if (!r->met && !r->note[0])
        snprintf(r->note, sizeof r->note, "not within %.2f LU of %.1f LUFS and under %.1f dBTP after %d passes (%.2f LUFS, %.2f dBTP)",
                 tol, target, ceiling, r->passes, r->lufs, r->dbtp);
    lt_audio_free(&x);
    lt_audio_free(&heard);
    *out = y;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory mastering %.0f s of audio", (double)in->frames / in->rate);
fail:
    lt_audio_free(&x);
    lt_audio_free(&y);
    lt_audio_free(&heard);
    return -1;
}
