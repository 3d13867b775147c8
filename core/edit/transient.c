/* transient.c — where the hits of a drum take begin.
 *
 * Detection: spectral flux on log magnitudes (Bello, Daudet, Abdallah, Duxbury, Davies, Sandler, "A
 * tutorial on onset detection in music signals", IEEE TSALP 2005; the log compression is Klapuri's
 * and Böck's) — a Hann window of 1024 frames every 128 frames, the sum of the rises of log(1 + 1000
 * |X|) from one window to the next, scaled by its largest value — plus the rise in dB of a short
 * window's energy over two hops (the energy detector of the same tutorial), counted fully from
 * 12 dB up, so a kick's narrow-band attack is heard as well as a snare's broadband one.  Peaks are picked above a
 * moving median plus a fraction of the largest peak, at least `min_gap` apart.  Each peak names a
 * hit to within a window.
 *
 * Placement: in the time domain around that estimate, the attack is where the short-term peak
 * level rises most above the level just before it; the onset is the first frame of the run of
 * frames, leading up to that rise, that stand above the level before by 15% of the rise.  This
 * looks at samples only (no hop grid), so the same hit moved by any number of frames is found
 * moved by exactly as many — what quantizing audio needs. */
#include "edit/edit.h"
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WIN 1024
#define HOP 128
#define SHORT 16          /* frames in the short-term peak */
#define BEFORE 80         /* frames of "before" level, ending SHORT frames back */
#define WALK_MAX_S 0.02   /* an attack is at most this long */
#define LOOK_BACK 1536    /* a detection peak may come this long after its attack (beating with a tail) */
#define LOOK_AHEAD 512    /* or this long before it (the attack entering the window) */
#define EWIN 512          /* the level detector's window */
#define ELAG 2            /* its rise is measured over this many hops (5.3 ms at 48 kHz) */
#define EREF 8            /* hops of level before that (21 ms), whose loudest is the reference */
#define ERISE_DB 12.0f    /* a rise this large counts as much as the largest spectral flux */

static float max_abs(const float *x, int64_t n, int64_t lo, int64_t hi) {
    if (lo < 0) lo = 0;
    if (hi > n) hi = n;
    float m = 0;
    for (int64_t i = lo; i < hi; i++) if (fabsf(x[i]) > m) m = fabsf(x[i]);
    return m;
}

/* The first frame of the attack whose detection peak was at `c`: the first frame, from up to
 * LOOK_BACK before c (and never before `floor`, just past the hit before) to LOOK_AHEAD after it,
 * where the short-term peak rises above the level just before it by at least half the largest such
 * rise; then back over the run of frames that stand above that level by 15% of the rise. */
