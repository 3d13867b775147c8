/* test_adsr.c — the envelope's timing to the frame: full level exactly round(A*sr) frames after the
 * gate opens, sustain exactly round((A+D)*sr), silence exactly round(R*sr) frames after it closes;
 * a retrigger continues from the current level (no click); zero-length segments; the same samples
 * whatever the block size. */
#include <math.h>
#include <string.h>
#include "check.h"
#include "dsp/adsr.h"

#define SR 48000.0f
#define LEN 20000

static float buf[LEN], ref[LEN];

/* Renders LEN frames in blocks of `block`, splitting a block where a gate event falls, as the engine
 * does: gate on at frame `on1` and `on2`, off at `off1` (-1: never). */
static void script(lt_adsr *e, float *out, int block, int on1, int off1, int on2)
{
    int i = 0;
    while (i < LEN) {
        int end = i + block < LEN ? i + block : LEN;
        int ev[3], k;
        ev[0] = on1, ev[1] = off1, ev[2] = on2;
        for (k = 0; k < 3; k++) if (ev[k] > i && ev[k] < end) end = ev[k];
        if (i == on1 || i == on2) lt_adsr_gate(e, 1);
        if (i == off1) lt_adsr_gate(e, 0);
        lt_adsr_process(e, out + i, end - i);
        i = end;
    }
}

