/* The judgement of the backup check, in one place: what a listing means against the source's
 * RPO and retention, and what the sources together mean for each asset. Plain data in and
 * out; checks/backup.c turns verdicts into findings.
 *
 * Rules, in the order they are applied to a readable source:
 *   - points dated more than BACKUP_FUTURE_SKEW_S after now are a finding (a wrong clock or a
 *     forged listing) and are not counted as backups;
 *   - a zero-byte latest point is a finding and is not counted as a backup;
 *   - the latest counted point's age against the RPO: ok or stale (none when nothing counts);
 *   - the counted points against the retention minimum;
 *   - the latest against the one before it: below shrink_ratio of it is a finding.
 */
#include <stdio.h>
#include <string.h>

#include "backup.h"

static void fmt_size(int64_t n, char *buf, size_t len)
{
    if (n < 0)
        snprintf(buf, len, "size unknown");
    else
        snprintf(buf, len, "%lld bytes", (long long)n);
}

static struct backup_verdict base(const struct backup_config *c, const struct backup_source *s,
                                  enum backup_kind k)
{
    return (struct backup_verdict){.kind = k, .source = backup_source_name(s),
                                   .asset = backup_source_asset(s), .rpo_s = backup_source_rpo(c, s),
                                   .latest = -1, .age_s = -1, .latest_size = -1,
                                   .previous_size = -1, .previous = -1};
}

size_t backup_judge_source(const struct backup_config *c, const struct backup_source *s,
                           const struct backup_listing *l, int64_t now,
                           struct backup_verdict *out)
{
    size_t n = 0;
    const char *name = backup_source_name(s);
    if (l->state != BACKUP_READABLE) {
        out[n] = base(c, s, BK_UNREADABLE);
        out[n].state = l->state;
        snprintf(out[n].detail, sizeof out[n].detail, "%s cannot be read (%s): %s", name,
                 backup_state_name(l->state), l->detail);
        return n + 1;
    }
    unsigned retention = s->retention ? s->retention : c->default_retention;
    double ratio = c->shrink_ratio > 0 ? c->shrink_ratio : BACKUP_DEFAULT_SHRINK;
    const struct backup_point *newest = NULL, *prev = NULL, *good = NULL;
    size_t n_future = 0, n_counted = 0;
    int64_t future_max = 0;
    for (size_t i = 0; i < l->n_points; i++) {
        const struct backup_point *p = &l->points[i];
        if (p->time > now + BACKUP_FUTURE_SKEW_S) {
            if (!n_future++ || p->time > future_max)
                future_max = p->time;
            continue;
        }
        if (!newest || p->time > newest->time) {
            prev = newest;
            newest = p;
        } else if (!prev || p->time > prev->time) {
            prev = p;
        }
        if (p->size != 0) {
            n_counted++;
            if (!good || p->time > good->time)
                good = p;
        }
    }
    struct backup_verdict v = base(c, s, BK_OK);
    v.n_points = n_counted;
    v.retention = retention;
    if (good) {
        v.latest = good->time;
        v.age_s = now - good->time;
        v.latest_size = good->size;
    }
    if (prev) {
        v.previous = prev->time;
        v.previous_size = prev->size;
    }
    char lt[32], age[32], sz[40], psz[40];
    if (n_future) {
        out[n] = v;
        out[n].kind = BK_FUTURE;
        out[n].n_future = n_future;
        out[n].future_time = future_max;
        backup_format_time(future_max, lt, sizeof lt);
        backup_format_age(future_max - now, age, sizeof age);
        snprintf(out[n].detail, sizeof out[n].detail,
                 "%s: %zu restore point%s dated in the future, the furthest %s (%s ahead of this "
                 "clock): a wrong clock or a forged listing, not counted as backups",
                 name, n_future, n_future == 1 ? "" : "s", lt, age);
        n++;
    }
    if (newest && newest->size == 0) {
        out[n] = v;
        out[n].kind = BK_EMPTY;
        out[n].empty_time = newest->time;
        backup_format_time(newest->time, lt, sizeof lt);
        snprintf(out[n].detail, sizeof out[n].detail,
                 "%s: the latest backup (%s, %s) is 0 bytes: not counted as a backup", name,
                 newest->id, lt);
        n++;
    }
    char rpo[32];
    backup_format_age(v.rpo_s, rpo, sizeof rpo);
    if (!good) {
        out[n] = v;
        out[n].kind = BK_NONE;
        snprintf(out[n].detail, sizeof out[n].detail,
                 "%s holds no successful backup (%zu entries read, %zu not counted)", name,
                 l->n_points + l->n_skipped, l->n_skipped + (l->n_points - n_counted));
        n++;
    } else {
        out[n] = v;
        out[n].kind = v.age_s > v.rpo_s ? BK_STALE : BK_OK;
        backup_format_time(good->time, lt, sizeof lt);
        backup_format_age(v.age_s, age, sizeof age);
        snprintf(out[n].detail, sizeof out[n].detail, "%s: latest successful backup %s (%s), %s "
                 "old, RPO %s%s", name, lt, good->id, age, rpo,
                 out[n].kind == BK_STALE ? ": older than the RPO" : "");
        n++;
    }
    if (retention && n_counted < retention) {
        out[n] = v;
        out[n].kind = BK_RETENTION;
        snprintf(out[n].detail, sizeof out[n].detail,
                 "%s: %zu restore point%s, %u required", name, n_counted,
                 n_counted == 1 ? "" : "s", retention);
        n++;
    }
    if (newest && prev && newest->size > 0 && prev->size > 0 &&
        (double)newest->size < ratio * (double)prev->size) {
        out[n] = v;
        out[n].kind = BK_SHRUNK;
        out[n].latest = newest->time;
        out[n].age_s = now - newest->time;
        out[n].latest_size = newest->size;
        fmt_size(newest->size, sz, sizeof sz);
        fmt_size(prev->size, psz, sizeof psz);
        snprintf(out[n].detail, sizeof out[n].detail,
                 "%s: the latest backup (%s, %s) is %.0f%% of the one before it (%s, %s)", name,
                 newest->id, sz, 100.0 * (double)newest->size / (double)prev->size, prev->id, psz);
        n++;
    }
    return n;
}

