/* `riskmap roadmap` and `riskmap report`: the plan and the client report from a scan result,
 * offline. With a client's risk register (--data-dir DIR or --db PATH) the risks are the
 * register's, with their owners, treatment and history, and the report draws the trend over
 * every recorded scan; without one the scan is scored here (reports/risk.h) and the report
 * says it covers a single scan. `report --record` first applies the scan to the register, as
 * `register update` does, and writes the report from the register that update left, in the
 * same process: the scan is loaded, evaluated and scored once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reports/report.h"
#include "reports/risk.h"
#include "reports/roadmap.h"
#include "scanner/cli.h"
#include "scanner/cli_inputs.h"
#include "scanner/datadir.h"
#include "scanner/register.h"
#include "scanner/register_record.h"
#include "scanner/help.h"

struct args {
    const char *refs[CLI_MAX_POLICIES];
    size_t n_refs;
    const char *profile, *scan, *date, *out_dir, *formats, *data_dir, *db;
    char latest[4096], dbpath[4096];
    double capacity;
    int json, stats, record;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 &&
           m <= 12 && d >= 1 && d <= 31;
}

/* The options both commands share; report adds -o and --format, roadmap --json. */
static int parse(const char *cmd, int argc, char **argv, bool report, struct args *a,
                 struct rm_err *e)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        int more = i + 1 < argc;
        if ((strcmp(o, "--policy") == 0 || strcmp(o, "-p") == 0) && more) {
            if (a->n_refs == CLI_MAX_POLICIES)
                return rm_errf(e, "%s: at most %d policies", cmd, CLI_MAX_POLICIES), EXIT_USAGE;
            a->refs[a->n_refs++] = argv[++i];
        } else if ((strcmp(o, "--client") == 0 || strcmp(o, "--profile") == 0 ||
                    strcmp(o, "-c") == 0) && more) {
            a->profile = argv[++i];
        } else if (strcmp(o, "--date") == 0 && more) {
            a->date = argv[++i];
            if (!valid_date(a->date))
                return rm_errf(e, "%s: --date wants YYYY-MM-DD, not \"%s\"", cmd, a->date),
                       EXIT_USAGE;
        } else if (strcmp(o, "--data-dir") == 0 && more) {
            a->data_dir = argv[++i];
        } else if (strcmp(o, "--db") == 0 && more) {
            a->db = argv[++i];
        } else if (strcmp(o, "--capacity") == 0 && more) {
            char *end;
            a->capacity = strtod(argv[++i], &end);
            if (*end || !(a->capacity > 0 && a->capacity <= 100000))
                return rm_errf(e, "%s: --capacity wants hours per quarter (1-100000), not "
                                  "\"%s\"", cmd, argv[i]), EXIT_USAGE;
        } else if (report && (strcmp(o, "-o") == 0 || strcmp(o, "--output") == 0) && more) {
            a->out_dir = argv[++i];
        } else if (report && strcmp(o, "--format") == 0 && more) {
            a->formats = argv[++i];
        } else if (report && strcmp(o, "--record") == 0) {
            a->record = 1;
        } else if (!report && strcmp(o, "--json") == 0) {
            a->json = 1;
        } else if (strcmp(o, "--stats") == 0) {
            a->stats = 1;
        } else if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            help_print(stdout, cmd);
            return -1;
        } else if (o[0] == '-' && o[1]) {
            return rm_errf(e, "%s: unknown option or missing argument \"%s\" (see riskmap help "
                              "%s)", cmd, o, cmd), EXIT_USAGE;
        } else if (!a->scan) {
            a->scan = o;
        } else {
            return rm_errf(e, "%s: one scan result at a time (\"%s\")", cmd, o), EXIT_USAGE;
        }
    }
    if (!a->scan && a->data_dir) {
        if (datadir_latest(a->data_dir, a->latest, sizeof a->latest) < 0)
            return rm_errf(e, "%s: %s holds no committed scan (DIR/latest)", cmd, a->data_dir),
                   EXIT_USAGE;
        a->scan = a->latest;
    }
    if (!a->scan)
        return rm_errf(e, "%s: name the scan result (scan.json), or --data-dir", cmd), EXIT_USAGE;
    /* The register: named, or the data directory's when it has one (or --record makes it). */
    if (!a->db && a->data_dir) {
        snprintf(a->dbpath, sizeof a->dbpath, "%s/register.db", a->data_dir);
        if (a->record || access(a->dbpath, R_OK) == 0)
            a->db = a->dbpath;
    }
    if (a->record && !a->db)
        return rm_errf(e, "%s: --record needs the register (--data-dir DIR or --db PATH)", cmd),
               EXIT_USAGE;
    /* The register records a scan at its own date, as `register update` does. */
    if (a->record && a->date)
        return rm_errf(e, "%s: --record evaluates the scan at its own date; leave out --date",
                       cmd), EXIT_USAGE;
    if (report && !a->out_dir)
        return rm_errf(e, "report: name the output directory (-o DIR)"), EXIT_USAGE;
    return 0;
}

