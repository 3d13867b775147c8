/* meter.c — one pass over the audio for everything lt_report holds (see meter.h).
 *
 * Loudness is libebur128's (BS.1770-4 K-weighting, gating, LRA after EBU Tech 3342, true peak
 * 4x oversampled below 96 kHz).  Momentary (400 ms) and short-term (3 s) loudness are read every
 * 10 ms, as EBU Tech 3341 needs for its off-grid bursts (cases 10, 11, 13, 14): the audio goes to
 * libebur128 10 ms at a time and after each piece libebur128 gives the K-weighted, channel-weighted
 * energy of just that piece (ebur128_loudness_window over 10 ms).  A 400 ms window is then the mean
 * of the last 40 pieces and a 3 s window the mean of the last 300 — the same sums libebur128 would
 * make for ebur128_loudness_momentary/shortterm at that instant (tests/c/test_loudness.c checks the
 * two agree), at a small fraction of the cost of summing 3 s of samples 100 times a second.  At
 * rates that are not a multiple of 100 Hz the pieces are not whole samples long and lute asks
 * libebur128 for each reading directly instead.
 *
 * The integrated loudness is BS.1770-4's gating over the same 400 ms block energies libebur128 keeps
 * for it (a block ending at 0.4 s and every 0.1 s after, gated at -70 LUFS and 10 LU under their
 * mean), taken from the 10 ms pieces; the loudness range is Tech 3342's statistic over the same short-term energies libebur128 keeps for
 * it (a 3 s block at 3 s and then every second, gated at -70 LUFS and 20 LU under their mean, the
 * 95th minus the 10th percentile, indexed as libebur128 does), taken from the 10 ms pieces instead
 * of letting libebur128 sum 3 s of samples again for each block; test_loudness.c checks that the two
 * agree.  (At rates that are not a multiple of 100 Hz, libebur128 computes it.)
 *
 * True peak is lute's own meter (truepeak.h: 4x oversampling with a longer interpolator than
 * libebur128's and a parabolic refinement), the one the limiter's detector shares.
 *
 * lt_meter_file runs libebur128 on a second thread while this one reads the file and computes the
 * rest; the readings are the same as on one thread (each part sees the whole signal in order). */
#include "analysis/meter.h"
#include "analysis/spectrum.h"
#include "analysis/truepeak.h"
#include <ebur128.h>
#include <pthread.h>
#include <sndfile.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define M_BLOCKS 40
#define S_BLOCKS 300

struct lt_meter {
    lt_meter_opts  o;
    int            channels, rate;
    ebur128_state *eb;
    lt_welch      *welch;
    lt_truepeak   *tp;
    /* the loudness worker (lt_meter_file) */
    pthread_t      worker;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int            threaded, job_ready, job_done, quit, job_rc;
    const float   *job_x;
    int64_t        job_n;
    /* the 10 ms pieces */
    int            exact;          /* rate % 100 == 0: the window method */
    int64_t        fed, next_mark; /* frames given to libebur128; where the next reading falls */
    int64_t        nblocks;
    double         ring[S_BLOCKS]; /* energies of the last 300 pieces */
    double         msum, ssum;
    double         mmax, smax;
    float         *mom, *st;
    int64_t        ncap;
    double        *lra_e;          /* short-term block energies for the loudness range */
    int64_t        nlra, lra_cap;
    double        *gate_e;         /* 400 ms block energies for the integrated loudness */
    int64_t        ngate, gate_cap;
    /* per-sample statistics */
    double         sum[LT_METER_MAX_CH], sumsq[LT_METER_MAX_CH], peak[LT_METER_MAX_CH];
    double         sLL, sRR, sLR;
    int            run[LT_METER_MAX_CH];
    int64_t        clip_runs, clipped, first_clip;
    int64_t        first_loud, last_loud, frames;
    double         silence_lin, clip_level;
    float         *env_min, *env_max;
};

