/* midi.c — the MIDI 1.0 byte-stream parser declared in midi.h.
 *
 * The parser is a small state machine over one byte at a time, so a message may be split anywhere across
 * calls.  The rules follow the MIDI 1.0 Detailed Specification: real-time bytes (0xF8-0xFF) may appear
 * anywhere and do not disturb anything; a channel status sets running status; SysEx and system common
 * messages cancel it; any status byte other than real-time ends a SysEx (0xF7 properly, anything else
 * cuts it short).  Whatever does not fit those rules is dropped and counted rather than repaired, because a
 * guessed note is worse for a performer than a missing one.  No allocation, no system calls: this runs on
 * the MIDI thread. */
#include "midi.h"

#include <string.h>

void lt_midi_parser_init(lt_midi_parser *p) {
    memset(p, 0, sizeof *p);
}

int lt_midi_msg_len(uint8_t status) {
    if (status < 0x80) return 0;               /* a data byte is no status */
    if (status < 0xC0) return 3;               /* note off, note on, poly pressure, control change */
    if (status < 0xE0) return 2;               /* program change, channel pressure */
    if (status < 0xF0) return 3;               /* pitch bend */
    switch (status) {
    case 0xF1: return 2;                       /* MTC quarter frame */
    case 0xF2: return 3;                       /* song position pointer */
    case 0xF3: return 2;                       /* song select */
    case 0xF6: return 1;                       /* tune request */
    case 0xF0: case 0xF7:                      /* SysEx: its length is where 0xF7 falls */
    case 0xF4: case 0xF5: return 0;            /* undefined system common */
    default:   return 1;                       /* 0xF8-0xFF real-time */
    }
}

/* Drops whatever message is under way because something else cut in; counts it once. */
static void cut(lt_midi_parser *p) {
    if (p->in_sysex) {
        if (p->sysex_over) p->oversized_sysex++;
        else p->truncated++;
        p->in_sysex = 0;
        p->sysex_over = 0;
        p->sysex_len = 0;
    } else if (p->pending) {
        p->truncated++;
    }
    p->pending = 0;
    p->have = 0;
}

/* A complete channel or system common message: emit it with its status explicit.  Channel messages
 * keep running status (the next data byte starts another message under the same status); system common
 * messages do not. */
static void complete(lt_midi_parser *p, lt_midi_emit_fn emit, void *ud) {
    uint8_t msg[3];
    msg[0] = p->status;
    msg[1] = p->data[0];
    msg[2] = p->data[1];
    emit(ud, msg, (size_t)p->need + 1);
    p->have = 0;
    p->pending = 0;
    if (p->status >= 0xF0) p->status = 0;
}

static void status_byte(lt_midi_parser *p, uint8_t b, lt_midi_emit_fn emit, void *ud) {
    int len;
    if (b == 0xF7) {
        if (p->in_sysex) {
            if (p->sysex_over) {
                p->oversized_sysex++;
            } else if (p->sysex_len < LT_MIDI_MAX_MSG) {
                p->sysex[p->sysex_len++] = b;
                emit(ud, p->sysex, p->sysex_len);
            } else {
                p->oversized_sysex++;          /* the data filled the buffer: no room left for 0xF7 */
            }
            p->in_sysex = 0;
            p->sysex_over = 0;
            p->sysex_len = 0;
        } else {
            cut(p);
            p->stray_bytes++;                  /* an end of SysEx with no SysEx begun */
        }
        p->status = 0;
        return;
    }
    cut(p);
    if (b == 0xF0) {
        p->status = 0;                         /* SysEx cancels running status */
        p->in_sysex = 1;
        p->sysex[0] = b;
        p->sysex_len = 1;
        return;
    }
    len = lt_midi_msg_len(b);
    if (len == 0) {                            /* 0xF4, 0xF5: undefined, and they cancel running status */
        p->status = 0;
        p->stray_bytes++;
        return;
    }
    if (len == 1) {                            /* tune request: complete by itself */
        p->status = 0;
        emit(ud, &b, 1);
        return;
    }
    p->status = b;
    p->need = (uint8_t)(len - 1);
    p->have = 0;
    p->pending = 1;
}

void lt_midi_parse(lt_midi_parser *p, const uint8_t *bytes, size_t n, lt_midi_emit_fn emit, void *ud) {
    size_t i;
    for (i = 0; i < n; i++) {
        uint8_t b = bytes[i];
        if (b >= 0xF8) {                       /* real-time: passes straight through */
            emit(ud, &b, 1);
        } else if (b >= 0x80) {
            status_byte(p, b, emit, ud);
        } else if (p->in_sysex) {
            if (p->sysex_len < LT_MIDI_MAX_MSG - 1)   /* keep one byte for the closing 0xF7 */
                p->sysex[p->sysex_len++] = b;
            else
                p->sysex_over = 1;
        } else if (p->status) {
            p->data[p->have++] = b;
            p->pending = 1;
            if (p->have == p->need) complete(p, emit, ud);
        } else {
            p->stray_bytes++;
        }
    }
}

void lt_midi_parser_end(lt_midi_parser *p) {
    cut(p);
    /* A cut system common message leaves no running status behind. */
    if (p->status >= 0xF0) p->status = 0;
}