static void print_diags(const struct diags *d, const char *prefix)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "%s%s\n", prefix, d->msg[i]);
    if (d->dropped)
        fprintf(stderr, "(%zu more messages not shown)\n", d->dropped);
}

/* Loads, evaluates and scores: what both commands start from. */
static double ms_score, ms_plan;

/* The register's risks and trend into set and trend. */
static int from_register(const char *path, struct risk_set *set, struct trend *trend,
                         struct rm_err *e)
{
    struct register_db *db = NULL;
    if (register_open(path, false, &db, e) < 0)
        return -1;
    int rc = register_load(db, NULL, set, e) < 0 || register_trend(db, trend, e) < 0 ? -1 : 0;
    register_close(db);
    return rc;
}

/* With --record, delta says what the scan did to the register. */
static int prepare(const char *cmd, const struct args *a, struct cli_inputs *in,
                   struct risk_set *set, struct trend *trend, struct roadmap **rm,
                   struct register_delta *delta, struct rm_err *e)
{
    struct diags d = {0};
    int rc = cli_load_inputs(cmd, a->scan, a->refs, a->n_refs, a->profile, a->date, in, &d, e);
    print_diags(&d, "");
    diags_free(&d);
    if (rc != EXIT_DONE)
        return rc;
    double t0 = now_ms();
    if (a->record ? register_record_load(a->db, in->scan, in->ev, in->ps.prof, delta, set,
                                         trend, e) < 0
        : a->db   ? from_register(a->db, set, trend, e) < 0
                  : risk_score_scan(in->scan, in->ev, in->ps.prof, set, e) < 0)
        return EXIT_RUNTIME;
    double t1 = now_ms();
    struct roadmap_options o = {a->capacity};
    if (roadmap_build(set, in->scan, in->ps.pols, in->ps.n, in->ps.prof, &o, rm, e) < 0)
        return EXIT_RUNTIME;
    ms_score = t1 - t0;
    ms_plan = now_ms() - t1;
    print_diags(&(*rm)->warnings, "warning: ");
    return EXIT_DONE;
}

static void print_roadmap(const struct roadmap *r, const struct profile *prof)
{
    printf("Roadmap from %s%s%s, %.0f hours of work per quarter\n\n", r->date,
           prof ? " for " : "", prof ? prof->client_name : "", r->capacity);
    printf("%-9s %10s %10s %12s %12s\n", "QUARTER", "CAPACITY", "EFFORT", "BUDGET", "REDUCTION");
    for (int k = 0; k < ROADMAP_QUARTERS; k++)
        printf("%-9s %9.0fh %9.0fh %12.0f %12ld\n", r->q[k].label, r->q[k].capacity,
               r->q[k].hours, r->q[k].budget, r->q[k].reduction);
    if (r->later_hours > 0)
        printf("%-9s %10s %9.0fh %12.0f\n", "later", "", r->later_hours, r->later_budget);
    printf("%-9s %10s %9.0fh %12.0f %12ld\n\n", "total", "", r->total_hours, r->total_budget,
           r->total_reduction);
    for (size_t i = 0; i < r->n; i++) {
        const struct rm_initiative *in = &r->v[i];
        char when[64] = "later";
        if (in->first >= 0)
            snprintf(when, sizeof when, "%s%s%s%s", r->q[in->first].label,
                     in->last > in->first ? "-" : "", in->last > in->first ? r->q[in->last].label
                                                                          : "",
                     in->later_hours > 0 ? "+later" : "");
        printf("%-20s %s\n", when, in->title);
        printf("%20s %zu risks on %zu assets, reduction %ld, %.0fh, cost %s (%.0f), priority "
               "%.2f, %s%s%s%s\n", "", in->n_risks, in->n_assets, in->reduction,
               in->effort_hours, cost_band_name(in->cost), in->budget, in->priority,
               rm_driver_name(in->driver), in->deadline[0] ? " " : "", in->deadline,
               in->over_capacity ? " (over capacity)" : "");
        for (size_t j = 0; j < in->n_objectives; j++)
            printf("%20s serves objective %s\n", "", in->objectives[j]);
    }
    if (r->n_not_planned)
        printf("\n%zu accepted, excepted or resolved risks are not planned.\n", r->n_not_planned);
}

