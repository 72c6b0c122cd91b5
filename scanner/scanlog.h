/* Where `riskmap scan` tells what it does. Interactive runs write plain "riskmap: ..." lines
 * to standard error (decisions only with -v). Unattended runs (--cron, --log) write every
 * message with a UTC time, the pid and a level, to a file (appended, created 0600), to
 * standard error, or to syslog (facility daemon). */
#ifndef RISKMAP_SCANLOG_H
#define RISKMAP_SCANLOG_H

#include <stdbool.h>
#include <stdio.h>

#include "scanner/err.h"

enum scanlog_level { SCANLOG_ERROR, SCANLOG_WARNING, SCANLOG_INFO, SCANLOG_DEBUG };

struct scanlog {
    enum { SCANLOG_PLAIN, SCANLOG_STAMPED, SCANLOG_SYSLOG } kind;
    FILE *f;     /* PLAIN and STAMPED; NULL with -q in PLAIN */
    bool own;    /* f was opened here */
    int verbose; /* -v count */
};

/* dest: NULL for the interactive default, "-" for stamped lines on standard error, "syslog",
 * or a file. quiet silences PLAIN output (errors are main.c's). 0 or -1 with e set. */
int scanlog_open(struct scanlog *l, const char *dest, bool quiet, int verbose, struct rm_err *e);
/* PLAIN prints info only with -v and debug with -vv; the others log info always and debug
 * with -v. */
void scanlog_write(struct scanlog *l, enum scanlog_level lv, const char *msg);
/* True when PLAIN output goes to a terminal's stderr (the progress line shares it). */
bool scanlog_plain(const struct scanlog *l);
void scanlog_close(struct scanlog *l);

#endif
