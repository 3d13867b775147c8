/* test_engine.c — the engine as a listener meets it: an event at frame F sounds from frame F whatever
 * the driver's block size; the same commands give the same samples at every block size; a track that
 * makes NaN is silenced and reported while the others play on; a removed track fades and comes back to
 * the control thread to be freed; parameters glide instead of stepping; nothing allocates while
 * rendering (counted through a malloc interposer). */
#include "check.h"
#include "engine.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Counting allocations: the test's own malloc forwards to glibc's.  Sanitizer builds bring their
 * own allocator, so the count is only taken in plain builds. */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
#endif
static int counting, allocs;
#if COUNT_ALLOCS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n) { if (counting) allocs++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { if (counting) allocs++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { if (counting) allocs++; return __libc_realloc(p, n); }
#endif

#define SR 48000

static lt_track_desc desc(const char *name, float attack) {
    lt_track_desc d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "%s", name);
    d.voices = 8;
    for (int i = 0; i < LT_P_COUNT; i++) d.params[i] = lt_params[i].def;
    d.params[LT_P_ATTACK] = attack;
    d.params[LT_P_GAIN] = 0;
    return d;
}

static void add_track(lt_engine *e, int slot, const char *name, float attack) {
    lt_track_desc d = desc(name, attack);
    lt_cmd c = {.frame = 0, .type = LT_CMD_TRACK_ADD, .slot = (uint16_t)slot};
    c.u.add.track = lt_track_new(&d, SR);
    c.u.add.desc = d;
    lt_engine_send(e, &c);
}

static void note(lt_engine *e, int slot, int64_t on, int64_t off, float n) {
    lt_cmd c = {.frame = on, .type = LT_CMD_NOTE_ON, .slot = (uint16_t)slot};
    c.u.note.note = n;
    c.u.note.vel = 1;
    lt_engine_send(e, &c);
    c.frame = off;
    c.type = LT_CMD_NOTE_OFF;
    lt_engine_send(e, &c);
}

/* Renders `frames` frames in blocks of `block` with a fixed score; returns the buffer. */
static float *render_score(int block, int frames) {
    lt_engine *e = lt_engine_new(&(lt_engine_config){.sample_rate = SR});
    add_track(e, 0, "a", 0);
    add_track(e, 3, "b", 0.002f);
    const int64_t on[] = {0, 1, 31, 32, 33, 1000, 4097, 12345};
    for (int i = 0; i < 8; i++) note(e, i % 2 ? 3 : 0, on[i] + 20000 * (i / 2), on[i] + 20000 * (i / 2) + 5000, 48 + i * 3);
    lt_cmd p = {.frame = 30000, .type = LT_CMD_PARAM, .slot = 0};
    p.u.param.id = LT_P_CUTOFF;
    p.u.param.value = 300;
    lt_engine_send(e, &p);
    float *out = calloc((size_t)frames * 2, sizeof(float));
    for (int done = 0; done < frames;) {
        int n = frames - done < block ? frames - done : block;
        lt_engine_process(e, out + 2 * done, n);
        done += n;
    }
    lt_reply r;
    while (lt_engine_poll(e, &r)) if (r.type == LT_REPLY_TRACK_FREE) lt_track_free(r.ptr);
    lt_engine_free(e);
    return out;
}

static int first_sound(const float *out, int from, int to) {
    for (int i = from; i < to; i++) if (out[2 * i] != 0 || out[2 * i + 1] != 0) return i;
    return -1;
}

