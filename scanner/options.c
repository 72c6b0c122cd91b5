#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/finding.h"

enum {
    OPT_TOP_PORTS = 256,
    OPT_TARGET_FILE,
    OPT_EXCLUDE,
    OPT_EXCLUDEFILE,
    OPT_ALLOW_LARGE,
    OPT_NDJSON,
    OPT_RATE,
    OPT_MAX_CONC,
    OPT_RETRIES,
    OPT_TIMEOUT,
    OPT_MIN_TIMEOUT,
    OPT_MAX_TIMEOUT,
    OPT_THREADS,
    OPT_SEED,
    OPT_CHECKS,
    OPT_FAIL_ON,
    OPT_OPERATOR,
    OPT_DRY_RUN,
    OPT_NO_SVC_DETECT,
    OPT_SVC_TIMEOUT,
    OPT_NO_UDP,
    OPT_SYN,
    OPT_CONNECT,
    OPT_INTRUSIVE,
    OPT_ALLOWED_PORTS,
    OPT_USER,
    OPT_DEBUG_PRIVS,
    OPT_NO_DISCOVERY,
    OPT_ALIVE_PORTS,
    OPT_BACKUP,
    OPT_INVENTORY,
    OPT_DATA_DIR,
    OPT_KEEP,
    OPT_CRON,
    OPT_LOG,
    OPT_TLS_DEPTH,
    OPT_CLIENT,
    OPT_POLICY,
    OPT_NO_EVALUATE,
};

#define STR_(x) #x
#define STR(x) STR_(x)

