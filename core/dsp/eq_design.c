/* eq_design.c — matched second-order sections, see eq_design.h. */
#include <math.h>
#include <string.h>
#include "eq_design.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define FIT_LO_HZ 10.0
#define FIT_HI_HZ 20000.0
#define FIT_SPLIT_HZ 10000.0
/* Rows are weighted 1 below FIT_SPLIT_HZ and this above (0.01 of the squared error): a second-order
 * section cannot match a prototype everywhere up to Nyquist, and the band below 10 kHz is where 0.1 dB
 * is asked for; 0.3 would trade a tenth of a dB there for a few tenths above. */
#ifndef FIT_HI_WEIGHT
#define FIT_HI_WEIGHT 0.15
#endif

void lt_eq_grid_init(lt_eq_grid *g, double sr)
{
    double hi = FIT_HI_HZ < 0.49 * sr ? FIT_HI_HZ : 0.49 * sr;
    int i, n = LT_EQ_FIT_POINTS - 3;
    g->sr = sr;
    g->n = n;
    for (i = 0; i < n; i++) {
        double hz = FIT_LO_HZ * pow(hi / FIT_LO_HZ, (double)i / (n - 1));
        g->w[i] = 2 * M_PI * hz / sr;
        g->weight[i] = hz < FIT_SPLIT_HZ ? 1.0 : FIT_HI_WEIGHT;
    }
}

/* Numerator and denominator of the analog prototype in s/w0: c2 s^2 + c1 s + c0. */
static void proto(int type, double gain_db, double q, double num[3], double den[3])
{
    double A = pow(10.0, gain_db / 40.0), sA = sqrt(A);
    if (q < 1e-3) q = 1e-3;
    num[0] = num[1] = num[2] = 0;
    den[0] = 1, den[1] = 1 / q, den[2] = 1;
    switch (type) {
    case LT_EQ_BELL:
        num[0] = 1, num[1] = A / q, num[2] = 1;
        den[1] = 1 / (A * q);
        break;
    case LT_EQ_LOWSHELF:
        num[0] = A * A, num[1] = A * sA / q, num[2] = A;
        den[0] = 1, den[1] = sA / q, den[2] = A;
        break;
    case LT_EQ_HIGHSHELF:
        num[0] = A, num[1] = A * sA / q, num[2] = A * A;
        den[0] = A, den[1] = sA / q, den[2] = 1;
        break;
    case LT_EQ_LOWCUT: num[2] = 1; break;
    case LT_EQ_HIGHCUT: num[0] = 1; break;
    case LT_EQ_NOTCH: num[0] = 1, num[2] = 1; break;
    case LT_EQ_BANDPASS: num[1] = 1 / q; break;
    default: num[0] = 1, den[0] = 1, den[1] = 0, den[2] = 0; break;
    }
}

/* |c2 (jx)^2 + c1 jx + c0|^2 */
static double quad2(const double c[3], double x)
{
    double re = c[0] - c[2] * x * x, im = c[1] * x;
    return re * re + im * im;
}

double lt_eq_analog_mag(int type, double f0, double gain_db, double q, double hz)
{
    double num[3], den[3], x = hz / f0;
    if (type == LT_EQ_OFF) return 1.0;
    if (type == LT_EQ_LOWSHELF || type == LT_EQ_HIGHSHELF) q = q < 0.3 ? 0.3 : q > 1.0 ? 1.0 : q;
    proto(type, gain_db, q, num, den);
    return sqrt(quad2(num, x) / quad2(den, x));
}

double lt_biquad_mag(const lt_biquad *b, double sr, double hz)
{
    double w = 2 * M_PI * hz / sr, c1 = cos(w), s1 = sin(w), c2 = cos(2 * w), s2 = sin(2 * w);
    double nr = b->b0 + b->b1 * c1 + b->b2 * c2, ni = -(b->b1 * s1 + b->b2 * s2);
    double dr = 1 + b->a1 * c1 + b->a2 * c2, di = -(b->a1 * s1 + b->a2 * s2);
    return sqrt((nr * nr + ni * ni) / (dr * dr + di * di));
}

