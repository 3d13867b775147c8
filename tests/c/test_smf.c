/* test_smf.c — Standard MIDI File reader and writer (core/smf.c).
 * What a musician would notice: a song written and read back keeps every note (pitch, start,
 * length, velocity, channel), tempo, meter, marker and track name; a note that ends where the
 * next one of the same key starts is not swallowed (off before on); files from other programs
 * that use running status, note-on velocity 0 and SysEx read correctly; and broken files give a
 * named error at the right byte instead of a crash.
 * It also writes tests/out/smf_reference.mid (run from the repository root), which
 * tests/e2e/test_smf_mido reads with mido; the expected values below are repeated there. */
#include "check.h"
#include "smf.h"
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the reference song (keep in step with tests/e2e/test_smf_mido) ---- */

static const lt_smf_tempo ref_tempos[] = { { 0, 500000 }, { 1920, 750000 }, { 3840, 400000 } };  /* 120, 80, 150 bpm */
static const lt_smf_meter ref_meters[] = { { 0, 4, 4 }, { 1920, 3, 4 }, { 3360, 7, 8 } };
static const lt_smf_marker ref_markers[] = { { 0, "intro" }, { 1920, "verse" }, { 3360, "chorus" } };
static const lt_smf_note ref_bass[] = {      /* tick, dur, note, vel, ch */
    { 0, 480, 36, 100, 1 }, { 480, 480, 36, 90, 1 },   /* same key back to back: off before on */
    { 960, 960, 43, 110, 1 }, { 1920, 1440, 41, 100, 1 }, { 3360, 720, 38, 127, 1 },
};
static const lt_smf_note ref_keys[] = {
    { 0, 1920, 60, 80, 0 }, { 0, 1920, 64, 80, 0 }, { 0, 1920, 67, 80, 0 },
    { 1920, 240, 72, 70, 0 }, { 2160, 240, 74, 70, 0 }, { 3840, 480, 76, 64, 0 },
};
static const lt_smf_event ref_keys_ev[] = {
    { .tick = 0, .type = LT_SMF_PROGRAM, .channel = 0, .d1 = 4 },
    { .tick = 0, .type = LT_SMF_CC, .channel = 0, .d1 = 7, .d2 = 100 },
    { .tick = 1920, .type = LT_SMF_CC, .channel = 0, .d1 = 64, .d2 = 127 },
    { .tick = 2400, .type = LT_SMF_CC, .channel = 0, .d1 = 64, .d2 = 0 },
};
static const uint8_t ref_key_d_major[2] = { 2, 0 };     /* key signature: 2 sharps, major */
static const lt_smf_event ref_cond_ev[] = {
    { .tick = 0, .type = LT_SMF_META, .d1 = 0x59, .len = 2, .data = ref_key_d_major },
};
#define N(a) (sizeof (a) / sizeof (a)[0])

static void ref_song(lt_smf_song *s, lt_smf_track tr[2]) {
    tr[0] = (lt_smf_track){ "Bass", ref_bass, N(ref_bass), NULL, 0 };
    tr[1] = (lt_smf_track){ "Keys", ref_keys, N(ref_keys), ref_keys_ev, N(ref_keys_ev) };
    *s = (lt_smf_song){ .name = "lute reference", .tempos = ref_tempos, .ntempos = N(ref_tempos),
                        .meters = ref_meters, .nmeters = N(ref_meters), .markers = ref_markers,
                        .nmarkers = N(ref_markers), .events = ref_cond_ev, .nevents = N(ref_cond_ev),
                        .tracks = tr, .ntracks = 2 };
}

static int same_notes(const lt_smf_note *a, size_t na, const lt_smf_note *b, size_t nb, const char *what) {
    int ok = na == nb;
    for (size_t i = 0; ok && i < na; i++) {
        ok = a[i].tick == b[i].tick && a[i].dur == b[i].dur && a[i].note == b[i].note &&
             a[i].vel == b[i].vel && a[i].ch == b[i].ch;
        if (!ok)
            fprintf(stderr, "%s note %zu: got tick %lld dur %lld key %d vel %d ch %d\n", what, i,
                    (long long)a[i].tick, (long long)a[i].dur, a[i].note, a[i].vel, a[i].ch);
    }
    return ok;
}

