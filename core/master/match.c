/* match.c — see match.h. */
#include "master/match.h"
#include "analysis/spectrum.h"
#include "master/deliver.h"
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void lt_match_compare(const lt_report *mix, const lt_report *ref, lt_match_diff *d) {
    d->loudness_lu = mix->integrated_lufs - ref->integrated_lufs;
    d->lra_lu = mix->lra_lu - ref->lra_lu;
    d->plr_lu = mix->plr_lu - ref->plr_lu;
    d->crest_db = mix->crest_db - ref->crest_db;
    d->width = mix->width - ref->width;
    d->correlation = mix->correlation - ref->correlation;
    d->true_peak_db = mix->true_peak_dbtp - ref->true_peak_dbtp;
    for (int b = 0; b < LT_BANDS; b++) {
        double a = mix->band_db[b] - mix->integrated_lufs, r = ref->band_db[b] - ref->integrated_lufs;
        d->band_db[b] = isfinite(a) && isfinite(r) ? a - r : NAN;
    }
}

void lt_match_print(FILE *f, const char *mixname, const char *refname, const lt_report *mix, const lt_report *ref,
                    const lt_match_diff *d) {
    fprintf(f, "reference: %s against %s\n", mixname, refname);
    fprintf(f, "  %-22s %10s %10s %10s\n", "", "mix", "reference", "mix - ref");
    fprintf(f, "  %-22s %10.1f %10.1f %+10.1f LU\n", "integrated loudness", mix->integrated_lufs, ref->integrated_lufs, d->loudness_lu);
    fprintf(f, "  %-22s %10.1f %10.1f %+10.1f LU\n", "loudness range", mix->lra_lu, ref->lra_lu, d->lra_lu);
    fprintf(f, "  %-22s %10.1f %10.1f %+10.1f dB\n", "true peak", mix->true_peak_dbtp, ref->true_peak_dbtp, d->true_peak_db);
    fprintf(f, "  %-22s %10.1f %10.1f %+10.1f LU\n", "PLR (peak to loudness)", mix->plr_lu, ref->plr_lu, d->plr_lu);
    fprintf(f, "  %-22s %10.1f %10.1f %+10.1f dB\n", "crest factor", mix->crest_db, ref->crest_db, d->crest_db);
    fprintf(f, "  %-22s %10.2f %10.2f %+10.2f\n", "width (side/mid)", mix->width, ref->width, d->width);
    fprintf(f, "  %-22s %10.2f %10.2f %+10.2f\n", "correlation", mix->correlation, ref->correlation, d->correlation);
    fprintf(f, "  spectrum, mix - reference at equal loudness (dB per third-octave band):\n");
    for (int row = 0; row < 4; row++) {
        fprintf(f, "   ");
        for (int k = row * 8; k < row * 8 + 8 && k < LT_BANDS; k++) {
            char hz[16];
            double h = mix->band_hz[k];
            if (h >= 1000) snprintf(hz, sizeof hz, "%gk", h / 1000); else snprintf(hz, sizeof hz, "%g", h);
            if (isnan(d->band_db[k])) fprintf(f, " %5s:   n/a", hz);
            else fprintf(f, " %5s:%+6.1f", hz, d->band_db[k]);
        }
        fputc('\n', f);
    }
}

/* The average spectrum (Welch) of mid (which = 0) or side (1) of stereo audio. */
static double *ms_psd(const lt_audio *a, int which, int nfft, int *nbins) {
    float *m = malloc(sizeof(float) * (a->frames > 0 ? a->frames : 1));
    lt_welch *w = lt_welch_new(nfft, 1);
    double *out = NULL;
    if (m && w) {
        for (int64_t i = 0; i < a->frames; i++)
            m[i] = 0.5f * (a->x[2 * i] + (which ? -a->x[2 * i + 1] : a->x[2 * i + 1]));
        lt_welch_add(w, m, a->frames);
        const double *p = lt_welch_psd(w, nbins);
        out = malloc(sizeof(double) * *nbins);
        if (out) memcpy(out, p, sizeof(double) * *nbins);
    }
    lt_welch_free(w);
    free(m);
    return out;
}

/* The correction curve (dB per bin) from two spectra: the ratio of their powers summed over the
 * third of an octave around each bin (summed apart, not the ratio's dB averaged: a tonal mix has
 * deep valleys between its harmonics, and a dB average of the ratio would read every valley as a
 * hole to fill), limited, faded to 0 outside [lo, hi]. */
