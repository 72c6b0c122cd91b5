/* `riskmap register ...`: the risk register on the command line (scanner/register.h). */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policies/eval.h"
#include "policies/policy_set.h"
#include "reports/register_csv.h"
#include "reports/register_json.h"
#include "reports/risk.h"
#include "scanner/atomic.h"
#include "scanner/cli.h"
#include "scanner/heap.h"
#include "scanner/help.h"
#include "scanner/register.h"
#include "scanner/register_record.h"
#include "scanner/result.h"

enum opt {
    O_DATADIR, O_DB, O_STATUS, O_MINSCORE, O_ASSET, O_FRAMEWORK, O_OWNER, O_KIND,
    O_DUE, O_UNTIL, O_REASON, O_NOTE, O_BY, O_FORMAT, O_OUTPUT, O_BOM, O_JSON, O_POLICY,
    O_CLIENT, O_STATS, O_COUNT
};

static const struct {
    const char *name;
    bool arg;
} optdef[O_COUNT] = {
    [O_DATADIR] = {"--data-dir", true}, [O_DB] = {"--db", true},
    [O_STATUS] = {"--status", true},    [O_MINSCORE] = {"--min-score", true},
    [O_ASSET] = {"--asset", true},      [O_FRAMEWORK] = {"--framework", true},
    [O_OWNER] = {"--owner", true},      [O_KIND] = {"--kind", true},
    [O_DUE] = {"--due", true},          [O_UNTIL] = {"--until", true},
    [O_REASON] = {"--reason", true},    [O_NOTE] = {"--note", true},
    [O_BY] = {"--by", true},            [O_FORMAT] = {"--format", true},
    [O_OUTPUT] = {"--output", true},    [O_BOM] = {"--bom", false},
    [O_JSON] = {"--json", false},       [O_POLICY] = {"--policy", true},
    [O_CLIENT] = {"--client", true},   [O_STATS] = {"--stats", false},
};

#define BIT(o) (1u << (o))
#define DB_OPTS (BIT(O_DATADIR) | BIT(O_DB))
#define FILTER_OPTS                                                                            \
    (BIT(O_STATUS) | BIT(O_MINSCORE) | BIT(O_ASSET) | BIT(O_FRAMEWORK) | BIT(O_OWNER) |        \
     BIT(O_KIND))

struct args {
    const char *sub;
    const char *val[O_COUNT];
    const char *policies[POLICY_SET_MAX];
    size_t n_policies;
    const char *pos[4];
    int n_pos;
    char db_path[4096];
    char fp[FINGERPRINT_HEX_LEN + 1];
    enum risk_status status;
};

static int parse(int argc, char **argv, unsigned allowed, int min_pos, int max_pos,
                 struct args *a, struct rm_err *e)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] != '-' || !s[1]) {
            if (a->n_pos == max_pos)
                return rm_errf(e, "register %s: unexpected argument \"%s\"", a->sub, s);
            a->pos[a->n_pos++] = s;
            continue;
        }
        const char *alias = strcmp(s, "-o") == 0 ? "--output" : strcmp(s, "-p") == 0 ? "--policy"
                            : strcmp(s, "-c") == 0 || strcmp(s, "--profile") == 0 ? "--client"
                                                                                   : s;
        int o = 0;
        while (o < O_COUNT && strcmp(optdef[o].name, alias) != 0)
            o++;
        if (o == O_COUNT || !(allowed & BIT(o)))
            return rm_errf(e, "register %s: unknown option \"%s\" (see riskmap help register)",
                           a->sub, s);
        if (!optdef[o].arg) {
            a->val[o] = "yes";
            continue;
        }
        if (i + 1 >= argc)
            return rm_errf(e, "register %s: %s needs a value", a->sub, s);
        if (o == O_POLICY) {
            if (a->n_policies == POLICY_SET_MAX)
                return rm_errf(e, "register %s: at most %d policies", a->sub, POLICY_SET_MAX);
            a->policies[a->n_policies++] = argv[++i];
        } else {
            a->val[o] = argv[++i];
        }
    }
    if (a->n_pos < min_pos)
        return rm_errf(e, "register %s: missing argument (see riskmap help register)", a->sub);
    if (a->val[O_DATADIR] && a->val[O_DB])
        return rm_errf(e, "register %s: --data-dir or --db, not both", a->sub);
    if (a->val[O_DATADIR])
        return register_default_path(a->val[O_DATADIR], a->db_path, sizeof a->db_path, e);
    if (a->val[O_DB]) {
        if (strlen(a->val[O_DB]) >= sizeof a->db_path)
            return rm_errf(e, "register: --db path too long");
        strcpy(a->db_path, a->val[O_DB]);
        return 0;
    }
    return rm_errf(e, "register %s: name the register with --data-dir DIR or --db PATH", a->sub);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *who(const struct args *a)
{
    static char buf[32];
    if (a->val[O_BY] && *a->val[O_BY])
        return a->val[O_BY];
    const char *s = getenv("SUDO_USER");
    if (s && *s)
        return s;
    s = getenv("USER");
    if (s && *s)
        return s;
    struct passwd *pw = getpwuid(getuid());
    if (pw)
        return pw->pw_name;
    snprintf(buf, sizeof buf, "uid %u", (unsigned)getuid());
    return buf;
}

