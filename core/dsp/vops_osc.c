/* vops_osc.c — the definitions (names, inputs, ranges, options, state) of the oscillator voice ops
 * whose kernels are in osc_v8.c and wavetable_v8.c.  docs/units.md describes each for users.
 * Thread: any (constant data); `start` runs on the audio thread.  RT-safe: yes. */
#include <string.h>
#include "dsp/vop_kernels.h"
#include "dsp/vops_defs.h"

static const char *const quality_opts[] = { "normal", "hq", "naive", NULL };

/* A lane's noise generator from the voice's seed: murmur3's finaliser spreads consecutive seeds
 * over the whole state space; xorshift needs a nonzero state. */
uint32_t lt_vop_seed_mix(uint32_t x)
{
    x ^= x >> 16; x *= 0x85ebca6bu;
    x ^= x >> 13; x *= 0xc2b2ae35u;
    x ^= x >> 16;
    return x ? x : 0x9e3779b9u;
}

static void noise_start(void *state, int lane, const lt_vop_data *d, const lt_vop_lane *l)
{
    (void)d;
    ((lt_vop_noise_state *)state)->rng[lane] = (int32_t)lt_vop_seed_mix(l->seed);
}

static void pink_start(void *state, int lane, const lt_vop_data *d, const lt_vop_lane *l)
{
    (void)d;
    ((lt_vop_pink_state *)state)->rng[lane] = (int32_t)lt_vop_seed_mix(l->seed ^ 0x5bd1e995u);
}

static const char *const freq_in[] = { "freq" };
static const float freq_def[] = { 440 }, freq_min[] = { 0 }, freq_max[] = { 20000 };

const lt_vop_def lt_vop_saw = {
    .name = "saw", .signature = "saw(freq)",
    .help = "band-limited sawtooth, -1..1, rising (minBLEP; options normal, hq, naive)",
    .example = "saw(v.freq)",
    .min_in = 1, .max_in = 1, .n_out = 1,
    .in_names = freq_in, .in_default = freq_def, .in_min = freq_min, .in_max = freq_max,
    .options = quality_opts, .state_size = sizeof(lt_vop_blep_state),
    .fn = LT_VOP_FNS(vop_saw),
};

static const char *const square_in[] = { "freq", "width" };
static const float square_def[] = { 440, 0.5f }, square_min[] = { 0, 0 }, square_max[] = { 20000, 1 };
const lt_vop_def lt_vop_square = {
    .name = "square", .signature = "square(freq [, width])",
    .help = "band-limited pulse, +1 for `width` of each cycle (0..1, PWM at any rate), else -1",
    .example = "square(v.freq, 0.5 + 0.4 * lfo(0.3))",
    .min_in = 1, .max_in = 2, .n_out = 1,
    .in_names = square_in, .in_default = square_def, .in_min = square_min, .in_max = square_max,
    .options = quality_opts, .state_size = sizeof(lt_vop_blep_state),
    .fn = LT_VOP_FNS(vop_square),
};

const lt_vop_def lt_vop_tri = {
    .name = "tri", .signature = "tri(freq)",
    .help = "band-limited triangle, -1..1, starting at 0 rising (minBLAMP)",
    .example = "tri(v.freq)",
    .min_in = 1, .max_in = 1, .n_out = 1,
    .in_names = freq_in, .in_default = freq_def, .in_min = freq_min, .in_max = freq_max,
    .options = quality_opts, .state_size = sizeof(lt_vop_blep_state),
    .fn = LT_VOP_FNS(vop_tri),
};

static const char *const sine_in[] = { "freq", "phase" };
static const float sine_def[] = { 440, 0 };
static const float sine_min[] = { 0, -1000 }, sine_max[] = { 20000, 1000 };
const lt_vop_def lt_vop_sine = {
    .name = "sine", .signature = "sine(freq [, phase])",
    .help = "sine; `phase` (in cycles) is added to its phase at audio rate (phase modulation)",
    .example = "sine(v.freq, 0.25)",
    .min_in = 1, .max_in = 2, .n_out = 1,
    .in_names = sine_in, .in_default = sine_def, .in_min = sine_min, .in_max = sine_max,
    .state_size = sizeof(lt_vop_sine_state),
    .fn = LT_VOP_FNS(vop_sine),
};

const lt_vop_def lt_vop_sub = {
    .name = "sub", .signature = "sub(freq)",
    .help = "sub-oscillator: a band-limited square an octave below freq",
    .example = "saw(v.freq) + 0.5 * sub(v.freq)",
    .min_in = 1, .max_in = 1, .n_out = 1,
    .in_names = freq_in, .in_default = freq_def, .in_min = freq_min, .in_max = freq_max,
    .options = quality_opts, .state_size = sizeof(lt_vop_blep_state),
    .fn = LT_VOP_FNS(vop_subosc),
};

static const char *const sync_in[] = { "master_freq", "slave_freq" };
static const float sync_def[] = { 110, 440 }, sync_min[] = { 0, 0 }, sync_max[] = { 20000, 20000 };
const lt_vop_def lt_vop_sync = {
    .name = "sync", .signature = "sync(master_freq, slave_freq)",
    .help = "hard-sync saw: a saw at slave_freq restarted at every cycle of master_freq (band-limited)",
    .example = "sync(v.freq, v.freq * (2 + 3 * env))",
    .min_in = 2, .max_in = 2, .n_out = 1,
    .in_names = sync_in, .in_default = sync_def, .in_min = sync_min, .in_max = sync_max,
    .options = quality_opts, .state_size = sizeof(lt_vop_sync_state),
    .fn = LT_VOP_FNS(vop_sync),
};

static const char *const fm_in[] = { "carrier_freq", "ratio", "index", "feedback" };
static const float fm_def[] = { 440, 1, 1, 0 };
static const float fm_min[] = { 0, 0, 0, 0 }, fm_max[] = { 20000, 64, 64, 4 };
const lt_vop_def lt_vop_fm = {
    .name = "fm", .signature = "fm(carrier_freq, ratio, index [, feedback])",
    .help = "FM operator pair: a sine carrier phase-modulated (index in radians) by a sine at "
            "carrier * ratio that feeds back into itself (feedback in radians)",
    .example = "fm(v.freq, 3.5, 2 * env, 0.3)",
    .min_in = 3, .max_in = 4, .n_out = 1,
    .in_names = fm_in, .in_default = fm_def, .in_min = fm_min, .in_max = fm_max,
    .state_size = sizeof(lt_vop_fm_state),
    .fn = LT_VOP_FNS(vop_fm),
};

const lt_vop_def lt_vop_noise = {
    .name = "noise", .signature = "noise()",
    .help = "white noise, uniform in -1..1, its own deterministic sequence per voice",
    .example = "bpf(noise(), 8000, 0.3)",
    .min_in = 0, .max_in = 0, .n_out = 1,
    .state_size = sizeof(lt_vop_noise_state),
    .fn = LT_VOP_FNS(vop_noise), .start = noise_start,
};

const lt_vop_def lt_vop_pink = {
    .name = "pink", .signature = "pink()",
    .help = "pink noise (-3 dB per octave), its own deterministic sequence per voice",
    .example = "lpf(pink(), 2000)",
    .min_in = 0, .max_in = 0, .n_out = 1,
    .state_size = sizeof(lt_vop_pink_state),
    .fn = LT_VOP_FNS(vop_pink), .start = pink_start,
};
