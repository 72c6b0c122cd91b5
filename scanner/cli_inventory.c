/* `riskmap inventory`: the patch check over package inventories alone, no scan — what the
 * files collected on hosts say is installed and vulnerable, judged against the advisory feed
 * ($RISKMAP_DATA_DIR/feed.db, as for the scan). Each HOST must be an address: without a scan
 * there is no host name to match. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "checks/inventory.h"
#include "scanner/addr.h"
#include "scanner/checkrun.h"
#include "scanner/cli.h"
#include "scanner/cli_findings.h"
#include "scanner/help.h"

enum { I_JSON = 256, I_FAIL_ON };

static void print_text(const struct scan_result *r, const struct inventory_set *set)
{
    printf("riskmap inventory: %zu inventor%s\n", set->n, set->n == 1 ? "y" : "ies");
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct finding *f = r->findings[i];
        char a[RM_ADDRSTRLEN];
        const char *conf = finding_fact(f, "confidence");
        printf("  %-15s %-8s %-20s %s%s%s%s\n", addr_str(&f->addr, a, sizeof a),
               severity_name(f->severity), f->kind, f->title, conf ? " [" : "", conf ? conf : "",
               conf ? "]" : "");
    }
}

int cmd_inventory(int argc, char **argv, struct rm_err *e)
{
    static const struct option longs[] = {
        {"json", no_argument, NULL, I_JSON},
        {"fail-on", required_argument, NULL, I_FAIL_ON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct inventory_set set = {0};
    struct scan_result *r = NULL;
    bool json = false;
    int fail_on = -1, rc = EXIT_USAGE, ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        switch (ch) {
        case I_JSON:
            json = true;
            break;
        case I_FAIL_ON: {
            enum severity s;
            if (severity_parse(optarg, &s) < 0) {
                rm_errf(e, "option --fail-on: \"%s\" is not a severity", optarg);
                goto out;
            }
            fail_on = (int)s;
            break;
        }
        case 'h':
            help_print(stdout, "inventory");
            rc = EXIT_DONE;
            goto out;
        case ':':
            rm_errf(e, "option %s needs an argument", argv[optind - 1]);
            goto out;
        default:
            rm_errf(e, "unknown option \"%s\" (see riskmap help inventory)", argv[optind - 1]);
            goto out;
        }
    }
    if (optind >= argc) {
        rm_errf(e, "inventory: no HOST=FILE given (see riskmap help inventory)");
        goto out;
    }
    if (!(r = scan_result_new())) {
        rm_errf(e, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        struct inv_spec s;
        struct rm_addr a;
        if (inv_spec_parse(argv[i], &s, e) < 0)
            goto out;
        int lr = addr_parse(s.host, &a) < 0
                     ? rm_errf(e, "inventory \"%s\": without a scan HOST must be an address",
                               argv[i])
                     : inventory_set_load(&set, &s, e);
        inv_spec_free(&s);
        if (lr < 0)
            goto out;
        if (!scan_find_host(r, &a) && !scan_add_host(r, &a)) {
            rm_errf(e, "out of memory");
            rc = EXIT_RUNTIME;
            goto out;
        }
    }
    struct checkrun_opts co = {.only = "patch", .inventories = &set};
    if (checkrun(r, &co, e) < 0) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (json ? print_findings_json(r, NULL, NULL) < 0 : (print_text(r, &set), 0)) {
        rm_errf(e, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    rc = EXIT_DONE;
    for (size_t i = 0; fail_on >= 0 && i < r->n_findings; i++)
        if ((int)r->findings[i]->severity >= fail_on)
            rc = EXIT_FINDINGS;
out:
    scan_result_free(r);
    inventory_set_free(&set);
    return rc;
}