const struct optdef scan_optdefs[] = {
    {'p', "ports", NULL, "SPEC", NULL,
     "TCP ports to scan: single ports and ranges separated by commas (22,80,443,8000-8100); "
     "-p- scans all 65535. Overrides --top-ports."},
    {OPT_TOP_PORTS, "top-ports", NULL, "N", "1000",
     "Scan the N ports most often found open (the frequency-ordered list shipped with riskmap)."},
    {OPT_TARGET_FILE, "target-file", "-iL", "FILE", NULL,
     "Read target specifications from FILE (whitespace separated, # starts a comment; - is "
     "standard input). A file with no target at all is refused. Repeatable."},
    {OPT_EXCLUDE, "exclude", NULL, "LIST", NULL,
     "Never scan these targets: a comma-separated list in target syntax. Repeatable."},
    {OPT_EXCLUDEFILE, "excludefile", NULL, "FILE", NULL,
     "Never scan the targets listed in FILE (same syntax). A file with no exclusion at all "
     "is refused: it is more likely the wrong file than an empty list. Repeatable."},
    {OPT_ALLOW_LARGE, "allow-large", NULL, NULL, NULL,
     "Allow a scope of more than 65,536 addresses (refused by default as a likely typo)."},
    {'o', "output", NULL, "DIR", NULL,
     "Write the scan result document to DIR/scan.json (DIR is created, mode 0700; the file is "
     "written to a temporary name and renamed)."},
    {OPT_CLIENT, "client", NULL, "PROFILE", NULL,
     "Scan a client as its profile (XML, riskmap help policy) describes it: the scope and "
     "exclusions of every site, the backup sources, the policies that apply with their "
     "tailoring, the CA bundle its TLS services chain to, and the data directory "
     "(/var/lib/riskmap/CLIENT-ID, or $RISKMAP_DATA_ROOT/CLIENT-ID, unless --data-dir or -o "
     "says otherwise). The command line "
     "overrides: targets given replace the profile's scope (its exclusions still apply), "
     "--policy replaces its policies, --backup adds sources."},
    {OPT_POLICY, "policy", NULL, "ID|FILE", "the profile's, else baseline",
     "Evaluate the findings against this policy once the checks ran (a shipped id such as "
     "hipaa, or a policy file); the policy results go into the scan result document. "
     "Repeatable."},
    {OPT_NO_EVALUATE, "no-evaluate", NULL, NULL, NULL,
     "Do not evaluate the findings against any policy (riskmap policy eval can do it later, "
     "offline)."},
    {OPT_DATA_DIR, "data-dir", NULL, "DIR", NULL,
     "The client's data directory (0700): each scan goes to DIR/scans/STAMP-ID/scan.json "
     "(unless -o names another place), DIR/latest points at the newest committed scan, "
     "DIR/lock keeps a second run for the same client from starting (it exits with status "
     "4), and --cron logs to DIR/logs/riskmap.log. The summary counts findings new since "
     "the previous scan."},
    {OPT_KEEP, "keep", NULL, "N", "all",
     "With --data-dir: keep the N newest scans and remove older ones, once the new scan is "
     "committed (the one DIR/latest names is never removed)."},
    {OPT_CRON, "cron", NULL, NULL, NULL,
     "Unattended mode: no progress line and no per-host listing; a log with times and levels "
     "(--log, default DIR/logs/riskmap.log with --data-dir, else syslog) and one summary line "
     "on standard output at the end (hosts, open ports, findings by severity, new since the "
     "last scan, duration)."},
    {OPT_LOG, "log", NULL, "FILE|syslog|-", NULL,
     "Where the log goes: a file (appended), syslog (facility daemon), or - for standard "
     "error. With a destination every message is logged, as with -v."},
    {OPT_NDJSON, "ndjson", NULL, "FILE|-", NULL,
     "Also stream one JSON object per line as things happen (scan_start, host_up, port_open, "
     "finding, scan_end), appended to FILE or written to standard output."},
    {OPT_NO_DISCOVERY, "no-discovery", "-Pn", NULL, NULL,
     "Skip host discovery: port-scan every address in scope, as if all were alive. Without it "
     "only hosts that answer discovery are port-scanned: as root ICMP echo and timestamp, TCP "
     "SYN to 443 and ACK to 80, SYNs to --alive-ports, ARP on a directly attached Ethernet "
     "segment; without root TCP connect pings to 80, 443 and --alive-ports."},
    {OPT_ALIVE_PORTS, "alive-ports", NULL, "LIST", NULL,
     "More TCP ports to probe during host discovery (in -p syntax, at most 64 ports), for "
     "hosts that drop ICMP and ignore 80 and 443. Any answer, even a reset, means alive."},
    {OPT_SYN, "syn", "-sS", NULL, "as root",
     "SYN scan (IPv4), the default when run as root: half-open probes from a raw socket, "
     "answers read with libpcap and recognised from a per-scan cookie; needs root or "
     "CAP_NET_RAW, and every target must route through one interface. Ignores --threads and "
     "--max-concurrency."},
    {OPT_USER, "user", NULL, "NAME", "nobody",
     "Account riskmap becomes as soon as the raw sockets and captures of host discovery and "
     "the SYN scan are open, when run as root, whatever the scan type (supplementary groups "
     "cleared, no capability kept). Without root it has no effect."},
    {OPT_DEBUG_PRIVS, "debug-privs", NULL, NULL, NULL,
     "Diagnostic: after dropping root, put a privileges event (the Uid, Gid, Groups and CapEff "
     "lines of /proc/self/status) in the --ndjson stream."},
    {OPT_CONNECT, "connect", "-sT", NULL, NULL,
     "Connect scan, the default without root: full TCP connects on event loops; needs no "
     "privileges. As root it forces the connect scan instead of -sS."},
    {OPT_RATE, "rate", NULL, "N", STR(2000),
     "Connection attempts per second, over all workers (token bucket); 0 means unlimited."},
    {OPT_MAX_CONC, "max-concurrency", NULL, "N", STR(512),
     "Connection attempts in flight at once, over all workers."},
    {OPT_RETRIES, "retries", NULL, "N", STR(1),
     "Attempts repeated after a timeout before a port is called filtered; each retry waits "
     "twice as long as the attempt before it."},
    {OPT_TIMEOUT, "timeout", NULL, "MS", STR(1000),
     "Timeout of an attempt before any round trip has been measured."},
    {OPT_MIN_TIMEOUT, "min-timeout", NULL, "MS", STR(20),
     "Lower bound of the adaptive timeout (srtt + 4 x rttvar, per host once it has answered; "
     "a host that has not answered yet gets at least 100 ms)."},
    {OPT_MAX_TIMEOUT, "max-timeout", NULL, "MS", STR(1500),
     "Upper bound of the adaptive timeout."},
    {OPT_THREADS, "threads", NULL, "N", "CPUs, at most 4",
     "Worker threads, each with its own event loop and share of the scan."},
    {OPT_SEED, "seed", NULL, "N", "random",
     "Seed of the scanning order (a pseudo-random permutation of host and port), for a "
     "reproducible order."},
    {OPT_NO_SVC_DETECT, "no-service-detection", NULL, NULL, NULL,
     "Skip service detection: open ports keep the name the port table guesses."},
    {OPT_NO_UDP, "no-udp", NULL, NULL, NULL,
     "Skip the UDP stage: by default every host that is up is also asked over UDP for DNS "
     "(53, version.bind), NTP (123) and SNMP (161, community public, v2c and v1), and the "
     "services that answer are recorded with protocol udp. Also skipped with "
     "--no-service-detection."},
    {OPT_SVC_TIMEOUT, "service-timeout", NULL, "MS", STR(3000),
     "Time allowed to one service-detection conversation (connect, TLS, probe, answer)."},
    {OPT_CHECKS, "checks", NULL, "LIST", "all",
     "Run only these check modules (comma-separated ids; see riskmap checks)."},
    {OPT_ALLOWED_PORTS, "allowed-ports", NULL, "LIST", NULL,
     "Ports this network is meant to expose, in -p syntax (22,443,8000-8100): every other open "
     "port becomes an svc.port.unexpected finding. Without it, no such findings."},
    {OPT_BACKUP, "backup", NULL, "TYPE:LOCATION[,KEY=VALUE...]", NULL,
     "A backup source for the backup check (restic, borg, directory, json, csv or marker; "
     "keys rpo=24h, name=, asset=, password-file=, pattern=, retention=N, offsite=yes...; see "
     "riskmap help backup). Repeatable."},
    {OPT_INVENTORY, "inventory", NULL, "HOST=FILE[,KEY=VALUE...]", NULL,
     "A package inventory collected on HOST (an address or the host name the scan records): "
     "dpkg-query -W output, /var/lib/dpkg/status, rpm -qa output or a Get-HotFix CSV export, "
     "recognised from its content (format= to say; os=Debian:12 for the ecosystem when the "
     "versions carry no +debNN marker, os=AlmaLinux:9 and the like for rpm; build= for a "
     "Windows build). The patch check then reports what is installed with confidence "
     "confirmed and drops banner matches the installed packages fix. Read before root is "
     "dropped. Repeatable."},
    {OPT_INTRUSIVE, "intrusive", NULL, NULL, NULL,
     "Also run checks that change state on the target, such as log-in attempts (anonymous "
     "FTP). Off by default: without it, checks only read what services say."},
    {OPT_FAIL_ON, "fail-on", NULL, "SEVERITY", NULL,
     "Exit with status 1 when any finding is at or above SEVERITY (info, low, medium, high, "
     "critical)."},
    {OPT_OPERATOR, "operator", NULL, "NAME", "login name",
     "Who ran the scan, recorded in the scan result."},
    {OPT_DRY_RUN, "dry-run", NULL, NULL, NULL,
     "Print the addresses in scope and the scan's size, rate and ports, and send nothing."},
    {OPT_TLS_DEPTH, "tls", NULL, "quick|full", "full",
     "Depth of the tls check: quick asks each protocol version for one suite and reads the "
     "certificate and HSTS (a handful of handshakes per endpoint, for nightly scans); full "
     "also enumerates every suite, the server's order, curves and groups, TLS_FALLBACK_SCSV, "
     "compression and Heartbleed (audits)."},
    {'q', "quiet", NULL, NULL, NULL, "No progress or messages on standard error, only errors."},
    {'v', "verbose", NULL, NULL, NULL, "Log decisions (defaults in force, adaptive timeouts). Repeatable."},
    {'h', "help", NULL, NULL, NULL, "Show this help."},
};
const size_t scan_n_optdefs = sizeof scan_optdefs / sizeof scan_optdefs[0];

