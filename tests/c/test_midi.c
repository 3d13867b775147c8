/* test_midi.c — the MIDI byte parser (core/midi.c) against what a player's controller or a misbehaving
 * client can send: every message kind, running status, messages split anywhere, real-time bytes inside
 * messages, SysEx at and over the size limit, garbage.  What a musician would notice is a wrong or
 * phantom note, so every test compares the exact messages that come out. */
#include "midi.h"
#include "check.h"

#include <stdint.h>
#include <string.h>

#define MAXOUT 4096

/* Records what the parser emits, in order. */
typedef struct rec {
    int n;
    size_t len[MAXOUT];
    uint8_t msg[MAXOUT][LT_MIDI_MAX_MSG];
    int bad;              /* messages that break the well-formedness promise */
    unsigned long total;  /* all messages, including those past MAXOUT */
} rec;

static int well_formed(const uint8_t *m, size_t len) {
    size_t i;
    if (len == 0 || len > LT_MIDI_MAX_MSG || !(m[0] & 0x80)) return 0;
    if (m[0] == 0xF0) {
        if (len < 2 || m[len - 1] != 0xF7) return 0;
        for (i = 1; i + 1 < len; i++) if (m[i] & 0x80) return 0;
        return 1;
    }
    if ((int)len != lt_midi_msg_len(m[0])) return 0;
    for (i = 1; i < len; i++) if (m[i] & 0x80) return 0;
    return 1;
}

static void record(void *ud, const uint8_t *msg, size_t len) {
    rec *r = ud;
    r->total++;
    if (!well_formed(msg, len)) r->bad++;
    if (r->n < MAXOUT && len <= LT_MIDI_MAX_MSG) {
        memcpy(r->msg[r->n], msg, len);
        r->len[r->n] = len;
        r->n++;
    }
}

static rec R;
static lt_midi_parser P;

static void reset(void) {
    memset(&R, 0, sizeof R);
    lt_midi_parser_init(&P);
}

static void feed(const uint8_t *b, size_t n) { lt_midi_parse(&P, b, n, record, &R); }

/* Did message i come out exactly as expected? */
static int got(int i, const uint8_t *want, size_t len) {
    return i < R.n && R.len[i] == len && memcmp(R.msg[i], want, len) == 0;
}

static void hex(const uint8_t *b, size_t n, char *out, size_t outlen) {
    size_t i, o = 0;
    out[0] = 0;
    for (i = 0; i < n && o + 4 < outlen; i++) o += (size_t)snprintf(out + o, outlen - o, "%02X ", b[i]);
}

static const char *out_str(int i) {
    static char buf[64];
    if (i >= R.n) return "(nothing)";
    hex(R.msg[i], R.len[i] < 16 ? R.len[i] : 16, buf, sizeof buf);
    return buf;
}

