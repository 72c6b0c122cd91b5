/* backup: is there a recent, real backup of everything that matters. A site-level check: it
 * reads the backup sources the configuration declares (--backup today, the client profile
 * later; see checks/backup.h), keeps each listing as evidence, and turns the verdicts of
 * checks/backup_judge.c into findings. With no source and no critical asset declared it does
 * nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "check.h"

static const struct finding_kind backup_kinds[BK_N_KINDS] = {
    [BK_OK] = {.id = "backup.ok", .severity = SEV_INFO,
               .summary = "The latest successful backup is within the RPO"},
    [BK_STALE] = {.id = "backup.stale", .severity = SEV_HIGH,
                  .summary = "The latest successful backup is older than the RPO"},
    [BK_NONE] = {.id = "backup.none", .severity = SEV_HIGH,
                 .summary = "The backup source holds no successful backup at all"},
    [BK_RETENTION] = {.id = "backup.retention", .severity = SEV_MEDIUM,
                      .summary = "Fewer restore points than the retention minimum"},
    [BK_EMPTY] = {.id = "backup.empty", .severity = SEV_HIGH,
                  .summary = "The latest backup is zero bytes"},
    [BK_SHRUNK] = {.id = "backup.shrunk", .severity = SEV_MEDIUM,
                   .summary = "The latest backup is much smaller than the one before it"},
    [BK_UNREADABLE] = {.id = "backup.unreadable", .severity = SEV_HIGH,
                       .summary = "The backup repository cannot be read (missing, locked, wrong "
                                  "password, corrupt)"},
    [BK_FUTURE] = {.id = "backup.future", .severity = SEV_MEDIUM,
                   .summary = "Backups dated in the future: a wrong clock, not fresh backups"},
    [BK_MISSING] = {.id = "backup.missing", .severity = SEV_HIGH,
                    .summary = "A critical asset has no backup source"},
    [BK_OFFSITE_MISSING] = {.id = "backup.offsite.missing", .severity = SEV_MEDIUM,
                            .summary = "An asset has no off-site copy within its RPO (3-2-1)"},
};

extern const struct check check_backup;

static int fact_i(struct finding *f, const char *k, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return finding_add_fact(f, k, b);
}

static int fact_t(struct finding *f, const char *k, int64_t t)
{
    char b[32];
    backup_format_time(t, b, sizeof b);
    return finding_add_fact(f, k, b);
}

static int fact_age(struct finding *f, const char *k, int64_t s)
{
    char b[32];
    backup_format_age(s, b, sizeof b);
    return finding_add_fact(f, k, b);
}

/* Evidence ids of one source: its listing, and the runs that asked for sizes ("" for none). */
struct src_ev {
    char listing[16], sizes[16];
};

/* One finding from one verdict. s is NULL for asset-level verdicts, whose evidence is that of
 * the asset's sources (evs: one per source of the config). 0 or -1 (memory). */
static int emit(struct check_ctx *ctx, const struct backup_verdict *v,
                const struct backup_source *s, const struct backup_listing *l,
                const struct src_ev *ev, const struct src_ev *evs, int64_t now)
{
    const struct finding_kind *k = &backup_kinds[v->kind];
    char title[300];
    snprintf(title, sizeof title, "%s: %s", k->summary, s ? backup_source_name(s) : v->asset);
    /* An asset named by its address (asset=192.0.2.10) is that host: the finding is about
     * it, as every other check's. Otherwise it is site-wide, about the asset by name. */
    struct rm_addr a;
    bool by_addr = addr_parse(v->asset, &a) == 0;
    struct finding *f = check_emit(ctx, &check_backup, k, NULL, 0, title);
    if (!f || finding_set_detail(f, v->detail) < 0)
        return -1;
    if (by_addr)
        f->addr = a;
    else if (finding_set_site_asset(f, v->asset) < 0)
        return -1;
    int rc = 0;
    if (s) {
        rc |= finding_add_fact(f, "source", backup_source_name(s));
        rc |= finding_add_fact(f, "type", backup_type_name(s->type));
        rc |= finding_add_fact(f, "location", s->location);
    }
    rc |= finding_add_fact(f, "asset", v->asset);
    rc |= fact_t(f, "judged_at_utc", now);
    if (s) {
        rc |= fact_i(f, "rpo_s", v->rpo_s);
        rc |= fact_age(f, "rpo", v->rpo_s);
    }
    if (v->kind == BK_UNREADABLE) {
        rc |= finding_add_fact(f, "state", backup_state_name(v->state));
        if (l && l->exit_status >= 0)
            rc |= fact_i(f, "exit_status", l->exit_status);
    } else if (s) {
        if (v->latest >= 0) {
            rc |= fact_t(f, "latest_utc", v->latest);
            rc |= fact_i(f, "age_s", v->age_s);
            rc |= fact_age(f, "age", v->age_s);
            /* CIS 11.2 asks for backups weekly or more often, whatever the RPO says. */
            rc |= finding_add_fact(f, "older_than_7d", v->age_s > 7 * 86400 ? "yes" : "no");
            if (v->latest_size >= 0)
                rc |= fact_i(f, "latest_size", v->latest_size);
        }
        if (l && l->sizes_note[0])
            rc |= finding_add_fact(f, "sizes", l->sizes_note);
        if (v->previous >= 0) {
            rc |= fact_t(f, "previous_utc", v->previous);
            if (v->previous_size >= 0)
                rc |= fact_i(f, "previous_size", v->previous_size);
        }
        rc |= fact_i(f, "restore_points", (int64_t)v->n_points);
        if (v->retention)
            rc |= fact_i(f, "retention_min", v->retention);
        if (l && l->n_skipped)
            rc |= fact_i(f, "not_counted", (int64_t)l->n_skipped);
        if (v->kind == BK_EMPTY) {
            /* latest_utc stays the latest counted backup; this is the one that is not. */
            rc |= fact_t(f, "empty_utc", v->empty_time);
            rc |= finding_add_fact(f, "empty_size", "0");
            rc |= fact_i(f, "empty_age_s", now - v->empty_time);
        }
        if (v->kind == BK_FUTURE) {
            rc |= fact_t(f, "future_utc", v->future_time);
            rc |= fact_i(f, "future_points", (int64_t)v->n_future);
        }
        if (s->offsite != BACKUP_FLAG_UNSET)
            rc |= finding_add_fact(f, "offsite", s->offsite == BACKUP_FLAG_YES ? "yes" : "no");
        if (s->immutable != BACKUP_FLAG_UNSET)
            rc |= finding_add_fact(f, "immutable", s->immutable == BACKUP_FLAG_YES ? "yes" : "no");
    } else if (v->kind == BK_OFFSITE_MISSING) {
        rc |= fact_i(f, "offsite_sources", (int64_t)v->n_offsite);
        rc |= fact_i(f, "immutable_sources", (int64_t)v->n_immutable);
    }
    rc |= finding_set_key_fact(f, s ? "source" : "asset");
    const struct backup_config *c = ctx->backup;
    for (size_t i = 0; i < (s ? 1 : c->n_sources); i++) {
        const struct src_ev *x = s ? ev : &evs[i];
        if (!s && strcmp(backup_source_asset(&c->sources[i]), v->asset) != 0)
            continue;
        if (x->listing[0])
            rc |= finding_add_evidence_id(f, x->listing);
        if (x->sizes[0])
            rc |= finding_add_evidence_id(f, x->sizes);
    }
    rc |= finding_add_ref(f, "CIS Controls v8 11.2");
    if (rc)
        return -1;
    finding_fingerprint(f);
    return 0;
}

