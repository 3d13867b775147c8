/* midi_rt.c — MIDI input through RtMidi's C API (ALSA) or JACK's own (see midi_rt.h).
 *
 * RtMidi gives us a thread and a callback per message; each message is fed to a lt_midi_parser of our own
 * as one packet, so whatever a client sends, only well-formed messages reach the caller.
 *
 * On JACK, lute reads its MIDI port itself (a JACK client of its own, loaded with dlopen like the rest of
 * libjack here) instead of through RtMidi.  RtMidi 5.0's JACK input treats an event that starts with F0 and
 * does not end with F7 as the start of a SysEx continued by the following events, and appends every later
 * event to it until one happens to end in F7: one glitch from a controller and the keyboard is dead for the
 * rest of the set.  Here each JACK event goes to the parser, which ends an unfinished SysEx at the next
 * status byte (the MIDI rule) and lets only data bytes continue it; a SysEx left open longer than
 * SYSEX_OPEN_MS is dropped.  The JACK path also keeps each event's place inside its period, which RtMidi
 * loses.  The virtual port's automatic connections need the sound server's own API, which RtMidi does not
 * offer: libjack or libasound is loaded with dlopen (both are already loaded by librtmidi), so lute does not
 * link against either and a missing one only disables what needs it.
 *
 * RtMidi 5.0's C wrapper reports failure through `ok`, but its `msg` points into the exception it caught,
 * which is already destroyed (use after free; fixed upstream in thestk/rtmidi pull request #358).  We check
 * `ok` after every call and never read `msg`; the error text says which call, API and port failed instead. */
#include "midi_rt.h"
#include "midi.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rtmidi_c.h>

#define NAME_MAX_LEN 512
#define SYSEX_OPEN_MS 200   /* a SysEx split over several packets must go on within this time */


static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    if (!err || errlen == 0) return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static const char *api_name(lt_midi_api api) {
    return api == LT_MIDI_API_ALSA ? "ALSA" : api == LT_MIDI_API_JACK ? "JACK" : "auto";
}

/* ---- JACK, loaded at run time ------------------------------------------------------------------------ */

/* The few libjack entry points we use, declared by hand so the build needs no JACK headers. */
#define J_NO_START_SERVER 0x01    /* JackNoStartServer */
#define J_PORT_IS_INPUT 0x1       /* JackPortIsInput */
#define J_PORT_IS_OUTPUT 0x2      /* JackPortIsOutput */
#define J_MIDI_TYPE "8 bit raw midi"

typedef struct jmidi_event { uint32_t time; size_t size; unsigned char *buffer; } jmidi_event;   /* jack_midi_event_t */

typedef struct jackfn {
    void *lib;
    void *(*client_open)(const char *, int, int *, ...);
    int (*client_close)(void *);
    const char **(*get_ports)(void *, const char *, const char *, unsigned long);
    void (*free_)(void *);
    int (*connect)(void *, const char *, const char *);
    void (*set_error_function)(void (*)(const char *));
    void (*set_info_function)(void (*)(const char *));
    /* for lute's own input port */
    void *(*port_register)(void *, const char *, const char *, unsigned long, unsigned long);
    int (*set_process_callback)(void *, int (*)(uint32_t, void *), void *);
    int (*activate)(void *);
    int (*deactivate)(void *);
    void *(*port_get_buffer)(void *, uint32_t);
    uint32_t (*midi_get_event_count)(void *);
    int (*midi_event_get)(jmidi_event *, void *, uint32_t);
    const char *(*port_name)(const void *);
    uint32_t (*get_sample_rate)(void *);
    uint32_t (*frames_since_cycle_start)(const void *);
} jackfn;

