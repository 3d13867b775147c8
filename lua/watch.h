/* watch.h — notices when a watched file is saved (inotify on its folder, so editors that save by
 * writing a new file and renaming it are seen too).  Thread: control.  RT-safe: no. */
#ifndef LT_WATCH_H
#define LT_WATCH_H
int  lt_watch_init(void);                 /* returns the fd to poll, or -1 */
int  lt_watch_add(const char *path);      /* 0, or -1 when the folder cannot be watched */
void lt_watch_clear(void);                /* forget every file (folders stay watched) */
/* Reads pending events; returns 1 when a watched file was written or replaced. */
int  lt_watch_read(void);
void lt_watch_close(void);
#endif
