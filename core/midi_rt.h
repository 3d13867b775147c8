/* midi_rt.h — MIDI input from the system through RtMidi (ALSA sequencer or JACK), with every message run
 * through lute's own parser (midi.h) so only well-formed messages reach the engine, whatever a client sends.
 *
 * Threads: lt_midi_list, lt_midi_open, lt_midi_close and lt_midi_port_name run on the control thread and are
 * not RT-safe (they allocate and talk to the sound server).  The message callback runs on RtMidi's own thread
 * (the JACK process thread, or RtMidi's ALSA input thread). */
#ifndef LT_MIDI_RT_H
#define LT_MIDI_RT_H
#include <stddef.h>
#include <stdint.h>

typedef enum { LT_MIDI_API_AUTO = 0, LT_MIDI_API_ALSA, LT_MIDI_API_JACK } lt_midi_api;

/* Called on RtMidi's thread for each complete, parsed message.  It must be RT-safe (the engine's glue pushes into
 * SPSC rings).  `arrival_ns` is CLOCK_MONOTONIC nanoseconds taken when RtMidi's callback ran.
 * `msg` is valid only during the call; real-time bytes (clock, start, stop, sensing) come as 1-byte messages. */
typedef void (*lt_midi_msg_fn)(void *ud, const uint8_t *msg, size_t len, int64_t arrival_ns);

typedef struct lt_midi_in lt_midi_in;

/* The virtual input port's name, whatever the client is called: the JACK audio client is "lute", so
 * the MIDI client is "lute-midi" and its port shows as "lute-midi:lute" (ALSA: client lute-midi, port lute). */
#define LT_MIDI_VIRTUAL_PORT "lute"

/* Lists input ports ("N: name" lines) into a caller buffer; returns the count or -1 with err filled.
 * A listing longer than the buffer is cut at a line end and ends with "...\n"; the count is still exact. */
int lt_midi_list(lt_midi_api api, char *buf, size_t buflen, char *err, size_t errlen);

/* Opens MIDI input. port == NULL: open a virtual input port named `client_name` (e.g. "lute") and connect every
 * hardware/other output port found to it (on JACK: every MIDI output port of every other client, physical or
 * not, present at the time of the call; on ALSA: every readable, subscribable port of every other client except
 * the System client).  Ports that appear later are not connected.
 * port != NULL: a number ("2"), an exact name, or a case-insensitive part of a name; a port not found, or a part
 * that matches more than one name, is an error that lists the available ports.
 * AUTO picks ALSA when /dev/snd/seq exists, else JACK when a JACK server answers (jack_client_open with
 * JackNoStartServer), else fails with a clear message. Returns NULL with err filled.
 * `fn` starts being called before lt_midi_open returns. */
lt_midi_in *lt_midi_open(lt_midi_api api, const char *client_name, const char *port, lt_midi_msg_fn fn, void *ud,
                         char *err, size_t errlen);

/* The full name of what was opened, for messages: the source port's name when one was chosen, the virtual
 * port's own full name otherwise (on JACK "client:port", e.g. "lute:lute"). */
const char *lt_midi_port_name(const lt_midi_in *m);

/* For a virtual port: the ports connected to it at open, comma-separated ("" when none).  For a chosen
 * port: its name. */
const char *lt_midi_connections(const lt_midi_in *m);

/* Malformed input dropped so far (see lt_midi_parser); a snapshot, read from any thread. */
unsigned long lt_midi_dropped(const lt_midi_in *m);

/* Stops the callback (it is not running and will not run once this returns), closes the port, frees. NULL ok. */
void lt_midi_close(lt_midi_in *m);
#endif
