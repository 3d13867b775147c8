/* test_engine.c — the engine's centre measured as a listener would hear it: notes on their frame
 * at every block size and the same bits whatever the block size; tracks independent of each other;
 * handles that drop commands for a track that is gone; a changed number in a patch glides on the
 * sounding voice, a changed structure lets it finish on the old program; an effect inserted before
 * a delay keeps the delay's tail; a removed track rings out and is handed back; one evaluation is
 * one transaction; the flywheel repeats the last bar when the scheduler stalls; the speaker guard
 * holds the ceiling; the output guard silences a track that made NaN; both instruction sets give
 * the same bits; 500 tracks in one commit; nothing allocates or page-faults while rendering, nor while
 * the audio thread swaps in a plan of 1000 new nodes; the voice pool steals
 * the oldest voice, glides legato in mono and hands a note-off's velocity to the voice.
 *
 * The voice ops and effects here are the test's own, small and exact, so what is measured is the
 * engine and not a unit. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "check.h"
#include "engine.h"
#include "graph/mix.h"

#include "alloc_count.h"   /* counting, allocs, COUNT_ALLOCS */

#define SR 48000

/* ---- the test's voice ops ---------------------------------------------------------------------- */

/* tcos(freq): a cosine from phase 0 (the first sample of a voice is 1: onsets are exact). */
typedef struct { float ph[8]; } tcos_st;
static void tcos(lt_vop_call *c) {
    tcos_st *s = c->state;
    for (int j = 0; j < 8; j++) {
        float ph = s->ph[j];
        for (int i = 0; i < c->n; i++) {
            c->out[0][i * 8 + j] = cosf(6.2831853f * ph);
            ph += c->in[0][i * 8 + j] * c->inv_sr;
            if (ph >= 1.0f) ph -= 1.0f;
        }
        s->ph[j] = ph;
    }
}
/* tenv(gate): level 1 while the gate is on, then a 480-frame linear release. */
typedef struct { float level[8]; } tenv_st;
static void tenv(lt_vop_call *c) {
    tenv_st *s = c->state;
    for (int j = 0; j < 8; j++) {
        float lv = s->level[j];
        for (int i = 0; i < c->n; i++) {
            if (c->in[0][i * 8 + j] > 0) lv = 1.0f;
            else lv = lv > 1.0f / 480 ? lv - 1.0f / 480 : 0.0f;
            c->out[0][i * 8 + j] = lv;
        }
        s->level[j] = lv;
        if (lv > 0) c->busy |= 1 << j;
    }
}
static void tmul(lt_vop_call *c) {
    for (int i = 0; i < c->n * 8; i++) c->out[0][i] = c->in[0][i] * c->in[1][i];
}
static void tdiv(lt_vop_call *c) {   /* deliberately unguarded: x / 0 is the NaN the guard must catch */
    for (int i = 0; i < c->n * 8; i++) c->out[0][i] = c->in[0][i] / c->in[1][i];
}
static const char *const n_freq[] = { "freq" }, *const n_gate[] = { "gate" }, *const n_ab[] = { "a", "b" };
static const lt_vop_def d_tcos = { "tcos", "tcos(freq)", "", "", 1, 1, 1, n_freq, NULL, NULL, NULL, NULL, 32, 0, { tcos, tcos }, NULL, NULL };
static const lt_vop_def d_tenv = { "tenv", "tenv(gate)", "", "", 1, 1, 1, n_gate, NULL, NULL, NULL, NULL, 32, LT_VOP_ENV, { tenv, tenv }, NULL, NULL };
static const lt_vop_def d_tmul = { "tmul", "tmul(a, b)", "", "", 2, 2, 1, n_ab, NULL, NULL, NULL, NULL, 0, LT_VOP_PURE, { tmul, tmul }, NULL, NULL };
static const lt_vop_def d_tdiv = { "tdiv", "tdiv(a, b)", "", "", 2, 2, 1, n_ab, NULL, NULL, NULL, NULL, 0, LT_VOP_PURE, { tdiv, tdiv }, NULL, NULL };

/* tcos(freq) * tenv(gate) * vel * level: `level` is a constant, lifted into a parameter. */
static lt_program *voice(float level, int twice) {
    lt_op_desc ops[5] = {
        { &d_tcos, 0, 0, NULL, 1, { { LT_ARG_INPUT, 0, LT_IN_FREQ, 0 } } },
        { &d_tenv, 0, 0, NULL, 1, { { LT_ARG_INPUT, 0, LT_IN_GATE, 0 } } },
        { &d_tmul, 0, 0, NULL, 2, { { LT_ARG_OP, 0, 0, 0 }, { LT_ARG_OP, 0, 1, 0 } } },
        { &d_tmul, 0, 0, NULL, 2, { { LT_ARG_OP, 0, 2, 0 }, { LT_ARG_INPUT, 0, LT_IN_VEL, 0 } } },
        { &d_tmul, 0, 0, NULL, 2, { { LT_ARG_OP, 0, 3, 0 }, { LT_ARG_CONST, 0, 0, level } } },
    };
    lt_program_desc d = { 5, ops, 0, NULL, 1, { { LT_ARG_OP, 0, 4, 0 } } };
    if (twice) {   /* a different structure: one more multiply by the envelope */
        lt_op_desc ops2[6];
        memcpy(ops2, ops, sizeof ops);
        ops2[5] = (lt_op_desc){ &d_tmul, 0, 0, NULL, 2, { { LT_ARG_OP, 0, 4, 0 }, { LT_ARG_OP, 0, 1, 0 } } };
        lt_program_desc d2 = { 6, ops2, 0, NULL, 1, { { LT_ARG_OP, 0, 5, 0 } } };
        return lt_program_compile(&d2, NULL);
    }
    return lt_program_compile(&d, NULL);
}

static lt_program *nan_voice(void) {   /* tcos / 0 */
    lt_op_desc ops[2] = {
        { &d_tcos, 0, 0, NULL, 1, { { LT_ARG_INPUT, 0, LT_IN_FREQ, 0 } } },
        { &d_tdiv, 0, 0, NULL, 2, { { LT_ARG_OP, 0, 0, 0 }, { LT_ARG_CONST, 0, 0, 0.0f } } },
    };
    lt_program_desc d = { 2, ops, 0, NULL, 1, { { LT_ARG_OP, 0, 1, 0 } } };
    return lt_program_compile(&d, NULL);
}


/* in_times_env(input): a voice input as a level while the voice sounds (input * tenv(gate)), so the
 * output is a DC that says which voices sound and what they were given. */