static int open_db(const struct args *a, bool create, struct register_db **db, struct rm_err *e)
{
    return register_open(a->db_path, create, db, e);
}

static int build_filter(struct args *a, struct register_filter *f, struct rm_err *e)
{
    memset(f, 0, sizeof *f);
    if (a->val[O_STATUS]) {
        if (risk_status_parse(a->val[O_STATUS], &a->status) < 0)
            return rm_errf(e, "register: --status is one of open, reopened, mitigating, "
                              "accepted, exception, resolved");
        f->status = &a->status;
    }
    if (a->val[O_MINSCORE]) {
        char *end;
        long v = strtol(a->val[O_MINSCORE], &end, 10);
        if (*end || v < 0 || v > 25)
            return rm_errf(e, "register: --min-score wants 0 to 25");
        f->min_score = (int)v;
    }
    f->asset = a->val[O_ASSET];
    f->framework = a->val[O_FRAMEWORK];
    f->owner = a->val[O_OWNER];
    f->kind = a->val[O_KIND];
    return 0;
}

/* ---- headline ---------------------------------------------------------------------------- */

static void print_delta(long now, long before)
{
    if (now > before)
        printf(", up %ld since the previous scan", now - before);
    else if (now < before)
        printf(", down %ld since the previous scan", before - now);
    else
        printf(", unchanged since the previous scan");
}

/* The two headline figures of the whole register, with their movement since the scan before
 * the newest one; with counts, the count per status. */
static int print_headline(struct register_db *db, bool counts, struct rm_err *e)
{
    struct register_figures fg;
    struct trend t = {0};
    if (register_figures(db, &fg, e) < 0 || register_trend(db, &t, e) < 0)
        return -1;
    const struct risk_headline *h = &fg.h;
    if (t.n)
        printf("Register after scan %.12s of %s: %zu risks, %zu counted\n", t.v[t.n - 1].scan_id,
               t.v[t.n - 1].date, fg.n_risks, h->n_counted);
    else
        printf("Register: no scan recorded yet\n");
    printf("Worst single risk: %d (%s)", h->worst,
           h->n_counted ? risk_level_name(risk_level_of(h->worst)) : "none");
    if (h->n_counted)
        printf(", %.12s %s on %s", fg.worst_fp, fg.worst_kind, fg.worst_asset);
    if (t.n >= 2)
        print_delta(h->worst, t.v[t.n - 2].worst);
    printf("\nTotal risk: %ld", h->total);
    if (t.n >= 2)
        print_delta(h->total, t.v[t.n - 2].total);
    else if (t.n == 1)
        printf(" (first scan recorded)");
    printf("\n");
    if (counts) {
        printf("By status:");
        for (int i = 0; i < RISK_STATUS_COUNT; i++)
            printf(" %s %zu%s", risk_status_name((enum risk_status)i), fg.by_status[i],
                   i + 1 < RISK_STATUS_COUNT ? "," : "\n");
    }
    trend_free(&t);
    return 0;
}

/* ---- list, summary, show ----------------------------------------------------------------- */