int scan_opts_push(const char ***v, size_t *n, const char *s)
{
    const char **g = realloc(*v, (*n + 1) * sizeof **v);
    if (!g)
        return -1;
    g[(*n)++] = s;
    *v = g;
    return 0;
}

static const char *opt_name(int id)
{
    for (size_t i = 0; i < scan_n_optdefs; i++)
        if (scan_optdefs[i].id == id)
            return scan_optdefs[i].name;
    return "?";
}

static int num(int id, const char *s, double lo, double hi, double *out, struct rm_err *e)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v))
        return rm_errf(e, "option --%s: \"%s\" is not a number", opt_name(id), s);
    if (v < lo || v > hi)
        return rm_errf(e, "option --%s: %s is out of range (%g to %g)", opt_name(id), s, lo, hi);
    *out = v;
    return 0;
}

static int uint_opt(int id, const char *s, double lo, double hi, unsigned *out, struct rm_err *e)
{
    double v;
    if (num(id, s, lo, hi, &v, e) < 0)
        return -1;
    if (v != floor(v))
        return rm_errf(e, "option --%s: \"%s\" is not a whole number", opt_name(id), s);
    *out = (unsigned)v;
    return 0;
}

void scan_opts_free(struct scan_opts *o)
{
    free(o->targets);
    free(o->target_files);
    free(o->excludes);
    free(o->exclude_files);
    free(o->backups);
    free(o->inventories);
    free(o->policies);
    memset(o, 0, sizeof *o);
}