static int jack_load(jackfn *j) {
    memset(j, 0, sizeof *j);
    j->lib = dlopen("libjack.so.0", RTLD_NOW | RTLD_GLOBAL);
    if (!j->lib) return -1;
    *(void **)&j->client_open = dlsym(j->lib, "jack_client_open");
    *(void **)&j->client_close = dlsym(j->lib, "jack_client_close");
    *(void **)&j->get_ports = dlsym(j->lib, "jack_get_ports");
    *(void **)&j->free_ = dlsym(j->lib, "jack_free");
    *(void **)&j->connect = dlsym(j->lib, "jack_connect");
    *(void **)&j->set_error_function = dlsym(j->lib, "jack_set_error_function");
    *(void **)&j->set_info_function = dlsym(j->lib, "jack_set_info_function");
    *(void **)&j->port_register = dlsym(j->lib, "jack_port_register");
    *(void **)&j->set_process_callback = dlsym(j->lib, "jack_set_process_callback");
    *(void **)&j->activate = dlsym(j->lib, "jack_activate");
    *(void **)&j->deactivate = dlsym(j->lib, "jack_deactivate");
    *(void **)&j->port_get_buffer = dlsym(j->lib, "jack_port_get_buffer");
    *(void **)&j->midi_get_event_count = dlsym(j->lib, "jack_midi_get_event_count");
    *(void **)&j->midi_event_get = dlsym(j->lib, "jack_midi_event_get");
    *(void **)&j->port_name = dlsym(j->lib, "jack_port_name");
    *(void **)&j->get_sample_rate = dlsym(j->lib, "jack_get_sample_rate");
    *(void **)&j->frames_since_cycle_start = dlsym(j->lib, "jack_frames_since_cycle_start");
    if (!j->client_open || !j->client_close || !j->get_ports || !j->free_ || !j->connect) {
        dlclose(j->lib);
        j->lib = NULL;
        return -1;
    }
    return 0;
}

static void jack_unload(jackfn *j) {
    if (j->lib) dlclose(j->lib);
    j->lib = NULL;
}

static void jack_quiet(const char *msg) { (void)msg; }

/* Opens a helper client without starting a server.  libjack prints "cannot connect to server" to stderr
 * when none runs; that is the expected answer to our question, so its messages are silenced for the call
 * and its own printers (the exported jack_error_callback / jack_info_callback pointers) put back after. */
static void *jack_helper(jackfn *j, const char *name) {
    void (**errp)(const char *) = (void (**)(const char *))dlsym(j->lib, "jack_error_callback");
    void (**infop)(const char *) = (void (**)(const char *))dlsym(j->lib, "jack_info_callback");
    void (*olderr)(const char *) = errp ? *errp : NULL;
    void (*oldinfo)(const char *) = infop ? *infop : NULL;
    void *c;
    int status = 0;
    if (j->set_error_function && olderr) j->set_error_function(jack_quiet);
    if (j->set_info_function && oldinfo) j->set_info_function(jack_quiet);
    c = j->client_open(name, J_NO_START_SERVER, &status);
    if (j->set_error_function && olderr) j->set_error_function(olderr);
    if (j->set_info_function && oldinfo) j->set_info_function(oldinfo);
    return c;
}

static int jack_running(void) {
    jackfn j;
    void *c;
    if (jack_load(&j) != 0) return 0;
    c = jack_helper(&j, "lute-probe");
    if (c) j.client_close(c);
    jack_unload(&j);
    return c != NULL;
}

/* ---- ALSA sequencer, loaded at run time ---------------------------------------------------------------- */

typedef struct { unsigned char client, port; } seq_addr;

#define S_OPEN_DUPLEX 3            /* SND_SEQ_OPEN_DUPLEX */
#define S_CAP_READ (1u << 0)
#define S_CAP_WRITE (1u << 1)
#define S_CAP_SUBS_READ (1u << 5)
#define S_CAP_SUBS_WRITE (1u << 6)
#define S_CAP_NO_EXPORT (1u << 7)

typedef struct alsafn {
    void *lib;
    int (*open)(void **, const char *, int, int);
    int (*close)(void *);
    int (*ci_malloc)(void **);
    void (*ci_free)(void *);
    void (*ci_set_client)(void *, int);
    int (*ci_get_client)(const void *);
    const char *(*ci_get_name)(void *);
    int (*query_next_client)(void *, void *);
    int (*pi_malloc)(void **);
    void (*pi_free)(void *);
    void (*pi_set_client)(void *, int);
    void (*pi_set_port)(void *, int);
    int (*pi_get_client)(const void *);
    int (*pi_get_port)(const void *);
    unsigned (*pi_get_capability)(const void *);
    const char *(*pi_get_name)(const void *);
    int (*query_next_port)(void *, void *);
    int (*sub_malloc)(void **);
    void (*sub_free)(void *);
    void (*sub_set_sender)(void *, const seq_addr *);
    void (*sub_set_dest)(void *, const seq_addr *);
    int (*subscribe)(void *, void *);
} alsafn;