static void curve(const double *mix, const double *ref, int nb, double df, double gain_ref, const lt_match_opts *o, double *db) {
    double peak = 0;
    for (int k = 0; k < nb; k++) peak = fmax(peak, fmax(mix[k], ref[k] * gain_ref));
    double floor_ = peak * 1e-12 + 1e-30;
    double lo = o->lo_hz > 0 ? o->lo_hz : 30, hi = o->hi_hz > 0 ? o->hi_hz : 16000, lim = o->max_db > 0 ? o->max_db : 6;
    double amount = o->amount > 0 ? o->amount : 1;
    double nyq = df * (nb - 1);
    if (hi > 0.9 * nyq) hi = 0.9 * nyq;
    for (int k = 0; k < nb; k++) {
        double f = k * df, fc = f < lo ? lo : f > hi ? hi : f;
        int a = (int)floor(fc * pow(2, -1.0 / 6) / df), b = (int)ceil(fc * pow(2, 1.0 / 6) / df);
        if (a < 1) a = 1;
        if (b > nb - 1) b = nb - 1;
        double sm = 0, sr = 0;
        for (int j = a; j <= b; j++) { sm += mix[j]; sr += ref[j]; }
        double v = 10 * log10((sr * gain_ref + floor_) / (sm + floor_)) * amount;
        if (v > lim) v = lim;
        if (v < -lim) v = -lim;
        /* fade to 0 an octave outside the range */
        double w = 1;
        if (f < lo) w = f <= lo / 2 ? 0 : log2(f / (lo / 2));
        if (f > hi) w = f >= 2 * hi ? 0 : 1 - log2(f / hi);
        db[k] = v * w;
    }
}

/* Linear-phase FIR (nfft - 1 taps, Blackman window) with magnitude 10^(db/20), convolved with x
 * (n samples) in place by FFT overlap-add; the FIR's delay is removed. */
static int fir_apply(float *x, int64_t n, const double *db, int nfft) {
    int half = nfft / 2, L = nfft - 1, c = (L - 1) / 2, F = 2 * nfft, nbF = F / 2 + 1;
    float *h = fftwf_malloc(sizeof(float) * F), *buf = fftwf_malloc(sizeof(float) * F);
    fftwf_complex *H = fftwf_malloc(sizeof(fftwf_complex) * nbF), *X = fftwf_malloc(sizeof(fftwf_complex) * nbF);
    fftwf_complex *spec = fftwf_malloc(sizeof(fftwf_complex) * (half + 1));
    float *tz = fftwf_malloc(sizeof(float) * nfft), *out = calloc((size_t)n + F, sizeof(float));
    int rc = -1;
    if (!h || !buf || !H || !X || !spec || !tz || !out) goto done;
    for (int k = 0; k <= half; k++) { spec[k][0] = (float)pow(10.0, db[k] / 20); spec[k][1] = 0; }
    fftwf_plan p1 = fftwf_plan_dft_c2r_1d(nfft, spec, tz, FFTW_ESTIMATE);
    fftwf_execute(p1);
    fftwf_destroy_plan(p1);
    for (int i = 0; i < F; i++) h[i] = 0;
    for (int i = 0; i < L; i++) {
        double w = 0.42 - 0.5 * cos(2 * M_PI * i / (L - 1)) + 0.08 * cos(4 * M_PI * i / (L - 1));
        h[i] = (float)(tz[(i - c + nfft) % nfft] / nfft * w);
    }
    fftwf_plan ph = fftwf_plan_dft_r2c_1d(F, h, H, FFTW_ESTIMATE), pf = fftwf_plan_dft_r2c_1d(F, buf, X, FFTW_ESTIMATE),
               pi = fftwf_plan_dft_c2r_1d(F, X, buf, FFTW_ESTIMATE);
    fftwf_execute(ph);
    for (int64_t t = 0; t < n; t += nfft) {
        int m = n - t < nfft ? (int)(n - t) : nfft;
        for (int i = 0; i < F; i++) buf[i] = i < m ? x[t + i] : 0;
        fftwf_execute(pf);
        for (int k = 0; k < nbF; k++) {
            float a = X[k][0], b = X[k][1];
            X[k][0] = (a * H[k][0] - b * H[k][1]) / F;
            X[k][1] = (a * H[k][1] + b * H[k][0]) / F;
        }
        fftwf_execute(pi);
        for (int i = 0; i < F && t + i < n + F; i++) out[t + i] += buf[i];
    }
    for (int64_t i = 0; i < n; i++) x[i] = out[i + c];
    fftwf_destroy_plan(ph);
    fftwf_destroy_plan(pf);
    fftwf_destroy_plan(pi);
    rc = 0;
done:
    fftwf_free(h); fftwf_free(buf); fftwf_free(H); fftwf_free(X); fftwf_free(spec); fftwf_free(tz);
    free(out);
    return rc;
}

