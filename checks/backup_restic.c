/* restic: `restic snapshots --json`, run here or read from a saved copy. Every snapshot in
 * the listing is a completed backup (restic writes the snapshot last). Sizes come from the
 * snapshot summary that restic 0.17 and later record (total_bytes_processed); restic 0.14
 * (Debian 12) records none, so for the latest two snapshots `restic stats` is asked
 * (checks/backup_sizes.c). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup_read.h"

/* Whether the snapshot belongs to this source (host=, tag=). */
static bool wanted(const struct backup_source *s, const cJSON *snap)
{
    if (!s)
        return true;
    if (s->host) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(snap, "hostname");
        if (!cJSON_IsString(h) || strcmp(h->valuestring, s->host) != 0)
            return false;
    }
    if (s->tag) {
        const cJSON *tags = cJSON_GetObjectItemCaseSensitive(snap, "tags"), *t;
        bool found = false;
        cJSON_ArrayForEach(t, tags) if (cJSON_IsString(t) && strcmp(t->valuestring, s->tag) == 0)
            found = true;
        if (!found)
            return false;
    }
    return true;
}

int backup_restic_parse(const struct backup_source *s, const char *json, size_t len,
                        struct backup_listing *l)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return backup_listing_fail(l, BACKUP_FORMAT, "restic output is not a JSON array of snapshots");
    }
    int rc = 0;
    const cJSON *snap;
    cJSON_ArrayForEach(snap, root) {
        if (!wanted(s, snap))
            continue;
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(snap, "time");
        int64_t when;
        /* restic writes RFC 3339 with nanoseconds and the zone of the machine that backed up. */
        if (!cJSON_IsString(t) || backup_parse_time(t->valuestring, "utc", &when) < 0) {
            l->n_skipped++;
            continue;
        }
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(snap, "short_id");
        if (!cJSON_IsString(id))
            id = cJSON_GetObjectItemCaseSensitive(snap, "id");
        int64_t size = -1;
        const cJSON *sum = cJSON_GetObjectItemCaseSensitive(snap, "summary");
        const cJSON *tb = cJSON_GetObjectItemCaseSensitive(sum, "total_bytes_processed");
        if (cJSON_IsNumber(tb) && tb->valuedouble >= 0 && tb->valuedouble < 9e18)
            size = (int64_t)tb->valuedouble;
        if (backup_listing_add(l, when, size, cJSON_IsString(id) ? id->valuestring : "") < 0) {
            rc = -1;
            break;
        }
    }
    cJSON_Delete(root);
    return rc;
}

static bool has(const char *hay, size_t n, const char *needle)
{
    return memmem(hay, n, needle, strlen(needle)) != NULL;
}

enum backup_state backup_restic_state(int status, const char *err, size_t n)
{
    /* restic 0.17 and later say it with the exit status. */
    switch (status) {
    case 10:
        return BACKUP_MISSING;
    case 11:
        return BACKUP_LOCKED;
    case 12:
        return BACKUP_WRONG_PASSWORD;
    case 127:
        return BACKUP_TOOL_MISSING;
    default:
        break;
    }
    /* Older ones (Debian 12 ships 0.14) exit 1 and say it in words. */
    if (has(err, n, "wrong password or no key found"))
        return BACKUP_WRONG_PASSWORD;
    if (has(err, n, "Is there a repository at the following location?") ||
        has(err, n, "repository does not exist"))
        return BACKUP_MISSING;
    if (has(err, n, "repository is already locked") || has(err, n, "unable to create lock"))
        return BACKUP_LOCKED;
    if (has(err, n, "ermission denied"))
        return BACKUP_PERMISSION;
    if (has(err, n, "ciphertext verification failed") || has(err, n, "unable to open config file") ||
        has(err, n, "invalid data returned") || has(err, n, "config or key") ||
        has(err, n, "unexpected EOF") || has(err, n, "decrypt") || has(err, n, "corrupt"))
        return BACKUP_CORRUPT;
    if (has(err, n, "empty password") || has(err, n, "Resolving password failed"))
        return BACKUP_WRONG_PASSWORD;
    return BACKUP_FAILED;
}

/* A restic run with the source's password: with a password file, no password from our own
 * environment may win over it. */
