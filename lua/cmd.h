/* cmd.h — lute's mastering and delivery commands, each in its own file (lua/cmd_*.c), called from
 * main.c with argv starting at the command's name.  Exit status as DESIGN.md §4: 0 success, 1 a
 * failure while working (a target not met, a file that cannot be written), 2 bad usage or input.
 * Thread: control (the main thread).  RT-safe: no. */
#ifndef LT_CMD_H
#define LT_CMD_H
#include <stddef.h>

int lt_cmd_analyze(int argc, char **argv);   /* lute analyze FILE... [--json [--series]] [--plot OUT.png] */
int lt_cmd_master(int argc, char **argv);    /* lute master IN -o OUT [--target LUFS] [--ceiling dBTP] ... */
int lt_cmd_album(int argc, char **argv);     /* lute album ALBUM.lua [-o DIR] */
/* lute render with master { target =, ceiling = }: the float render at in_path brought to the target and
 * written to path in its format (bits 0: the format's default; *bits_out gets what was written) (render_master.c).
 * limiter: the song's final limiter's settings (lt_fx_limiter's params, the mix rendered without it),
 * or NULL for the limiter's defaults.  0 met, 1 not met (the file is written anyway), -1 with err. */
int lt_render_target(const char *in_path, const char *path, int bits, double target, double ceiling,
                     const float *limiter, int *bits_out, char *err, size_t errlen);
#endif