double lt_eq_butterworth_q(int sections, int k)
{
    return 1.0 / (2.0 * cos((2 * k + 1) * M_PI / (4.0 * sections)));
}

/* The poles of den (in s/w0) at w0T, mapped by z = e^{sT}: 1 + a1 z^-1 + a2 z^-2. */
static void matched_poles(const double den[3], double w0T, double *a1, double *a2)
{
    double p = den[1] / (2 * den[2]), disc = p * p - den[0] / den[2];
    /* a resonance at or above Nyquist has no image below it: impulse invariance would fold its
     * angle back into the band, so it becomes a double real pole of the same radius (what is left
     * of it below Nyquist is a gentle slope, which the fitted numerator shapes) */
    if (disc < 0 && sqrt(-disc) * w0T > 0.98 * M_PI) {
        double r = sqrt(den[0] / den[2]) * w0T;
        *a1 = -2 * exp(-r);
        *a2 = exp(-2 * r);
        return;
    }
    if (disc < 0) {
        double sigma = -p * w0T, omega = sqrt(-disc) * w0T;
        *a1 = -2 * exp(sigma) * cos(omega);
        *a2 = exp(2 * sigma);
    } else {
        double r = sqrt(disc), s1 = (-p - r) * w0T, s2 = (-p + r) * w0T;
        *a1 = -(exp(s1) + exp(s2));
        *a2 = exp(s1 + s2);
    }
}

/* Least squares of m rows x (up to 3) columns by modified Gram-Schmidt, columns scaled first. */
static int lsq(double (*M)[3], const double *y, int m, int n, double *x)
{
    double Q[LT_EQ_FIT_POINTS][3], R[3][3], scale[3], z[3];
    int i, j, k;
    for (j = 0; j < n; j++) {
        double s = 0;
        for (i = 0; i < m; i++) s += M[i][j] * M[i][j];
        scale[j] = s > 0 ? 1 / sqrt(s) : 0;
        for (i = 0; i < m; i++) Q[i][j] = M[i][j] * scale[j];
    }
    memset(R, 0, sizeof R);
    for (j = 0; j < n; j++) {
        for (k = 0; k < j; k++) {
            double d = 0;
            for (i = 0; i < m; i++) d += Q[i][k] * Q[i][j];
            R[k][j] = d;
            for (i = 0; i < m; i++) Q[i][j] -= d * Q[i][k];
        }
        {
            double s = 0;
            for (i = 0; i < m; i++) s += Q[i][j] * Q[i][j];
            s = sqrt(s);
            if (!(s > 1e-300)) return 0;
            R[j][j] = s;
            for (i = 0; i < m; i++) Q[i][j] /= s;
        }
    }
    for (j = 0; j < n; j++) {
        double d = 0;
        for (i = 0; i < m; i++) d += Q[i][j] * y[i];
        z[j] = d;
    }
    for (j = n - 1; j >= 0; j--) {
        double s = z[j];
        for (k = j + 1; k < n; k++) s -= R[j][k] * x[k];
        x[j] = s / R[j][j];
    }
    for (j = 0; j < n; j++) x[j] *= scale[j];
    return 1;
}

/* phi terms of Vicanek's parametrisation: |c0 + c1 z^-1 + c2 z^-2|^2 = C0 f0 + C1 f1 + C2 f2 with
 * f1 = sin^2(w/2), f0 = 1 - f1, f2 = 4 f0 f1, C0 = (c0+c1+c2)^2, C1 = (c0-c1+c2)^2, C2 = -4 c0 c2. */
static void phis(double w, double f[3])
{
    double s = sin(w / 2);
    f[1] = s * s;
    f[0] = 1 - f[1];
    f[2] = 4 * f[0] * f[1];
}

/* A numerator from its squared-magnitude terms (minimum phase). */
static void factor(double B0, double B1, double B2, double b[3])
{
    double r0 = sqrt(B0 > 0 ? B0 : 0), r1 = sqrt(B1 > 0 ? B1 : 0), W = 0.5 * (r0 + r1), d = W * W + B2;
    b[0] = 0.5 * (W + sqrt(d > 0 ? d : 0));
    b[2] = b[0] > 0 ? -B2 / (4 * b[0]) : 0;
    b[1] = 0.5 * (r0 - r1);
}