void lt_default_roles(int channels, int *roles) {
    static const int tab[9][8] = {
        {0},
        {LT_CH_LEFT},
        {LT_CH_LEFT, LT_CH_RIGHT},
        {LT_CH_LEFT, LT_CH_RIGHT, LT_CH_CENTER},
        {LT_CH_LEFT, LT_CH_RIGHT, LT_CH_LEFT_SURROUND, LT_CH_RIGHT_SURROUND},
        {LT_CH_LEFT, LT_CH_RIGHT, LT_CH_CENTER, LT_CH_LEFT_SURROUND, LT_CH_RIGHT_SURROUND},
        {LT_CH_LEFT, LT_CH_RIGHT, LT_CH_CENTER, LT_CH_UNUSED, LT_CH_LEFT_SURROUND, LT_CH_RIGHT_SURROUND},
        {LT_CH_LEFT, LT_CH_RIGHT, LT_CH_CENTER, LT_CH_UNUSED, LT_CH_LEFT_SURROUND, LT_CH_RIGHT_SURROUND, LT_CH_UNUSED},
        {LT_CH_LEFT, LT_CH_RIGHT, LT_CH_CENTER, LT_CH_UNUSED, LT_CH_LEFT_SURROUND, LT_CH_RIGHT_SURROUND,
         LT_CH_LEFT_SURROUND, LT_CH_RIGHT_SURROUND},
    };
    for (int c = 0; c < channels && c < 8; c++) roles[c] = tab[channels <= 8 ? channels : 0][c];
}

static int eb_role(int r) {
    switch (r) {
    case LT_CH_LEFT: return EBUR128_LEFT;
    case LT_CH_RIGHT: return EBUR128_RIGHT;
    case LT_CH_CENTER: return EBUR128_CENTER;
    case LT_CH_LEFT_SURROUND: return EBUR128_LEFT_SURROUND;
    case LT_CH_RIGHT_SURROUND: return EBUR128_RIGHT_SURROUND;
    case LT_CH_DUAL_MONO: return EBUR128_DUAL_MONO;
    default: return EBUR128_UNUSED;
    }
}

lt_meter *lt_meter_new(int channels, int rate, const lt_meter_opts *o, char *err, size_t errlen) {
    if (channels < 1 || channels > LT_METER_MAX_CH) {
        snprintf(err, errlen, "%d channels: lute measures 1 to %d", channels, LT_METER_MAX_CH);
        return NULL;
    }
    if (rate < 1000 || rate > 768000) {
        snprintf(err, errlen, "sample rate %d Hz: lute measures 1 kHz to 768 kHz", rate);
        return NULL;
    }
    lt_meter *m = calloc(1, sizeof *m);
    if (!m) goto nomem;
    if (o) m->o = *o;
    if (m->o.loudness_only) m->o.no_bands = 1, m->o.series = 0;
    m->channels = channels;
    m->rate = rate;
    /* At rates that are a multiple of 100 Hz libebur128 only K-weights (its 10 ms energies feed
     * everything else); otherwise it computes the integrated loudness and range itself. */
    int mode = rate % 100 == 0 ? EBUR128_MODE_S : EBUR128_MODE_I | EBUR128_MODE_S;
    if (!m->o.loudness_only && rate % 100 != 0) mode |= EBUR128_MODE_LRA;
    if (!m->o.no_true_peak && !(m->tp = lt_truepeak_new(channels))) goto nomem;
    m->eb = ebur128_init((unsigned)channels, (unsigned long)rate, mode);
    if (!m->eb) goto nomem;
    int roles[LT_METER_MAX_CH];
    if (m->o.roles) memcpy(roles, m->o.roles, sizeof(int) * channels);
    else lt_default_roles(channels, roles);
    for (int c = 0; c < channels; c++) ebur128_set_channel(m->eb, (unsigned)c, eb_role(roles[c]));
    if (!m->o.no_bands) {
        m->welch = lt_welch_new(lt_welch_size(rate), channels);
        if (!m->welch) goto nomem;
    }
    if (m->o.plot_columns > 0) {
        if (m->o.expected_frames <= 0) m->o.expected_frames = 1;
        m->env_min = malloc(sizeof(float) * m->o.plot_columns);
        m->env_max = malloc(sizeof(float) * m->o.plot_columns);
        if (!m->env_min || !m->env_max) goto nomem;
        for (int i = 0; i < m->o.plot_columns; i++) m->env_min[i] = m->env_max[i] = 0;
    }
    m->exact = rate % 100 == 0;
    m->next_mark = (rate + 50) / 100;
    m->mmax = m->smax = -HUGE_VAL;
    m->first_loud = -1;
    m->last_loud = -1;
    m->first_clip = -1;
    m->silence_lin = pow(10.0, (m->o.silence_db != 0 ? m->o.silence_db : -60.0) / 20.0);
    m->clip_level = m->o.clip_level > 0 ? m->o.clip_level : 0.9999;
    if (m->o.clip_run <= 0) m->o.clip_run = 3;
    return m;
nomem:
    snprintf(err, errlen, "out of memory for the loudness meter");
    lt_meter_free(m);
    return NULL;
}

static double to_lufs(double energy) { return energy > 0 ? 10 * log10(energy) - 0.691 : -HUGE_VAL; }

