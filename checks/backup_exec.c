/* Running restic and borg: fork/exec without a shell, a deadline, bounded output. And reading
 * exports and saved listings with a bound. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backup_read.h"

extern char **environ;

void backup_run_free(struct backup_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The child's environment: ours, with each env_add entry replacing a variable of its name.
 * Built before fork, since the child may only call async-signal-safe functions. */
static char **build_env(char *const env_add[])
{
    size_t n = 0, na = 0;
    while (environ && environ[n])
        n++;
    while (env_add && env_add[na])
        na++;
    char **env = calloc(n + na + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        bool replaced = false;
        for (size_t j = 0; j < na; j++)
            if (strncmp(env_add[j], environ[i], len) == 0 &&
                (env_add[j][len] == '=' || env_add[j][len] == '\0'))
                replaced = true;
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < na; j++)
        if (strchr(env_add[j], '='))
            env[k++] = env_add[j];
    return env;
}

struct sink {
    char *buf;
    size_t len, cap;
};

/* Appends what is readable on fd; 1 at EOF, 0 more to come, -1 over the bound. */
static int drain(int fd, struct sink *s)
{
    char tmp[65536];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n == 0)
        return 1;
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : 1;
    if (s->len + (size_t)n > BACKUP_MAX_OUTPUT)
        return -1;
    if (s->len + (size_t)n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + (size_t)n + 1)
            cap *= 2;
        char *g = realloc(s->buf, cap);
        if (!g)
            return -1;
        s->buf = g;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, tmp, (size_t)n);
    s->len += (size_t)n;
    s->buf[s->len] = '\0';
    return 0;
}

int backup_run(char *const argv[], char *const env_add[], int keep_fd, unsigned timeout_s,
               struct backup_run *r, struct rm_err *e)
{
    memset(r, 0, sizeof *r);
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    char **env = build_env(env_add);
    if (!env)
        return rm_errf(e, "out of memory");
    if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
        int err = errno;
        for (int i = 0; i < 2; i++) {
            if (po[i] >= 0)
                close(po[i]);
            if (pe[i] >= 0)
                close(pe[i]);
        }
        free(env);
        return rm_errf(e, "pipe: %s", strerror(err));
    }
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        free(env);
        return rm_errf(e, "fork: %s", strerror(err));
    }
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
        if (nul < 0 || dup2(nul, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
            _exit(127);
        /* Nothing of riskmap's (sockets of the scan, raw sockets) reaches the tool: only the
         * three standard descriptors and the password fd. */
        if (keep_fd > 2) {
            int fl = fcntl(keep_fd, F_GETFD);
            if (fl < 0 || fcntl(keep_fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
                _exit(127);
            if (keep_fd > 3)
                close_range(3, (unsigned)keep_fd - 1, 0);
            close_range((unsigned)keep_fd + 1, ~0U, 0);
        } else {
            close_range(3, ~0U, 0);
        }
        /* Its own process group, so that a deadline kills what it started too. */
        setpgid(0, 0);
        execvpe(argv[0], argv, env);
        _exit(127);
    }
    free(env);
    close(po[1]);
    close(pe[1]);
    struct sink out = {0}, err = {0};
    bool open_o = true, open_e = true;
    double deadline = mono_s() + (timeout_s ? timeout_s : BACKUP_DEFAULT_TIMEOUT_S);
    while (open_o || open_e) {
        double left = deadline - mono_s();
        if (left <= 0) {
            r->timed_out = true;
            break;
        }
        struct pollfd p[2] = {{.fd = open_o ? po[0] : -1, .events = POLLIN},
                              {.fd = open_e ? pe[0] : -1, .events = POLLIN}};
        int n = poll(p, 2, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && n > 0; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int d = drain(p[i].fd, i == 0 ? &out : &err);
            if (d < 0) {
                r->too_big = true;
                open_o = open_e = false;
            } else if (d == 1) {
                if (i == 0)
                    open_o = false;
                else
                    open_e = false;
            }
        }
    }
    close(po[0]);
    close(pe[0]);
    if (r->timed_out || r->too_big) {
        kill(-pid, SIGKILL); /* the group made above: only what this run started */
        kill(pid, SIGKILL);  /* in case it had not made its group yet */
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    r->out = out.buf ? out.buf : strdup("");
    r->err = err.buf ? err.buf : strdup("");
    r->out_len = out.len;
    r->err_len = err.len;
    if (!r->out || !r->err) {
        backup_run_free(r);
        return rm_errf(e, "out of memory");
    }
    return 0;
}

int backup_read_saved(const struct backup_source *s, struct backup_listing *l,
                      backup_parse_fn *parse, struct rm_err *e)
{
    char *buf;
    size_t len;
    int r = backup_slurp(s->saved, l, &buf, &len);
    if (r != 0)
        return r < 0 ? rm_errf(e, "out of memory") : 0;
    int rc = backup_listing_keep_raw(l, "application/json", buf, len);
    if (rc == 0)
        rc = parse(s, buf, len, l);
    free(buf);
    return rc < 0 ? rm_errf(e, "out of memory") : 0;
}

int backup_slurp(const char *path, struct backup_listing *l, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        enum backup_state st = err == ENOENT || err == ENOTDIR ? BACKUP_MISSING
                               : err == EACCES || err == EPERM ? BACKUP_PERMISSION
                                                               : BACKUP_FAILED;
        backup_listing_fail(l, st, "%s: %s", path, strerror(err));
        return 1;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        backup_listing_fail(l, BACKUP_FORMAT, "%s: not a regular file", path);
        return 1;
    }
    if ((uint64_t)sb.st_size > BACKUP_MAX_OUTPUT) {
        close(fd);
        backup_listing_fail(l, BACKUP_FORMAT, "%s: larger than %u bytes", path, BACKUP_MAX_OUTPUT);
        return 1;
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t k = read(fd, buf + n, cap - 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int err = errno;
            free(buf);
            close(fd);
            backup_listing_fail(l, err == EACCES ? BACKUP_PERMISSION : BACKUP_FAILED, "%s: %s",
                                path, strerror(err));
            return 1;
        }
        if (k == 0 || n + (size_t)k >= cap - 1) {
            n += (size_t)k;
            break;
        }
        n += (size_t)k;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int backup_password_file_ok(const struct backup_source *s, struct backup_listing *l)
{
    if (!s->password_file || access(s->password_file, R_OK) == 0)
        return 0;
    int err = errno;
    backup_listing_fail(l, err == EACCES || err == EPERM ? BACKUP_PERMISSION : BACKUP_FAILED,
                        "password file %s: %s", s->password_file, strerror(err));
    return 1;
}
