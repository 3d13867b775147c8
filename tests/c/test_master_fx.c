/* test_master_fx.c — the mastering units measured: the multiband compressor's bands sum flat and
 * compress to the ratio, the linear-phase EQ follows the analog response with a symmetric impulse
 * response at its declared latency, the minimum-phase EQ follows it too (its peaks up to Nyquist),
 * the soft clipper is transparent under its knee, holds its ceiling and does not alias, the width
 * unit scales the side and makes the bass mono, and the offline chain removes every latency. */
#include "check.h"
#include "dsp/eqbands.h"
#include "dsp/fx_master.h"
#include "master/chain.h"
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000

/* Runs one unit over a stereo buffer (latency removed), params by name = value pairs. */
static float *run(const lt_fx_def *d, const char *const *names, const float *vals, int nv, const float *in, int64_t n) {
    float p[LT_FX_MAX_PARAMS];
    for (int i = 0; i < d->nparams; i++) p[i] = d->params[i].def;
    for (int i = 0; i < nv; i++) {
        int k = lt_fx_param_index(d, names[i]);
        if (k < 0) { fprintf(stderr, "no parameter %s in %s\n", names[i], d->name); exit(1); }
        p[k] = vals[i];
    }
    lt_chain c;
    char err[128];
    lt_chain_init(&c, RATE);
    lt_chain_add(&c, d, p, 1, NULL, err, sizeof err);
    float *out = malloc(sizeof(float) * 2 * n);
    lt_chain_run(&c, in, out, n, err, sizeof err);
    lt_chain_free(&c);
    return out;
}

/* Magnitude (dB) of channel 0's impulse response at f Hz. */
static double mag_at(const float *y, int64_t n, double f) {
    double re = 0, im = 0;
    for (int64_t i = 0; i < n; i++) {
        re += y[2 * i] * cos(2 * M_PI * f * i / RATE);
        im -= y[2 * i] * sin(2 * M_PI * f * i / RATE);
    }
    return 10 * log10(re * re + im * im);
}

/* Impulse responses are measured from an impulse in the middle of the buffer, so a linear-phase
 * response's first half (before its centre) is kept once the latency is removed. */
#define MID 30000

static float *impulse(int64_t n, int64_t at) {
    float *x = calloc((size_t)n * 2, sizeof(float));
    x[2 * at] = x[2 * at + 1] = 1;
    return x;
}

static float *sine(int64_t n, double f, double amp_l, double amp_r) {
    float *x = malloc(sizeof(float) * 2 * n);
    for (int64_t i = 0; i < n; i++) {
        double v = sin(2 * M_PI * f * i / RATE);
        x[2 * i] = (float)(amp_l * v);
        x[2 * i + 1] = (float)(amp_r * v);
    }
    return x;
}

static double peak_db(const float *y, int64_t from, int64_t to, int ch) {
    double m = 0;
    for (int64_t i = from; i < to; i++) m = fmax(m, fabs(y[2 * i + ch]));
    return 20 * log10(m);
}

static const double freqs[] = {20, 31.5, 50, 80, 125, 200, 315, 500, 800, 1000, 1250, 2000, 3150, 5000, 8000, 10000, 12500, 16000, 20000};
#define NF (int)(sizeof freqs / sizeof freqs[0])