int main(void) {
    /* 1. An event at frame F: silence before F, sound from the frame after (the voice starts from 0). */
    const int starts[] = {0, 1, 31, 32, 33, 1000, 4097, 12345, 47999};
    const int blocks[] = {1, 7, 32, 64, 100, 256, 1024};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        int ok = 1;
        for (size_t s = 0; s < sizeof starts / sizeof *starts; s++) {
            lt_engine *e = lt_engine_new(&(lt_engine_config){.sample_rate = SR});
            add_track(e, 5, "t", 0);
            note(e, 5, starts[s], starts[s] + 2000, 60);
            int frames = starts[s] + 600;
            float *out = calloc((size_t)frames * 2, sizeof(float));
            for (int done = 0; done < frames;) {
                int n = frames - done < blocks[b] ? frames - done : blocks[b];
                lt_engine_process(e, out + 2 * done, n);
                done += n;
            }
            int f = first_sound(out, 0, frames);
            if (f != starts[s] + 1) {
                ok = 0;
                fprintf(stderr, "  block %d: note at %d first sounds at %d\n", blocks[b], starts[s], f);
            }
            free(out);
            lt_reply r;
            while (lt_engine_poll(e, &r)) if (r.type == LT_REPLY_TRACK_FREE) lt_track_free(r.ptr);
            lt_engine_free(e);
        }
        CHECK(ok, "block size %d: every note starts exactly on its frame (9 frames from 0 to 47999)", blocks[b]);
    }

    /* 2. The same score at every block size gives the same samples, bit for bit. */
    const int N = 48000;
    float *ref = render_score(256, N);
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        float *o = render_score(blocks[b], N);
        CHECK(memcmp(o, ref, sizeof(float) * 2 * (size_t)N) == 0, "block %d renders the same samples as block 256", blocks[b]);
        free(o);
    }
    double peak = 0;
    for (int i = 0; i < 2 * N; i++) peak = fmax(peak, fabs(ref[i]));
    CHECK(peak > 0.05 && peak < 1, "the score is audible and below full scale: peak %.3f", peak);
    free(ref);

    /* 3. A gain change glides: no sample-to-sample jump larger than the signal's own. */
    {
        lt_engine *e = lt_engine_new(&(lt_engine_config){.sample_rate = SR});
        add_track(e, 0, "g", 0);
        note(e, 0, 0, 48000, 45);
        lt_cmd p = {.frame = 12000, .type = LT_CMD_PARAM, .slot = 0};
        p.u.param.id = LT_P_GAIN;
        p.u.param.value = -40;
        lt_engine_send(e, &p);
        float *out = calloc(24000 * 2, sizeof(float));
        lt_engine_process(e, out, 24000);
        double before = 0, after = 0, ramp_rms = 0;
        for (int i = 6000; i < 12000; i++) before += out[2 * i] * out[2 * i];
        for (int i = 20000; i < 24000; i++) after += out[2 * i] * out[2 * i];
        before = sqrt(before / 6000); after = sqrt(after / 4000);
        double ratio_db = 20 * log10(after / before);
        CHECK(fabs(ratio_db + 40) < 1.0, "gain -40 dB lowers the level by %.2f dB", ratio_db);
        /* the level 1 ms after the change is still within 20 dB of before: it glides (10 ms) */
        for (int i = 12048; i < 12096; i++) ramp_rms += out[2 * i] * out[2 * i];
        ramp_rms = sqrt(ramp_rms / 48);
        CHECK(ramp_rms > before * 0.1, "1 ms after the change the level is still gliding: %.4f vs %.4f", ramp_rms, before);
        free(out);
        lt_reply r;
        while (lt_engine_poll(e, &r)) if (r.type == LT_REPLY_TRACK_FREE) lt_track_free(r.ptr);
        lt_engine_free(e);
    }

    /* 4. The output guard: a track driven to NaN (a cutoff of NaN slips past no check here on purpose)
     * is silenced and reported; the other track plays on; nothing non-finite reaches the output. */
    {
        lt_engine *e = lt_engine_new(&(lt_engine_config){.sample_rate = SR});
        add_track(e, 0, "ok", 0);
        add_track(e, 1, "bad", 0);
        note(e, 0, 0, 48000, 57);
        note(e, 1, 0, 48000, 57);
        lt_cmd p = {.frame = 9600, .type = LT_CMD_PARAM, .slot = 1};
        p.u.param.id = LT_P_GAIN;
        p.u.param.value = INFINITY;   /* the Lua side checks ranges; the engine must survive anyway */
        lt_engine_send(e, &p);
        float *out = calloc(24000 * 2, sizeof(float));
        lt_engine_process(e, out, 24000);
        int finite = 1;
        for (int i = 0; i < 48000; i++) finite &= isfinite(out[i]);
        double late = 0;
        for (int i = 20000; i < 24000; i++) late += fabs(out[2 * i]);
        lt_reply r;
        int guards = 0;
        while (lt_engine_poll(e, &r)) {
            if (r.type == LT_REPLY_GUARD) guards++;
            if (r.type == LT_REPLY_TRACK_FREE) lt_track_free(r.ptr);
        }
        CHECK(finite, "no NaN or infinity reaches the output");
        CHECK(late > 1, "the healthy track plays on after the guard trips (sum |x| = %.1f)", late);
        lt_engine_stats st;
        lt_engine_get_stats(e, &st);
        CHECK(guards >= 1 || st.guard_trips >= 1, "the guard reported the track (%d reports)", guards);
        free(out);
        lt_engine_free(e);
    }

    /* 5. Removing a track: it fades out over 30 ms and comes back as a reply to be freed here. */
    {
        lt_engine *e = lt_engine_new(&(lt_engine_config){.sample_rate = SR});
        add_track(e, 2, "r", 0);
        note(e, 2, 0, 48000, 50);
        lt_cmd c = {.frame = 9600, .type = LT_CMD_TRACK_REMOVE, .slot = 2};
        lt_engine_send(e, &c);
        float *out = calloc(12000 * 2, sizeof(float));
        lt_engine_process(e, out, 12000);
        int freed = 0;
        lt_reply r;
        while (lt_engine_poll(e, &r)) if (r.type == LT_REPLY_TRACK_FREE) { freed++; lt_track_free(r.ptr); }
        CHECK(freed == 1, "the removed track came back to be freed");
        int silent_at = first_sound(out, 9600 + 1440 + 32, 12000);
        CHECK(silent_at < 0, "silent 30 ms after removal (first sound after: %d)", silent_at);
        double jump = 0;
        for (int i = 9601; i < 11100; i++) jump = fmax(jump, fabs(out[2 * i] - out[2 * i - 2]));
        double steady = 0;
        for (int i = 5001; i < 9600; i++) steady = fmax(steady, fabs(out[2 * i] - out[2 * i - 2]));
        CHECK(jump <= steady * 1.05, "the fade does not click: largest step %.4f vs %.4f while playing", jump, steady);
        free(out);
        lt_engine_free(e);
    }

    /* 6. Rendering, notes, parameter changes and MIDI allocate nothing. */
    if (COUNT_ALLOCS) {
        lt_engine *e = lt_engine_new(&(lt_engine_config){.sample_rate = SR});
        add_track(e, 0, "m", 0);
        float *out = calloc(256 * 2, sizeof(float));
        lt_engine_process(e, out, 256);   /* the track is handed over */
        counting = 1;
        for (int k = 0; k < 200; k++) {
            note(e, 0, 256 * k + 3, 256 * k + 900, 40 + k % 40);
            lt_cmd p = {.frame = 256 * k + 7, .type = LT_CMD_PARAM, .slot = 0};
            p.u.param.id = LT_P_CUTOFF;
            p.u.param.value = 200 + 10 * (float)k;
            lt_engine_send(e, &p);
            const uint8_t cc[3] = {0x90, 60, 100};
            lt_engine_midi(e, 256 * k + 9, cc, 3);
            lt_engine_process(e, out, 256);
        }
        counting = 0;
        CHECK(allocs == 0, "200 blocks with notes, parameter changes and MIDI: %d allocations", allocs);
        free(out);
        lt_reply r;
        while (lt_engine_poll(e, &r)) if (r.type == LT_REPLY_TRACK_FREE) lt_track_free(r.ptr);
        lt_engine_free(e);
    }
    return check_done("test_engine");
}