static void print_rows(const struct risk_set *s)
{
    printf("%-12s %-10s %3s %3s %-8s %-20s %5s %-22s %-10s %s\n", "FINGERPRINT", "STATUS", "RES",
           "INH", "SEVERITY", "ASSET", "PORT", "KIND", "OWNER", "TITLE");
    for (size_t i = 0; i < s->n; i++) {
        const struct risk *r = &s->v[i];
        printf("%.12s %-10s %3d %3d %-8s %-20.20s %5u %-22.22s %-10.10s %s", r->fingerprint,
               risk_status_name(r->status), r->residual, r->inherent, severity_name(r->severity),
               r->asset, (unsigned)r->port, r->kind, r->owner ? r->owner : "-", r->title);
        if (r->status == RISK_EXCEPTION)
            printf(" [%s: %s]", r->exception_kind ? r->exception_kind : "exception",
                   r->treatment ? r->treatment : "");
        else if (r->status == RISK_ACCEPTED)
            printf(" [accepted until %s: %s]", r->accept_expires ? r->accept_expires : "?",
                   r->treatment ? r->treatment : "");
        printf("\n");
    }
}

static int cmd_list(struct args *a, bool with_rows, struct rm_err *e)
{
    struct register_filter f;
    if (build_filter(a, &f, e) < 0)
        return EXIT_USAGE;
    struct register_db *db = NULL;
    if (open_db(a, false, &db, e) < 0)
        return EXIT_RUNTIME;
    int rc = EXIT_RUNTIME;
    struct risk_set s = {0};
    if (print_headline(db, !with_rows, e) < 0)
        goto out;
    if (with_rows) {
        if (register_load(db, &f, &s, e) < 0)
            goto out;
        printf("\n");
        print_rows(&s);
        printf("(%zu risks)\n", s.n);
    }
    rc = EXIT_DONE;
out:
    risk_set_free(&s);
    register_close(db);
    return rc;
}

static void show_line(const char *label, const char *v)
{
    if (v && *v)
        printf("  %-15s %s\n", label, v);
}

static int cmd_show(struct args *a, struct rm_err *e)
{
    struct register_db *db = NULL;
    if (open_db(a, false, &db, e) < 0)
        return EXIT_RUNTIME;
    int rc = EXIT_USAGE;
    struct risk_set s = {0};
    struct register_history h = {0};
    if (register_resolve_prefix(db, a->pos[0], a->fp, e) < 0)
        goto out;
    rc = EXIT_RUNTIME;
    struct register_filter f = {.fingerprint = a->fp};
    if (register_load(db, &f, &s, e) < 0 || register_history(db, a->fp, &h, e) < 0)
        goto out;
    if (s.n != 1) {
        rm_errf(e, "register show: %s vanished", a->fp);
        goto out;
    }
    const struct risk *r = &s.v[0];
    char b[512];
    printf("Risk %s\n", r->fingerprint);
    show_line("Title", r->title);
    show_line("Kind", r->kind);
    /* A site-wide risk (a backup's asset) has no address to show. */
    snprintf(b, sizeof b, "%s (%s), port %u, criticality %s", r->asset,
             r->address && r->address[0] ? r->address : "site-wide, no address",
             (unsigned)r->port, criticality_name(r->criticality));
    show_line("Asset", b);
    show_line("Status", risk_status_name(r->status));
    snprintf(b, sizeof b, "residual %d, inherent %d (%s): likelihood %d x impact %d "
                          "(rule %s/%s: %d x %d); severity %s",
             r->residual, r->inherent, risk_level_name(risk_level_of(r->inherent)),
             r->likelihood, r->impact, r->policy_id ? r->policy_id : "?",
             r->rule_id ? r->rule_id : "?", r->rule_likelihood, r->rule_impact,
             severity_name(r->severity));
    show_line("Score", b);
    if (r->cvss >= 0 || r->kev) {
        snprintf(b, sizeof b, "CVSS %.1f%s", r->cvss >= 0 ? r->cvss : 0.0,
                 r->kev ? ", in CISA KEV" : "");
        show_line("Exploitability", b);
    }
    for (size_t i = 0; i < r->n_controls; i++)
        show_line(i ? "" : "Controls", r->controls[i]);
    for (size_t i = 0; i < r->n_refs; i++) {
        snprintf(b, sizeof b, "%s %s", r->refs[i].framework, r->refs[i].id);
        show_line(i ? "" : "Frameworks", b);
    }
    show_line("Owner", r->owner);
    show_line("Due", r->due);
    show_line("Exception", r->exception_kind);
    show_line("Accepted until", r->accept_expires);
    show_line("Treatment", r->treatment);
    if (r->remediation) {
        snprintf(b, sizeof b, "%s (%s%s%g h, cost %s)", r->remediation,
                 r->initiative_title ? r->initiative_title : "",
                 r->initiative_title ? ", " : "", r->effort_hours, cost_band_name(r->cost));
        show_line("Remediation", b);
    }
    show_line("First seen", r->first_seen);
    show_line("Last seen", r->last_seen);
    printf("\nHistory\n");
    for (size_t i = 0; i < h.n; i++) {
        const struct register_change *c = &h.v[i];
        printf("  %s  %-20s %s: %s -> %s", c->at, c->who, c->field,
               c->old_value ? c->old_value : "(none)", c->new_value ? c->new_value : "(none)");
        if (c->note)
            printf("  \"%s\"", c->note);
        printf("\n");
    }
    rc = EXIT_DONE;
out:
    register_history_free(&h);
    risk_set_free(&s);
    register_close(db);
    return rc;
}