static lt_program *dc_voice(int input) {
    lt_op_desc ops[2] = {
        { &d_tenv, 0, 0, NULL, 1, { { LT_ARG_INPUT, 0, LT_IN_GATE, 0 } } },
        { &d_tmul, 0, 0, NULL, 2, { { LT_ARG_OP, 0, 0, 0 }, { LT_ARG_INPUT, 0, input, 0 } } },
    };
    lt_program_desc d = { 2, ops, 0, NULL, 1, { { LT_ARG_OP, 0, 1, 0 } } };
    return lt_program_compile(&d, NULL);
}

/* ---- the test's effects ------------------------------------------------------------------------ */

/* techo: a 100 ms feedback delay (feedback 0.7): a note leaves a tail of echoes. */
#define ECHO 4800
typedef struct { float buf[2][ECHO]; int pos; } echo_st;
static size_t echo_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return sizeof(echo_st); }
static void echo_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)sr; (void)p; (void)d; memset(st, 0, sizeof(echo_st)); }
static void echo_process(void *st, const lt_fx_block *b) {
    echo_st *s = st;
    for (int i = 0; i < b->n; i++) {
        float yl = s->buf[0][s->pos], yr = s->buf[1][s->pos];
        s->buf[0][s->pos] = b->l[i] + 0.7f * yl;
        s->buf[1][s->pos] = b->r[i] + 0.7f * yr;
        b->l[i] = yl; b->r[i] = yr;
        if (++s->pos == ECHO) s->pos = 0;
    }
}
static const lt_fx_param echo_params[1] = { { "fb", 0, 1, 0.7f, "", 1, "" } };
static const lt_fx_def fx_echo = { "techo", "", "", 1, echo_params, LT_FX_TAIL, 1.0f, NULL,
                                   echo_size, echo_init, NULL, NULL, echo_process, NULL, NULL, NULL };
/* tgain: times its parameter g. */
static size_t gain_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return 0; }
static void gain_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)st; (void)sr; (void)p; (void)d; }
static void gain_process(void *st, const lt_fx_block *b) {
    (void)st;
    for (int i = 0; i < b->n; i++) { float g = b->p[0] + b->dp[0] * (float)i; b->l[i] *= g; b->r[i] *= g; }
}
static const lt_fx_param gain_params[1] = { { "g", 0, 4, 1, "", 1, "" } };
static const lt_fx_def fx_gain = { "tgain", "", "", 1, gain_params, LT_FX_NO_MIX, 1.0f, NULL,
                                   gain_size, gain_init, NULL, NULL, gain_process, NULL, NULL, NULL };

/* tlat: a 100-frame delay that says so (a lookahead effect). */
#define LAT 100
typedef struct { float l[LAT], r[LAT]; int pos; } lat_st;
static size_t lat_size(float sr, const lt_fx_data *d) { (void)sr; (void)d; return sizeof(lat_st); }
static void lat_init(void *st, float sr, const float *p, const lt_fx_data *d) { (void)sr; (void)p; (void)d; memset(st, 0, sizeof(lat_st)); }
static void lat_process(void *st, const lt_fx_block *b) {
    lat_st *s = st;
    for (int i = 0; i < b->n; i++) {
        float l = s->l[s->pos], r = s->r[s->pos];
        s->l[s->pos] = b->l[i]; s->r[s->pos] = b->r[i];
        b->l[i] = l; b->r[i] = r;
        if (++s->pos == LAT) s->pos = 0;
    }
}
static int lat_latency(const void *st) { (void)st; return LAT; }
static const lt_fx_def fx_lat = { "tlat", "", "", 1, gain_params, LT_FX_NO_MIX, 1.0f, NULL,
                                  lat_size, lat_init, NULL, NULL, lat_process, lat_latency, NULL, NULL };

/* ---- harness ----------------------------------------------------------------------------------- */

typedef struct rig { lt_engine *e; lt_mix *m; } rig;

static void rig_open(rig *r) {
    lt_engine_config c = { SR, 0 };
    r->e = lt_engine_new(&c);
    r->m = lt_mix_new(r->e);
}
static void pump(rig *r) { lt_reply rp; while (lt_engine_poll(r->e, &rp)) lt_mix_reply(r->m, &rp); }
static void rig_close(rig *r) { pump(r); lt_mix_free(r->m); lt_engine_free(r->e); }

static lt_track_spec spec(const char *name, lt_program *p, float pan) {
    lt_track_spec t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "%s", name);
    t.program = p;
    t.pool.voices = 8;
    t.pan = pan;
    t.width = 1;
    return t;
}

static lt_fx_spec fxs(const lt_fx_def *d, float p0) {
    lt_fx_spec f;
    memset(&f, 0, sizeof f);
    f.def = d;
    f.params[0] = p0;
    f.mix = -1;
    return f;
}

static int commit(rig *r, lt_track_spec *t, int n, int64_t frame, int full) {
    char err[256];
    lt_mix_begin(r->m);
    for (int i = 0; i < n; i++) if (lt_mix_track(r->m, &t[i], err, sizeof err)) { printf("%s\n", err); return -1; }
    if (lt_mix_commit(r->m, frame, full, err, sizeof err)) { printf("commit: %s\n", err); return -1; }
    return 0;
}

static void note(rig *r, const char *track, int64_t at, int dur, float pitch) {
    lt_cmd c = { .frame = at, .type = LT_CMD_NOTE, .flags = LT_CMDF_SCHED, .node = lt_mix_handle(r->m, track) };
    c.u.note.note = pitch;
    c.u.note.vel = 1.0f;
    c.u.note.dur = dur;
    lt_engine_send(r->e, &c);
}

static void render(rig *r, float *out, int frames, int block) {
    for (int done = 0; done < frames; done += block) {
        int n = frames - done < block ? frames - done : block;
        lt_engine_process(r->e, out + 2 * done, n);
        pump(r);
    }
}

static int first_nonzero(const float *x, int frames, int ch) {
    for (int i = 0; i < frames; i++) if (x[2 * i + ch] != 0.0f) return i;
    return -1;
}

static double energy(const float *x, int from, int to) {
    double e = 0;
    for (int i = from; i < to; i++) e += (double)x[2 * i] * x[2 * i] + (double)x[2 * i + 1] * x[2 * i + 1];
    return e;
}

static float max_jump(const float *x, int from, int to, int ch) {
    float m = 0;
    for (int i = from + 1; i < to; i++) { float d = fabsf(x[2 * i + ch] - x[2 * (i - 1) + ch]); if (d > m) m = d; }
    return m;
}

/* ---- tests -------------------------------------------------------------------------------------- */

