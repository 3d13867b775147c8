/* album.h — sequencing an album and laying it out as a Red Book CD image: trimming each track to
 * its music, fades, gaps or crossfades, track boundaries on CD frames (1/75 s = 588 samples at
 * 44.1 kHz), the CUE sheet (CATALOG, TITLE, PERFORMER, SONGWRITER, ISRC, PREGAP, INDEX 00/01), and
 * the checks a CD plant makes: ISRC and UPC/EAN codes, at most 99 tracks, at least 4 s each, at most
 * 79.8 minutes.  The audio work is plain C; lua/cmd_album.c reads the album file and drives it.
 * Thread: control.  RT-safe: no. */
#ifndef LT_MASTER_ALBUM_H
#define LT_MASTER_ALBUM_H
#include <stddef.h>
#include <stdint.h>
#include "master/audio.h"

#define LT_CD_RATE 44100
#define LT_CD_FRAME 588                  /* samples per CD frame (sector): 44100 / 75 */
#define LT_CD_MAX_TRACKS 99
#define LT_CD_MIN_TRACK_S 4.0
#define LT_CD_MAX_MINUTES 79.8

/* ISRC (ISO 3901): CC-XXX-YY-NNNNN, 12 characters without the hyphens (country: 2 letters;
 * registrant: 3 letters or digits; year: 2 digits; designation: 5 digits).  ISRC has no check digit,
 * so its form is what can be checked.  norm receives the 12 characters (upper case).
 * 0, or -1 with why (what is wrong and what would be right). */
int lt_isrc_check(const char *isrc, char norm[13], char *why, size_t len);
/* UPC-A (12 digits) or EAN-13 (13 digits) with its GS1 mod-10 check digit.  norm13 receives the
 * 13 digits a CUE CATALOG takes (a UPC-A with a leading 0).  0, or -1 with why. */
int lt_upc_check(const char *code, char norm13[14], char *why, size_t len);

/* Frames (sample frames) where the audio first and last rises above thr_db (dBFS, sample level on
 * any channel).  Both -1 for silence. */
void lt_album_find_music(const lt_audio *a, double thr_db, int64_t *first, int64_t *last);
/* Cuts to [first - keep_s, last + keep_s] of the music (in place). */
void lt_album_trim(lt_audio *a, double thr_db, double keep_s);
/* Fades in and out (seconds; 0 = none), raised-cosine shapes, in place. */
void lt_album_fade(lt_audio *a, double in_s, double out_s);

/* The layout of tracks on the image: where each track's pause (INDEX 00) and music (INDEX 01)
 * start, in samples of the image, both on CD frame boundaries. */
typedef struct lt_cd_track_pos { int64_t index0, index1, end; } lt_cd_track_pos;

/* Concatenates tracks (stereo, all at the same rate) with gap[i] seconds of silence before track i
 * (i > 0) or an overlap of xfade[i] seconds with the previous one (equal-power crossfade; then no
 * gap).  Every INDEX 01 falls on a CD frame (at 44.1 kHz; at other rates the same 1/75 s grid) —
 * gaps grow by up to one frame to get there, crossfade points are rounded to the nearest frame —
 * and the whole is padded to whole frames.  pos[i] receives the positions. */
int lt_album_assemble(lt_audio *const *tracks, int n, const double *gap, const double *xfade, lt_audio *out,
                      lt_cd_track_pos *pos, char *err, size_t errlen);

typedef struct lt_cue_track {
    const char *title, *performer, *songwriter, *isrc;   /* isrc: 12 characters or NULL */
    double pregap_s;                                       /* a PREGAP (silence the burner makes), or 0 */
} lt_cue_track;

typedef struct lt_cue_album {
    const char *title, *performer, *songwriter, *catalog, *genre, *date, *comment;   /* catalog: 13 digits or NULL */
} lt_cue_album;

/* Red Book limits on a laid-out image (samples at LT_CD_RATE): -1 with why naming the track. */
int lt_cd_check(const lt_cd_track_pos *pos, int n, int64_t total, char *why, size_t len);
/* Writes the CUE sheet for image_name (the WAV's file name, written as FILE "..." WAVE).  Text
 * fields may not hold double quotes or exceed 80 characters (CD-TEXT): -1 with err naming the field. */
int lt_cue_write(const char *path, const char *image_name, const lt_cue_album *a, const lt_cue_track *t,
                 const lt_cd_track_pos *pos, int n, char *err, size_t errlen);
#endif
