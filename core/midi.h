/* midi.h — a MIDI 1.0 byte-stream parser that turns whatever arrives from a port (well formed or not) into
 * complete, well-formed messages, plus the fixed-size event the MIDI thread hands to the engine.
 *
 * What the parser guarantees to whoever it emits to:
 *   - every message starts with a status byte (running status is expanded, so a note played with running
 *     status looks the same as one played without);
 *   - a channel or system common message has exactly lt_midi_msg_len(status) bytes and every byte after the
 *     status is < 0x80;
 *   - a SysEx message starts with 0xF0, ends with 0xF7, has only data bytes between, and is at most
 *     LT_MIDI_MAX_MSG bytes long, both framing bytes included;
 *   - a real-time byte (0xF8-0xFF: clock, start, continue, stop, active sensing, reset and the two undefined
 *     ones) is emitted on its own the moment it arrives, even in the middle of another message, which then
 *     goes on undisturbed (MIDI 1.0 lets real-time bytes interleave anywhere).
 * Everything else is dropped and counted, never guessed at: data bytes with no status to belong to
 * (stray_bytes), a message cut short by a new status byte (truncated), a SysEx longer than LT_MIDI_MAX_MSG
 * (oversized_sysex).  The counters only grow; read them from the thread that feeds the parser.
 *
 * Thread: one parser per input stream, used by one thread at a time.  RT-safe: yes (no allocation, no locks,
 * no system calls; all buffers live inside the struct). */
#ifndef LT_MIDI_H
#define LT_MIDI_H
#include <stddef.h>
#include <stdint.h>

#define LT_MIDI_MAX_MSG 256          /* longest message kept, SysEx included; longer SysEx is dropped and counted */

/* One timestamped message as it travels to the engine: `frame` is the engine frame it takes effect at. */
typedef struct lt_midi_event { int64_t frame; uint16_t len; uint8_t data[LT_MIDI_MAX_MSG]; } lt_midi_event;

/* Receives one complete message.  Called from inside lt_midi_parse, on the feeding thread; `msg` is valid
 * only during the call.  Must be RT-safe when the parser is fed from a real-time thread. */
typedef void (*lt_midi_emit_fn)(void *ud, const uint8_t *msg, size_t len);

typedef struct lt_midi_parser {
    uint8_t status;           /* running status: the channel status data bytes belong to, 0 = none */
    uint8_t need;             /* data bytes the message under `status` takes (1 or 2) */
    uint8_t have;             /* data bytes of the current message collected so far */
    uint8_t pending;          /* 1 while a message is begun and not complete (a status seen, or data collected) */
    uint8_t data[2];          /* the data bytes collected */
    uint8_t in_sysex;         /* 1 between 0xF0 and its end */
    uint8_t sysex_over;       /* 1 when the current SysEx has outgrown the buffer: it will be dropped */
    uint16_t sysex_len;       /* bytes in sysex[], 0xF0 included */
    uint8_t sysex[LT_MIDI_MAX_MSG];
    unsigned long stray_bytes, truncated, oversized_sysex;
} lt_midi_parser;

/* Clears all state and counters.  Thread: any (before the parser is fed).  RT-safe: yes. */
void lt_midi_parser_init(lt_midi_parser *p);

/* Feeds raw bytes (any split: a message may arrive across calls); calls emit once per complete message with the
 * status byte made explicit (running status expanded). Real-time bytes (0xF8-0xFF) inside a message are emitted
 * on their own without breaking it. Stray data bytes (no running status), a message cut by a new status byte, and
 * SysEx longer than LT_MIDI_MAX_MSG are dropped and counted. Never reads or writes out of bounds.
 * `bytes` may be NULL when n is 0.  Thread: the parser's feeding thread.  RT-safe: yes. */
void lt_midi_parse(lt_midi_parser *p, const uint8_t *bytes, size_t n, lt_midi_emit_fn emit, void *ud);

/* Marks the end of a packet whose messages must be complete (one RtMidi/JACK/ALSA event): a message still
 * unfinished (channel, system common or SysEx) is dropped and counted in `truncated`, so the next packet's
 * data bytes cannot complete it by accident.  Running status is kept.  Thread: feeding thread.  RT-safe: yes. */
void lt_midi_parser_end(lt_midi_parser *p);

/* Expected length of a message from its status byte: 3 for note off/on, poly pressure, CC, pitch bend, song
 * position; 2 for program change, channel pressure, MTC quarter frame, song select; 1 for tune request and
 * every real-time byte 0xF8-0xFF; 0 for SysEx (0xF0, 0xF7), the undefined 0xF4/0xF5, and data bytes. */
int lt_midi_msg_len(uint8_t status);  /* expected length of a channel/system common message, 0 for sysex/unknown */
#endif
