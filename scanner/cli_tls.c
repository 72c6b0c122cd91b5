/* `riskmap tls HOST[:PORT]...`: the tls check alone against named endpoints, like sslscan: a
 * human summary per endpoint on standard output, or the scan result document with --json. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "checks/tls.h"
#include "checks/tls_cert.h"
#include "scanner/cli.h"
#include "scanner/cli_tls.h"
#include "scanner/help.h"
#include "scanner/result.h"
#include "scanner/scan_client.h"

static atomic_int tls_cancelled;

static void on_signal(int sig)
{
    (void)sig;
    tls_cancelled = 1;
}

enum {
    OPT_JSON = 256,
    OPT_DEPTH,
    OPT_CONNS,
    OPT_CA,
    OPT_EXPIRY,
    OPT_CONNECT_TIMEOUT,
    OPT_READ_TIMEOUT,
    OPT_PARALLEL,
    OPT_FAIL_ON,
    OPT_RESOLVE,
    OPT_STARTTLS,
    OPT_CLIENT,
};

const struct optdef tls_optdefs[] = {
    {OPT_JSON, "json", NULL, NULL, NULL,
     "Print the scan result document (JSON: findings, facts, evidence) instead of the summary."},
    {OPT_DEPTH, "tls", NULL, "quick|full", "full",
     "Depth: quick asks each protocol version for one suite and reads the certificate (a "
     "handful of handshakes, for nightly monitoring); full enumerates every suite, the "
     "server's order, curves and groups, TLS_FALLBACK_SCSV and compression (for audits)."},
    {OPT_CONNS, "tls-conns-per-host", NULL, "N", "4",
     "Connections open at once to one endpoint (1 to 64)."},
    {OPT_PARALLEL, "tls-parallel-hosts", NULL, "N", "16",
     "Endpoints probed at once."},
    {OPT_CA, "tls-ca-file", NULL, "FILE", "system CA store",
     "Trust the CA certificates in this PEM file as well as the system store (a client's internal CA)."},
    {OPT_CLIENT, "client", NULL, "PROFILE", NULL,
     "Judge as a scan of this client would: trust the profile's CA bundle (with --tls-ca-file, "
     "both) and report certificates expiring within its cert-days thresholds (--tls-expiry-days "
     "still wins)."},
    {OPT_EXPIRY, "tls-expiry-days", NULL, "N", "30",
     "A certificate ending within N days is reported as expiring."},
    {OPT_CONNECT_TIMEOUT, "connect-timeout", NULL, "MS", "3000", "Deadline of each TCP connect."},
    {OPT_READ_TIMEOUT, "read-timeout", NULL, "MS", "5000",
     "Deadline of each handshake answer, from the hello sent to the answer complete."},
    {OPT_STARTTLS, "starttls", NULL, "PROTO", "by port",
     "Start TLS inside a plain-text protocol first: smtp, imap, pop3, ftp, ldap, postgres, or "
     "none. By default ports 25 and 587 speak smtp, 143 imap, 110 pop3, 21 ftp, 389 ldap and "
     "5432 postgres; every other port TLS from the first byte."},
    {OPT_RESOLVE, "resolve", NULL, "NAME:ADDRESS", NULL,
     "Reach NAME at ADDRESS without asking DNS (a virtual host on a given server, a lab). "
     "The name is still sent as SNI and checked against the certificate. Repeatable."},
    {OPT_FAIL_ON, "fail-on", NULL, "SEVERITY", NULL,
     "Exit with status 1 when any finding is at or above SEVERITY."},
    {'q', "quiet", NULL, NULL, NULL, "Print nothing but errors (the exit status tells)."},
    {'h', "help", NULL, NULL, NULL, "Show this help."},
};
const size_t tls_n_optdefs = sizeof tls_optdefs / sizeof tls_optdefs[0];

static int number(const char *opt, const char *s, long lo, long hi, long *out, struct rm_err *e)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return rm_errf(e, "tls: --%s \"%s\": expected a whole number from %ld to %ld", opt, s, lo, hi);
    *out = v;
    return 0;
}

#define MAX_RESOLVE 32

struct resolve {
    const char *name; /* borrowed from argv */
    struct rm_addr addr;
};

/* --resolve NAME:ADDRESS (ADDRESS may be IPv6: the name ends at the first colon). */
static int parse_resolve(const char *s, struct resolve *r, struct rm_err *e)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s || colon - s >= 256 || addr_parse(colon + 1, &r->addr) < 0)
        return rm_errf(e, "tls: --resolve \"%s\": expected NAME:ADDRESS", s);
    r->name = s;
    return 0;
}

