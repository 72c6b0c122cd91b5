#include "scanlog.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const char *const names[] = {"error", "warning", "info", "debug"};

int scanlog_open(struct scanlog *l, const char *dest, bool quiet, int verbose, struct rm_err *e)
{
    memset(l, 0, sizeof *l);
    l->verbose = verbose;
    if (!dest) {
        l->kind = SCANLOG_PLAIN;
        l->f = quiet ? NULL : stderr;
        return 0;
    }
    if (strcmp(dest, "syslog") == 0) {
        l->kind = SCANLOG_SYSLOG;
        openlog("riskmap", LOG_PID, LOG_DAEMON);
        return 0;
    }
    l->kind = SCANLOG_STAMPED;
    if (strcmp(dest, "-") == 0) {
        l->f = stderr;
        return 0;
    }
    int fd = open(dest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || !(l->f = fdopen(fd, "a"))) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return rm_errf(e, "%s: cannot open the log: %s", dest, strerror(err));
    }
    l->own = true;
    return 0;
}

void scanlog_write(struct scanlog *l, enum scanlog_level lv, const char *msg)
{
    switch (l->kind) {
    case SCANLOG_PLAIN:
        if (!l->f || (lv == SCANLOG_INFO && l->verbose < 1) || (lv == SCANLOG_DEBUG && l->verbose < 2))
            return;
        fprintf(l->f, "riskmap: %s\n", msg);
        return;
    case SCANLOG_SYSLOG: {
        if (lv == SCANLOG_DEBUG && l->verbose < 1)
            return;
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[lv], "%s", msg);
        return;
    }
    case SCANLOG_STAMPED: {
        if (lv == SCANLOG_DEBUG && l->verbose < 1)
            return;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(l->f, "%s.%03ldZ riskmap[%ld] %s: %s\n", when, ts.tv_nsec / 1000000,
                (long)getpid(), names[lv], msg);
        fflush(l->f);
        return;
    }
    }
}

bool scanlog_plain(const struct scanlog *l)
{
    return l->kind == SCANLOG_PLAIN && l->f != NULL;
}

void scanlog_close(struct scanlog *l)
{
    if (l->kind == SCANLOG_SYSLOG)
        closelog();
    if (l->own && l->f)
        fclose(l->f);
    memset(l, 0, sizeof *l);
}
