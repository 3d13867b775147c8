/* adsr.h — linear attack/decay/sustain/release envelope, timed to the frame: with attack A seconds,
 * the level reaches 1.0 exactly round(A*sr) frames after the gate opens; decay and release likewise
 * take round(T*sr) frames (from 1 to sustain, from the level at gate-off to 0).  A gate-on while
 * sounding restarts the attack from the current level (no click).
 *
 * Thread: owner.  RT-safe: yes. */
#ifndef LT_DSP_ADSR_H
#define LT_DSP_ADSR_H

enum { LT_ADSR_IDLE = 0, LT_ADSR_ATTACK, LT_ADSR_DECAY, LT_ADSR_SUSTAIN, LT_ADSR_RELEASE };

typedef struct lt_adsr {
    float sr;
    float attack, decay, sustain, release;  /* seconds, seconds, level 0..1, seconds */
    int   stage;
    float level;
    float step;        /* per-frame increment of the current segment */
    int   remaining;   /* frames left in the current segment */
    float start;       /* level at the first frame of the current segment */
    int   length;      /* frames in the current segment (level = start + step * (length - remaining)) */
} lt_adsr;

void lt_adsr_init(lt_adsr *e, float sr);   /* defaults: 0.005, 0.1, 0.7, 0.2 */
void lt_adsr_set(lt_adsr *e, float attack, float decay, float sustain, float release);
void lt_adsr_gate(lt_adsr *e, int on);     /* takes effect at the next sample processed */
void lt_adsr_process(lt_adsr *e, float *out, int n);
int  lt_adsr_idle(const lt_adsr *e);
void lt_adsr_reset(lt_adsr *e);            /* to idle, level 0 */
#endif