int cmd_roadmap(int argc, char **argv, struct rm_err *e)
{
    struct args a;
    int rc = parse("roadmap", argc, argv, false, &a, e);
    if (rc)
        return rc < 0 ? EXIT_DONE : rc;
    struct cli_inputs in;
    struct risk_set set = {0};
    struct trend trend = {0};
    struct roadmap *rm = NULL;
    rc = prepare("roadmap", &a, &in, &set, &trend, &rm, NULL, e);
    if (rc == EXIT_DONE) {
        if (a.json) {
            cJSON *j = roadmap_json(rm, &set, in.ps.prof);
            char *txt = j ? cJSON_Print(j) : NULL;
            cJSON_Delete(j);
            if (!txt || printf("%s\n", txt) < 0) {
                rm_errf(e, "roadmap: cannot write the JSON");
                rc = EXIT_RUNTIME;
            }
            free(txt);
        } else {
            print_roadmap(rm, in.ps.prof);
        }
    }
    roadmap_free(rm);
    risk_set_free(&set);
    trend_free(&trend);
    cli_inputs_free(&in);
    return rc;
}

int cmd_report(int argc, char **argv, struct rm_err *e)
{
    struct args a;
    int rc = parse("report", argc, argv, true, &a, e);
    if (rc)
        return rc < 0 ? EXIT_DONE : rc;
    unsigned formats = REPORT_HTML;
    if (a.formats && report_formats_parse(a.formats, &formats) < 0)
        return rm_errf(e, "report: --format takes html and json, comma-separated, not \"%s\"",
                       a.formats), EXIT_USAGE;
    double t0 = now_ms();
    struct cli_inputs in;
    struct risk_set set = {0};
    struct trend trend = {0};
    struct roadmap *rm = NULL;
    struct register_delta delta = {0};
    rc = prepare("report", &a, &in, &set, &trend, &rm, &delta, e);
    double t1 = now_ms();
    if (rc == EXIT_DONE && a.record) {
        char line[256];
        register_delta_line(&delta, line, sizeof line);
        printf("%s%s\n", line, in.scan->meta.complete || delta.already
                                   ? "" : " (incomplete scan: nothing resolved)");
    }
    if (rc == EXIT_DONE) {
        struct diags warn = {0}, written = {0};
        struct report_input ri = {
            .scan = in.scan, .ev = in.ev, .risks = &set, .trend = trend.n ? &trend : NULL, .roadmap = rm,
            .pols = in.ps.pols, .n_pols = in.ps.n, .prof = in.ps.prof, .warnings = &warn,
        };
        if (report_write(&ri, a.out_dir, formats, &written, e) < 0)
            rc = EXIT_RUNTIME;
        print_diags(&warn, "warning: ");
        for (size_t i = 0; i < written.n; i++)
            printf("%s\n", written.msg[i]);
        diags_free(&warn);
        diags_free(&written);
        if (a.stats)
            fprintf(stderr, "stats: policies+profile %.1f ms, scan result load %.1f ms (%zu "
                            "hosts, %zu findings), evaluate %.1f ms, %s %.1f ms (%zu risks), "
                            "roadmap %.1f ms, report written %.1f ms, total %.1f ms\n",
                    in.ms_policies, in.ms_scan, in.scan->n_hosts, in.scan->n_findings,
                    in.ms_eval, a.record ? "score and record" : a.db ? "register read" : "score",
                    ms_score, set.n, ms_plan, now_ms() - t1, now_ms() - t0);
    }
    roadmap_free(rm);
    risk_set_free(&set);
    trend_free(&trend);
    cli_inputs_free(&in);
    return rc;
}
