/* fuzz_midi.c — libFuzzer target for the MIDI byte parser (core/midi.c).  The input is fed in pieces whose
 * sizes come from the input itself, so splits land everywhere; every emitted message is checked against
 * the promise in midi.h and a broken promise aborts, which libFuzzer reports with the input that did it.
 * Run through `make fuzz` (clang, ASan, UBSan). */
#include "midi.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(void *ud, const uint8_t *m, size_t len) {
    size_t i;
    (void)ud;
    if (len == 0 || len > LT_MIDI_MAX_MSG || !(m[0] & 0x80)) abort();
    if (m[0] == 0xF0) {
        if (len < 2 || m[len - 1] != 0xF7) abort();
        for (i = 1; i + 1 < len; i++) if (m[i] & 0x80) abort();
        return;
    }
    if ((int)len != lt_midi_msg_len(m[0])) abort();
    for (i = 1; i < len; i++) if (m[i] & 0x80) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lt_midi_parser p;
    size_t pos = 0;
    unsigned long before;
    lt_midi_parser_init(&p);
    /* The first byte picks the piece size (1..32, 0 = all at once); 0x80 in it adds packet ends. */
    uint8_t ctl = size ? data[0] : 0;
    size_t step = ctl & 0x1F;
    if (size) { data++; size--; }
    while (pos < size) {
        size_t n = step ? step : size;
        if (n > size - pos) n = size - pos;
        before = p.stray_bytes + p.truncated + p.oversized_sysex;
        lt_midi_parse(&p, data + pos, n, check_msg, NULL);
        if (p.stray_bytes + p.truncated + p.oversized_sysex < before) abort();   /* counters only grow */
        if (ctl & 0x80) lt_midi_parser_end(&p);
        if (p.sysex_len > LT_MIDI_MAX_MSG || p.have > 2) abort();
        pos += n;
    }
    return 0;
}