static bool asset_has(const struct backup_config *c, const char *asset, const bool *fresh,
                      size_t *n_sources, size_t *n_off, size_t *n_imm, bool *fresh_off)
{
    *n_sources = *n_off = *n_imm = 0;
    *fresh_off = false;
    for (size_t i = 0; i < c->n_sources; i++) {
        const struct backup_source *s = &c->sources[i];
        if (strcmp(backup_source_asset(s), asset) != 0)
            continue;
        (*n_sources)++;
        if (s->offsite == BACKUP_FLAG_YES) {
            (*n_off)++;
            if (fresh && fresh[i])
                *fresh_off = true;
        }
        if (s->immutable == BACKUP_FLAG_YES)
            (*n_imm)++;
    }
    return *n_sources > 0;
}

size_t backup_judge_site(const struct backup_config *c, const bool *fresh, int64_t now,
                         struct backup_verdict *out, size_t max)
{
    (void)now;
    size_t n = 0;
    size_t ns, noff, nimm;
    bool foff;
    for (size_t a = 0; a < c->n_critical && n < max; a++) {
        const char *asset = c->critical_assets[a];
        bool dup = false;
        for (size_t b = 0; b < a; b++)
            dup |= strcmp(c->critical_assets[b], asset) == 0;
        if (dup || asset_has(c, asset, fresh, &ns, &noff, &nimm, &foff))
            continue;
        out[n] = (struct backup_verdict){.kind = BK_MISSING, .asset = asset, .latest = -1,
                                         .age_s = -1, .latest_size = -1, .previous_size = -1,
                                         .previous = -1};
        snprintf(out[n].detail, sizeof out[n].detail,
                 "%s is critical and no backup source protects it", asset);
        n++;
    }
    bool view = false;
    for (size_t i = 0; i < c->n_sources; i++)
        view |= c->sources[i].offsite != BACKUP_FLAG_UNSET || c->sources[i].immutable != BACKUP_FLAG_UNSET;
    if (!view)
        return n;
    /* Each asset once: the sources' assets in order (critical assets without a source are
     * already backup.missing). */
    for (size_t i = 0; i < c->n_sources && n < max; i++) {
        const char *asset = backup_source_asset(&c->sources[i]);
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(backup_source_asset(&c->sources[j]), asset) == 0;
        if (dup)
            continue;
        asset_has(c, asset, fresh, &ns, &noff, &nimm, &foff);
        if (foff)
            continue;
        out[n] = (struct backup_verdict){.kind = BK_OFFSITE_MISSING, .asset = asset,
                                         .latest = -1, .age_s = -1, .latest_size = -1,
                                         .previous_size = -1, .previous = -1,
                                         .n_offsite = noff, .n_immutable = nimm};
        snprintf(out[n].detail, sizeof out[n].detail,
                 "%s has no off-site copy within its RPO (%zu source%s, %zu off-site, %zu "
                 "immutable)", asset, ns, ns == 1 ? "" : "s", noff, nimm);
        n++;
    }
    return n;
}
