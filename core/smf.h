/* smf.h — Standard MIDI Files: a reader for format 0 and 1 and a writer of format 1 files that DAWs
 * open (a conductor track with the song name, tempo map, meter map and markers, then one track per
 * lute track).  Plain C, no Lua; the Lua face is lua/bind_smf.c.
 *
 * Reading is defensive: every length is checked against the bytes that are really there, sizes are
 * capped (LT_SMF_MAX_TRACKS, LT_SMF_MAX_EVENTS), and a malformed file gives an error code with the
 * byte offset where reading stopped, never a crash or a read past the buffer.  Problems a tolerant
 * reader can live with (a track without end-of-track, a track count that disagrees with the header)
 * are reported as warnings in lt_smf.warnings and parsing goes on.
 *
 * Errors follow libsoundio: functions return an lt_smf_err code, 0 = OK, lt_smf_strerror names it,
 * and an optional lt_smf_error says where (byte offset when reading, track and item when writing).
 *
 * Thread: control thread (or any non-audio thread).  RT-safe: no — everything here allocates.
 * Ticks are absolute int64 counts of the file's division (ticks per quarter note). */
#ifndef LT_SMF_H
#define LT_SMF_H
#include <stddef.h>
#include <stdint.h>

#define LT_SMF_MAX_TRACKS   1024        /* MTrk chunks read, and tracks written (conductor included) */
#define LT_SMF_MAX_EVENTS   1000000     /* events in one file, all tracks together */
#define LT_SMF_MAX_TICK     0x0FFFFFFF  /* the largest delta time a 4-byte VLQ can hold */
#define LT_SMF_DEFAULT_DIVISION 480

enum lt_smf_err {
    LT_SMF_OK = 0,
    LT_SMF_ENOMEM,      /* out of memory */
    LT_SMF_EIO,         /* the file could not be opened, read or written (see errno) */
    LT_SMF_EMAGIC,      /* the data does not start with an "MThd" chunk */
    LT_SMF_EHEADER,     /* MThd shorter than 6 bytes, no tracks, or division 0 */
    LT_SMF_EFORMAT,     /* format other than 0 or 1 */
    LT_SMF_ESMPTE,      /* SMPTE (frames per second) division: only ticks per quarter is supported */
    LT_SMF_ECHUNK,      /* a chunk's length runs past the end of the data */
    LT_SMF_EVLQ,        /* a variable-length quantity longer than 4 bytes */
    LT_SMF_ESTATUS,     /* data byte where a status is needed and no running status, or F1..FE */
    LT_SMF_EDATA,       /* a status byte (>= 0x80) where a data byte of a channel message belongs */
    LT_SMF_ETRUNC,      /* an event is cut off by the end of its track chunk */
    LT_SMF_EMETA,       /* a tempo or time-signature meta event with an impossible length or value */
    LT_SMF_ETRACKS,     /* more than LT_SMF_MAX_TRACKS tracks (read or to write) */
    LT_SMF_EEVENTS,     /* more than LT_SMF_MAX_EVENTS events (read or to write) */
    LT_SMF_EINVAL,      /* writer: a value out of range (note, velocity, channel, tempo, meter, ...) */
    LT_SMF_ERANGE,      /* writer: a tick past LT_SMF_MAX_TICK or a delta that does not fit a VLQ */
    LT_SMF_ERR_COUNT
};

/* Where an error happened.  Reader: offset is the byte offset into the data (the start of the
 * chunk, VLQ or event at fault), track the MTrk index or -1 for the header, what NULL.  Writer:
 * track is the index into lt_smf_song.tracks (-1 for the conductor: tempos, meters, markers,
 * events, name), index the item within the list (notes, events, tempos, ...; (size_t)-1 when the
 * error is about the song or track itself), what names the field or list ("note", "vel", "ch",
 * "dur", "tick", "tempos", "meters", "markers", "events", "name", "division", ...). */
typedef struct lt_smf_error {
    int         code;       /* enum lt_smf_err */
    size_t      offset;
    int         track;
    size_t      index;
    const char *what;       /* static string or NULL */
} lt_smf_error;

const char *lt_smf_strerror(int code);
/* "message at byte N" (reader) or "message: tracks[T] item I (field)" (writer) into buf. */
void lt_smf_error_format(const lt_smf_error *e, char *buf, size_t size);

enum lt_smf_event_type {
    LT_SMF_NOTE_OFF,        /* d1 note, d2 velocity (a note-on with velocity 0 is read as this, d2 = 0) */
    LT_SMF_NOTE_ON,         /* d1 note, d2 velocity 1..127 */
    LT_SMF_POLY_AFTERTOUCH, /* d1 note, d2 pressure */
    LT_SMF_CC,              /* d1 controller, d2 value */
    LT_SMF_PROGRAM,         /* d1 program */
    LT_SMF_AFTERTOUCH,      /* d1 pressure (channel aftertouch) */
    LT_SMF_PITCH_BEND,      /* d1 LSB, d2 MSB; lt_smf_bend() gives -8192..8191 */
    LT_SMF_SYSEX,           /* d1 = 0xF0 (SysEx) or 0xF7 (escape); data/len = bytes after the length */
    LT_SMF_META             /* d1 = meta type; data/len = payload */
};

/* One event.  For SysEx and meta events data points at len payload bytes owned by the lt_smf that
 * was read (or, for the writer, by the caller). */
typedef struct lt_smf_event {
    int64_t        tick;     /* absolute */
    uint8_t        type;     /* enum lt_smf_event_type */
    uint8_t        channel;  /* 0..15 for channel events */
    uint8_t        d1, d2;
    uint32_t       len;
    const uint8_t *data;
} lt_smf_event;

static inline int lt_smf_bend(const lt_smf_event *e) { return (e->d1 | (e->d2 << 7)) - 8192; }

