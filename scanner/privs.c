#include "privs.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scanner/datadir.h"

int privs_lookup(const char *user, uid_t *uid, gid_t *gid, struct rm_err *e)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return rm_errf(e, "option --user: no account \"%s\"%s%s", user, errno ? ": " : "",
                       errno ? strerror(errno) : "");
    if (pw->pw_uid == 0 || pw->pw_gid == 0)
        return rm_errf(e, "option --user: \"%s\" is uid or gid 0; riskmap drops root to an "
                          "unprivileged account", user);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

/* Copies the value of a "Key:\tv1\tv2" line with runs of blanks folded to one space. */
static void status_value(const char *line, char *out, size_t size)
{
    const char *p = strchr(line, ':');
    size_t n = 0;
    p = p ? p + 1 : line;
    while (*p == ' ' || *p == '\t')
        p++;
    for (; *p && *p != '\n' && n + 1 < size; p++) {
        if (*p == ' ' || *p == '\t') {
            while (p[1] == ' ' || p[1] == '\t')
                p++;
            if (p[1] == '\n' || p[1] == '\0')
                break;
            out[n++] = ' ';
        } else
            out[n++] = *p;
    }
    out[n] = '\0';
}

int privs_status(char *uid, char *gid, char *groups, char *capeff, size_t size)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[512];
    int found = 0;
    uid[0] = gid[0] = groups[0] = capeff[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Uid:", 4) == 0)
            status_value(line, uid, size), found |= 1;
        else if (strncmp(line, "Gid:", 4) == 0)
            status_value(line, gid, size), found |= 2;
        else if (strncmp(line, "Groups:", 7) == 0)
            status_value(line, groups, size), found |= 4;
        else if (strncmp(line, "CapEff:", 7) == 0)
            status_value(line, capeff, size), found |= 8;
    }
    fclose(f);
    return found == 15 ? 0 : -1;
}

static bool all_zero_hex(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s != '0')
            return false;
    return true;
}

int privs_drop(uid_t uid, gid_t gid, struct rm_err *e)
{
    if (uid == 0 || gid == 0)
        return rm_errf(e, "refusing to drop to uid or gid 0");
    if (setgroups(0, NULL) < 0)
        return rm_errf(e, "dropping root: setgroups: %s", strerror(errno));
    if (setgid(gid) < 0)
        return rm_errf(e, "dropping root: setgid(%u): %s", (unsigned)gid, strerror(errno));
    if (setuid(uid) < 0)
        return rm_errf(e, "dropping root: setuid(%u): %s", (unsigned)uid, strerror(errno));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return rm_errf(e, "dropping root: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));

    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
        return rm_errf(e, "dropping root: cannot read the process ids: %s", strerror(errno));
    if (ru != uid || eu != uid || su != uid || getuid() != uid || geteuid() != uid)
        return rm_errf(e, "dropping root: uids are %u/%u/%u, not %u", (unsigned)ru,
                       (unsigned)eu, (unsigned)su, (unsigned)uid);
    if (rg != gid || eg != gid || sg != gid)
        return rm_errf(e, "dropping root: gids are %u/%u/%u, not %u", (unsigned)rg,
                       (unsigned)eg, (unsigned)sg, (unsigned)gid);
    if (getgroups(0, NULL) != 0)
        return rm_errf(e, "dropping root: supplementary groups remain");
    /* The proof: root cannot be regained. */
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
        return rm_errf(e, "dropping root: root could be regained");
    char u[128], g[128], gr[128], cap[128];
    if (privs_status(u, g, gr, cap, sizeof u) < 0)
        return rm_errf(e, "dropping root: cannot read /proc/self/status");
    if (!all_zero_hex(cap))
        return rm_errf(e, "dropping root: capabilities remain (CapEff %s)", cap);
    return 0;
}

int privs_drop_caps(bool *had, struct rm_err *e)
{
    char u[128], g[128], gr[128], cap[128];
    *had = false;
    if (privs_status(u, g, gr, cap, sizeof u) < 0)
        return rm_errf(e, "dropping capabilities: cannot read /proc/self/status");
    char prm[128] = "";
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "CapPrm:", 7) == 0)
                snprintf(prm, sizeof prm, "%.100s", line + 7);
        fclose(f);
    }
    prm[strcspn(prm, "\n")] = '\0';
    char *p = prm;
    while (*p == ' ' || *p == '\t')
        p++;
    if (all_zero_hex(cap) && all_zero_hex(p))
        return 0;
    *had = true;
    /* Ambient first (they would come back on exec), then the three sets, all at once. */
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) < 0)
        return rm_errf(e, "dropping capabilities: capset: %s", strerror(errno));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return rm_errf(e, "dropping capabilities: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
    if (privs_status(u, g, gr, cap, sizeof u) < 0 || !all_zero_hex(cap))
        return rm_errf(e, "dropping capabilities: capabilities remain (CapEff %s)", cap);
    return 0;
}

/* ---- the committer ---- */

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Closes every descriptor but the n in keep (-1 entries ignored). */
static int close_except(int *keep, size_t n)
{
    qsort(keep, n, sizeof *keep, cmp_int);
    unsigned next = 0;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] < 0 || (unsigned)keep[i] < next)
            continue;
        if ((unsigned)keep[i] > next && close_range(next, (unsigned)keep[i] - 1, 0) < 0)
            return -1;
        next = (unsigned)keep[i] + 1;
    }
    return close_range(next, ~0u, 0);
}

