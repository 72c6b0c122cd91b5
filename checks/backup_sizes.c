/* Sizes of the two restore points the judgement compares (the latest and the one before it),
 * asked of the tool one point at a time: restic 0.14's `snapshots --json` and borg's `list
 * --json` carry no sizes, and without them a zero-byte or shrunk backup goes unseen. At most
 * two extra runs, each under the source's timeout; a run that times out ends the asking. What
 * was run and what it answered is kept as evidence beside the listing. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup_read.h"

size_t backup_newest_two(const struct backup_listing *l, int64_t now, size_t idx[2])
{
    idx[0] = idx[1] = SIZE_MAX;
    for (size_t i = 0; i < l->n_points; i++) {
        int64_t t = l->points[i].time;
        /* The judgement does not count future-dated points: their sizes would compare the
         * wrong pair. */
        if (t > now + BACKUP_FUTURE_SKEW_S)
            continue;
        if (idx[0] == SIZE_MAX || t > l->points[idx[0]].time) {
            idx[1] = idx[0];
            idx[0] = i;
        } else if (idx[1] == SIZE_MAX || t > l->points[idx[1]].time) {
            idx[1] = i;
        }
    }
    return idx[0] == SIZE_MAX ? 0 : idx[1] == SIZE_MAX ? 1 : 2;
}

/* Whether both compared points have a size. */
static bool sized(const struct backup_listing *l, const size_t *idx, size_t n)
{
    bool all = true;
    for (size_t k = 0; k < n; k++)
        all &= l->points[idx[k]].size >= 0;
    return all;
}

void backup_saved_sizes_note(struct backup_listing *l, int64_t now, const char *why)
{
    size_t idx[2];
    size_t n = backup_newest_two(l, now, idx);
    if (l->state != BACKUP_READABLE || !n)
        return;
    if (sized(l, idx, n))
        snprintf(l->sizes_note, sizeof l->sizes_note, "from the listing");
    else
        snprintf(l->sizes_note, sizeof l->sizes_note, "not available: the tool is not run for a "
                 "saved listing, and %s", why);
}

static cJSON *argv_json(char *const argv[])
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && argv[i]; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

/* One run as the evidence records it. NULL on allocation failure. */
static cJSON *run_json(const struct backup_point *p, char *const argv[],
                       const struct backup_run *r, int64_t size)
{
    char t[32];
    backup_format_time(p->time, t, sizeof t);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = cJSON_AddStringToObject(o, "point", p->id) && cJSON_AddStringToObject(o, "time_utc", t) &&
              cJSON_AddItemToObject(o, "command", argv_json(argv)) &&
              cJSON_AddNumberToObject(o, "exit_status", r->status) &&
              (!r->timed_out || cJSON_AddTrueToObject(o, "timed_out")) &&
              (!r->too_big || cJSON_AddTrueToObject(o, "too_big")) &&
              cJSON_AddStringToObject(o, "stdout", r->out) &&
              cJSON_AddStringToObject(o, "stderr", r->err) &&
              (size < 0 ? cJSON_AddNullToObject(o, "size") != NULL
                        : cJSON_AddNumberToObject(o, "size", (double)size) != NULL);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int backup_fetch_sizes(const struct backup_source *s, int64_t now, struct backup_listing *l,
                       const struct backup_size_tool *tool, struct rm_err *e)
{
    size_t idx[2];
    size_t n = backup_newest_two(l, now, idx);
    if (sized(l, idx, n)) {
        if (n)
            snprintf(l->sizes_note, sizeof l->sizes_note, "from the listing");
        return 0;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON *runs = doc && cJSON_AddStringToObject(doc, "purpose",
                                                 "sizes of the latest and the previous restore "
                                                 "point, which the listing does not record")
                      ? cJSON_AddArrayToObject(doc, "runs")
                      : NULL;
    if (!runs) {
        cJSON_Delete(doc);
        return rm_errf(e, "out of memory");
    }
    size_t got = 0, asked = 0;
    bool stop = false;
    for (size_t k = 0; k < n && !stop; k++) {
        struct backup_point *p = &l->points[idx[k]];
        if (p->size >= 0) {
            got++;
            continue;
        }
        char *argv[16];
        char buf[4096];
        if (tool->argv(s, p, argv, buf, sizeof buf) < 0)
            continue; /* a name too long for the command line: size unknown */
        struct backup_run r;
        struct rm_err re = {{0}};
        if (tool->run(s, argv, &r, &re) < 0)
            break; /* could not start: neither will the next */
        asked++;
        int64_t size = -1;
        if (r.status == 0 && !r.timed_out && !r.too_big)
            size = tool->parse(r.out, r.out_len);
        stop = r.timed_out;
        cJSON *rj = run_json(p, argv, &r, size);
        backup_run_free(&r);
        if (!rj || !cJSON_AddItemToArray(runs, rj)) {
            cJSON_Delete(rj);
            cJSON_Delete(doc);
            return rm_errf(e, "out of memory");
        }
        if (size >= 0) {
            p->size = size;
            got++;
        }
    }
    if (got == n)
        snprintf(l->sizes_note, sizeof l->sizes_note, "%s", tool->what);
    else
        snprintf(l->sizes_note, sizeof l->sizes_note, "%s: %zu of %zu not available%s", tool->what,
                 n - got, n, asked ? " (see the evidence)" : "");
    char *text = asked ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (asked && !text)
        return rm_errf(e, "out of memory");
    if (text) {
        free(l->sizes_raw);
        l->sizes_raw = text;
        l->sizes_len = strlen(text);
    }
    return 0;
}