static int alsa_load(alsafn *a) {
    memset(a, 0, sizeof *a);
    a->lib = dlopen("libasound.so.2", RTLD_NOW | RTLD_GLOBAL);
    if (!a->lib) return -1;
#define SYM(f, s) *(void **)&a->f = dlsym(a->lib, s); if (!a->f) goto fail
    SYM(open, "snd_seq_open");
    SYM(close, "snd_seq_close");
    SYM(ci_malloc, "snd_seq_client_info_malloc");
    SYM(ci_free, "snd_seq_client_info_free");
    SYM(ci_set_client, "snd_seq_client_info_set_client");
    SYM(ci_get_client, "snd_seq_client_info_get_client");
    SYM(ci_get_name, "snd_seq_client_info_get_name");
    SYM(query_next_client, "snd_seq_query_next_client");
    SYM(pi_malloc, "snd_seq_port_info_malloc");
    SYM(pi_free, "snd_seq_port_info_free");
    SYM(pi_set_client, "snd_seq_port_info_set_client");
    SYM(pi_set_port, "snd_seq_port_info_set_port");
    SYM(pi_get_client, "snd_seq_port_info_get_client");
    SYM(pi_get_port, "snd_seq_port_info_get_port");
    SYM(pi_get_capability, "snd_seq_port_info_get_capability");
    SYM(pi_get_name, "snd_seq_port_info_get_name");
    SYM(query_next_port, "snd_seq_query_next_port");
    SYM(sub_malloc, "snd_seq_port_subscribe_malloc");
    SYM(sub_free, "snd_seq_port_subscribe_free");
    SYM(sub_set_sender, "snd_seq_port_subscribe_set_sender");
    SYM(sub_set_dest, "snd_seq_port_subscribe_set_dest");
    SYM(subscribe, "snd_seq_subscribe_port");
#undef SYM
    return 0;
fail:
    dlclose(a->lib);
    a->lib = NULL;
    return -1;
}

/* ---- string helpers ------------------------------------------------------------------------------------ */

typedef struct strbuf { char *s; size_t len, cap; } strbuf;