static void mbcomp_tests(void) {
    int64_t n = RATE;
    float *x = impulse(n, MID);
    const char *nm[] = {"low_ratio", "lomid_ratio", "himid_ratio", "high_ratio"};
    float one[] = {1, 1, 1, 1};
    float *y = run(&lt_fx_mbcomp, nm, one, 4, x, n);
    double worst = 0;
    for (int i = 0; i < NF; i++) worst = fmax(worst, fabs(mag_at(y, n, freqs[i])));
    CHECK(worst < 0.01, "mbcomp at ratio 1: the four Linkwitz-Riley bands sum flat, 20 Hz-20 kHz within %.4f dB", worst);
    double e = 0, e0 = 0;
    for (int64_t i = 0; i < n; i++) { e += (double)y[2 * i] * y[2 * i]; e0 += (double)x[2 * i] * x[2 * i]; }
    CHECK(fabs(10 * log10(e / e0)) < 0.01, "mbcomp at ratio 1 keeps the energy of an impulse (an allpass): %.4f dB", 10 * log10(e / e0));
    free(x);
    free(y);
    /* 400 Hz at -6 dBFS in the middle of a wide low-mid band (40 Hz-4 kHz, so no part of the tone
     * leaks into a neighbouring band uncompressed): threshold -20, ratio 4, no knee -> -16.5 dBFS */
    n = 2 * RATE;
    x = sine(n, 400, 0.5, 0.5);
    const char *nm2[] = {"lomid_thr", "lomid_ratio", "knee", "low_ratio", "himid_ratio", "high_ratio", "lomid_attack",
                         "lomid_release", "xlow", "xmid"};
    float v2[] = {-20, 4, 0, 1, 1, 1, 5, 50, 40, 4000};
    y = run(&lt_fx_mbcomp, nm2, v2, 10, x, n);
    double pk = peak_db(y, n / 2, n, 0);
    CHECK(fabs(pk - -16.5) < 0.2, "mbcomp: 400 Hz at -6 dBFS, low-mid threshold -20 dB, ratio 4: %.2f dBFS (want -16.5)", pk);
    free(x);
    free(y);
    /* under every threshold nothing moves: 5 kHz at -30 dBFS */
    x = sine(n, 5000, 0.0316, 0.0316);
    y = run(&lt_fx_mbcomp, NULL, NULL, 0, x, n);
    pk = peak_db(y, n / 2, n, 0);
    CHECK(fabs(pk - -30) < 0.05, "mbcomp: 5 kHz at -30 dBFS (under the -18 dB defaults) comes out at %.3f dBFS", pk);
    free(x);
    free(y);
}