static void push(double **a, int64_t *n, int64_t *cap, double v) {
    if (*n == *cap) {
        int64_t c = *cap ? 2 * *cap : 1024;
        double *p = realloc(*a, sizeof(double) * c);
        if (!p) return;   /* out of memory: the statistic loses this block */
        *a = p;
        *cap = c;
    }
    (*a)[(*n)++] = v;
}

/* BS.1770-4 gating over the kept block energies, as libebur128's ebur128_loudness_global computes it. */
static double integrated(const double *e, int64_t n) {
    if (n == 0) return -HUGE_VAL;
    double mean = 0;
    for (int64_t i = 0; i < n; i++) mean += e[i];
    double rel = mean / (double)n * 0.1, sum = 0;   /* -10 LU */
    int64_t above = 0;
    for (int64_t i = 0; i < n; i++) if (e[i] >= rel) { sum += e[i]; above++; }
    return above ? to_lufs(sum / (double)above) : -HUGE_VAL;
}

static void reading(lt_meter *m) {
    double ml, sl;
    if (m->exact) {
        double l;
        double e = 0;
        if (ebur128_loudness_window(m->eb, 10, &l) == EBUR128_SUCCESS && l > -HUGE_VAL) e = pow(10.0, (l + 0.691) / 10.0);
        int64_t i = m->nblocks;
        double old_s = m->ring[i % S_BLOCKS];
        double old_m = i >= M_BLOCKS ? m->ring[(i - M_BLOCKS) % S_BLOCKS] : 0;
        m->ring[i % S_BLOCKS] = e;
        m->msum += e - old_m;
        m->ssum += e - old_s;
        if ((i + 1) % 3000 == 0) {   /* re-add from scratch now and then: no drift over hours */
            m->msum = m->ssum = 0;
            for (int k = 0; k < S_BLOCKS; k++) {
                int64_t j = i - k;
                if (j < 0) break;
                double v = m->ring[j % S_BLOCKS];
                m->ssum += v;
                if (k < M_BLOCKS) m->msum += v;
            }
        }
        ml = to_lufs(fmax(m->msum, 0) / M_BLOCKS);
        sl = to_lufs(fmax(m->ssum, 0) / S_BLOCKS);
        /* libebur128's gating blocks: 400 ms long, ending at 0.4 s, 0.5 s, ... */
        if (i + 1 >= M_BLOCKS && (i + 1) % 10 == 0) {
            double ge = fmax(m->msum, 0) / M_BLOCKS;
            if (ge >= pow(10.0, (-70.0 + 0.691) / 10.0)) push(&m->gate_e, &m->ngate, &m->gate_cap, ge);
        }
        /* libebur128's loudness-range blocks: 3 s long, ending at 3 s, 4 s, 5 s, ... */
        if (!m->o.loudness_only && i + 1 >= S_BLOCKS && (i + 1) % 100 == 0) {
            double se = fmax(m->ssum, 0) / S_BLOCKS;
            if (se >= pow(10.0, (-70.0 + 0.691) / 10.0)) push(&m->lra_e, &m->nlra, &m->lra_cap, se);
        }
    } else {
        if (ebur128_loudness_momentary(m->eb, &ml) != EBUR128_SUCCESS) ml = -HUGE_VAL;
        if (ebur128_loudness_shortterm(m->eb, &sl) != EBUR128_SUCCESS) sl = -HUGE_VAL;
    }
    if (ml > m->mmax) m->mmax = ml;
    if (sl > m->smax) m->smax = sl;
    if (m->o.series) {
        if (m->nblocks >= m->ncap) {
            int64_t cap = m->ncap ? m->ncap * 2 : 4096;
            float *a = realloc(m->mom, sizeof(float) * cap), *b = a ? realloc(m->st, sizeof(float) * cap) : NULL;
            if (a) m->mom = a;
            if (b) m->st = b;
            if (a && b) m->ncap = cap;
        }
        if (m->nblocks < m->ncap) {
            m->mom[m->nblocks] = (float)ml;
            m->st[m->nblocks] = (float)sl;
        }
    }
    m->nblocks++;
    m->next_mark = m->exact ? (m->nblocks + 1) * (m->rate / 100) : ((m->nblocks + 1) * (int64_t)m->rate + 50) / 100;
}