static double k_loudness(const lt_audio *a) {
    lt_report r;
    char e[64];
    lt_meter_opts o = {.loudness_only = 1, .no_true_peak = 1};
    if (lt_meter_buffer(a->x, a->frames, a->channels, a->rate, &o, &r, e, sizeof e)) return NAN;
    double l = r.integrated_lufs;
    lt_report_free(&r);
    return l;
}

int lt_match_eq(lt_audio *mix, const lt_audio *ref_in, const lt_match_opts *o, double *applied_db, char *err, size_t errlen) {
    lt_match_opts def = {0};
    if (!o) o = &def;
    if (errlen) err[0] = 0;
    lt_audio ref2 = {0}, ref = {0};
    if (lt_audio_to_stereo(ref_in, &ref2, err, errlen)) return -1;
    if (lt_resample(&ref2, mix->rate, &ref, err, errlen)) { lt_audio_free(&ref2); return -1; }
    lt_audio_free(&ref2);
    double lm = k_loudness(mix), lr = k_loudness(&ref);
    if (!isfinite(lm) || !isfinite(lr)) {
        snprintf(err, errlen, "matching needs sound in both the mix and the reference");
        lt_audio_free(&ref);
        return -1;
    }
    double gain_ref = pow(10.0, (lm - lr) / 10);   /* compare at equal loudness */
    int nfft = lt_welch_size(mix->rate) / 2, nb = 0, nb2 = 0;
    double df = (double)mix->rate / nfft;
    int rc = -1;
    double *db[2] = {NULL, NULL}, *pm[2] = {NULL, NULL}, *pr[2] = {NULL, NULL};
    int active[2] = {1, 0};
    float *ch = malloc(sizeof(float) * (mix->frames > 0 ? mix->frames : 1) * 2);
    if (!ch) goto done;
    for (int which = 0; which < 2; which++) {
        pm[which] = ms_psd(mix, which, nfft, &nb);
        pr[which] = ms_psd(&ref, which, nfft, &nb2);
        db[which] = calloc(nb ? nb : 1, sizeof(double));
        if (!pm[which] || !pr[which] || !db[which]) goto done;
        double em = 0, er = 0;
        for (int k = 0; k < nb; k++) { em += pm[which][k]; er += pr[which][k]; }
        /* a side channel with next to nothing in it (a mono mix or reference) is left alone */
        if (which == 1) active[1] = em > 1e-8 && er > 1e-8;
    }
    for (int which = 0; which < 2; which++)
        if (active[which]) curve(pm[which], pr[which], nb, df, gain_ref, o, db[which]);
    /* mid and side apart */
    float *mid = ch, *side = ch + mix->frames;
    for (int64_t i = 0; i < mix->frames; i++) {
        mid[i] = 0.5f * (mix->x[2 * i] + mix->x[2 * i + 1]);
        side[i] = 0.5f * (mix->x[2 * i] - mix->x[2 * i + 1]);
    }
    if (fir_apply(mid, mix->frames, db[0], nfft) || fir_apply(side, mix->frames, db[1], nfft)) goto done;
    for (int64_t i = 0; i < mix->frames; i++) {
        mix->x[2 * i] = mid[i] + side[i];
        mix->x[2 * i + 1] = mid[i] - side[i];
    }
    mix->grid_bits = 0;
    if (applied_db)
        for (int b = 0; b < LT_BANDS; b++) {
            int k = (int)lround(lt_band_nominal[b] / df);
            applied_db[b] = k < nb ? db[0][k] : NAN;
        }
    rc = 0;
done:
    if (rc && !err[0]) snprintf(err, errlen, "out of memory matching the reference");
    for (int which = 0; which < 2; which++) { free(db[which]); free(pm[which]); free(pr[which]); }
    free(ch);
    lt_audio_free(&ref);
    return rc;
}