#define EXPECT(i, ...) do { const uint8_t w_[] = {__VA_ARGS__}; \
    CHECK(got(i, w_, sizeof w_), "message %d should be %s, got %s", i, #__VA_ARGS__, out_str(i)); } while (0)

static void test_basic_messages(void) {
    const uint8_t in[] = {0x90, 60, 100, 0x80, 60, 0, 0xB3, 7, 127, 0xE0, 0x00, 0x40, 0xC5, 12, 0xD1, 90,
                          0xA2, 61, 33, 0xF2, 0x10, 0x02, 0xF3, 5, 0xF1, 0x31, 0xF6};
    reset();
    feed(in, sizeof in);
    CHECK(R.n == 11, "eleven messages in, eleven out: got %d", R.n);
    EXPECT(0, 0x90, 60, 100);
    EXPECT(1, 0x80, 60, 0);
    EXPECT(2, 0xB3, 7, 127);
    EXPECT(3, 0xE0, 0x00, 0x40);
    EXPECT(4, 0xC5, 12);
    EXPECT(5, 0xD1, 90);
    EXPECT(6, 0xA2, 61, 33);
    EXPECT(7, 0xF2, 0x10, 0x02);
    EXPECT(8, 0xF3, 5);
    EXPECT(9, 0xF1, 0x31);
    EXPECT(10, 0xF6);
    CHECK(P.stray_bytes == 0 && P.truncated == 0 && P.oversized_sysex == 0,
          "clean input counts nothing: stray %lu truncated %lu oversized %lu", P.stray_bytes, P.truncated,
          P.oversized_sysex);
}

static void test_tune_request(void) {
    const uint8_t in[] = {0xF6, 0x90, 1, 2};
    reset();
    feed(in, sizeof in);
    EXPECT(0, 0xF6);
    EXPECT(1, 0x90, 1, 2);
}

static void test_running_status(void) {
    uint8_t in[1 + 2 * 200];
    int i, ok = 1;
    reset();
    /* A keyboard sending a chord run with running status, note-offs as velocity 0. */
    in[0] = 0x93;
    for (i = 0; i < 200; i++) { in[1 + 2 * i] = (uint8_t)(i % 128); in[2 + 2 * i] = (uint8_t)(i & 1 ? 0 : 99); }
    feed(in, sizeof in);
    CHECK(R.n == 200, "200 notes under one status byte come out as 200 messages: got %d", R.n);
    for (i = 0; i < R.n && i < 200; i++) {
        const uint8_t w[] = {0x93, (uint8_t)(i % 128), (uint8_t)(i & 1 ? 0 : 99)};
        if (!got(i, w, 3)) ok = 0;
    }
    CHECK(ok, "each has its status made explicit and its own data");

    /* Running status across feeds split in the middle of the data. */
    reset();
    feed((const uint8_t[]){0xB0, 1}, 2);
    feed((const uint8_t[]){64, 1}, 2);
    feed((const uint8_t[]){65}, 1);
    feed((const uint8_t[]){0xC2, 3, 4}, 3);        /* two-byte status, running: two program changes */
    CHECK(R.n == 4, "CC, CC by running status, then two program changes: got %d", R.n);
    EXPECT(0, 0xB0, 1, 64);
    EXPECT(1, 0xB0, 1, 65);
    EXPECT(2, 0xC2, 3);
    EXPECT(3, 0xC2, 4);

    /* Real-time bytes do not cancel running status; SysEx and system common do. */
    reset();
    feed((const uint8_t[]){0x90, 60, 1, 0xF8, 61, 2, 0xF0, 0x7E, 0xF7, 62, 3}, 11);
    CHECK(R.n == 4, "note, clock, note by running status, sysex; then two strays: got %d", R.n);
    EXPECT(2, 0x90, 61, 2);
    CHECK(P.stray_bytes == 2, "data after SysEx has no running status: 2 strays, counted %lu", P.stray_bytes);
    reset();
    feed((const uint8_t[]){0x90, 60, 1, 0xF3, 2, 61, 2}, 7);
    CHECK(R.n == 2 && P.stray_bytes == 2, "song select cancels running status: %d out, %lu stray", R.n,
          P.stray_bytes);
}

/* The same stream cut in two at every position, and fed one byte at a time, gives the same messages. */
static void test_every_split(void) {
    const uint8_t in[] = {0x90, 60, 100, 62, 90, 0xF0, 1, 2, 3, 0xF7, 0xE3, 0x7F, 0x7F, 0xC0, 5, 6, 0xFE,
                          0x80, 60, 0xF8, 0};
    rec whole;
    int cutpos, bad = 0;
    size_t i;
    reset();
    feed(in, sizeof in);
    whole = R;
    CHECK(whole.n == 9, "reference stream gives 9 messages: %d", whole.n);
    for (cutpos = 0; cutpos <= (int)sizeof in; cutpos++) {
        reset();
        feed(in, (size_t)cutpos);
        feed(in + cutpos, sizeof in - (size_t)cutpos);
        if (R.n != whole.n || memcmp(R.len, whole.len, sizeof R.len) != 0 ||
            memcmp(R.msg, whole.msg, (size_t)whole.n * sizeof R.msg[0]) != 0) {
            bad++;
            fprintf(stderr, "  split at %d differs\n", cutpos);
        }
    }
    CHECK(bad == 0, "splitting at each of %zu positions changes nothing: %d differ", sizeof in + 1, bad);
    reset();
    for (i = 0; i < sizeof in; i++) feed(in + i, 1);
    CHECK(R.n == whole.n && memcmp(R.msg, whole.msg, (size_t)whole.n * sizeof R.msg[0]) == 0,
          "one byte per call gives the same %d messages: %d", whole.n, R.n);
    CHECK(P.stray_bytes == 0 && P.truncated == 0, "and counts nothing wrong");
    /* A zero-length feed with a NULL pointer is harmless. */
    lt_midi_parse(&P, NULL, 0, record, &R);
    CHECK(R.n == whole.n, "empty feed emits nothing");
}

static void test_strays(void) {
    reset();
    feed((const uint8_t[]){1, 2, 3, 0x90, 60, 100}, 6);
    CHECK(P.stray_bytes == 3, "3 data bytes before any status are strays: %lu", P.stray_bytes);
    CHECK(R.n == 1, "then the note comes out: %d", R.n);
    EXPECT(0, 0x90, 60, 100);

    reset();
    feed((const uint8_t[]){0xF0, 1, 2, 0xF7, 9, 9, 0xF7, 0xB0, 7, 100}, 10);
    CHECK(R.n == 2, "sysex and CC out, strays between dropped: %d", R.n);
    EXPECT(0, 0xF0, 1, 2, 0xF7);
    EXPECT(1, 0xB0, 7, 100);
    CHECK(P.stray_bytes == 3, "two data bytes and a lone 0xF7 after SysEx are strays: %lu", P.stray_bytes);

    reset();
    feed((const uint8_t[]){0xF4, 1, 0xF5, 0x90, 1, 2}, 6);
    CHECK(R.n == 1 && P.stray_bytes == 3, "undefined 0xF4/0xF5 and their data are strays: %d out, %lu", R.n,
          P.stray_bytes);
}

static void test_cut_by_status(void) {
    reset();
    feed((const uint8_t[]){0x90, 60, 0x80, 61, 0}, 5);
    CHECK(R.n == 1 && P.truncated == 1, "note-on cut after one data byte is dropped: %d out, %lu truncated",
          R.n, P.truncated);
    EXPECT(0, 0x80, 61, 0);
    reset();
    feed((const uint8_t[]){0x90, 0xB0, 1, 2}, 4);
    CHECK(R.n == 1 && P.truncated == 1, "a bare status followed by another is truncated: %d, %lu", R.n,
          P.truncated);
    reset();
    feed((const uint8_t[]){0xF0, 1, 2, 0x90, 60, 1}, 6);
    CHECK(R.n == 1 && P.truncated == 1, "SysEx cut by a note-on is dropped, the note kept: %d, %lu", R.n,
          P.truncated);
    EXPECT(0, 0x90, 60, 1);
    reset();
    feed((const uint8_t[]){0xE0, 5, 0xF7, 0xE0, 1, 2}, 6);
    CHECK(R.n == 1 && P.truncated == 1 && P.stray_bytes == 1,
          "pitch bend cut by a lone 0xF7: %d out, %lu truncated, %lu stray", R.n, P.truncated, P.stray_bytes);
}

static void test_realtime_inside(void) {
    uint8_t in[] = {0x90, 0xF8, 60, 0xFA, 100, 0xFE};
    reset();
    feed(in, sizeof in);
    CHECK(R.n == 4, "clock, start, note, sensing: %d", R.n);
    EXPECT(0, 0xF8);
    EXPECT(1, 0xFA);
    EXPECT(2, 0x90, 60, 100);
    EXPECT(3, 0xFE);
    CHECK(P.truncated == 0, "the note is not broken by real-time bytes");

    reset();
    feed((const uint8_t[]){0xF0, 0x43, 0xF8, 0x10, 0xFF, 0x4C, 0xF7}, 7);
    CHECK(R.n == 3, "two real-time bytes and the SysEx they interrupted: %d", R.n);
    EXPECT(0, 0xF8);
    EXPECT(1, 0xFF);
    EXPECT(2, 0xF0, 0x43, 0x10, 0x4C, 0xF7);
}

static void sysex_of(size_t total, uint8_t *buf) {
    size_t i;
    buf[0] = 0xF0;
    for (i = 1; i + 1 < total; i++) buf[i] = (uint8_t)(i & 0x7F);
    buf[total - 1] = 0xF7;
}

static void test_sysex_limit(void) {
    uint8_t big[LT_MIDI_MAX_MSG + 100];
    reset();
    sysex_of(LT_MIDI_MAX_MSG, big);
    feed(big, LT_MIDI_MAX_MSG);
    CHECK(R.n == 1 && R.len[0] == LT_MIDI_MAX_MSG && memcmp(R.msg[0], big, LT_MIDI_MAX_MSG) == 0,
          "SysEx of exactly %d bytes passes whole: %d msgs, len %zu", LT_MIDI_MAX_MSG, R.n, R.n ? R.len[0] : 0);
    CHECK(P.oversized_sysex == 0, "and is not counted as oversized");

    reset();
    sysex_of(LT_MIDI_MAX_MSG + 1, big);
    feed(big, LT_MIDI_MAX_MSG + 1);
    feed((const uint8_t[]){0x90, 64, 80}, 3);
    CHECK(P.oversized_sysex == 1, "SysEx of %d bytes is counted oversized: %lu", LT_MIDI_MAX_MSG + 1,
          P.oversized_sysex);
    CHECK(R.n == 1, "only the next note comes out: %d", R.n);
    EXPECT(0, 0x90, 64, 80);

    /* Far over, split across feeds, interrupted by a clock, then cut by a status instead of 0xF7. */
    reset();
    sysex_of(LT_MIDI_MAX_MSG + 100, big);
    feed(big, 200);
    feed((const uint8_t[]){0xF8}, 1);
    feed(big + 200, LT_MIDI_MAX_MSG + 99 - 200);            /* no 0xF7 */
    feed((const uint8_t[]){0xB0, 1, 2, 3, 4}, 5);
    CHECK(P.oversized_sysex == 1 && P.truncated == 0, "long SysEx cut by CC counted once as oversized: %lu, %lu",
          P.oversized_sysex, P.truncated);
    CHECK(R.n == 3, "clock and two CCs out: %d", R.n);
    EXPECT(0, 0xF8);
    EXPECT(1, 0xB0, 1, 2);
    EXPECT(2, 0xB0, 3, 4);
    CHECK(R.bad == 0, "nothing malformed emitted");
}

static void test_truncated_end(void) {
    reset();
    feed((const uint8_t[]){0x90, 60, 100, 0x90, 61}, 5);
    CHECK(R.n == 1, "a note cut by the end of input is not emitted: %d", R.n);
    lt_midi_parser_end(&P);
    CHECK(P.truncated == 1, "parser_end counts it truncated: %lu", P.truncated);
    feed((const uint8_t[]){62, 70, 63}, 3);
    CHECK(R.n == 2, "running status survives the packet end, the cut data does not complete anything: %d", R.n);
    EXPECT(1, 0x90, 62, 70);

    reset();
    feed((const uint8_t[]){0xF0, 1, 2}, 3);
    lt_midi_parser_end(&P);
    feed((const uint8_t[]){3, 0xF7}, 2);
    CHECK(R.n == 0 && P.truncated == 1 && P.stray_bytes == 2,
          "SysEx open at a packet end is dropped, its tail is stray: %d, %lu, %lu", R.n, P.truncated,
          P.stray_bytes);
    reset();
    feed((const uint8_t[]){0xF2, 1}, 2);
    lt_midi_parser_end(&P);
    feed((const uint8_t[]){2, 3}, 2);
    CHECK(R.n == 0 && P.stray_bytes == 2, "a cut song position leaves no running status: %d, %lu", R.n,
          P.stray_bytes);
    reset();
    lt_midi_parser_end(&P);
    CHECK(P.truncated == 0, "ending an idle parser counts nothing");
}

/* A fixed xorshift so a failure reproduces. */
static uint32_t rng_state = 0x12345678u;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 17; rng_state ^= rng_state << 5;
    return rng_state;
}