static void test_round_trip(void) {
    lt_smf_song song;
    lt_smf_track tr[2];
    lt_smf_error err;
    uint8_t *data;
    size_t len;
    lt_smf smf;
    ref_song(&song, tr);
    int rc = lt_smf_encode(&song, &data, &len, &err);
    CHECK(rc == LT_SMF_OK, "encode the reference song: %s", lt_smf_strerror(rc));
    if (rc) return;
    rc = lt_smf_parse(data, len, &smf, &err);
    CHECK(rc == LT_SMF_OK, "parse what was written: %s", lt_smf_strerror(rc));
    if (rc) { free(data); return; }
    CHECK(smf.format == 1 && smf.division == 480 && smf.ntracks == 3,
          "format 1, 480 ticks per quarter, conductor + 2 tracks: got %d %d %d", smf.format, smf.division, smf.ntracks);
    CHECK(smf.warnings == 0, "no warnings on our own file: 0x%x", smf.warnings);
    CHECK(smf.tracks[0].name && strcmp(smf.tracks[0].name, "lute reference") == 0, "song name on the conductor track");
    CHECK(smf.tracks[1].name && strcmp(smf.tracks[1].name, "Bass") == 0 &&
          smf.tracks[2].name && strcmp(smf.tracks[2].name, "Keys") == 0, "track names Bass, Keys");
    int eot = 1;
    for (int i = 0; i < smf.ntracks; i++) eot &= smf.tracks[i].has_eot;
    CHECK(eot, "every track ends with end-of-track");
    CHECK(smf.tracks[0].end_tick == 3840 && smf.tracks[1].end_tick == 4080 && smf.tracks[2].end_tick == 4320,
          "end-of-track at the last event: %lld %lld %lld", (long long)smf.tracks[0].end_tick,
          (long long)smf.tracks[1].end_tick, (long long)smf.tracks[2].end_tick);

    int ok = smf.ntempos == N(ref_tempos);
    for (size_t i = 0; ok && i < N(ref_tempos); i++)
        ok = smf.tempos[i].tick == ref_tempos[i].tick && smf.tempos[i].usec_per_quarter == ref_tempos[i].usec_per_quarter;
    CHECK(ok, "tempo map 120 / 80 / 150 bpm at 0, 1920, 3840 survives (%zu tempos)", smf.ntempos);
    ok = smf.nmeters == N(ref_meters);
    for (size_t i = 0; ok && i < N(ref_meters); i++)
        ok = smf.meters[i].tick == ref_meters[i].tick && smf.meters[i].num == ref_meters[i].num &&
             smf.meters[i].den == ref_meters[i].den;
    CHECK(ok, "meter map 4/4, 3/4, 7/8 survives (%zu meters)", smf.nmeters);
    ok = smf.nmarkers == N(ref_markers);
    for (size_t i = 0; ok && i < N(ref_markers); i++)
        ok = smf.markers[i].tick == ref_markers[i].tick && strcmp(smf.markers[i].text, ref_markers[i].text) == 0;
    CHECK(ok, "markers intro, verse, chorus survive (%zu markers)", smf.nmarkers);

    lt_smf_note *notes;
    size_t n;
    lt_smf_mtrk_notes(&smf.tracks[1], &notes, &n);
    CHECK(same_notes(notes, n, ref_bass, N(ref_bass), "bass"), "bass notes identical after a round trip (%zu)", n);
    free(notes);
    lt_smf_mtrk_notes(&smf.tracks[2], &notes, &n);
    CHECK(same_notes(notes, n, ref_keys, N(ref_keys), "keys"), "keys notes identical after a round trip (%zu)", n);
    free(notes);

    /* At tick 480 the first C1 ends and the second starts: the off must come first, else a
     * sequencer would start the note and stop it at once. */
    const lt_smf_mtrk *b = &smf.tracks[1];
    int off_first = 0;
    for (size_t i = 0; i + 1 < b->nevents; i++)
        if (b->events[i].tick == 480 && b->events[i].type == LT_SMF_NOTE_OFF && b->events[i].d1 == 36 &&
            b->events[i + 1].tick == 480 && b->events[i + 1].type == LT_SMF_NOTE_ON && b->events[i + 1].d1 == 36)
            off_first = 1;
    CHECK(off_first, "note-off before note-on at the same tick");

    /* Program change before the notes at tick 0, CCs at their ticks. */
    const lt_smf_mtrk *k = &smf.tracks[2];
    size_t prog_at = 0, first_on = 0, ccs = 0;
    for (size_t i = 0; i < k->nevents; i++) {
        if (k->events[i].type == LT_SMF_PROGRAM && !prog_at) prog_at = i + 1;
        if (k->events[i].type == LT_SMF_NOTE_ON && !first_on) first_on = i + 1;
        if (k->events[i].type == LT_SMF_CC) {
            const lt_smf_event *e = &k->events[i];
            ccs += (e->d1 == 7 && e->d2 == 100 && e->tick == 0) || (e->d1 == 64 && e->d2 == 127 && e->tick == 1920) ||
                   (e->d1 == 64 && e->d2 == 0 && e->tick == 2400);
        }
    }
    CHECK(prog_at && prog_at < first_on, "program change comes before the first note at tick 0");
    CHECK(ccs == 3, "the three CCs come back at their ticks: %zu", ccs);

    /* Encoding what was read gives the same bytes (events keep their order and running status). */
    lt_smf_track tr2[2];
    lt_smf_note *bn, *kn;
    size_t nb, nk;
    lt_smf_mtrk_notes(&smf.tracks[1], &bn, &nb);
    lt_smf_mtrk_notes(&smf.tracks[2], &kn, &nk);
    lt_smf_event kev[8];
    size_t nkev = 0;
    for (size_t i = 0; i < k->nevents && nkev < 8; i++)
        if (k->events[i].type == LT_SMF_CC || k->events[i].type == LT_SMF_PROGRAM) kev[nkev++] = k->events[i];
    tr2[0] = (lt_smf_track){ smf.tracks[1].name, bn, nb, NULL, 0 };
    tr2[1] = (lt_smf_track){ smf.tracks[2].name, kn, nk, kev, nkev };
    lt_smf_event cev[4];
    size_t ncev = 0;
    for (size_t i = 0; i < smf.tracks[0].nevents && ncev < 4; i++)
        if (smf.tracks[0].events[i].type == LT_SMF_META && smf.tracks[0].events[i].d1 == 0x59) cev[ncev++] = smf.tracks[0].events[i];
    CHECK(smf.nkeys == 1 && smf.keys[0].sharps == 2 && !smf.keys[0].minor && ncev == 1, "key of D major on the conductor track");
    lt_smf_song again = { .name = smf.tracks[0].name, .division = smf.division, .tempos = smf.tempos,
                          .ntempos = smf.ntempos, .meters = smf.meters, .nmeters = smf.nmeters,
                          .markers = smf.markers, .nmarkers = smf.nmarkers, .events = cev, .nevents = ncev,
                          .tracks = tr2, .ntracks = 2 };
    uint8_t *data2;
    size_t len2;
    rc = lt_smf_encode(&again, &data2, &len2, &err);
    CHECK(rc == 0 && len2 == len && memcmp(data, data2, len) == 0, "write(read(file)) is byte-identical (%zu vs %zu bytes)", len2, len);
    free(data2);
    free(bn);
    free(kn);

    /* Every prefix of a good file: an error whose offset lies inside the prefix, or (cut at a
     * chunk boundary) a file with fewer tracks and a warning.  ASan checks that nothing over-reads. */
    int prefixes_ok = 1;
    for (size_t cut = 0; cut < len; cut++) {
        lt_smf p;
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, data, cut);
        rc = lt_smf_parse(copy, cut, &p, &err);
        if (rc == LT_SMF_OK) prefixes_ok &= p.ntracks < 3 && (p.warnings & LT_SMF_WARN_TRACK_COUNT);
        else prefixes_ok &= err.offset <= cut;
        if (!prefixes_ok) fprintf(stderr, "prefix %zu: rc %d offset %zu\n", cut, rc, err.offset), cut = len;
        lt_smf_free(&p);
        free(copy);
    }
    CHECK(prefixes_ok, "all %zu truncations of the file fail cleanly at an offset inside the data", len);
    lt_smf_free(&smf);
    free(data);

    /* Time through the tempo map: 4 beats at 120 = 2 s, 4 at 80 = 3 s, then 150 bpm. */
    double t1 = lt_smf_tick_seconds(ref_tempos, 3, 480, 1920), t2 = lt_smf_tick_seconds(ref_tempos, 3, 480, 3840),
           t3 = lt_smf_tick_seconds(ref_tempos, 3, 480, 4320), t0 = lt_smf_tick_seconds(NULL, 0, 480, 960);
    CHECK(fabs(t1 - 2.0) < 1e-12 && fabs(t2 - 5.0) < 1e-12 && fabs(t3 - 5.4) < 1e-12 && fabs(t0 - 1.0) < 1e-12,
          "tick 1920 / 3840 / 4320 -> %g / %g / %g s (want 2 / 5 / 5.4), no map: %g s (want 1)", t1, t2, t3, t0);
}