static void eq_tests(void) {
    const char *nm[] = {"lowcut", "low_gain", "p2_gain", "p2_q", "p4_freq", "p4_gain", "p4_q", "high_freq", "high_gain"};
    float v[] = {30, 4, -6, 2, 16000, 5, 1.5f, 8000, 3};
    float p[LT_FX_MAX_PARAMS];
    for (int i = 0; i < LT_EQ_NPARAMS; i++) p[i] = lt_eq_params[i].def;
    for (int i = 0; i < 9; i++) p[lt_fx_param_index(&lt_fx_lineq, nm[i])] = v[i];
    int64_t n = 2 * RATE;
    float *x = impulse(n, MID);
    /* linear phase */
    float *y = run(&lt_fx_lineq, nm, v, 9, x, n);
    double worst = 0, wf = 0;
    for (int i = 0; i < NF; i++) {
        if (freqs[i] < 50) continue;    /* below 50 Hz the 8192-tap FIR's resolution (5.9 Hz) rounds the cut */
        double want = 20 * log10(lt_eqbands_mag(p, RATE, freqs[i])), err = fabs(mag_at(y, n, freqs[i]) - want);
        if (err > worst) { worst = err; wf = freqs[i]; }
    }
    CHECK(worst < 0.1, "lineq follows the analog response 50 Hz-20 kHz within %.3f dB (worst at %g Hz)", worst, wf);
    double at30 = mag_at(y, n, 30), want30 = 20 * log10(lt_eqbands_mag(p, RATE, 30));
    CHECK(fabs(at30 - want30) < 1.0, "lineq at the 30 Hz cut: %.2f dB (analog %.2f)", at30, want30);
    free(y);
    /* its impulse response is symmetric about the declared latency: run without latency removal */
    {
        const lt_fx_def *d = &lt_fx_lineq;
        void *st = calloc(1, d->size(RATE, NULL));
        d->init(st, RATE, p, NULL);
        int lat = d->latency(st);
        int64_t m = 2 * lat + 64;
        float *h = calloc((size_t)m, sizeof(float)), l[32], r[32], dp[LT_FX_MAX_PARAMS] = {0};
        for (int64_t t = 0; t < m; t += 32) {
            for (int i = 0; i < 32; i++) l[i] = r[i] = t + i == 0 ? 1.0f : 0.0f;
            lt_fx_block b = {.n = 32, .l = l, .r = r, .kl = l, .kr = r, .p = p, .dp = dp, .sr = RATE};
            d->process(st, &b);
            for (int i = 0; i < 32 && t + i < m; i++) h[t + i] = l[i];
        }
        double asym = 0, big = 0;
        for (int k = 1; k < lat; k++) { asym = fmax(asym, fabs(h[lat - k] - h[lat + k])); big = fmax(big, fabs(h[lat + k])); }
        CHECK(asym < 1e-6 && fabs(h[lat]) > big, "lineq: impulse response symmetric about the declared latency %d frames (largest "
              "difference %.2g; centre %.3f)", lat, asym, h[lat]);
        /* flat settings: the impulse comes out whole at the latency */
        float flat[LT_FX_MAX_PARAMS];
        for (int i = 0; i < LT_EQ_NPARAMS; i++) flat[i] = lt_eq_params[i].def;
        d->init(st, RATE, flat, NULL);
        memset(h, 0, sizeof(float) * m);
        for (int64_t t = 0; t < m; t += 32) {
            for (int i = 0; i < 32; i++) l[i] = r[i] = t + i == 0 ? 1.0f : 0.0f;
            lt_fx_block b = {.n = 32, .l = l, .r = r, .kl = l, .kr = r, .p = flat, .dp = dp, .sr = RATE};
            d->process(st, &b);
            for (int i = 0; i < 32 && t + i < m; i++) h[t + i] = l[i];
        }
        double rest = 0;
        for (int64_t i = 0; i < m; i++) if (i != lat) rest = fmax(rest, fabs(h[i]));
        CHECK(fabs(h[lat] - 1) < 1e-5 && rest < 1e-5, "lineq flat: a unit impulse at exactly %d frames (%.6f; elsewhere < %.1g)", lat, h[lat], rest);
        free(h);
        free(st);
    }
    /* minimum phase */
    y = run(&lt_fx_mineq, nm, v, 9, x, n);
    worst = 0;
    for (int i = 0; i < NF; i++) {
        if (freqs[i] > 12500) continue;
        double want = 20 * log10(lt_eqbands_mag(p, RATE, freqs[i])), err = fabs(mag_at(y, n, freqs[i]) - want);
        if (err > worst) { worst = err; wf = freqs[i]; }
    }
    CHECK(worst < 0.3, "mineq follows the analog response 20 Hz-12.5 kHz within %.3f dB (worst at %g Hz)", worst, wf);
    free(y);
    /* the matched peak keeps its shape near Nyquist: +5 dB at 16 kHz, Q 1.5 alone */
    const char *pn[] = {"p4_freq", "p4_gain", "p4_q"};
    float pv[] = {16000, 5, 1.5f};
    float pp[LT_FX_MAX_PARAMS];
    for (int i = 0; i < LT_EQ_NPARAMS; i++) pp[i] = lt_eq_params[i].def;
    pp[LT_EQ_P4_FREQ] = 16000; pp[LT_EQ_P4_GAIN] = 5; pp[LT_EQ_P4_Q] = 1.5f;
    y = run(&lt_fx_mineq, pn, pv, 3, x, n);
    worst = 0;
    double top = 0;
    for (double f = 8000; f <= 22000; f += 1000) {
        double e = mag_at(y, n, f) - 20 * log10(lt_eqbands_mag(pp, RATE, f));
        if (f <= 20000) worst = fmax(worst, fabs(e)); else top = fmax(top, fabs(e));
    }
    lt_bq rbj = lt_bq_design(LT_BQ_PEAK, RATE, 16000, 1.5, 5);
    double rbj_err = 0;
    for (double f = 8000; f <= 20000; f += 1000) rbj_err = fmax(rbj_err, fabs(20 * log10(lt_bq_mag(&rbj, RATE, f)) - 20 * log10(lt_eqbands_mag(pp, RATE, f))));
    CHECK(worst < 0.25 && rbj_err > 1, "mineq's matched peak at 16 kHz (48 kHz rate) follows the analog bell within %.3f dB to "
          "20 kHz, %.2f dB to 22 kHz (a bilinear peak misses by %.2f dB)", worst, top, rbj_err);
    free(y);
    free(x);
}

