/* synth.c — lute's first instrument, a polyphonic subtractive synth: per voice a PolyBLEP saw or
 * square (dsp/osc.c) through a resonant TPT low-pass (dsp/svf.c), shaped by a linear ADSR
 * (dsp/adsr.c) that also opens the filter by `fenv` octaves at full level and full velocity.
 *
 * Voices live in one caller-provided block (lt_synth_size); after lt_synth_init nothing allocates,
 * so everything below except size/init runs on the audio thread.  Control values (filter cutoff and
 * q, the voice's pitch) are updated once per quantum of LT_SYNTH_QUANTUM frames, like a control-rate
 * input: a longer call is cut into quanta so that calling with 256 frames or eight times 32 frames
 * gives the same samples.  Level: one voice at velocity 1 peaks about 0.25 (LEVEL below, with the
 * resonance compensated), so a chord of four does not clip; docs/synth.md has measured figures. */
#include <math.h>
#include <string.h>
#include "synth.h"

#define LT_SYNTH_QUANTUM 32
#define LEVEL 0.25f          /* output of one voice at velocity 1, envelope 1, before the filter */

/* Resonance rings on every edge of the saw: without compensation a voice at res 1 peaks three times
 * higher than at res 0.  Dividing by 1 + 2 res (fitted to measured peaks over cutoffs 300 .. 5000 Hz)
 * keeps one voice at velocity 1 near 0.25 for any res, so turning up the resonance does not clip. */
static float voice_gain(const lt_synth *s, float vel)
{
    return vel * LEVEL / (1.0f + 2.0f * s->p.res);
}

void lt_synth_default_params(lt_synth_params *p)
{
    p->wave = 0.0f;
    p->cutoff = 1200.0f;
    p->res = 0.2f;
    p->fenv = 3.0f;
    p->attack = 0.005f;
    p->decay = 0.3f;
    p->sustain = 0.6f;
    p->release = 0.25f;
    p->detune = 0.0f;
}

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

size_t lt_synth_size(int nvoices)
{
    if (nvoices < 1) return 0;
    return round16(sizeof(lt_synth)) + round16((size_t)nvoices * sizeof(lt_voice))
         + 2 * LT_SYNTH_MAX_BLOCK * sizeof(float);
}

static void voice_clear(lt_voice *v)
{
    v->note = -1.0f;
    v->vel = 0.0f;
    v->held = 0;
    v->gain = 0.0f;
    lt_osc_reset(&v->osc, 0.0);
    lt_svf_reset(&v->svf);
    lt_adsr_reset(&v->env);
}

/* `mem` must hold lt_synth_size(nvoices) bytes aligned as malloc aligns; returns NULL when it is
 * missing or nvoices < 1.  Thread: control.  RT-safe: yes (but meant to run before hand-over). */
lt_synth *lt_synth_init(void *mem, int nvoices, float sr)
{
    lt_synth *s = mem;
    unsigned char *base = mem;
    int i;
    if (!mem || nvoices < 1) return NULL;
    memset(mem, 0, lt_synth_size(nvoices));
    s->sr = sr > 0 ? sr : 48000.0f;
    s->nvoices = nvoices;
    s->counter = 0;
    s->voices = (lt_voice *)(base + round16(sizeof(lt_synth)));
    s->scratch = (float *)(base + round16(sizeof(lt_synth))
                           + round16((size_t)nvoices * sizeof(lt_voice)));
    for (i = 0; i < nvoices; i++) {
        lt_voice *v = &s->voices[i];
        lt_osc_init(&v->osc, s->sr);
        lt_svf_init(&v->svf, s->sr);
        lt_adsr_init(&v->env, s->sr);
        voice_clear(v);
    }
    lt_synth_default_params(&s->p);
    lt_synth_set(s, &s->p);
    return s;
}

static float clampf(float x, float lo, float hi, float dflt)
{
    if (x != x) return dflt;
    return x < lo ? lo : x > hi ? hi : x;
}

/* Out-of-range values are clamped (NaN becomes the default): the audio thread cannot report errors,
 * so the bindings that fill lt_synth_params are where bad values get named.  Envelope times apply
 * to each voice's next segment, the rest at the next process call.  Thread: audio.  RT-safe: yes. */
void lt_synth_set(lt_synth *s, const lt_synth_params *p)
{
    lt_synth_params q = *p;
    int i;
    q.wave = q.wave >= 0.5f ? 1.0f : 0.0f;
    q.cutoff = clampf(q.cutoff, 10.0f, 0.49f * s->sr, 1200.0f);
    q.res = clampf(q.res, 0.0f, 1.0f, 0.2f);
    q.fenv = clampf(q.fenv, -10.0f, 10.0f, 0.0f);
    q.detune = clampf(q.detune, -1200.0f, 1200.0f, 0.0f);
    s->p = q;
    for (i = 0; i < s->nvoices; i++)
        lt_adsr_set(&s->voices[i].env, q.attack, q.decay, q.sustain, q.release);
    /* read back what adsr_set made of the times (negative and NaN become 0) */
    s->p.attack = s->voices[0].env.attack;
    s->p.decay = s->voices[0].env.decay;
    s->p.sustain = s->voices[0].env.sustain;
    s->p.release = s->voices[0].env.release;
}

/* A free voice if there is one, else the oldest released one, else the oldest held one. */
static int pick_voice(const lt_synth *s)
{
    int i, released = -1, held = -1;
    for (i = 0; i < s->nvoices; i++) {
        const lt_voice *v = &s->voices[i];
        if (v->note < 0) return i;
        if (!v->held) {
            if (released < 0 || v->age < s->voices[released].age) released = i;
        } else if (held < 0 || v->age < s->voices[held].age) {
            held = i;
        }
    }
    return released >= 0 ? released : held;
}

