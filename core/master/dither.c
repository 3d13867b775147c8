/* dither.c — see dither.h.  TPDF after S. P. Lipshitz, R. A. Wannamaker and J. Vanderkooy,
 * "Quantization and dither: a theoretical survey", JAES 40(5), 1992.  The shaped option feeds the
 * quantisation error back through the 5-tap "minimally audible" filter of S. P. Lipshitz,
 * J. Vanderkooy and R. A. Wannamaker, "Minimally audible noise shaping", JAES 39(11), 1991 (designed
 * at 44.1 kHz: it moves the noise from the ear's most sensitive region, 2-5 kHz, to above 15 kHz;
 * at 48 kHz it works the same a little higher up).  The fed-back error is limited to +/-1 LSB so that
 * clamping at full scale cannot make the loop run away.  Exact digital silence stays exact silence
 * (no dither noise in the gaps between tracks of a CD, as a CD plant expects); the shaping filter's
 * memory is cleared there. */
#include "master/dither.h"
#include <math.h>
#include <string.h>

static const double lipshitz44[5] = {2.033, -2.165, 1.959, -1.590, 0.6149};

void lt_dither_init(lt_ditherer *d, int bits, lt_dither_mode mode, uint32_t seed) {
    memset(d, 0, sizeof *d);
    d->bits = bits;
    d->mode = mode == LT_DITHER_AUTO ? LT_DITHER_TPDF : mode;
    d->rng = seed ? seed : 0x6c757465u;   /* "lute" */
}

/* A uniform variable in [-0.5, 0.5) from a 32-bit xorshift (G. Marsaglia, 2003). */
static inline double uniform(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x / 4294967296.0 - 0.5;
}

void lt_dither_run(lt_ditherer *d, float *x, int64_t frames, int channels) {
    double scale = ldexp(1.0, d->bits - 1), lo = -scale, hi = scale - 1;
    for (int64_t i = 0; i < frames; i++)
        for (int c = 0; c < channels && c < 8; c++) {
            double u = x[i * channels + c] * scale;
            double *e = d->err[c];
            if (u == 0) {
                memset(e, 0, sizeof(double) * 5);
                continue;
            }
            if (d->mode == LT_DITHER_SHAPED)
                for (int k = 0; k < 5; k++) u -= lipshitz44[k] * e[k];
            double dn = d->mode == LT_DITHER_NONE ? 0 : uniform(&d->rng) + uniform(&d->rng);
            double q = floor(u + dn + 0.5);
            if (q < lo) q = lo;
            if (q > hi) q = hi;
            if (d->mode == LT_DITHER_SHAPED) {
                double err = q - u;
                if (err > 1) err = 1;
                if (err < -1) err = -1;
                memmove(e + 1, e, sizeof(double) * 4);
                e[0] = err;
            }
            x[i * channels + c] = (float)(q / scale);
        }
}