/* One pass over the frames: sums, peaks, clip runs, stereo products, the loud region, the envelope. */
static void stats(lt_meter *m, const float *x, int64_t n) {
    int ch = m->channels, need = m->o.clip_run;
    float thr = (float)m->silence_lin, cl = (float)m->clip_level;
    double s[LT_METER_MAX_CH], ss[LT_METER_MAX_CH];
    float pk[LT_METER_MAX_CH];
    int run[LT_METER_MAX_CH];
    for (int c = 0; c < ch; c++) { s[c] = ss[c] = 0; pk[c] = (float)m->peak[c]; run[c] = m->run[c]; }
    double ll = 0, rr = 0, lr = 0;
    int64_t first = m->first_loud, last = m->last_loud;
    for (int64_t i = 0; i < n; i++) {
        const float *f = x + i * ch;
        float loud = 0;
        for (int c = 0; c < ch; c++) {
            float v = f[c], a = fabsf(v);
            s[c] += v;
            ss[c] += (double)v * v;
            if (a > pk[c]) pk[c] = a;
            if (a > loud) loud = a;
            if (a >= cl) {
                if (++run[c] == need) {
                    m->clip_runs++;
                    m->clipped += need;
                    int64_t at = m->frames + i - need + 1;
                    if (m->first_clip < 0 || at < m->first_clip) m->first_clip = at;
                } else if (run[c] > need) m->clipped++;
            } else run[c] = 0;
        }
        if (ch >= 2) {
            double l = f[0], r = f[1];
            ll += l * l;
            rr += r * r;
            lr += l * r;
        }
        if (loud > thr) {
            if (first < 0) first = m->frames + i;
            last = m->frames + i;
        }
    }
    for (int c = 0; c < ch; c++) { m->sum[c] += s[c]; m->sumsq[c] += ss[c]; m->peak[c] = pk[c]; m->run[c] = run[c]; }
    m->sLL += ll;
    m->sRR += rr;
    m->sLR += lr;
    m->first_loud = first;
    m->last_loud = last;
    if (m->env_min) {
        int cols = m->o.plot_columns;
        for (int64_t i = 0; i < n; i++) {
            int64_t col = (m->frames + i) * cols / m->o.expected_frames;
            if (col >= cols) break;
            float v = 0;
            for (int c = 0; c < ch; c++) v += x[i * ch + c];
            v /= ch;
            if (v < m->env_min[col]) m->env_min[col] = v;
            if (v > m->env_max[col]) m->env_max[col] = v;
        }
    }
    m->frames += n;
}

static int feed_loudness(lt_meter *m, const float *x, int64_t n) {
    int64_t done = 0;
    while (done < n) {
        int64_t take = m->next_mark - m->fed;
        if (take > n - done) take = n - done;
        if (ebur128_add_frames_float(m->eb, x + done * m->channels, (size_t)take) != EBUR128_SUCCESS) return -1;
        m->fed += take;
        done += take;
        if (m->fed == m->next_mark) reading(m);
    }
    return 0;
}

static void feed_rest(lt_meter *m, const float *x, int64_t n) {
    stats(m, x, n);
    if (m->tp) lt_truepeak_add(m->tp, x, n);
    if (m->welch) lt_welch_add(m->welch, x, n);
}

int lt_meter_add(lt_meter *m, const float *x, int64_t n) {
    feed_rest(m, x, n);
    return feed_loudness(m, x, n);
}

static void *loudness_worker(void *ud) {
    lt_meter *m = ud;
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->job_ready && !m->quit) pthread_cond_wait(&m->cv, &m->mu);
        if (m->quit) break;
        m->job_ready = 0;
        pthread_mutex_unlock(&m->mu);
        int rc = feed_loudness(m, m->job_x, m->job_n);
        pthread_mutex_lock(&m->mu);
        m->job_rc = rc;
        m->job_done = 1;
        pthread_cond_broadcast(&m->cv);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

static int start_worker(lt_meter *m) {
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    m->job_done = 1;
    if (pthread_create(&m->worker, NULL, loudness_worker, m) != 0) {
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
        return -1;
    }
    m->threaded = 1;
    return 0;
}