/* HOST[:PORT], [V6]:PORT or a bare IPv6 address; the port defaults to 443. The host may be a
 * name: taken from --resolve, or resolved once here. */
static int parse_target(const char *spec, const struct resolve *res, size_t n_res,
                        struct rm_addr *addr, uint16_t *port, char **name, struct rm_err *e)
{
    char host[256];
    const char *ps = NULL;
    *port = 443;
    *name = NULL;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || (size_t)(close - spec - 1) >= sizeof host)
            return rm_errf(e, "tls: target \"%s\": unbalanced [", spec);
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        if (close[1] == ':')
            ps = close + 2;
        else if (close[1])
            return rm_errf(e, "tls: target \"%s\": junk after ]", spec);
    } else {
        const char *colon = strchr(spec, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL; /* a bare IPv6 address */
        size_t hl = colon ? (size_t)(colon - spec) : strlen(spec);
        if (hl == 0 || hl >= sizeof host)
            return rm_errf(e, "tls: target \"%s\": empty or overlong host", spec);
        memcpy(host, spec, hl);
        host[hl] = '\0';
        if (colon)
            ps = colon + 1;
    }
    if (ps) {
        long p;
        if (number("port", ps, 1, 65535, &p, e) < 0)
            return rm_errf(e, "tls: target \"%s\": port must be 1 to 65535", spec);
        *port = (uint16_t)p;
    }
    if (addr_parse(host, addr) == 0)
        return 0;
    for (size_t i = 0; i < n_res; i++) {
        size_t nl = (size_t)(strchr(res[i].name, ':') - res[i].name);
        if (strlen(host) == nl && strncasecmp(host, res[i].name, nl) == 0) {
            *addr = res[i].addr;
            if (!(*name = strdup(host)))
                return rm_errf(e, "tls: out of memory");
            return 0;
        }
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &ai);
    if (rc != 0 || !ai)
        return rm_errf(e, "tls: target \"%s\": cannot resolve %s: %s", spec, host, gai_strerror(rc));
    char num[RM_ADDRSTRLEN];
    int ok = getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof num, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(ai);
    if (ok != 0 || addr_parse(num, addr) < 0)
        return rm_errf(e, "tls: target \"%s\": cannot resolve %s", spec, host);
    if (!(*name = strdup(host)))
        return rm_errf(e, "tls: out of memory");
    return 0;
}

static char *utc_now(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return strdup(buf);
}

static int fill_meta(struct scan_result *r, int argc, char **argv)
{
    struct scan_meta *m = &r->meta;
    unsigned char b[16];
    char hex[33];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        memset(b, 0, sizeof b);
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    m->id = strdup(hex);
    m->riskmap_version = strdup(RISKMAP_VERSION);
    m->started_utc = utc_now();
    const char *user = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
    m->operator_name = strdup(user ? user : "unknown");
    m->command_line = calloc((size_t)argc + 1, sizeof *m->command_line);
    if (!m->id || !m->riskmap_version || !m->started_utc || !m->operator_name || !m->command_line)
        return -1;
    m->command_line[0] = strdup("riskmap");
    if (!m->command_line[0])
        return -1;
    m->n_command_line = 1;
    for (int i = 0; i < argc; i++) {
        if (!(m->command_line[i + 1] = strdup(argv[i])))
            return -1;
        m->n_command_line++;
    }
    return 0;
}

static int add_target(struct scan_result *r, const char *spec, const struct resolve *res,
                      size_t n_res, int starttls, struct rm_err *e)
{
    struct rm_addr a;
    uint16_t port;
    char *name = NULL;
    if (parse_target(spec, res, n_res, &a, &port, &name, e) < 0)
        return -1;
    /* One host per (address, name): the same address asked for under two names is two
     * endpoints to the certificate check. */
    struct host *h = NULL;
    for (size_t i = 0; i < r->n_hosts; i++)
        if (addr_eq(&r->hosts[i].addr, &a) &&
            ((!name && !r->hosts[i].hostname) ||
             (name && r->hosts[i].hostname && strcmp(name, r->hosts[i].hostname) == 0)))
            h = &r->hosts[i];
    if (!h) {
        if (!(h = scan_add_host(r, &a))) {
            free(name);
            return rm_errf(e, "tls: out of memory");
        }
        h->hostname = name;
        name = NULL;
        h->rtt_ms = -1;
        if (service_set(&h->reason, "user-named") < 0)
            return rm_errf(e, "tls: out of memory");
    }
    free(name);
    for (size_t i = 0; i < h->n_services; i++)
        if (h->services[i].port == port)
            return 0;
    /* The module picks its endpoints by service name: a STARTTLS protocol's name, or one
     * that says TLS. */
    enum tls_starttls st = starttls >= 0 ? (enum tls_starttls)starttls : tls_starttls_for_port(port);
    static const char *const names[] = {"ssl/unknown", "smtp", "imap", "pop3", "ftp", "ldap", "postgresql"};
    struct service *s = host_add_service(h, port, PORT_OPEN, names[st], "user-named", -1);
    if (!s || service_set(&s->method, "user") < 0)
        return rm_errf(e, "tls: out of memory");
    h->n_open++;
    char **t = realloc(r->meta.targets, (r->meta.n_targets + 1) * sizeof *t);
    if (!t)
        return rm_errf(e, "tls: out of memory");
    r->meta.targets = t;
    if (!(t[r->meta.n_targets] = strdup(spec)))
        return rm_errf(e, "tls: out of memory");
    r->meta.n_targets++;
    return 0;
}

