/* test_fx_convolve.c — the convolver against direct convolution computed here in double: within
 * -100 dB (the largest error against the output's RMS) for responses shorter than the head, of a few
 * partitions and of 1.5 s, stereo and mono, in blocks of random lengths; zero latency (a response
 * that is a delayed impulse gives the input that many frames late, exactly); the declared tail; and
 * the CPU per second of a 2 s stereo response (printed). */
#include <stdio.h>
#include "check.h"
#include "fxtest.h"

#define SR 48000

/* Direct convolution of channel c of x (n frames) with response h (frames m, nch channels, scaled
 * to unit energy of its louder channel as the unit does), in double, at every `step`-th frame (and
 * every frame of the first 2000): long responses would take minutes at every frame. */
static void direct(const float *x, int n, const float *h, int m, int nch, int c, double *y, int step)
{
    double e0 = 0, e1 = 0, scale;
    int i, k, src = nch == 2 ? c : 0;
    for (k = 0; k < m; k++) {
        e0 += (double)h[k * nch] * h[k * nch];
        if (nch == 2) e1 += (double)h[k * nch + 1] * h[k * nch + 1];
    }
    scale = 1 / sqrt(e0 > e1 ? e0 : e1);
    for (i = 0; i < n; i++) {
        double acc = 0;
        int lo = i - m + 1 > 0 ? i - m + 1 : 0;
        y[i] = NAN;
        if (i >= 2000 && i % step) continue;
        for (k = lo; k <= i; k++) acc += (double)x[k] * h[(i - k) * nch + src];
        y[i] = acc * scale;
    }
}

int main(void)
{
    static const int lens[] = { 100, 256, 257, 1000, 5000, 72000 };
    int li, i, nch;

    for (nch = 1; nch <= 2; nch++)
        for (li = 0; li < 6; li++) {
            int m = lens[li], n = m + SR / 2;
            float *h = fxt_buf(m * nch), *l = fxt_buf(n), *r = fxt_buf(n), *xl = fxt_buf(n), *xr = fxt_buf(n);
            double *yl = malloc(sizeof(double) * n), *yr = malloc(sizeof(double) * n), err = 0, pw = 0;
            lt_fx_data d;
            fxt *t;
            fxt_seed = 17 + li;
            for (i = 0; i < m * nch; i++) h[i] = fxt_noise() * expf(-5.0f * (float)(i / nch) / (float)m);
            for (i = 0; i < n; i++) l[i] = xl[i] = 0.5f * fxt_noise(), r[i] = xr[i] = 0.5f * fxt_noise();
            d.channels = nch;
            d.frames = m;
            d.samples = h;
            t = fxt_new("convolve", SR, &d, NULL);
            fxt_run(t, l, r, n, 0);
            direct(xl, n, h, m, nch, 0, yl, m > 5000 ? 29 : 1);
            direct(xr, n, h, m, nch, 1, yr, m > 5000 ? 29 : 1);
            {
                int cnt = 0;
                for (i = 0; i < n; i++) {
                    if (isnan(yl[i])) continue;
                    err = fmax(err, fmax(fabs(l[i] - yl[i]), fabs(r[i] - yr[i])));
                    pw += yl[i] * yl[i] + yr[i] * yr[i];
                    cnt++;
                }
                pw = sqrt(pw / (2.0 * cnt));
            }
            CHECK(20 * log10(err / pw) < -100 && fabs(t->d->tail(t->st) - (float)m / SR) < 1e-6f,
                  "convolve, %s response of %d frames, random blocks: largest difference from direct convolution "
                  "%.1f dB under the output's RMS; tail %.4f s", nch == 2 ? "stereo" : "mono", m,
                  20 * log10(err / pw), t->d->tail(t->st));
            fxt_free(t);
            free(h); free(l); free(r); free(xl); free(xr); free(yl); free(yr);
        }

    /* zero latency: a response that is an impulse 1000 frames late delays by exactly that */
    {
        static const int delays[] = { 0, 17, 256, 1000 };
        int k;
        for (k = 0; k < 4; k++) {
            int m = delays[k] + 1, n = SR / 4, exact = 1;
            float *h = fxt_buf(m), *l = fxt_buf(n), *r = fxt_buf(n), *x = fxt_buf(n);
            lt_fx_data d = { 1, 0, NULL };
            fxt *t;
            h[delays[k]] = 1.0f;
            d.frames = m;
            d.samples = h;
            t = fxt_new("convolve", SR, &d, NULL);
            fxt_seed = 3;
            for (i = 0; i < n; i++) l[i] = r[i] = x[i] = fxt_noise();
            fxt_run(t, l, r, n, 32);
            for (i = 0; i < n; i++) exact &= fabsf(l[i] - (i >= delays[k] ? x[i - delays[k]] : 0.0f)) < 1e-6f;
            CHECK(exact && fxt_latency(t) == 0, "convolve with an impulse at frame %d: the input comes out exactly "
                  "%d frames late (latency reported %d)", delays[k], delays[k], fxt_latency(t));
            fxt_free(t);
            free(h); free(l); free(r); free(x);
        }
    }

    /* CPU of a 2 s stereo response */
    {
        int m = 2 * SR, n = 10 * SR;
        float *h = fxt_buf(2 * m), *l = fxt_buf(n), *r = fxt_buf(n);
        lt_fx_data d = { 2, 0, NULL };
        fxt *t;
        double t0, cpu;
        fxt_seed = 5;
        for (i = 0; i < 2 * m; i++) h[i] = fxt_noise() * expf(-6.9f * (float)(i / 2) / (float)m);
        d.frames = m;
        d.samples = h;
        t = fxt_new("convolve", SR, &d, NULL);
        for (i = 0; i < n; i++) l[i] = r[i] = 0.3f * fxt_noise();
        t0 = fxt_cpu();
        fxt_run(t, l, r, n, 32);
        cpu = fxt_cpu() - t0;
        printf("convolve, 2 s stereo response: %.1f ms of CPU per second of audio (%.0fx real time)\n",
               cpu / 10 * 1000, 10 / cpu);
        CHECK(cpu < 10 * 0.25, "convolve 2 s stereo: %.1f ms per second, under a quarter of real time",
              cpu / 10 * 1000);
        fxt_free(t);
        free(h); free(l); free(r);
    }
    return check_done("test_fx_convolve");
}
