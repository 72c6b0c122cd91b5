/* Reading end-of-life data back: cycle matching and the summary `feed info` prints. */
#include <stdio.h>
#include <string.h>

#include "feed_eol.h"
#include "feed_impl.h"

bool eol_cycle_matches(const char *cycle, const char *version)
{
    size_t n = strlen(cycle);
    if (n == 0 || strncmp(cycle, version, n) != 0)
        return false;
    /* "1.2" must not take "1.24.0": the cycle ends where a number ends. */
    char next = version[n];
    return !(next >= '0' && next <= '9') && (cycle[n - 1] != '.');
}

static void col(sqlite3_stmt *s, int i, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, n, "%s", t ? (const char *)t : "");
}

int feed_eol_find(struct feed_db *db, const char *product, const char *version,
                  struct eol_cycle *out, struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT cycle, release_date, eol, eol_flag, latest,"
                           " latest_date, lts, support, extended_support FROM eol"
                           " WHERE product = ?1", -1, &s, NULL) != SQLITE_OK)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(db->db));
    sqlite3_bind_text(s, 1, product, -1, SQLITE_TRANSIENT);
    int rc, found = 0;
    size_t best = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *cycle = (const char *)sqlite3_column_text(s, 0);
        if (!cycle || !eol_cycle_matches(cycle, version) || strlen(cycle) <= best)
            continue;
        best = strlen(cycle);
        found = 1;
        snprintf(out->product, sizeof out->product, "%s", product);
        col(s, 0, out->cycle, sizeof out->cycle);
        col(s, 1, out->release_date, sizeof out->release_date);
        col(s, 2, out->eol_date, sizeof out->eol_date);
        out->eol_flag = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3);
        col(s, 4, out->latest, sizeof out->latest);
        col(s, 5, out->latest_date, sizeof out->latest_date);
        col(s, 6, out->lts, sizeof out->lts);
        col(s, 7, out->support, sizeof out->support);
        col(s, 8, out->extended, sizeof out->extended);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(db->db));
    return found;
}

int feed_eol_summary(struct feed_db *db, char *buf, size_t n, size_t *products, size_t *cycles,
                     struct rm_err *e)
{
    *products = *cycles = 0;
    if (n)
        buf[0] = '\0';
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT product, count(*) FROM eol GROUP BY product"
                           " ORDER BY product", -1, &s, NULL) != SQLITE_OK)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(db->db));
    int rc;
    size_t len = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        long long k = sqlite3_column_int64(s, 1);
        (*products)++;
        *cycles += (size_t)k;
        char one[100];
        snprintf(one, sizeof one, "%s%s (%lld)", len ? ", " : "",
                 (const char *)sqlite3_column_text(s, 0), k);
        if (len + strlen(one) + 4 < n) {
            memcpy(buf + len, one, strlen(one) + 1);
            len += strlen(one);
        } else if (len + 4 < n && strcmp(buf + len - (len >= 3 ? 3 : len), "...") != 0) {
            memcpy(buf + len, "...", 4);
            len += 3;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return rm_errf(e, "feed: %s", sqlite3_errmsg(db->db));
    return 0;
}

bool eol_days_until(const char *date, time_t t, long long *days)
{
    char norm[FEED_TIME_LEN];
    if (!date || strlen(date) != 10 || feed_time_norm(date, norm) < 0)
        return false;
    time_t d = feed_time_parse(norm);
    if (d == (time_t)-1)
        return false;
    long long day_t = (long long)t >= 0 ? (long long)t / 86400 : ((long long)t - 86399) / 86400;
    *days = (long long)d / 86400 - day_t;
    return true;
}
