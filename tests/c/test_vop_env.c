/* test_vop_env.c — the envelopes and modulators (env_v8.c) as a listener meets them: ADSR timing to
 * the frame (1.0 exactly round(a sr) frames after the gate opens, the sustain level exactly at
 * round((a + d) sr), 0 exactly round(r sr) frames after it closes, then not busy), retrigger from the
 * current level without a click, the exponential curve, ar, the multi-segment env (one-shot and with
 * a sustain level), LFO rate and shapes, slew's 60 dB times, sample and hold. */
#include <stdio.h>
#include "check.h"
#include "vop_harness.h"
#include "dsp/vops_defs.h"

#define SR 48000

/* An envelope driven by a gate signal g (AUDIO rate when audio, else a CONST gate that changes
 * between calls at the edges, as the engine passes it), other inputs constant; lane 0's output and
 * the busy mask after the last call. */
static float *env_run(const lt_vop_def *d, int opt, const float *vals, const float *g, int len, int audio,
                      const float *data, int ndata, int *busy_end)
{
    float *in[LT_VOP_MAX_IN] = { 0 }, *out[2] = { malloc(sizeof(float) * 8 * len), NULL };
    uint8_t rate[LT_VOP_MAX_IN];
    int *trig = calloc((size_t)len, sizeof(int));
    for (int k = 0; k < d->max_in; k++) {
        in[k] = malloc(sizeof(float) * 8 * (size_t)len);
        rate[k] = k == 0 && audio ? LT_RATE_AUDIO : LT_RATE_CONST;
        for (int j = 0; j < 8; j++)
            for (int t = 0; t < len; t++) in[k][j * len + t] = k == 0 ? g[t] : vals[k];
    }
    for (int t = 1; t < len; t++)
        if (g[t] != g[t - 1]) trig[t] = g[t] > 0 ? 0xff : 0x100;   /* calls split at every gate edge */
    if (g[0] > 0) trig[0] = 0xff;
    vh h;
    vh_init(&h, d, lt_isa(), SR, opt, data, ndata);
    vh_render(&h, (const float *const *)in, rate, out, len, 32, trig);
    if (busy_end) *busy_end = h.busy;
    vh_free(&h);
    for (int k = 0; k < d->max_in; k++) free(in[k]);
    free(trig);
    return out[0];
}

static float *gate(int len, int on, int off)
{
    float *g = calloc((size_t)len, sizeof(float));
    for (int t = on; t < off && t < len; t++) g[t] = 1;
    return g;
}

