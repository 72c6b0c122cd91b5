#include "datadir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scanner/atomic.h"

int datadir_prepare(const char *dir, struct rm_err *e)
{
    char p[4096];
    if (make_dirs(dir, 0700, e) < 0)
        return -1;
    snprintf(p, sizeof p, "%s/scans", dir);
    if (make_dirs(p, 0700, e) < 0)
        return -1;
    snprintf(p, sizeof p, "%s/logs", dir);
    return make_dirs(p, 0700, e);
}

int datadir_lock(const char *dir, struct datadir_lock *lk, bool *stale, char *previous,
                 size_t cap, struct rm_err *e)
{
    char p[4096];
    *stale = false;
    previous[0] = '\0';
    lk->fd = -1;
    snprintf(p, sizeof p, "%s/lock", dir);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rm_errf(e, "%s: %s", p, strerror(errno));
    char buf[256] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int err = errno;
        close(fd);
        if (err == EWOULDBLOCK) {
            rm_errf(e, "another riskmap run for %s is still running (%s); this one stops", dir,
                    buf[0] ? buf : "holder unknown");
            return 1;
        }
        return rm_errf(e, "%s: %s", p, strerror(err));
    }
    /* The lock is ours. Content left behind means the run that wrote it never released it:
     * it was killed, or the machine went down. */
    if (buf[0]) {
        *stale = true;
        snprintf(previous, cap, "%s", buf);
    }
    char host[128] = "?", when[32];
    gethostname(host, sizeof host - 1);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int len = snprintf(buf, sizeof buf, "pid %ld on %s since %s\n", (long)getpid(), host, when);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
        int err = errno;
        close(fd);
        return rm_errf(e, "%s: %s", p, strerror(err));
    }
    fsync(fd);
    lk->fd = fd;
    return 0;
}

void datadir_unlock(struct datadir_lock *lk)
{
    if (lk->fd < 0)
        return;
    if (ftruncate(lk->fd, 0) == 0)
        fsync(lk->fd);
    close(lk->fd); /* releases the flock */
    lk->fd = -1;
}

int datadir_new_scan(const char *dir, const char *scan_id, char *name, struct rm_err *e)
{
    char stamp[32], p[4096];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(name, DATADIR_NAME_MAX, "%s-%.8s", stamp, scan_id ? scan_id : "00000000");
    snprintf(p, sizeof p, "%s/scans/%s", dir, name);
    if (mkdir(p, 0700) < 0)
        return rm_errf(e, "%s: %s", p, strerror(errno));
    return 0;
}

/* Our scan directories' names: 20261122T150102Z-1a2b3c4d. Nothing else is ever removed. */
static bool scan_name_ok(const char *s)
{
    if (strlen(s) != 25)
        return false;
    for (int i = 0; i < 25; i++) {
        char c = s[i];
        bool ok = i == 8 ? c == 'T' : i == 15 ? c == 'Z' : i == 16 ? c == '-'
                : i < 16 ? (c >= '0' && c <= '9')
                         : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        if (!ok)
            return false;
    }
    return true;
}

/* A scan directory as retention orders it. Names have one-second stamps and a random suffix,
 * so scans of the same second are told apart by when their scan.json was committed; a
 * directory without one is what a killed run left, and goes first. */
struct scan_dir {
    char *name;
    struct timespec committed; /* zero: no scan.json */
};

static int cmp_newest_first(const void *a, const void *b)
{
    const struct scan_dir *x = a, *y = b;
    int c = strncmp(y->name, x->name, 16);
    if (c)
        return c;
    if (x->committed.tv_sec != y->committed.tv_sec)
        return x->committed.tv_sec < y->committed.tv_sec ? 1 : -1;
    if (x->committed.tv_nsec != y->committed.tv_nsec)
        return x->committed.tv_nsec < y->committed.tv_nsec ? 1 : -1;
    return strcmp(y->name, x->name);
}

/* Removes one scan directory: its regular files, then itself. A directory holding anything
 * else (a subdirectory someone put there) is left alone. */
static int remove_scan(int scansfd, const char *name)
{
    int fd = openat(scansfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
            unlinkat(fd, de->d_name, 0) < 0)
            rc = -1;
    }
    closedir(d);
    if (rc == 0 && unlinkat(scansfd, name, AT_REMOVEDIR) < 0)
        rc = -1;
    return rc;
}

int datadir_publish(int ddfd, const char *name, unsigned keep, unsigned *pruned, int *err_no,
                    struct rm_err *e)
{
    *pruned = 0;
    *err_no = 0;
    char target[DATADIR_NAME_MAX + 8], tmp[64];
    snprintf(target, sizeof target, "scans/%s", name);
    snprintf(tmp, sizeof tmp, "latest.tmp.%ld", (long)getpid());
    unlinkat(ddfd, tmp, 0);
    if (symlinkat(target, ddfd, tmp) < 0 || renameat(ddfd, tmp, ddfd, "latest") < 0) {
        *err_no = errno;
        unlinkat(ddfd, tmp, 0);
        return e ? rm_errf(e, "updating latest: %s", strerror(*err_no)) : -1;
    }
    fsync(ddfd);
    if (keep == 0)
        return 0;
    int sfd = openat(ddfd, "scans", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd < 0) {
        *err_no = errno;
        return e ? rm_errf(e, "scans: %s", strerror(*err_no)) : -1;
    }
    int lfd = dup(sfd);
    DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (!d) {
        *err_no = errno;
        if (lfd >= 0)
            close(lfd);
        close(sfd);
        return e ? rm_errf(e, "scans: %s", strerror(*err_no)) : -1;
    }
    struct scan_dir *dirs = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        /* The scan being published always stays and counts as one of keep. */
        if (!scan_name_ok(de->d_name) || strcmp(de->d_name, name) == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct scan_dir *v = realloc(dirs, cap * sizeof *v);
            if (!v)
                break;
            dirs = v;
        }
        char doc[sizeof de->d_name + 16];
        struct stat st;
        snprintf(doc, sizeof doc, "%s/scan.json", de->d_name);
        dirs[n].committed = fstatat(sfd, doc, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)
                                ? st.st_mtim
                                : (struct timespec){0, 0};
        if (!(dirs[n].name = strdup(de->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(dirs, n, sizeof *dirs, cmp_newest_first);
    for (size_t i = keep - 1; i < n; i++)
        if (remove_scan(sfd, dirs[i].name) == 0)
            (*pruned)++;
    for (size_t i = 0; i < n; i++)
        free(dirs[i].name);
    free(dirs);
    fsync(sfd);
    close(sfd);
    return 0;
}

int datadir_latest(const char *dir, char *out, size_t cap)
{
    if ((size_t)snprintf(out, cap, "%s/latest/scan.json", dir) >= cap)
        return -1;
    return access(out, R_OK) == 0 ? 0 : -1;
}
