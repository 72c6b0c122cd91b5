/* What a reader hands to the judgement: restore points, or why there are none. And the one
 * dispatch from a source's type to its reader. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "backup_read.h"

const char *backup_state_name(enum backup_state s)
{
    static const char *const names[] = {
        [BACKUP_READABLE] = "readable",
        [BACKUP_MISSING] = "missing",
        [BACKUP_LOCKED] = "locked",
        [BACKUP_WRONG_PASSWORD] = "wrong-password",
        [BACKUP_CORRUPT] = "corrupt",
        [BACKUP_PERMISSION] = "permission",
        [BACKUP_TIMEOUT] = "timeout",
        [BACKUP_TOOL_MISSING] = "tool-missing",
        [BACKUP_FORMAT] = "format",
        [BACKUP_FAILED] = "failed",
    };
    if ((size_t)s < sizeof names / sizeof names[0] && names[s])
        return names[s];
    return "?";
}

void backup_listing_free(struct backup_listing *l)
{
    for (size_t i = 0; i < l->n_points; i++)
        free(l->points[i].id);
    free(l->points);
    free(l->raw);
    free(l->raw_type);
    free(l->sizes_raw);
    memset(l, 0, sizeof *l);
    l->exit_status = -1;
}

int backup_listing_add(struct backup_listing *l, int64_t time, int64_t size, const char *id)
{
    if (l->n_points >= BACKUP_MAX_POINTS)
        return -1;
    if (l->n_points == l->cap_points) {
        size_t cap = l->cap_points ? l->cap_points * 2 : 16;
        struct backup_point *g = realloc(l->points, cap * sizeof *g);
        if (!g)
            return -1;
        l->points = g;
        l->cap_points = cap;
    }
    char *copy = strdup(id ? id : "");
    if (!copy)
        return -1;
    l->points[l->n_points++] = (struct backup_point){.time = time, .size = size, .id = copy};
    return 0;
}

int backup_listing_fail(struct backup_listing *l, enum backup_state st, const char *fmt, ...)
{
    l->state = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->detail, sizeof l->detail, fmt, ap);
    va_end(ap);
    return 0;
}

int backup_listing_keep_raw(struct backup_listing *l, const char *type, const void *d, size_t n)
{
    if (n > BACKUP_MAX_OUTPUT)
        n = BACKUP_MAX_OUTPUT;
    char *copy = malloc(n + 1);
    char *t = strdup(type);
    if (!copy || !t) {
        free(copy);
        free(t);
        return -1;
    }
    if (n)
        memcpy(copy, d, n);
    copy[n] = '\0';
    free(l->raw);
    free(l->raw_type);
    l->raw = copy;
    l->raw_len = n;
    l->raw_type = t;
    return 0;
}

/* Copies the first line(s) of a tool's message into detail, printable ASCII only. */
void backup_detail_from(struct backup_listing *l, const char *prefix, const char *msg, size_t n)
{
    size_t o = (size_t)snprintf(l->detail, sizeof l->detail, "%s", prefix);
    for (size_t i = 0; i < n && o + 1 < sizeof l->detail; i++) {
        char c = msg[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
            continue;
        if (c == ' ' && o > 0 && l->detail[o - 1] == ' ')
            continue;
        l->detail[o++] = c;
    }
    while (o > 0 && l->detail[o - 1] == ' ')
        o--;
    l->detail[o] = '\0';
}

int backup_read(const struct backup_source *s, int64_t now, struct backup_listing *l,
                struct rm_err *e)
{
    memset(l, 0, sizeof *l);
    l->exit_status = -1;
    switch (s->type) {
    case BACKUP_RESTIC:
        return backup_restic_read(s, now, l, e);
    case BACKUP_BORG:
        return backup_borg_read(s, now, l, e);
    case BACKUP_DIRECTORY:
        return backup_dir_read(s, l, e);
    case BACKUP_JSON:
    case BACKUP_CSV:
        return backup_status_read(s, l, e);
    case BACKUP_MARKER:
        return backup_marker_read(s, l, e);
    }
    return rm_errf(e, "backup source of unknown type %d", (int)s->type);
}

int backup_config_read_ahead(struct backup_config *c, struct rm_err *e)
{
    if (c->read || !c->n_sources)
        return 0;
    struct backup_listing *r = calloc(c->n_sources, sizeof *r);
    if (!r)
        return rm_errf(e, "out of memory");
    int64_t now = c->now ? c->now : (int64_t)time(NULL);
    for (size_t i = 0; i < c->n_sources; i++)
        if (backup_read(&c->sources[i], now, &r[i], e) < 0) {
            for (size_t k = 0; k <= i; k++)
                backup_listing_free(&r[k]);
            free(r);
            return -1;
        }
    c->read = r;
    return 0;
}
