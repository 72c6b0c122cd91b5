/* `riskmap backup`: the backup check alone, no scan — a quick audit of backup sources named on
 * the command line. Prints a summary (or, with --json, the findings and evidence as JSON). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks/backup.h"
#include "checks/check.h"
#include "scanner/checkrun.h"
#include "scanner/cli.h"
#include "scanner/cli_findings.h"
#include "scanner/help.h"
#include "scanner/result.h"

enum { B_BACKUP = 256, B_ASSET, B_RPO, B_RETENTION, B_NOW, B_JSON, B_FAIL_ON };

static int print_json(const struct scan_result *r, int64_t now)
{
    char t[32];
    backup_format_time(now, t, sizeof t);
    return print_findings_json(r, "judged_at_utc", t);
}

static void print_text(const struct scan_result *r, const struct backup_config *c, int64_t now)
{
    char t[32];
    backup_format_time(now, t, sizeof t);
    printf("riskmap backup: %zu source%s, %zu critical asset%s, judged at %s\n", c->n_sources,
           c->n_sources == 1 ? "" : "s", c->n_critical, c->n_critical == 1 ? "" : "s", t);
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct finding *f = r->findings[i];
        printf("  %-8s %-22s %s\n", severity_name(f->severity), f->kind, f->detail ? f->detail : f->title);
    }
    if (r->n_findings == 0)
        printf("  no findings\n");
    /* The question an auditor asks, per asset: is there a backup within its RPO, and from
     * which sources. An asset is covered when one of its sources is backup.ok. Once any
     * source says offsite= or immutable=, also the 3-2-1 question: is one of the fresh
     * copies off-site. */
    bool view = false;
    for (size_t k = 0; k < c->n_sources; k++)
        view |= c->sources[k].offsite != BACKUP_FLAG_UNSET || c->sources[k].immutable != BACKUP_FLAG_UNSET;
    printf("assets:\n");
    for (size_t i = 0; i < c->n_critical + c->n_sources; i++) {
        const char *asset = i < c->n_critical ? c->critical_assets[i]
                                              : backup_source_asset(&c->sources[i - c->n_critical]);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(asset, j < c->n_critical ? c->critical_assets[j]
                                                   : backup_source_asset(&c->sources[j - c->n_critical])) == 0;
        if (seen)
            continue;
        char ok[512] = "", off[512] = "";
        size_t o = 0, n_src = 0, oo = 0;
        for (size_t k = 0; k < r->n_findings; k++) {
            const struct finding *f = r->findings[k];
            const char *fa = finding_fact(f, "asset"), *src = finding_fact(f, "source");
            if (!fa || !src || strcmp(fa, asset) != 0)
                continue;
            if (strcmp(f->kind, "backup.ok") != 0)
                continue;
            const char *age = finding_fact(f, "age") ? finding_fact(f, "age") : "?";
            const char *offs = finding_fact(f, "offsite"), *imm = finding_fact(f, "immutable");
            if (o < sizeof ok)
                o += (size_t)snprintf(ok + o, sizeof ok - o, "%s%s (%s old)", o ? ", " : "", src, age);
            if (offs && strcmp(offs, "yes") == 0 && oo < sizeof off)
                oo += (size_t)snprintf(off + oo, sizeof off - oo, "%s%s%s", oo ? ", " : "", src,
                                       imm && strcmp(imm, "yes") == 0 ? " (immutable)" : "");
        }
        for (size_t k = 0; k < c->n_sources; k++)
            n_src += strcmp(backup_source_asset(&c->sources[k]), asset) == 0;
        if (ok[0])
            printf("  %-24s within RPO: %s", asset, ok);
        else if (n_src)
            printf("  %-24s NOT within RPO (%zu source%s, none fresh)", asset, n_src, n_src == 1 ? "" : "s");
        else
            printf("  %-24s NO BACKUP SOURCE", asset);
        if (view && n_src)
            printf("; off-site within RPO: %s", off[0] ? off : "NONE");
        printf("\n");
    }
}

int cmd_backup(int argc, char **argv, struct rm_err *e)
{
    static const struct option longs[] = {
        {"backup", required_argument, NULL, B_BACKUP},
        {"asset", required_argument, NULL, B_ASSET},
        {"rpo", required_argument, NULL, B_RPO},
        {"retention", required_argument, NULL, B_RETENTION},
        {"now", required_argument, NULL, B_NOW},
        {"json", no_argument, NULL, B_JSON},
        {"fail-on", required_argument, NULL, B_FAIL_ON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct backup_config c = {0};
    bool json = false;
    int fail_on = -1, rc = EXIT_USAGE;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        switch (ch) {
        case B_BACKUP:
            if (backup_config_add_spec(&c, optarg, e) < 0)
                goto out;
            break;
        case B_ASSET:
            if (backup_config_add_asset(&c, optarg, e) < 0)
                goto out;
            break;
        case B_RPO:
            if (backup_parse_duration(optarg, &c.default_rpo_s) < 0) {
                rm_errf(e, "option --rpo: \"%s\" is not a duration (90m, 24h, 7d)", optarg);
                goto out;
            }
            break;
        case B_RETENTION: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || !*optarg || v > 100000) {
                rm_errf(e, "option --retention: \"%s\" is not a number (0 to 100000)", optarg);
                goto out;
            }
            c.default_retention = (unsigned)v;
            break;
        }
        case B_NOW:
            if (backup_parse_time(optarg, "utc", &c.now) < 0 || c.now == 0) {
                rm_errf(e, "option --now: \"%s\" is not a time (2026-11-22T12:00:00Z)", optarg);
                goto out;
            }
            break;
        case B_JSON:
            json = true;
            break;
        case B_FAIL_ON: {
            enum severity s;
            if (severity_parse(optarg, &s) < 0) {
                rm_errf(e, "option --fail-on: \"%s\" is not a severity", optarg);
                goto out;
            }
            fail_on = (int)s;
            break;
        }
        case 'h':
            help_print(stdout, "backup");
            rc = EXIT_DONE;
            goto out;
        case ':':
            rm_errf(e, "option %s needs an argument", argv[optind - 1]);
            goto out;
        default:
            rm_errf(e, "unknown option \"%s\" (see riskmap help backup)", argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc) {
        rm_errf(e, "backup: unexpected argument \"%s\" (sources are given with --backup)", argv[optind]);
        goto out;
    }
    if (c.n_sources == 0 && c.n_critical == 0) {
        rm_errf(e, "backup: no --backup source and no --asset given (see riskmap help backup)");
        goto out;
    }
    if (!c.now)
        c.now = (int64_t)time(NULL);
    struct scan_result *r = scan_result_new();
    if (!r) {
        rm_errf(e, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    struct checkrun_opts co = {.only = "backup", .backup = &c};
    if (checkrun(r, &co, e) < 0) {
        rc = EXIT_RUNTIME;
    } else if (json ? print_json(r, c.now) < 0 : (print_text(r, &c, c.now), 0)) {
        rm_errf(e, "out of memory");
        rc = EXIT_RUNTIME;
    } else {
        rc = EXIT_DONE;
        for (size_t i = 0; fail_on >= 0 && i < r->n_findings; i++)
            if ((int)r->findings[i]->severity >= fail_on)
                rc = EXIT_FINDINGS;
    }
    scan_result_free(r);
out:
    backup_config_free(&c);
    return rc;
}
