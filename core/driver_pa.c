/* driver_pa.c — live output through PortAudio.  The callback only renders the engine and measures
 * how long that took (for the benchmark's "worst callback as a fraction of the period"); everything
 * else happens on the control thread. */
#include "driver.h"
#include <portaudio.h>
#include <pa_jack.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct lt_live {
    PaStream *stream;
    lt_engine *engine;
    int rate, block;
    char name[256];
    double latency, in_latency;
    int inputs, outputs;
    _Atomic int64_t worst_ns, total_ns, callbacks, underflows;
};

static int pa_users;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ALSA prints pages of diagnostics while PortAudio probes a machine without sound cards; they are
 * not lute's to show.  Errors that matter come back through PortAudio's return codes. */
static PaError pa_init_quietly(void) {
    if (pa_users++ > 0) return paNoError;
    /* Probing must not start a JACK server behind the user's back (libjack would try). */
    setenv("JACK_NO_START_SERVER", "1", 0);
    fflush(stderr);
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) { dup2(devnull, 2); close(devnull); }
    PaError r = Pa_Initialize();
    if (saved >= 0) { dup2(saved, 2); close(saved); }
    if (r != paNoError) pa_users--;
    return r;
}

static void pa_done(void) {
    if (pa_users > 0 && --pa_users == 0) Pa_Terminate();
}

int lt_live_list(char *buf, size_t len, char *err, size_t errlen) {
    PaError r = pa_init_quietly();
    if (r != paNoError) { snprintf(err, errlen, "PortAudio: %s", Pa_GetErrorText(r)); return -1; }
    size_t used = 0;
    int count = 0;
    buf[0] = 0;
    for (int i = 0; i < Pa_GetDeviceCount(); i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (!d || d->maxOutputChannels < 1) continue;
        const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
        int w = snprintf(buf + used, len - used, "%d: %s: %s (%d in, %d out, %.0f Hz)%s\n", i, h ? h->name : "?", d->name,
                         d->maxInputChannels, d->maxOutputChannels, d->defaultSampleRate,
                         i == Pa_GetDefaultOutputDevice() ? " [default]" : "");
        if (w < 0 || (size_t)w >= len - used) break;
        used += (size_t)w;
        count++;
    }
    pa_done();
    return count;
}

static int find_device(const char *spec, char *err, size_t errlen) {
    char *end;
    long n = strtol(spec, &end, 10);
    if (*spec && !*end) {
        const PaDeviceInfo *d = n >= 0 && n < Pa_GetDeviceCount() ? Pa_GetDeviceInfo((int)n) : NULL;
        if (d && d->maxOutputChannels >= 1) return (int)n;
    } else {
        for (int pass = 0; pass < 3; pass++)
            for (int i = 0; i < Pa_GetDeviceCount(); i++) {
                const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
                const PaHostApiInfo *h = d ? Pa_GetHostApiInfo(d->hostApi) : NULL;
                if (!d || d->maxOutputChannels < 1) continue;
                if ((pass == 0 && strcasecmp(d->name, spec) == 0) ||
                    (pass == 1 && strcasestr(d->name, spec)) ||
                    (pass == 2 && h && strcasestr(h->name, spec)))
                    return i;
            }
    }
    size_t used = (size_t)snprintf(err, errlen, "no output device matches '%s'; devices:", spec);
    for (int i = 0; i < Pa_GetDeviceCount() && used < errlen; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d && d->maxOutputChannels >= 1)
            used += (size_t)snprintf(err + used, errlen - used, " %d '%s';", i, d->name);
    }
    return -1;
}

static int callback(const void *in, void *out, unsigned long frames, const PaStreamCallbackTimeInfo *ti,
                    PaStreamCallbackFlags flags, void *ud) {
    (void)ti;
    lt_live *l = ud;
    int64_t t0 = now_ns();
    lt_engine_mark_time(l->engine, lt_engine_engine_frame(l->engine), t0);   /* engine frames: MIDI stamps must not move with the flywheel */
    lt_engine_process_io(l->engine, in, in ? l->inputs : 0, out, (int)frames);
    int64_t dt = now_ns() - t0;
    if (dt > atomic_load_explicit(&l->worst_ns, memory_order_relaxed))
        atomic_store_explicit(&l->worst_ns, dt, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->total_ns, dt, memory_order_relaxed);
    atomic_fetch_add_explicit(&l->callbacks, 1, memory_order_relaxed);
    if (flags & paOutputUnderflow) atomic_fetch_add_explicit(&l->underflows, 1, memory_order_relaxed);
    return paContinue;
}

