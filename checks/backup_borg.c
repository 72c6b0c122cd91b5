/* borg: `borg list --json`, run here or read from a saved copy (a saved `borg info --json`
 * works too and brings sizes); the sizes of the latest two archives come from `borg info
 * --json` (checks/backup_sizes.c). Checkpoint archives — what an interrupted `borg create` leaves,
 * named NAME.checkpoint or NAME.checkpoint.N — are not successful backups. borg writes local
 * times without a zone; they are read in the source's tz (default: this machine's zone). */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup_read.h"

static bool is_checkpoint(const char *name)
{
    const char *p = strstr(name, ".checkpoint");
    while (p) {
        const char *q = p + strlen(".checkpoint");
        if (!*q)
            return true;
        if (*q == '.' && q[1]) {
            const char *d = q + 1;
            while (*d >= '0' && *d <= '9')
                d++;
            if (!*d)
                return true;
        }
        p = strstr(p + 1, ".checkpoint");
    }
    return false;
}

int backup_borg_parse(const struct backup_source *s, const char *json, size_t len,
                      struct backup_listing *l)
{
    const char *tz = s ? s->tz : NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(root, "archives");
    if (!cJSON_IsArray(arch)) {
        cJSON_Delete(root);
        return backup_listing_fail(l, BACKUP_FORMAT, "borg output has no \"archives\" array");
    }
    int rc = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, arch) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (!cJSON_IsString(name))
            name = cJSON_GetObjectItemCaseSensitive(a, "archive");
        if (s && s->archives && cJSON_IsString(name) && fnmatch(s->archives, name->valuestring, 0) != 0)
            continue; /* another source's archives */
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(a, "start");
        if (!cJSON_IsString(t))
            t = cJSON_GetObjectItemCaseSensitive(a, "time");
        int64_t when;
        if (!cJSON_IsString(name) || is_checkpoint(name->valuestring) || !cJSON_IsString(t) ||
            backup_parse_time(t->valuestring, tz, &when) < 0) {
            l->n_skipped++;
            continue;
        }
        int64_t size = -1;
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "stats");
        const cJSON *os = cJSON_GetObjectItemCaseSensitive(st, "original_size");
        if (cJSON_IsNumber(os) && os->valuedouble >= 0 && os->valuedouble < 9e18)
            size = (int64_t)os->valuedouble;
        if (backup_listing_add(l, when, size, name->valuestring) < 0) {
            rc = -1;
            break;
        }
    }
    cJSON_Delete(root);
    return rc;
}

static enum backup_state state_of_msgid(const char *id)
{
    static const struct {
        const char *msgid;
        enum backup_state st;
    } map[] = {
        {"Repository.DoesNotExist", BACKUP_MISSING},
        {"Repository.ParentPathDoesNotExist", BACKUP_MISSING},
        {"Repository.InvalidRepository", BACKUP_CORRUPT},
        {"Repository.InvalidRepositoryConfig", BACKUP_CORRUPT},
        {"Repository.CheckNeeded", BACKUP_CORRUPT},
        {"Repository.ObjectNotFound", BACKUP_CORRUPT},
        {"IntegrityError", BACKUP_CORRUPT},
        {"Repository.IntegrityError", BACKUP_CORRUPT},
        {"TAMInvalid", BACKUP_CORRUPT},
        {"ArchiveTAMInvalid", BACKUP_CORRUPT},
        {"PassphraseWrong", BACKUP_WRONG_PASSWORD},
        {"NoPassphraseFailure", BACKUP_WRONG_PASSWORD},
        {"PasscommandFailure", BACKUP_WRONG_PASSWORD},
        {"PasswordRetriesExceeded", BACKUP_WRONG_PASSWORD},
        {"KeyfileNotFoundError", BACKUP_WRONG_PASSWORD},
        {"KeyfileInvalidError", BACKUP_WRONG_PASSWORD},
        {"LockTimeout", BACKUP_LOCKED},
        {"LockFailed", BACKUP_LOCKED},
        {"LockError", BACKUP_LOCKED},
        {"NotLocked", BACKUP_LOCKED},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].msgid, id) == 0)
            return map[i].st;
    return BACKUP_FAILED;
}

enum backup_state backup_borg_state(int status, const char *err, size_t n)
{
    if (status == 127)
        return BACKUP_TOOL_MISSING;
    /* --log-json: one JSON object per line; the error's msgid names it exactly. */
    enum backup_state found = BACKUP_FAILED;
    for (size_t i = 0; i < n && found == BACKUP_FAILED;) {
        const char *nl = memchr(err + i, '\n', n - i);
        size_t ll = nl ? (size_t)(nl - (err + i)) : n - i;
        /* A prompt written without a newline may come before the JSON on its line. */
        const char *brace = ll ? memchr(err + i, '{', ll) : NULL;
        if (brace && ll < 65536) {
            cJSON *o = cJSON_ParseWithLength(brace, ll - (size_t)(brace - (err + i)));
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "msgid");
            if (cJSON_IsString(id))
                found = state_of_msgid(id->valuestring);
            cJSON_Delete(o);
        }
        i += ll + 1;
    }
    if (found != BACKUP_FAILED)
        return found;
    if (memmem(err, n, "ermission denied", 16))
        return BACKUP_PERMISSION;
    return BACKUP_FAILED;
}

