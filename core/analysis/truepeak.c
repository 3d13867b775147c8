/* truepeak.c — see truepeak.h. */
#include "analysis/truepeak.h"
#include "dsp/tpinterp.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define P 4
#define T LT_INTERP_TAPS
#define HIST (T - 1)
#define CHUNK 8192
#define SKIP_BLOCK 64

struct lt_truepeak {
    int    channels;
    float  h[T * P];
    float  bound;
    float *w;              /* per channel: HIST samples of history then up to CHUNK new ones */
    float  prev1[16], prev2[16];
    double peak[16];
};

lt_truepeak *lt_truepeak_new(int channels) {
    if (channels < 1 || channels > 16) return NULL;
    lt_truepeak *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->channels = channels;
    t->w = calloc((size_t)channels * (HIST + CHUNK), sizeof(float));
    if (!t->w) { free(t); return NULL; }
    lt_interp_design(t->h, P, T, 8.0, 1.0);
    /* A little headroom on the bound: the parabola's vertex may sit above the points it joins. */
    t->bound = lt_interp_bound(t->h, P, T) * 1.05f;
    return t;
}

/* Intervals [i, i+1) for i = HIST/2 .. len - T/2 - 1 of one channel's window w[0 .. len-1]. */
static void scan(lt_truepeak *t, int c, const float *w, int len) {
    double pk = t->peak[c];
    float p1 = t->prev1[c], p2 = t->prev2[c];
    int first = T / 2 - 1, last = len - T / 2 - 1;
    for (int b = first; b <= last; b += SKIP_BLOCK) {
        int e = b + SKIP_BLOCK - 1 < last ? b + SKIP_BLOCK - 1 : last;
        float m = 0;
        for (int i = b - (T / 2 - 1); i <= e + T / 2; i++) { float a = fabsf(w[i]); if (a > m) m = a; }
        if ((double)m * t->bound <= pk) { p1 = p2 = 0; continue; }
        for (int i = b; i <= e; i += 4) {
            float v[4 * P];
            int nn = e - i + 1 < 4 ? e - i + 1 : 4;
            if (nn == 4) lt_interp4_x4(t->h, w + i - (T / 2 - 1), v);
            else for (int j = 0; j < nn; j++) lt_interp4(t->h, w + i + j - (T / 2 - 1), v + 4 * j);
            for (int q = 0; q < nn * P; q++) {
                float a = fabsf(v[q]);
                /* p1 is a local maximum of the oversampled stream: refine it */
                if (fabsf(p1) >= fabsf(p2) && fabsf(p1) >= a && fabsf(p1) > 0) {
                    double top = fabsf(lt_interp_vertex(p2, p1, v[q]));
                    if (top > pk) pk = top;
                }
                if (a > pk) pk = a;
                p2 = p1;
                p1 = v[q];
            }
        }
    }
    t->peak[c] = pk;
    t->prev1[c] = p1;
    t->prev2[c] = p2;
}

void lt_truepeak_add(lt_truepeak *t, const float *x, int64_t frames) {
    int ch = t->channels;
    for (int64_t done = 0; done < frames;) {
        int n = frames - done < CHUNK ? (int)(frames - done) : CHUNK;
        for (int c = 0; c < ch; c++) {
            float *w = t->w + (size_t)c * (HIST + CHUNK);
            const float *s = x + done * ch + c;
            for (int i = 0; i < n; i++) w[HIST + i] = s[(size_t)i * ch];
            scan(t, c, w, HIST + n);
            memmove(w, w + n, sizeof(float) * HIST);
        }
        done += n;
    }
}

void lt_truepeak_finish(lt_truepeak *t, double *peak) {
    float *z = malloc(sizeof(float) * T * t->channels);
    if (z) {
        for (int i = 0; i < T * t->channels; i++) z[i] = 0;
        lt_truepeak_add(t, z, T);
        free(z);
    }
    for (int c = 0; c < t->channels; c++) peak[c] = t->peak[c];
}

void lt_truepeak_take(lt_truepeak *t, double *peak) {
    for (int c = 0; c < t->channels; c++) { peak[c] = t->peak[c]; t->peak[c] = 0; }
}

void lt_truepeak_free(lt_truepeak *t) {
    if (!t) return;
    free(t->w);
    free(t);
}