/* ---- edits ------------------------------------------------------------------------------- */

static int cmd_edit(struct args *a, enum register_action act, struct rm_err *e)
{
    struct register_db *db = NULL;
    if (open_db(a, false, &db, e) < 0)
        return EXIT_RUNTIME;
    int rc = EXIT_USAGE;
    struct register_edit ed = {
        .action = act, .fingerprint = a->fp, .who = who(a), .owner = a->pos[1],
        .due = a->val[O_DUE], .until = a->val[O_UNTIL], .reason = a->val[O_REASON],
        .note = a->val[O_NOTE] ? a->val[O_NOTE] : act == REG_NOTE ? a->pos[1] : NULL,
    };
    if (register_resolve_prefix(db, a->pos[0], a->fp, e) < 0 || register_edit(db, &ed, e) < 0)
        goto out;
    printf("%.12s: %s by %s\n", a->fp, a->sub, ed.who);
    rc = EXIT_DONE;
out:
    register_close(db);
    return rc;
}

/* ---- export, trend ----------------------------------------------------------------------- */

static int emit(const char *path, const char *data, size_t len, struct rm_err *e)
{
    if (path && strcmp(path, "-") != 0)
        return atomic_write(path, data, len, 0600, e);
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
        return rm_errf(e, "stdout: write failed");
    return 0;
}

static int cmd_export(struct args *a, struct rm_err *e)
{
    struct register_filter f;
    const char *fmt = a->val[O_FORMAT] ? a->val[O_FORMAT] : "csv";
    if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0)
        return rm_errf(e, "register export: --format csv or json"), EXIT_USAGE;
    if (build_filter(a, &f, e) < 0)
        return EXIT_USAGE;
    struct register_db *db = NULL;
    if (open_db(a, false, &db, e) < 0)
        return EXIT_RUNTIME;
    int rc = EXIT_RUNTIME;
    struct risk_set s = {0};
    struct trend t = {0};
    char *buf = NULL;
    size_t len = 0;
    if (register_load(db, &f, &s, e) < 0 || register_trend(db, &t, e) < 0)
        goto out;
    if (strcmp(fmt, "csv") == 0) {
        FILE *m = open_memstream(&buf, &len);
        if (!m) {
            rm_errf(e, "register export: out of memory");
            goto out;
        }
        int w = register_csv_write(&s, m, a->val[O_BOM] != NULL, e);
        if (fclose(m) != 0 && w == 0)
            w = rm_errf(e, "register export: out of memory");
        if (w < 0)
            goto out;
    } else {
        cJSON *j = register_json(&s, &t);
        buf = j ? cJSON_Print(j) : NULL;
        cJSON_Delete(j);
        if (!buf) {
            rm_errf(e, "register export: out of memory");
            goto out;
        }
        len = strlen(buf);
        buf[len++] = '\n'; /* cJSON's terminator becomes the final newline */
    }
    if (emit(a->val[O_OUTPUT], buf, len, e) < 0)
        goto out;
    rc = EXIT_DONE;
