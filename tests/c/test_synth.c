/* test_synth.c — the polyphonic synth as a musician meets it: notes get voices, stealing takes the
 * voice that will be missed least and does not click, velocity scales the level and the brightness,
 * a note plays its pitch, the cutoff darkens the sound, released voices come back, and nothing on
 * the audio path allocates.  Prints voices rendered per CPU-second for the engine's bench. */
#include <math.h>
#include <string.h>
#include <time.h>
#include <fftw3.h>
#include "check.h"
#include "synth.h"

#define SR 48000.0f

/* Allocation counter: every malloc/calloc/realloc while `armed` is counted.  Without a sanitizer the
 * test interposes glibc's allocator (the executable's definitions win at link time) and forwards to
 * __libc_*; under AddressSanitizer, which owns malloc, its allocation hook does the counting. */
static volatile int armed;
static volatile long allocs;

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

#ifdef ASAN
/* from <sanitizer/allocator_interface.h>, which gcc does not always install */
int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void *, size_t),
                                              void (*)(const volatile void *));
static void on_malloc(const volatile void *p, size_t n) { (void)p; (void)n; if (armed) allocs++; }
static void on_free(const volatile void *p) { (void)p; }
static void hook_install(void) { __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free); }
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
void *malloc(size_t n) { if (armed) allocs++; return __libc_malloc(n); }
void *calloc(size_t m, size_t n) { if (armed) allocs++; return __libc_calloc(m, n); }
void *realloc(void *p, size_t n) { if (armed) allocs++; return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
static void hook_install(void) {}
#endif

#define LEN 65536
static float buf[LEN], buf2[LEN];

static lt_synth *make(int nvoices, const lt_synth_params *p)
{
    void *mem = malloc(lt_synth_size(nvoices));
    lt_synth *s = lt_synth_init(mem, nvoices, SR);
    if (p) lt_synth_set(s, p);
    return s;
}

static void render(lt_synth *s, float *out, int n)
{
    int i;
    for (i = 0; i < n; i += 32) lt_synth_process(s, out + i, n - i < 32 ? n - i : 32);
}

static double rms(const float *x, int n)
{
    double sq = 0;
    int i;
    for (i = 0; i < n; i++) sq += (double)x[i] * x[i];
    return sqrt(sq / n);
}

static float max_step(const float *x, int from, int to)
{
    float m = 0;
    int i;
    for (i = from; i < to; i++) m = fmaxf(m, fabsf(x[i] - x[i - 1]));
    return m;
}

/* Hann-windowed power spectrum of x[0..n): returns the strongest peak in Hz refined by a parabola
 * through the log magnitudes of the three bins around it, and the spectral centroid in *centroid. */
static double spectrum(const float *x, int n, double *centroid)
{
    double *in = fftw_malloc(sizeof(double) * n);
    fftw_complex *sp = fftw_malloc(sizeof(fftw_complex) * (n / 2 + 1));
    fftw_plan plan = fftw_plan_dft_r2c_1d(n, in, sp, FFTW_ESTIMATE);
    double best = 0, num = 0, den = 0, a, b, c, hz;
    int i, k = 1;
    for (i = 0; i < n; i++) in[i] = x[i] * (0.5 - 0.5 * cos(2 * M_PI * i / n));
    fftw_execute(plan);
    for (i = 1; i < n / 2; i++) {
        double p = sp[i][0] * sp[i][0] + sp[i][1] * sp[i][1];
        num += p * i, den += p;
        if (p > best) best = p, k = i;
    }
    a = log(sp[k - 1][0] * sp[k - 1][0] + sp[k - 1][1] * sp[k - 1][1]);
    b = log(best);
    c = log(sp[k + 1][0] * sp[k + 1][0] + sp[k + 1][1] * sp[k + 1][1]);
    hz = (k + 0.5 * (a - c) / (a - 2 * b + c)) * SR / n;
    *centroid = num / den * SR / n;
    fftw_destroy_plan(plan);
    fftw_free(in);
    fftw_free(sp);
    return hz;
}

int main(void)
{
    lt_synth_params p;
    lt_synth *s;
    int i;
    hook_install();

    /* allocation: n notes take n distinct voices */
    s = make(8, NULL);
    {
        int used[8] = { 0 }, distinct = 1;
        for (i = 0; i < 5; i++) {
            int v = lt_synth_note_on(s, 60.0f + i, 0.8f);
            distinct &= v >= 0 && v < 8 && !used[v];
            if (v >= 0 && v < 8) used[v] = 1;
        }
        CHECK(distinct && lt_synth_active(s) == 5, "5 notes sound on 5 distinct voices (%d active)",
              lt_synth_active(s));
        CHECK(lt_synth_note_on(s, NAN, 1.0f) == -1 && lt_synth_active(s) == 5, "a NaN note is refused");
        lt_synth_note_on(s, 60.0f, 0.0f);
        CHECK(!s->voices[0].held, "velocity 0 is a note-off, as in MIDI");
    }
    free(s);

    /* stealing: released voices before held ones, oldest first */
    s = make(4, NULL);
    {
        int v60 = lt_synth_note_on(s, 60, 1), v62 = lt_synth_note_on(s, 62, 1);
        int v64 = lt_synth_note_on(s, 64, 1), v65 = lt_synth_note_on(s, 65, 1), got;
        render(s, buf, 960);
        lt_synth_note_off(s, 62);
        lt_synth_note_off(s, 60);                       /* released later, but started first */
        render(s, buf, 96);
        got = lt_synth_note_on(s, 67, 1);
        CHECK(got == v60, "full pool: note 67 steals the oldest released voice (60's, %d), got %d", v60, got);
        got = lt_synth_note_on(s, 69, 1);
        CHECK(got == v62, "then the other released one (62's, %d), got %d", v62, got);
        got = lt_synth_note_on(s, 71, 1);
        CHECK(got == v64, "then, all held, the oldest held (64's, %d), got %d", v64, got);
        got = lt_synth_note_on(s, 72, 1);
        CHECK(got == v65, "then the next oldest held (65's, %d), got %d", v65, got);
    }
    free(s);

    /* overlapping notes of one pitch: note-off releases the oldest */
    s = make(4, NULL);
    {
        int a = lt_synth_note_on(s, 60, 1), b = lt_synth_note_on(s, 60, 1);
        lt_synth_note_off(s, 60);
        CHECK(!s->voices[a].held && s->voices[b].held, "two 60s: the first note-off releases the first");
        lt_synth_note_off(s, 60);
        CHECK(!s->voices[b].held, "the second note-off releases the second");
    }
    free(s);

    /* output level and the pitch of a rendered note (FFT), with and without detune */
    lt_synth_default_params(&p);
    s = make(4, &p);
    {
        float peak = 0;
        double hz, centroid;
        lt_synth_note_on(s, 60, 1.0f);
        render(s, buf, LEN);
        for (i = 0; i < LEN; i++) peak = fmaxf(peak, fabsf(buf[i]));
        printf("one voice, default patch, velocity 1: peak %.3f, RMS %.3f\n", peak, rms(buf + 24000, 24000));
        CHECK(peak > 0.2f && peak < 0.32f, "one voice at velocity 1 peaks at %.3f, want about 0.25", peak);
        hz = spectrum(buf, LEN, &centroid);
        CHECK(fabs(1200 * log2(hz / 261.6256)) < 0.5, "note 60 plays %.3f Hz, want 261.626 (%.3f cents)",
              hz, 1200 * log2(hz / 261.6256));
        lt_synth_kill_all(s);
        p.detune = 50;
        lt_synth_set(s, &p);
        lt_synth_note_on(s, 69, 1.0f);
        render(s, buf, LEN);
        hz = spectrum(buf, LEN, &centroid);
        CHECK(fabs(1200 * log2(hz / (440 * pow(2, 0.5 / 12)))) < 0.5,
              "note 69 detuned +50 cents plays %.3f Hz, want %.3f", hz, 440 * pow(2, 0.5 / 12));
    }
    free(s);

    /* velocity: half velocity is half the level (filter envelope off), and with the filter envelope
     * on, a softer note is also darker */
    lt_synth_default_params(&p);
    p.fenv = 0;
    p.sustain = 1;
    s = make(2, &p);
    {
        double loud, soft, c_loud, c_soft;
        lt_synth_note_on(s, 57, 1.0f);
        render(s, buf, 24000);
        lt_synth_kill_all(s);
        lt_synth_note_on(s, 57, 0.5f);
        render(s, buf2, 24000);
        loud = rms(buf + 4800, 19200), soft = rms(buf2 + 4800, 19200);
        CHECK(fabs(soft / loud - 0.5) < 0.005, "velocity 0.5 vs 1: RMS ratio %.4f, want 0.5", soft / loud);
        p.fenv = 4;
        p.cutoff = 300;
        lt_synth_set(s, &p);
        lt_synth_kill_all(s);
        lt_synth_note_on(s, 45, 1.0f);
        render(s, buf, 16384);
        lt_synth_kill_all(s);
        lt_synth_note_on(s, 45, 0.3f);
        render(s, buf2, 16384);
        spectrum(buf, 16384, &c_loud);
        spectrum(buf2, 16384, &c_soft);
        CHECK(c_soft < 0.7 * c_loud, "with fenv 4, velocity 0.3 is darker: centroid %.0f Hz vs %.0f Hz",
              c_soft, c_loud);
    }
    free(s);

    /* the filter darkens the sound: spectral centroid of a held saw falls with the cutoff (a saw's
     * power falls as 1/k², so its centroid sits low and moves less than the cutoff does) */
    lt_synth_default_params(&p);
    p.fenv = 0;
    p.res = 0;
    {
        static const float cutoffs[] = { 8000, 2000, 500 };
        double prev = 1e9;
        unsigned c;
        for (c = 0; c < 3; c++) {
            double centroid;
            p.cutoff = cutoffs[c];
            s = make(1, &p);
            lt_synth_note_on(s, 45, 1.0f);
            render(s, buf, 16384);
            spectrum(buf, 16384, &centroid);
            CHECK(centroid < 0.85 * prev, "cutoff %g Hz: centroid %.0f Hz, 15%% below %.0f", cutoffs[c],
                  centroid, prev);
            prev = centroid;
            free(s);
        }
    }

    /* stealing does not click: one voice holding A2, stolen by E3 at half velocity.  The largest
     * sample-to-sample step around the steal stays within that of the steady notes; cutting the
     * voice instead (kill, then a new note) steps by the whole waveform */
    lt_synth_default_params(&p);
    p.fenv = 0;
    p.cutoff = 800;
    p.res = 0;
    p.sustain = 1;
    s = make(1, &p);
    {
        float steady, across, cut;
        lt_synth_note_on(s, 45, 1.0f);
        render(s, buf, 24000);
        lt_synth_note_on(s, 52, 0.5f);
        render(s, buf + 24000, 24000);
        steady = fmaxf(max_step(buf, 12000, 24000), max_step(buf, 36000, 48000));
        across = max_step(buf, 24000, 26000);
        CHECK(across <= 1.1f * steady, "steal: largest step %.4f vs %.4f in the steady notes", across, steady);
        lt_synth_kill_all(s);
        lt_synth_note_on(s, 45, 1.0f);
        render(s, buf, 24000);
        lt_synth_kill_all(s);
        lt_synth_note_on(s, 52, 0.5f);
        render(s, buf + 24000, 24000);
        cut = max_step(buf, 24000, 26000);
        CHECK(cut > 2 * steady, "cutting instead steps by %.4f (the test can fail)", cut);
    }
    free(s);

    /* voices come back after their release: exactly round(R*sr) frames, rounded up to a quantum */
    lt_synth_default_params(&p);
    p.release = 0.1f;
    s = make(4, &p);
    {
        lt_synth_note_on(s, 60, 1);
        lt_synth_note_on(s, 64, 1);
        render(s, buf, 9600);
        lt_synth_note_off(s, 60);
        lt_synth_release_all(s);
        render(s, buf, 4800 - 32);
        CHECK(lt_synth_active(s) == 2, "during the release both voices sound (%d)", lt_synth_active(s));
        render(s, buf, 64);
        CHECK(lt_synth_active(s) == 0 && buf[63] == 0.0f, "after 0.1 s of release the voices are free "
              "(%d active) and silent", lt_synth_active(s));
    }
    free(s);

    /* a long call equals the same frames in 32-frame calls (control values change per quantum) */
    lt_synth_default_params(&p);
    s = make(8, &p);
    {
        void *mem2 = malloc(lt_synth_size(8));
        lt_synth *t = lt_synth_init(mem2, 8, SR);
        lt_synth_set(t, &p);
        lt_synth_note_on(s, 48, 0.7f), lt_synth_note_on(s, 55, 1.0f);
        lt_synth_note_on(t, 48, 0.7f), lt_synth_note_on(t, 55, 1.0f);
        for (i = 0; i < 4800; i += 256) lt_synth_process(s, buf + i, 4800 - i < 256 ? 4800 - i : 256);
        render(t, buf2, 4800);
        CHECK(memcmp(buf, buf2, 4800 * sizeof(float)) == 0, "256-frame calls equal 32-frame calls");
        free(mem2);
    }
    free(s);

    /* nothing on the audio path allocates */
    lt_synth_default_params(&p);
    s = make(16, &p);
    {
        void *(*volatile m)(size_t) = malloc;
        void *probe;
        armed = 1;
        probe = m(16);
        armed = 0;
        free(probe);
        CHECK(allocs == 1, "the allocation counter counts (%ld)", allocs);
        allocs = 0;
        armed = 1;
        for (i = 0; i < 40; i++) {
            lt_synth_note_on(s, 40.0f + i, 0.1f + 0.02f * i);
            render(s, buf, 480);
            if (i % 3 == 0) lt_synth_note_off(s, 40.0f + i);
        }
        lt_synth_set(s, &p);
        lt_synth_release_all(s);
        render(s, buf, 48000);
        lt_synth_kill_all(s);
        armed = 0;
        CHECK(allocs == 0, "note_on/off, set, process, release_all, kill_all allocated %ld times", allocs);
    }
    free(s);

    /* the figure for the engine's bench: 64 voices, 10 s, 32-frame calls */
    lt_synth_default_params(&p);
    p.sustain = 1;
    s = make(64, &p);
    {
        clock_t t0;
        double cpu;
        int n = 10 * 48000;
        for (i = 0; i < 64; i++) lt_synth_note_on(s, 36.0f + i * 0.75f, 0.8f);
        t0 = clock();
        for (i = 0; i < n; i += 32) lt_synth_process(s, buf, 32);
        cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
        printf("64 voices, 10 s in 32-frame calls: %.3f CPU-s, %.0fx real time, %.0f voices per "
               "CPU-second\n", cpu, 10 / cpu, 64 * 10 / cpu);
        CHECK(lt_synth_active(s) == 64 && isfinite(buf[31]), "64 voices sounding through the bench");
    }
    free(s);
    return check_done("synth");
}
