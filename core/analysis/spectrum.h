/* spectrum.h — the average power spectrum of a signal (Welch's method: Hann-windowed segments
 * end to end, FFTW) and its third-octave band levels.  Used by the analysis (band levels),
 * the plots (the fine spectrum) and reference matching (mid and side spectra).
 *
 * Scale: psd[k] is the mean square in bin k, so the bins of a band add up to the band's mean
 * square; a sine of amplitude A contributes A^2/2 and its band reads 20*log10(A) dB.
 * Thread: any thread that owns the object.  RT-safe: no. */
#ifndef LT_ANALYSIS_SPECTRUM_H
#define LT_ANALYSIS_SPECTRUM_H
#include <stdint.h>

typedef struct lt_welch lt_welch;

/* The FFT size lute uses at a sample rate: about 0.7 s (32768 at 44.1/48 kHz, 1.5 Hz bins). */
int       lt_welch_size(int rate);
/* `channels` interleaved inputs; their powers are averaged. NULL when out of memory. */
lt_welch *lt_welch_new(int nfft, int channels);
void      lt_welch_add(lt_welch *w, const float *x, int64_t frames);
/* The average power per bin (nfft/2 + 1 bins, bin k at k * rate / nfft Hz); valid until the next add
 * or free.  A signal shorter than one segment is measured as one zero-padded segment. */
const double *lt_welch_psd(lt_welch *w, int *nbins);
void      lt_welch_free(lt_welch *w);

/* The 31 nominal band centres (20 Hz .. 20 kHz) and the band levels of a psd (dB, NaN above
 * Nyquist, -inf for silence).  The exact centres are 1000 * 2^(k/3), edges a sixth octave either side. */
extern const double lt_band_nominal[31];
void lt_bands_from_psd(const double *psd, int nbins, int rate, double *band_db);
#endif