out:
    free(buf);
    trend_free(&t);
    risk_set_free(&s);
    register_close(db);
    return rc;
}

static int cmd_trend(struct args *a, struct rm_err *e)
{
    struct register_db *db = NULL;
    if (open_db(a, false, &db, e) < 0)
        return EXIT_RUNTIME;
    int rc = EXIT_RUNTIME;
    struct trend t = {0};
    if (register_trend(db, &t, e) < 0)
        goto out;
    if (a->val[O_JSON]) {
        struct risk_set none = {0};
        cJSON *j = register_json(&none, &t);
        cJSON *tr = j ? cJSON_DetachItemFromObject(j, "trend") : NULL;
        char *txt = tr ? cJSON_Print(tr) : NULL;
        cJSON_Delete(j);
        cJSON_Delete(tr);
        if (!txt) {
            rm_errf(e, "register trend: out of memory");
            goto out;
        }
        printf("%s\n", txt);
        free(txt);
        rc = EXIT_DONE;
        goto out;
    }
    printf("%-10s %-12s %5s %6s %7s %4s %8s %8s  %s\n", "DATE", "SCAN", "WORST", "TOTAL",
           "COUNTED", "NEW", "RESOLVED", "REOPENED", "COMPLIANCE pass/fail/partial/not-checked");
    for (size_t i = 0; i < t.n; i++) {
        const struct trend_point *p = &t.v[i];
        printf("%-10s %-12.12s %5d %6ld %7u %4u %8u %8u ", p->date, p->scan_id, p->worst,
               p->total, p->n_counted, p->n_new, p->n_resolved, p->n_reopened);
        for (size_t k = 0; k < p->n_fw; k++)
            printf(" %s %u/%u/%u/%u", p->fw[k].id, p->fw[k].pass, p->fw[k].fail,
                   p->fw[k].partial, p->fw[k].not_checked);
        printf("\n");
    }
    if (!t.n)
        printf("(no scan recorded)\n");
    rc = EXIT_DONE;
out:
    trend_free(&t);
    register_close(db);
    return rc;
}

/* ---- update ------------------------------------------------------------------------------ */

static int cmd_update(struct args *a, struct rm_err *e)
{
    struct diags d = {0};
    struct policy_set lp = {0};
    struct scan_result *scan = NULL;
    int rc = EXIT_USAGE;
    heap_for_large_model(HEAP_MODEL_RESERVE);
    double t0 = now_ms();
    if (policy_set_load(&lp, a->policies, a->n_policies, a->val[O_CLIENT], "register update",
                        &d, e) < 0 ||
        result_load(a->pos[0], &scan, e) < 0)
        goto out;
    rc = EXIT_RUNTIME;
    double t1 = now_ms();
    struct register_delta delta;
    if (register_record_scan(a->db_path, scan, lp.pols, lp.n, lp.prof, &delta, e) < 0)
        goto out;
    if (a->val[O_STATS])
        fprintf(stderr, "stats: policies, profile and scan result load %.1f ms (%zu hosts, %zu "
                        "findings); evaluate, score and apply %.1f ms\n",
                t1 - t0, scan->n_hosts, scan->n_findings, now_ms() - t1);
    char line[256];
    register_delta_line(&delta, line, sizeof line);
    printf("%s%s\n", line, scan->meta.complete || delta.already ? ""
                           : " (incomplete scan: nothing resolved)");
    struct register_db *db = NULL;
    if (register_open(a->db_path, false, &db, e) < 0)
        goto out;
    int h = print_headline(db, false, e);
    register_close(db);
    if (h < 0)
        goto out;
    rc = EXIT_DONE;
out:
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.msg[i]);
    diags_free(&d);
    scan_result_free(scan);
    policy_set_free(&lp);
    return rc;
}

/* ---- dispatch ---------------------------------------------------------------------------- */

enum sub {
    S_LIST, S_SUMMARY, S_SHOW, S_ASSIGN, S_ACCEPT, S_MITIGATE, S_NOTE, S_FP, S_EXCEPTION,
    S_EXPORT, S_TREND, S_UPDATE,
};

