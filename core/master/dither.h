/* dither.h — word-length reduction to 16 or 24 bits: TPDF dither (two uniform variables summed,
 * +/-1 LSB triangular: the error becomes signal-independent white noise, 4.77 dB above plain
 * rounding's, 93 dB below a full-scale sine at 16 bits), optionally noise-shaped, or plain rounding.
 * The output values are exactly k / 2^(bits-1), clamped to the format's range; exact zeros (digital
 * silence) stay zeros.
 * The noise is from a fixed-seed generator: the same input gives the same file every time.
 * Thread: owner.  RT-safe: yes. */
#ifndef LT_MASTER_DITHER_H
#define LT_MASTER_DITHER_H
#include <stdint.h>

typedef enum { LT_DITHER_AUTO = 0, LT_DITHER_NONE, LT_DITHER_TPDF, LT_DITHER_SHAPED } lt_dither_mode;

typedef struct lt_ditherer {
    int            bits;
    lt_dither_mode mode;
    uint32_t       rng;
    double         err[8][5];   /* noise-shaping history per channel */
} lt_ditherer;

/* mode AUTO means TPDF.  seed 0: lute's fixed seed. */
void lt_dither_init(lt_ditherer *d, int bits, lt_dither_mode mode, uint32_t seed);
/* Quantises frames of interleaved audio (up to 8 channels) in place. */
void lt_dither_run(lt_ditherer *d, float *x, int64_t frames, int channels);
#endif
