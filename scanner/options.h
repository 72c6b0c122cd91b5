/* Command-line options of `riskmap scan`: one table (name, short form, argument, default,
 * help) from which getopt_long's table, --help and the man-page test are all derived. */
#ifndef RISKMAP_OPTIONS_H
#define RISKMAP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/err.h"

/* Defaults, each with its reason. */
#define DEF_RATE 2000.0        /* connects/s: gentle on a small office firewall's state table */
#define DEF_CONCURRENCY 512u   /* in flight: well under any default open-file limit raised by riskmap */
#define DEF_RETRIES 1u         /* one retransmission tells a lost SYN from a filtered port */
#define DEF_TIMEOUT_MS 1000.0  /* before any answer: a slow WAN link still answers within 1 s */
#define DEF_MIN_TIMEOUT_MS 20.0   /* floor of the adaptive timeout: covers scheduler noise */
#define DEF_MAX_TIMEOUT_MS 1500.0 /* ceiling: a port this slow is treated as filtered */
#define DEF_SERVICE_TIMEOUT_MS 3000.0 /* per detection conversation: a loaded small-office box answers in 3 s */
#define DEF_MAX_THREADS 4u     /* connect() is kernel-bound; more threads than cores only contend */

struct optdef {
    int id;            /* getopt value: the short letter, or a code >= 256 */
    const char *name;  /* long name without "--" */
    const char *alias; /* an nmap-style spelling ("-iL"), or NULL */
    const char *arg;   /* argument name, NULL for a flag */
    const char *def;   /* default shown in --help, or NULL */
    const char *help;
};

extern const struct optdef scan_optdefs[];
extern const size_t scan_n_optdefs;

/* Which port-scan engine runs. */
enum scan_type {
    SCAN_TYPE_DEFAULT, /* neither -sS nor -sT: SYN as root, connect otherwise (cli_scan.c) */
    SCAN_TYPE_SYN,     /* -sS, --syn: raw SYN probes (scanner/synscan.h) */
    SCAN_TYPE_CONNECT, /* -sT, --connect: full connects (scanner/portscan.h) */
};

struct scan_opts {
    const char **targets;      /* borrowed from argv */
    size_t n_targets;
    const char **target_files; /* -iL, repeatable */
    size_t n_target_files;
    const char **excludes;     /* --exclude lists, repeatable */
    size_t n_excludes;
    const char **exclude_files;
    size_t n_exclude_files;
    const char *ports;         /* -p, NULL when --top-ports applies */
    unsigned long top_ports;
    bool allow_large;
    const char *output_dir;
    const char *ndjson;
    double rate;
    unsigned max_concurrency;
    unsigned retries;
    unsigned threads;          /* 0 = choose from the CPU count */
    double timeout_ms, min_timeout_ms, max_timeout_ms;
    uint64_t seed;
    bool seed_set;
    const char *checks;
    const char **backups;      /* --backup specs, repeatable (checks/backup.h) */
    size_t n_backups;
    const char **inventories;  /* --inventory HOST=FILE specs, repeatable (checks/inventory.h) */
    size_t n_inventories;
    const char *allowed_ports; /* --allowed-ports, in -p syntax; NULL = no allow-list */
    bool intrusive;            /* --intrusive */
    bool tls_quick;            /* --tls quick: the tls check's monitoring depth */
    const char *user;          /* --user: who the SYN scan becomes after opening raw sockets */
    bool debug_privs;          /* --debug-privs: a privileges event in the NDJSON stream */
    int fail_on;               /* enum severity, or -1 for never */
    const char *operator_name;
    bool dry_run;
    bool no_discovery;         /* -Pn */
    const char *client;        /* --client: the client profile (scanner/scan_client.h) */
    const char **policies;     /* --policy, repeatable */
    size_t n_policies;
    bool no_evaluate;          /* --no-evaluate */
    const char *data_dir;      /* --data-dir: the client's data directory (scanner/datadir.h) */
    unsigned keep;             /* --keep: scans kept in the data directory, 0 = all */
    bool cron;                 /* --cron: unattended */
    const char *log;           /* --log FILE|syslog|-, NULL = default */
    const char *alive_ports;   /* --alive-ports, in -p syntax; NULL = none */
    int scan_type;             /* enum scan_type: --syn / --connect, or default */
    bool no_service_detection;
    bool no_udp;               /* --no-udp: no UDP stage (scanner/udpprobe.h) */
    double service_timeout_ms;
    bool quiet;
    int verbose;
    bool help;
    bool rate_is_default;
};

/* Parses `riskmap scan` arguments (argv[0] is "scan"). Returns 0, or -1 with a message naming
 * the option and the problem. The caller frees the arrays with scan_opts_free(). */
int scan_opts_parse(int argc, char **argv, struct scan_opts *o, struct rm_err *e);
void scan_opts_free(struct scan_opts *o);
/* Appends s (borrowed: it must outlive o) to one of o's string arrays. 0 or -1 (ENOMEM). */
int scan_opts_push(const char ***v, size_t *n, const char *s);

#endif
