/* adsr.c — linear attack/decay/sustain/release envelope timed to the frame.
 *
 * Each ramp is a segment of `length` frames from `start`; frame j of it (j = 0 .. length-1) is
 * start + step*j, computed from j rather than accumulated so that 10 s of attack does not drift, and
 * the frame after the last is the segment's end value exactly (the next segment's start, or the
 * sustain level, or 0).  So with attack A the output is exactly 1.0 at frame round(A*sr) after the
 * gate opens, exactly the sustain level at round((A+D)*sr), and exactly 0 round(R*sr) frames after
 * the gate closes.  A zero-length segment is skipped within the same frame.  A gate-on while sounding
 * starts the attack from the level the next frame would have had, so a retrigger never clicks. */
#include <math.h>
#include "adsr.h"

static int frames(const lt_adsr *e, float seconds)
{
    double f = (double)seconds * e->sr;
    if (!(f > 0.0)) return 0;
    return f < 1e9 ? (int)lround(f) : 1000000000;
}

static void segment(lt_adsr *e, int stage, float from, float to, float seconds)
{
    int len = frames(e, seconds);
    e->stage = stage;
    e->start = from;
    e->length = e->remaining = len;
    e->step = len > 0 ? (to - from) / (float)len : 0.0f;
}

/* The level the next frame will have if nothing changes the gate before it. */
static float current(const lt_adsr *e)
{
    switch (e->stage) {
    case LT_ADSR_IDLE:    return 0.0f;
    case LT_ADSR_SUSTAIN: return e->sustain;
    default:
        if (e->remaining > 0) return e->start + e->step * (float)(e->length - e->remaining);
        return e->stage == LT_ADSR_ATTACK ? 1.0f : e->stage == LT_ADSR_DECAY ? e->sustain : 0.0f;
    }
}

void lt_adsr_init(lt_adsr *e, float sr)
{
    e->sr = sr > 0 ? sr : 48000.0f;
    lt_adsr_set(e, 0.005f, 0.1f, 0.7f, 0.2f);
    lt_adsr_reset(e);
}

/* New times apply from the next segment on; a new sustain level applies at once while sustaining. */
void lt_adsr_set(lt_adsr *e, float attack, float decay, float sustain, float release)
{
    e->attack = attack > 0 ? attack : 0.0f;    /* negative and NaN times are 0 */
    e->decay = decay > 0 ? decay : 0.0f;
    e->release = release > 0 ? release : 0.0f;
    e->sustain = sustain > 0 ? (sustain < 1 ? sustain : 1.0f) : 0.0f;
}

void lt_adsr_reset(lt_adsr *e)
{
    e->stage = LT_ADSR_IDLE;
    e->level = 0.0f;
    e->start = 0.0f;
    e->step = 0.0f;
    e->length = e->remaining = 0;
}

void lt_adsr_gate(lt_adsr *e, int on)
{
    float from = current(e);
    if (on)
        segment(e, LT_ADSR_ATTACK, from, 1.0f, e->attack);
    else if (e->stage != LT_ADSR_IDLE && e->stage != LT_ADSR_RELEASE)
        segment(e, LT_ADSR_RELEASE, from, 0.0f, e->release);
}

void lt_adsr_process(lt_adsr *e, float *out, int n)
{
    int i = 0;
    while (i < n) {
        if (e->stage == LT_ADSR_IDLE || e->stage == LT_ADSR_SUSTAIN) {
            float v = e->stage == LT_ADSR_IDLE ? 0.0f : e->sustain;
            for (; i < n; i++) out[i] = v;
        } else if (e->remaining == 0) {         /* segment done: its end value starts the next */
            if (e->stage == LT_ADSR_ATTACK)
                segment(e, LT_ADSR_DECAY, 1.0f, e->sustain, e->decay);
            else if (e->stage == LT_ADSR_DECAY)
                e->stage = LT_ADSR_SUSTAIN;
            else
                e->stage = LT_ADSR_IDLE;
        } else {
            const float start = e->start, step = e->step;
            int j = e->length - e->remaining;
            int run = n - i < e->remaining ? n - i : e->remaining;
            int end = i + run;
            for (; i < end; i++, j++) out[i] = start + step * (float)j;
            e->remaining -= run;
        }
    }
    if (n > 0) e->level = out[n - 1];
}

int lt_adsr_idle(const lt_adsr *e)
{
    return e->stage == LT_ADSR_IDLE;
}
