/* test_tempo.c — beats to seconds and frames through the tempo map: constant tempo, a step change,
 * a linear ramp against its closed form and against numeric integration, and the inverse. */
#include "check.h"
#include "tempo.h"
#include <math.h>

int main(void) {
    lt_tempo t;
    CHECK(lt_tempo_init(&t, 48000, 120) == LT_TEMPO_OK, "init");
    CHECK(lt_tempo_frame(&t, 1) == 24000, "120 bpm: beat 1 at frame 24000, got %lld", (long long)lt_tempo_frame(&t, 1));
    CHECK(lt_tempo_frame(&t, 4.0 / 3) == 32000, "triplet: beat 4/3 at frame 32000");
    CHECK(lt_tempo_init(&t, 48000, 0) == LT_TEMPO_EBPM, "0 bpm is refused");
    CHECK(lt_tempo_init(&t, 48000, NAN) == LT_TEMPO_EBPM, "NaN bpm is refused");

    lt_tempo_init(&t, 48000, 120);
    CHECK(lt_tempo_set(&t, 8, 60) == LT_TEMPO_OK, "step change at beat 8");
    CHECK(lt_tempo_frame(&t, 8) == 192000, "beat 8 still at 4 s");
    CHECK(lt_tempo_frame(&t, 9) == 240000, "after the change a beat lasts 1 s: %lld", (long long)lt_tempo_frame(&t, 9));
    CHECK(fabs(lt_tempo_beat_at(&t, 5.0) - 9.0) < 1e-9, "inverse across the change: %.9f", lt_tempo_beat_at(&t, 5.0));
    CHECK(lt_tempo_bpm_at(&t, 7.99) == 120 && lt_tempo_bpm_at(&t, 8) == 60, "bpm before and at the change");

    /* a ramp from 120 to 180 bpm over 16 beats, from beat 4 */
    lt_tempo_init(&t, 48000, 120);
    CHECK(lt_tempo_ramp(&t, 4, 180, 16) == LT_TEMPO_OK, "ramp");
    double num = 2.0;   /* numeric integral of 60/bpm over the ramp, by Simpson's rule */
    int n = 100000;
    double h = 16.0 / n, sum = 0;
    for (int i = 0; i <= n; i++) {
        double x = i * h, f = 60.0 / (120 + 60 * x / 16);
        sum += (i == 0 || i == n) ? f : (i % 2 ? 4 * f : 2 * f);
    }
    num += sum * h / 3;
    double got = lt_tempo_seconds(&t, 20);
    CHECK(fabs(got - num) < 1e-9, "ramp end at %.9f s, numeric integral %.9f s", got, num);
    CHECK(fabs(lt_tempo_bpm_at(&t, 12) - 150) < 1e-9, "halfway through the ramp: 150 bpm");
    CHECK(fabs(lt_tempo_seconds(&t, 21) - got - 60.0 / 180) < 1e-9, "after the ramp, 180 bpm holds");
    int inv_ok = 1;
    for (double b = 0; b < 30; b += 0.37) inv_ok &= fabs(lt_tempo_beat_at(&t, lt_tempo_seconds(&t, b)) - b) < 1e-9;
    CHECK(inv_ok, "beat -> seconds -> beat round-trips within 1e-9 beat everywhere");
    int mono = 1;
    for (double b = 0; b < 30; b += 0.01) mono &= lt_tempo_frame(&t, b + 0.01) >= lt_tempo_frame(&t, b);
    CHECK(mono, "frames never go backwards");
    /* rewriting the future keeps the past */
    double before = lt_tempo_seconds(&t, 2);
    lt_tempo_set(&t, 2, 90);   /* before the ramp at beat 4: the ramp is dropped, the past is kept */
    CHECK(t.n == 2 && lt_tempo_seconds(&t, 2) == before, "a change at beat 2 drops the later ramp: %d segments", t.n);
    CHECK(fabs(lt_tempo_seconds(&t, 10) - before - 8 * 60.0 / 90) < 1e-12, "and 90 bpm holds after it");
    CHECK(lt_tempo_set(&t, -1, 90) == LT_TEMPO_EBEAT, "negative beat refused");
    return check_done("test_tempo");
}
