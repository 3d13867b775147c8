/* plot.c — lute analyze --plot: three panels drawn with cairo (see plot.h).  The waveform is the
 * mono fold-down's min/max per pixel column; loudness is the short-term reading (3 s) every 10 ms
 * with the momentary reading faint behind it; the spectrum is Welch's average smoothed to a sixth
 * of an octave on a logarithmic frequency axis, with the third-octave band levels as steps. */
#include "analysis/plot.h"
#include <cairo.h>
#include <cairo-svg.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define W 1200
#define H 960
#define ML 78.0
#define MR 24.0

static const double colours[4][3] = {{0.13, 0.42, 0.78}, {0.90, 0.45, 0.08}, {0.20, 0.62, 0.25}, {0.55, 0.25, 0.65}};

typedef struct panel { double x, y, w, h; } panel;

static void text(cairo_t *cr, double x, double y, double size, const char *s, int align_right) {
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, align_right ? x - e.x_advance : x, y);
    cairo_show_text(cr, s);
}

static void frame(cairo_t *cr, const panel *p, const char *title) {
    cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
    cairo_rectangle(cr, p->x, p->y, p->w, p->h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, p->x + 0.5, p->y + 0.5, p->w - 1, p->h - 1);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, p->x, p->y - 7, 14, title, 0);
}

static void hgrid(cairo_t *cr, const panel *p, double lo, double hi, double step, const char *unit) {
    char buf[32];
    for (double v = ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
        double y = p->y + p->h - (v - lo) / (hi - lo) * p->h;
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_move_to(cr, p->x, floor(y) + 0.5);
        cairo_line_to(cr, p->x + p->w, floor(y) + 0.5);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        snprintf(buf, sizeof buf, "%g%s", v, unit);
        text(cr, p->x - 6, y + 4, 11, buf, 1);
    }
}

static void time_axis(cairo_t *cr, const panel *p, double dur) {
    static const double steps[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600};
    double step = 600;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (dur / steps[i] <= 12) { step = steps[i]; break; }
    char buf[32];
    for (double t = 0; t <= dur + 1e-9; t += step) {
        double x = p->x + t / dur * p->w;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, floor(x) + 0.5, p->y);
        cairo_line_to(cr, floor(x) + 0.5, p->y + p->h);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        if (step >= 60 && fmod(t, 60) == 0) snprintf(buf, sizeof buf, "%d:%02d", (int)t / 60, (int)t % 60);
        else snprintf(buf, sizeof buf, "%gs", t);
        text(cr, x - 8, p->y + p->h + 14, 11, buf, 0);
    }
}

static void waveform(cairo_t *cr, const panel *p, const lt_report *const *r, int n, double dur) {
    frame(cr, p, "waveform (mono fold-down)");
    hgrid(cr, p, -1, 1, 0.5, "");
    time_axis(cr, p, dur);
    /* the first file first, the others over it, half transparent (a quieter "before" stays visible) */
    for (int k = 0; k < n; k++) {
        if (!r[k]->env_n) continue;
        const double *c = colours[k % 4];
        cairo_set_source_rgba(cr, c[0], c[1], c[2], k == 0 ? 0.85 : 0.55);
        double span = r[k]->duration_s / dur * p->w;
        for (int i = 0; i < r[k]->env_n; i++) {
            double x = p->x + (double)i / r[k]->env_n * span;
            double y0 = p->y + p->h / 2 - r[k]->env_max[i] * p->h / 2, y1 = p->y + p->h / 2 - r[k]->env_min[i] * p->h / 2;
            cairo_rectangle(cr, x, y0, fmax(span / r[k]->env_n, 1.0), fmax(y1 - y0, 1.0));
        }
        cairo_fill(cr);
    }
}