lt_biquad lt_eq_design(const lt_eq_grid *g, int type, double hz, double gain_db, double q)
{
    lt_biquad out = { 1, 0, 0, 0, 0 };
    double num[3], den[3], a1, a2, w0T, A0, A1, A2, b[3];
    double M[LT_EQ_FIT_POINTS][3], y[LT_EQ_FIT_POINTS], x[3] = { 0, 0, 0 }, w[LT_EQ_FIT_POINTS], wt[LT_EQ_FIT_POINTS];
    int invert = 0, i, m = 0, zero_dc;
    if (type <= LT_EQ_OFF || type >= LT_EQ_NTYPES) return out;
    if (hz < 1) hz = 1;
    if ((type == LT_EQ_BELL || type == LT_EQ_LOWSHELF || type == LT_EQ_HIGHSHELF) && gain_db < 0) {
        invert = 1;
        gain_db = -gain_db;
    }
    if ((type == LT_EQ_BELL || type == LT_EQ_LOWSHELF || type == LT_EQ_HIGHSHELF) && gain_db == 0) return out;
    /* a shelf steeper than Q 1 overshoots into a bump (a bell's job): its Q is limited to 0.3 .. 1 */
    if (type == LT_EQ_LOWSHELF || type == LT_EQ_HIGHSHELF) q = q < 0.3 ? 0.3 : q > 1.0 ? 1.0 : q;
    proto(type, gain_db, q, num, den);
    w0T = 2 * M_PI * hz / g->sr;
    matched_poles(den, w0T, &a1, &a2);
    if (type == LT_EQ_NOTCH) {
        /* zeros on the unit circle at the band frequency, unity at DC */
        double c = cos(w0T);
        double k = (1 + a1 + a2) / (2 - 2 * c);
        out.b0 = k, out.b1 = -2 * c * k, out.b2 = k, out.a1 = a1, out.a2 = a2;
        return out;
    }
    A0 = (1 + a1 + a2) * (1 + a1 + a2);
    A1 = (1 - a1 + a2) * (1 - a1 + a2);
    A2 = -4 * a2;
    /* the fit's frequencies: the grid, plus the band frequency and half an octave either side */
    for (i = 0; i < g->n; i++) w[m] = g->w[i], wt[m] = g->weight[i], m++;
    for (i = -1; i <= 1; i++) {
        double wi = w0T * pow(2.0, 0.5 * i);
        if (wi < 0.49 * 2 * M_PI) w[m] = wi, wt[m] = (wi * g->sr / (2 * M_PI) < FIT_SPLIT_HZ) ? 1.0 : FIT_HI_WEIGHT, m++;
    }
    zero_dc = type == LT_EQ_LOWCUT;
    for (i = 0; i < m; i++) {
        double f[3], T, s;
        phis(w[i], f);
        T = quad2(num, w[i] / w0T) / quad2(den, w[i] / w0T) * (A0 * f[0] + A1 * f[1] + A2 * f[2]);
        if (!(T > 1e-300)) T = 1e-300;
        s = wt[i] / T;
        /* the squared magnitude's relative error, weighted */
        if (zero_dc) M[i][0] = f[1] * s, M[i][1] = f[2] * s;
        else M[i][0] = f[0] * s, M[i][1] = f[1] * s, M[i][2] = f[2] * s;
        y[i] = wt[i];
    }
    if (!lsq(M, y, m, zero_dc ? 2 : 3, x)) return out;
    if (zero_dc) factor(0, x[0], x[1], b);
    else factor(x[0], x[1], x[2], b);
    if (invert) {
        /* the cut: 1 / boost, normalised so that the denominator starts with 1 */
        double n0 = b[0];
        if (!(n0 > 1e-300)) return out;
        out.b0 = 1 / n0, out.b1 = a1 / n0, out.b2 = a2 / n0;
        out.a1 = b[1] / n0, out.a2 = b[2] / n0;
    } else {
        out.b0 = b[0], out.b1 = b[1], out.b2 = b[2], out.a1 = a1, out.a2 = a2;
    }
    return out;
}
