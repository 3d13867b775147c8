/* sample_build.h — inside the sampler folder only: the constructor that stretch.c shares with
 * sample.c.  Thread: control.  RT-safe: no. */
#ifndef LT_SAMPLER_SAMPLE_BUILD_H
#define LT_SAMPLER_SAMPLE_BUILD_H
#include "sampler/sample.h"

/* A sample from `frames` interleaved frames of `channels` (1 or 2) already at the engine's `rate`,
 * with its mip levels; hash, source_* fields are left for the caller.  NULL with a message. */
lt_sample *lt_sample_build(const float *data, int64_t frames, int channels, int rate, const char *path,
                           char *err, size_t errlen);
#endif
