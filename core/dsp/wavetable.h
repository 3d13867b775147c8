/* wavetable.h — the data of the wavetable voice op (wavetable_v8.c): band-limited copies of a table
 * of single-cycle frames, made on the control thread, and lute's built-in tables.
 *
 * A table as a patch gives it (`src`): { F, L, frame 0 (L samples), frame 1, ... } — F frames
 * (1 .. 256) of one cycle each, L samples per frame (4 .. 65536, any length; the frames are read
 * through their spectrum, so L need not be a power of two).  The prepared data: { F, N, M } then M
 * levels of F frames of N + 1 floats (N = 2048, the last sample repeating the first): level m keeps
 * the harmonics up to N / 2^(m+1) (level 0: 1023), so a voice at frequency f reads the level whose
 * highest harmonic is under Nyquist (mipmapping); DC is removed.
 *
 * Thread: control — the thread that does all of lute's FFTW planning (FFTW's planner is not
 * thread-safe).  RT-safe: no (allocates, plans FFTs). */
#ifndef LT_DSP_WAVETABLE_H
#define LT_DSP_WAVETABLE_H

#define LT_WT_N      2048        /* samples per prepared frame */
#define LT_WT_LOG2N  11
#define LT_WT_LEVELS 11          /* harmonics 1023, 512, 256, ... 1 */
#define LT_WT_MAXF   256

/* The def's `prepare` (see vop.h): src as above into dst (NULL: only the size). */
long lt_wavetable_prepare(const float *src, long nsrc, float *dst, const char **err);

/* A built-in table in the `src` format: "basic" (4 frames: sine, triangle, saw, square), "pwm"
 * (8 pulse frames, width 50 % down to 6 %), "harmonics" (16 frames: 1 to 16 equal harmonics).
 * Returns the floats written (cap must be large enough: 3 + F * 2048 suffices), or -1 for an
 * unknown name. */
long lt_wavetable_builtin(const char *name, float *dst, long cap);
#endif
