/* oversample.h — 2x and 4x oversampling for nonlinear units (the saturators in fx_sat.c): cascaded
 * linear-phase FIR half-band filters, Kaiser-windowed (Kaiser, "Nonrecursive digital filter design
 * using the I0-sinh window function", 1974; the half-band polyphase structure of Crochiere & Rabiner,
 * "Multirate Digital Signal Processing", 1983), designed at init for 90 dB of image and alias
 * rejection with the passband flat to 20 kHz at 44.1/48 kHz.
 *
 * Linear phase makes the delay an exact whole number of frames at every factor, so a unit reports it
 * as its latency and the engine can line the dry signal up with the wet one (a parallel mix without
 * comb filtering); lt_os_pad() tells how many frames to add in front of a lower factor so that every
 * factor has the same delay and switching between them crossfades two aligned signals.
 *
 * One lt_os per channel.  Thread: owner.  RT-safe: yes (init computes the taps; no allocation). */
#ifndef LT_DSP_OVERSAMPLE_H
#define LT_DSP_OVERSAMPLE_H

#define LT_OS_M1 17                 /* stage 1 (1x <-> 2x): 4 m + 3 = 71 taps */
#define LT_OS_M2 7                  /* stage 2 (2x <-> 4x): 31 taps */

typedef struct lt_hb_up {
    float x[2 * (2 * LT_OS_M1 + 2)];  /* input history, doubled so a window is contiguous */
    int   pos;
} lt_hb_up;

typedef struct lt_hb_down {
    float v[2 * (4 * LT_OS_M1 + 4)];  /* high-rate history, doubled */
    int   pos;
} lt_hb_down;

typedef struct lt_os {
    float      h1[LT_OS_M1 + 1], h2[LT_OS_M2 + 1];  /* the odd taps of each half-band, from the centre */
    lt_hb_up   up1, up2[1];
    lt_hb_down dn1, dn2;
    float      mid[2];              /* one frame of 2x delay in the 4x chain (the half frame of latency) */
} lt_os;

/* Designs the taps and clears the state. */
void lt_os_init(lt_os *o);
/* Clears the state, keeps the taps. */
void lt_os_reset(lt_os *o);
/* Delay in base-rate frames of up + down at `factor` (1, 2 or 4). */
int  lt_os_latency(int factor);
/* Frames to delay the input of a chain at `factor` so it lines up with the slowest one (4x). */
int  lt_os_pad(int factor);
/* One base-rate frame in, `factor` frames out (y[0] first). */
void lt_os_up2(lt_os *o, float x, float y[2]);
void lt_os_up4(lt_os *o, float x, float y[4]);
/* `factor` high-rate frames in (the ones up gave for the same base frame), one base-rate frame out. */
float lt_os_down2(lt_os *o, const float y[2]);
float lt_os_down4(lt_os *o, const float y[4]);
#endif