/* One note at frame 1000 for 2400 frames, rendered at seven block sizes and nine start frames. */
static void test_timing(void) {
    static const int blocks[] = { 1, 7, 32, 64, 100, 256, 1024 };
    static float ref[2 * 8192], out[2 * 8192];
    lt_program *p = voice(0.5f, 0);
    for (int b = 0; b < 7; b++) {
        for (int start = 900; start <= 1100; start += 25) {
            rig r;
            rig_open(&r);
            lt_track_spec t = spec("a", p, 0);
            commit(&r, &t, 1, 0, 1);
            note(&r, "a", start, 2400, 69);
            memset(out, 0, sizeof out);
            render(&r, out, 8192, blocks[b]);
            int on = first_nonzero(out, 8192, 0);
            CHECK(on == start, "block %d: a note at frame %d starts at frame %d", blocks[b], start, on);
            if (start == 1000) {
                if (b == 0) memcpy(ref, out, sizeof ref);
                else CHECK(memcmp(ref, out, sizeof ref) == 0, "block %d renders the same bits as block 1", blocks[b]);
                /* centred mono voice: 0.707 * 0.5 in each channel at its first sample */
                CHECK(fabsf(out[2 * 1000] - 0.35355339f) < 1e-6f, "first sample %.6f (0.3536 expected)", (double)out[2 * 1000]);
            }
            rig_close(&r);
        }
    }
    lt_program_unref(p);
}

/* Track a hard left, track b hard right with notes off the 32-frame grid: a's channel is the same
 * with and without b, bit for bit. */
static void test_independence(void) {
    static float solo[2 * 24000], both[2 * 24000];
    lt_program *p = voice(0.5f, 0);
    for (int pass = 0; pass < 2; pass++) {
        rig r;
        rig_open(&r);
        lt_track_spec t[2] = { spec("a", p, -1), spec("b", p, 1) };
        commit(&r, t, pass ? 2 : 1, 0, 1);
        for (int k = 0; k < 20; k++) note(&r, "a", 1000 + 1000 * k, 700, 60 + k);
        if (pass) for (int k = 0; k < 90; k++) note(&r, "b", 333 + 257 * k, 101 + k, 50 + (k % 30));
        render(&r, pass ? both : solo, 24000, 256);
        rig_close(&r);
    }
    int same = 1;
    for (int i = 0; i < 24000; i++) if (solo[2 * i] != both[2 * i]) { same = 0; break; }
    CHECK(same, "track a's samples do not depend on track b's events");
    CHECK(energy(both, 0, 24000) > energy(solo, 0, 24000) * 1.5, "track b was heard too");
    lt_program_unref(p);
}

/* A command for a removed track is dropped, even when a new track took its index. */
static void test_handles(void) {
    static float out[2 * 48000];
    lt_program *p = voice(0.5f, 0);
    rig r;
    rig_open(&r);
    lt_track_spec a = spec("a", p, 0);
    commit(&r, &a, 1, 0, 1);
    lt_handle ha = lt_mix_handle(r.m, "a");
    int base = lt_mix_nodes(r.m);
    commit(&r, NULL, 0, 0, 1);                         /* a leaves */
    render(&r, out, 48000, 256);                       /* its fade, the reply, the new plan, the free */
    render(&r, out, 4800, 256);
    CHECK(lt_mix_nodes(r.m) == base - 2, "the removed track's nodes were freed (%d nodes, %d before)", lt_mix_nodes(r.m), base);
    lt_track_spec b = spec("b", p, 0);
    commit(&r, &b, 1, 0, 1);
    lt_handle hb = lt_mix_handle(r.m, "b");
    CHECK(LT_HANDLE_INDEX(ha) == LT_HANDLE_INDEX(hb) && ha != hb, "b reuses a's index (%u) with a new generation", LT_HANDLE_INDEX(hb));
    lt_cmd c = { .frame = 100, .type = LT_CMD_NOTE, .flags = LT_CMDF_SCHED, .node = ha };
    c.u.note.note = 69; c.u.note.vel = 1; c.u.note.dur = 1000;
    lt_engine_send(r.e, &c);
    int64_t f0 = lt_engine_frame(r.e);
    c.frame = f0 + 100;
    lt_engine_send(r.e, &c);
    memset(out, 0, sizeof out);
    render(&r, out, 4800, 256);
    lt_engine_stats s;
    lt_engine_get_stats(r.e, &s);
    CHECK(energy(out, 0, 4800) == 0.0, "a note for the removed track did not play the new one (energy %g)", energy(out, 0, 4800));
    CHECK(s.stale_events >= 1, "the stale command was counted (%lld)", (long long)s.stale_events);
    rig_close(&r);
    lt_program_unref(p);
}

/* Changing a number in the patch glides on the sounding voice; changing its structure lets the
 * voice finish on the old program while new notes use the new one. */
static void test_patch_edits(void) {
    static float out[2 * 48000];
    lt_program *p1 = voice(0.5f, 0), *p2 = voice(0.25f, 0), *p3 = voice(0.5f, 1);
    CHECK(p1->hash == p2->hash, "a changed number keeps the program's identity");
    CHECK(p1->hash != p3->hash, "a changed structure makes a new program");
    rig r;
    rig_open(&r);
    lt_track_spec t = spec("a", p1, 0);
    commit(&r, &t, 1, 0, 1);
    note(&r, "a", 0, 40000, 57);
    render(&r, out, 9600, 64);
    t.program = p2;                                    /* 0.5 -> 0.25 at frame 9600 */
    commit(&r, &t, 1, 9600, 1);
    render(&r, out + 2 * 9600, 9600, 64);
    float before = 0, after = 0;
    for (int i = 4800; i < 9600; i++) before = fmaxf(before, fabsf(out[2 * i]));
    for (int i = 14400; i < 19200; i++) after = fmaxf(after, fabsf(out[2 * i]));
    CHECK(fabsf(after / before - 0.5f) < 0.001f, "the level glided to half (ratio %.4f)", (double)(after / before));
    CHECK(max_jump(out, 9000, 11000, 0) < 0.02f, "no discontinuity at the change (largest step %.4f; a 220 Hz wave steps by 0.010)",
          (double)max_jump(out, 9000, 11000, 0));
    t.program = p3;                                    /* a structural change at frame 19200 */
    commit(&r, &t, 1, 19200, 1);
    render(&r, out + 2 * 19200, 9600, 64);
    float sounding = 0;
    for (int i = 19200; i < 28800; i++) sounding = fmaxf(sounding, fabsf(out[2 * i]));
    CHECK(fabsf(sounding - after) < 0.001f, "the held voice plays on, on its old program, after the change (peak %.4f)", (double)sounding);
    rig_close(&r);
    lt_program_unref(p1);
    lt_program_unref(p2);
    lt_program_unref(p3);
}

