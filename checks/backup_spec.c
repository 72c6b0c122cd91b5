/* Backup sources as declared: "TYPE:LOCATION[,key=value...]" from --backup, and the config
 * that holds them (the client profile loader fills the same struct). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backup.h"

const char *backup_type_name(enum backup_type t)
{
    switch (t) {
    case BACKUP_RESTIC:
        return "restic";
    case BACKUP_BORG:
        return "borg";
    case BACKUP_DIRECTORY:
        return "directory";
    case BACKUP_JSON:
        return "json";
    case BACKUP_CSV:
        return "csv";
    case BACKUP_MARKER:
        return "marker";
    }
    return "?";
}

static void source_clear(struct backup_source *s)
{
    char **strs[] = {&s->location, &s->name, &s->asset, &s->password_file, &s->saved,
                     &s->pattern, &s->time_field, &s->result_field, &s->size_field,
                     &s->ok_values, &s->records, &s->tz, &s->tool, &s->host, &s->tag,
                     &s->archives};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
}

void backup_config_free(struct backup_config *c)
{
    for (size_t i = 0; c->read && i < c->n_sources; i++)
        backup_listing_free(&c->read[i]);
    free(c->read);
    for (size_t i = 0; i < c->n_sources; i++)
        source_clear(&c->sources[i]);
    free(c->sources);
    for (size_t i = 0; i < c->n_critical; i++)
        free(c->critical_assets[i]);
    free(c->critical_assets);
    memset(c, 0, sizeof *c);
}

int backup_parse_duration(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || v > 100ULL * 365 * 86400)
        return -1;
    int64_t mul = 1;
    if (*end) {
        switch (*end) {
        case 's':
            mul = 1;
            break;
        case 'm':
            mul = 60;
            break;
        case 'h':
            mul = 3600;
            break;
        case 'd':
            mul = 86400;
            break;
        case 'w':
            mul = 7 * 86400;
            break;
        default:
            return -1;
        }
        if (end[1])
            return -1;
    }
    int64_t r = (int64_t)v * mul;
    if (r <= 0 || r > 100LL * 365 * 86400)
        return -1;
    *out = r;
    return 0;
}

static int type_parse(const char *s, size_t n, enum backup_type *t)
{
    static const struct {
        const char *name;
        enum backup_type t;
    } names[] = {{"restic", BACKUP_RESTIC}, {"borg", BACKUP_BORG},   {"directory", BACKUP_DIRECTORY},
                 {"dir", BACKUP_DIRECTORY}, {"json", BACKUP_JSON},    {"csv", BACKUP_CSV},
                 {"marker", BACKUP_MARKER}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && strncasecmp(names[i].name, s, n) == 0) {
            *t = names[i].t;
            return 0;
        }
    return -1;
}

static int flag_parse(const char *v, enum backup_flag *f)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
        *f = BACKUP_FLAG_YES;
    else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
        *f = BACKUP_FLAG_NO;
    else
        return -1;
    return 0;
}

static int tz_valid(const char *tz)
{
    int64_t t;
    /* A zone is valid when a naive time parses with it. */
    return backup_parse_time("2000-01-01T00:00:00", tz, &t) == 0;
}

/* Applies one key=value to s. 0 or -1 with e set. */
static int apply_key(struct backup_source *s, const char *spec, char *key, char *val,
                     struct rm_err *e)
{
    const struct {
        const char *key;
        char **field;
    } strkeys[] = {
        {"name", &s->name},
        {"asset", &s->asset},
        {"password-file", &s->password_file},
        {"saved", &s->saved},
        {"pattern", &s->pattern},
        {"time-field", &s->time_field},
        {"result-field", &s->result_field},
        {"size-field", &s->size_field},
        {"ok", &s->ok_values},
        {"records", &s->records},
        {"tz", &s->tz},
        {"tool", &s->tool},
        {"host", &s->host},
        {"tag", &s->tag},
        {"archives", &s->archives},
    };
    if (!*val)
        return rm_errf(e, "backup \"%s\": %s= needs a value", spec, key);
    for (size_t i = 0; i < sizeof strkeys / sizeof strkeys[0]; i++) {
        if (strcmp(strkeys[i].key, key) != 0)
            continue;
        char **field = strkeys[i].field;
        free(*field);
        if (!(*field = strdup(val)))
            return rm_errf(e, "out of memory");
        if (!strcmp(key, "tz") && !tz_valid(val))
            return rm_errf(e, "backup \"%s\": tz=%s is not local, utc or +HH:MM", spec, val);
        return 0;
    }
    if (!strcmp(key, "rpo")) {
        if (backup_parse_duration(val, &s->rpo_s) < 0)
            return rm_errf(e, "backup \"%s\": rpo=%s is not a duration (90m, 24h, 7d)", spec, val);
        return 0;
    }
    if (!strcmp(key, "retention") || !strcmp(key, "timeout")) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(val, &end, 10);
        if (*end || errno || !isdigit((unsigned char)val[0]) || v > 100000)
            return rm_errf(e, "backup \"%s\": %s=%s is not a number (0 to 100000)", spec, key, val);
        if (key[0] == 'r')
            s->retention = (unsigned)v;
        else
            s->timeout_s = (unsigned)v;
        return 0;
    }
    if (!strcmp(key, "offsite") || !strcmp(key, "immutable")) {
        if (flag_parse(val, key[0] == 'o' ? &s->offsite : &s->immutable) < 0)
            return rm_errf(e, "backup \"%s\": %s=%s is not yes or no", spec, key, val);
        return 0;
    }
    if (!strcmp(key, "date")) {
        if (strcmp(val, "mdy") != 0 && strcmp(val, "dmy") != 0 && strcmp(val, "iso") != 0)
            return rm_errf(e, "backup \"%s\": date=%s is not mdy, dmy or iso", spec, val);
        s->date_order = val[0] == 'i' ? 0 : val[0];
        return 0;
    }
    if (!strcmp(key, "sep")) {
        if (strlen(val) != 1 && strcmp(val, "tab") != 0)
            return rm_errf(e, "backup \"%s\": sep= takes one character or \"tab\"", spec);
        s->sep = strcmp(val, "tab") == 0 ? '\t' : val[0];
        return 0;
    }
    return rm_errf(e, "backup \"%s\": unknown key \"%s\" (name, asset, rpo, retention, "
                      "password-file, saved, pattern, time-field, result-field, size-field, ok, "
                      "records, tz, sep, date, tool, timeout, host, tag, archives, offsite, immutable)", spec, key);
}

