/* vops_util.c — the definitions of the utility voice ops (kernels in util_v8.c) and the fused
 * chains the patch compiler may substitute (kernels in osc_v8.c and util_v8.c).  docs/units.md
 * describes each for users.  Thread: any (constant data).  RT-safe: yes. */
#include "dsp/vop_kernels.h"
#include "dsp/vops_defs.h"

static const char *const ab_in[] = { "a", "b" };
static const float ab_def[] = { 0, 0 };
static const float mul_def[] = { 1, 1 };

#define PURE2(var, nm, sig, hlp, ex, def, k)                                                          \
    const lt_vop_def var = {                                                                          \
        .name = nm, .signature = sig, .help = hlp, .example = ex,                                      \
        .min_in = 2, .max_in = 2, .n_out = 1, .in_names = ab_in, .in_default = def,                   \
        .flags = LT_VOP_PURE, .fn = LT_VOP_FNS(k),                                                    \
    };
PURE2(lt_vop_add, "add", "add(a, b)", "a + b (the + operator)", "saw(v.freq) + sub(v.freq)", ab_def, vop_add)
PURE2(lt_vop_subtract, "subtract", "subtract(a, b)", "a - b (the - operator)", "saw(v.freq) - saw(v.freq * 1.01)",
      ab_def, vop_subtract)
PURE2(lt_vop_mul, "mul", "mul(a, b)", "a * b (the * operator)", "saw(v.freq) * 0.5", mul_def, vop_mul)
PURE2(lt_vop_div, "div", "div(a, b)", "a / b, and 0 where b is 0 (the / operator)", "v.freq / 2", mul_def, vop_div)
PURE2(lt_vop_min, "min", "min(a, b)", "the smaller of a and b", "min(env, 0.8)", ab_def, vop_min)
PURE2(lt_vop_max, "max", "max(a, b)", "the larger of a and b", "max(lfo(2), 0)", ab_def, vop_max)

static const char *const vca_in[] = { "x", "gain" };
static const float vca_def[] = { 0, 1 };
const lt_vop_def lt_vop_vca = {
    .name = "vca", .signature = "vca(x, gain)", .help = "x * gain: an amplifier",
    .example = "vca(saw(v.freq), adsr(v.gate, 0.01, 0.1, 0.7, 0.2))",
    .min_in = 2, .max_in = 2, .n_out = 1, .in_names = vca_in, .in_default = vca_def,
    .flags = LT_VOP_PURE, .fn = LT_VOP_FNS(vop_vca),
};

static const char *const x_in[] = { "x" };
static const float x_def[] = { 0 };
#define PURE1(var, nm, sig, hlp, ex, k)                                                               \
    const lt_vop_def var = {                                                                          \
        .name = nm, .signature = sig, .help = hlp, .example = ex,                                      \
        .min_in = 1, .max_in = 1, .n_out = 1, .in_names = x_in, .in_default = x_def,                  \
        .flags = LT_VOP_PURE, .fn = LT_VOP_FNS(k),                                                    \
    };
PURE1(lt_vop_neg, "neg", "neg(x)", "-x (unary minus)", "-lfo(1)", vop_neg)
PURE1(lt_vop_abs, "abs", "abs(x)", "|x|: full-wave rectifier", "abs(sine(v.freq))", vop_abs)
PURE1(lt_vop_tanh, "tanh", "tanh(x)", "soft clipper tanh(x) (a Pade approximant, within 1e-4)",
      "tanh(saw(v.freq) * 4)", vop_tanh)
PURE1(lt_vop_db, "db", "db(x)", "decibels to gain, 10^(x/20); below -150 dB it is 0", "saw(v.freq) * db(-6)",
      vop_db)
PURE1(lt_vop_midi_to_hz, "midi_to_hz", "midi_to_hz(x)", "MIDI note number to Hz, 440 * 2^((x - 69) / 12)",
      "saw(midi_to_hz(v.note + 12))", vop_midi_to_hz)

static const char *const clip_in[] = { "x", "lo", "hi" };
static const float clip_def[] = { 0, -1, 1 };
const lt_vop_def lt_vop_clip = {
    .name = "clip", .signature = "clip(x, lo, hi)", .help = "x limited to lo..hi (hard clipper)",
    .example = "clip(saw(v.freq) * 3, -0.5, 0.5)",
    .min_in = 1, .max_in = 3, .n_out = 1, .in_names = clip_in, .in_default = clip_def,
    .flags = LT_VOP_PURE, .fn = LT_VOP_FNS(vop_clip),
};

