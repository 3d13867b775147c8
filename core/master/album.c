/* album.c — see album.h.  CUE sheet syntax after the CDRWIN format as cdrdao and most burners
 * read it; Red Book limits after IEC 60908. */
#include "master/album.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lt_isrc_check(const char *isrc, char norm[13], char *why, size_t len) {
    int n = 0;
    for (const char *s = isrc; *s; s++) {
        if (*s == '-' || *s == ' ') continue;
        if (n >= 12) { n = 13; break; }
        norm[n++] = (char)toupper((unsigned char)*s);
    }
    norm[n < 13 ? n : 12] = 0;
    const char *form = "an ISRC is CC-XXX-YY-NNNNN: 2 letters (country), 3 letters or digits (registrant), 2 digits (year), "
                       "5 digits (designation), e.g. US-S1Z-99-00001";
    if (n != 12) { snprintf(why, len, "ISRC '%s' has %s12 characters; %s", isrc, n > 12 ? "more than " : "not ", form); return -1; }
    for (int i = 0; i < 12; i++) {
        unsigned char c = (unsigned char)norm[i];
        int ok = i < 2 ? isalpha(c) : i < 5 ? isalnum(c) : isdigit(c);
        if (!ok) {
            const char *part = i < 2 ? "country code (letters)" : i < 5 ? "registrant code (letters or digits)" : i < 7 ? "year (digits)" : "designation (digits)";
            snprintf(why, len, "ISRC '%s': character %d ('%c') is not allowed in the %s; %s", isrc, i + 1, c, part, form);
            return -1;
        }
    }
    return 0;
}

int lt_upc_check(const char *code, char norm13[14], char *why, size_t len) {
    char d[16];
    int n = 0;
    for (const char *s = code; *s; s++) {
        if (*s == ' ' || *s == '-') continue;
        if (!isdigit((unsigned char)*s)) {
            snprintf(why, len, "UPC/EAN '%s' has a '%c': it is 12 digits (UPC-A) or 13 (EAN-13)", code, *s);
            return -1;
        }
        if (n < 15) d[n] = *s;
        n++;
    }
    if (n != 12 && n != 13) { snprintf(why, len, "UPC/EAN '%s' has %d digits: it is 12 digits (UPC-A) or 13 (EAN-13)", code, n); return -1; }
    /* GS1 check digit: from the right, excluding it, weights 3, 1, 3, ... */
    int sum = 0;
    for (int i = n - 2, w = 3; i >= 0; i--, w = 4 - w) sum += (d[i] - '0') * w;
    int want = (10 - sum % 10) % 10;
    if (d[n - 1] - '0' != want) {
        snprintf(why, len, "UPC/EAN '%s': the check digit is %c, the other digits make it %d (a typing error?)", code, d[n - 1], want);
        return -1;
    }
    if (n == 12) { norm13[0] = '0'; memcpy(norm13 + 1, d, 12); }
    else memcpy(norm13, d, 13);
    norm13[13] = 0;
    return 0;
}

void lt_album_find_music(const lt_audio *a, double thr_db, int64_t *first, int64_t *last) {
    double thr = pow(10.0, thr_db / 20);
    *first = *last = -1;
    for (int64_t i = 0; i < a->frames && *first < 0; i++)
        for (int c = 0; c < a->channels; c++) if (fabs(a->x[i * a->channels + c]) > thr) { *first = i; break; }
    for (int64_t i = a->frames - 1; i >= 0 && *last < 0; i--)
        for (int c = 0; c < a->channels; c++) if (fabs(a->x[i * a->channels + c]) > thr) { *last = i; break; }
}

void lt_album_trim(lt_audio *a, double thr_db, double keep_s) {
    int64_t first, last, keep = (int64_t)llround(keep_s * a->rate);
    lt_album_find_music(a, thr_db, &first, &last);
    if (first < 0) { a->frames = 0; return; }
    int64_t from = first - keep < 0 ? 0 : first - keep, to = last + keep >= a->frames ? a->frames - 1 : last + keep;
    memmove(a->x, a->x + from * a->channels, sizeof(float) * (to - from + 1) * a->channels);
    a->frames = to - from + 1;
}