static void sb_add(strbuf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *t;
        while (b->len + n + 1 > cap) cap *= 2;
        t = realloc(b->s, cap);
        if (!t) return;                       /* keep what we have: this text is only for messages */
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static int icontains(const char *hay, const char *needle) {
    size_t i, j, n = strlen(needle);
    for (i = 0; hay[i]; i++) {
        for (j = 0; j < n && hay[i + j]; j++)
            if (tolower((unsigned char)hay[i + j]) != tolower((unsigned char)needle[j])) break;
        if (j == n) return 1;
    }
    return n == 0;
}

/* ---- RtMidi -------------------------------------------------------------------------------------------- */

/* Resolves AUTO to a concrete API, or fails saying what was looked for. */
static int resolve_api(lt_midi_api *api, char *err, size_t errlen) {
    if (*api == LT_MIDI_API_ALSA || *api == LT_MIDI_API_JACK) return 0;
    if (*api != LT_MIDI_API_AUTO) {
        seterr(err, errlen, "MIDI: unknown API %d (use auto, alsa or jack)", (int)*api);
        return -1;
    }
    if (access("/dev/snd/seq", R_OK | W_OK) == 0) { *api = LT_MIDI_API_ALSA; return 0; }
    if (jack_running()) { *api = LT_MIDI_API_JACK; return 0; }
    seterr(err, errlen, "MIDI: no MIDI system found: no ALSA sequencer (/dev/snd/seq %s) and no JACK server "
           "answering (start one, e.g. `jackd -d dummy`, and set JACK_DEFAULT_SERVER if it has a name)",
           access("/dev/snd/seq", F_OK) == 0 ? "not accessible: are you in the audio group?" : "missing");
    return -1;
}

/* Creates an RtMidi input for a concrete API; NULL with err filled. */
static RtMidiInPtr make_dev(lt_midi_api api, const char *client, char *err, size_t errlen) {
    enum RtMidiApi ra = api == LT_MIDI_API_ALSA ? RTMIDI_API_LINUX_ALSA : RTMIDI_API_UNIX_JACK;
    RtMidiInPtr dev;
    if (api == LT_MIDI_API_JACK && !jack_running()) {
        /* RtMidi would fail later and less clearly; say it now. */
        seterr(err, errlen, "MIDI: JACK: no JACK server is running%s%s", getenv("JACK_DEFAULT_SERVER") ?
               " under the name " : "", getenv("JACK_DEFAULT_SERVER") ? getenv("JACK_DEFAULT_SERVER") : "");
        return NULL;
    }
    dev = rtmidi_in_create(ra, client, 1024);
    if (!dev) {
        seterr(err, errlen, "MIDI: %s: out of memory", api_name(api));
        return NULL;
    }
    if (!dev->ok || !dev->ptr) {
        seterr(err, errlen, "MIDI: %s: RtMidi could not open a %s client named \"%s\"%s", api_name(api),
               api_name(api), client,
               api == LT_MIDI_API_ALSA ? " (is /dev/snd/seq there and accessible?)" : " (is the JACK server up?)");
        rtmidi_in_free(dev);
        return NULL;
    }
    return dev;
}

/* Name of port i, or NULL on failure (written into buf). */
static const char *port_name(RtMidiInPtr dev, unsigned i, char *buf, int buflen) {
    int len = buflen;
    buf[0] = 0;
    if (rtmidi_get_port_name(dev, i, buf, &len) < 0 || !dev->ok) { dev->ok = true; return NULL; }
    buf[buflen - 1] = 0;
    return buf;
}

/* Writes the "N: name" listing of dev's ports into a strbuf; returns the count or -1. */
static int list_ports(RtMidiInPtr dev, strbuf *out) {
    unsigned i, n = rtmidi_get_port_count(dev);
    char name[NAME_MAX_LEN], line[NAME_MAX_LEN + 32];
    if (!dev->ok) return -1;
    for (i = 0; i < n; i++) {
        if (!port_name(dev, i, name, sizeof name)) snprintf(name, sizeof name, "(name unavailable)");
        snprintf(line, sizeof line, "%u: %s\n", i, name);
        sb_add(out, line);
    }
    return (int)n;
}

int lt_midi_list(lt_midi_api api, char *buf, size_t buflen, char *err, size_t errlen) {
    RtMidiInPtr dev;
    strbuf sb = {0};
    int n;
    if (buf && buflen) buf[0] = 0;
    if (resolve_api(&api, err, errlen) != 0) return -1;
    dev = make_dev(api, "lute-list", err, errlen);
    if (!dev) return -1;
    n = list_ports(dev, &sb);
    if (n < 0) {
        seterr(err, errlen, "MIDI: %s: could not count the input ports", api_name(api));
    } else if (buf && buflen) {
        size_t len = sb.len;
        if (len >= buflen) {                 /* cut at a line end and say so */
            len = buflen >= 5 ? buflen - 5 : 0;
            while (len > 0 && sb.s[len - 1] != '\n') len--;
            memcpy(buf, sb.s, len);
            snprintf(buf + len, buflen - len, "...\n");
        } else if (sb.s) {
            memcpy(buf, sb.s, len + 1);
        }
    }
    free(sb.s);
    rtmidi_in_free(dev);
    return n;
}

struct lt_midi_in {
    RtMidiInPtr dev;              /* ALSA (RtMidi); NULL on JACK */
    jackfn j;                     /* JACK: lute's own client and port */
    void *jclient, *jport;
    double jrate;
    lt_midi_parser parser;
    lt_midi_msg_fn fn;
    void *ud;
    int64_t arrival_ns;           /* of the packet being parsed, for emit() */
    int64_t sysex_since_ns;       /* when the SysEx still open at the end of a packet began */
    _Atomic unsigned long dropped;
    lt_midi_api api;
    char name[NAME_MAX_LEN];
    char *connections;            /* malloc'd, never NULL once open */
};

static void emit(void *ud, const uint8_t *msg, size_t len) {
    lt_midi_in *m = ud;
    m->fn(m->ud, msg, len, m->arrival_ns);
}

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One packet (an RtMidi message, a JACK event) into the parser.  A channel or system common message must be
 * complete inside its packet.  A SysEx may go on in the next packets (bridges from DIN cut long ones), but
 * only with data bytes and only for SYSEX_OPEN_MS: the next status byte ends it (the parser drops it and
 * reads that byte as the start of the next message, so the note after a glitch is not lost), and so does a
 * packet that comes too late.  Thread: the MIDI thread.  RT-safe: yes. */
static void feed_packet(lt_midi_in *m, const uint8_t *msg, size_t size, int64_t now) {
    if (m->parser.in_sysex && now - m->sysex_since_ns > (int64_t)SYSEX_OPEN_MS * 1000000)
        lt_midi_parser_end(&m->parser);
    int was_open = m->parser.in_sysex;
    m->arrival_ns = now;
    lt_midi_parse(&m->parser, msg, size, emit, m);
    if (m->parser.in_sysex) {
        if (!was_open || (size && msg[0] == 0xF0)) m->sysex_since_ns = now;
    } else {
        lt_midi_parser_end(&m->parser);
    }
    /* Neither JACK (where running status is not allowed in an event) nor RtMidi's ALSA decoding ever makes a
     * packet of data bytes alone, so such a packet is garbage: forgetting the running status here makes it
     * stray instead of a phantom note. */
    m->parser.status = 0;
    atomic_store_explicit(&m->dropped, m->parser.stray_bytes + m->parser.truncated + m->parser.oversized_sysex,
                          memory_order_relaxed);
}

/* RtMidi's thread: one RtMidi message is one packet. */
static void on_message(double stamp, const unsigned char *msg, size_t size, void *ud) {
    (void)stamp;
    feed_packet(ud, msg, size, mono_ns());
}

/* JACK's process thread: every event of the period, each stamped with its own place in the period (the
 * period began frames_since_cycle_start frames ago). */
static int jack_process(uint32_t nframes, void *arg) {
    lt_midi_in *m = arg;
    void *buf = m->j.port_get_buffer(m->jport, nframes);
    if (!buf) return 0;
    int64_t now = mono_ns();
    int64_t start = now - (int64_t)((double)m->j.frames_since_cycle_start(m->jclient) * 1e9 / m->jrate);
    uint32_t n = m->j.midi_get_event_count(buf);
    for (uint32_t i = 0; i < n; i++) {
        jmidi_event ev;
        if (m->j.midi_event_get(&ev, buf, i) != 0 || !ev.buffer) continue;
        feed_packet(m, ev.buffer, ev.size, start + (int64_t)((double)ev.time * 1e9 / m->jrate));
    }
    return 0;
}

/* Finds the port that `spec` names: a number, an exact name, or one case-insensitive part of a name. */
static int find_port(RtMidiInPtr dev, lt_midi_api api, const char *spec, char *name_out, size_t name_len,
                     char *err, size_t errlen) {
    unsigned i, n = rtmidi_get_port_count(dev);
    int found = -1, partial = -1, partials = 0;
    char name[NAME_MAX_LEN];
    const char *p;
    strbuf list = {0};
    for (p = spec; *p && isdigit((unsigned char)*p); p++) {}
    if (*spec && !*p) {
        unsigned long k = strtoul(spec, NULL, 10);
        if (k < n) found = (int)k;
    } else {
        for (i = 0; i < n; i++) {
            if (!port_name(dev, i, name, sizeof name)) continue;
            if (strcmp(name, spec) == 0) { found = (int)i; break; }
            if (icontains(name, spec)) { if (partial < 0) partial = (int)i; partials++; }
        }
        if (found < 0 && partials == 1) found = partial;
    }
    if (found >= 0 && port_name(dev, (unsigned)found, name, sizeof name)) {
        snprintf(name_out, name_len, "%s", name);
        return found;
    }
    list_ports(dev, &list);
    seterr(err, errlen, "MIDI: %s: %s \"%s\"; %s%s", api_name(api),
           partials > 1 ? "more than one input port matches" : "no input port", spec,
           n ? "available:\n" : "there are no input ports at all", list.s ? list.s : "");
    free(list.s);
    return -1;
}

/* After our virtual port exists, connect every other client's MIDI output on JACK to it.  Its full
 * name is found as the one input port ending in ":<name>" that did not exist before (JACK may have
 * renamed the client to "lute-01" when a "lute" is already running). */
static void jack_connect_all(lt_midi_in *m, const char *portname, const char **before, jackfn *j, void *jc) {
    const char **after = j->get_ports(jc, NULL, J_MIDI_TYPE, J_PORT_IS_INPUT);
    const char **outs;
    const char *mine = NULL;
    size_t i, k, plen = strlen(portname), clen;
    strbuf conn = {0};
    for (i = 0; after && after[i]; i++) {
        size_t len = strlen(after[i]);
        int old = 0;
        if (len <= plen || after[i][len - plen - 1] != ':' || strcmp(after[i] + len - plen, portname) != 0) continue;
        for (k = 0; before && before[k]; k++) if (strcmp(before[k], after[i]) == 0) old = 1;
        if (!old) { mine = after[i]; break; }
    }
    if (!mine) {
        snprintf(m->name, sizeof m->name, "%s (virtual)", portname);
        goto done;
    }
    snprintf(m->name, sizeof m->name, "%s", mine);
    clen = (size_t)(strchr(mine, ':') - mine) + 1;      /* "lute:" — our own client's prefix */
    outs = j->get_ports(jc, NULL, J_MIDI_TYPE, J_PORT_IS_OUTPUT);
    for (i = 0; outs && outs[i]; i++) {
        if (strncmp(outs[i], mine, clen) == 0) continue;
        if (j->connect(jc, outs[i], mine) == 0) {
            if (conn.len) sb_add(&conn, ", ");
            sb_add(&conn, outs[i]);
        }
    }
    if (outs) j->free_(outs);
done:
    if (after) j->free_(after);
    free(m->connections);
    m->connections = conn.s ? conn.s : strdup("");
}

/* Collects the ALSA addresses of ports named `portname` that accept subscriptions (to tell ours apart). */
static int alsa_find_inputs(alsafn *a, void *seq, const char *portname, seq_addr *out, int max) {
    void *ci = NULL, *pi = NULL;
    int n = 0;
    if (a->ci_malloc(&ci) < 0 || a->pi_malloc(&pi) < 0) goto done;
    a->ci_set_client(ci, -1);
    while (a->query_next_client(seq, ci) >= 0) {
        a->pi_set_client(pi, a->ci_get_client(ci));
        a->pi_set_port(pi, -1);
        while (a->query_next_port(seq, pi) >= 0) {
            unsigned cap = a->pi_get_capability(pi);
            if ((cap & (S_CAP_WRITE | S_CAP_SUBS_WRITE)) != (S_CAP_WRITE | S_CAP_SUBS_WRITE)) continue;
            if (strcmp(a->pi_get_name(pi), portname) != 0 || n >= max) continue;
            out[n].client = (unsigned char)a->pi_get_client(pi);
            out[n].port = (unsigned char)a->pi_get_port(pi);
            n++;
        }
    }
done:
    if (ci) a->ci_free(ci);
    if (pi) a->pi_free(pi);
    return n;
}

/* The ALSA counterpart of jack_connect_all: subscribe every other readable port to our virtual port. */
static void alsa_connect_all(lt_midi_in *m, const char *portname, alsafn *a, void *seq, const seq_addr *before,
                             int nbefore) {
    seq_addr now[64], mine = {0, 0};
    int n = alsa_find_inputs(a, seq, portname, now, 64), i, k, have = 0;
    void *ci = NULL, *pi = NULL, *sub = NULL;
    strbuf conn = {0};
    char line[NAME_MAX_LEN];
    for (i = 0; i < n && !have; i++) {
        int old = 0;
        for (k = 0; k < nbefore; k++) if (before[k].client == now[i].client && before[k].port == now[i].port) old = 1;
        if (!old) { mine = now[i]; have = 1; }
    }
    if (!have) { snprintf(m->name, sizeof m->name, "%s (virtual)", portname); goto done; }
    snprintf(m->name, sizeof m->name, "%s:%s %d:%d", portname, portname, mine.client, mine.port);
    if (a->ci_malloc(&ci) < 0 || a->pi_malloc(&pi) < 0 || a->sub_malloc(&sub) < 0) goto done;
    a->ci_set_client(ci, -1);
    while (a->query_next_client(seq, ci) >= 0) {
        int c = a->ci_get_client(ci);
        if (c == 0 || c == mine.client) continue;   /* 0 is the System client: timer and announcements */
        a->pi_set_client(pi, c);
        a->pi_set_port(pi, -1);
        while (a->query_next_port(seq, pi) >= 0) {
            unsigned cap = a->pi_get_capability(pi);
            seq_addr src;
            if ((cap & (S_CAP_READ | S_CAP_SUBS_READ)) != (S_CAP_READ | S_CAP_SUBS_READ) || (cap & S_CAP_NO_EXPORT))
                continue;
            src.client = (unsigned char)c;
            src.port = (unsigned char)a->pi_get_port(pi);
            a->sub_set_sender(sub, &src);
            a->sub_set_dest(sub, &mine);
            if (a->subscribe(seq, sub) == 0) {
                snprintf(line, sizeof line, "%s%s:%s", conn.len ? ", " : "", a->ci_get_name(ci), a->pi_get_name(pi));
                sb_add(&conn, line);
            }
        }
    }
done:
    if (ci) a->ci_free(ci);
    if (pi) a->pi_free(pi);
    if (sub) a->sub_free(sub);
    free(m->connections);
    m->connections = conn.s ? conn.s : strdup("");
}

/* Finds a JACK MIDI output port as find_port does for RtMidi (RtMidi lists JACK's MIDI outputs in the same
 * order, so numbers from --list-midi still apply).  Returns its full name in name_out, or -1 with err. */
static int jack_find_source(jackfn *j, void *jc, const char *spec, char *name_out, size_t name_len, char *err,
                            size_t errlen) {
    const char **outs = j->get_ports(jc, NULL, J_MIDI_TYPE, J_PORT_IS_OUTPUT);
    int n = 0, found = -1, partial = -1, partials = 0;
    const char *p;
    strbuf list = {0};
    for (; outs && outs[n]; n++) {}
    for (p = spec; *p && isdigit((unsigned char)*p); p++) {}
    if (*spec && !*p) {
        unsigned long k = strtoul(spec, NULL, 10);
        if (k < (unsigned long)n) found = (int)k;
    } else {
        for (int i = 0; i < n; i++) {
            if (strcmp(outs[i], spec) == 0) { found = i; break; }
            if (icontains(outs[i], spec)) { if (partial < 0) partial = i; partials++; }
        }
        if (found < 0 && partials == 1) found = partial;
    }
    if (found >= 0) {
        snprintf(name_out, name_len, "%s", outs[found]);
        j->free_(outs);
        return found;
    }
    for (int i = 0; i < n; i++) {
        char line[NAME_MAX_LEN + 32];
        snprintf(line, sizeof line, "%d: %s\n", i, outs[i]);
        sb_add(&list, line);
    }
    seterr(err, errlen, "MIDI: JACK: %s \"%s\"; %s%s", partials > 1 ? "more than one input port matches" : "no input port",
           spec, n ? "available:\n" : "there are no input ports at all", list.s ? list.s : "");
    free(list.s);
    if (outs) j->free_(outs);
    return -1;
}

/* JACK: a client of lute's own with one MIDI input port, read in its process callback (see the top). */
static int jack_open_input(lt_midi_in *m, const char *client_name, const char *port, char *err, size_t errlen) {
    jackfn *j = &m->j;
    const char **before = NULL;
    if (jack_load(j) != 0 || !j->port_register || !j->set_process_callback || !j->activate || !j->deactivate ||
        !j->port_get_buffer || !j->midi_get_event_count || !j->midi_event_get || !j->port_name ||
        !j->get_sample_rate || !j->frames_since_cycle_start) {
        seterr(err, errlen, "MIDI: JACK: libjack.so.0 could not be loaded (is JACK installed?)");
        return -1;
    }
    if (!jack_running()) {
        seterr(err, errlen, "MIDI: JACK: no JACK server is running%s%s", getenv("JACK_DEFAULT_SERVER") ?
               " under the name " : "", getenv("JACK_DEFAULT_SERVER") ? getenv("JACK_DEFAULT_SERVER") : "");
        return -1;
    }
    m->jclient = jack_helper(j, client_name);
    if (!m->jclient) {
        seterr(err, errlen, "MIDI: JACK: could not open a client named \"%s\" (is the JACK server up?)", client_name);
        return -1;
    }
    m->jrate = j->get_sample_rate(m->jclient);
    if (m->jrate <= 0) m->jrate = 48000;
    char source[NAME_MAX_LEN] = "";
    if (port && jack_find_source(j, m->jclient, port, source, sizeof source, err, errlen) < 0) return -1;
    if (!port) before = j->get_ports(m->jclient, NULL, J_MIDI_TYPE, J_PORT_IS_INPUT);
    m->jport = j->port_register(m->jclient, LT_MIDI_VIRTUAL_PORT, J_MIDI_TYPE, J_PORT_IS_INPUT, 0);
    if (!m->jport) {
        seterr(err, errlen, "MIDI: JACK: could not create the input port \"%s\"", LT_MIDI_VIRTUAL_PORT);
        if (before) j->free_(before);
        return -1;
    }
    if (j->set_process_callback(m->jclient, jack_process, m) != 0 || j->activate(m->jclient) != 0) {
        seterr(err, errlen, "MIDI: JACK: could not start the MIDI client \"%s\"", client_name);
        if (before) j->free_(before);
        return -1;
    }
    const char *mine = j->port_name(m->jport);
    if (port) {
        if (j->connect(m->jclient, source, mine) != 0) {
            seterr(err, errlen, "MIDI: JACK: could not connect \"%s\" to \"%s\"", source, mine);
            return -1;
        }
        snprintf(m->name, sizeof m->name, "%s", source);
        m->connections = strdup(source);
    } else {
        snprintf(m->name, sizeof m->name, "%s", LT_MIDI_VIRTUAL_PORT);
        jack_connect_all(m, LT_MIDI_VIRTUAL_PORT, before, j, m->jclient);
        if (before) j->free_(before);
    }
    if (!m->connections) m->connections = strdup("");
    return 0;
}

lt_midi_in *lt_midi_open(lt_midi_api api, const char *client_name, const char *port, lt_midi_msg_fn fn, void *ud,
                         char *err, size_t errlen) {
    lt_midi_in *m = NULL;
    jackfn j = {0};
    alsafn a = {0};
    void *jc = NULL, *seq = NULL;
    const char **jbefore = NULL;
    seq_addr abefore[64];
    int nabefore = 0;
    if (!fn) { seterr(err, errlen, "MIDI: no message callback given"); return NULL; }
    if (!client_name || !*client_name) client_name = "lute";
    if (resolve_api(&api, err, errlen) != 0) return NULL;
    m = calloc(1, sizeof *m);
    if (!m) { seterr(err, errlen, "MIDI: out of memory"); return NULL; }
    lt_midi_parser_init(&m->parser);
    m->fn = fn;
    m->ud = ud;
    m->api = api;
    if (api == LT_MIDI_API_JACK) {
        if (jack_open_input(m, client_name, port, err, errlen) != 0) goto fail;
        return m;
    }
    m->dev = make_dev(api, client_name, err, errlen);
    if (!m->dev) goto fail;
    /* SysEx, clock and active sensing all reach the parser; the glue decides what to keep. */
    rtmidi_in_ignore_types(m->dev, false, false, false);
    if (!m->dev->ok) { seterr(err, errlen, "MIDI: %s: could not enable SysEx/timing input", api_name(api)); goto fail; }
    rtmidi_in_set_callback(m->dev, on_message, m);
    if (!m->dev->ok) { seterr(err, errlen, "MIDI: %s: could not set the input callback", api_name(api)); goto fail; }

    if (port) {
        char name[NAME_MAX_LEN];
        int idx = find_port(m->dev, api, port, name, sizeof name, err, errlen);
        if (idx < 0) goto fail;
        rtmidi_open_port(m->dev, (unsigned)idx, client_name);
        if (!m->dev->ok) {
            seterr(err, errlen, "MIDI: %s: could not open input port %d \"%s\"", api_name(api), idx, name);
            goto fail;
        }
        snprintf(m->name, sizeof m->name, "%s", name);
        m->connections = strdup(name);
        return m;
    }

    /* Virtual port: note which same-named input ports exist already, so ours can be told apart. */
    if (api == LT_MIDI_API_JACK && jack_load(&j) == 0) {
        jc = jack_helper(&j, "lute-connect");
        if (jc) jbefore = j.get_ports(jc, NULL, J_MIDI_TYPE, J_PORT_IS_INPUT);
    }
    if (api == LT_MIDI_API_ALSA && alsa_load(&a) == 0 && a.open(&seq, "default", S_OPEN_DUPLEX, 0) == 0)
        nabefore = alsa_find_inputs(&a, seq, LT_MIDI_VIRTUAL_PORT, abefore, 64);
    rtmidi_open_virtual_port(m->dev, LT_MIDI_VIRTUAL_PORT);
    if (!m->dev->ok) {
        seterr(err, errlen, "MIDI: %s: could not create the virtual input port \"%s\"", api_name(api), LT_MIDI_VIRTUAL_PORT);
        goto fail;
    }
    snprintf(m->name, sizeof m->name, "%s", LT_MIDI_VIRTUAL_PORT);
    if (jc) jack_connect_all(m, LT_MIDI_VIRTUAL_PORT, jbefore, &j, jc);
    else if (seq) alsa_connect_all(m, LT_MIDI_VIRTUAL_PORT, &a, seq, abefore, nabefore);
    if (!m->connections) m->connections = strdup("");
    if (jbefore) j.free_(jbefore);
    if (jc) j.client_close(jc);
    jack_unload(&j);
    if (seq) a.close(seq);
    if (a.lib) dlclose(a.lib);
    return m;
fail:
    if (jbefore) j.free_(jbefore);
    if (jc) j.client_close(jc);
    jack_unload(&j);
    if (seq) a.close(seq);
    if (a.lib) dlclose(a.lib);
    lt_midi_close(m);
    return NULL;
}

const char *lt_midi_port_name(const lt_midi_in *m) { return m ? m->name : ""; }

const char *lt_midi_connections(const lt_midi_in *m) { return m && m->connections ? m->connections : ""; }

unsigned long lt_midi_dropped(const lt_midi_in *m) {
    return m ? atomic_load_explicit(&((lt_midi_in *)m)->dropped, memory_order_relaxed) : 0;
}

void lt_midi_close(lt_midi_in *m) {
    if (!m) return;
    if (m->jclient) {
        /* Deactivating first stops the process callback, so it cannot run into freed memory. */
        m->j.deactivate(m->jclient);
        m->j.client_close(m->jclient);
        m->jclient = NULL;
    }
    jack_unload(&m->j);
    if (m->dev) {
        /* Closing the port first stops RtMidi's thread, so the callback cannot run into freed memory. */
        if (m->dev->ptr) {
            rtmidi_close_port(m->dev);
            rtmidi_in_cancel_callback(m->dev);
        }
        rtmidi_in_free(m->dev);
    }
    free(m->connections);
    free(m);
}