static const char *const pan_in[] = { "x", "position" };
static const float pan_def[] = { 0, 0 }, pan_min[] = { -1e9f, -1 }, pan_max[] = { 1e9f, 1 };
const lt_vop_def lt_vop_pan = {
    .name = "pan", .signature = "pan(x, position)",
    .help = "constant-power pan to stereo (2 outputs): position -1 left .. 0 centre (-3 dB each) .. 1 right",
    .example = "pan(saw(v.freq), lfo(0.2))",
    .min_in = 1, .max_in = 2, .n_out = 2, .in_names = pan_in, .in_default = pan_def,
    .in_min = pan_min, .in_max = pan_max,
    .flags = LT_VOP_PURE, .fn = LT_VOP_FNS(vop_pan),
};

static const char *const select_in[] = { "index", "in1", "in2", "in3", "in4", "in5", "in6", "in7", "in8",
                                         "in9", "in10", "in11", "in12", "in13", "in14", "in15" };
static const float select_def[16] = { 0 };
const lt_vop_def lt_vop_select = {
    .name = "select", .signature = "select(index, a, b, ...)",
    .help = "the input numbered round(index) counting from 0 (a), clamped to those given (up to 15)",
    .example = "select(v.note % 3, saw(v.freq), square(v.freq), tri(v.freq))",
    .min_in = 2, .max_in = 16, .n_out = 1, .in_names = select_in, .in_default = select_def,
    .flags = LT_VOP_PURE, .fn = LT_VOP_FNS(vop_select),
};

/* ---- fused chains: for the compiler, same semantics as the chain they replace ------------------- */

static const char *const saw_lpf_in[] = { "freq", "cutoff", "res" };
static const float saw_lpf_def[] = { 440, 1000, 0 };
static const char *const quality_opts[] = { "normal", "hq", "naive", NULL };
const lt_vop_def lt_vop_saw_lpf = {
    .name = "saw_lpf", .signature = "saw_lpf(freq, cutoff [, res])",
    .help = "fused lpf(saw(freq), cutoff, res): the same samples in one kernel (for the compiler)",
    .example = "lpf(saw(v.freq), 2000, 0.3)",
    .min_in = 2, .max_in = 3, .n_out = 1, .in_names = saw_lpf_in, .in_default = saw_lpf_def,
    .options = quality_opts, .state_size = sizeof(lt_vop_saw_lpf_state), .fn = LT_VOP_FNS(vop_saw_lpf),
};

static const char *const vca_pan_in[] = { "x", "gain", "position", "level" };
static const float vca_pan_def[] = { 0, 1, 0, 1 };
const lt_vop_def lt_vop_vca_pan = {
    .name = "vca_pan", .signature = "vca_pan(x, gain, position [, level])",
    .help = "fused pan(x * gain * level, position) (for the compiler; level folds into the pan gains)",
    .example = "pan(lpf(saw(v.freq), 2000) * adsr(v.gate, 0.01, 0.1, 0.7, 0.2) * v.vel, 0)",
    .min_in = 3, .max_in = 4, .n_out = 2, .in_names = vca_pan_in, .in_default = vca_pan_def,
    .flags = LT_VOP_PURE, .fn = LT_VOP_FNS(vop_vca_pan),
};

static const char *const saw_lpf_pan_in[] = { "freq", "cutoff", "res", "gain", "position", "level" };
static const float saw_lpf_pan_def[] = { 440, 1000, 0, 1, 0, 1 };
const lt_vop_def lt_vop_saw_lpf_pan = {
    .name = "saw_lpf_pan", .signature = "saw_lpf_pan(freq, cutoff, res, gain, position [, level])",
    .help = "fused pan(lpf(saw(freq), cutoff, res) * gain * level, position): the subtractive voice after its "
            "envelope in one kernel (for the compiler)",
    .example = "pan(lpf(saw(v.freq), 2000, 0.3) * adsr(v.gate, 0.01, 0.1, 0.7, 0.2) * v.vel, 0)",
    .min_in = 5, .max_in = 6, .n_out = 2, .in_names = saw_lpf_pan_in, .in_default = saw_lpf_pan_def,
    .options = quality_opts, .state_size = sizeof(lt_vop_saw_lpf_state), .fn = LT_VOP_FNS(vop_saw_lpf_pan),
};