/* Adds one piece of a source's evidence and writes its id to id_out. 0 or -1. */
static int keep(struct check_ctx *ctx, const struct backup_source *s, const char *type,
                const char *data, size_t len, const char *what, char id_out[16])
{
    char desc[600];
    snprintf(desc, sizeof desc, "backup source %s (%s %s): %s", backup_source_name(s),
             backup_type_name(s->type), s->location, what);
    struct evidence *ev = scan_add_evidence(ctx->result, type, desc, data, len);
    if (!ev)
        return -1;
    snprintf(id_out, 16, "%s", ev->id);
    return 0;
}

static int backup_run_check(struct check_ctx *ctx, const struct host *host,
                            const struct service *svc, struct rm_err *e)
{
    (void)host;
    (void)svc;
    const struct backup_config *c = ctx->backup;
    if (!c || (c->n_sources == 0 && c->n_critical == 0))
        return 0;
    int64_t now = c->now ? c->now : (int64_t)time(NULL);
    bool *fresh = calloc(c->n_sources + 1, sizeof *fresh);
    struct src_ev *evs = calloc(c->n_sources + 1, sizeof *evs);
    if (!fresh || !evs) {
        free(fresh);
        free(evs);
        return rm_errf(e, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; i < c->n_sources && rc == 0; i++) {
        if (ctx->cancel && *ctx->cancel)
            break;
        const struct backup_source *s = &c->sources[i];
        /* Read ahead (before root was dropped) or now. */
        struct backup_listing own = {0}, *l = c->read ? &c->read[i] : &own;
        if (!c->read && backup_read(s, now, &own, e) < 0) {
            backup_listing_free(&own);
            rc = -1;
            break;
        }
        if (l->raw)
            rc |= keep(ctx, s, l->raw_type, l->raw, l->raw_len,
                       l->state == BACKUP_READABLE ? "the listing as read" : "the tool's error output",
                       evs[i].listing);
        if (l->sizes_raw && rc == 0)
            rc |= keep(ctx, s, "application/json", l->sizes_raw, l->sizes_len,
                       "the runs that asked for the sizes of the latest and previous restore points",
                       evs[i].sizes);
        struct backup_verdict v[BACKUP_MAX_VERDICTS];
        size_t n = backup_judge_source(c, s, l, now, v);
        for (size_t k = 0; k < n && rc == 0; k++) {
            if (v[k].kind == BK_OK)
                fresh[i] = true;
            if (emit(ctx, &v[k], s, l, &evs[i], NULL, now) < 0)
                rc = -1;
        }
        backup_listing_free(&own);
    }
    if (rc == 0 && !(ctx->cancel && *ctx->cancel)) {
        size_t max = c->n_critical + c->n_sources;
        struct backup_verdict *v = calloc(max + 1, sizeof *v);
        if (!v) {
            rc = -1;
        } else {
            size_t n = backup_judge_site(c, fresh, now, v, max);
            for (size_t k = 0; k < n && rc == 0; k++)
                if (emit(ctx, &v[k], NULL, NULL, NULL, evs, now) < 0)
                    rc = -1;
            free(v);
        }
    }
    free(fresh);
    free(evs);
    if (rc < 0 && !e->msg[0])
        rm_errf(e, "out of memory");
    return rc;
}

const struct check check_backup = {
    .id = "backup",
    .summary = "Backup recency: the latest successful backup of each source against its RPO, "
               "restore points, sanity (empty, shrunk, future-dated, unreadable), 3-2-1",
    .applies_to = CHECK_SITE,
    .kinds = backup_kinds,
    .n_kinds = BK_N_KINDS,
    .run = backup_run_check,
};