/* Appends *s, moving its strings into the config (and zeroing *s) on success; on failure *s
 * is left to the caller. Gives a default name, refuses a duplicate name. label names the
 * source in messages. */
static int adopt(struct backup_config *c, struct backup_source *s, const char *label,
                 struct rm_err *e)
{
    if (!s->location || !*s->location)
        return rm_errf(e, "backup \"%s\": empty location", label);
    if (s->tz && !tz_valid(s->tz))
        return rm_errf(e, "backup \"%s\": tz=%s is not local, utc or +HH:MM", label, s->tz);
    if (!s->name) {
        size_t n = strlen(backup_type_name(s->type)) + strlen(s->location) + 2;
        if (!(s->name = malloc(n)))
            return rm_errf(e, "out of memory");
        snprintf(s->name, n, "%s:%s", backup_type_name(s->type), s->location);
    }
    for (size_t i = 0; i < c->n_sources; i++)
        if (strcmp(backup_source_name(&c->sources[i]), s->name) == 0)
            return rm_errf(e, "backup \"%s\": a source named \"%s\" is already declared", label,
                           s->name);
    struct backup_source *g = realloc(c->sources, (c->n_sources + 1) * sizeof *g);
    if (!g)
        return rm_errf(e, "out of memory");
    c->sources = g;
    c->sources[c->n_sources++] = *s;
    memset(s, 0, sizeof *s);
    return 0;
}

int backup_config_add(struct backup_config *c, const struct backup_source *src, struct rm_err *e)
{
    struct backup_source s = *src;
    char **strs[] = {&s.location, &s.name, &s.asset, &s.password_file, &s.saved, &s.pattern,
                     &s.time_field, &s.result_field, &s.size_field, &s.ok_values, &s.records,
                     &s.tz, &s.tool, &s.host, &s.tag, &s.archives};
    bool failed = false;
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (*strs[i] && !(*strs[i] = strdup(*strs[i])))
            failed = true;
    int rc = failed ? rm_errf(e, "out of memory")
                    : adopt(c, &s, src->name ? src->name : src->location ? src->location : "?", e);
    source_clear(&s);
    return rc;
}

int backup_config_add_spec(struct backup_config *c, const char *spec, struct rm_err *e)
{
    const char *colon = strchr(spec, ':');
    struct backup_source s = {0};
    if (!colon || type_parse(spec, (size_t)(colon - spec), &s.type) < 0)
        return rm_errf(e, "backup \"%s\": expected TYPE:LOCATION with TYPE restic, borg, "
                          "directory, json, csv or marker", spec);
    char *rest = strdup(colon + 1);
    if (!rest)
        return rm_errf(e, "out of memory");
    /* The location runs to the first ",key=": a comma followed by a word and '='. Commas
     * elsewhere belong to the path. */
    char *loc_end = NULL;
    for (char *p = rest; (p = strchr(p, ',')) != NULL; p++) {
        size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz-");
        if (n > 0 && p[1 + n] == '=') {
            loc_end = p;
            break;
        }
    }
    char *opts = NULL;
    if (loc_end) {
        *loc_end = '\0';
        opts = loc_end + 1;
    }
    int rc = -1;
    if (!*rest) {
        rm_errf(e, "backup \"%s\": empty location", spec);
        goto out;
    }
    if (!(s.location = strdup(rest))) {
        rm_errf(e, "out of memory");
        goto out;
    }
    for (char *kv = opts; kv && *kv;) {
        char *next = strchr(kv, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(kv, '=');
        if (!eq) {
            rm_errf(e, "backup \"%s\": \"%s\" is not key=value", spec, kv);
            goto out;
        }
        *eq = '\0';
        if (apply_key(&s, spec, kv, eq + 1, e) < 0)
            goto out;
        kv = next;
    }
    if (adopt(c, &s, spec, e) < 0)
        goto out;
    rc = 0;
out:
    source_clear(&s);
    free(rest);
    return rc;
}

int backup_config_add_asset(struct backup_config *c, const char *asset, struct rm_err *e)
{
    if (!*asset)
        return rm_errf(e, "empty asset name");
    char **g = realloc(c->critical_assets, (c->n_critical + 1) * sizeof *g);
    if (!g)
        return rm_errf(e, "out of memory");
    c->critical_assets = g;
    if (!(g[c->n_critical] = strdup(asset)))
        return rm_errf(e, "out of memory");
    c->n_critical++;
    return 0;
}

const char *backup_source_name(const struct backup_source *s)
{
    return s->name ? s->name : s->location ? s->location : "?";
}

const char *backup_source_asset(const struct backup_source *s)
{
    return s->asset ? s->asset : backup_source_name(s);
}

int64_t backup_source_rpo(const struct backup_config *c, const struct backup_source *s)
{
    if (s->rpo_s > 0)
        return s->rpo_s;
    return c->default_rpo_s > 0 ? c->default_rpo_s : BACKUP_DEFAULT_RPO_S;
}