static void spectrum_db(const float *y, int64_t n, double *db) {
    /* Blackman-Harris window, channel 0, power in dB per bin (n/2 + 1 bins) */
    float *in = fftwf_malloc(sizeof(float) * n);
    fftwf_complex *out = fftwf_malloc(sizeof(fftwf_complex) * (n / 2 + 1));
    fftwf_plan pl = fftwf_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
    for (int64_t i = 0; i < n; i++) {
        double w = 0.35875 - 0.48829 * cos(2 * M_PI * i / n) + 0.14128 * cos(4 * M_PI * i / n) - 0.01168 * cos(6 * M_PI * i / n);
        in[i] = (float)(y[2 * i] * w);
    }
    fftwf_execute(pl);
    for (int64_t k = 0; k <= n / 2; k++) db[k] = 10 * log10((double)out[k][0] * out[k][0] + (double)out[k][1] * out[k][1] + 1e-30);
    fftwf_destroy_plan(pl);
    fftwf_free(in);
    fftwf_free(out);
}

/* The strongest component that is not a harmonic of f (relative to the fundamental, dB). */
static double worst_alias(const float *y, int64_t n, double f) {
    double *db = malloc(sizeof(double) * (n / 2 + 1));
    spectrum_db(y, n, db);
    double df = (double)RATE / n, fund = db[(int64_t)lround(f / df)], worst = -300;
    for (int64_t k = (int64_t)(100 / df); k <= n / 2; k++) {
        double fk = k * df, h = fk / f;
        if (fabs(h - lround(h)) * f < 8 * df) continue;   /* a harmonic (within the window's main lobe) */
        worst = fmax(worst, db[k] - fund);
    }
    free(db);
    return worst;
}

static void softclip_tests(void) {
    int64_t n = RATE;
    float *x = sine(n, 1000, 0.1, 0.1);
    float *y = run(&lt_fx_softclip, NULL, NULL, 0, x, n);
    double diff = 0;
    for (int64_t i = 1000; i < n - 1000; i++) diff = fmax(diff, fabs(y[2 * i] - x[2 * i]));
    CHECK(20 * log10(diff / 0.1) < -60, "softclip under its knee: a -20 dBFS sine comes out unchanged and on time (difference %.1f dB "
          "below it)", 20 * log10(diff / 0.1));
    free(y);
    free(x);
    /* hard drive: 1 kHz at 0 dBFS + 12 dB into a -1 dB ceiling */
    x = sine(n, 1000, 1, 1);
    const char *nm[] = {"drive", "ceiling", "softness"};
    float v[] = {12, -1, 0.3f};
    y = run(&lt_fx_softclip, nm, v, 3, x, n);
    double pk = peak_db(y, 1000, n - 1000, 0);
    CHECK(pk < -1 + 0.3 && pk > -1.5, "softclip driven 12 dB over: peaks %.2f dBFS against a -1 dB ceiling", pk);
    free(y);
    free(x);
    /* aliasing: 4987 Hz driven 12 dB; compare with the same curve at the base rate */
    x = sine(n, 4987, 1, 1);
    y = run(&lt_fx_softclip, nm, v, 3, x, n);
    double ours = worst_alias(y, n, 4987);
    float c = powf(10, -1 / 20.0f), t = c * 0.7f, dr = powf(10, 12 / 20.0f);
    for (int64_t i = 0; i < 2 * n; i++) {
        float a = fabsf(x[i] * dr), s = a <= t ? a : t + (c - t) * tanhf((a - t) / (c - t));
        y[i] = x[i] < 0 ? -s : s;
    }
    double naive = worst_alias(y, n, 4987);
    CHECK(ours < -50 && ours < naive - 30, "softclip at 4x: strongest inharmonic (aliased) component %.1f dBc (the same curve "
          "without oversampling: %.1f dBc)", ours, naive);
    free(y);
    free(x);
}