static void loudness(cairo_t *cr, const panel *p, const lt_report *const *r, int n, double dur, double target) {
    double lo = -50, hi = 0;
    frame(cr, p, "loudness: short-term (3 s) and momentary (faint), LUFS");
    hgrid(cr, p, lo, hi, 10, "");
    time_axis(cr, p, dur);
    cairo_save(cr);
    cairo_rectangle(cr, p->x, p->y, p->w, p->h);
    cairo_clip(cr);
    for (int k = n - 1; k >= 0; k--) {
        const double *c = colours[k % 4];
        for (int pass = 0; pass < 2; pass++) {
            const float *v = pass ? r[k]->shortterm : r[k]->momentary;
            if (!v) continue;
            cairo_set_source_rgba(cr, c[0], c[1], c[2], pass ? 0.95 : 0.25);
            cairo_set_line_width(cr, pass ? 2.0 : 1.0);
            int pen = 0;
            for (int64_t i = 0; i < r[k]->nseries; i++) {
                double t = (i + 1) * r[k]->series_step_s, l = v[i];
                if (!isfinite(l) || l < lo - 10) { pen = 0; continue; }
                double x = p->x + t / dur * p->w, y = p->y + p->h - (l - lo) / (hi - lo) * p->h;
                if (pen) cairo_line_to(cr, x, y); else cairo_move_to(cr, x, y);
                pen = 1;
            }
            cairo_stroke(cr);
        }
        if (isfinite(r[k]->integrated_lufs)) {   /* the integrated loudness as a short dotted line */
            double y = p->y + p->h - (r[k]->integrated_lufs - lo) / (hi - lo) * p->h;
            double dots[] = {2, 3};
            cairo_set_dash(cr, dots, 2, 0);
            cairo_set_source_rgba(cr, c[0], c[1], c[2], 0.9);
            cairo_set_line_width(cr, 1.2);
            cairo_move_to(cr, p->x, y);
            cairo_line_to(cr, p->x + r[k]->duration_s / dur * p->w, y);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
    }
    if (isfinite(target)) {
        double y = p->y + p->h - (target - lo) / (hi - lo) * p->h;
        double dash[] = {8, 5};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
        cairo_set_line_width(cr, 1.5);
        cairo_move_to(cr, p->x, y);
        cairo_line_to(cr, p->x + p->w, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        char buf[48];
        snprintf(buf, sizeof buf, "target %g LUFS", target);
        text(cr, p->x + p->w - 6, y - 5, 12, buf, 1);
    }
    cairo_restore(cr);
}

static double fx(const panel *p, double f) { return p->x + log10(f / 20.0) / 3.0 * p->w; }

static void spectrum(cairo_t *cr, const panel *p, const lt_report *const *r, int n) {
    double lo = -110, hi = 0;
    frame(cr, p, "spectrum: sixth-octave smoothed average, third-octave bands as steps (dB re full-scale sine)");
    hgrid(cr, p, lo, hi, 20, "");
    static const double ticks[] = {20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000};
    char buf[16];
    for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++) {
        double x = fx(p, ticks[i]);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, floor(x) + 0.5, p->y);
        cairo_line_to(cr, floor(x) + 0.5, p->y + p->h);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        if (ticks[i] >= 1000) snprintf(buf, sizeof buf, "%gk", ticks[i] / 1000); else snprintf(buf, sizeof buf, "%g", ticks[i]);
        text(cr, x - 8, p->y + p->h + 14, 11, buf, 0);
    }
    cairo_save(cr);
    cairo_rectangle(cr, p->x, p->y, p->w, p->h);
    cairo_clip(cr);
    for (int k = n - 1; k >= 0; k--) {
        const double *c = colours[k % 4];
        /* bands as steps */
        cairo_set_source_rgba(cr, c[0], c[1], c[2], 0.18);
        for (int b = 0; b < LT_BANDS; b++) {
            double v = r[k]->band_db[b];
            if (!isfinite(v)) continue;
            double fc = 1000.0 * pow(2.0, (b - 17) / 3.0);
            double x0 = fx(p, fc * pow(2, -1.0 / 6)), x1 = fx(p, fc * pow(2, 1.0 / 6));
            double y = p->y + p->h - (v - lo) / (hi - lo) * p->h;
            cairo_rectangle(cr, x0 + 1, y, x1 - x0 - 2, p->y + p->h - y);
        }
        cairo_fill(cr);
        if (!r[k]->psd) continue;
        /* the fine spectrum, smoothed over a sixth of an octave, one point per pixel */
        cairo_set_source_rgba(cr, c[0], c[1], c[2], 0.95);
        cairo_set_line_width(cr, 1.6);
        int pen = 0;
        for (int px = 0; px < (int)p->w; px += 2) {
            double f = 20.0 * pow(10.0, 3.0 * px / p->w);
            double f0 = f * pow(2, -1.0 / 12), f1 = f * pow(2, 1.0 / 12);
            int k0 = (int)floor(f0 / r[k]->psd_df), k1 = (int)ceil(f1 / r[k]->psd_df);
            if (k0 >= r[k]->psd_n) break;
            if (k1 >= r[k]->psd_n) k1 = r[k]->psd_n - 1;
            double s = 0;
            for (int b = k0; b <= k1; b++) s += r[k]->psd[b];
            /* as a level per sixth of an octave band (so it sits near the third-octave steps) */
            double v = s > 0 ? 10 * log10(2 * s * (f1 - f0) / ((k1 - k0 + 1) * r[k]->psd_df)) : -200;
            double x = p->x + px, y = p->y + p->h - (v - lo) / (hi - lo) * p->h;
            if (pen) cairo_line_to(cr, x, y); else cairo_move_to(cr, x, y);
            pen = 1;
        }
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

int lt_plot(const char *path, const lt_report *const *r, const char *const *names, int n, const lt_plot_opts *o,
            char *err, size_t errlen) {
    const char *dot = strrchr(path, '.');
    int svg = dot && strcasecmp(dot, ".svg") == 0;
    if (!dot || (!svg && strcasecmp(dot, ".png") != 0)) {
        snprintf(err, errlen, "%s: a plot is written as .png or .svg", path);
        return -1;
    }
    cairo_surface_t *s = svg ? cairo_svg_surface_create(path, W, H) : cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot write '%s': %s", path, cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return -1;
    }
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    double dur = 0;
    for (int k = 0; k < n; k++) if (r[k]->duration_s > dur) dur = r[k]->duration_s;
    if (dur <= 0) dur = 1;
    /* title and legend */
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    text(cr, ML, 26, 17, o && o->title ? o->title : names[0], 0);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    double lx = ML;
    for (int k = 0; k < n; k++) {
        char buf[512];
        const char *base = strrchr(names[k], '/');
        snprintf(buf, sizeof buf, "%s  %.1f LUFS, %.1f dBTP, LRA %.1f LU", base ? base + 1 : names[k], r[k]->integrated_lufs,
                 r[k]->true_peak_dbtp, r[k]->lra_lu);
        const double *c = colours[k % 4];
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_rectangle(cr, lx, 38, 14, 10);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        cairo_set_font_size(cr, 12);
        cairo_text_extents_t e;
        cairo_text_extents(cr, buf, &e);
        text(cr, lx + 20, 48, 12, buf, 0);
        lx += 20 + e.x_advance + 24;
    }
    double pw = W - ML - MR;
    panel p1 = {ML, 80, pw, 200}, p2 = {ML, 330, pw, 260}, p3 = {ML, 640, pw, 280};
    waveform(cr, &p1, r, n, dur);
    loudness(cr, &p2, r, n, dur, o ? o->target_lufs : NAN);
    spectrum(cr, &p3, r, n);
    cairo_destroy(cr);
    int rc = 0;
    if (!svg && cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot write '%s'", path);
        rc = -1;
    }
    cairo_surface_finish(s);
    if (svg && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot write '%s': %s", path, cairo_status_to_string(cairo_surface_status(s)));
        rc = -1;
    }
    cairo_surface_destroy(s);
    /* cairo keeps its font faces (and fontconfig's patterns) in static caches; a plot is drawn once
     * per run, so give them back (LeakSanitizer counts them otherwise). */
    cairo_debug_reset_static_data();
    /* ...and fontconfig its own (as cairo's test suite does); looked up rather than linked, since
     * lute only reaches fontconfig through cairo */
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini) fc_fini();
    return rc;
}