/* An effect inserted before a delay keeps the delay's tail; a removed track rings out. */
static void test_tails(void) {
    static float out[2 * 96000];
    lt_program *p = voice(0.5f, 0);
    rig r;
    rig_open(&r);
    lt_track_spec t = spec("a", p, 0);
    t.nfx = 1;
    t.fx[0] = fxs(&fx_echo, 0.7f);
    commit(&r, &t, 1, 0, 1);
    note(&r, "a", 0, 2400, 69);
    render(&r, out, 9600, 256);
    t.nfx = 2;
    t.fx[0] = fxs(&fx_gain, 1.0f);
    t.fx[1] = fxs(&fx_echo, 0.7f);
    commit(&r, &t, 1, 9600, 1);                        /* insert tgain before techo at frame 9600 */
    render(&r, out + 2 * 9600, 9600, 256);
    CHECK(energy(out, 9600 + 480, 19200) > 0.3 * energy(out, 4800, 9600),
          "the echo tail goes on after an effect was inserted before it (%.3f vs %.3f)",
          energy(out, 9600 + 480, 19200), energy(out, 4800, 9600));
    int nodes = lt_mix_nodes(r.m);
    commit(&r, NULL, 0, 19200, 1);                     /* the track leaves at frame 19200 */
    render(&r, out + 2 * 19200, 4800, 256);
    CHECK(energy(out, 19200 + 480, 24000) > 0.1 * energy(out, 14400, 19200),
          "a removed track's echo rings out (%.4f after vs %.4f before)", energy(out, 19200 + 480, 24000), energy(out, 14400, 19200));
    for (int k = 0; k < 4; k++) render(&r, out, 96000, 256);   /* 0.7^n reaches -100 dB after ~3 s */
    CHECK(lt_mix_nodes(r.m) == nodes - 4, "once silent, the track and its two effects were handed back (%d nodes, %d before)",
          lt_mix_nodes(r.m), nodes);
    rig_close(&r);
    lt_program_unref(p);
}

/* Adding a track while another plays does not click; parameters of the strip glide. */
static void test_strip(void) {
    static float out[2 * 19200];
    lt_program *p = voice(0.5f, 0);
    rig r;
    rig_open(&r);
    lt_track_spec t = spec("a", p, 0);
    commit(&r, &t, 1, 0, 1);
    note(&r, "a", 0, 19200, 57);
    render(&r, out, 9600, 256);
    t.gain = -12;
    commit(&r, &t, 1, 9600, 1);
    render(&r, out + 2 * 9600, 9600, 256);
    CHECK(max_jump(out, 9000, 11000, 0) < 0.02f, "a fader move glides (largest step %.4f)", (double)max_jump(out, 9000, 11000, 0));
    float a = 0, b = 0;
    for (int i = 4800; i < 9600; i++) a = fmaxf(a, fabsf(out[2 * i]));
    for (int i = 14400; i < 19200; i++) b = fmaxf(b, fabsf(out[2 * i]));
    CHECK(fabs(20 * log10(b / a) + 12) < 0.05, "the fader moved by %.2f dB (-12 asked)", 20 * log10(b / a));
    rig_close(&r);
    lt_program_unref(p);
}

/* A commit that cannot be applied whole changes nothing. */
static void test_transaction(void) {
    lt_program *p = voice(0.5f, 0);
    rig r;
    lt_engine_config c = { SR, 64 };                   /* a tiny command ring */
    r.e = lt_engine_new(&c);
    r.m = lt_mix_new(r.e);
    static float out[2 * 256];
    render(&r, out, 256, 256);
    lt_track_spec t[3] = { spec("a", p, 0), spec("b", p, 0), spec("c", p, 0) };
    commit(&r, t, 3, 0, 1);
    render(&r, out, 256, 256);
    int nodes = lt_mix_nodes(r.m);
    lt_cmd fill = { .frame = 1 << 30, .type = LT_CMD_RELEASE_ALL };
    while (lt_engine_send(r.e, &fill)) ;                /* the ring is full */
    t[0].gain = -3; t[1].gain = -3; t[2].gain = -3;
    char err[256];
    lt_mix_begin(r.m);
    for (int i = 0; i < 3; i++) lt_mix_track(r.m, &t[i], err, sizeof err);
    int rc = lt_mix_commit(r.m, 0, 1, err, sizeof err);
    CHECK(rc < 0 && strstr(err, "queue"), "a change the ring cannot take is refused: %s", err);
    CHECK(lt_mix_nodes(r.m) == nodes && lt_mix_tracks(r.m) == 3, "and nothing changed (%d tracks)", lt_mix_tracks(r.m));
    lt_mix_begin(r.m);
    lt_mix_track(r.m, &t[0], err, sizeof err);
    CHECK(lt_mix_track(r.m, &t[0], err, sizeof err) < 0 && strstr(err, "twice"), "a track declared twice: %s", err);
    lt_mix_abort(r.m);
    render(&r, out, 256, 256);
    rig_close(&r);
    lt_program_unref(p);
}

/* The scheduler says it has covered [.., 9600) and a bar is 4800 frames, then stalls: the engine
 * plays [4800, 9600) again at [9600, 14400), and a note sent afterwards for score frame 9600 lands
 * at engine frame 14400. */
static void test_flywheel(void) {
    static float out[2 * 24000];
    lt_program *p = voice(0.5f, 0);
    rig r;
    rig_open(&r);
    lt_track_spec t = spec("a", p, 0);
    commit(&r, &t, 1, 0, 1);
    for (int k = 0; k < 8; k++) note(&r, "a", 1200 * k + 100, 300, 69);   /* one every 1200 frames */
    lt_cmd h = { .type = LT_CMD_HORIZON };
    h.u.fly.horizon = 9600;
    h.u.fly.period = 4800;
    lt_engine_send(r.e, &h);
    render(&r, out, 9600 + 64, 64);                   /* the engine turns at 9600 */
    note(&r, "a", 9600 + 600, 300, 69);              /* the scheduler wakes: score frame 10200 ... */
    h.u.fly.horizon = 12000;                          /* ... and it has caught up to 12000 */
    lt_engine_send(r.e, &h);
    render(&r, out + 2 * (9600 + 64), 24000 - (9600 + 64), 64);
    int ok = 1;
    for (int k = 0; k < 4; k++) {
        int at = 9600 + 1200 * k + 100;
        ok &= out[2 * at] != 0.0f && out[2 * (at - 1)] == 0.0f;
    }
    CHECK(ok, "the last bar's notes repeat a bar later, on their frames");
    CHECK(out[2 * (14400 + 600)] != 0.0f && out[2 * (14400 + 599)] == 0.0f, "a note the scheduler sent later lands one bar later");
    lt_engine_stats s;
    lt_engine_get_stats(r.e, &s);
    CHECK(s.offset >= 4800, "the score is %lld frames behind the engine (a bar or more)", (long long)s.offset);
    rig_close(&r);
    lt_program_unref(p);
}

