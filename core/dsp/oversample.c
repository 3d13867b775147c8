/* oversample.c — cascaded FIR half-band oversampling, see oversample.h.
 *
 * A half-band low-pass of N = 4m + 3 taps centred at c = 2m + 1 has h[c] = 1/2 and zeros at every
 * other even distance from the centre, so only the m + 1 taps at odd distances 1, 3, .., 2m + 1 (a
 * symmetric pair each) cost anything.  Up by 2: of each output pair, one sample is the input itself
 * (delayed m frames) and the other the symmetric sum of the odd taps; down by 2: the centre tap on one
 * high-rate sample plus the odd taps on the others.  Each stage pair (up then down) delays by exactly
 * c frames of its lower rate. */
#include <math.h>
#include <string.h>
#include "oversample.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define KAISER_DB 90.0

static double bessel_i0(double x)
{
    double s = 1, t = 1;
    int k;
    for (k = 1; k < 60; k++) {
        t *= (x / (2 * k)) * (x / (2 * k));
        s += t;
        if (t < 1e-17 * s) break;
    }
    return s;
}

/* The odd taps h[c + 2i - 1], i = 1 .. m + 1, of a Kaiser-windowed half-band of 4m + 3 taps, scaled so
 * that they sum to 1/4 per side (DC gain exactly 1). */
static void design(float *h, int m)
{
    const int c = 2 * m + 1;
    const double beta = 0.1102 * (KAISER_DB - 8.7);
    double t[64], sum = 0;
    int i;
    for (i = 1; i <= m + 1; i++) {
        double d = 2 * i - 1, r = d / c;
        double sinc = sin(M_PI * d / 2) / (M_PI * d / 2);
        double w = bessel_i0(beta * sqrt(1 - r * r)) / bessel_i0(beta);
        t[i] = 0.5 * sinc * w;
        sum += 2 * t[i];
    }
    for (i = 1; i <= m + 1; i++) h[i - 1] = (float)(t[i] * 0.5 / sum);
}

void lt_os_reset(lt_os *o)
{
    memset(&o->up1, 0, sizeof o->up1);
    memset(o->up2, 0, sizeof o->up2);
    memset(&o->dn1, 0, sizeof o->dn1);
    memset(&o->dn2, 0, sizeof o->dn2);
    o->mid[0] = o->mid[1] = 0;
}

void lt_os_init(lt_os *o)
{
    design(o->h1, LT_OS_M1);
    design(o->h2, LT_OS_M2);
    lt_os_reset(o);
}

int lt_os_latency(int factor)
{
    /* stage 1 pair: c1 base frames; stage 2 pair: c2 frames at 2x, plus one 2x frame to make it whole */
    if (factor >= 4) return (2 * LT_OS_M1 + 1) + (2 * LT_OS_M2 + 2) / 2;
    if (factor == 2) return 2 * LT_OS_M1 + 1;
    return 0;
}

int lt_os_pad(int factor) { return lt_os_latency(4) - lt_os_latency(factor); }

/* Up by 2 through the half-band of m with odd taps h: history x[n - 2m - 1 .. n]. */
static inline void up_stage(lt_hb_up *u, const float *h, int m, float x, float y[2])
{
    const int len = 2 * m + 2;
    const float *w;
    float acc = 0;
    int i;
    u->x[u->pos] = u->x[u->pos + len] = x;
    if (++u->pos == len) u->pos = 0;
    w = u->x + u->pos;                      /* w[0] = x[n - 2m - 1] .. w[len - 1] = x[n] */
    /* y[2n] = sum_i 2 h_i (x[n - m - i] + x[n - m + i - 1]); y[2n + 1] = x[n - m] */
    for (i = 1; i <= m + 1; i++) acc += h[i - 1] * (w[m + 1 - i] + w[m + i]);
    y[0] = 2.0f * acc;
    y[1] = w[m + 1];
}

/* Down by 2: z[n] = h[c] v[2n - c] + sum_i h_i (v[2n - c - (2i - 1)] + v[2n - c + (2i - 1)]); the pair
 * (v[2n], v[2n + 1]) arrives at step n, so z uses v up to 2n and keeps v[2n + 1] for the next step. */
static inline float down_stage(lt_hb_down *d, const float *h, int m, const float v[2])
{
    const int len = 4 * m + 4, c = 2 * m + 1;
    const float *w;
    float acc = 0;
    int i;
    /* after writing v[2n] the window w[0..len-1] ends at v[2n] (w[len-1]); v[2n + 1] is written after */
    d->v[d->pos] = d->v[d->pos + len] = v[0];
    if (++d->pos == len) d->pos = 0;
    w = d->v + d->pos;                      /* w[len - 1] = v[2n], w[len - 1 - k] = v[2n - k] */
    for (i = 1; i <= m + 1; i++) acc += h[i - 1] * (w[len - 1 - c - (2 * i - 1)] + w[len - 1 - c + (2 * i - 1)]);
    acc += 0.5f * w[len - 1 - c];
    d->v[d->pos] = d->v[d->pos + len] = v[1];
    if (++d->pos == len) d->pos = 0;
    return acc;
}

void lt_os_up2(lt_os *o, float x, float y[2]) { up_stage(&o->up1, o->h1, LT_OS_M1, x, y); }

float lt_os_down2(lt_os *o, const float y[2]) { return down_stage(&o->dn1, o->h1, LT_OS_M1, y); }

void lt_os_up4(lt_os *o, float x, float y[4])
{
    float a[2];
    up_stage(&o->up1, o->h1, LT_OS_M1, x, a);
    up_stage(o->up2, o->h2, LT_OS_M2, a[0], y);
    up_stage(o->up2, o->h2, LT_OS_M2, a[1], y + 2);
}

float lt_os_down4(lt_os *o, const float y[4])
{
    float a[2], b[2];
    a[0] = down_stage(&o->dn2, o->h2, LT_OS_M2, y);
    a[1] = down_stage(&o->dn2, o->h2, LT_OS_M2, y + 2);
    /* one frame of 2x delay between the stages: c2 + 1 is even, so the whole 4x chain delays by whole
     * base frames */
    b[0] = o->mid[1];
    b[1] = a[0];
    o->mid[1] = a[1];
    return down_stage(&o->dn1, o->h1, LT_OS_M1, b);
}
