/* riskmap's entry point: the only place that prints errors and decides the exit status. */
#include <malloc.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "scanner/cli.h"
#include "scanner/help.h"

int main(int argc, char **argv)
{
    struct rm_err e = {{0}};
    /* A closed pipe (riskmap scan --ndjson - | head) is a write error to report, not a
     * reason to die before the scan result is written. */
    signal(SIGPIPE, SIG_IGN);
    /* Blocks of a megabyte and more (hit lists, output buffers, the risk array) get pages of
     * their own, so growing them is a remap, not a copy into fresh pages. Left to itself
     * glibc raises this threshold each time such a block is freed (the scan reader frees
     * many), after which every doubling copied: a tenth of `riskmap evaluate`'s time on
     * 100,000 findings (bench/policy.sh). */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    /* riskmap never asks SQLite how much memory it uses, and keeping that count takes a
     * global mutex on every SQLite allocation: 6% of the instructions of a feed import
     * (bench/feed.sh). Only possible before SQLite's first use. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (argc < 2) {
        help_print(stderr, NULL);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    int rc;
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("riskmap %s\n", RISKMAP_VERSION);
        return EXIT_DONE;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        help_print(stdout, NULL);
        return EXIT_DONE;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc > 3) {
            fprintf(stderr, "riskmap: help takes at most one command\n");
            return EXIT_USAGE;
        }
        if (help_print(stdout, argc == 3 ? argv[2] : NULL) < 0) {
            fprintf(stderr, "riskmap: no command \"%s\" (commands: scan, tls, checks, feed, policy, roadmap, report, backup, inventory, evidence, help)\n", argv[2]);
            return EXIT_USAGE;
        }
        return EXIT_DONE;
    }
    if (strcmp(cmd, "scan") == 0)
        rc = cmd_scan(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "checks") == 0)
        rc = cmd_checks(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "policy") == 0)
        rc = cmd_policy(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "evaluate") == 0)
        rc = cmd_evaluate(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "export") == 0)
        rc = cmd_export_scap(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "backup") == 0)
        rc = cmd_backup(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "inventory") == 0)
        rc = cmd_inventory(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "evidence") == 0)
        rc = cmd_evidence(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "keygen") == 0)
        rc = cmd_keygen(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "feed") == 0)
        rc = cmd_feed(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "tls") == 0)
        rc = cmd_tls(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "register") == 0)
        rc = cmd_register(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "diff") == 0)
        rc = cmd_diff(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "roadmap") == 0)
        rc = cmd_roadmap(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "report") == 0)
        rc = cmd_report(argc - 1, argv + 1, &e);
    else {
        fprintf(stderr, "riskmap: unknown command \"%s\" (see riskmap --help)\n", cmd);
        return EXIT_USAGE;
    }
    if (e.msg[0] && rc != EXIT_DONE && rc != EXIT_FINDINGS)
        fprintf(stderr, "riskmap: %s\n", e.msg);
    return rc;
}
