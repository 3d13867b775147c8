/* vop_kernels.h — the kernels of every voice op (vop.h), each built twice from its core/dsp/..._v8.c
 * file (name_sse2 and name_avx2, see v8.h), and the state layouts the def files need for
 * `state_size` and `start`.  Only the def files (vops_*.c) and the kernel files include this.
 * Thread: audio (kernels), control (sizes).  RT-safe: yes. */
#ifndef LT_DSP_VOP_KERNELS_H
#define LT_DSP_VOP_KERNELS_H
#include "graph/vop.h"

/* The frame stride of input k: 0 when it is constant across the call, else LT_LANES.  Kernels read a
 * CONST input at frame 0 only, so the engine may pass a single lane vector (8 floats) for it. */
#define LT_IN_STRIDE(c, k) ((c)->rate[k] == LT_RATE_CONST ? 0 : LT_LANES)

#define LT_VOP_KERNEL(name) void name##_sse2(lt_vop_call *c); void name##_avx2(lt_vop_call *c);
#define LT_VOP_FNS(name) { name##_sse2, name##_avx2 }

/* oscillators (osc_v8.c) */
LT_VOP_KERNEL(vop_saw)
LT_VOP_KERNEL(vop_square)
LT_VOP_KERNEL(vop_tri)
LT_VOP_KERNEL(vop_sine)
LT_VOP_KERNEL(vop_subosc)
LT_VOP_KERNEL(vop_sync)
LT_VOP_KERNEL(vop_fm)
LT_VOP_KERNEL(vop_noise)
LT_VOP_KERNEL(vop_pink)
LT_VOP_KERNEL(vop_wavetable)

/* filters (filter_v8.c) */
LT_VOP_KERNEL(vop_lpf)
LT_VOP_KERNEL(vop_hpf)
LT_VOP_KERNEL(vop_bpf)
LT_VOP_KERNEL(vop_notch)
LT_VOP_KERNEL(vop_ladder)
LT_VOP_KERNEL(vop_onepole)
LT_VOP_KERNEL(vop_comb)
LT_VOP_KERNEL(vop_formant)

/* envelopes and modulators (env_v8.c) */
LT_VOP_KERNEL(vop_adsr)
LT_VOP_KERNEL(vop_ar)
LT_VOP_KERNEL(vop_env)
LT_VOP_KERNEL(vop_lfo)
LT_VOP_KERNEL(vop_slew)
LT_VOP_KERNEL(vop_sah)

/* utilities (util_v8.c) */
LT_VOP_KERNEL(vop_add)
LT_VOP_KERNEL(vop_subtract)
LT_VOP_KERNEL(vop_mul)
LT_VOP_KERNEL(vop_div)
LT_VOP_KERNEL(vop_neg)
LT_VOP_KERNEL(vop_vca)
LT_VOP_KERNEL(vop_pan)
LT_VOP_KERNEL(vop_abs)
LT_VOP_KERNEL(vop_clip)
LT_VOP_KERNEL(vop_tanh)
LT_VOP_KERNEL(vop_min)
LT_VOP_KERNEL(vop_max)
LT_VOP_KERNEL(vop_select)
LT_VOP_KERNEL(vop_db)
LT_VOP_KERNEL(vop_midi_to_hz)

/* fused chains (fused_v8.c) */
LT_VOP_KERNEL(vop_saw_lpf)
LT_VOP_KERNEL(vop_saw_lpf_pan)
LT_VOP_KERNEL(vop_vca_pan)

/* ---- state layouts (bytes per block of 8 lanes; every member a run of lane vectors) ---------- */
#define LT_VOP_V8 __attribute__((aligned(32)))
#define LT_BLEP_RING 64                       /* lane vectors: a call (<= 32) + the longest residual (32) */

/* phase (uint32, 2^32 = one cycle), the last naive output (square), pending residuals by absolute frame */
typedef struct { int32_t ph[8] LT_VOP_V8; float pv[8] LT_VOP_V8; float ring[LT_BLEP_RING][8] LT_VOP_V8; } lt_vop_blep_state;
typedef struct { int32_t ph[8] LT_VOP_V8; int32_t ph2[8] LT_VOP_V8; float ring[LT_BLEP_RING][8] LT_VOP_V8; } lt_vop_sync_state;
typedef struct { int32_t ph[8] LT_VOP_V8; } lt_vop_sine_state;
typedef struct { int32_t pc[8] LT_VOP_V8; int32_t pm[8] LT_VOP_V8; float m1[8] LT_VOP_V8; float m2[8] LT_VOP_V8; } lt_vop_fm_state;
typedef struct { int32_t rng[8] LT_VOP_V8; } lt_vop_noise_state;
typedef struct { int32_t rng[8] LT_VOP_V8; float b[7][8] LT_VOP_V8; } lt_vop_pink_state;
typedef struct { int32_t ph[8] LT_VOP_V8; } lt_vop_wavetable_state;

/* The two integrator states, and the coefficients last computed with the cutoff and res they came
 * from (recomputed only when a constant cutoff or res moved; a zeroed lane forces it). */
typedef struct {
    float ic1[8] LT_VOP_V8; float ic2[8] LT_VOP_V8;
    float fc[8] LT_VOP_V8; float res[8] LT_VOP_V8; float coef[7][8] LT_VOP_V8;
} lt_vop_svf_state;
typedef struct { float s[4][8] LT_VOP_V8; } lt_vop_ladder_state;
typedef struct { float s[8] LT_VOP_V8; } lt_vop_onepole_state;
#define LT_COMB_FRAMES 4096                  /* 85 ms at 48 kHz; comb() allows 50 ms */
typedef struct { float lp[8] LT_VOP_V8; float line[LT_COMB_FRAMES][8] LT_VOP_V8; } lt_vop_comb_state;
typedef struct { float ic1[3][8] LT_VOP_V8; float ic2[3][8] LT_VOP_V8; } lt_vop_formant_state;

/* An envelope lane: its stage (what it is doing), the frame within the current segment and the
 * segment's length (and 1/length), the levels it ramps from and to, its curve (k = curvature in
 * log2 units, norm = 1 / (1 - 2^k); k = 0 is a straight line) and the last gate value seen. */
typedef struct {
    int32_t stage[8] LT_VOP_V8;
    float   pos[8] LT_VOP_V8;
    float   len[8] LT_VOP_V8;
    float   inv[8] LT_VOP_V8;
    float   from[8] LT_VOP_V8;
    float   to[8] LT_VOP_V8;
    float   k[8] LT_VOP_V8;
    float   norm[8] LT_VOP_V8;
    float   gate[8] LT_VOP_V8;
} lt_vop_env_state;
typedef struct { int32_t ph[8] LT_VOP_V8; int32_t rng[8] LT_VOP_V8; float a[8] LT_VOP_V8; float b[8] LT_VOP_V8; } lt_vop_lfo_state;
typedef struct { float y[8] LT_VOP_V8; } lt_vop_slew_state;
typedef struct { float y[8] LT_VOP_V8; float prev[8] LT_VOP_V8; } lt_vop_sah_state;

typedef struct { lt_vop_blep_state saw; lt_vop_svf_state svf; } lt_vop_saw_lpf_state;
#endif