/* The message of the last error line of --log-json output, or the raw text. */
static void borg_detail(struct backup_listing *l, const char *err, size_t n)
{
    char msg[sizeof l->detail] = "";
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(err + i, '\n', n - i);
        size_t ll = nl ? (size_t)(nl - (err + i)) : n - i;
        const char *brace = ll ? memchr(err + i, '{', ll) : NULL;
        cJSON *o = brace && ll < 65536
                       ? cJSON_ParseWithLength(brace, ll - (size_t)(brace - (err + i)))
                       : NULL;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(o, "levelname");
        if (cJSON_IsString(m) && cJSON_IsString(lv) &&
            (!strcmp(lv->valuestring, "ERROR") || !strcmp(lv->valuestring, "CRITICAL")))
            snprintf(msg, sizeof msg, "%s", m->valuestring);
        cJSON_Delete(o);
        i += ll + 1;
    }
    if (msg[0])
        backup_detail_from(l, "borg: ", msg, strlen(msg));
    else
        backup_detail_from(l, "borg: ", err, n);
}

/* Environment for a borg run: never a prompt, the password from the file when one is named. */
static int borg_run(const struct backup_source *s, char **args, struct backup_run *r,
                    struct rm_err *e)
{
    char fdenv[64];
    char *env[] = {(char *)"BORG_RELOCATED_REPO_ACCESS_IS_OK=no",
                   (char *)"BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=no",
                   (char *)"BORG_DISPLAY_PASSPHRASE=no", NULL, NULL, NULL, NULL};
    int fd = -1;
    if (s->password_file) {
        /* BORG_PASSPHRASE and BORG_PASSCOMMAND would win over the fd: remove them. */
        fd = open(s->password_file, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            snprintf(fdenv, sizeof fdenv, "BORG_PASSPHRASE_FD=%d", fd);
            env[3] = fdenv;
            env[4] = (char *)"BORG_PASSPHRASE";
            env[5] = (char *)"BORG_PASSCOMMAND";
        } else {
            /* No passphrase at all: borg then says NoPassphraseFailure, the state we want. */
            env[3] = (char *)"BORG_PASSPHRASE";
            env[4] = (char *)"BORG_PASSCOMMAND";
        }
    }
    int rc = backup_run(args, env, fd, s->timeout_s, r, e);
    if (fd >= 0)
        close(fd);
    return rc;
}

int64_t backup_borg_parse_info(const char *json, size_t len)
{
    struct backup_listing one = {0};
    int64_t size = -1;
    if (backup_borg_parse(NULL, json, len, &one) == 0 && one.state == BACKUP_READABLE &&
        one.n_points == 1)
        size = one.points[0].size;
    backup_listing_free(&one);
    return size;
}

static int info_argv(const struct backup_source *s, const struct backup_point *p, char **argv,
                     char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s::%s", s->location, p->id);
    if (n < 0 || (size_t)n >= len)
        return -1;
    char *const a[] = {s->tool ? s->tool : (char *)"borg", (char *)"--log-json", (char *)"info",
                       (char *)"--json", buf, NULL};
    memcpy(argv, a, sizeof a);
    return 0;
}

static const struct backup_size_tool borg_info = {
    .what = "borg info --json (stats.original_size)",
    .argv = info_argv,
    .run = borg_run,
    .parse = backup_borg_parse_info,
};

int backup_borg_read(const struct backup_source *s, int64_t now, struct backup_listing *l,
                     struct rm_err *e)
{
    if (s->saved) {
        if (backup_read_saved(s, l, backup_borg_parse, e) < 0)
            return -1;
        backup_saved_sizes_note(l, now, "a saved borg list --json records no sizes (a saved "
                                        "borg info --json does)");
        return 0;
    }
    if (backup_password_file_ok(s, l) != 0)
        return 0;
    char *argv[] = {s->tool ? s->tool : (char *)"borg", (char *)"--log-json", (char *)"list",
                    (char *)"--json", s->location, NULL};
    struct backup_run r;
    if (borg_run(s, argv, &r, e) < 0)
        return -1;
    l->exit_status = r.status;
    int rc = 0;
    if (r.timed_out || r.too_big) {
        backup_listing_fail(l, BACKUP_TIMEOUT, r.timed_out ? "borg did not finish in %u s"
                                                           : "borg wrote more than %u bytes",
                            r.timed_out ? (s->timeout_s ? s->timeout_s : BACKUP_DEFAULT_TIMEOUT_S)
                                        : BACKUP_MAX_OUTPUT);
        rc = backup_listing_keep_raw(l, "text/plain", r.err, r.err_len);
    } else if (r.status != 0) {
        l->state = backup_borg_state(r.status, r.err, r.err_len);
        if (l->state == BACKUP_TOOL_MISSING)
            snprintf(l->detail, sizeof l->detail, "%s could not be run (is borg installed?)", argv[0]);
        else
            borg_detail(l, r.err, r.err_len);
        rc = backup_listing_keep_raw(l, "text/plain", r.err, r.err_len);
    } else {
        rc = backup_listing_keep_raw(l, "application/json", r.out, r.out_len);
        if (rc == 0)
            rc = backup_borg_parse(s, r.out, r.out_len, l);
    }
    backup_run_free(&r);
    if (rc < 0)
        return rm_errf(e, "out of memory");
    if (l->state == BACKUP_READABLE)
        return backup_fetch_sizes(s, now, l, &borg_info, e);
    return 0;
}
