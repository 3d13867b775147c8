/* watch.c — file watching with inotify (see watch.h).
 *
 * Files are watched by name in a watched folder, never by inode: an editor that saves by writing a
 * temporary and renaming it over the file, or by deleting the file and writing it again, replaces the
 * inode every time.  So a file is remembered as (folder watch, name), and the folder is resolved with
 * realpath but the name is not: a file that does not exist at the moment it is added (deleted between
 * a save and the reload) stays on the list, and its next save is seen.  A name that is a symbolic link
 * is watched under its own name and under its target's. */
#include "watch.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 256
#define MAX_DIRS  64
#define EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)

static int fd = -1;
static struct { int wd; char dir[PATH_MAX]; } dirs[MAX_DIRS];
static int ndirs;
static struct { int wd; char name[NAME_MAX + 1]; } files[MAX_FILES];
static int nfiles;

int lt_watch_init(void) {
    if (fd < 0) fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    return fd;
}

/* Watches `name` inside `dir` (already resolved). */
static int add_name(const char *dir, const char *name) {
    int wd = -1;
    if (!name[0] || strlen(name) > NAME_MAX) return -1;
    for (int i = 0; i < ndirs; i++) if (strcmp(dirs[i].dir, dir) == 0) wd = dirs[i].wd;
    if (wd < 0) {
        if (ndirs >= MAX_DIRS) return -1;
        wd = inotify_add_watch(fd, dir, EVENTS);
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

/* Splits path into its resolved folder and its name. */
static int add_path(const char *path) {
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (slash == path) snprintf(dir, sizeof dir, "/");
    else if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else snprintf(dir, sizeof dir, ".");
    if (!realpath(dir, real)) return -1;
    return add_name(real, name);
}

int lt_watch_add(const char *path) {
    if (fd < 0 || !path) return -1;
    int rc = add_path(path);
    struct stat st;
    char target[PATH_MAX];
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, target)) add_path(target);
    return rc;
}

void lt_watch_clear(void) { nfiles = 0; }

int lt_watch_read(void) {
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int changed = 0;
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->mask & IN_Q_OVERFLOW) changed = 1;   /* events were lost: look again */
            /* IN_CREATE alone is not a save: the content comes with the IN_CLOSE_WRITE that follows,
             * and reloading at the create could read a file still being written. */
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