/* --client: the profile's CA bundle joins *ca_pem (--tls-ca-file's, or NULL); its cert-days
 * horizon applies unless --tls-expiry-days was given. */
static int client_trust(const char *profile, char **ca_pem, int *expiry_days, struct rm_err *e)
{
    struct diags d = {0};
    char *pem = NULL;
    int days = 0;
    if (scan_client_tls(profile, &pem, &days, &d, e) < 0) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        diags_free(&d);
        return rm_errf(e, "tls: --client: %s", msg);
    }
    diags_free(&d);
    if (!*expiry_days && days)
        *expiry_days = days;
    if (!pem)
        return 0;
    if (!*ca_pem) {
        *ca_pem = pem;
        return 0;
    }
    size_t a = strlen(*ca_pem), b = strlen(pem);
    char *both = malloc(a + b + 2);
    if (!both) {
        free(pem);
        return rm_errf(e, "tls: out of memory");
    }
    memcpy(both, *ca_pem, a);
    both[a] = '\n';
    memcpy(both + a + 1, pem, b + 1);
    free(pem);
    free(*ca_pem);
    *ca_pem = both;
    return 0;
}

int cmd_tls(int argc, char **argv, struct rm_err *e)
{
    struct tls_check_opts o = {.depth = TLS_FULL};
    bool json = false, quiet = false;
    int fail_on = -1;
    struct resolve res[MAX_RESOLVE];
    size_t n_res = 0;
    int starttls = -1; /* enum tls_starttls, or -1: by port */
    const char *ca_path = NULL, *client = NULL;
    struct option lopts[sizeof tls_optdefs / sizeof tls_optdefs[0] + 1];
    for (size_t i = 0; i < tls_n_optdefs; i++)
        lopts[i] = (struct option){tls_optdefs[i].name, tls_optdefs[i].arg ? required_argument : no_argument,
                                   NULL, tls_optdefs[i].id};
    lopts[tls_n_optdefs] = (struct option){0};
    optind = 1;
    opterr = 0;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "+:qh", lopts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            json = true;
            break;
        case OPT_DEPTH:
            if (strcmp(optarg, "quick") == 0)
                o.depth = TLS_QUICK;
            else if (strcmp(optarg, "full") == 0)
                o.depth = TLS_FULL;
            else
                return rm_errf(e, "tls: --tls \"%s\": expected quick or full", optarg), EXIT_USAGE;
            break;
        case OPT_CONNS:
            if (number("tls-conns-per-host", optarg, 1, 64, &v, e) < 0)
                return EXIT_USAGE;
            o.conns_per_host = (unsigned)v;
            break;
        case OPT_PARALLEL:
            if (number("tls-parallel-hosts", optarg, 1, 256, &v, e) < 0)
                return EXIT_USAGE;
            o.parallel_hosts = (unsigned)v;
            break;
        case OPT_CA:
            ca_path = optarg;
            break;
        case OPT_CLIENT:
            client = optarg;
            break;
        case OPT_EXPIRY:
            if (number("tls-expiry-days", optarg, 1, 3650, &v, e) < 0)
                return EXIT_USAGE;
            o.expiry_days = (int)v;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (number("connect-timeout", optarg, 10, 600000, &v, e) < 0)
                return EXIT_USAGE;
            o.connect_ms = (double)v;
            break;
        case OPT_READ_TIMEOUT:
            if (number("read-timeout", optarg, 10, 600000, &v, e) < 0)
                return EXIT_USAGE;
            o.read_ms = (double)v;
            break;
        case OPT_FAIL_ON: {
            enum severity s;
            if (severity_parse(optarg, &s) < 0)
                return rm_errf(e, "tls: --fail-on \"%s\": expected info, low, medium, high or critical", optarg), EXIT_USAGE;
            fail_on = (int)s;
            break;
        }
        case OPT_STARTTLS: {
            enum tls_starttls st;
            if (tls_starttls_parse(optarg, &st) < 0)
                return rm_errf(e, "tls: --starttls \"%s\": expected smtp, imap, pop3, ftp, ldap, postgres or none", optarg), EXIT_USAGE;
            starttls = (int)st;
            break;
        }
        case OPT_RESOLVE:
            if (n_res == MAX_RESOLVE)
                return rm_errf(e, "tls: at most %d --resolve", MAX_RESOLVE), EXIT_USAGE;
            if (parse_resolve(optarg, &res[n_res], e) < 0)
                return EXIT_USAGE;
            n_res++;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            help_print(stdout, "tls");
            return EXIT_DONE;
        case ':':
            return rm_errf(e, "tls: option %s needs an argument", argv[optind - 1]), EXIT_USAGE;
        default:
            return rm_errf(e, "tls: unknown option \"%s\" (see riskmap help tls)", argv[optind - 1]), EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return rm_errf(e, "tls: no endpoint given (riskmap tls HOST[:PORT]...)"), EXIT_USAGE;

    char *ca_pem = NULL;
    if (ca_path && tls_ca_load(ca_path, &ca_pem, e) < 0) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        return rm_errf(e, "tls: --tls-ca-file: %s", msg), EXIT_USAGE;
    }
    if (client && client_trust(client, &ca_pem, &o.expiry_days, e) < 0) {
        free(ca_pem);
        return EXIT_USAGE;
    }
    o.ca_pem = ca_pem;
    struct scan_result *r = scan_result_new();
    if (!r || fill_meta(r, argc, argv) < 0) {
        scan_result_free(r);
        free(ca_pem);
        return rm_errf(e, "tls: out of memory"), EXIT_RUNTIME;
    }
    for (int i = optind; i < argc; i++)
        if (add_target(r, argv[i], res, n_res, starttls, e) < 0) {
            scan_result_free(r);
            free(ca_pem);
            return EXIT_USAGE;
        }
    r->meta.settings.address_count = r->n_hosts;

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct check_ctx ctx = {.result = r, .cancel = &tls_cancelled};
    struct tls_run run = {0};
    int rc = tls_check_services(&ctx, &o, &run, e);
    r->meta.finished_utc = utc_now();
    r->meta.complete = rc == 0 && !tls_cancelled;
    if (!r->meta.complete)
        r->meta.incomplete_reason = strdup(tls_cancelled ? "interrupted" : e->msg);
    for (size_t i = 0; i < r->n_findings; i++)
        if (!r->findings[i]->fingerprint[0])
            finding_fingerprint(r->findings[i]);

    int status = rc == 0 && !tls_cancelled ? EXIT_DONE : EXIT_RUNTIME;
    if (json) {
        char *text = result_to_json(r);
        if (!text) {
            rm_errf(e, "tls: out of memory");
            status = EXIT_RUNTIME;
        } else {
            puts(text);
            free(text);
        }
    } else if (!quiet) {
        for (size_t i = 0; i < run.n; i++) {
            const struct tls_outcome *oc = &run.out[i];
            const struct host *h = &r->hosts[oc->host];
            char addr[RM_ADDRSTRLEN], label[RM_ADDRSTRLEN + 300];
            addr_str(&h->addr, addr, sizeof addr);
            snprintf(label, sizeof label, h->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
                     (unsigned)oc->port);
            char *text = tls_outcome_text(oc, label);
            if (text) {
                fputs(text, stdout);
                if (i + 1 < run.n)
                    putchar('\n');
                free(text);
            }
        }
        printf("\nFindings:\n");
        for (size_t i = 0; i < r->n_findings; i++) {
            const struct finding *f = r->findings[i];
            if (f->severity == SEV_INFO)
                continue;
            char addr[RM_ADDRSTRLEN];
            printf("  %-8s %-28s %s:%u  %s\n", severity_name(f->severity), f->kind,
                   addr_str(&f->addr, addr, sizeof addr), (unsigned)f->port, f->title);
        }
    }
    if (status == EXIT_DONE && fail_on >= 0)
        for (size_t i = 0; i < r->n_findings; i++)
            if ((int)r->findings[i]->severity >= fail_on)
                status = EXIT_FINDINGS;
    tls_run_free(&run);
    scan_result_free(r);
    free(ca_pem);
    return status;
}
