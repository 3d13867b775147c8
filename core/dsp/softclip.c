/* softclip.c — a soft clipper for the master (saturation that rounds peaks off before the limiter):
 * linear up to a knee, then a tanh curve that approaches the ceiling and never crosses it,
 *     |y| = t + (c - t) · tanh((|x| - t) / (c - t))  above t = c · (1 - softness),
 * with the same slope (1) on both sides of the knee.  It runs at 4x the sample rate (a polyphase
 * Kaiser-windowed-sinc interpolator and decimator, 125 taps at the high rate, flat to 0.82 of the
 * original Nyquist and down 70 dB above it) so the harmonics the curve makes above the original
 * Nyquist are filtered off instead of folding back as inharmonic aliases.  The decimation filter can
 * ring a little above the ceiling on hard clipping (the limiter after it holds the true peak).
 *
 * Parameters follow their ramps sample by sample: drive at the input's rate, the ceiling and the
 * softness at the high rate (the curve moves a quarter frame at a time), the output gain at the
 * output's rate, so a glide of any of them bends the output without a corner.
 *
 * Latency: 31 frames (the two filters), declared.  Block sizes never change the output.
 * Thread: fx.h's contract.  RT-safe: yes. */
#include "dsp/fx_master.h"
#include <math.h>
#include <string.h>

#define OS 4
#define TAPS 125                       /* prototype length at the high rate (odd: integer delay) */
#define PH ((TAPS + OS - 1) / OS)      /* taps per phase: 32 */
#define LATENCY ((TAPS - 1) / OS)      /* (62 + 62) / 4 = 31 frames */

enum { DRIVE, CEILING, SOFTNESS, OUTPUT, NPARAMS };

static const lt_fx_param params[NPARAMS] = {
    {"drive", 0, 24, 0, "dB", 1, "gain into the curve"},
    {"ceiling", -12, 0, -0.3f, "dBFS", 1, "the level the curve approaches and never passes"},
    {"softness", 0, 1, 0.3f, "", 1, "where the curve starts: 0 = at the ceiling (hard clip), 1 = from silence"},
    {"output", -24, 12, 0, "dB", 1, "gain after the curve"},
};

typedef struct softclip {
    float sr;
    float p[NPARAMS];
    float up[OS][PH];                  /* interpolator phases (gain OS folded in) */
    float down[OS * PH];               /* decimator taps, newest first */
    float hin[2][2 * PH];              /* input history (doubled ring for contiguous reads) */
    float hout[2][2 * OS * PH];        /* high-rate clipped history */
    int   pin, pout;
} softclip;

static size_t sc_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return sizeof(softclip); }

static double i0(double x) {
    double s = 1, t = 1;
    for (int k = 1; k < 50; k++) { t *= (x / (2 * k)) * (x / (2 * k)); s += t; }
    return s;
}

static void sc_reset(void *st) {
    softclip *s = st;
    memset(s->hin, 0, sizeof s->hin);
    memset(s->hout, 0, sizeof s->hout);
    s->pin = s->pout = 0;
}

static void sc_init(void *st, float sr, const float *p, const lt_fx_data *d) {
    (void)d;
    softclip *s = st;
    memset(s, 0, sizeof *s);
    s->sr = sr;
    memcpy(s->p, p, sizeof s->p);
    /* prototype: cutoff at the original Nyquist less a guard band, Kaiser beta 7 (about 70 dB) */
    double proto[OS * PH] = {0}, fc = 0.5 * 0.91 / OS, beta = 7.0, half = (TAPS - 1) / 2.0, sum = 0;
    for (int k = 0; k < TAPS; k++) {
        double m = k - half, r = m / half, w = i0(beta * sqrt(fmax(0, 1 - r * r))) / i0(beta);
        proto[k] = (m == 0 ? 2 * fc : sin(2 * M_PI * fc * m) / (M_PI * m)) * w;
        sum += proto[k];
    }
    for (int k = 0; k < OS * PH; k++) proto[k] /= sum;
    for (int ph = 0; ph < OS; ph++)
        for (int j = 0; j < PH; j++) s->up[ph][j] = (float)(proto[j * OS + ph] * OS);
    for (int k = 0; k < OS * PH; k++) s->down[k] = (float)proto[k];
    sc_reset(s);
}