void lt_album_fade(lt_audio *a, double in_s, double out_s) {
    int64_t fi = (int64_t)llround(in_s * a->rate), fo = (int64_t)llround(out_s * a->rate);
    if (fi > a->frames) fi = a->frames;
    if (fo > a->frames) fo = a->frames;
    for (int64_t i = 0; i < fi; i++) {
        float g = (float)(0.5 - 0.5 * cos(M_PI * (i + 0.5) / fi));
        for (int c = 0; c < a->channels; c++) a->x[i * a->channels + c] *= g;
    }
    for (int64_t i = 0; i < fo; i++) {
        float g = (float)(0.5 - 0.5 * cos(M_PI * (i + 0.5) / fo));
        int64_t k = a->frames - 1 - i;
        for (int c = 0; c < a->channels; c++) a->x[k * a->channels + c] *= g;
    }
    if (fi || fo) a->grid_bits = 0;
}

int lt_album_assemble(lt_audio *const *tracks, int n, const double *gap, const double *xfade, lt_audio *out,
                      lt_cd_track_pos *pos, char *err, size_t errlen) {
    int rate = tracks[0]->rate;
    double fr = rate / 75.0;   /* a CD frame, in samples (588 at 44.1 kHz) */
    /* first pass: positions */
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        if (tracks[i]->rate != rate || tracks[i]->channels != 2) {
            snprintf(err, errlen, "track %d: every track must be stereo at %d Hz before assembly", i + 1, rate);
            return -1;
        }
        int64_t start;
        if (i == 0) start = 0;
        else if (xfade && xfade[i] > 0) {
            int64_t ov = (int64_t)llround(xfade[i] * rate);
            if (ov > tracks[i - 1]->frames) ov = tracks[i - 1]->frames;
            if (ov > tracks[i]->frames) ov = tracks[i]->frames;
            start = at - ov;
            start = (int64_t)llround(llround(start / fr) * fr);   /* the nearest frame */
            if (start < pos[i - 1].index1) start = pos[i - 1].index1;
        } else {
            int64_t g = (int64_t)llround((gap ? gap[i] : 0) * rate);
            start = (int64_t)llround(ceil((at + g) / fr - 1e-9) * fr);   /* up to the next frame */
        }
        /* the pause starts at the first frame after the previous track's last sample */
        pos[i].index0 = i == 0 ? 0 : xfade && xfade[i] > 0 ? start : (int64_t)llround(ceil(at / fr - 1e-9) * fr);
        if (pos[i].index0 > start) pos[i].index0 = start;
        pos[i].index1 = start;
        pos[i].end = start + tracks[i]->frames;
        at = pos[i].end > at ? pos[i].end : at;
    }
    int64_t total = (int64_t)llround(ceil(at / fr - 1e-9) * fr);
    if (lt_audio_alloc(out, total, 2, rate)) { snprintf(err, errlen, "out of memory for the album (%.0f s)", (double)total / rate); return -1; }
    /* second pass: the audio, crossfades as equal-power curves over the overlap */
    for (int i = 0; i < n; i++) {
        const lt_audio *t = tracks[i];
        int64_t ov_in = i > 0 && xfade && xfade[i] > 0 ? pos[i - 1].end - pos[i].index1 : 0;
        int64_t ov_out = i + 1 < n && xfade && xfade[i + 1] > 0 ? pos[i].end - pos[i + 1].index1 : 0;
        if (ov_in < 0) ov_in = 0;
        if (ov_out < 0) ov_out = 0;
        for (int64_t k = 0; k < t->frames; k++) {
            double g = 1;
            if (k < ov_in) g *= sin(0.5 * M_PI * (k + 0.5) / ov_in);
            if (k >= t->frames - ov_out) g *= cos(0.5 * M_PI * (k - (t->frames - ov_out) + 0.5) / ov_out);
            int64_t o = pos[i].index1 + k;
            out->x[2 * o] += (float)(t->x[2 * k] * g);
            out->x[2 * o + 1] += (float)(t->x[2 * k + 1] * g);
        }
        /* a crossfaded track's boundary is its INDEX 01 only: there is no pause to mark */
    }
    return 0;
}