/* Starts `note` (MIDI number, fractional allowed) at velocity `vel` (clamped to 1).  A velocity of
 * 0 or less is a note-off, as in MIDI, and returns -1; so does a NaN note.  A stolen voice keeps its
 * phase, filter memory and envelope level, and ramps its gain over one quantum: no click.
 * Thread: audio.  RT-safe: yes. */
int lt_synth_note_on(lt_synth *s, float note, float vel)
{
    int i;
    lt_voice *v;
    if (note != note) return -1;
    if (!(vel > 0.0f)) {
        lt_synth_note_off(s, note);
        return -1;
    }
    if (vel > 1.0f) vel = 1.0f;
    i = pick_voice(s);
    v = &s->voices[i];
    if (v->note < 0) {                      /* a free voice starts from silence, deterministically */
        voice_clear(v);
        v->gain = voice_gain(s, vel);
    }
    v->note = note;
    v->vel = vel;
    v->held = 1;
    v->age = ++s->counter;
    lt_adsr_gate(&v->env, 1);
    return i;
}

/* Releases the oldest held voice playing exactly `note`; nothing if none.  Thread: audio. */
void lt_synth_note_off(lt_synth *s, float note)
{
    int i, oldest = -1;
    for (i = 0; i < s->nvoices; i++) {
        const lt_voice *v = &s->voices[i];
        if (v->held && v->note == note && (oldest < 0 || v->age < s->voices[oldest].age))
            oldest = i;
    }
    if (oldest >= 0) {
        s->voices[oldest].held = 0;
        lt_adsr_gate(&s->voices[oldest].env, 0);
    }
}

void lt_synth_release_all(lt_synth *s)
{
    int i;
    for (i = 0; i < s->nvoices; i++) {
        lt_voice *v = &s->voices[i];
        if (v->held) {
            v->held = 0;
            lt_adsr_gate(&v->env, 0);
        }
    }
}

void lt_synth_kill_all(lt_synth *s)
{
    int i;
    for (i = 0; i < s->nvoices; i++) voice_clear(&s->voices[i]);
}

/* Filters, applies envelope and gain to, and mixes into out the `cnt` (1..4) voices whose
 * oscillator output is in a[j*Q..] and envelope in e[j*Q..]; the four filters run interleaved. */
static void mix_group(lt_synth *s, lt_voice *const *v, int cnt, float *a, const float *e,
                      float *out, int m)
{
    lt_svf spare[4], *f[4];
    int i, j;
    for (j = 0; j < 4; j++) {
        if (j < cnt) {
            f[j] = &v[j]->svf;
        } else {                                /* an unused lane: a silent filter of its own */
            memset(&spare[j], 0, sizeof spare[j]);
            f[j] = &spare[j];
        }
    }
    lt_svf_lowpass4(f, a, LT_SYNTH_QUANTUM, m);
    for (j = 0; j < cnt; j++) {
        const float *x = a + j * LT_SYNTH_QUANTUM, *env = e + j * LT_SYNTH_QUANTUM;
        float g0 = v[j]->gain, g1 = voice_gain(s, v[j]->vel), dg = (g1 - g0) / (float)m;
        for (i = 0; i < m; i++) out[i] += x[i] * env[i] * (g0 + dg * (float)(i + 1));
        v[j]->gain = g1;
        if (lt_adsr_idle(&v[j]->env)) v[j]->note = -1.0f, v[j]->held = 0;
    }
}

/* One quantum (m <= LT_SYNTH_QUANTUM frames) of every sounding voice, added into out: per voice the
 * envelope, the control values (pitch, cutoff) and the oscillator, then filters four at a time. */
static void quantum(lt_synth *s, float *out, int m)
{
    float *a = s->scratch, *e = s->scratch + 4 * LT_SYNTH_QUANTUM;
    const lt_osc_shape shape = s->p.wave >= 0.5f ? LT_OSC_SQUARE : LT_OSC_SAW;
    const float cutoff = s->p.cutoff, fenv = s->p.fenv;
    const float q = 0.7071f * exp2f(5.0f * s->p.res);          /* 32^res */
    const float transpose = s->p.detune * 0.01f - 69.0f;
    lt_voice *group[4];
    int k, cnt = 0;
    for (k = 0; k < s->nvoices; k++) {
        lt_voice *v = &s->voices[k];
        float *x = a + cnt * LT_SYNTH_QUANTUM, *env = e + cnt * LT_SYNTH_QUANTUM;
        if (v->note < 0) continue;
        lt_adsr_process(&v->env, env, m);
        /* the filter follows the envelope at the middle of the quantum: half the error of its start */
        lt_svf_set(&v->svf, cutoff * exp2f(fenv * v->vel * env[m >> 1]), q);
        lt_osc_process(&v->osc, shape, 440.0f * exp2f((v->note + transpose) * (1.0f / 12.0f)), x, m);
        group[cnt++] = v;
        if (cnt == 4) {
            mix_group(s, group, cnt, a, e, out, m);
            cnt = 0;
        }
    }
    if (cnt) mix_group(s, group, cnt, a, e, out, m);
}

void lt_synth_process(lt_synth *s, float *out, int n)
{
    int off;
    if (n <= 0) return;
    memset(out, 0, (size_t)n * sizeof *out);
    for (off = 0; off < n; off += LT_SYNTH_QUANTUM)
        quantum(s, out + off, n - off < LT_SYNTH_QUANTUM ? n - off : LT_SYNTH_QUANTUM);
}

int lt_synth_active(const lt_synth *s)
{
    int i, count = 0;
    for (i = 0; i < s->nvoices; i++) count += s->voices[i].note >= 0;
    return count;
}