static void sc_set(void *st, int i, float v) {
    softclip *s = st;
    if (i >= 0 && i < NPARAMS) s->p[i] = v;
}

static inline float curve(float x, float t, float c) {
    float a = fabsf(x);
    if (a <= t) return x;
    float y = t + (c - t) * tanhf((a - t) / (c - t));
    return x < 0 ? -y : y;
}

#define DB2LIN(db) expf((db) * 0.115129254649702f)

/* The curve's knee and ceiling for a ceiling in dBFS and a softness. */
static inline void knee_of(float ceiling_db, float softness, float *t, float *c) {
    *c = DB2LIN(ceiling_db);
    *t = *c * (1 - softness);
    if (*c - *t < 1e-6f) *t = *c - 1e-6f;
}

static void sc_process(void *st, const lt_fx_block *b) {
    softclip *s = st;
    memcpy(s->p, b->p, sizeof s->p);
    int gains = b->dp[DRIVE] != 0.0f || b->dp[OUTPUT] != 0.0f;
    int curve_moves = b->dp[CEILING] != 0.0f || b->dp[SOFTNESS] != 0.0f;
    float drive = DB2LIN(b->p[DRIVE]), outg = DB2LIN(b->p[OUTPUT]);
    float t[OS], c[OS];
    knee_of(b->p[CEILING], b->p[SOFTNESS], &t[0], &c[0]);
    for (int ph = 1; ph < OS; ph++) t[ph] = t[0], c[ph] = c[0];
    float *io[2] = {b->l, b->r};
    for (int i = 0; i < b->n; i++) {
        int pin = s->pin, pout = s->pout;
        if (gains) {
            drive = DB2LIN(b->p[DRIVE] + b->dp[DRIVE] * (float)i);
            outg = DB2LIN(b->p[OUTPUT] + b->dp[OUTPUT] * (float)i);
        }
        if (curve_moves)
            for (int ph = 0; ph < OS; ph++) {
                float at = (float)i + (float)ph / OS;
                knee_of(b->p[CEILING] + b->dp[CEILING] * at, b->p[SOFTNESS] + b->dp[SOFTNESS] * at, &t[ph], &c[ph]);
            }
        for (int ch = 0; ch < 2; ch++) {
            float *hi = s->hin[ch], *ho = s->hout[ch];
            float x = io[ch][i] * drive;
            hi[pin] = hi[pin + PH] = x;          /* newest at pin; hi[pin .. pin+PH-1] newest first */
            const float *xs = hi + pin;
            int po = pout;
            for (int ph = 0; ph < OS; ph++) {
                float acc = 0;
                for (int j = 0; j < PH; j++) acc += s->up[ph][j] * xs[j];
                float y = curve(acc, t[ph], c[ph]);
                po = (po + OS * PH - 1) % (OS * PH);
                ho[po] = ho[po + OS * PH] = y;
            }
            /* one output per OS high-rate samples: the decimator over the OS*PH ending at this frame's
             * first high-rate sample (the three after it fall on the prototype's zero padding), so the
             * two filters' delays add up to a whole number of frames */
            const float *ys = ho + (po + OS - 1) % (OS * PH);
            float acc = 0;
            for (int k = 0; k < OS * PH; k++) acc += s->down[k] * ys[k];
            io[ch][i] = acc * outg;
            if (ch == 1) s->pout = po;
        }
        s->pin = (pin + PH - 1) % PH;
    }
}

static int sc_latency(const void *st) { (void)st; return LATENCY; }

const lt_fx_def lt_fx_softclip = {
    .name = "softclip",
    .help = "soft clipper / saturation, 4x oversampled: rounds peaks toward a ceiling it never passes",
    .example = "softclip{ drive = 3, ceiling = -0.5, softness = 0.4 }",
    .nparams = NPARAMS,
    .params = params,
    .mix_default = 1,
    .size = sc_size,
    .init = sc_init,
    .set = sc_set,
    .reset = sc_reset,
    .process = sc_process,
    .latency = sc_latency,
};