static int64_t place(const float *x, int64_t n, int64_t c, int64_t floor, int rate) {
    int64_t lo = c - LOOK_BACK, hi = c + LOOK_AHEAD;
    if (lo < floor) lo = floor;
    if (lo < 0) lo = 0;
    if (hi > n) hi = n;
    if (hi <= lo) return c < n ? c : n - 1;
    float *rise = malloc(sizeof(float) * (size_t)(hi - lo));
    float *bgs = malloc(sizeof(float) * (size_t)(hi - lo));
    if (!rise || !bgs) { free(rise); free(bgs); return c; }
    float top = 0;
    for (int64_t i = lo; i < hi; i++) {
        float e = max_abs(x, n, i - SHORT + 1, i + 1);
        float bg = max_abs(x, n, i - SHORT - BEFORE + 1, i - SHORT + 1);
        rise[i - lo] = e - bg;
        bgs[i - lo] = bg;
        if (e - bg > top) top = e - bg;
    }
    int64_t best = lo;
    for (int64_t i = lo; i < hi; i++) if (rise[i - lo] >= 0.5f * top) { best = i; break; }
    float thr = bgs[best - lo] + 0.15f * rise[best - lo];
    free(rise);
    free(bgs);
    int64_t j = best, stop = best - (int64_t)(WALK_MAX_S * rate);
    if (stop < floor) stop = floor;
    if (stop < 0) stop = 0;
    while (j > stop && max_abs(x, n, j - SHORT, j) >= thr) j--;
    /* max_abs over [j - SHORT + 1, j + 1) is >= thr: its first sample above thr is the onset. */
    for (int64_t i = j - SHORT + 1; i <= j; i++) if (i >= 0 && fabsf(x[i]) >= thr) return i;
    return j;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

lt_edit_err lt_edit_onsets(const lt_abuf *in, const lt_onset_opts *o, lt_onset **onsets, int *count) {
    double thr_rel = o && o->threshold > 0 ? o->threshold : 0.1;
    double min_gap_s = o && o->min_gap > 0 ? o->min_gap : 0.05;
    double floor_db = o && o->floor_db != 0 ? o->floor_db : -60.0;
    *onsets = NULL;
    *count = 0;
    int64_t n = in->frames;
    int nc = in->channels;
    if (n == 0) return LT_EDIT_OK;
    int64_t K = n / HOP + 1;
    float *x = malloc(sizeof(float) * (size_t)n);
    float *flux = calloc((size_t)K, sizeof(float));
    float *eflux = calloc((size_t)K, sizeof(float));
    float *prev = calloc(WIN / 2 + 1, sizeof(float));
    float *win = malloc(sizeof(float) * WIN);
    float *med = malloc(sizeof(float) * 32);
    float *fin = fftwf_malloc(sizeof(float) * WIN);
    fftwf_complex *fout = fftwf_malloc(sizeof(fftwf_complex) * (WIN / 2 + 1));
    int64_t *peaks = malloc(sizeof(int64_t) * (size_t)K);
    lt_onset *res = NULL;
    lt_edit_err err = LT_EDIT_ENOMEM;
    fftwf_plan plan = NULL;
    if (!x || !flux || !eflux || !prev || !win || !med || !fin || !fout || !peaks) goto done;
    for (int64_t i = 0; i < n; i++) {
        float s = 0;
        for (int c = 0; c < nc; c++) s += in->s[i * nc + c];
        x[i] = s / (float)nc;
    }
    for (int j = 0; j < WIN; j++) win[j] = (float)(0.5 - 0.5 * cos(2 * M_PI * j / WIN));
    plan = fftwf_plan_dft_r2c_1d(WIN, fin, fout, FFTW_ESTIMATE);
    if (!plan) { err = LT_EDIT_ELIB; goto done; }
    float fmax = 0;
    float *edb = eflux;                     /* first the short window's level in dB, then its rise */
    for (int64_t k = 0; k < K; k++) {
        double energy = 0, wsum = 0;
        for (int j = 0; j < EWIN; j++) {   /* normalised by the window inside the buffer: no rise at its start */
            int64_t i = k * HOP - EWIN / 2 + j;
            double w = 0.5 - 0.5 * cos(2 * M_PI * j / EWIN);
            if (i >= 0 && i < n) { energy += w * x[i] * x[i]; wsum += w; }
        }
        if (wsum <= 0) wsum = 1;
        edb[k] = (float)(10.0 * log10(energy / wsum + 1e-12));
    }
    /* The rise is measured from the loudest level of the ~20 ms before the last ELAG hops, not from
     * the level ELAG hops ago: the ripple of a decaying low tone (a window shorter than its
     * period) never climbs above its own recent peak, a new attack does. */
    for (int64_t k = K - 1; k >= 0; k--) {
        float ref = -1e30f;
        for (int64_t q = k - ELAG - EREF; q <= k - ELAG; q++) if (q >= 0 && edb[q] > ref) ref = edb[q];
        float rise = k >= ELAG ? edb[k] - ref : 0.0f;
        eflux[k] = rise <= 0 ? 0.0f : rise >= ERISE_DB ? 1.0f : rise / ERISE_DB;
    }
    for (int64_t k = 0; k < K; k++) {
        int64_t start = k * HOP - WIN / 2;
        for (int j = 0; j < WIN; j++) {
            int64_t i = start + j;
            fin[j] = i >= 0 && i < n ? x[i] * win[j] : 0.0f;
        }
        fftwf_execute(plan);
        float f = 0;
        for (int b = 0; b <= WIN / 2; b++) {
            float mag = sqrtf(fout[b][0] * fout[b][0] + fout[b][1] * fout[b][1]) * (2.0f / WIN);
            float y = log1pf(1000.0f * mag);
            if (k > 0 && y > prev[b]) f += y - prev[b];
            prev[b] = y;
        }
        /* A window reaching past the end sees the sound cut off, which splashes over every bin: no
         * flux is counted there (an attack in the last 10 ms still shows in the level's rise). */
        if (start + WIN > n) f = 0;
        flux[k] = f;
        if (f > fmax) fmax = f;
    }
    if (fmax <= 0) { err = LT_EDIT_OK; goto done; }
    /* The detection function: spectral flux, which hears broadband attacks (snares, hats), scaled by
     * its largest value, plus the rise of a short window's level, which hears narrow-band ones (a
     * kick's sine, a kick over the tail of the one before), counted fully from ERISE_DB up. */
    for (int64_t k = 0; k < K; k++) flux[k] = flux[k] / fmax + eflux[k];
    fmax = 0;
    for (int64_t k = 0; k < K; k++) if (flux[k] > fmax) fmax = flux[k];
    /* Peaks: a local maximum (the first of a plateau) standing above the moving median by thr_rel of
     * the largest peak. */
    int np = 0;
    int64_t gap = (int64_t)(min_gap_s * in->rate / HOP);
    if (gap < 1) gap = 1;
    for (int64_t k = 1; k < K; k++) {
        int is_max = 1;
        for (int64_t d = -2; d <= 2 && is_max; d++) {
            int64_t q = k + d;
            if (d == 0 || q < 0 || q >= K) continue;
            if (d < 0 ? flux[q] >= flux[k] : flux[q] > flux[k]) is_max = 0;
        }
        if (!is_max) continue;
        int m = 0;
        for (int64_t q = k - 10; q <= k + 10; q++) if (q >= 0 && q < K && m < 32) med[m++] = flux[q];
        qsort(med, (size_t)m, sizeof(float), cmp_float);
        if (flux[k] - med[m / 2] < thr_rel * fmax) continue;
        if (np && k - peaks[np - 1] < gap) {                 /* the same hit: its strongest peak names it */
            if (flux[k] > flux[peaks[np - 1]]) peaks[np - 1] = k;
            continue;
        }
        peaks[np++] = k;
    }
    res = malloc(sizeof(lt_onset) * (size_t)(np ? np : 1));
    if (!res) goto done;
    int no = 0;
    int64_t min_gap_frames = (int64_t)(min_gap_s * in->rate);
    for (int p = 0; p < np; p++) {
        int64_t floor_at = no ? res[no - 1].frame + min_gap_frames : 0;
        int64_t at = place(x, n, peaks[p] * HOP, floor_at, in->rate);
        /* Placed once more from where the attack was found, so the search window sits the same way
         * around every hit, whatever the hop grid. */
        at = place(x, n, at, floor_at, in->rate);
        float pk = 0;
        int64_t hi = at + (int64_t)(0.02 * in->rate);
        if (hi > n) hi = n;
        for (int64_t i = at; i < hi; i++)
            for (int c = 0; c < nc; c++) if (fabsf(in->s[i * nc + c]) > pk) pk = fabsf(in->s[i * nc + c]);
        double db = pk > 0 ? 20.0 * log10(pk) : -HUGE_VAL;
        if (db < floor_db) continue;
        if (no && at - res[no - 1].frame < min_gap_frames) {   /* placed onto the same attack */
            if (flux[peaks[p]] / fmax > res[no - 1].strength) res[no - 1].strength = flux[peaks[p]] / fmax;
            continue;
        }
        res[no++] = (lt_onset){at, db, flux[peaks[p]] / fmax};
    }
    *onsets = res;
    *count = no;
    res = NULL;
    err = LT_EDIT_OK;
done:
    if (plan) fftwf_destroy_plan(plan);
    fftwf_free(fin);
    fftwf_free(fout);
    free(x); free(flux); free(eflux); free(prev); free(win); free(med); free(peaks); free(res);
    return err;
}

void lt_edit_velocities(const lt_onset *on, int n, double range_db, int *vel) {
    if (range_db <= 0) range_db = 40;
    double top = -HUGE_VAL;
    for (int i = 0; i < n; i++) if (on[i].peak_db > top) top = on[i].peak_db;
    for (int i = 0; i < n; i++) {
        double v = 127.0 + (on[i].peak_db - top) * 126.0 / range_db;
        vel[i] = v < 1 ? 1 : v > 127 ? 127 : (int)lround(v);
    }
}