/* A flywheel turn moves the scheduler's items a bar later but not the player's: a MIDI note-off
 * already queued when the engine turns still ends its note on its own frame.  (The turn used to move
 * items inside the queue without restoring its order, so an unmoved MIDI note-off under a moved
 * scheduled item came out a bar late, or before its note-on: a hanging note, heard in the live fault
 * test after a stalled live loop.) */
static void test_flywheel_midi(void) {
    static float out[2 * 24000];
    lt_program *pn = dc_voice(LT_IN_NOTE), *p = voice(0.5f, 0);
    rig r;
    rig_open(&r);
    lt_track_spec t[2] = { spec("keys", pn, -1), spec("a", p, 1) };
    commit(&r, t, 2, 0, 1);
    lt_cmd tg = { .type = LT_CMD_NOTE_TARGET, .node = lt_mix_handle(r.m, "keys") };
    lt_engine_send(r.e, &tg);
    for (int k = 0; k < 64; k++) note(&r, "a", 9000 + 37 * k, 200, 60 + (k % 12));   /* around and after the turn */
    lt_cmd h = { .type = LT_CMD_HORIZON };
    h.u.fly.horizon = 9600;
    h.u.fly.period = 4800;
    lt_engine_send(r.e, &h);
    render(&r, out, 4800, 64);
    const uint8_t on[3] = { 0x90, 60, 100 }, off[3] = { 0x80, 60, 0 };
    lt_engine_midi(r.e, 9000, on, 3);      /* queued now, long before the turn at 9600 */
    lt_engine_midi(r.e, 9700, off, 3);
    render(&r, out + 2 * 4800, 24000 - 4800, 64);
    int end = -1;
    for (int i = 9000; i < 24000; i++) if (out[2 * i] != 0.0f) end = i;
    CHECK(fabsf(out[2 * 9000] - 60) < 1e-3f && fabsf(out[2 * 9699] - 60) < 1e-3f && out[2 * 8999] == 0.0f,
          "a MIDI note held across a flywheel turn sounds from its frame (%g, %g; hard left: gain 1)", out[2 * 9000],
          out[2 * 9699]);
    CHECK(end >= 9700 && end < 9700 + 480 + 1, "... and its note-off, queued before the turn, releases it on its own "
          "frame: silent from %d (want 9700 + the 480-frame release)", end + 1);
    rig_close(&r);
    lt_program_unref(pn);
    lt_program_unref(p);
}

/* MIDI keeps the order it arrived in.  A message is stamped by the clock estimate, which steps back when
 * the audio thread ran late (an xrun on a loaded machine): a note-off stamped before its note-on used to
 * play first and leave the note hanging for the rest of the set (heard in the live fault test, run beside
 * other live tests).  Such a note-off now ends the note on its note-on's frame. */
static void test_midi_order(void) {
    static float out[2 * 24000];
    lt_program *pn = dc_voice(LT_IN_NOTE);
    rig r;
    rig_open(&r);
    lt_track_spec t[1] = { spec("keys", pn, -1) };
    commit(&r, t, 1, 0, 1);
    lt_cmd tg = { .type = LT_CMD_NOTE_TARGET, .node = lt_mix_handle(r.m, "keys") };
    lt_engine_send(r.e, &tg);
    render(&r, out, 4800, 64);
    const uint8_t on[3] = { 0x90, 60, 100 }, off[3] = { 0x80, 60, 0 }, on2[3] = { 0x90, 62, 100 },
                  off2[3] = { 0x80, 62, 0 };
    lt_engine_midi(r.e, 9000, on, 3);
    lt_engine_midi(r.e, 8500, off, 3);      /* came later, stamped earlier */
    lt_engine_midi(r.e, 12000, on2, 3);     /* a later note in order keeps its own frames */
    lt_engine_midi(r.e, 12600, off2, 3);
    render(&r, out + 2 * 4800, 24000 - 4800, 64);
    int end1 = -1, end2 = -1;
    for (int i = 9000; i < 12000; i++) if (out[2 * i] != 0.0f) end1 = i;
    for (int i = 12000; i < 24000; i++) if (out[2 * i] != 0.0f) end2 = i;
    CHECK(out[2 * 8999] == 0.0f && end1 <= 9000 + 480,
          "a note-off stamped before its note-on still ends the note (on its note-on's frame): silent from %d "
          "(want by 9000 + the 480-frame release)", end1 < 0 ? 9000 : end1 + 1);
    CHECK(out[2 * 11999] == 0.0f && fabsf(out[2 * 12599] - 62) < 1e-3f && end2 >= 12600 && end2 <= 12600 + 480,
          "the next note plays on its own frames, 12000 to 12600 (%g at 12599; silent from %d)", out[2 * 12599],
          end2 + 1);
    rig_close(&r);
    lt_program_unref(pn);
}

/* The speaker guard holds every sample at or under the ceiling; the output guard silences a track
 * that makes NaN and lets its neighbour play on. */
static void test_guards(void) {
    static float out[2 * 9600];
    lt_program *p = voice(1.0f, 0), *bad = nan_voice();
    rig r;
    rig_open(&r);
    lt_track_spec t[2] = { spec("loud", p, 0), spec("bad", bad, 0) };
    t[0].gain = 24;
    commit(&r, t, 1, 0, 1);
    lt_cmd g = { .type = LT_CMD_GUARD };
    g.u.guard.on = 1;
    g.u.guard.ceiling = 1.0f;
    lt_engine_send(r.e, &g);
    for (int k = 0; k < 8; k++) note(&r, "loud", 100 + k, 4800, 60 + k);
    render(&r, out, 9600, 256);
    float peak = 0;
    for (int i = 0; i < 2 * 9600; i++) peak = fmaxf(peak, fabsf(out[i]));
    lt_engine_stats s;
    lt_engine_get_stats(r.e, &s);
    CHECK(peak <= 1.0f, "eight voices at +24 dB stay at or under full scale (peak %.4f)", (double)peak);
    CHECK(s.limiter_blocks > 0, "the guard acted and counted it (%lld blocks)", (long long)s.limiter_blocks);
    t[0].gain = 0;
    commit(&r, t, 2, 0, 1);
    note(&r, "loud", lt_engine_frame(r.e) + 100, 4000, 69);
    note(&r, "bad", lt_engine_frame(r.e) + 100, 4000, 69);
    render(&r, out, 9600, 256);
    int finite = 1;
    for (int i = 0; i < 2 * 9600; i++) finite &= isfinite(out[i]);
    lt_engine_get_stats(r.e, &s);
    CHECK(finite, "no NaN reached the output");
    CHECK(s.guard_trips > 0, "the output guard tripped (%lld)", (long long)s.guard_trips);
    CHECK(energy(out, 200, 4000) > 100, "the neighbour played on (energy %.1f)", energy(out, 200, 4000));
    rig_close(&r);
    lt_program_unref(p);
    lt_program_unref(bad);
}

