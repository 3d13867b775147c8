/* truepeak.h — the true-peak meter of `lute analyze`: each channel's peak between the samples, 4x
 * oversampled through the interpolator in core/dsp/tpinterp.h (32 taps per phase) and refined by a
 * parabola through the oversampled maximum and its neighbours, as ITU-R BS.1770-4 Annex 2 describes
 * ("4x or better").  Stretches whose interpolated values cannot exceed the peak found so far (by the
 * interpolator's gain bound) are skipped, so quiet passages cost little.
 * Thread: the thread that owns it.  RT-safe: new, finish no (they allocate); add and take yes. */
#ifndef LT_ANALYSIS_TRUEPEAK_H
#define LT_ANALYSIS_TRUEPEAK_H
#include <stdint.h>

typedef struct lt_truepeak lt_truepeak;

lt_truepeak *lt_truepeak_new(int channels);
void         lt_truepeak_add(lt_truepeak *t, const float *x, int64_t frames);   /* interleaved */
/* Peaks (linear) per channel, counting the signal's ring-out past its last sample. */
void         lt_truepeak_finish(lt_truepeak *t, double *peak);
void         lt_truepeak_free(lt_truepeak *t);
/* The peaks (linear, per channel) since the last take, then starts again: for a meter read in
 * periods (the engine's master meter).  With lt_truepeak_add it is RT-safe: neither allocates. */
void         lt_truepeak_take(lt_truepeak *t, double *peak);
#endif
