#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int atomic_write(const char *path, const void *data, size_t len, unsigned mode, struct rm_err *e)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp)
        return rm_errf(e, "%s: path too long", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return rm_errf(e, "%s: cannot create temporary file: %s", path, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = errno;
            close(fd);
            unlink(tmp);
            return rm_errf(e, "%s: write failed: %s", path, strerror(err));
        }
        p += n;
        left -= (size_t)n;
    }
    if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0) {
        int err = errno;
        close(fd);
        unlink(tmp);
        return rm_errf(e, "%s: %s", path, strerror(err));
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        int err = errno;
        unlink(tmp);
        return rm_errf(e, "%s: cannot replace: %s", path, strerror(err));
    }
    return 0;
}

int make_dirs(const char *dir, unsigned mode, struct rm_err *e)
{
    char buf[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return rm_errf(e, "directory \"%s\": bad path", dir);
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
                return rm_errf(e, "%s: cannot create directory: %s", buf, strerror(errno));
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return rm_errf(e, "%s: not a directory", dir);
    return 0;
}

int read_file_bounded(const char *path, size_t max, char **out, size_t *len, struct rm_err *e)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return rm_errf(e, "%s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        goto nomem;
    for (;;) {
        if (n == cap) {
            if (cap >= max)
                break;
            cap = cap * 2 > max ? max : cap * 2;
            char *g = realloc(buf, cap + 1);
            if (!g)
                goto nomem;
            buf = g;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int over = n == max && fgetc(f) != EOF;
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (over || err) {
        free(buf);
        return over ? rm_errf(e, "%s: larger than %zu bytes", path, max)
                    : rm_errf(e, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
nomem:
    free(buf);
    if (f != stdin)
        fclose(f);
    return rm_errf(e, "%s: out of memory", path);
}

int make_parent_dir(const char *path, const char *who, struct rm_err *e)
{
    char dir[4096];
    if (strlen(path) >= sizeof dir)
        return rm_errf(e, "%s: path too long", who);
    strcpy(dir, path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : rm_errf(e, "%s: %s is not a directory", who, dir);
    if (mkdir(dir, 0700) < 0)
        return rm_errf(e, "%s: cannot create directory %s: %s", who, dir, strerror(errno));
    return 0;
}

int make_private_file(const char *path, const char *who, struct rm_err *e)
{
    if (make_parent_dir(path, who, e) < 0)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return rm_errf(e, "%s: cannot create %s: %s", who, path, strerror(errno));
    close(fd);
    return 0;
}

int open_regular_bounded(const char *path, size_t max, int *fd, size_t *size, struct rm_err *e)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (*fd < 0)
        return rm_errf(e, "%s: %s", path, strerror(errno));
    struct stat st;
    const char *why = NULL;
    if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode))
        why = "not a regular file";
    else if ((unsigned long long)st.st_size > max)
        why = "larger than";
    if (why) {
        close(*fd);
        *fd = -1;
        return why[0] == 'n' ? rm_errf(e, "%s: %s", path, why)
                             : rm_errf(e, "%s: larger than %zu MiB", path, max >> 20);
    }
    *size = (size_t)st.st_size;
    return 0;
}