typedef struct lt_smf_tempo  { int64_t tick; uint32_t usec_per_quarter; } lt_smf_tempo;
typedef struct lt_smf_meter  { int64_t tick; int num, den; } lt_smf_meter;          /* den = 4 for x/4 */
typedef struct lt_smf_marker { int64_t tick; const char *text; } lt_smf_marker;     /* NUL-terminated */
typedef struct lt_smf_key    { int64_t tick; int sharps, minor; } lt_smf_key;       /* sharps < 0: flats */

/* A note with its duration; what the writer takes and what lt_smf_mtrk_notes gives back. */
typedef struct lt_smf_note {
    int64_t tick, dur;       /* start and length in ticks, dur >= 1 */
    uint8_t note, vel, ch;   /* 0..127, 1..127, 0..15 */
} lt_smf_note;

/* ---- reader ---- */

enum lt_smf_warning {
    LT_SMF_WARN_NO_EOT      = 1 << 0,  /* a track ended without an end-of-track meta event */
    LT_SMF_WARN_TRACK_COUNT = 1 << 1,  /* the number of MTrk chunks differs from the header */
    LT_SMF_WARN_AFTER_EOT   = 1 << 2,  /* bytes after end-of-track inside a track chunk were ignored */
    LT_SMF_WARN_TRAILING    = 1 << 3   /* bytes after the last chunk (fewer than a chunk header) */
};

typedef struct lt_smf_mtrk {       /* one parsed MTrk chunk */
    char         *name;            /* first track-name meta (0x03), NUL-terminated, or NULL */
    lt_smf_event *events;          /* in file order, so ticks never decrease */
    size_t        nevents;
    int64_t       end_tick;        /* tick of end-of-track (or of the last event when missing) */
    int           has_eot;
} lt_smf_mtrk;

typedef struct lt_smf {
    int           format;          /* 0 or 1 */
    int           division;        /* ticks per quarter note */
    int           ntracks;         /* MTrk chunks actually read */
    lt_smf_mtrk  *tracks;
    /* Collected from all tracks, sorted by tick (ties keep track order, then file order). */
    lt_smf_tempo *tempos;  size_t ntempos;
    lt_smf_meter *meters;  size_t nmeters;
    lt_smf_marker *markers; size_t nmarkers;
    lt_smf_key   *keys;    size_t nkeys;
    unsigned      warnings;        /* enum lt_smf_warning bits */
    uint8_t      *bytes;           /* private copy of the file; event data points here */
} lt_smf;

/* Parses len bytes.  On success fills *out (free with lt_smf_free) and returns LT_SMF_OK; on
 * failure returns the code, fills *err if not NULL and leaves *out empty (lt_smf_free is safe). */
int  lt_smf_parse(const uint8_t *data, size_t len, lt_smf *out, lt_smf_error *err);
/* Reads and parses a file; LT_SMF_EIO with errno set when it cannot be read.  Files larger than
 * 256 MiB are refused with LT_SMF_EEVENTS (they could not hold fewer events than the cap). */
int  lt_smf_read_file(const char *path, lt_smf *out, lt_smf_error *err);
void lt_smf_free(lt_smf *smf);
const char *lt_smf_warning_string(unsigned bit);

/* Pairs note-ons with note-offs on the same channel and key, first on first off (so overlapping
 * notes of one key keep their order).  A note left open ends at the track's end_tick (dur at least 1).
 * Result sorted by start tick; *notes is malloc'd (NULL when count is 0), the caller frees it. */
int  lt_smf_mtrk_notes(const lt_smf_mtrk *t, lt_smf_note **notes, size_t *count);

/* Seconds from tick 0 to tick through the tempo map (sorted by tick; 120 bpm before the first
 * change and when the map is empty), at division ticks per quarter. */
double lt_smf_tick_seconds(const lt_smf_tempo *tempos, size_t ntempos, int division, int64_t tick);

/* ---- writer ---- */

typedef struct lt_smf_track {
    const char         *name;     /* written as meta 0x03; NULL writes none */
    const lt_smf_note  *notes;    size_t nnotes;
    /* Other events: channel events (CC, program, bend, aftertouch), SysEx, and meta events other
     * than end-of-track.  NOTE_ON/NOTE_OFF here are written as they are, unpaired. */
    const lt_smf_event *events;   size_t nevents;
} lt_smf_track;

typedef struct lt_smf_song {
    const char          *name;       /* conductor track name (the song title); NULL writes none */
    int                  division;   /* ticks per quarter; 0 means LT_SMF_DEFAULT_DIVISION */
    const lt_smf_tempo  *tempos;     size_t ntempos;
    const lt_smf_meter  *meters;     size_t nmeters;    /* den a power of two, 1..32768 */
    const lt_smf_marker *markers;    size_t nmarkers;
    /* More conductor events (key signature, copyright, SysEx, ...), as in lt_smf_track.events. */
    const lt_smf_event  *events;     size_t nevents;
    const lt_smf_track  *tracks;     size_t ntracks;    /* at most LT_SMF_MAX_TRACKS - 1 */
} lt_smf_song;

/* Builds a format 1 file in memory: *out is malloc'd (the caller frees it), *len its size.
 * Within each track events are sorted by tick; at one tick note-offs come first, then other
 * events, then note-ons, so a note that ends where the next one of the same key starts is not
 * cut off.  Every track ends with end-of-track at its last event's tick. */
int  lt_smf_encode(const lt_smf_song *song, uint8_t **out, size_t *len, lt_smf_error *err);
/* lt_smf_encode, then writes the file; LT_SMF_EIO with errno set when writing fails. */
int  lt_smf_write(const lt_smf_song *song, const char *path, lt_smf_error *err);
#endif
