/* Specifications from text: target and exclusion files (-iL, --excludefile), buffers holding
 * their content, and the comma-separated --exclude list. Each call is all or nothing. */
#include "scope_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A target file is a list of addresses; anything this big is a mistake (or an attack on
 * our memory), not a scope. */
#define SCOPE_FILE_MAX ((size_t)16 * 1024 * 1024)

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Whitespace separates tokens, '#' starts a comment to the end of the line (also right after
 * a token). Errors are prefixed with label:line. */
static int add_buffer(struct scope *s, bool target, const char *buf, size_t len,
                      const char *label, size_t *tokens, struct rm_err *e)
{
    struct scope_mark mark;
    scope_mark_take(s, &mark);
    if (!label)
        label = "input";
    size_t line = 1, i = 0;
    while (i < len) {
        char c = buf[i];
        if (c == '\n') {
            line++;
            i++;
        } else if (is_space(c)) {
            i++;
        } else if (c == '#') {
            while (i < len && buf[i] != '\n')
                i++;
        } else {
            size_t start = i;
            while (i < len && !is_space(buf[i]) && buf[i] != '#')
                i++;
            struct rm_err inner;
            int rc;
            if (i - start > SCOPE_TOKEN_MAX)
                rc = rm_errf(&inner, "token longer than %d bytes", SCOPE_TOKEN_MAX);
            else
                rc = scope_add_token(s, target, buf + start, i - start, &inner);
            if (rc < 0) {
                scope_rollback(s, &mark);
                return rm_errf(e, "%s:%zu: %s", label, line, inner.msg);
            }
            if (tokens)
                (*tokens)++;
        }
    }
    return 0;
}

int scope_add_target_buffer(struct scope *s, const char *buf, size_t len, const char *label,
                            struct rm_err *e)
{
    return add_buffer(s, true, buf, len, label, NULL, e);
}

int scope_add_exclude_buffer(struct scope *s, const char *buf, size_t len, const char *label,
                             struct rm_err *e)
{
    return add_buffer(s, false, buf, len, label, NULL, e);
}

/* Reads all of f, at most SCOPE_FILE_MAX bytes. On success *out is malloc'd and owned by the
 * caller. */
static int read_bounded(FILE *f, const char *label, char **out, size_t *out_len,
                        struct rm_err *e)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            /* One byte over the limit is enough to tell that the file is too big. */
            size_t nc = cap ? cap * 2 : 64 * 1024;
            if (nc > SCOPE_FILE_MAX + 1)
                nc = SCOPE_FILE_MAX + 1;
            char *nb = realloc(buf, nc);
            if (!nb) {
                free(buf);
                return rm_errf(e, "%s: out of memory", label);
            }
            buf = nb;
            cap = nc;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > SCOPE_FILE_MAX) {
            free(buf);
            return rm_errf(e, "%s: file is larger than 16 MiB", label);
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int err = errno;
        free(buf);
        return rm_errf(e, "%s: read error: %s", label, strerror(err));
    }
    *out = buf;
    *out_len = n;
    return 0;
}

static int add_file(struct scope *s, bool target, const char *path, struct rm_err *e)
{
    bool use_stdin = strcmp(path, "-") == 0;
    const char *label = use_stdin ? "stdin" : path;
    FILE *f = use_stdin ? stdin : fopen(path, "r");
    if (!f)
        return rm_errf(e, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0;
    int rc = read_bounded(f, label, &buf, &len, e);
    if (!use_stdin)
        fclose(f);
    size_t tokens = 0;
    if (rc == 0)
        rc = add_buffer(s, target, buf, len, label, &tokens, e);
    free(buf);
    /* A list file with nothing in it is most likely the wrong file; for exclusions, going
     * ahead would scan what someone meant to keep out. */
    if (rc == 0 && tokens == 0)
        rc = rm_errf(e, "%s: no %s in the file (only blanks and comments)", label,
                     target ? "targets" : "exclusions");
    return rc;
}

int scope_add_target_file(struct scope *s, const char *path, struct rm_err *e)
{
    return add_file(s, true, path, e);
}

int scope_add_exclude_file(struct scope *s, const char *path, struct rm_err *e)
{
    return add_file(s, false, path, e);
}

static bool all_of(const char *p, const char *end, const char *set)
{
    for (; p < end; p++)
        if (!strchr(set, *p) || *p == '\0')
            return false;
    return true;
}

/* Commas separate exclusions, but they also separate octet values in 192.0.2.1,5,9-12. A
 * piece that can only be an octet list (digits, '-', '*': no dot, so not a spec by itself)
 * continues an IPv4 token before it, so that list keeps its nmap meaning. */
int scope_add_exclude_list(struct scope *s, const char *list, struct rm_err *e)
{
    struct scope_mark mark;
    scope_mark_take(s, &mark);
    const char *p = list ? list : "";
    for (;;) {
        while (is_space(*p))
            p++;
        const char *start = p, *end = p + strcspn(p, ",");
        while (*end == ',') {
            const char *q = end + 1, *qe = q + strcspn(q, ",");
            if (qe == q || !all_of(q, qe, "0123456789-*") ||
                !all_of(start, end, "0123456789.,-*"))
                break;
            end = qe;
        }
        const char *next = end;
        while (end > start && is_space(end[-1]))
            end--;
        if (scope_add_token(s, false, start, (size_t)(end - start), e) < 0) {
            scope_rollback(s, &mark);
            return -1;
        }
        if (*next == '\0')
            return 0;
        p = next + 1;
    }
}