static int wait_worker(lt_meter *m) {
    pthread_mutex_lock(&m->mu);
    while (!m->job_done) pthread_cond_wait(&m->cv, &m->mu);
    int rc = m->job_rc;
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* Hands x to the loudness worker; x must stay untouched until wait_worker returns. */
static void post_worker(lt_meter *m, const float *x, int64_t n) {
    pthread_mutex_lock(&m->mu);
    m->job_x = x;
    m->job_n = n;
    m->job_done = 0;
    m->job_ready = 1;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static void stop_worker(lt_meter *m) {
    if (!m->threaded) return;
    wait_worker(m);
    pthread_mutex_lock(&m->mu);
    m->quit = 1;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->worker, NULL);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    m->threaded = 0;
}

static double db(double lin) { return lin > 0 ? 20 * log10(lin) : -HUGE_VAL; }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* EBU Tech 3342 over the kept short-term energies, as libebur128's ebur128_loudness_range computes it. */
static double loudness_range(double *e, int64_t n) {
    if (n == 0) return 0;
    qsort(e, (size_t)n, sizeof(double), cmp_double);
    double mean = 0;
    for (int64_t i = 0; i < n; i++) mean += e[i];
    mean /= (double)n;
    double gate = mean * 0.01;   /* -20 LU */
    int64_t k = 0;
    while (k < n && e[k] < gate) k++;
    int64_t m = n - k;
    if (m == 0) return 0;
    double hi = e[k + (int64_t)((double)(m - 1) * 0.95 + 0.5)], lo = e[k + (int64_t)((double)(m - 1) * 0.1 + 0.5)];
    return (10 * log10(hi) - 0.691) - (10 * log10(lo) - 0.691);
}

int lt_meter_finish(lt_meter *m, lt_report *r) {
    memset(r, 0, sizeof *r);
    int ch = m->channels;
    r->channels = ch;
    r->rate = m->rate;
    r->frames = m->frames;
    r->duration_s = (double)m->frames / m->rate;
    if (m->exact) r->integrated_lufs = integrated(m->gate_e, m->ngate);
    else if (ebur128_loudness_global(m->eb, &r->integrated_lufs) != EBUR128_SUCCESS) r->integrated_lufs = -HUGE_VAL;
    r->lra_lu = NAN;
    if (!m->o.loudness_only) {
        if (m->exact) r->lra_lu = loudness_range(m->lra_e, m->nlra);
        else if (ebur128_loudness_range(m->eb, &r->lra_lu) != EBUR128_SUCCESS) r->lra_lu = NAN;
    }
    r->momentary_max_lufs = m->mmax;
    r->shortterm_max_lufs = m->smax;
    double tp = 0, sp = 0, pooled = 0, tpk[LT_METER_MAX_CH] = {0};
    if (m->tp) lt_truepeak_finish(m->tp, tpk);
    for (int c = 0; c < ch; c++) {
        double t = tpk[c];
        if (t < m->peak[c]) t = m->peak[c];   /* a true peak is never below the samples */
        r->true_peak_ch[c] = m->o.no_true_peak ? NAN : db(t);
        r->sample_peak_ch[c] = db(m->peak[c]);
        if (t > tp) tp = t;
        if (m->peak[c] > sp) sp = m->peak[c];
        double n = m->frames > 0 ? (double)m->frames : 1;
        r->rms_ch[c] = db(sqrt(m->sumsq[c] / n));
        r->dc_ch[c] = m->sum[c] / n;
        pooled += m->sumsq[c];
    }
    r->true_peak_dbtp = m->o.no_true_peak ? NAN : db(tp);
    r->sample_peak_dbfs = db(sp);
    r->rms_dbfs = db(sqrt(pooled / ((m->frames > 0 ? (double)m->frames : 1) * ch)));
    r->plr_lu = r->true_peak_dbtp - r->integrated_lufs;
    r->crest_db = r->sample_peak_dbfs - r->rms_dbfs;
    if (ch >= 2) {
        r->correlation = m->sLL > 0 && m->sRR > 0 ? m->sLR / sqrt(m->sLL * m->sRR) : NAN;
        double em = (m->sLL + m->sRR + 2 * m->sLR) / 4, es = (m->sLL + m->sRR - 2 * m->sLR) / 4;
        r->width = em > 0 ? sqrt(fmax(es, 0) / em) : (es > 0 ? INFINITY : NAN);
    } else r->correlation = r->width = NAN;
    r->clip_runs = m->clip_runs;
    r->clipped_samples = m->clipped;
    r->first_clip_s = m->first_clip >= 0 ? (double)m->first_clip / m->rate : -1;
    if (m->first_loud < 0) r->silence_head_s = r->silence_tail_s = r->duration_s;
    else {
        r->silence_head_s = (double)m->first_loud / m->rate;
        r->silence_tail_s = (double)(m->frames - 1 - m->last_loud) / m->rate;
    }
    for (int b = 0; b < LT_BANDS; b++) {
        r->band_hz[b] = lt_band_nominal[b];
        r->band_db[b] = NAN;
    }
    if (m->welch) {
        int nb;
        const double *psd = lt_welch_psd(m->welch, &nb);
        lt_bands_from_psd(psd, nb, m->rate, r->band_db);
        if (m->o.plot_columns > 0 && (r->psd = malloc(sizeof(double) * nb))) {
            memcpy(r->psd, psd, sizeof(double) * nb);
            r->psd_n = nb;
            r->psd_df = (double)m->rate / (2.0 * (nb - 1));
        }
    }
    if (m->env_min) {
        r->env_n = m->o.plot_columns;
        r->env_min = m->env_min;
        r->env_max = m->env_max;
        m->env_min = m->env_max = NULL;
    }
    r->series_step_s = 0.01;
    if (m->o.series) {
        r->nseries = m->nblocks < m->ncap ? m->nblocks : m->ncap;
        r->momentary = m->mom;
        r->shortterm = m->st;
        m->mom = m->st = NULL;
    }
    return 0;
}

void lt_meter_free(lt_meter *m) {
    if (!m) return;
    stop_worker(m);
    lt_truepeak_free(m->tp);
    if (m->eb) ebur128_destroy(&m->eb);
    lt_welch_free(m->welch);
    free(m->mom);
    free(m->st);
    free(m->env_min);
    free(m->env_max);
    free(m->lra_e);
    free(m->gate_e);
    free(m);
}

void lt_report_free(lt_report *r) {
    free(r->momentary);
    free(r->shortterm);
    free(r->env_min);
    free(r->env_max);
    free(r->psd);
    r->momentary = r->shortterm = NULL;
    r->env_min = r->env_max = NULL;
    r->psd = NULL;
    r->nseries = r->env_n = r->psd_n = 0;
}

int lt_meter_buffer(const float *x, int64_t frames, int channels, int rate, const lt_meter_opts *o, lt_report *r,
                    char *err, size_t errlen) {
    lt_meter *m = lt_meter_new(channels, rate, o, err, errlen);
    if (!m) return -1;
    int rc = 0;
    /* Long buffers go through the loudness worker in pieces, as files do: the same readings. */
    if (frames > 10 * (int64_t)rate && start_worker(m) == 0) {
        enum { CH = 65536 };
        for (int64_t at = 0; at < frames && rc == 0; at += CH) {
            int64_t n = frames - at < CH ? frames - at : CH;
            post_worker(m, x + at * channels, n);
            feed_rest(m, x + at * channels, n);
            rc = wait_worker(m);
        }
        stop_worker(m);
    } else rc = lt_meter_add(m, x, frames);
    if (rc == 0) lt_meter_finish(m, r);
    else snprintf(err, errlen, "the loudness meter failed (out of memory?)");
    lt_meter_free(m);
    return rc;
}

/* libsndfile's channel positions to BS.1770 roles; 0 when the file does not say. */
static int roles_from_file(SNDFILE *f, int channels, int *roles) {
    int map[LT_METER_MAX_CH];
    if (sf_command(f, SFC_GET_CHANNEL_MAP_INFO, map, (int)(sizeof(int) * channels)) != SF_TRUE) return 0;
    int known = 0;
    for (int c = 0; c < channels; c++) {
        switch (map[c]) {
        case SF_CHANNEL_MAP_MONO: roles[c] = LT_CH_LEFT; known++; break;
        case SF_CHANNEL_MAP_LEFT: case SF_CHANNEL_MAP_FRONT_LEFT: roles[c] = LT_CH_LEFT; known++; break;
        case SF_CHANNEL_MAP_RIGHT: case SF_CHANNEL_MAP_FRONT_RIGHT: roles[c] = LT_CH_RIGHT; known++; break;
        case SF_CHANNEL_MAP_CENTER: case SF_CHANNEL_MAP_FRONT_CENTER: roles[c] = LT_CH_CENTER; known++; break;
        case SF_CHANNEL_MAP_REAR_LEFT: case SF_CHANNEL_MAP_SIDE_LEFT: roles[c] = LT_CH_LEFT_SURROUND; known++; break;
        case SF_CHANNEL_MAP_REAR_RIGHT: case SF_CHANNEL_MAP_SIDE_RIGHT: roles[c] = LT_CH_RIGHT_SURROUND; known++; break;
        case SF_CHANNEL_MAP_LFE: roles[c] = LT_CH_UNUSED; known++; break;
        default: roles[c] = LT_CH_UNUSED; break;
        }
    }
    return known == channels;
}

int lt_meter_file(const char *path, const lt_meter_opts *o, lt_report *r, char *err, size_t errlen) {
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f) { snprintf(err, errlen, "cannot read '%s': %s", path, sf_strerror(NULL)); return -1; }
    lt_meter_opts mo = o ? *o : (lt_meter_opts){0};
    if (mo.plot_columns > 0) mo.expected_frames = info.frames;
    int roles[LT_METER_MAX_CH];
    if (!mo.roles && info.channels <= LT_METER_MAX_CH && roles_from_file(f, info.channels, roles)) mo.roles = roles;
    char e2[256];
    lt_meter *m = lt_meter_new(info.channels, info.samplerate, &mo, e2, sizeof e2);
    if (!m) { snprintf(err, errlen, "'%s': %s", path, e2); sf_close(f); return -1; }
    enum { CH = 32768 };
    float *buf = malloc(sizeof(float) * 2 * CH * info.channels);
    if (!buf) { snprintf(err, errlen, "out of memory reading '%s'", path); lt_meter_free(m); sf_close(f); return -1; }
    /* Two buffers: libebur128 works on one (on the worker) while this thread measures the same one
     * and then reads the next into the other. */
    int threaded = start_worker(m) == 0;
    int rc = 0, cur = 0;
    sf_count_t n = sf_readf_float(f, buf, CH);
    while (n > 0) {
        float *x = buf + (size_t)cur * CH * info.channels;
        if (threaded) post_worker(m, x, n);
        feed_rest(m, x, n);
        if (!threaded && feed_loudness(m, x, n)) { rc = -1; break; }
        cur ^= 1;
        n = sf_readf_float(f, buf + (size_t)cur * CH * info.channels, CH);
        if (threaded && wait_worker(m)) { rc = -1; break; }
    }
    stop_worker(m);
    if (sf_error(f) != SF_ERR_NO_ERROR) { snprintf(err, errlen, "'%s': %s", path, sf_strerror(f)); rc = -1; }
    else if (rc) snprintf(err, errlen, "'%s': the loudness meter failed (out of memory?)", path);
    if (rc == 0) lt_meter_finish(m, r);
    free(buf);
    lt_meter_free(m);
    sf_close(f);
    return rc;
}