int main(void)
{
    static const float attacks[] = { 0.01f, 0.0123f, 0.005f, 0.3f };
    unsigned t;
    int i;

    /* timing of each segment to the frame */
    for (t = 0; t < sizeof attacks / sizeof *attacks; t++) {
        lt_adsr e;
        float A = attacks[t], D = 0.0271f, S = 0.4f, R = 0.0555f;
        int na = (int)lround(A * (double)SR), nd = (int)lround((A + D) * (double)SR) - na;
        int off = na + nd + 500, nr = (int)lround(R * (double)SR), mono = 1;
        lt_adsr_init(&e, SR);
        lt_adsr_set(&e, A, D, S, R);
        script(&e, buf, 64, 0, off, -1);
        CHECK(buf[0] == 0.0f && buf[na - 1] < 1.0f && buf[na] == 1.0f,
              "A=%g: starts at %g, %g one frame early, %g at frame %d (want exactly 1)", A, buf[0],
              buf[na - 1], buf[na], na);
        for (i = 1; i <= na; i++) mono &= buf[i] > buf[i - 1];
        CHECK(mono, "A=%g: the attack rises every frame", A);
        CHECK(fabsf(buf[na / 2] - (float)(na / 2) / na) < 1e-6f, "A=%g: attack is linear (%g at half)",
              A, buf[na / 2]);
        CHECK(buf[na + nd - 1] > S && buf[na + nd] == S && buf[off - 1] == S,
              "A=%g: decay reaches sustain %g exactly at frame %d (%g) and holds it", A, S, na + nd,
              buf[na + nd]);
        CHECK(buf[off] == S && buf[off + nr - 1] > 0 && buf[off + nr] == 0.0f,
              "release from %g reaches 0 exactly %d frames after gate-off (%g one frame early)",
              buf[off], nr, buf[off + nr - 1]);
        CHECK(lt_adsr_idle(&e) && buf[LEN - 1] == 0.0f, "idle after release");
    }

    /* a 10 s attack does not drift: frame j is j/N of the way, and lands on 1.0 exactly */
    {
        static float longbuf[480001];
        lt_adsr e;
        float worst = 0;
        lt_adsr_init(&e, SR);
        lt_adsr_set(&e, 10.0f, 0.1f, 0.5f, 0.1f);
        lt_adsr_gate(&e, 1);
        for (i = 0; i < 480001; i += 32) lt_adsr_process(&e, longbuf + i, 480001 - i < 32 ? 480001 - i : 32);
        for (i = 0; i < 480000; i++) worst = fmaxf(worst, fabsf(longbuf[i] - (float)i / 480000.0f));
        CHECK(worst < 1e-6f && longbuf[480000] == 1.0f, "10 s attack: worst error %.2g, end %g", worst,
              longbuf[480000]);
    }

    /* retrigger: a gate-on while releasing, or while still attacking, continues from the level the
     * next frame would have had, and reaches 1.0 exactly round(A*sr) frames later */
    {
        static const int at[] = { 3000, 200 };       /* mid-release, mid-attack */
        unsigned k;
        for (k = 0; k < 2; k++) {
            lt_adsr e;
            int on2 = at[k], off = k == 0 ? 2000 : -1;
            float jump = 0;
            lt_adsr_init(&e, SR);
            lt_adsr_set(&e, 0.01f, 0.01f, 0.6f, 0.1f);
            script(&e, buf, 32, 0, off, on2);
            for (i = 1; i < LEN; i++) jump = fmaxf(jump, fabsf(buf[i] - buf[i - 1]));
            CHECK(buf[on2] > 0.0f && fabsf(buf[on2] - buf[on2 - 1]) < 3e-3f,
                  "retrigger at frame %d starts from %g (previous frame %g)", on2, buf[on2],
                  buf[on2 - 1]);
            CHECK(buf[on2 + 479] < 1.0f && buf[on2 + 480] == 1.0f, "retrigger reaches 1 at +480 frames");
            CHECK(jump <= 1.0f / 480 + 1e-6f, "no frame-to-frame step larger than the attack's (%g)", jump);
        }
    }

    /* zero-length segments happen within the frame */
    {
        lt_adsr e;
        lt_adsr_init(&e, SR);
        lt_adsr_set(&e, 0.0f, 0.01f, 0.5f, 0.0f);
        script(&e, buf, 32, 0, 1000, -1);
        CHECK(buf[0] == 1.0f && buf[480] == 0.5f, "A=0: full level at frame 0 (%g)", buf[0]);
        CHECK(buf[999] == 0.5f && buf[1000] == 0.0f && lt_adsr_idle(&e), "R=0: silent at gate-off");
        lt_adsr_set(&e, 0.0f, 0.0f, 0.3f, 0.0f);
        lt_adsr_reset(&e);
        script(&e, buf, 32, 0, -1, -1);
        CHECK(buf[0] == 0.3f && buf[LEN - 1] == 0.3f, "A=D=0: sustain %g at frame 0", buf[0]);
        lt_adsr_set(&e, -1.0f, NAN, 2.0f, -3.0f);
        CHECK(e.attack == 0 && e.decay == 0 && e.sustain == 1.0f && e.release == 0,
              "negative/NaN times become 0, sustain clamps to 1");
    }

    /* block-size invariance, with events falling inside blocks */
    {
        static const int blocks[] = { 1, 7, 32, 256 };
        unsigned b;
        lt_adsr e;
        lt_adsr_init(&e, SR);
        lt_adsr_set(&e, 0.0133f, 0.0211f, 0.55f, 0.0777f);
        script(&e, ref, LEN, 5, 2345, 6789);
        for (b = 0; b < sizeof blocks / sizeof *blocks; b++) {
            lt_adsr_reset(&e);
            script(&e, buf, blocks[b], 5, 2345, 6789);
            CHECK(memcmp(ref, buf, sizeof ref) == 0, "blocks of %d give the same samples", blocks[b]);
        }
    }

    /* gate-off while idle does nothing; a new sustain level applies while sustaining */
    {
        lt_adsr e;
        lt_adsr_init(&e, SR);
        lt_adsr_gate(&e, 0);
        lt_adsr_process(&e, buf, 10);
        CHECK(lt_adsr_idle(&e) && buf[9] == 0.0f, "gate-off while idle stays idle");
        lt_adsr_set(&e, 0.001f, 0.001f, 0.5f, 0.1f);
        lt_adsr_gate(&e, 1);
        lt_adsr_process(&e, buf, 1000);
        lt_adsr_set(&e, 0.001f, 0.001f, 0.8f, 0.1f);
        lt_adsr_process(&e, buf, 10);
        CHECK(buf[0] == 0.8f, "sustain changed to 0.8 while held: %g", buf[0]);
    }
    return check_done("adsr");
}