/* The voice pool's loop (compiled per instruction set) gives the same bits on SSE2 and AVX2. */
static void test_isa(void) {
    static float a[2 * 24000], b[2 * 24000];
    lt_program *p = voice(0.5f, 0);
    for (int isa = 0; isa < 2; isa++) {
        lt_isa_select(isa ? "avx2" : "sse2");
        rig r;
        rig_open(&r);
        lt_track_spec t = spec("a", p, 0.3f);
        t.pool.voices = 24;
        commit(&r, &t, 1, 0, 1);
        for (int k = 0; k < 60; k++) note(&r, "a", 37 * k, 900 + 13 * k, 40 + (k % 40) + 0.1f * k);
        render(&r, isa ? b : a, 24000, 128);
        rig_close(&r);
    }
    lt_isa_select(NULL);
    CHECK(memcmp(a, b, sizeof a) == 0, "SSE2 and AVX2 render the same bits (this CPU runs %s)",
          __builtin_cpu_supports("avx2") ? "both" : "only SSE2");
    lt_program_unref(p);
}

/* 500 tracks in one commit, each with a note: all of them sound; nothing allocates while rendering. */
static void test_many(void) {
    static float out[2 * 9600];
    lt_program *p = voice(0.01f, 0);
    rig r;
    rig_open(&r);
    lt_track_spec *t = calloc(500, sizeof *t);
    for (int i = 0; i < 500; i++) { char n[16]; snprintf(n, sizeof n, "t%d", i); t[i] = spec(n, p, 0); }
    CHECK(commit(&r, t, 500, 0, 1) == 0, "500 tracks declared in one commit");
    CHECK(lt_mix_tracks(r.m) == 500, "%d tracks live", lt_mix_tracks(r.m));
    for (int i = 0; i < 500; i++) { char n[16]; snprintf(n, sizeof n, "t%d", i); note(&r, n, 1000, 4000, 30 + (i % 60)); }
    render(&r, out, 256, 256);
    counting = 1;
    allocs = 0;
    for (int done = 256; done < 9600; done += 128) lt_engine_process(r.e, out + 2 * done, 128);
    counting = 0;
    if (COUNT_ALLOCS) CHECK(allocs == 0, "no allocation while rendering 500 tracks (%d)", allocs);
    CHECK(energy(out, 1000, 5000) > 1.0, "they sound (energy %.2f)", energy(out, 1000, 5000));
    /* A change while they play: every track gets an echo insert (new nodes, a new plan with new buffers),
     * a parameter glide on each strip, new notes.  What the audio thread does with it — swapping the
     * plan, starting the nodes, gliding, handing the old plan back — neither allocates nor touches a
     * page for the first time (the control thread prefaulted the plan's memory). */
    for (int i = 0; i < 500; i++) { t[i].nfx = 1; t[i].fx[0] = fxs(&fx_echo, 0.7f); t[i].gain = -3; }
    int64_t at = lt_engine_frame(r.e) + 256;
    CHECK(commit(&r, t, 500, at, 1) == 0, "the 500 tracks get an echo insert each");
    for (int i = 0; i < 500; i++) { char n[16]; snprintf(n, sizeof n, "t%d", i); note(&r, n, at + 64, 2000, 40 + (i % 40)); }
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    counting = 1;
    allocs = 0;
    for (int done = 0; done < 9600; done += 128) lt_engine_process(r.e, out + 2 * done, 128);
    counting = 0;
    getrusage(RUSAGE_SELF, &ru1);
    long faults = ru1.ru_minflt - ru0.ru_minflt + ru1.ru_majflt - ru0.ru_majflt;
    if (COUNT_ALLOCS) CHECK(allocs == 0, "no allocation while the audio thread swaps in a plan of 1000 new nodes (%d)", allocs);
    if (COUNT_ALLOCS) CHECK(faults == 0, "and no page fault: the new plan's memory was prefaulted (%ld faults)", faults);
    CHECK(energy(out, 512, 4000) > 1.0, "the new notes sound through the echoes (energy %.2f)", energy(out, 512, 4000));
    pump(&r);
    free(t);
    rig_close(&r);
    lt_program_unref(p);
}

static lt_track_spec bus(const char *name) {
    lt_track_spec t = spec(name, NULL, 0);
    t.is_bus = 1;
    t.gain = 0;
    t.width = 1;
    t.solo_safe = 1;
    return t;
}

/* Buses sum what is routed to them and process it once; sends reach a bus before or after the
 * fader; a routing cycle is refused by name and changes nothing. */
static void test_routing(void) {
    static float a[2 * 9600], b[2 * 9600];
    lt_program *p = voice(0.5f, 0);
    for (int pass = 0; pass < 2; pass++) {
        rig r;
        rig_open(&r);
        lt_track_spec t[3] = { spec("x", p, 0), spec("y", p, 0), bus("drums") };
        t[0].gain = t[1].gain = 0; t[0].width = t[1].width = 1;
        if (pass) {                                      /* both into the bus, which halves them */
            snprintf(t[0].out, sizeof t[0].out, "drums");
            snprintf(t[1].out, sizeof t[1].out, "drums");
            t[2].nfx = 1;
            t[2].fx[0] = fxs(&fx_gain, 0.5f);
        }
        CHECK(commit(&r, t, pass ? 3 : 2, 0, 1) == 0, "routing declared (pass %d)", pass);
        note(&r, "x", 100, 2000, 60);
        note(&r, "y", 300, 2000, 67);
        render(&r, pass ? b : a, 9600, 256);
        rig_close(&r);
    }
    double err = 0;
    for (int i = 0; i < 2 * 9600; i++) err = fmax(err, fabs(b[i] - 0.5 * a[i]));
    CHECK(err < 1e-6, "two tracks through a bus with a gain of 0.5 sound at half level (error %.2g)", err);

    /* pre- and post-fader sends: with the fader down, only the pre-fader send is heard */
    for (int pre = 0; pre < 2; pre++) {
        rig r;
        rig_open(&r);
        lt_track_spec t[2] = { spec("x", p, 0), bus("verb") };
        t[0].gain = -120; t[0].width = 1;
        t[0].nsends = 1;
        snprintf(t[0].sends[0].to, sizeof t[0].sends[0].to, "verb");
        t[0].sends[0].gain = -6;
        t[0].sends[0].pre = pre;
        commit(&r, t, 2, 0, 1);
        note(&r, "x", 100, 2000, 60);
        memset(a, 0, sizeof a);
        render(&r, a, 9600, 256);
        float peak = 0;
        for (int i = 0; i < 2 * 9600; i++) peak = fmaxf(peak, fabsf(a[i]));
        if (pre) CHECK(fabsf(peak - 0.5f * 0.70710678f * 0.5011872f) < 1e-4f,
                       "a pre-fader send at -6 dB is heard with the fader down (peak %.4f)", (double)peak);
        else CHECK(peak == 0.0f, "a post-fader send follows the fader down (peak %g)", (double)peak);
        rig_close(&r);
    }

    /* a cycle is refused, names itself, and leaves the mix as it was */
    rig r;
    rig_open(&r);
    lt_track_spec t[3] = { spec("x", p, 0), bus("b1"), bus("b2") };
    snprintf(t[1].out, sizeof t[1].out, "b2");
    commit(&r, t, 3, 0, 1);
    int before = lt_mix_tracks(r.m);
    snprintf(t[2].out, sizeof t[2].out, "b1");
    char err2[256];
    lt_mix_begin(r.m);
    for (int i = 0; i < 3; i++) lt_mix_track(r.m, &t[i], err2, sizeof err2);
    int rc = lt_mix_commit(r.m, 0, 1, err2, sizeof err2);
    CHECK(rc < 0 && strstr(err2, "cycle") && strstr(err2, "b1") && strstr(err2, "b2"), "a routing cycle is refused: %s", err2);
    CHECK(lt_mix_tracks(r.m) == before, "and nothing changed (%d channels)", lt_mix_tracks(r.m));
    snprintf(t[0].out, sizeof t[0].out, "nowhere");
    t[2].out[0] = 0;
    lt_mix_begin(r.m);
    for (int i = 0; i < 3; i++) lt_mix_track(r.m, &t[i], err2, sizeof err2);
    rc = lt_mix_commit(r.m, 0, 1, err2, sizeof err2);
    CHECK(rc < 0 && strstr(err2, "nowhere"), "an output to a bus that does not exist: %s", err2);
    rig_close(&r);
    lt_program_unref(p);
}