lt_live *lt_live_open(const lt_live_config *cfg, int *no_device, char *err, size_t errlen) {
    *no_device = 0;
    PaJack_SetClientName(cfg->client_name ? cfg->client_name : "lute");
    PaError r = pa_init_quietly();
    if (r != paNoError) {
        *no_device = 1;
        snprintf(err, errlen, "no audio system (PortAudio: %s)", Pa_GetErrorText(r));
        return NULL;
    }
    lt_live *l = calloc(1, sizeof *l);
    if (!l) { snprintf(err, errlen, "out of memory"); pa_done(); return NULL; }
    int dev = cfg->device ? find_device(cfg->device, err, errlen) : Pa_GetDefaultOutputDevice();
    if (dev < 0 || dev == paNoDevice) {
        if (!cfg->device) {
            *no_device = 1;
            snprintf(err, errlen, "no audio output device found");
        }
        goto fail;
    }
    const PaDeviceInfo *d = Pa_GetDeviceInfo(dev);
    const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
    snprintf(l->name, sizeof l->name, "%s: %s", h ? h->name : "?", d->name);
    l->block = cfg->block > 0 ? cfg->block : 256;
    /* the master on outputs 1-2; more when asked (--outputs: a click for headphones on 3-4) and the
     * device has them */
    int want_out = cfg->outputs > 2 ? cfg->outputs : 2;
    if (want_out > LT_MAX_OUTPUTS) want_out = LT_MAX_OUTPUTS;
    if (want_out > d->maxOutputChannels && d->maxOutputChannels >= 2) want_out = d->maxOutputChannels;
    l->outputs = want_out;
    PaStreamParameters op = {dev, want_out, paFloat32, d->defaultLowOutputLatency, NULL};
    double rates[2] = {cfg->sample_rate > 0 ? cfg->sample_rate : 48000, d->defaultSampleRate};
    r = paInvalidSampleRate;
    /* Full duplex on the same device when inputs are asked for (recording, monitoring) and it has
     * them; output alone otherwise, or when it refuses duplex.  Not by default: PortAudio's JACK
     * host API delays the output of a duplex stream by a period (measured: MIDI to sound 544
     * frames instead of 288 at 256-frame periods). */
    int want_in = cfg->inputs < 0 ? 0 : cfg->inputs == 0 ? 2 : cfg->inputs;
    if (want_in > d->maxInputChannels) want_in = d->maxInputChannels;
    for (int duplex = want_in > 0; duplex >= 0 && r != paNoError; duplex--) {
        PaStreamParameters ip = {dev, want_in, paFloat32, d->defaultLowInputLatency, NULL};
        for (int i = 0; i < (cfg->sample_rate > 0 ? 1 : 2) && r != paNoError; i++) {
            l->rate = (int)rates[i];
            r = Pa_OpenStream(&l->stream, duplex ? &ip : NULL, &op, rates[i], (unsigned long)l->block, paNoFlag, callback, l);
        }
        l->inputs = duplex && r == paNoError ? want_in : 0;
    }
    if (r != paNoError) {
        snprintf(err, errlen, "cannot open '%s' at %d Hz, %d frames: %s", l->name, l->rate, l->block, Pa_GetErrorText(r));
        goto fail;
    }
    const PaStreamInfo *si = Pa_GetStreamInfo(l->stream);
    if (si) { l->latency = si->outputLatency; l->in_latency = l->inputs ? si->inputLatency : 0; l->rate = (int)si->sampleRate; }
    return l;
fail:
    free(l);
    pa_done();
    return NULL;
}

int lt_live_rate(const lt_live *l) { return l->rate; }
int lt_live_block(const lt_live *l) { return l->block; }
const char *lt_live_name(const lt_live *l) { return l->name; }
double lt_live_latency(const lt_live *l) { return l->latency; }
int lt_live_inputs(const lt_live *l) { return l->inputs; }
int lt_live_outputs(const lt_live *l) { return l->outputs; }
double lt_live_input_latency(const lt_live *l) { return l->in_latency; }

int lt_live_start(lt_live *l, lt_engine *e, char *err, size_t errlen) {
    l->engine = e;
    lt_engine_set_outputs(e, l->outputs);
    PaError r = Pa_StartStream(l->stream);
    if (r != paNoError) { snprintf(err, errlen, "cannot start '%s': %s", l->name, Pa_GetErrorText(r)); return -1; }
    return 0;
}

void lt_live_stats_get(const lt_live *l, lt_live_stats *s) {
    double period = (double)l->block / l->rate * 1e9;
    int64_t n = atomic_load(&l->callbacks);
    s->callbacks = n;
    s->underflows = atomic_load(&l->underflows);
    s->worst_callback = (double)atomic_load(&l->worst_ns) / period;
    s->mean_callback = n ? (double)atomic_load(&l->total_ns) / (double)n / period : 0;
}

void lt_live_close(lt_live *l) {
    if (!l) return;
    if (l->stream) { Pa_StopStream(l->stream); Pa_CloseStream(l->stream); }
    free(l);
    pa_done();
}

/* A forced end (lua/guard.c): abort rather than drain, and terminate PortAudio, which closes the JACK
 * client, so the server forgets lute at once.  `l` is not freed: the process is about to end. */
void lt_live_abort(lt_live *l) {
    if (!l || !l->stream) return;
    PaStream *s = l->stream;
    l->stream = NULL;
    Pa_AbortStream(s);
    Pa_CloseStream(s);
    if (pa_users > 0) { pa_users = 0; Pa_Terminate(); }
}
