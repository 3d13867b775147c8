/* target.h — loudness targeting: gain and a true-peak limiter until the delivered file meets a
 * loudness target and a true-peak ceiling, verified on what is actually delivered (after the
 * sample-rate conversion, the dither, the codec), by lute's meter and optionally by an independent
 * one (ffmpeg's ebur128 through a callback).
 *
 * Use it at the end of any offline path: `lute master` (a file), `lute album` (tracks or a whole
 * album), and `lute render` when a song declares master { target = -14, ceiling = -1 }: render the
 * mix with the master inserts, then call lt_target_master with the song's final limiter settings.
 *
 * The method: the chain (the master inserts before the limiter) runs once; the limiter's drive
 * starts at target minus the chain's loudness and moves by the secant through the last two passes
 * (limiting makes loudness grow more slowly than the gain); when a pass's delivered true peak is
 * over the ceiling (a conversion or codec raised it, or the independent meter reads higher) the
 * limiter's own ceiling comes down by the excess plus 0.02 dB.  It stops when the loudness is within
 * the tolerance and no reading is over the ceiling, or says why it cannot get there.
 * Thread: control.  RT-safe: no. */
#ifndef LT_MASTER_TARGET_H
#define LT_MASTER_TARGET_H
#include <stddef.h>
#include "master/audio.h"
#include "master/chain.h"
#include "master/deliver.h"

typedef struct lt_target_opts {
    double target_lufs;          /* NAN: no loudness target, the ceiling only */
    double ceiling_dbtp;         /* the highest true peak allowed */
    double tolerance_lu;         /* 0 = 0.2 */
    int    max_passes;           /* 0 = 8 */
    const float *limiter;        /* lt_fx_limiter params (5) or NULL for its defaults; gain and ceiling are set here */
    const lt_deliver_spec *deliver;   /* NULL: 32-bit float at the source rate */
    const char *out_path;        /* write the delivered file here (each pass that needs checking); NULL: don't */
    const lt_tags *tags;
    /* An independent reading of the written file; 0 with lufs and dbtp filled, -1 when unavailable. */
    int  (*verify)(void *ud, const char *path, double *lufs, double *dbtp);
    void *verify_ud;
    int  verbose;                /* print each pass on stderr */
} lt_target_opts;

typedef struct lt_target_report {
    double input_lufs, input_dbtp;       /* the mix as given */
    double chain_lufs;                   /* after the chain, before the limiter */
    double gain_db;                      /* the limiter drive that met the target */
    double max_reduction_db;             /* the limiter's deepest gain reduction */
    double lufs, dbtp;                   /* the delivered audio, lute's reading */
    double verify_lufs, verify_dbtp;     /* the independent reading of the written file (NAN: none) */
    double limiter_ceiling_dbtp;         /* the limiter's ceiling at the end (lower when a conversion raised peaks) */
    int    passes, met;
    char   note[256];                    /* why the target was not met, when it was not */
} lt_target_report;

/* in: stereo, any rate.  chain: the units before the limiter (NULL: none).  out (allocated): the
 * mastered audio at the source rate, before the delivery conversion (the written file is that
 * converted).  Returns 0 (r->met says whether the target was met), -1 with err on a hard failure
 * (out of memory, a file that cannot be written, silent input with a loudness target). */
int lt_target_master(const lt_audio *in, lt_chain *chain, const lt_target_opts *o, lt_audio *out,
                     lt_target_report *r, char *err, size_t errlen);
#endif
