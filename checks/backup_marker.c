/* marker: a file a backup job touches or writes when it succeeds. Its content, when it is a
 * time (RFC 3339 or epoch seconds on the first line), is the last success; otherwise its
 * mtime is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backup_read.h"

int backup_marker_read(const struct backup_source *s, struct backup_listing *l, struct rm_err *e)
{
    struct stat sb;
    if (stat(s->location, &sb) < 0) {
        int err = errno;
        backup_listing_fail(l, err == ENOENT || err == ENOTDIR ? BACKUP_MISSING
                               : err == EACCES ? BACKUP_PERMISSION
                                               : BACKUP_FAILED,
                            "%s: %s", s->location, strerror(err));
        return 0;
    }
    char *buf;
    size_t len;
    int r = backup_slurp(s->location, l, &buf, &len);
    if (r != 0)
        return r < 0 ? rm_errf(e, "out of memory") : 0;
    char line[128];
    size_t n = strcspn(buf, "\r\n");
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, buf, n);
    line[n] = '\0';
    int64_t when;
    const char *from = "content";
    if (backup_parse_time(line, s->tz, &when) < 0) {
        when = (int64_t)sb.st_mtime;
        from = "mtime";
    }
    char t[32], mt[32];
    backup_format_time(when, t, sizeof t);
    backup_format_time((int64_t)sb.st_mtime, mt, sizeof mt);
    char txt[512];
    int tn = snprintf(txt, sizeof txt, "marker %s\nmtime_utc %s\nsize_bytes %lld\nfirst_line %s\n"
                      "last_success_utc %s (from %s)\n",
                      s->location, mt, (long long)sb.st_size, line, t, from);
    free(buf);
    int rc = backup_listing_keep_raw(l, "text/plain", txt, tn < 0 ? 0 : (size_t)tn >= sizeof txt ? sizeof txt - 1 : (size_t)tn);
    /* The marker tells when, not how much: its own size says nothing of the backup's. */
    if (rc == 0)
        rc = backup_listing_add(l, when, -1, from);
    return rc < 0 ? rm_errf(e, "out of memory") : 0;
}