/* Latency compensation: a 100-frame lookahead effect on one of two identical tracks; the other is
 * delayed to match, so the sum has one onset of twice the level, and the master's latency is 100. */
static void test_latency(void) {
    static float out[2 * 9600];
    lt_program *p = voice(0.5f, 0);
    rig r;
    rig_open(&r);
    lt_track_spec t[2] = { spec("x", p, 0), spec("y", p, 0) };
    t[0].nfx = 1;
    t[0].fx[0] = fxs(&fx_lat, 1);
    commit(&r, t, 2, 0, 1);
    note(&r, "x", 1000, 2000, 69);
    note(&r, "y", 1000, 2000, 69);
    render(&r, out, 9600, 256);
    int on = first_nonzero(out, 9600, 0);
    CHECK(on == 1000 + LAT, "both tracks arrive together, %d frames late (onset %d)", LAT, on);
    CHECK(fabsf(out[2 * on] - 2 * 0.35355339f) < 1e-5f, "as one onset of twice the level (%.5f)", (double)out[2 * on]);
    CHECK(lt_mix_latency(r.m) == LAT, "the master's latency is %d frames", lt_mix_latency(r.m));
    rig_close(&r);
    lt_program_unref(p);
}

/* Solo: a soloed track is heard, the others not, a solo-safe return stays; unsolo restores. */
static void test_solo(void) {
    static float out[2 * 19200];
    lt_program *p = voice(0.5f, 0);
    rig r;
    rig_open(&r);
    lt_track_spec t[3] = { spec("x", p, -1), spec("y", p, 1), bus("verb") };
    t[0].gain = t[1].gain = 0; t[0].width = t[1].width = 1;
    t[0].solo = 1;
    commit(&r, t, 3, 0, 1);
    note(&r, "x", 100, 8000, 60);
    note(&r, "y", 100, 8000, 60);
    render(&r, out, 9600, 256);
    CHECK(energy(out, 1000, 8000) > 0 && fabs(out[2 * 4000 + 1]) == 0, "x soloed: its channel sounds, y's is silent");
    t[0].solo = 0;
    commit(&r, t, 3, 9600, 1);
    note(&r, "x", 10000, 8000, 60);
    note(&r, "y", 10000, 8000, 60);
    render(&r, out, 19200, 256);
    float yr = 0;
    for (int i = 11000; i < 17000; i++) yr = fmaxf(yr, fabsf(out[2 * (i - 9600) + 1]));
    CHECK(yr > 0.1f, "unsoloed, y is heard again (peak %.3f)", (double)yr);
    rig_close(&r);
    lt_program_unref(p);
}


/* The voice pool as a player hears it.  Voices output their note number (or frequency, or release
 * velocity) as a level while they sound, so the mix says exactly which voices sound.
 * - Stealing: a pool of 2 voices and a third held note: the oldest held note is the one cut.
 * - Mono, legato, glide: a second note while the first is held glides (linear in pitch) over the
 *   glide time without a new attack; releasing it returns to the first; without legato a new note
 *   retriggers.
 * - Note-off velocity: a MIDI note-off's velocity reaches v.release_vel as the voice is released. */
