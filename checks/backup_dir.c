/* directory: backups that are files on a local disk or a mounted share (Veeam *.vbk and *.vib,
 * SQL Server *.bak, tarballs). Every regular file matching the pattern is a restore point,
 * dated by its mtime. The walk is recursive but bounded in depth and entries, and does not
 * follow symbolic links below the top. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup_read.h"

#define DIR_MAX_DEPTH 12
#define DIR_MAX_ENTRIES 200000
#define DIR_LIST_LINES 200 /* files named in the evidence, newest first */

struct walk {
    const char *pattern;
    size_t entries, unreadable;
    bool truncated;
    struct backup_listing *l;
};

/* pattern is one glob or several separated by '|' ("*.vbk|*.vib"); a glob holding a '/'
 * matches the path below the top, any other the file name. */
static bool matches(const char *pattern, const char *rel, const char *name)
{
    char one[512];
    for (const char *p = pattern;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n < sizeof one) {
            memcpy(one, p, n);
            one[n] = '\0';
            bool on_path = strchr(one, '/') != NULL;
            if (n && fnmatch(one, on_path ? rel : name, on_path ? FNM_PATHNAME : 0) == 0)
                return true;
        }
        if (!bar)
            return false;
        p = bar + 1;
    }
}

static int walk_dir(struct walk *w, int dfd, char *rel, size_t rel_len, size_t cap, int depth)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        w->unreadable++;
        return 0;
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (++w->entries > DIR_MAX_ENTRIES) {
            w->truncated = true;
            break;
        }
        size_t nl = strlen(de->d_name);
        if (rel_len + nl + 2 > cap) {
            w->unreadable++;
            continue;
        }
        size_t save = rel_len;
        if (rel_len)
            rel[rel_len++] = '/';
        memcpy(rel + rel_len, de->d_name, nl + 1);
        rel_len += nl;
        struct stat sb;
        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
            w->unreadable++;
        } else if (S_ISDIR(sb.st_mode)) {
            if (depth + 1 >= DIR_MAX_DEPTH) {
                w->truncated = true;
            } else {
                int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                    w->unreadable++;
                else
                    rc = walk_dir(w, sub, rel, rel_len, cap, depth + 1);
            }
        } else if (S_ISREG(sb.st_mode)) {
            if (matches(w->pattern, rel, de->d_name) &&
                backup_listing_add(w->l, (int64_t)sb.st_mtime, (int64_t)sb.st_size, rel) < 0)
                rc = -1;
        }
        rel_len = save;
        rel[rel_len] = '\0';
    }
    closedir(d);
    return rc;
}

static int newest_first(const void *a, const void *b)
{
    const struct backup_point *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? 1 : -1;
    return strcmp(x->id, y->id);
}

int backup_dir_read(const struct backup_source *s, struct backup_listing *l, struct rm_err *e)
{
    int fd = open(s->location, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        backup_listing_fail(l, err == ENOENT || err == ENOTDIR ? BACKUP_MISSING
                               : err == EACCES || err == EPERM ? BACKUP_PERMISSION
                                                               : BACKUP_FAILED,
                            "%s: %s", s->location, strerror(err));
        return 0;
    }
    struct walk w = {.pattern = s->pattern ? s->pattern : "*", .l = l};
    char rel[4096] = "";
    if (walk_dir(&w, fd, rel, 0, sizeof rel, 0) < 0)
        return rm_errf(e, "out of memory");
    if (l->n_points > 1)
        qsort(l->points, l->n_points, sizeof *l->points, newest_first);

    /* The evidence: what was looked at and the newest files found, one line each. */
    size_t cap = 512 + (size_t)(l->n_points < DIR_LIST_LINES ? l->n_points : DIR_LIST_LINES) * 4200;
    char *txt = malloc(cap);
    if (!txt)
        return rm_errf(e, "out of memory");
    size_t o = (size_t)snprintf(txt, cap,
                                "directory %s, pattern %s: %zu matching files, %zu entries walked%s%s\n"
                                "mtime_utc size_bytes path\n",
                                s->location, w.pattern, l->n_points, w.entries,
                                w.truncated ? " (walk stopped at its bound)" : "",
                                w.unreadable ? ", some entries unreadable" : "");
    for (size_t i = 0; i < l->n_points && i < DIR_LIST_LINES && o < cap; i++) {
        char t[32];
        backup_format_time(l->points[i].time, t, sizeof t);
        o += (size_t)snprintf(txt + o, cap - o, "%s %lld %s\n", t, (long long)l->points[i].size,
                              l->points[i].id);
    }
    if (o >= cap)
        o = cap - 1;
    int rc = backup_listing_keep_raw(l, "text/plain", txt, o);
    free(txt);
    return rc < 0 ? rm_errf(e, "out of memory") : 0;
}
