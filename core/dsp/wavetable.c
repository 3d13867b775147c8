/* wavetable.c — preparing wavetable data (wavetable.h) on the control thread: each frame's spectrum
 * by FFT (FFTW), then one inverse FFT per mip level keeping the harmonics that level allows, so that
 * the kernel (wavetable_v8.c) reads a table with nothing above Nyquist at the frequency it plays
 * (the mipmapping of Vital, Serum and Surge; Vital builds its levels the same way, from a spectrum).
 * Also the definition of the `wavetable` op and lute's built-in tables.
 * Thread: control.  RT-safe: no. */
#include <math.h>
#include <string.h>
#include <fftw3.h>
#include "dsp/wavetable.h"
#include "dsp/vop_kernels.h"
#include "dsp/vops_defs.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

long lt_wavetable_prepare(const float *src, long nsrc, float *dst, const char **err)
{
    static const char *bad_header = "a wavetable is {frames, length, samples...} with 1..256 frames of 4..65536 samples";
    static const char *bad_size = "the wavetable has fewer samples than frames * length";
    if (nsrc < 2 || !(src[0] >= 1 && src[0] <= LT_WT_MAXF) || !(src[1] >= 4 && src[1] <= 65536) ||
        src[0] != floorf(src[0]) || src[1] != floorf(src[1])) {
        if (err) *err = bad_header;
        return -1;
    }
    const int F = (int)src[0], L = (int)src[1], N = LT_WT_N, M = LT_WT_LEVELS;
    if (nsrc < 2 + (long)F * L) { if (err) *err = bad_size; return -1; }
    const long size = 3 + (long)M * F * (N + 1);
    if (!dst) return size;
    for (long i = 0; i < (long)F * L; i++)
        if (!isfinite(src[2 + i])) { if (err) *err = "the wavetable holds a NaN or infinite sample"; return -1; }

    float *in = fftwf_malloc(sizeof(float) * L);
    fftwf_complex *spec = fftwf_malloc(sizeof(fftwf_complex) * (L / 2 + 1));
    fftwf_complex *lev = fftwf_malloc(sizeof(fftwf_complex) * (N / 2 + 1));
    float *out = fftwf_malloc(sizeof(float) * N);
    fftwf_plan fwd = fftwf_plan_dft_r2c_1d(L, in, spec, FFTW_ESTIMATE);
    fftwf_plan inv = fftwf_plan_dft_c2r_1d(N, lev, out, FFTW_ESTIMATE);
    dst[0] = (float)F;
    dst[1] = (float)N;
    dst[2] = (float)M;
    const int hsrc = (L - 1) / 2;                   /* harmonics the source has below its Nyquist */
    for (int f = 0; f < F; f++) {
        memcpy(in, src + 2 + (long)f * L, sizeof(float) * L);
        fftwf_execute(fwd);
        for (int m = 0; m < M; m++) {
            int h = (N >> (m + 1)) - (m == 0);     /* 1023, 512, 256, ... 1 */
            if (h > hsrc) h = hsrc;
            memset(lev, 0, sizeof(fftwf_complex) * (N / 2 + 1));
            for (int k = 1; k <= h; k++) {
                lev[k][0] = spec[k][0] / (float)L;
                lev[k][1] = spec[k][1] / (float)L;
            }
            fftwf_execute(inv);
            float *row = dst + 3 + ((long)m * F + f) * (N + 1);
            memcpy(row, out, sizeof(float) * N);
            row[N] = row[0];
        }
    }
    fftwf_destroy_plan(fwd);
    fftwf_destroy_plan(inv);
    fftwf_free(in);
    fftwf_free(spec);
    fftwf_free(lev);
    fftwf_free(out);
    return size;
}

/* Additive frames: amplitude of harmonic k (1-based) for frame f of the named table, sine phase. */
static double builtin_amp(int table, int f, int k)
{
    switch (table) {
    case 0:                                         /* basic: sine, triangle, saw, square */
        if (f == 0) return k == 1;
        if (f == 1) return k % 2 ? 8.0 / (M_PI * M_PI) / (k * k) * ((k / 2) % 2 ? -1 : 1) : 0;
        if (f == 2) return 2.0 / (M_PI * k) * (k % 2 ? 1 : -1);
        return k % 2 ? 4.0 / (M_PI * k) : 0;
    case 1: {                                       /* pwm: pulse of width w, 0.5 down to 0.0625 */
        double w = 0.5 - f * (0.4375 / 7.0);
        return 4.0 / (M_PI * k) * sin(M_PI * k * w);
    }
    default:                                        /* harmonics: frame f has harmonics 1 .. f + 1 */
        return k <= f + 1 ? 1.0 / (f + 1) : 0;
    }
}

long lt_wavetable_builtin(const char *name, float *dst, long cap)
{
    static const char *const names[] = { "basic", "pwm", "harmonics" };
    static const int frames[] = { 4, 8, 16 };
    int t;
    for (t = 0; t < 3; t++) if (strcmp(name, names[t]) == 0) break;
    if (t == 3) return -1;
    const int F = frames[t], L = LT_WT_N;
    long need = 2 + (long)F * L;
    if (cap < need) return -1;
    dst[0] = (float)F;
    dst[1] = (float)L;
    fftw_complex *spec = fftw_malloc(sizeof(fftw_complex) * (L / 2 + 1));
    double *out = fftw_malloc(sizeof(double) * L);
    fftw_plan inv = fftw_plan_dft_c2r_1d(L, spec, out, FFTW_ESTIMATE);
    for (int f = 0; f < F; f++) {
        /* x = sum a_k sin(k phi): X[k] = -i a_k / 2 for the unnormalised inverse transform */
        memset(spec, 0, sizeof(fftw_complex) * (L / 2 + 1));
        for (int k = 1; k < L / 2; k++) spec[k][1] = -0.5 * builtin_amp(t, f, k);
        fftw_execute(inv);
        for (int i = 0; i < L; i++) dst[2 + (long)f * L + i] = (float)out[i];
    }
    fftw_destroy_plan(inv);
    fftw_free(spec);
    fftw_free(out);
    return need;
}

static const char *const wt_in[] = { "freq", "position" };
static const float wt_def[] = { 440, 0 }, wt_min[] = { 0, 0 }, wt_max[] = { 20000, 1 };
const lt_vop_def lt_vop_wavetable = {
    .name = "wavetable", .signature = "wavetable(table, freq [, position])",
    .help = "wavetable oscillator: single-cycle frames, position 0..1 morphs across them, band-limited "
            "per octave (table: a name - basic, pwm, harmonics - or {frames, length, samples...})",
    .example = "wavetable(\"basic\", v.freq, 0.5 + 0.5 * lfo(0.2))",
    .min_in = 1, .max_in = 2, .n_out = 1,
    .in_names = wt_in, .in_default = wt_def, .in_min = wt_min, .in_max = wt_max,
    .state_size = sizeof(lt_vop_wavetable_state), .fn = LT_VOP_FNS(vop_wavetable),
    .prepare = lt_wavetable_prepare,
};
