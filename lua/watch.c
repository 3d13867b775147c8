/* watch.c — file watching with inotify (see watch.h). */
#include "watch.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define MAX_FILES 256
#define MAX_DIRS  64

static int fd = -1;
static struct { int wd; char dir[PATH_MAX]; } dirs[MAX_DIRS];
static int ndirs;
static struct { int wd; char name[NAME_MAX + 1]; } files[MAX_FILES];
static int nfiles;

int lt_watch_init(void) {
    if (fd < 0) fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    return fd;
}

int lt_watch_add(const char *path) {
    char full[PATH_MAX];
    if (fd < 0 || !realpath(path, full)) return -1;
    char *slash = strrchr(full, '/');
    if (!slash) return -1;
    *slash = 0;
    const char *dir = full[0] ? full : "/", *name = slash + 1;
    int wd = -1;
    for (int i = 0; i < ndirs; i++) if (strcmp(dirs[i].dir, dir) == 0) wd = dirs[i].wd;
    if (wd < 0) {
        if (ndirs >= MAX_DIRS) return -1;
        wd = inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
        if (wd < 0) return -1;
        dirs[ndirs].wd = wd;
        snprintf(dirs[ndirs].dir, sizeof dirs[ndirs].dir, "%s", dir);
        ndirs++;
    }
    for (int i = 0; i < nfiles; i++) if (files[i].wd == wd && strcmp(files[i].name, name) == 0) return 0;
    if (nfiles >= MAX_FILES) return -1;
    files[nfiles].wd = wd;
    snprintf(files[nfiles].name, sizeof files[nfiles].name, "%s", name);
    nfiles++;
    return 0;
}

void lt_watch_clear(void) { nfiles = 0; }

int lt_watch_read(void) {
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int changed = 0;
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->len && !(ev->mask & IN_CREATE))
                for (int i = 0; i < nfiles; i++)
                    if (files[i].wd == ev->wd && strcmp(files[i].name, ev->name) == 0) changed = 1;
            p += sizeof *ev + ev->len;
        }
    }
    return changed;
}

void lt_watch_close(void) {
    if (fd >= 0) close(fd);
    fd = -1;
    ndirs = nfiles = 0;
}