int main(void)
{
    printf("kernels: %s\n", lt_isa_name(lt_isa_select(NULL)));
    const int len = 48000;

    /* ---- ADSR timing to the frame, both gate rates, both curves ---- */
    for (int audio = 0; audio < 2; audio++)
        for (int opt = 0; opt < 2; opt++) {
            const float v[5] = { 0, 0.010f, 0.100f, 0.7f, 0.200f };
            const int on = 1000, off = 20000, A = 480, D = 4800, R = 9600;
            float *g = gate(len, on, off);
            int busy;
            float *e = env_run(&lt_vop_adsr, opt, v, g, len, audio, NULL, 0, &busy);
            int ok = e[on] == 0.0f && e[on + A] == 1.0f && e[on + A + D] == 0.7f && e[off - 1] == 0.7f &&
                     e[off + R] == 0.0f && e[len - 1] == 0.0f && e[on + A - 1] < 1.0f && e[off + R - 1] > 0.0f;
            printf("adsr %s, gate %s: %.6f at the gate, %.6f at +a, %.6f at +a+d, %.6f at release + r; half the attack "
                   "%.4f\n", opt ? "exp" : "linear", audio ? "audio-rate" : "constant per call", e[on], e[on + A],
                   e[on + A + D], e[off + R], e[on + A / 2]);
            CHECK(ok, "adsr (%s, %s gate) hits 1.0, the sustain level and 0 exactly on their frames",
                  opt ? "exp" : "linear", audio ? "audio-rate" : "constant");
            CHECK(busy == 0, "adsr is no longer busy once released (busy mask 0x%x)", busy);
            if (opt) CHECK(e[on + A / 2] > 0.8f, "the exp attack starts fast (%.3f at half the attack)", e[on + A / 2]);
            else CHECK(fabsf(e[on + A / 2] - 0.5f) < 1e-6f, "the linear attack is at half at half the attack (%.6f)",
                       e[on + A / 2]);
            free(e);
            free(g);
        }

    /* ---- busy while sounding ---- */
    {
        const float v[5] = { 0, 0.01f, 0.1f, 0.7f, 0.2f };
        float *g = gate(len, 100, 1000);
        int busy;
        float *e = env_run(&lt_vop_adsr, 0, v, g, 2000, 0, NULL, 0, &busy);
        CHECK(busy == 0xff, "adsr is busy while releasing (mask 0x%x)", busy);
        free(e);
        free(g);
    }

    /* ---- retrigger from the current level, no click ---- */
    {
        const float v[5] = { 0, 0.050f, 0.100f, 0.5f, 0.300f };
        float *g = gate(len, 100, 10000);
        for (int t = 10000; t < 30000; t++) g[t] = t >= 12000;      /* off at 10000, on again at 12000 */
        float *e = env_run(&lt_vop_adsr, 0, v, g, len, 0, NULL, 0, NULL);
        double step = vh_max_step(e, len), ramp = 1.0 / (0.05 * SR);
        printf("adsr retriggered during its release at %.4f: largest step %.6f (an attack step is %.6f)\n", e[12000],
               step, ramp);
        CHECK(step <= ramp * 1.01, "retrigger starts from the current level (largest step %.6f)", step);
        CHECK(e[12000 + 2400] == 1.0f, "the retriggered attack reaches 1.0 exactly a later (%.6f)", e[12000 + 2400]);
        free(e);
        free(g);
    }

    /* ---- ar: rises, holds 1, falls ---- */
    {
        const float v[3] = { 0, 0.002f, 0.5f };
        float *g = gate(len, 10, 5000);
        float *e = env_run(&lt_vop_ar, 0, v, g, len, 0, NULL, 0, NULL);
        CHECK(e[10 + 96] == 1.0f && e[4999] == 1.0f && e[5000 + 24000] == 0.0f && fabsf(e[5000 + 12000] - 0.5f) < 1e-5f,
              "ar: 1.0 at +a, held while the gate is on, 0.5 half way through r, 0 at +r");
        free(e);
        free(g);
    }

    /* ---- env: one-shot and with a sustain level ---- */
    {
        const float v[16] = { 0, 0, 1, 0.3f, 0, 0, 0, 0, 0, 0.01f, 0.1f, 0.2f };
        float *g = gate(len, 100, 300);                              /* a short gate: the one-shot ignores it */
        int busy;
        float *e = env_run(&lt_vop_env, 3, v, g, len, 0, NULL, 0, &busy);
        CHECK(e[100] == 0 && e[100 + 480] == 1.0f && e[100 + 480 + 4800] == 0.3f && e[100 + 480 + 4800 + 9600] == 0.0f
              && busy == 0, "env one-shot {0, 1, 0.3, 0} in {10, 100, 200} ms hits each level on its frame and ends");
        free(e);
        free(g);
        const float data[4] = { 2, -4, 0, 3 };                       /* hold on level 2 (0.3); curves */
        g = gate(len, 100, 20000);
        e = env_run(&lt_vop_env, 3, v, g, len, 0, data, 4, &busy);
        CHECK(e[100 + 480] == 1.0f && e[100 + 5280] == 0.3f && e[19999] == 0.3f && e[20000 + 9600] == 0.0f && busy == 0,
              "env with sustain level 2 holds 0.3 until the gate closes, then falls to 0 in time 3");
        CHECK(e[100 + 240] > 0.8f, "env curve -4 starts fast (%.3f half way through segment 1)", e[100 + 240]);
        free(e);
        free(g);
    }

    /* ---- lfo ---- */
    {
        const float r[1] = { 2.0f };
        for (int sh = 0; sh < 6; sh++) {
            float *o = vh_run1(&lt_vop_lfo, sh, NULL, 0, SR, 4 * SR, r, NULL, 0, NULL);
            double lo = 1e9, hi = -1e9;
            int changes = 0;
            for (int t = 0; t < 4 * SR; t++) {
                lo = fmin(lo, o[t]);
                hi = fmax(hi, o[t]);
                if (t && o[t] != o[t - 1]) changes++;
            }
            double hz = vh_zero_crossing_hz(o, 4 * SR, SR);
            printf("lfo %-6s 2 Hz: range %.3f..%.3f, %s %.4f\n", lt_vop_lfo.options[sh], lo, hi,
                   sh < 4 ? "rate (Hz)" : "max step", sh < 4 ? hz : vh_max_step(o, 4 * SR));
            CHECK(lo >= -1.000001 && hi <= 1.000001 && hi - lo > (sh >= 4 ? 0.5 : 1.99), "lfo %s stays in -1..1 and swings (%.3f..%.3f)",
                  lt_vop_lfo.options[sh], lo, hi);
            if (sh < 4) CHECK(fabs(hz - 2) < 0.01, "lfo %s runs at 2 Hz (%.4f)", lt_vop_lfo.options[sh], hz);
            if (sh == 4) CHECK(changes == 7, "random holds one value per cycle: %d changes in 4 s at 2 Hz (wraps at 0.5, 1, .. 3.5 s)", changes);
            if (sh == 5) CHECK(vh_max_step(o, 4 * SR) < 1e-3, "smooth random glides (largest step %.5f)",
                               vh_max_step(o, 4 * SR));
            if (sh == 0) CHECK(o[0] == 0.0f && o[1] > 0, "the sine lfo starts at 0 rising with its voice");
            free(o);
        }
    }

    /* ---- slew: 60 dB in up_s rising, down_s falling ---- */
    {
        float *x = malloc(sizeof(float) * len);
        for (int t = 0; t < len; t++) x[t] = t < 24000 ? 1.0f : 0.0f;
        float *sig[LT_VOP_MAX_IN] = { x };
        const float v[3] = { 0, 0.1f, 0.2f };
        float *y = vh_run1(&lt_vop_slew, 0, NULL, 0, SR, len, v, sig, 0, NULL);
        int up = 0, down = 0;
        while (up < 24000 && y[up] < 0.999f) up++;
        while (24000 + down < len && y[24000 + down] > y[23999] * 0.001f) down++;
        printf("slew 0.1 s up, 0.2 s down: within 60 dB after %.4f s up, %.4f s down\n", up / (double)SR, down / (double)SR);
        CHECK(abs(up - 4800) <= 2 && abs(down - 9600) <= 2, "slew reaches 60 dB in up_s and down_s (%d, %d frames)", up, down);
        free(y);
        free(x);
    }

    /* ---- sah ---- */
    {
        float *x = malloc(sizeof(float) * 1000), *tr = malloc(sizeof(float) * 1000);
        for (int t = 0; t < 1000; t++) { x[t] = (float)t; tr[t] = (t % 100) < 50 ? 1.0f : -1.0f; }
        float *sig[LT_VOP_MAX_IN] = { x, tr };
        float *y = vh_run1(&lt_vop_sah, 0, NULL, 0, SR, 1000, NULL, sig, 0, NULL);
        CHECK(y[0] == 0 && y[99] == 0 && y[100] == 100 && y[199] == 100 && y[250] == 200,
              "sah takes x when the trigger rises and holds it (%g %g %g)", y[99], y[100], y[250]);
        free(y); free(x); free(tr);
    }
    return check_done("test_vop_env");
}