static void test_random(void) {
    static uint8_t buf[1 << 20];
    size_t i, pos;
    int round;
    for (round = 0; round < 3; round++) {
        reset();
        for (i = 0; i < sizeof buf; i++) {
            uint32_t r = rnd();
            /* Later rounds: mostly data bytes, so running status runs and SysEx, long ones too, form. */
            uint32_t every = round == 1 ? 16 : 1024;
            buf[i] = (uint8_t)(round == 0 ? r : ((r >> 8) % every == 0 ? (r | 0x80) : (r & 0x7F)));
        }
        for (pos = 0; pos < sizeof buf;) {
            size_t n = 1 + rnd() % 700;
            if (n > sizeof buf - pos) n = sizeof buf - pos;
            feed(buf + pos, n);
            pos += n;
        }
        CHECK(R.bad == 0, "1 MB of random bytes (round %d): %lu messages, %d malformed", round, R.total, R.bad);
        CHECK(R.total > 1000, "and real messages came through: %lu", R.total);
        if (round == 2)
            CHECK(P.oversized_sysex > 0, "sparse status bytes make some over-long SysEx: %lu", P.oversized_sysex);
        printf("random round %d: %lu messages, %lu stray, %lu truncated, %lu oversized sysex\n", round, R.total,
               P.stray_bytes, P.truncated, P.oversized_sysex);
    }
}

int main(void) {
    test_basic_messages();
    test_tune_request();
    test_running_status();
    test_every_split();
    test_strays();
    test_cut_by_status();
    test_realtime_inside();
    test_sysex_limit();
    test_truncated_end();
    test_random();
    return check_done("test_midi");
}