int lt_cd_check(const lt_cd_track_pos *pos, int n, int64_t total, char *why, size_t len) {
    if (n > LT_CD_MAX_TRACKS) { snprintf(why, len, "%d tracks: a CD holds at most %d", n, LT_CD_MAX_TRACKS); return -1; }
    if (n < 1) { snprintf(why, len, "no tracks"); return -1; }
    for (int i = 0; i < n; i++) {
        int64_t next = i + 1 < n ? pos[i + 1].index0 : total;
        double s = (double)(next - pos[i].index1) / LT_CD_RATE;
        if (s < LT_CD_MIN_TRACK_S) {
            snprintf(why, len, "track %d lasts %.2f s: Red Book tracks last at least %.0f s", i + 1, s, LT_CD_MIN_TRACK_S);
            return -1;
        }
    }
    double minutes = (double)total / LT_CD_RATE / 60 + 2.0 / 60;   /* the burner adds track 1's 2 s pause */
    if (minutes > LT_CD_MAX_MINUTES) {
        snprintf(why, len, "%.2f minutes with the 2 s lead-in pause: a CD holds at most %.1f", minutes, LT_CD_MAX_MINUTES);
        return -1;
    }
    return 0;
}

static void msf(char *buf, int64_t samples) {
    int64_t f = samples / LT_CD_FRAME;
    snprintf(buf, 32, "%02lld:%02lld:%02lld", (long long)(f / 75 / 60), (long long)(f / 75 % 60), (long long)(f % 75));
}

static int text_ok(const char *field, const char *v, int track, char *err, size_t errlen) {
    if (!v) return 0;
    if (strchr(v, '"')) {
        snprintf(err, errlen, "%s%.0d%s%s \"%s\" has a double quote, which a CUE sheet cannot hold (use ' or “ ”)",
                 track ? "track " : "album", track, track ? ": " : " ", field, v);
        return -1;
    }
    if (strlen(v) > 80) {
        snprintf(err, errlen, "%s%.0d%s%s is %zu characters: CD-TEXT holds 80", track ? "track " : "album", track, track ? ": " : " ",
                 field, strlen(v));
        return -1;
    }
    return 0;
}

int lt_cue_write(const char *path, const char *image_name, const lt_cue_album *a, const lt_cue_track *t,
                 const lt_cd_track_pos *pos, int n, char *err, size_t errlen) {
    if (text_ok("title", a->title, 0, err, errlen) || text_ok("performer", a->performer, 0, err, errlen) ||
        text_ok("songwriter", a->songwriter, 0, err, errlen))
        return -1;
    for (int i = 0; i < n; i++)
        if (text_ok("title", t[i].title, i + 1, err, errlen) || text_ok("performer", t[i].performer, i + 1, err, errlen) ||
            text_ok("songwriter", t[i].songwriter, i + 1, err, errlen))
            return -1;
    FILE *f = fopen(path, "w");
    if (!f) { snprintf(err, errlen, "cannot write '%s'", path); return -1; }
    if (a->genre) fprintf(f, "REM GENRE \"%s\"\n", a->genre);
    if (a->date) fprintf(f, "REM DATE %s\n", a->date);
    fprintf(f, "REM COMMENT \"%s\"\n", a->comment ? a->comment : "lute");
    if (a->catalog) fprintf(f, "CATALOG %s\n", a->catalog);
    if (a->performer) fprintf(f, "PERFORMER \"%s\"\n", a->performer);
    if (a->songwriter) fprintf(f, "SONGWRITER \"%s\"\n", a->songwriter);
    if (a->title) fprintf(f, "TITLE \"%s\"\n", a->title);
    fprintf(f, "FILE \"%s\" WAVE\n", image_name);
    for (int i = 0; i < n; i++) {
        char m0[32], m1[32];
        fprintf(f, "  TRACK %02d AUDIO\n", i + 1);
        if (t[i].title) fprintf(f, "    TITLE \"%s\"\n", t[i].title);
        if (t[i].performer) fprintf(f, "    PERFORMER \"%s\"\n", t[i].performer);
        if (t[i].songwriter) fprintf(f, "    SONGWRITER \"%s\"\n", t[i].songwriter);
        if (t[i].isrc) fprintf(f, "    ISRC %s\n", t[i].isrc);
        if (t[i].pregap_s > 0) {
            char pg[32];
            msf(pg, (int64_t)llround(t[i].pregap_s * 75) * LT_CD_FRAME);
            fprintf(f, "    PREGAP %s\n", pg);
        }
        msf(m0, pos[i].index0);
        msf(m1, pos[i].index1);
        if (i > 0 && pos[i].index0 < pos[i].index1) fprintf(f, "    INDEX 00 %s\n", m0);
        fprintf(f, "    INDEX 01 %s\n", m1);
    }
    int bad = ferror(f);
    if (fclose(f) || bad) { snprintf(err, errlen, "cannot finish '%s'", path); return -1; }
    return 0;
}