static void test_voices(void) {
    const float C = 0.70710678f;   /* a centred voice: constant-power pan, each channel */
    rig r;
    rig_open(&r);
    static float out[2 * 48000];
    lt_program *pn = dc_voice(LT_IN_NOTE);
    lt_track_spec t = spec("poly", pn, 0);
    t.pool.voices = 2;
    CHECK(commit(&r, &t, 1, 0, 1) == 0, "a pool of 2 voices");
    note(&r, "poly", 0, 24000, 60);
    note(&r, "poly", 4800, 24000, 64);
    note(&r, "poly", 9600, 24000, 67);     /* both lanes held: one is stolen */
    render(&r, out, 14400, 256);
    float two = out[2 * 8000] / C, three = out[2 * 12000] / C;
    CHECK(fabsf(two - 124.0f) < 1e-3f, "two held notes sound together: the voices sum to %g (60 + 64)", two);
    CHECK(fabsf(three - 131.0f) < 1e-3f, "a third note in a pool of 2 steals the oldest held voice: %g (64 + 67; "
          "127 would be the newest stolen)", three);
    rig_close(&r);

    /* mono with legato and a glide of 100 ms: v.freq */
    rig_open(&r);
    lt_program *pf = dc_voice(LT_IN_FREQ);
    t = spec("lead", pf, 0);
    t.pool.mono = 1;
    t.pool.legato = 1;
    t.pool.glide = 0.1f;
    CHECK(commit(&r, &t, 1, 0, 1) == 0, "a mono pool with legato and glide");
    note(&r, "lead", 0, 20000, 60);
    note(&r, "lead", 9600, 4800, 72);      /* while 60 is held: glide up, no attack */
    render(&r, out, 20000, 256);
    double f60 = 440.0 * pow(2, (60 - 69) / 12.0), f72 = 2 * f60;
    double mid = out[2 * (9600 + 2400)] / C, end = out[2 * (9600 + 4799)] / C, back = out[2 * 19500] / C;
    double half = 440.0 * pow(2, (66 - 69) / 12.0);    /* half way in pitch (linear in semitones) */
    CHECK(fabs(mid - half) / half < 0.01, "legato glide: half way through the 100 ms glide v.freq is %.2f Hz "
          "(%.2f, half way in pitch from %.2f to %.2f)", mid, half, f60, f72);
    CHECK(fabs(end - f72) / f72 < 1e-3, "... and at the second note's pitch as the glide ends: %.2f Hz", end);
    float minlevel = 1e9f;
    for (int i = 9600; i < 14400; i++) if (out[2 * i] < minlevel) minlevel = out[2 * i];
    CHECK(minlevel / C > f60 * 0.999, "... with no new attack: the level never drops under the first note's "
          "(least %.2f Hz-level over the slide)", minlevel / C);
    CHECK(fabs(back - f60) / f60 < 1e-3, "releasing the second note returns to the held first one: %.2f Hz", back);
    rig_close(&r);

    /* mono without legato: the second note retriggers (the envelope starts again: the release
     * between is not there, but the voice restarts its level at the new note's frame) */
    rig_open(&r);
    t = spec("mono", pn, 0);
    t.pool.mono = 1;
    CHECK(commit(&r, &t, 1, 0, 1) == 0, "a mono pool without legato");
    note(&r, "mono", 0, 9600, 60);
    note(&r, "mono", 4800, 4800, 72);
    render(&r, out, 9600, 256);
    CHECK(fabsf(out[2 * 4799] / C - 60) < 1e-3f && fabsf(out[2 * 4800] / C - 72) < 1e-3f,
          "mono: one voice; the new note takes it on its frame (%g then %g)", out[2 * 4799] / C, out[2 * 4800] / C);
    rig_close(&r);

    /* note-off velocity, from a MIDI note-off (LT_CMD_NOTE_OFF_PITCH carries it) */
    rig_open(&r);
    lt_program *pr = dc_voice(LT_IN_RELVEL);
    t = spec("rel", pr, 0);
    CHECK(commit(&r, &t, 1, 0, 1) == 0, "a pool reading v.release_vel");
    lt_cmd on = { .frame = 0, .type = LT_CMD_NOTE, .flags = LT_CMDF_SCHED, .node = lt_mix_handle(r.m, "rel") };
    on.u.note.note = 60;
    on.u.note.vel = 1.0f;
    on.u.note.dur = 0;
    lt_engine_send(r.e, &on);
    lt_cmd off = { .frame = 4800, .type = LT_CMD_NOTE_OFF_PITCH, .flags = LT_CMDF_SCHED, .node = on.node };
    off.u.note.note = 60;
    off.u.note.vel = 0.25f;
    lt_engine_send(r.e, &off);
    render(&r, out, 4800 + 480, 256);
    CHECK(out[2 * 4799] == 0.0f && fabsf(out[2 * 4800] / C - 0.25f * (1 - 1.0f / 480)) < 1e-4f,
          "v.release_vel is 0 while held and the note-off's velocity from its frame: %g, %g", out[2 * 4799] / C,
          out[2 * 4800] / C);
    rig_close(&r);
    lt_program_unref(pn);
    lt_program_unref(pf);
    lt_program_unref(pr);
}

/* Direct outputs: a channel routed to device outputs 3-4 (a click for the performer's headphones) is
 * heard there and not in the master on 1-2, which carries the rest; with one output the channel's
 * left and right are summed at half each. */
static void test_direct_outputs(void) {
    const float C = 0.70710678f;
    static float out[4 * 4800];
    lt_program *pn = dc_voice(LT_IN_NOTE);
    rig r;
    rig_open(&r);
    CHECK(lt_engine_set_outputs(r.e, 4) == 0 && lt_engine_outputs(r.e) == 4 && lt_engine_set_outputs(r.e, 9) < 0,
          "an engine with 4 outputs (9 refused)");
    lt_track_spec t[2] = { spec("main", pn, 0), spec("cue", pn, 0) };
    t[1].ndirect = 2;
    t[1].direct[0] = 2;
    t[1].direct[1] = 3;
    CHECK(commit(&r, t, 2, 0, 1) == 0, "a track routed to outputs 3-4");
    note(&r, "main", 100, 4000, 60);
    note(&r, "cue", 100, 4000, 72);
    for (int done = 0; done < 4800; done += 256) {
        int n = 4800 - done < 256 ? 4800 - done : 256;
        lt_engine_process_io(r.e, NULL, 0, out + 4 * done, n);
        pump(&r);
    }
    int i = 2000;
    CHECK(fabsf(out[4 * i] / C - 60) < 1e-3f && fabsf(out[4 * i + 1] / C - 60) < 1e-3f,
          "outputs 1-2 carry the master, without the cue track (%g, %g: 60 alone)", out[4 * i] / C, out[4 * i + 1] / C);
    CHECK(fabsf(out[4 * i + 2] / C - 72) < 1e-3f && fabsf(out[4 * i + 3] / C - 72) < 1e-3f && out[4 * 99 + 2] == 0.0f,
          "outputs 3-4 carry the cue track alone (%g, %g: 72)", out[4 * i + 2] / C, out[4 * i + 3] / C);
    t[1].ndirect = 1;
    t[1].direct[0] = 3;
    CHECK(commit(&r, t, 2, lt_engine_frame(r.e), 1) == 0, "routed to output 4 alone");
    note(&r, "cue", lt_engine_frame(r.e) + 100, 2000, 72);
    for (int done = 0; done < 2400; done += 256) {
        int n = 2400 - done < 256 ? 2400 - done : 256;
        lt_engine_process_io(r.e, NULL, 0, out + 4 * done, n);
        pump(&r);
    }
    CHECK(fabsf(out[4 * 1000 + 3] - 72 * C) < 1e-3f && out[4 * 1000 + 2] == 0.0f,
          "one output gets (L + R) / 2 (%g, want %g), the other nothing", out[4 * 1000 + 3], 72 * C);
    rig_close(&r);
    lt_program_unref(pn);
}

int main(void) {
    test_timing();
    test_independence();
    test_handles();
    test_patch_edits();
    test_tails();
    test_strip();
    test_transaction();
    test_flywheel();
    test_flywheel_midi();
    test_midi_order();
    test_guards();
    test_isa();
    test_many();
    test_routing();
    test_latency();
    test_solo();
    test_voices();
    test_direct_outputs();
    return check_done("test_engine");
}