/* ---- output ------------------------------------------------------------------------------------ */

void lt_json_num(FILE *f, double v) {
    if (!isfinite(v)) fputs("null", f);
    else fprintf(f, "%.3f", v);
}

void lt_json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void key(FILE *f, int indent, const char *k) { fprintf(f, ",\n%*s\"%s\": ", indent + 2, "", k); }

static void num_array(FILE *f, const double *v, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        lt_json_num(f, v[i]);
    }
    fputc(']', f);
}

void lt_report_json(FILE *f, const lt_report *r, const char *path, int series, int indent) {
    fprintf(f, "%*s{\n%*s\"file\": ", indent, "", indent + 2, "");
    lt_json_str(f, path ? path : "");
    key(f, indent, "duration_s"); fprintf(f, "%.6f", r->duration_s);
    key(f, indent, "frames"); fprintf(f, "%lld", (long long)r->frames);
    key(f, indent, "channels"); fprintf(f, "%d", r->channels);
    key(f, indent, "rate"); fprintf(f, "%d", r->rate);
    key(f, indent, "integrated_lufs"); lt_json_num(f, r->integrated_lufs);
    key(f, indent, "lra_lu"); lt_json_num(f, r->lra_lu);
    key(f, indent, "momentary_max_lufs"); lt_json_num(f, r->momentary_max_lufs);
    key(f, indent, "shortterm_max_lufs"); lt_json_num(f, r->shortterm_max_lufs);
    key(f, indent, "true_peak_dbtp"); lt_json_num(f, r->true_peak_dbtp);
    key(f, indent, "sample_peak_dbfs"); lt_json_num(f, r->sample_peak_dbfs);
    key(f, indent, "plr_lu"); lt_json_num(f, r->plr_lu);
    key(f, indent, "crest_db"); lt_json_num(f, r->crest_db);
    key(f, indent, "rms_dbfs"); lt_json_num(f, r->rms_dbfs);
    key(f, indent, "rms_dbfs_per_channel"); num_array(f, r->rms_ch, r->channels);
    key(f, indent, "true_peak_dbtp_per_channel"); num_array(f, r->true_peak_ch, r->channels);
    key(f, indent, "sample_peak_dbfs_per_channel"); num_array(f, r->sample_peak_ch, r->channels);
    key(f, indent, "dc_offset_per_channel");
    fputc('[', f);
    for (int c = 0; c < r->channels; c++) fprintf(f, "%s%.3g", c ? ", " : "", r->dc_ch[c]);
    fputc(']', f);
    key(f, indent, "correlation"); lt_json_num(f, r->correlation);
    key(f, indent, "width"); lt_json_num(f, r->width);
    key(f, indent, "clip_runs"); fprintf(f, "%lld", (long long)r->clip_runs);
    key(f, indent, "clipped_samples"); fprintf(f, "%lld", (long long)r->clipped_samples);
    key(f, indent, "first_clip_s"); if (r->first_clip_s >= 0) lt_json_num(f, r->first_clip_s); else fputs("null", f);
    key(f, indent, "silence_head_s"); lt_json_num(f, r->silence_head_s);
    key(f, indent, "silence_tail_s"); lt_json_num(f, r->silence_tail_s);
    key(f, indent, "band_hz"); num_array(f, r->band_hz, LT_BANDS);
    key(f, indent, "band_db"); num_array(f, r->band_db, LT_BANDS);
    if (series && r->nseries > 0) {
        const float *arr[2] = {r->momentary, r->shortterm};
        const char *names[2] = {"momentary", "shortterm"};
        for (int a = 0; a < 2; a++) {
            key(f, indent, names[a]);
            fputc('[', f);
            for (int64_t i = 0; i < r->nseries; i++) {
                fprintf(f, "%s[%.2f, ", i ? ", " : "", (i + 1) * r->series_step_s);
                lt_json_num(f, arr[a][i]);
                fputc(']', f);
            }
            fputc(']', f);
        }
    }
    fprintf(f, "\n%*s}", indent, "");
}

