/* vops_filter.c — the definitions of the filter voice ops (kernels in filter_v8.c).
 * docs/units.md describes each for users.  Thread: any (constant data).  RT-safe: yes. */
#include "dsp/vop_kernels.h"
#include "dsp/vops_defs.h"

static const char *const svf_in[] = { "x", "cutoff", "res" };
static const float svf_def[] = { 0, 1000, 0 }, svf_min[] = { -1e9f, 0, 0 }, svf_max[] = { 1e9f, 96000, 1 };

#define SVF_DEF(var, nm, sig, hlp, ex, k)                                                           \
    const lt_vop_def var = {                                                                        \
        .name = nm, .signature = sig, .help = hlp, .example = ex,                                    \
        .min_in = 2, .max_in = 3, .n_out = 1,                                                       \
        .in_names = svf_in, .in_default = svf_def, .in_min = svf_min, .in_max = svf_max,            \
        .state_size = sizeof(lt_vop_svf_state), .fn = LT_VOP_FNS(k),                                \
    };
SVF_DEF(lt_vop_lpf, "lpf", "lpf(x, cutoff [, res])",
        "resonant 2-pole low-pass (zero-delay-feedback state-variable); res 0..1 is Q 0.71..22.6",
        "lpf(saw(v.freq), 2000, 0.3)", vop_lpf)
SVF_DEF(lt_vop_hpf, "hpf", "hpf(x, cutoff [, res])",
        "resonant 2-pole high-pass (state-variable); res 0..1 is Q 0.71..22.6",
        "hpf(noise(), 6000, 0.2)", vop_hpf)
SVF_DEF(lt_vop_bpf, "bpf", "bpf(x, cutoff [, res])",
        "2-pole band-pass, 0 dB at the centre (state-variable); res 0..1 narrows it (Q 0.71..22.6)",
        "bpf(noise(), 1200, 0.6)", vop_bpf)
SVF_DEF(lt_vop_notch, "notch", "notch(x, cutoff [, res])",
        "2-pole notch (state-variable); res 0..1 narrows it (Q 0.71..22.6)",
        "notch(saw(v.freq), 800, 0.2)", vop_notch)

static const char *const ladder_in[] = { "x", "cutoff", "res", "drive" };
static const float ladder_def[] = { 0, 1000, 0, 0 };
static const float ladder_min[] = { -1e9f, 0, 0, 0 }, ladder_max[] = { 1e9f, 96000, 1.2f, 1 };
const lt_vop_def lt_vop_ladder = {
    .name = "ladder", .signature = "ladder(x, cutoff [, res [, drive]])",
    .help = "4-pole (24 dB/oct) Moog-style ladder low-pass, zero-delay feedback, tanh input stage; "
            "self-oscillates from res 1 at a bounded level; drive 0..1 saturates harder",
    .example = "ladder(saw(v.freq), 800 * (1 + 6 * env), 0.6, 0.3)",
    .min_in = 2, .max_in = 4, .n_out = 1,
    .in_names = ladder_in, .in_default = ladder_def, .in_min = ladder_min, .in_max = ladder_max,
    .state_size = sizeof(lt_vop_ladder_state), .fn = LT_VOP_FNS(vop_ladder),
};

static const char *const onepole_in[] = { "x", "cutoff" };
static const float onepole_def[] = { 0, 1000 }, onepole_min[] = { -1e9f, 0 }, onepole_max[] = { 1e9f, 96000 };
const lt_vop_def lt_vop_onepole = {
    .name = "onepole", .signature = "onepole(x, cutoff)",
    .help = "1-pole (6 dB/oct) low-pass, -3 dB at the cutoff (trapezoidal); also a smoother for controls",
    .example = "onepole(noise(), 300)",
    .min_in = 2, .max_in = 2, .n_out = 1,
    .in_names = onepole_in, .in_default = onepole_def, .in_min = onepole_min, .in_max = onepole_max,
    .state_size = sizeof(lt_vop_onepole_state), .fn = LT_VOP_FNS(vop_onepole),
};

static const char *const comb_in[] = { "x", "delay_s", "feedback", "damp" };
static const float comb_def[] = { 0, 0.01f, 0.5f, 0 };
static const float comb_min[] = { -1e9f, 0, -1, 0 }, comb_max[] = { 1e9f, 0.05f, 1, 1 };
const lt_vop_def lt_vop_comb = {
    .name = "comb", .signature = "comb(x, delay_s, feedback [, damp])",
    .help = "feedback comb, y = x + feedback * y(t - delay_s), delay up to 50 ms read between samples "
            "(cubic); damp 0..1 low-passes the loop (Karplus-Strong plucks)",
    .example = "comb(noise() * ar(v.gate, 0, 0.01), 1 / v.freq, 0.995, 0.3)",
    .min_in = 3, .max_in = 4, .n_out = 1,
    .in_names = comb_in, .in_default = comb_def, .in_min = comb_min, .in_max = comb_max,
    .state_size = sizeof(lt_vop_comb_state), .fn = LT_VOP_FNS(vop_comb),
};

static const char *const formant_in[] = { "x", "vowel" };
static const float formant_def[] = { 0, 0 }, formant_min[] = { -1e9f, 0 }, formant_max[] = { 1e9f, 4 };
const lt_vop_def lt_vop_formant = {
    .name = "formant", .signature = "formant(x, vowel)",
    .help = "three parallel band-passes at a voice's formants; vowel 0..4 morphs a, e, i, o, u",
    .example = "formant(saw(v.freq), 2 + 2 * lfo(0.5))",
    .min_in = 2, .max_in = 2, .n_out = 1,
    .in_names = formant_in, .in_default = formant_def, .in_min = formant_min, .in_max = formant_max,
    .state_size = sizeof(lt_vop_formant_state), .fn = LT_VOP_FNS(vop_formant),
};