int scan_opts_parse(int argc, char **argv, struct scan_opts *o, struct rm_err *e)
{
    memset(o, 0, sizeof *o);
    o->top_ports = 1000;
    o->rate = DEF_RATE;
    o->rate_is_default = true;
    o->max_concurrency = DEF_CONCURRENCY;
    o->retries = DEF_RETRIES;
    o->timeout_ms = DEF_TIMEOUT_MS;
    o->min_timeout_ms = DEF_MIN_TIMEOUT_MS;
    o->max_timeout_ms = DEF_MAX_TIMEOUT_MS;
    o->fail_on = -1;
    o->service_timeout_ms = DEF_SERVICE_TIMEOUT_MS;
    o->user = "nobody";

    struct option longs[sizeof scan_optdefs / sizeof scan_optdefs[0] + 1];
    char shorts[64];
    size_t ns = 0;
    shorts[ns++] = ':'; /* missing arguments reported as ':' */
    for (size_t i = 0; i < scan_n_optdefs; i++) {
        const struct optdef *d = &scan_optdefs[i];
        longs[i] = (struct option){d->name, d->arg ? required_argument : no_argument, NULL, d->id};
        if (d->id < 256) {
            shorts[ns++] = (char)d->id;
            if (d->arg)
                shorts[ns++] = ':';
        }
    }
    longs[scan_n_optdefs] = (struct option){0, 0, 0, 0};
    shorts[ns] = '\0';

    /* nmap spells some options as a dash and two letters; getopt cannot, so translate them. */
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args)
        return rm_errf(e, "out of memory");
    for (int i = 0; i < argc; i++) {
        args[i] = argv[i];
        for (size_t k = 0; k < scan_n_optdefs; k++) {
            const struct optdef *d = &scan_optdefs[k];
            if (d->alias && strcmp(argv[i], d->alias) == 0) {
                static char buf[sizeof scan_optdefs / sizeof scan_optdefs[0]][40];
                snprintf(buf[k], sizeof buf[k], "--%s", d->name);
                args[i] = buf[k];
            }
        }
    }

    int rc = 0;
    optind = 1;
    opterr = 0;
    for (;;) {
        int longidx = -1;
        int c = getopt_long(argc, args, shorts, longs, &longidx);
        if (c == -1)
            break;
        switch (c) {
        case 'p':
            o->ports = optarg;
            break;
        case OPT_TOP_PORTS: {
            unsigned n;
            if ((rc = uint_opt(c, optarg, 1, 65535, &n, e)) < 0)
                goto out;
            o->top_ports = n;
            break;
        }
        case OPT_TARGET_FILE:
            if ((rc = scan_opts_push(&o->target_files, &o->n_target_files, optarg)) < 0)
                goto nomem;
            break;
        case OPT_EXCLUDE:
            if ((rc = scan_opts_push(&o->excludes, &o->n_excludes, optarg)) < 0)
                goto nomem;
            break;
        case OPT_EXCLUDEFILE:
            if ((rc = scan_opts_push(&o->exclude_files, &o->n_exclude_files, optarg)) < 0)
                goto nomem;
            break;
        case OPT_ALLOW_LARGE:
            o->allow_large = true;
            break;
        case 'o':
            o->output_dir = optarg;
            break;
        case OPT_NDJSON:
            o->ndjson = optarg;
            break;
        case OPT_RATE:
            if ((rc = num(c, optarg, 0, 1e7, &o->rate, e)) < 0)
                goto out;
            if (o->rate > 0 && o->rate < 0.1) {
                rc = rm_errf(e, "option --rate: %s is below 0.1 per second (0 means unlimited)", optarg);
                goto out;
            }
            o->rate_is_default = false;
            break;
        case OPT_MAX_CONC:
            if ((rc = uint_opt(c, optarg, 1, 60000, &o->max_concurrency, e)) < 0)
                goto out;
            break;
        case OPT_RETRIES:
            if ((rc = uint_opt(c, optarg, 0, 10, &o->retries, e)) < 0)
                goto out;
            break;
        case OPT_TIMEOUT:
            if ((rc = num(c, optarg, 1, 60000, &o->timeout_ms, e)) < 0)
                goto out;
            break;
        case OPT_MIN_TIMEOUT:
            if ((rc = num(c, optarg, 0.1, 60000, &o->min_timeout_ms, e)) < 0)
                goto out;
            break;
        case OPT_MAX_TIMEOUT:
            if ((rc = num(c, optarg, 1, 60000, &o->max_timeout_ms, e)) < 0)
                goto out;
            break;
        case OPT_THREADS:
            if ((rc = uint_opt(c, optarg, 1, 64, &o->threads, e)) < 0)
                goto out;
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 0);
            if (end == optarg || *end || errno || optarg[0] == '-') {
                rc = rm_errf(e, "option --seed: \"%s\" is not a 64-bit number", optarg);
                goto out;
            }
            o->seed = v;
            o->seed_set = true;
            break;
        }
        case OPT_CHECKS:
            o->checks = optarg;
            break;
        case OPT_BACKUP:
            if ((rc = scan_opts_push(&o->backups, &o->n_backups, optarg)) < 0)
                goto nomem;
            break;
        case OPT_INVENTORY:
            if ((rc = scan_opts_push(&o->inventories, &o->n_inventories, optarg)) < 0)
                goto nomem;
            break;
        case OPT_ALLOWED_PORTS:
            o->allowed_ports = optarg;
            break;
        case OPT_INTRUSIVE:
            o->intrusive = true;
            break;
        case OPT_USER:
            if (!*optarg) {
                rc = rm_errf(e, "option --user: empty account name");
                goto out;
            }
            o->user = optarg;
            break;
        case OPT_DEBUG_PRIVS:
            o->debug_privs = true;
            break;
        case OPT_TLS_DEPTH:
            if (strcmp(optarg, "quick") != 0 && strcmp(optarg, "full") != 0) {
                rc = rm_errf(e, "option --tls: \"%s\" is not quick or full", optarg);
                goto out;
            }
            o->tls_quick = strcmp(optarg, "quick") == 0;
            break;
        case OPT_FAIL_ON: {
            enum severity s;
            if (severity_parse(optarg, &s) < 0) {
                rc = rm_errf(e, "option --fail-on: \"%s\" is not a severity (info, low, medium, "
                                "high, critical)", optarg);
                goto out;
            }
            o->fail_on = (int)s;
            break;
        }
        case OPT_OPERATOR:
            o->operator_name = optarg;
            break;
        case OPT_SYN:
        case OPT_CONNECT: {
            int t = c == OPT_SYN ? SCAN_TYPE_SYN : SCAN_TYPE_CONNECT;
            if (o->scan_type != SCAN_TYPE_DEFAULT && o->scan_type != t) {
                rc = rm_errf(e, "options --syn (-sS) and --connect (-sT) exclude each other");
                goto out;
            }
            o->scan_type = t;
            break;
        }
        case OPT_DRY_RUN:
            o->dry_run = true;
            break;
        case OPT_NO_DISCOVERY:
            o->no_discovery = true;
            break;
        case OPT_DATA_DIR:
            o->data_dir = optarg;
            break;
        case OPT_CLIENT:
            o->client = optarg;
            break;
        case OPT_POLICY:
            if ((rc = scan_opts_push(&o->policies, &o->n_policies, optarg)) < 0)
                goto nomem;
            break;
        case OPT_NO_EVALUATE:
            o->no_evaluate = true;
            break;
        case OPT_KEEP:
            if ((rc = uint_opt(c, optarg, 1, 100000, &o->keep, e)) < 0)
                goto out;
            break;
        case OPT_CRON:
            o->cron = true;
            break;
        case OPT_LOG:
            o->log = optarg;
            break;
        case OPT_ALIVE_PORTS:
            o->alive_ports = optarg;
            break;
        case OPT_NO_SVC_DETECT:
            o->no_service_detection = true;
            break;
        case OPT_NO_UDP:
            o->no_udp = true;
            break;
        case OPT_SVC_TIMEOUT:
            if ((rc = num(c, optarg, 1, 60000, &o->service_timeout_ms, e)) < 0)
                goto out;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'v':
            o->verbose++;
            break;
        case 'h':
            o->help = true;
            break;
        case ':':
            rc = rm_errf(e, "option %s needs an argument", args[optind - 1]);
            goto out;
        default:
            rc = rm_errf(e, "unknown option \"%s\" (see riskmap help scan)", args[optind - 1]);
            goto out;
        }
    }
    for (int i = optind; i < argc; i++)
        if (scan_opts_push(&o->targets, &o->n_targets, args[i]) < 0)
            goto nomem;
    if (o->min_timeout_ms > o->max_timeout_ms) {
        rc = rm_errf(e, "option --min-timeout: %g ms is above --max-timeout %g ms",
                     o->min_timeout_ms, o->max_timeout_ms);
        goto out;
    }
    goto out;
nomem:
    rc = rm_errf(e, "out of memory");
out:
    free(args);
    if (rc < 0)
        scan_opts_free(o);
    return rc;
}