static const char *fmt_db(char *buf, double v, const char *unit) {
    if (isnan(v)) snprintf(buf, 32, "n/a");
    else if (!isfinite(v)) snprintf(buf, 32, "-inf %s", unit);
    else snprintf(buf, 32, "%.1f %s", v, unit);
    return buf;
}

void lt_report_text(FILE *f, const lt_report *r, const char *path) {
    char a[32], b[32], c[32];
    fprintf(f, "%s: %.3f s, %d Hz, %d channel%s\n", path ? path : "(audio)", r->duration_s, r->rate, r->channels,
            r->channels == 1 ? "" : "s");
    fprintf(f, "  loudness    integrated %s, range %s, momentary max %s, short-term max %s\n",
            fmt_db(a, r->integrated_lufs, "LUFS"), fmt_db(b, r->lra_lu, "LU"), fmt_db(c, r->momentary_max_lufs, "LUFS"),
            fmt_db((char[32]){0}, r->shortterm_max_lufs, "LUFS"));
    fprintf(f, "  peaks       true peak %s, sample peak %s, PLR %s, crest %s\n", fmt_db(a, r->true_peak_dbtp, "dBTP"),
            fmt_db(b, r->sample_peak_dbfs, "dBFS"), fmt_db(c, r->plr_lu, "LU"), fmt_db((char[32]){0}, r->crest_db, "dB"));
    fprintf(f, "  channels   ");
    static const char *names[] = {"L", "R", "C", "LFE", "Ls", "Rs", "7", "8"};
    for (int ch = 0; ch < r->channels; ch++)
        fprintf(f, " %s: RMS %s, DC %+.2g%s", r->channels == 1 ? "mono" : names[ch], fmt_db(a, r->rms_ch[ch], "dBFS"),
                r->dc_ch[ch], ch + 1 < r->channels ? ";" : "");
    fputc('\n', f);
    if (r->channels >= 2)
        fprintf(f, "  stereo      correlation %+.2f, width (side/mid) %.2f%s\n", r->correlation, r->width,
                r->correlation < 0 ? "  (out of phase: mono playback loses level)" : "");
    if (r->clip_runs)
        fprintf(f, "  clipping    %lld runs of %lld samples, first at %.3f s\n", (long long)r->clip_runs,
                (long long)r->clipped_samples, r->first_clip_s);
    else fprintf(f, "  clipping    none\n");
    fprintf(f, "  silence     %.3f s at the head, %.3f s at the tail\n", r->silence_head_s, r->silence_tail_s);
    fprintf(f, "  spectrum    (third-octave bands, dB re a full-scale sine)\n");
    for (int row = 0; row < 4; row++) {
        fprintf(f, "             ");
        for (int k = row * 8; k < row * 8 + 8 && k < LT_BANDS; k++) {
            char hz[16];
            double h = r->band_hz[k];
            if (h >= 1000) snprintf(hz, sizeof hz, "%gk", h / 1000);
            else snprintf(hz, sizeof hz, "%g", h);
            if (isnan(r->band_db[k])) fprintf(f, " %5s:  n/a ", hz);
            else if (!isfinite(r->band_db[k])) fprintf(f, " %5s: -inf ", hz);
            else fprintf(f, " %5s:%5.0f ", hz, r->band_db[k]);
        }
        fputc('\n', f);
    }
}