static void width_tests(void) {
    int64_t n = RATE;
    float *x = sine(n, 5000, 0.25, -0.25);     /* pure side */
    const char *nm[] = {"width"};
    float v[] = {2};
    float *y = run(&lt_fx_mwidth, nm, v, 1, x, n);
    double g = peak_db(y, n / 2, n, 0) - 20 * log10(0.25);
    CHECK(fabs(g - 6.02) < 0.05, "mwidth width 2: the side comes out %.3f dB louder (want +6.02)", g);
    free(y);
    free(x);
    /* bass made mono: a 50 Hz side signal with mono_below 150 Hz */
    x = sine(n, 50, 0.5, -0.5);
    const char *nm2[] = {"mono_below"};
    float v2[] = {150};
    y = run(&lt_fx_mwidth, nm2, v2, 1, x, n);
    double att = peak_db(y, n / 2, n, 0) - 20 * log10(0.5);
    CHECK(att < -30, "mwidth mono_below 150 Hz: a 50 Hz side signal is %.1f dB down", att);
    free(y);
    free(x);
    /* the mid passes whole (an allpass), and with mono_below 0 and width 1 the unit is transparent */
    x = sine(n, 50, 0.5, 0.5);
    y = run(&lt_fx_mwidth, nm2, v2, 1, x, n);
    double mid = peak_db(y, n / 2, n, 0) - 20 * log10(0.5);
    CHECK(fabs(mid) < 0.01, "mwidth mono_below 150 Hz: a 50 Hz mid signal keeps its level (%.4f dB)", mid);
    free(y);
    float *s = sine(n, 1000, 0.3, 0.1);
    y = run(&lt_fx_mwidth, NULL, NULL, 0, s, n);
    double dl = peak_db(y, n / 2, n, 0) - peak_db(s, n / 2, n, 0), dr = peak_db(y, n / 2, n, 1) - peak_db(s, n / 2, n, 1);
    CHECK(fabs(dl) < 0.001 && fabs(dr) < 0.001, "mwidth at its defaults keeps both channels' levels at 1 kHz (%.4f, %.4f dB)", dl, dr);
    free(y);
    free(s);
    free(x);
}

static void chain_tests(void) {
    /* lineq + softclip + limiter: an impulse at frame 5000 comes out at frame 5000 */
    lt_chain c;
    char err[128];
    lt_chain_init(&c, RATE);
    lt_chain_add(&c, &lt_fx_lineq, NULL, 1, NULL, err, sizeof err);
    lt_chain_add(&c, &lt_fx_softclip, NULL, 1, NULL, err, sizeof err);
    lt_chain_add(&c, &lt_fx_limiter, NULL, 1, NULL, err, sizeof err);
    int64_t n = 20000;
    float *x = calloc((size_t)n * 2, sizeof(float));
    x[2 * 5000] = x[2 * 5000 + 1] = 0.5f;
    float *y = malloc(sizeof(float) * 2 * n);
    lt_chain_run(&c, x, y, n, err, sizeof err);
    int64_t at = 0;
    for (int64_t i = 0; i < n; i++) if (fabs(y[2 * i]) > fabs(y[2 * at])) at = i;
    CHECK(at == 5000, "a chain of lineq, softclip and limiter (latency %d frames) is compensated: the impulse stays at frame %lld",
          lt_chain_latency(&c), (long long)at);
    lt_chain_free(&c);
    /* a mix of 0.5 on a unit with latency blends with its input delayed to match */
    lt_chain_init(&c, RATE);
    float p[LT_FX_MAX_PARAMS];
    for (int i = 0; i < LT_EQ_NPARAMS; i++) p[i] = lt_eq_params[i].def;
    p[LT_EQ_P2_GAIN] = 6;
    lt_chain_add(&c, &lt_fx_lineq, p, 0.5f, NULL, err, sizeof err);
    float *s = sine(n, 1000, 0.5, 0.5);
    lt_chain_run(&c, s, y, n, err, sizeof err);
    double pk = peak_db(y, n / 2, n, 0), want = 20 * log10(0.5 * (0.5 + 0.5 * pow(10, 6 / 20.0)));
    CHECK(fabs(pk - want) < 0.05, "lineq at mix 0.5 with +6 dB at 1 kHz: %.3f dBFS (want %.3f: dry and wet in phase)", pk, want);
    lt_chain_free(&c);
    free(s);
    free(x);
    free(y);
    /* every registered unit: a unique name, defaults inside their ranges */
    int ok = 1;
    for (int i = 0; i < lt_fx_count; i++) {
        const lt_fx_def *d = lt_fx_defs[i];
        for (int j = 0; j < i; j++) if (strcmp(d->name, lt_fx_defs[j]->name) == 0) ok = 0;
        for (int k = 0; k < d->nparams; k++) if (!(d->params[k].def >= d->params[k].min && d->params[k].def <= d->params[k].max)) ok = 0;
    }
    CHECK(ok && lt_fx_find("limiter") == &lt_fx_limiter, "%d registered units: unique names, defaults inside their ranges", lt_fx_count);
}

int main(void) {
    mbcomp_tests();
    eq_tests();
    softclip_tests();
    width_tests();
    chain_tests();
    return check_done("test_master_fx");
}