static void committer_main(int dirfd, int sock, const char *tmp, const char *final, int ddfd,
                           const struct privs_publish *pub)
{
    const char *scan_name = pub ? pub->scan_name : NULL;
    unsigned keep = pub ? pub->keep : 0;
    /* The scan handles interruptions itself and still writes a (partial) document: the
     * helper must outlive a Ctrl-C sent to the whole process group. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    prctl(PR_SET_NAME, "riskmap-commit", 0, 0, 0);
    int fds[3] = {dirfd, sock, ddfd};
    if (close_except(fds, 3) < 0) {
        unlinkat(dirfd, tmp, 0);
        _exit(1);
    }
    char cmd = 0;
    ssize_t n;
    do
        n = read(sock, &cmd, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1 && cmd == 'c') {
        int err = 0;
        if (renameat(dirfd, tmp, dirfd, final) < 0)
            err = errno;
        else if (fsync(dirfd) < 0)
            err = errno;
        if (err)
            unlinkat(dirfd, tmp, 0);
        else if (ddfd >= 0) {
            unsigned pruned;
            datadir_publish(ddfd, scan_name, keep, &pruned, &err, NULL);
        }
        (void)!write(sock, &err, sizeof err);
        char msg[PRIVS_AFTER_MSG] = "";
        char path[PATH_MAX];
        if (!err && pub && pub->after && ddfd >= 0 &&
            (size_t)snprintf(path, sizeof path, "%s/scans/%s/%s", pub->data_dir, scan_name,
                             final) < sizeof path)
            pub->after(path, pub->after_arg, msg, sizeof msg);
        (void)!write(sock, msg, sizeof msg);
        _exit(err ? 1 : 0);
    }
    unlinkat(dirfd, tmp, 0);
    _exit(0);
}

int privs_committer_start(struct privs_committer *c, const char *dir, const char *final,
                          unsigned mode, const struct privs_publish *pub, struct rm_err *e)
{
    memset(c, 0, sizeof *c);
    c->sock = c->fd = -1;
    if (strchr(final, '/') || strlen(final) + 12 > sizeof c->name)
        return rm_errf(e, "%s: bad file name", final);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return rm_errf(e, "%s: %s", dir, strerror(errno));
    for (int tries = 0; tries < 16 && c->fd < 0; tries++) {
        static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        unsigned char rnd[6];
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            for (size_t i = 0; i < sizeof rnd; i++)
                rnd[i] = (unsigned char)(rand() ^ getpid());
        char suf[7];
        for (size_t i = 0; i < 6; i++)
            suf[i] = al[rnd[i] % (sizeof al - 1)];
        suf[6] = '\0';
        snprintf(c->name, sizeof c->name, "%s.tmp.%s", final, suf);
        c->fd = openat(dirfd, c->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
        if (c->fd < 0 && errno != EEXIST)
            break;
    }
    if (c->fd < 0) {
        int err = errno;
        close(dirfd);
        return rm_errf(e, "%s/%s: cannot create temporary file: %s", dir, final, strerror(err));
    }
    if (fchmod(c->fd, (mode_t)mode) < 0)
        goto fail;
    int ddfd = -1;
    if (pub && (ddfd = open(pub->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        goto fail;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        if (ddfd >= 0)
            close(ddfd);
        goto fail;
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        if (ddfd >= 0)
            close(ddfd);
        goto fail;
    }
    if (pid == 0)
        committer_main(dirfd, sv[1], c->name, final, ddfd, pub);
    close(sv[1]);
    close(dirfd);
    if (ddfd >= 0)
        close(ddfd);
    c->sock = sv[0];
    c->pid = pid;
    return 0;
fail: {
    int err = errno;
    close(c->fd);
    unlinkat(dirfd, c->name, 0);
    close(dirfd);
    c->fd = -1;
    return rm_errf(e, "%s/%s: %s", dir, final, strerror(err));
}
}

static void reap(struct privs_committer *c)
{
    if (c->sock >= 0)
        close(c->sock);
    c->sock = -1;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->pid > 0)
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    c->pid = 0;
}

void privs_committer_abort(struct privs_committer *c)
{
    if (c->sock < 0 && c->pid <= 0)
        return;
    reap(c); /* EOF on the socket: the helper removes the temporary file */
}

int privs_committer_commit(struct privs_committer *c, const void *data, size_t len,
                           struct rm_err *e)
{
    if (c->sock < 0)
        return rm_errf(e, "%s: no committer", c->name);
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(c->fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            privs_committer_abort(c);
            return rm_errf(e, "%s: write failed: %s", c->name, strerror(err));
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(c->fd) < 0 || close(c->fd) < 0) {
        int err = errno;
        c->fd = -1;
        privs_committer_abort(c);
        return rm_errf(e, "%s: %s", c->name, strerror(err));
    }
    c->fd = -1;
    char cmd = 'c';
    int err = 0;
    ssize_t n;
    do
        n = send(c->sock, &cmd, 1, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        err = errno ? errno : EPIPE;
    else {
        size_t got = 0;
        while (got < sizeof err) {
            n = read(c->sock, (char *)&err + got, sizeof err - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                err = EPIPE;
                break;
            }
            got += (size_t)n;
        }
        /* Then the after-commit step's line (the helper is still working on it). */
        for (got = 0; !err && got < sizeof c->after_msg;) {
            n = read(c->sock, c->after_msg + got, sizeof c->after_msg - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        c->after_msg[sizeof c->after_msg - 1] = '\0';
    }
    reap(c);
    if (err)
        return rm_errf(e, "%s: cannot replace: %s", c->name, strerror(err));
    return 0;
}