static int restic_run(const struct backup_source *s, char **argv, struct backup_run *r,
                      struct rm_err *e)
{
    char pwenv[4096 + 32];
    char *env[] = {pwenv, (char *)"RESTIC_PASSWORD", (char *)"RESTIC_PASSWORD_COMMAND", NULL};
    if (s->password_file)
        snprintf(pwenv, sizeof pwenv, "RESTIC_PASSWORD_FILE=%s", s->password_file);
    return backup_run(argv, s->password_file ? env : NULL, -1, s->timeout_s, r, e);
}

int64_t backup_restic_parse_stats(const char *json, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "total_size");
    const cJSON *nc = cJSON_GetObjectItemCaseSensitive(root, "snapshots_count");
    int64_t size = -1;
    if (cJSON_IsNumber(ts) && cJSON_IsNumber(nc) && nc->valuedouble == 1 && ts->valuedouble >= 0 &&
        ts->valuedouble < 9e18)
        size = (int64_t)ts->valuedouble;
    cJSON_Delete(root);
    return size;
}

/* restore-size is what the snapshot would restore: the sum of its files, the figure borg's
 * original_size and restic 0.17's total_bytes_processed also give. The snapshot is named by
 * its short id; an ambiguous one makes stats count more or fewer than one snapshot, and the
 * size stays unknown. */
static int stats_argv(const struct backup_source *s, const struct backup_point *p, char **argv,
                      char *buf, size_t len)
{
    (void)buf;
    (void)len;
    if (!p->id[0])
        return -1;
    char *const a[] = {s->tool ? s->tool : (char *)"restic", (char *)"stats", (char *)"--json",
                       (char *)"--mode", (char *)"restore-size", (char *)"--no-cache",
                       (char *)"-r", s->location, p->id, NULL};
    memcpy(argv, a, sizeof a);
    return 0;
}

static const struct backup_size_tool restic_stats = {
    .what = "restic stats --json --mode restore-size",
    .argv = stats_argv,
    .run = restic_run,
    .parse = backup_restic_parse_stats,
};

int backup_restic_read(const struct backup_source *s, int64_t now, struct backup_listing *l,
                       struct rm_err *e)
{
    if (s->saved) {
        if (backup_read_saved(s, l, backup_restic_parse, e) < 0)
            return -1;
        backup_saved_sizes_note(l, now, "restic before 0.17 records no sizes in a saved "
                                        "snapshots --json");
        return 0;
    }
    if (backup_password_file_ok(s, l) != 0)
        return 0;
    char *argv[] = {s->tool ? s->tool : (char *)"restic", (char *)"snapshots", (char *)"--json",
                    (char *)"--no-cache", (char *)"-r", s->location, NULL};
    struct backup_run r;
    if (restic_run(s, argv, &r, e) < 0)
        return -1;
    l->exit_status = r.status;
    int rc = 0;
    if (r.timed_out || r.too_big) {
        backup_listing_fail(l, BACKUP_TIMEOUT, r.timed_out ? "restic did not finish in %u s"
                                                           : "restic wrote more than %u bytes",
                            r.timed_out ? (s->timeout_s ? s->timeout_s : BACKUP_DEFAULT_TIMEOUT_S)
                                        : BACKUP_MAX_OUTPUT);
        rc = backup_listing_keep_raw(l, "text/plain", r.err, r.err_len);
    } else if (r.status != 0) {
        l->state = backup_restic_state(r.status, r.err, r.err_len);
        if (l->state == BACKUP_TOOL_MISSING)
            snprintf(l->detail, sizeof l->detail, "%s could not be run (is restic installed?)", argv[0]);
        else
            backup_detail_from(l, "restic: ", r.err, r.err_len);
        rc = backup_listing_keep_raw(l, "text/plain", r.err, r.err_len);
    } else {
        rc = backup_listing_keep_raw(l, "application/json", r.out, r.out_len);
        if (rc == 0)
            rc = backup_restic_parse(s, r.out, r.out_len, l);
    }
    backup_run_free(&r);
    if (rc < 0)
        return rm_errf(e, "out of memory");
    if (l->state == BACKUP_READABLE)
        return backup_fetch_sizes(s, now, l, &restic_stats, e);
    return 0;
}
