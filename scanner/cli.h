/* The commands behind scanner/main.c. Each returns an exit status (see EXIT_* below) and, for
 * a failure, fills e; main.c prints the message. Progress and summaries are the commands'
 * own output on stderr/stdout. */
#ifndef RISKMAP_CLI_H
#define RISKMAP_CLI_H

#include "scanner/err.h"

enum {
    EXIT_DONE = 0,
    EXIT_FINDINGS = 1,
    EXIT_USAGE = 2,
    EXIT_RUNTIME = 3,
    EXIT_LOCKED = 4, /* another run holds the client's data directory (scanner/datadir.h) */
};

int cmd_scan(int argc, char **argv, struct rm_err *e);
int cmd_checks(int argc, char **argv, struct rm_err *e);
int cmd_policy(int argc, char **argv, struct rm_err *e);
/* `riskmap evaluate` (policy eval) and `riskmap export xccdf|arf` (policy eval --xccdf/--arf). */
int cmd_evaluate(int argc, char **argv, struct rm_err *e);
int cmd_export_scap(int argc, char **argv, struct rm_err *e);
int cmd_backup(int argc, char **argv, struct rm_err *e);
/* `riskmap inventory HOST=FILE...`: the patch check over package inventories, no scan. */
int cmd_inventory(int argc, char **argv, struct rm_err *e);
int cmd_evidence(int argc, char **argv, struct rm_err *e);
/* `riskmap keygen`: makes (or shows) the evidence signing key, as `evidence key`. */
int cmd_keygen(int argc, char **argv, struct rm_err *e);
int cmd_feed(int argc, char **argv, struct rm_err *e);
int cmd_tls(int argc, char **argv, struct rm_err *e);
int cmd_register(int argc, char **argv, struct rm_err *e);
int cmd_diff(int argc, char **argv, struct rm_err *e);
int cmd_roadmap(int argc, char **argv, struct rm_err *e);
int cmd_report(int argc, char **argv, struct rm_err *e);

#endif