static void test_reference_file(void) {
    lt_smf_song song;
    lt_smf_track tr[2];
    lt_smf_error err;
    lt_smf smf;
    mkdir("tests/out", 0777);
    ref_song(&song, tr);
    int rc = lt_smf_write(&song, "tests/out/smf_reference.mid", &err);
    CHECK(rc == LT_SMF_OK, "write tests/out/smf_reference.mid: %s (%s)", lt_smf_strerror(rc), strerror(errno));
    rc = lt_smf_read_file("tests/out/smf_reference.mid", &smf, &err);
    CHECK(rc == LT_SMF_OK && smf.ntracks == 3, "read the reference file back: %s", lt_smf_strerror(rc));
    lt_smf_free(&smf);

    rc = lt_smf_read_file("tests/out/no such file.mid", &smf, &err);
    CHECK(rc == LT_SMF_EIO && errno == ENOENT, "a missing file is LT_SMF_EIO with errno ENOENT: %d", rc);
    rc = lt_smf_write(&song, "tests/out/no such dir/x.mid", &err);
    CHECK(rc == LT_SMF_EIO, "writing into a missing folder is LT_SMF_EIO: %d", rc);
}

/* Builds MThd (format, ntracks, division) + one MTrk around body; returns the length. */
static size_t smf_bytes(uint8_t *out, int format, int ntracks, int division, const uint8_t *body, size_t n) {
    const uint8_t hdr[22] = { 'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, (uint8_t)format, (uint8_t)(ntracks >> 8),
        (uint8_t)ntracks, (uint8_t)(division >> 8), (uint8_t)division, 'M', 'T', 'r', 'k',
        (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
    memcpy(out, hdr, 22);
    memcpy(out + 22, body, n);
    return 22 + n;
}

static void test_vectors(void) {
    uint8_t f[512];
    lt_smf smf;
    lt_smf_error err;
    size_t len;

    /* Running status, note-on velocity 0 as note-off (how most hardware sequencers write). */
    static const uint8_t rs[] = { 0x00, 0x90, 0x3C, 0x64, 0x60, 0x3C, 0x00, 0x00, 0x40, 0x7F, 0x60, 0x40, 0x00,
                                  0x00, 0xFF, 0x2F, 0x00 };
    len = smf_bytes(f, 0, 1, 96, rs, sizeof rs);
    int rc = lt_smf_parse(f, len, &smf, &err);
    CHECK(rc == 0 && smf.format == 0 && smf.tracks[0].nevents == 5, "running-status file parses: rc %d", rc);
    if (rc == 0) {
        const lt_smf_event *e = smf.tracks[0].events;
        CHECK(e[1].type == LT_SMF_NOTE_OFF && e[1].tick == 96 && e[1].d1 == 60 && e[2].type == LT_SMF_NOTE_ON &&
              e[2].d1 == 64 && e[2].d2 == 127 && e[3].type == LT_SMF_NOTE_OFF && e[3].tick == 192,
              "velocity-0 note-ons read as note-offs, running status reuses 0x90");
        lt_smf_note *notes;
        size_t n;
        lt_smf_mtrk_notes(&smf.tracks[0], &notes, &n);
        CHECK(n == 2 && notes[0].tick == 0 && notes[0].dur == 96 && notes[0].note == 60 && notes[0].vel == 100 &&
              notes[1].tick == 96 && notes[1].dur == 96 && notes[1].note == 64, "two notes of 96 ticks: %zu", n);
        free(notes);
    }
    lt_smf_free(&smf);

    /* SysEx (F0), an escape (F7), running status surviving them (tolerated, as mido does), pitch
     * bend extremes, key signature, a track name, a marker, and an unknown chunk skipped. */
    static const uint8_t sx[] = {
        0x00, 0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01, 0xF7,
        0x00, 0xF7, 0x02, 0xF3, 0x01,
        0x00, 0xC3, 0x05,  0x00, 0x06,
        0x00, 0xE2, 0x00, 0x40,  0x00, 0x7F, 0x7F,  0x00, 0x00, 0x00,
        0x00, 0xFF, 0x59, 0x02, 0xFD, 0x01,
        0x00, 0xFF, 0x03, 0x04, 'L', 'e', 'a', 'd',
        0x10, 0xFF, 0x06, 0x02, 'A', '1',
        0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
        0x00, 0xFF, 0x58, 0x04, 0x06, 0x03, 0x0C, 0x08,
        0x00, 0xFF, 0x2F, 0x00 };
    len = smf_bytes(f, 1, 1, 480, sx, sizeof sx);
    memmove(f + 14 + 12, f + 14, len - 14);        /* an unknown "XFIH" chunk before the MTrk */
    memcpy(f + 14, "XFIH\0\0\0\4\1\2\3\4", 12);
    len += 12;
    rc = lt_smf_parse(f, len, &smf, &err);
    CHECK(rc == 0 && smf.ntracks == 1 && smf.tracks[0].nevents == 13, "SysEx file parses, unknown chunk skipped: rc %d (%s at %zu)",
          rc, lt_smf_strerror(rc), err.offset);
    if (rc == 0) {
        const lt_smf_event *e = smf.tracks[0].events;
        CHECK(e[0].type == LT_SMF_SYSEX && e[0].d1 == 0xF0 && e[0].len == 5 && e[0].data[0] == 0x7E && e[0].data[4] == 0xF7,
              "SysEx payload of 5 bytes ending in F7");
        CHECK(e[1].type == LT_SMF_SYSEX && e[1].d1 == 0xF7 && e[1].len == 2 && e[1].data[0] == 0xF3, "F7 escape of 2 bytes");
        CHECK(e[2].type == LT_SMF_PROGRAM && e[2].channel == 3 && e[3].type == LT_SMF_PROGRAM && e[3].d1 == 6,
              "program change with running status after it");
        CHECK(lt_smf_bend(&e[4]) == 0 && lt_smf_bend(&e[5]) == 8191 && lt_smf_bend(&e[6]) == -8192 && e[6].channel == 2,
              "pitch bend centre / top / bottom: %d %d %d", lt_smf_bend(&e[4]), lt_smf_bend(&e[5]), lt_smf_bend(&e[6]));
        CHECK(smf.nkeys == 1 && smf.keys[0].sharps == -3 && smf.keys[0].minor == 1, "key signature: 3 flats, minor (C minor)");
        CHECK(smf.tracks[0].name && strcmp(smf.tracks[0].name, "Lead") == 0, "track name Lead");
        CHECK(smf.nmarkers == 1 && smf.markers[0].tick == 16 && strcmp(smf.markers[0].text, "A1") == 0, "marker A1 at tick 16");
        CHECK(smf.ntempos == 1 && smf.tempos[0].usec_per_quarter == 500000 && smf.tempos[0].tick == 16, "tempo 500000 us at tick 16");
        CHECK(smf.nmeters == 1 && smf.meters[0].num == 6 && smf.meters[0].den == 8, "time signature 6/8");
    }
    lt_smf_free(&smf);

    /* A missing end-of-track is tolerated with a warning. */
    static const uint8_t noeot[] = { 0x00, 0x90, 0x3C, 0x64, 0x60, 0x80, 0x3C, 0x40 };
    len = smf_bytes(f, 0, 1, 96, noeot, sizeof noeot);
    rc = lt_smf_parse(f, len, &smf, &err);
    CHECK(rc == 0 && (smf.warnings & LT_SMF_WARN_NO_EOT) && !smf.tracks[0].has_eot && smf.tracks[0].end_tick == 96,
          "no end-of-track: parsed, warning set: rc %d warnings 0x%x", rc, smf.warnings);
    lt_smf_free(&smf);
}

/* Each malformed file with the error and byte offset it must give. */
static void expect_error(const uint8_t *d, size_t len, int code, size_t offset, const char *what) {
    lt_smf smf;
    lt_smf_error err;
    int rc = lt_smf_parse(d, len, &smf, &err);
    CHECK(rc == code && err.code == code && err.offset == offset && smf.tracks == NULL,
          "%s: want \"%s\" at byte %zu, got \"%s\" at byte %zu", what, lt_smf_strerror(code), offset,
          lt_smf_strerror(rc), err.offset);
    lt_smf_free(&smf);
}

static void test_malformed(void) {
    uint8_t f[512];
    size_t len;
    static const uint8_t eot[] = { 0x00, 0xFF, 0x2F, 0x00 };

    expect_error((const uint8_t *)"", 0, LT_SMF_EMAGIC, 0, "empty data");
    expect_error((const uint8_t *)"RIFF\0\0\0\0RMIDdata", 16, LT_SMF_EMAGIC, 0, "RIFF instead of MThd");
    len = smf_bytes(f, 0, 1, 96, eot, sizeof eot);
    f[7] = 4;
    expect_error(f, len, LT_SMF_EHEADER, 4, "MThd length 4");
    f[6] = 0x10;
    expect_error(f, len, LT_SMF_ECHUNK, 4, "MThd length past the end");
    len = smf_bytes(f, 2, 1, 96, eot, sizeof eot);
    expect_error(f, len, LT_SMF_EFORMAT, 8, "format 2");
    len = smf_bytes(f, 1, 0, 96, eot, sizeof eot);
    expect_error(f, len, LT_SMF_EHEADER, 10, "header with 0 tracks");
    len = smf_bytes(f, 1, 2000, 96, eot, sizeof eot);
    expect_error(f, len, LT_SMF_ETRACKS, 10, "header with 2000 tracks");
    len = smf_bytes(f, 1, 1, 0xE728, eot, sizeof eot);
    expect_error(f, len, LT_SMF_ESMPTE, 12, "SMPTE 25 fps division");
    len = smf_bytes(f, 1, 1, 0, eot, sizeof eot);
    expect_error(f, len, LT_SMF_EHEADER, 12, "division 0");
    len = smf_bytes(f, 0, 1, 96, eot, sizeof eot);
    f[21] = 5;
    expect_error(f, len, LT_SMF_ECHUNK, 18, "MTrk length one past the end");

    static const uint8_t vlq[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0xFF, 0x2F, 0x00 };
    len = smf_bytes(f, 0, 1, 96, vlq, sizeof vlq);
    expect_error(f, len, LT_SMF_EVLQ, 22, "5-byte delta time");
    static const uint8_t vlqcut[] = { 0x81, 0x80 };
    len = smf_bytes(f, 0, 1, 96, vlqcut, sizeof vlqcut);
    expect_error(f, len, LT_SMF_ETRUNC, 22, "delta time cut by the end of the track");
    static const uint8_t norun[] = { 0x00, 0x3C, 0x64, 0x00, 0xFF, 0x2F, 0x00 };
    len = smf_bytes(f, 0, 1, 96, norun, sizeof norun);
    expect_error(f, len, LT_SMF_ESTATUS, 23, "data byte with no running status");
    static const uint8_t cut[] = { 0x00, 0x90, 0x3C };
    len = smf_bytes(f, 0, 1, 96, cut, sizeof cut);
    expect_error(f, len, LT_SMF_ETRUNC, 23, "note-on missing its velocity");
    static const uint8_t st[] = { 0x00, 0x90, 0x3C, 0x90, 0x00, 0xFF, 0x2F, 0x00 };
    len = smf_bytes(f, 0, 1, 96, st, sizeof st);
    expect_error(f, len, LT_SMF_EDATA, 25, "status byte as velocity");
    static const uint8_t sys[] = { 0x00, 0xF2, 0x00, 0x00, 0x00, 0xFF, 0x2F, 0x00 };
    len = smf_bytes(f, 0, 1, 96, sys, sizeof sys);
    expect_error(f, len, LT_SMF_ESTATUS, 23, "system common F2 inside a track");
    static const uint8_t tempo[] = { 0x00, 0xFF, 0x51, 0x02, 0x07, 0xA1, 0x00, 0xFF, 0x2F, 0x00 };
    len = smf_bytes(f, 0, 1, 96, tempo, sizeof tempo);
    expect_error(f, len, LT_SMF_EMETA, 23, "tempo meta of 2 bytes");
    static const uint8_t tsig[] = { 0x00, 0xFF, 0x58, 0x04, 0x04, 0x40, 0x18, 0x08, 0x00, 0xFF, 0x2F, 0x00 };
    len = smf_bytes(f, 0, 1, 96, tsig, sizeof tsig);
    expect_error(f, len, LT_SMF_EMETA, 23, "time signature 4/2^64");
    static const uint8_t meta[] = { 0x00, 0xFF, 0x01, 0x10, 0x41 };
    len = smf_bytes(f, 0, 1, 96, meta, sizeof meta);
    expect_error(f, len, LT_SMF_ETRUNC, 23, "text meta longer than the track");
    static const uint8_t sysex[] = { 0x00, 0xF0, 0x83, 0x00, 0x7E };
    len = smf_bytes(f, 0, 1, 96, sysex, sizeof sysex);
    expect_error(f, len, LT_SMF_ETRUNC, 23, "SysEx of 384 bytes with 1 present");

    /* The event cap: 1,000,001 program changes with running status (2 bytes each). */
    size_t nev = LT_SMF_MAX_EVENTS + 1, body = 1 + 2 * nev;
    uint8_t *big = malloc(22 + body);
    uint8_t *b = big + 22;
    b[0] = 0x00; b[1] = 0xC0; b[2] = 0x00;
    for (size_t i = 1; i < nev; i++) { b[1 + 2 * i] = 0x00; b[2 + 2 * i] = 0x01; }
    smf_bytes(big, 0, 1, 96, b, 0);
    big[18] = (uint8_t)(body >> 24); big[19] = (uint8_t)(body >> 16); big[20] = (uint8_t)(body >> 8); big[21] = (uint8_t)body;
    expect_error(big, 22 + body, LT_SMF_EEVENTS, 22 + 2 + 2 * LT_SMF_MAX_EVENTS, "one event over the cap of 1000000");
    free(big);

    /* The track cap: 1025 MTrk chunks although the header says 1. */
    size_t ntr = LT_SMF_MAX_TRACKS + 1;
    big = malloc(14 + 12 * ntr);
    smf_bytes(big, 1, 1, 96, eot, sizeof eot);
    for (size_t i = 1; i < ntr; i++) memcpy(big + 14 + 12 * i, big + 14, 12);
    expect_error(big, 14 + 12 * ntr, LT_SMF_ETRACKS, 14 + 12 * LT_SMF_MAX_TRACKS, "1025 MTrk chunks");
    free(big);

    lt_smf_error e = { .code = LT_SMF_EVLQ, .offset = 22 };
    char msg[160];
    lt_smf_error_format(&e, msg, sizeof msg);
    CHECK(strcmp(msg, "variable-length quantity longer than 4 bytes at byte 22") == 0, "error text: \"%s\"", msg);
}

static void test_writer_errors(void) {
    lt_smf_note bad_note[] = { { 0, 480, 60, 100, 0 }, { 480, 480, 128, 100, 0 } };
    lt_smf_note zero_dur[] = { { 0, 0, 60, 100, 0 } };
    lt_smf_note neg[] = { { -1, 10, 60, 100, 0 } };
    lt_smf_note late[] = { { LT_SMF_MAX_TICK - 5, 10, 60, 100, 0 } };
    lt_smf_meter three[] = { { 0, 4, 3 } };
    lt_smf_track t = { "x", bad_note, 2, NULL, 0 };
    lt_smf_song s = { .tracks = &t, .ntracks = 1 };
    lt_smf_error err;
    uint8_t *out;
    size_t len;
    char msg[160];

    int rc = lt_smf_encode(&s, &out, &len, &err);
    lt_smf_error_format(&err, msg, sizeof msg);
    CHECK(rc == LT_SMF_EINVAL && err.track == 0 && err.index == 1 && strcmp(err.what, "note") == 0 && out == NULL &&
          strcmp(msg, "value out of range: tracks[0] notes[1].note") == 0, "note 128 refused, naming track 0 note 1: \"%s\"", msg);
    t.notes = zero_dur; t.nnotes = 1;
    rc = lt_smf_encode(&s, &out, &len, &err);
    CHECK(rc == LT_SMF_EINVAL && strcmp(err.what, "dur") == 0, "zero-length note refused (it would be cut by its own off)");
    t.notes = neg;
    rc = lt_smf_encode(&s, &out, &len, &err);
    CHECK(rc == LT_SMF_ERANGE && strcmp(err.what, "tick") == 0, "negative tick refused");
    t.notes = late;
    rc = lt_smf_encode(&s, &out, &len, &err);
    CHECK(rc == LT_SMF_ERANGE && strcmp(err.what, "dur") == 0, "note ending past the largest tick refused");
    t.nnotes = 0;
    s.meters = three; s.nmeters = 1;
    rc = lt_smf_encode(&s, &out, &len, &err);
    lt_smf_error_format(&err, msg, sizeof msg);
    CHECK(rc == LT_SMF_EINVAL && err.track == -1 && strcmp(msg, "value out of range: meters[0]") == 0,
          "meter 4/3 refused: \"%s\"", msg);
    s.nmeters = 0;
    s.division = 0x8000;
    rc = lt_smf_encode(&s, &out, &len, &err);
    CHECK(rc == LT_SMF_EINVAL && strcmp(err.what, "division") == 0, "division 32768 refused");
    s.division = 0;
    t.nnotes = LT_SMF_MAX_EVENTS / 2;      /* never read: the count alone is refused */
    rc = lt_smf_encode(&s, &out, &len, &err);
    lt_smf_error_format(&err, msg, sizeof msg);
    CHECK(rc == LT_SMF_EEVENTS, "500000 notes (1000000 events plus names and ends) refused as more than "
          "the reader takes: \"%s\"", msg);
    t.nnotes = 0;
    rc = lt_smf_encode(&s, &out, &len, &err);
    CHECK(rc == 0 && len == 14 + 12 + 8 + 4 + 1 + 4, "an empty track with a name is still written: %zu bytes", len);
    free(out);
}

int main(void) {
    test_round_trip();
    test_reference_file();
    test_vectors();
    test_malformed();
    test_writer_errors();
    return check_done("test_smf");
}