static const struct {
    const char *name;
    enum sub id;
    unsigned opts;
    int min_pos, max_pos;
} subs[] = {
    {"list", S_LIST, DB_OPTS | FILTER_OPTS, 0, 0},
    {"summary", S_SUMMARY, DB_OPTS, 0, 0},
    {"show", S_SHOW, DB_OPTS, 1, 1},
    {"assign", S_ASSIGN, DB_OPTS | BIT(O_DUE) | BIT(O_BY), 2, 2},
    {"accept", S_ACCEPT, DB_OPTS | BIT(O_UNTIL) | BIT(O_REASON) | BIT(O_BY), 1, 1},
    {"mitigate", S_MITIGATE, DB_OPTS | BIT(O_NOTE) | BIT(O_BY), 1, 1},
    {"note", S_NOTE, DB_OPTS | BIT(O_NOTE) | BIT(O_BY), 1, 2},
    {"false-positive", S_FP, DB_OPTS | BIT(O_REASON) | BIT(O_BY), 1, 1},
    {"exception", S_EXCEPTION, DB_OPTS | BIT(O_REASON) | BIT(O_BY), 1, 1},
    {"export", S_EXPORT, DB_OPTS | FILTER_OPTS | BIT(O_FORMAT) | BIT(O_OUTPUT) | BIT(O_BOM), 0, 0},
    {"trend", S_TREND, DB_OPTS | BIT(O_JSON), 0, 0},
    {"update", S_UPDATE, DB_OPTS | BIT(O_POLICY) | BIT(O_CLIENT) | BIT(O_STATS), 1, 1},
};

int cmd_register(int argc, char **argv, struct rm_err *e)
{
    /* `register --data-dir DIR list` as well as `register list --data-dir DIR`: the register
     * named first, then the subcommand. */
    char *moved[3];
    if (argc > 3 && (strcmp(argv[1], "--data-dir") == 0 || strcmp(argv[1], "--db") == 0)) {
        moved[0] = argv[1];
        moved[1] = argv[2];
        moved[2] = argv[3];
        argv[1] = moved[2];
        argv[2] = moved[0];
        argv[3] = moved[1];
    }
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (!sub || strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        help_print(sub ? stdout : stderr, "register");
        return sub ? EXIT_DONE : EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            help_print(stdout, "register");
            return EXIT_DONE;
        }
    size_t k = 0;
    while (k < sizeof subs / sizeof subs[0] && strcmp(subs[k].name, sub) != 0)
        k++;
    if (k == sizeof subs / sizeof subs[0])
        return rm_errf(e, "register: unknown subcommand \"%s\" (list, summary, show, assign, "
                          "accept, mitigate, note, false-positive, exception, export, trend, "
                          "update)", sub), EXIT_USAGE;
    struct args *a = calloc(1, sizeof *a);
    if (!a)
        return rm_errf(e, "register: out of memory"), EXIT_RUNTIME;
    a->sub = sub;
    int rc = EXIT_USAGE;
    if (parse(argc - 1, argv + 1, subs[k].opts, subs[k].min_pos, subs[k].max_pos, a, e) < 0)
        goto out;
    switch (subs[k].id) {
    case S_LIST: rc = cmd_list(a, true, e); break;
    case S_SUMMARY: rc = cmd_list(a, false, e); break;
    case S_SHOW: rc = cmd_show(a, e); break;
    case S_ASSIGN: rc = cmd_edit(a, REG_ASSIGN, e); break;
    case S_ACCEPT: rc = cmd_edit(a, REG_ACCEPT, e); break;
    case S_MITIGATE: rc = cmd_edit(a, REG_MITIGATE, e); break;
    case S_NOTE: rc = cmd_edit(a, REG_NOTE, e); break;
    case S_FP: rc = cmd_edit(a, REG_FALSE_POSITIVE, e); break;
    case S_EXCEPTION: rc = cmd_edit(a, REG_EXCEPTION, e); break;
    case S_EXPORT: rc = cmd_export(a, e); break;
    case S_TREND: rc = cmd_trend(a, e); break;
    case S_UPDATE: rc = cmd_update(a, e); break;
    }
out:
    free(a);
    return rc;
}
