/* vops_env.c — the definitions of the envelope and modulator voice ops (kernels in env_v8.c).
 * docs/units.md describes each for users.  Thread: any (constant data); `start` runs on the audio
 * thread.  RT-safe: yes. */
#include "dsp/vop_kernels.h"
#include "dsp/vops_defs.h"

static const char *const curve_opts[] = { "linear", "exp", NULL };

static const char *const adsr_in[] = { "gate", "a", "d", "s", "r" };
static const float adsr_def[] = { 0, 0.005f, 0.1f, 0.7f, 0.2f };
static const float adsr_min[] = { -1e9f, 0, 0, 0, 0 }, adsr_max[] = { 1e9f, 300, 300, 1, 300 };
const lt_vop_def lt_vop_adsr = {
    .name = "adsr", .signature = "adsr(gate, a, d, s, r)",
    .help = "attack/decay/sustain/release envelope 0..1, timed to the frame (seconds; s a level); "
            "options linear (default), exp",
    .example = "saw(v.freq) * adsr(v.gate, 0.01, 0.1, 0.7, 0.2)",
    .min_in = 1, .max_in = 5, .n_out = 1,
    .in_names = adsr_in, .in_default = adsr_def, .in_min = adsr_min, .in_max = adsr_max,
    .options = curve_opts, .state_size = sizeof(lt_vop_env_state),
    .flags = LT_VOP_ENV | LT_VOP_GATE0, .fn = LT_VOP_FNS(vop_adsr),
};

static const char *const ar_in[] = { "gate", "a", "r" };
static const float ar_def[] = { 0, 0.005f, 0.2f }, ar_min[] = { -1e9f, 0, 0 }, ar_max[] = { 1e9f, 300, 300 };
const lt_vop_def lt_vop_ar = {
    .name = "ar", .signature = "ar(gate, a, r)",
    .help = "attack/release envelope 0..1: rises in a, holds 1 while the gate is on, falls in r",
    .example = "sine(v.freq) * ar(v.gate, 0.002, 0.5)",
    .min_in = 1, .max_in = 3, .n_out = 1,
    .in_names = ar_in, .in_default = ar_def, .in_min = ar_min, .in_max = ar_max,
    .options = curve_opts, .state_size = sizeof(lt_vop_env_state),
    .flags = LT_VOP_ENV | LT_VOP_GATE0, .fn = LT_VOP_FNS(vop_ar),
};

static const char *const env_in[] = { "gate", "level0", "level1", "level2", "level3", "level4", "level5",
                                      "level6", "level7", "time1", "time2", "time3", "time4", "time5",
                                      "time6", "time7" };
static const float env_def[] = { 0, 0, 1, 0, 0, 0, 0, 0, 0, 0.01f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f };
static const float env_min[] = { -1e9f, -1e9f, -1e9f, -1e9f, -1e9f, -1e9f, -1e9f, -1e9f, -1e9f,
                                 0, 0, 0, 0, 0, 0, 0 };
static const float env_max[] = { 1e9f, 1e9f, 1e9f, 1e9f, 1e9f, 1e9f, 1e9f, 1e9f, 1e9f,
                                 300, 300, 300, 300, 300, 300, 300 };
static const char *const env_opts[] = { "0", "1", "2", "3", "4", "5", "6", "7", NULL };
const lt_vop_def lt_vop_env = {
    .name = "env", .signature = "env(gate, levels, times [, curves])",
    .help = "multi-segment envelope: N segments (the option, 1..7) through levels[0..N] in times[1..N], "
            "curves per segment; data = { sustain level index or -1, curve 1..N }",
    .example = "env(v.gate, {0, 1, 0.3, 0}, {0.005, 0.08, 0.4}, {-4, -4, -4})",
    .min_in = 4, .max_in = 16, .n_out = 1,
    .in_names = env_in, .in_default = env_def, .in_min = env_min, .in_max = env_max,
    .options = env_opts, .state_size = sizeof(lt_vop_env_state),
    .flags = LT_VOP_ENV | LT_VOP_GATE0, .fn = LT_VOP_FNS(vop_env),
};

static void lfo_start(void *state, int lane, const lt_vop_data *d, const lt_vop_lane *l)
{
    (void)d;
    lt_vop_lfo_state *s = state;
    uint32_t r = lt_vop_seed_mix(l->seed ^ 0x27d4eb2fu);
    float v[2];
    for (int k = 0; k < 2; k++) {                  /* the kernel's xorshift and bipolar mapping */
        r ^= r << 13; r ^= r >> 17; r ^= r << 5;
        union { uint32_t u; float f; } b = { (r >> 9) | 0x40000000u };
        v[k] = b.f - 3.0f;
    }
    s->rng[lane] = (int32_t)r;
    s->a[lane] = v[0];
    s->b[lane] = v[1];
}

static const char *const lfo_in[] = { "rate" };
static const float lfo_def[] = { 1 }, lfo_min[] = { 0 }, lfo_max[] = { 20000 };
static const char *const lfo_opts[] = { "sine", "tri", "saw", "square", "random", "smooth", NULL };
const lt_vop_def lt_vop_lfo = {
    .name = "lfo", .signature = "lfo(rate [, shape])",
    .help = "low-frequency oscillator -1..1 at rate Hz, from phase 0 at the note's start; shapes sine, "
            "tri, saw, square, random (sample & hold), smooth (smoothed random)",
    .example = "lpf(saw(v.freq), 1200 + 800 * lfo(0.25, \"tri\"))",
    .min_in = 1, .max_in = 1, .n_out = 1,
    .in_names = lfo_in, .in_default = lfo_def, .in_min = lfo_min, .in_max = lfo_max,
    .options = lfo_opts, .state_size = sizeof(lt_vop_lfo_state),
    .fn = LT_VOP_FNS(vop_lfo), .start = lfo_start,
};

static const char *const slew_in[] = { "x", "up_s", "down_s" };
static const float slew_def[] = { 0, 0.05f, -1 }, slew_min[] = { -1e9f, 0, -1 }, slew_max[] = { 1e9f, 300, 300 };
const lt_vop_def lt_vop_slew = {
    .name = "slew", .signature = "slew(x, up_s [, down_s])",
    .help = "exponential lag: follows x to within 0.1 % in up_s seconds rising, down_s falling "
            "(default: up_s); glides a pitch or smooths a control",
    .example = "saw(slew(v.freq, 0.08))",
    .min_in = 2, .max_in = 3, .n_out = 1,
    .in_names = slew_in, .in_default = slew_def, .in_min = slew_min, .in_max = slew_max,
    .state_size = sizeof(lt_vop_slew_state), .fn = LT_VOP_FNS(vop_slew),
};

static const char *const sah_in[] = { "x", "trigger" };
static const float sah_def[] = { 0, 0 };
const lt_vop_def lt_vop_sah = {
    .name = "sah", .signature = "sah(x, trigger)",
    .help = "sample and hold: takes x when trigger rises through 0, holds it until the next rise",
    .example = "sah(noise(), lfo(8, \"square\"))",
    .min_in = 2, .max_in = 2, .n_out = 1,
    .in_names = sah_in, .in_default = sah_def,
    .state_size = sizeof(lt_vop_sah_state), .fn = LT_VOP_FNS(vop_sah),
};
