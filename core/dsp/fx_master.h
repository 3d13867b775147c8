/* fx_master.h — the mastering processors (fx.h units, one per file in core/dsp/): the true-peak
 * limiter, the multiband compressor, the linear-phase and minimum-phase EQs, the soft clipper and
 * the mastering stereo width.  Registered in fx_registry.c like every other unit; usable on any
 * insert chain, written for the master's.  Each def's params list its names, ranges and defaults.
 * Thread and RT-safety: fx.h's contract (process, set, reset are RT-safe; init is control-thread:
 * lineq makes its FFTW plans there). */
#ifndef LT_DSP_FX_MASTER_H
#define LT_DSP_FX_MASTER_H
#include "graph/fx.h"

extern const lt_fx_def lt_fx_limiter;    /* limiter.c  */
extern const lt_fx_def lt_fx_mbcomp;     /* mbcomp.c   */
extern const lt_fx_def lt_fx_lineq;      /* lineq.c    */
extern const lt_fx_def lt_fx_mineq;      /* mineq.c    */
extern const lt_fx_def lt_fx_softclip;   /* softclip.c */
extern const lt_fx_def lt_fx_mwidth;     /* mwidth.c   */
#endif
