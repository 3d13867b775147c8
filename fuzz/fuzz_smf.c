/* fuzz_smf.c — libFuzzer target for the Standard MIDI File reader (core/smf.c).
 * Any input must parse or fail with an error whose offset lies inside the data, without a crash,
 * an over-read or a leak (ASan/UBSan catch those).  A file that parses is then written back with
 * the writer and read again: the notes, tempo map, meter map and markers must come back the same,
 * which exercises the writer and the note pairing on shapes no hand-made test would think of.
 * Build and run: make fuzz FUZZ_SECONDS=60. */
#include "smf.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_map_meta(const lt_smf_event *e) {
    return e->type == LT_SMF_META &&
           (e->d1 == 0x03 || e->d1 == 0x06 || e->d1 == 0x51 || e->d1 == 0x58 || e->d1 == 0x2F);
}

static int is_note(const lt_smf_event *e) {
    return e->type == LT_SMF_NOTE_ON || e->type == LT_SMF_NOTE_OFF;
}

static void round_trip(const lt_smf *smf) {
    int n = smf->ntracks;
    lt_smf_track *tracks = calloc((size_t)n, sizeof *tracks);
    lt_smf_note **notes = calloc((size_t)n, sizeof *notes);
    lt_smf_event **events = calloc((size_t)n, sizeof *events);
    size_t *nnotes = calloc((size_t)n, sizeof *nnotes);
    if (!tracks || !notes || !events || !nnotes) goto done;
    for (int i = 0; i < n; i++) {
        const lt_smf_mtrk *t = &smf->tracks[i];
        if (lt_smf_mtrk_notes(t, &notes[i], &nnotes[i])) goto done;
        events[i] = malloc((t->nevents + 1) * sizeof **events);
        if (!events[i]) goto done;
        size_t k = 0;
        for (size_t j = 0; j < t->nevents; j++)
            if (!is_note(&t->events[j]) && !is_map_meta(&t->events[j])) events[i][k++] = t->events[j];
        tracks[i] = (lt_smf_track){ t->name, notes[i], nnotes[i], events[i], k };
    }
    lt_smf_song song = { .division = smf->division, .tempos = smf->tempos, .ntempos = smf->ntempos,
                         .meters = smf->meters, .nmeters = smf->nmeters, .markers = smf->markers,
                         .nmarkers = smf->nmarkers, .tracks = tracks, .ntracks = (size_t)n };
    uint8_t *out;
    size_t len;
    lt_smf_error err;
    /* Ticks past LT_SMF_MAX_TICK (sums of many long deltas) cannot be written: that is an error,
     * not a bug. */
    if (lt_smf_encode(&song, &out, &len, &err) != LT_SMF_OK) goto done;
    lt_smf back;
    if (lt_smf_parse(out, len, &back, &err) != LT_SMF_OK) abort();
    if (back.ntracks != n + 1 || back.ntempos != smf->ntempos || back.nmeters != smf->nmeters ||
        back.nmarkers != smf->nmarkers)
        abort();
    for (size_t i = 0; i < smf->ntempos; i++)
        if (back.tempos[i].tick != smf->tempos[i].tick ||
            back.tempos[i].usec_per_quarter != smf->tempos[i].usec_per_quarter) abort();
    for (size_t i = 0; i < smf->nmeters; i++)
        if (back.meters[i].tick != smf->meters[i].tick || back.meters[i].num != smf->meters[i].num ||
            back.meters[i].den != smf->meters[i].den) abort();
    for (size_t i = 0; i < smf->nmarkers; i++)
        if (back.markers[i].tick != smf->markers[i].tick ||
            strcmp(back.markers[i].text, smf->markers[i].text) != 0) abort();
    for (int i = 0; i < n; i++) {
        lt_smf_note *again;
        size_t m;
        if (lt_smf_mtrk_notes(&back.tracks[i + 1], &again, &m)) abort();
        if (m != nnotes[i]) abort();
        for (size_t j = 0; j < m; j++)
            if (again[j].tick != notes[i][j].tick || again[j].dur != notes[i][j].dur ||
                again[j].note != notes[i][j].note || again[j].vel != notes[i][j].vel ||
                again[j].ch != notes[i][j].ch) abort();
        free(again);
    }
    lt_smf_free(&back);
    free(out);
done:
    for (int i = 0; i < n; i++) {
        if (notes) free(notes[i]);
        if (events) free(events[i]);
    }
    free(tracks);
    free(notes);
    free(events);
    free(nnotes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lt_smf smf;
    lt_smf_error err;
    int rc = lt_smf_parse(data, size, &smf, &err);
    if (rc != LT_SMF_OK) {
        if (err.offset > size || rc >= LT_SMF_ERR_COUNT) abort();
        return 0;
    }
    round_trip(&smf);
    lt_smf_free(&smf);
    return 0;
}
