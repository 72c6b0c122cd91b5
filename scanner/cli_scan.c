/* `riskmap scan`: scope -> port scan -> checks -> scan result document. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "checks/patch.h"
#include "checks/backup.h"
#include "checks/inventory.h"
#include "scanner/atomic.h"
#include "scanner/checkrun.h"
#include "scanner/cli.h"
#include "scanner/datadir.h"
#include "scanner/detect.h"
#include "scanner/discover.h"
#include "scanner/help.h"
#include "scanner/history.h"
#include "scanner/ndjson.h"
#include "scanner/options.h"
#include "scanner/portscan.h"
#include "scanner/privs.h"
#include "scanner/ports.h"
#include "scanner/progress.h"
#include "scanner/result.h"
#include "scanner/scan_client.h"
#include "scanner/scanlog.h"
#include "scanner/scope.h"
#include "scanner/synscan.h"
#include "scanner/udpprobe.h"

/* Set by the signal handler (a lock-free atomic store is async-signal-safe), read by every
 * worker thread. */
static atomic_int cancelled;

static void on_signal(int sig)
{
    (void)sig;
    cancelled = 1;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
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

static uint64_t random64(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
        v = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    return v;
}

static char *scan_id(void)
{
    unsigned char b[16];
    char hex[33];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)(random64() >> (i % 8));
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    return strdup(hex);
}

static const char *operator_name(const struct scan_opts *o)
{
    if (o->operator_name)
        return o->operator_name;
    const char *s = getenv("SUDO_USER");
    if (s && *s)
        return s;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

/* Everything the event callbacks need; they run on worker threads under the engine lock. */
struct scan_ui {
    pthread_mutex_t lock; /* stderr: the progress line (main thread) and logs (workers) */
    struct ndjson *stream;
    struct progress_line progress;
    const struct scope *scope;
    int verbose;
    struct scanlog log;
    bool drop;        /* running as root: become --user once the raw sockets are open */
    bool drop_failed; /* the drop was attempted and failed: stop, do nothing more */
    uid_t uid;        /* --user's ids, looked up before the scan */
    gid_t gid;
    const char *user;
    bool debug_privs; /* --debug-privs */
};

static void ui_say(struct scan_ui *ui, enum scanlog_level lv, const char *msg)
{
    pthread_mutex_lock(&ui->lock);
    if (scanlog_plain(&ui->log))
        progress_clear(&ui->progress);
    scanlog_write(&ui->log, lv, msg);
    pthread_mutex_unlock(&ui->lock);
}

/* The engines' decisions: shown with -v, always in an unattended log. */
static void ui_log(const char *msg, void *arg)
{
    ui_say(arg, SCANLOG_INFO, msg);
}

static void ui_host_up(const struct host *h, void *arg)
{
    struct scan_ui *ui = arg;
    if (ui->stream) {
        cJSON *o = result_host_json(h, 0);
        const char *name = scope_name_for(ui->scope, &h->addr);
        if (o && name) {
            cJSON_DeleteItemFromObject(o, "hostname");
            cJSON_AddStringToObject(o, "hostname", name);
        }
        if (o) {
            cJSON_DeleteItemFromObject(o, "ports");
            ndjson_emit(ui->stream, "host_up", o);
        }
    }
}

static void ui_port_open(const struct host *h, const struct service *s, void *arg)
{
    struct scan_ui *ui = arg;
    char addr[RM_ADDRSTRLEN];
    addr_str(&h->addr, addr, sizeof addr);
    if (ui->stream) {
        cJSON *o = result_service_json(s);
        if (o) {
            cJSON_AddStringToObject(o, "address", addr);
            ndjson_emit(ui->stream, "port_open", o);
        }
    }
    if (ui->log.verbose >= 1) {
        char msg[96];
        snprintf(msg, sizeof msg, "open %s port %u (rtt %.3f ms)", addr, (unsigned)s->port, s->rtt_ms);
        ui_say(ui, SCANLOG_DEBUG, msg);
    }
}

static void ui_tick(const struct portscan_progress *p, void *arg)
{
    struct scan_ui *ui = arg;
    pthread_mutex_lock(&ui->lock);
    progress_draw(&ui->progress, p, mono_ms());
    pthread_mutex_unlock(&ui->lock);
}

/* Discovery and the SYN engine have opened their raw sockets and captures: nothing has been
 * sent or read yet. */
static int ui_opened(void *arg, struct rm_err *e)
{
    struct scan_ui *ui = arg;
    char msg[160];
    if (ui->drop) {
        if (privs_drop(ui->uid, ui->gid, e) < 0) {
            ui->drop_failed = true;
            return -1;
        }
        snprintf(msg, sizeof msg, "raw sockets and captures open; root dropped: now %s (uid %u, "
                 "gid %u), no supplementary groups, no capabilities", ui->user,
                 (unsigned)ui->uid, (unsigned)ui->gid);
    } else {
        bool had = false;
        if (privs_drop_caps(&had, e) < 0) {
            ui->drop_failed = true;
            return -1;
        }
        snprintf(msg, sizeof msg, "not running as root: --user %s has no effect%s", ui->user,
                 had ? "; capabilities dropped once the raw sockets were open" : "");
    }
    ui_log(msg, ui);
    if (ui->debug_privs && ui->stream) {
        char u[128], g[128], gr[128], cap[128];
        cJSON *o = cJSON_CreateObject();
        if (o && privs_status(u, g, gr, cap, sizeof u) == 0) {
            cJSON_AddBoolToObject(o, "dropped", ui->drop);
            cJSON_AddStringToObject(o, "user", ui->drop ? ui->user : "");
            cJSON_AddStringToObject(o, "uid", u);
            cJSON_AddStringToObject(o, "gid", g);
            cJSON_AddStringToObject(o, "groups", gr);
            cJSON_AddStringToObject(o, "capeff", cap);
            ndjson_emit(ui->stream, "privileges", o);
        } else
            cJSON_Delete(o);
    }
    return 0;
}

static void ui_finding(const struct finding *f, size_t index, void *arg)
{
    struct scan_ui *ui = arg;
    if (ui->stream)
        ndjson_emit(ui->stream, "finding", result_finding_json(f, index));
}

/* The host with address a among the first n hosts, which are in ascending order. */
static struct host *find_sorted(struct host *hosts, size_t n, const struct rm_addr *a)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = addr_cmp(&hosts[mid].addr, a);
        if (c == 0)
            return &hosts[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool scope_has_ipv6(const struct scope *s)
{
    struct scope_iter it;
    struct rm_addr a;
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a))
        if (a.family == AF_INET6)
            return true;
    return false;
}

static int build_scope(const struct scan_opts *o, struct scope *s, struct rm_err *e)
{
    for (size_t i = 0; i < o->n_targets; i++)
        if (scope_add_target(s, o->targets[i], e) < 0)
            return -1;
    for (size_t i = 0; i < o->n_target_files; i++)
        if (scope_add_target_file(s, o->target_files[i], e) < 0)
            return -1;
    for (size_t i = 0; i < o->n_excludes; i++)
        if (scope_add_exclude_list(s, o->excludes[i], e) < 0)
            return -1;
    for (size_t i = 0; i < o->n_exclude_files; i++)
        if (scope_add_exclude_file(s, o->exclude_files[i], e) < 0)
            return -1;
    return scope_finalize(s, o->allow_large ? 0 : SCOPE_DEFAULT_LIMIT, e);
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* "1,3-4,7": what was scanned, compact enough to keep in every document even for -p-. */
static char *ports_ranges(const struct portlist *pl)
{
    uint16_t *v = malloc(pl->n * sizeof *v + 1);
    char *out = malloc(pl->n * 12 + 1);
    if (!v || !out) {
        free(v);
        free(out);
        return NULL;
    }
    memcpy(v, pl->ports, pl->n * sizeof *v);
    qsort(v, pl->n, sizeof *v, cmp_u16);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < pl->n;) {
        size_t j = i;
        while (j + 1 < pl->n && v[j + 1] == v[j] + 1)
            j++;
        len += (size_t)sprintf(out + len, "%s%u", len ? "," : "", (unsigned)v[i]);
        if (j > i)
            len += (size_t)sprintf(out + len, "-%u", (unsigned)v[j]);
        i = j + 1;
    }
    free(v);
    return out;
}

static int fill_meta(struct scan_result *r, const struct scan_opts *o, const struct scope *s,
                     const struct portlist *pl, int argc, char **argv, unsigned threads)
{
    struct scan_meta *m = &r->meta;
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    m->id = scan_id();
    m->riskmap_version = strdup(RISKMAP_VERSION);
    m->started_utc = utc_now();
    m->operator_name = strdup(operator_name(o));
    m->scanner_host = strdup(host);
    m->command_line = calloc((size_t)argc + 1, sizeof *m->command_line);
    if (m->command_line) {
        m->command_line[0] = strdup("riskmap");
        for (int i = 0; i < argc; i++)
            m->command_line[i + 1] = strdup(argv[i]);
        m->n_command_line = (size_t)argc + 1;
    }
    size_t nt = scope_n_targets(s), nx = scope_n_excludes(s), nn = scope_n_names(s);
    m->targets = calloc(nt ? nt : 1, sizeof *m->targets);
    m->excludes = calloc(nx ? nx : 1, sizeof *m->excludes);
    m->names = calloc(nn ? nn : 1, sizeof *m->names);
    if (!m->targets || !m->excludes || !m->names)
        return -1;
    for (; m->n_targets < nt; m->n_targets++)
        m->targets[m->n_targets] = strdup(scope_target(s, m->n_targets));
    for (; m->n_excludes < nx; m->n_excludes++)
        m->excludes[m->n_excludes] = strdup(scope_exclude(s, m->n_excludes));
    for (; m->n_names < nn; m->n_names++)
        m->names[m->n_names].name = strdup(scope_name(s, m->n_names, &m->names[m->n_names].addr));

    struct scan_settings *st = &m->settings;
    char spec[32];
    if (o->ports)
        st->ports_spec = strdup(o->ports);
    else {
        snprintf(spec, sizeof spec, "top:%lu", o->top_ports);
        st->ports_spec = strdup(spec);
    }
    st->port_count = pl->n;
    st->ports_scanned = ports_ranges(pl);
    st->address_count = scope_count(s);
    st->rate = o->rate;
    st->max_concurrency = o->max_concurrency;
    st->retries = o->retries;
    st->threads = threads;
    st->initial_timeout_ms = o->timeout_ms;
    st->min_timeout_ms = o->min_timeout_ms;
    st->max_timeout_ms = o->max_timeout_ms;
    st->seed = o->seed;
    st->scan_type = strdup(o->scan_type == SCAN_TYPE_SYN ? "syn" : "connect");
    if (o->no_discovery)
        st->discovery = strdup("off");
    return m->id && m->riskmap_version && m->started_utc && m->operator_name &&
                   m->scanner_host && m->command_line && st->ports_spec && st->ports_scanned ? 0 : -1;
}

/* One line for logs and cron mail: hosts, open ports, findings by severity, what is new since
 * the previous scan of the data directory, the run's duration, and completeness. */
static void summary_line(const struct scan_result *r, const struct history *h, double secs,
                         char *out, size_t cap)
{
    unsigned counts[SEV_CRITICAL + 1] = {0};
    for (size_t i = 0; i < r->n_findings; i++)
        counts[r->findings[i]->severity]++;
    char news[64];
    if (h->have)
        snprintf(news, sizeof news, "%zu new since the last scan", history_count_new(h, r));
    else
        snprintf(news, sizeof news, "no earlier scan to compare");
    snprintf(out, cap,
             "summary: scan %s: %llu host(s) up of %llu address(es), %llu open port(s), %zu "
             "finding(s) (critical %u, high %u, medium %u, low %u, info %u), %s, %.1f s, %s%s",
             r->meta.id ? r->meta.id : "?", (unsigned long long)r->meta.stats.hosts_up,
             (unsigned long long)r->meta.settings.address_count,
             (unsigned long long)r->meta.stats.open, r->n_findings, counts[SEV_CRITICAL],
             counts[SEV_HIGH], counts[SEV_MEDIUM], counts[SEV_LOW], counts[SEV_INFO], news, secs,
             r->meta.complete ? "complete" : "INCOMPLETE: ",
             r->meta.complete ? "" : (r->meta.incomplete_reason ? r->meta.incomplete_reason : "?"));
}

/* Without root (or when the committer is not used): what the committer does after the rename. */
static int publish_scan(const char *data_dir, const char *name, unsigned keep, struct scan_ui *ui,
                        struct rm_err *e)
{
    int fd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rm_errf(e, "%s: %s", data_dir, strerror(errno));
    unsigned pruned = 0;
    int err_no;
    int rc = datadir_publish(fd, name, keep, &pruned, &err_no, e);
    close(fd);
    if (rc == 0 && pruned) {
        char msg[128];
        snprintf(msg, sizeof msg, "retention (--keep %u): removed %u older scan(s)", keep, pruned);
        ui_say(ui, SCANLOG_INFO, msg);
    }
    return rc;
}

static void print_summary(FILE *out, const struct scan_result *r, const struct history *hist,
                          double run_s)
{
    char addr[RM_ADDRSTRLEN];
    for (size_t i = 0; i < r->n_hosts; i++) {
        const struct host *h = &r->hosts[i];
        fprintf(out, "%s%s%s%s  up (%s, rtt %.2f ms)  %u open, %u closed, %u filtered\n",
                addr_str(&h->addr, addr, sizeof addr), h->hostname ? " (" : "",
                h->hostname ? h->hostname : "", h->hostname ? ")" : "",
                h->reason ? h->reason : "-", h->rtt_ms, h->n_open, h->n_closed, h->n_filtered);
        for (size_t k = 0; k < h->n_services; k++) {
            const struct service *s = &h->services[k];
            char port[16];
            snprintf(port, sizeof port, "%u/%s", (unsigned)s->port, svc_proto_name(s->proto));
            fprintf(out, "  %-10s %-8s %-12s %s%s%s", port, port_state_name(s->state),
                    s->name ? s->name : "unknown", s->product ? s->product : "",
                    s->version ? " " : "", s->version ? s->version : "");
            if (s->info)
                fprintf(out, " (%s)", s->info);
            fputc('\n', out);
        }
    }
    const struct scan_stats *st = &r->meta.stats;
    unsigned counts[SEV_CRITICAL + 1] = {0};
    for (size_t i = 0; i < r->n_findings; i++)
        counts[r->findings[i]->severity]++;
    fprintf(out,
            "riskmap: %llu address(es) x %llu port(s): %llu host(s) up, %llu open, %llu closed, "
            "%llu filtered; %zu finding(s) (critical %u, high %u, medium %u, low %u, info %u); "
            "discovery and port scan %.2f s, in all %.2f s\n",
            (unsigned long long)r->meta.settings.address_count,
            (unsigned long long)r->meta.settings.port_count, (unsigned long long)st->hosts_up,
            (unsigned long long)st->open, (unsigned long long)st->closed,
            (unsigned long long)st->filtered, r->n_findings, counts[SEV_CRITICAL], counts[SEV_HIGH],
            counts[SEV_MEDIUM], counts[SEV_LOW], counts[SEV_INFO], st->duration_s, run_s);
    if (hist->have)
        fprintf(out, "riskmap: %zu finding(s) new since the last scan (%s)\n",
                history_count_new(hist, r), hist->scan_id ? hist->scan_id : "?");
}

/* One line per framework: how many of its items the scan could check, how many pass. */
static void print_compliance(FILE *out, const struct evaluation *ev)
{
    for (size_t i = 0; i < ev->n_frameworks; i++) {
        const struct eval_framework *f = &ev->frameworks[i];
        size_t checked = f->count[ST_PASS] + f->count[ST_FAIL] + f->count[ST_PARTIAL];
        fprintf(out, "riskmap: %s: %zu of %zu item(s) checked: %zu pass, %zu fail, %zu partial; "
                     "%zu not checked\n",
                f->title ? f->title : f->id, checked, f->n_items - f->count[ST_NOT_APPLICABLE],
                f->count[ST_PASS], f->count[ST_FAIL], f->count[ST_PARTIAL],
                f->count[ST_NOT_CHECKED]);
    }
}

static int dry_run(const struct scan_opts *o, const struct scope *s, const struct portlist *pl,
                   unsigned threads)
{
    struct scope_iter it;
    struct rm_addr a;
    char buf[RM_ADDRSTRLEN];
    scope_iter_init(&it, s);
    while (scope_iter_next(&it, &a)) {
        const char *name = scope_name_for(s, &a);
        printf("%s%s%s\n", addr_str(&a, buf, sizeof buf), name ? " " : "", name ? name : "");
    }
    uint64_t pairs = scope_count(s) * pl->n;
    if (o->no_discovery)
        printf("riskmap: dry run: no host discovery (-Pn): every address is port-scanned\n");
    else
        printf("riskmap: dry run: host discovery first (%s); only hosts that answer are "
               "port-scanned, so the figures below are an upper bound\n",
               geteuid() == 0 ? "ICMP echo and timestamp, TCP SYN 443 and ACK 80, ARP on the "
                                "local segment" : "TCP connect pings to 80 and 443");
    if (o->scan_type == SCAN_TYPE_SYN)
        printf("riskmap: dry run: %llu address(es) x %zu port(s) = %llu SYN probes (raw socket, "
               "one thread) at %s; nothing sent\n",
               (unsigned long long)scope_count(s), pl->n, (unsigned long long)pairs,
               o->rate > 0 ? "the rate limit" : "no rate limit");
    else
        printf("riskmap: dry run: %llu address(es) x %zu port(s) = %llu connection attempts at "
               "%s, %u in flight, %u thread(s); nothing sent\n",
               (unsigned long long)scope_count(s), pl->n, (unsigned long long)pairs,
               o->rate > 0 ? "the rate limit" : "no rate limit", o->max_concurrency, threads);
    if (o->rate > 0)
        printf("riskmap: at %.0f/s that takes at least %.1f s\n", o->rate, (double)pairs / o->rate);
    return EXIT_DONE;
}

/* Reads every --inventory (and profile inventory) file: before root is dropped, since the
 * files collected from the hosts are usually kept root-only. */
static int load_inventories(const struct scan_opts *o, struct inventory_set *set,
                            struct rm_err *e)
{
    for (size_t i = 0; i < o->n_inventories; i++) {
        struct inv_spec s;
        struct rm_err ie = {{0}};
        int rc = inv_spec_parse(o->inventories[i], &s, &ie);
        if (rc == 0) {
            rc = inventory_set_load(set, &s, &ie);
            inv_spec_free(&s);
        }
        if (rc < 0)
            return rm_errf(e, "option --inventory: %s", ie.msg);
    }
    return 0;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > (long)DEF_MAX_THREADS ? DEF_MAX_THREADS : (unsigned)n;
}

int cmd_scan(int argc, char **argv, struct rm_err *e)
{
    struct scan_opts o;
    if (scan_opts_parse(argc, argv, &o, e) < 0)
        return EXIT_USAGE;
    if (o.help) {
        help_print(stdout, "scan");
        scan_opts_free(&o);
        return EXIT_DONE;
    }

    int rc = EXIT_USAGE;
    struct scope *scope = scope_new();
    struct portlist pl = {0};
    struct portlist allowed = {0}; /* --allowed-ports */
    struct backup_config backup = {0}; /* --backup */
    struct inventory_set invs = {0};   /* --inventory */
    struct portlist alive = {0};   /* --alive-ports */
    struct discover *disc = NULL;
    bool discovered = false;
    struct discovery found = {0};
    struct syn_prep *prep = NULL;
    struct scope *alive_scope = NULL;
    struct datadir_lock lock = {.fd = -1};
    struct history hist = {0};
    bool publish = false; /* the scan lives in --data-dir: move `latest` once committed */
    double t_start = mono_ms();
    struct scan_result *r = NULL;
    struct scan_ui ui = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct privs_committer committer = {.sock = -1, .fd = -1};
    struct scan_client client = {0}; /* --client, --policy */
    struct diags diags = {0};
    struct evaluation *evl = NULL;
    struct scan_client_after after = {.client = &client};
    char path[PATH_MAX], regline[PRIVS_AFTER_MSG] = "";
    if (!scope) {
        rm_errf(e, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (scan_client_apply(&o, &client, &diags, e) < 0)
        goto out;
    if (o.n_targets == 0 && o.n_target_files == 0) {
        rm_errf(e, "no targets given (see riskmap help scan)");
        goto out;
    }
    if (build_scope(&o, scope, e) < 0)
        goto out;
    if ((o.ports ? ports_parse(o.ports, &pl, e) : ports_top(o.top_ports, &pl, e)) < 0)
        goto out;
    if (checkrun_validate(o.checks, e) < 0)
        goto out;
    for (size_t i = 0; i < o.n_backups; i++)
        if (backup_config_add_spec(&backup, o.backups[i], e) < 0)
            goto out;
    for (size_t i = 0; i < client.n_critical; i++)
        if (backup_config_add_asset(&backup, client.critical[i], e) < 0)
            goto out;
    if (o.allowed_ports && ports_parse(o.allowed_ports, &allowed, e) < 0) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        rm_errf(e, "option --allowed-ports: %s", msg);
        goto out;
    }
    if (o.alive_ports) {
        if (ports_parse(o.alive_ports, &alive, e) < 0) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            rm_errf(e, "option --alive-ports: %s", msg);
            goto out;
        }
        if (alive.n > DISC_MAX_ALIVE_PORTS) {
            rm_errf(e, "option --alive-ports: %zu ports; at most %u are probed during discovery",
                    alive.n, DISC_MAX_ALIVE_PORTS);
            goto out;
        }
    }
    /* The SYN scan is the default for root: faster, half-open, and root has what it needs.
     * It speaks IPv4 only, so a scope with IPv6 addresses keeps the connect scan. */
    bool v6 = false;
    if (o.scan_type == SCAN_TYPE_DEFAULT)
        o.scan_type = geteuid() == 0 && !(v6 = scope_has_ipv6(scope)) ? SCAN_TYPE_SYN
                                                                        : SCAN_TYPE_CONNECT;
    unsigned threads = o.threads ? o.threads : default_threads();
    if (!o.seed_set)
        o.seed = random64();
    if (o.dry_run) {
        rc = dry_run(&o, scope, &pl, threads);
        goto out;
    }

    /* Root becomes --user once the raw sockets are open (ui_opened), before anything is sent. */
    ui.user = o.user;
    ui.debug_privs = o.debug_privs;
    ui.drop = geteuid() == 0;
    if (ui.drop && privs_lookup(o.user, &ui.uid, &ui.gid, e) < 0)
        goto out;
    if (ui.drop)
        patch_feed_preopen(); /* root's feed cannot be opened after the drop (checks/patch.h) */
    /* Backup repositories, exports and password files are root's too: read them now. */
    if (ui.drop && checkrun_selected(o.checks, "backup") && backup_config_read_ahead(&backup, e) < 0)
        goto out;
    if (checkrun_selected(o.checks, "patch") && load_inventories(&o, &invs, e) < 0)
        goto out;

    if (o.keep && !o.data_dir) {
        rm_errf(e, "option --keep: only with --data-dir (it prunes that directory's scans)");
        goto out;
    }
    after.data_dir = o.data_dir;
    rc = EXIT_RUNTIME;
    /* The log first (into the data directory for --cron), so that even "another run holds
     * the lock" is logged where the operator looks. */
    const char *log_dest = o.log;
    char logpath[PATH_MAX];
    if (o.data_dir && datadir_prepare(o.data_dir, e) < 0)
        goto out;
    if (!log_dest && o.cron) {
        if (o.data_dir) {
            snprintf(logpath, sizeof logpath, "%s/logs/riskmap.log", o.data_dir);
            log_dest = logpath;
        } else
            log_dest = "syslog";
    }
    if (scanlog_open(&ui.log, log_dest, o.quiet, o.verbose, e) < 0)
        goto out;
    ui.verbose = o.verbose;
    ui.progress.out = (!o.quiet && !o.cron && isatty(STDERR_FILENO)) ? stderr : NULL;
    if (o.data_dir) {
        bool stale = false;
        char prev[256];
        int lr = datadir_lock(o.data_dir, &lock, &stale, prev, sizeof prev, e);
        if (lr != 0) {
            rc = lr == 1 ? EXIT_LOCKED : EXIT_RUNTIME;
            goto out;
        }
        if (stale) {
            char msg[400];
            snprintf(msg, sizeof msg, "the lock of %s was left by a run that did not finish (%s); "
                     "taken over", o.data_dir, prev);
            ui_say(&ui, SCANLOG_WARNING, msg);
        }
        char prevscan[PATH_MAX];
        struct rm_err he = {{0}};
        /* Read before root is dropped: earlier results are root's, 0600. */
        if (datadir_latest(o.data_dir, prevscan, sizeof prevscan) == 0 &&
            history_load(&hist, prevscan, &he) < 0) {
            char msg[sizeof he.msg + 64];
            snprintf(msg, sizeof msg, "previous scan unreadable, every finding counts as new: %s",
                     he.msg);
            ui_say(&ui, SCANLOG_WARNING, msg);
        }
    }

    r = scan_result_new();
    if (!r || fill_meta(r, &o, scope, &pl, argc, argv, threads) < 0) {
        rm_errf(e, "out of memory");
        goto out;
    }
    char scandir[PATH_MAX], scan_name[DATADIR_NAME_MAX];
    if (o.data_dir && !o.output_dir) {
        if (datadir_new_scan(o.data_dir, r->meta.id, scan_name, e) < 0)
            goto out;
        snprintf(scandir, sizeof scandir, "%s/scans/%s", o.data_dir, scan_name);
        o.output_dir = scandir;
        publish = true;
    }
    if (o.output_dir) {
        if ((size_t)snprintf(path, sizeof path, "%s/scan.json", o.output_dir) >= sizeof path) {
            rm_errf(e, "output directory path too long");
            goto out;
        }
        if (make_dirs(o.output_dir, 0700, e) < 0)
            goto out;
        /* After the drop no name can be made in the directory root created: the temporary
         * file is created now and a root helper renames it at the end (scanner/privs.h),
         * and moves the data directory's `latest` and prunes old scans, which need root too. */
        /* The register (DIR/register.db) is root's like the rest: the helper records the
         * committed scan in it too, with its copy of the policies loaded above. */
        struct privs_publish pub = {.data_dir = o.data_dir, .scan_name = scan_name, .keep = o.keep,
                                    .after = scan_client_record_after, .after_arg = &after};
        if (ui.drop && privs_committer_start(&committer, o.output_dir, "scan.json", 0600,
                                             publish ? &pub : NULL, e) < 0)
            goto out;
    }
    ui.scope = scope;
    if (o.ndjson && !(ui.stream = ndjson_open(o.ndjson, e)))
        goto out;
    if (o.verbose) {
        char msg[200];
        snprintf(msg, sizeof msg, "%llu address(es) in scope, %zu port(s) each; rate %g/s%s; "
                 "timeouts %g ms initial, adaptive within %g-%g ms; %u retr%s",
                 (unsigned long long)scope_count(scope), pl.n, o.rate,
                 o.rate_is_default ? " (default; --rate to change)" : "", o.timeout_ms,
                 o.min_timeout_ms, o.max_timeout_ms, o.retries, o.retries == 1 ? "y" : "ies");
        ui_log(msg, &ui);
    }
    if (ui.stream) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "scan_id", r->meta.id);
        cJSON_AddNumberToObject(p, "addresses", (double)scope_count(scope));
        cJSON_AddNumberToObject(p, "ports", (double)pl.n);
        ndjson_emit(ui.stream, "scan_start", p);
    }

    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    cancelled = 0;

    struct portscan_cfg cfg = {
        .scope = scope, .ports = &pl, .rate = o.rate, .max_concurrency = o.max_concurrency,
        .retries = o.retries, .threads = threads, .initial_timeout_ms = o.timeout_ms,
        .min_timeout_ms = o.min_timeout_ms, .max_timeout_ms = o.max_timeout_ms, .seed = o.seed,
        .cancel = &cancelled,
    };
    struct portscan_events ev = {
        .host_up = ui_host_up, .port_open = ui_port_open, .tick = ui_tick, .log = ui_log,
        .opened = ui_opened, .arg = &ui,
    };
    static struct portscan_progress prog;
    memset(&prog, 0, sizeof prog);
    bool syn = o.scan_type == SCAN_TYPE_SYN;
    struct discover_cfg dcfg = {
        .scope = scope, .alive_ports = alive.ports, .n_alive_ports = alive.n, .rate = o.rate,
        .retries = o.retries, .initial_timeout_ms = o.timeout_ms, .min_timeout_ms = o.min_timeout_ms,
        .max_timeout_ms = o.max_timeout_ms, .max_concurrency = o.max_concurrency,
        .threads = threads, .cancel = &cancelled,
    };
    /* Everything raw is opened first, then root is dropped, then packets flow. */
    if (!o.no_discovery) {
        const char *note = NULL;
        if (!(disc = discover_open(&dcfg, &note, e)))
            goto restore;
        if (note) /* said once, also without -v: fewer probe kinds find fewer hosts */
            ui_say(&ui, SCANLOG_WARNING, note);
    }
    if (syn && !(prep = synscan_prepare(scope, e)))
        goto restore;
    if (ui_opened(&ui, e) < 0)
        goto restore; /* possibly still partly root: nothing more */

    /* From here on, a failure does not lose what was found: the document is still written,
     * marked incomplete with the reason, and the exit status says runtime failure. */
    struct rm_err failure = {{0}};
    bool failed = false;
    if (disc) {
        struct portscan_progress dprog;
        memset(&dprog, 0, sizeof dprog);
        ui.progress.start_ms = mono_ms();
        ui.progress.discovery = 1;
        failed = discover_run(disc, &ev, &dprog, &found, &failure) < 0;
        /* Its capture buffer is not needed any more: give the memory back now. */
        discover_close(disc);
        disc = NULL;
        discovered = true;
        progress_clear(&ui.progress);
        ui.progress.discovery = 0;
        r->meta.settings.discovery = strdup(found.method);
        char msg[160];
        snprintf(msg, sizeof msg, "host discovery: %zu of %llu host(s) up, %llu probe(s), %.2f s",
                 found.n_hosts, (unsigned long long)found.hosts_total,
                 (unsigned long long)found.probes_sent, found.duration_s);
        ui_log(msg, &ui);
        if (!failed && !cancelled && found.n_hosts && !(alive_scope = discovery_scope(&found, &failure)))
            failed = true;
    }
    if (o.alive_ports)
        r->meta.settings.alive_ports = ports_ranges(&alive);
    ui.progress.start_ms = mono_ms();
    if (syn)
        ui_log("SYN scan (-sS): raw socket and libpcap; --threads and --max-concurrency do not "
               "apply", &ui);
    else if (v6)
        ui_log("connect scan: IPv6 addresses in scope, and the SYN scan is IPv4 only", &ui);
    cfg.scope = discovered ? alive_scope : scope;
    if (!failed && !cancelled && cfg.scope) {
        failed = (syn ? synscan_run_prepared(&cfg, prep, &ev, &prog, r, &failure)
                      : portscan_run(&cfg, &ev, &prog, r, &failure)) < 0;
    } else if (!failed && !cancelled) {
        /* Nobody answered discovery: nothing to port-scan, and that is a complete answer. */
        r->meta.complete = true;
        r->meta.stats.duration_s = found.duration_s;
    }
    progress_clear(&ui.progress);
    if (discovered) {
        /* A host is alive if discovery or the port scan says so; discovery says how. */
        scan_sort_hosts(r);
        size_t n0 = r->n_hosts;
        for (size_t i = 0; i < found.n_hosts; i++) {
            const struct discovered *x = &found.hosts[i];
            struct host *h = find_sorted(r->hosts, n0, &x->addr);
            bool added = !h;
            if (!h && !(h = scan_add_host(r, &x->addr))) {
                rm_errf(&failure, "out of memory");
                failed = true;
                break;
            }
            if (h->rtt_ms < 0 || h->n_open + h->n_closed == 0)
                h->rtt_ms = x->rtt_ms;
            service_set(&h->reason, x->reason);
            if (x->has_mac) {
                char mac[18];
                snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", x->mac[0], x->mac[1],
                         x->mac[2], x->mac[3], x->mac[4], x->mac[5]);
                service_set(&h->mac, mac);
            }
            if (added) {
                /* Alive, but no port answered: every port scanned was silent (or, in an
                 * interrupted scan, not decided; the document then says incomplete). The
                 * stream has not seen the host yet. */
                h->n_filtered = r->meta.stats.ports_done ? (uint32_t)pl.n : 0;
                ui_host_up(h, &ui);
            }
        }
        r->meta.stats.hosts_up = r->n_hosts;
        r->meta.stats.probes_sent += found.probes_sent;
        r->meta.stats.duration_s += found.duration_s;
    }

    scan_sort_hosts(r);
    for (size_t i = 0; i < r->n_hosts; i++) {
        const char *name = scope_name_for(scope, &r->hosts[i].addr);
        if (name && !r->hosts[i].hostname)
            r->hosts[i].hostname = strdup(name);
    }

    if (!o.no_service_detection && !cancelled && !failed) {
        struct detect_opts dopt = {
            .timeout_ms = o.service_timeout_ms, .max_concurrency = DETECT_DEF_CONCURRENCY,
            .max_bytes = DETECT_DEF_MAX_BYTES, .cancel = &cancelled,
        };
        if (detect_services(r, &dopt, &failure) < 0)
            failed = true;
    }
    if (!o.no_service_detection && !o.no_udp && !cancelled && !failed) {
        struct udp_opts uopt = {.retries = o.retries, .cancel = &cancelled};
        char msg[128];
        snprintf(msg, sizeof msg, "UDP stage: %s to %zu host(s) up (--no-udp skips it)",
                 udp_probe_list(), r->n_hosts);
        ui_log(msg, &ui);
        if (udp_probe_hosts(r, &uopt, &failure) < 0)
            failed = true;
    }

    /* Checks run on whatever was found, also in a partial scan: an open port seen is seen. */
    struct checkrun_opts co = {
        .only = o.checks, .timeout_ms = o.max_timeout_ms, .cancel = &cancelled,
        .intrusive = o.intrusive, .tls_quick = o.tls_quick,
        .allowed_ports = o.allowed_ports ? allowed.ports : NULL,
        .n_allowed_ports = allowed.n, .backup = &backup, .inventories = &invs,
        .tls_ca_pem = client.ca_pem,
        .tls_expiry_days = client.expiry_days,
        .on_finding = ui_finding, .cb_arg = &ui,
    };
    struct rm_err ce = {{0}};
    if (checkrun(r, &co, &ce) < 0 && !failed) {
        failed = true;
        failure = ce;
    }
    /* An inventory about no host the scan saw up judged nothing: say so (riskmap inventory
     * judges it without a scan). */
    for (size_t i = 0; i < invs.n && !cancelled; i++) {
        bool seen = false;
        for (size_t h = 0; h < r->n_hosts && !seen; h++)
            seen = inventory_about(&invs.v[i], &r->hosts[h]);
        if (!seen) {
            char msg[PATH_MAX + 300];
            snprintf(msg, sizeof msg, "inventory %.200s=%.3000s: no such host up in this scan; "
                     "nothing judged from it (riskmap inventory judges it alone)",
                     invs.v[i].host, invs.v[i].path);
            ui_say(&ui, SCANLOG_WARNING, msg);
        }
    }
    r->meta.complete = r->meta.complete && !failed && !cancelled;
    if (!r->meta.complete)
        r->meta.incomplete_reason = strdup(cancelled ? "interrupted" :
                                           failure.msg[0] ? failure.msg : "not every port was decided");
    r->meta.finished_utc = utc_now();
    /* Policy results go into the document: an incomplete scan is evaluated too (what could
     * not be assessed says "not checked"). A failure here loses no finding. */
    struct rm_err ee = {{0}};
    if (scan_client_evaluate(&client, r, &evl, &ee) < 0) {
        char msg[sizeof ee.msg + 64];
        snprintf(msg, sizeof msg, "policy evaluation skipped: %s", ee.msg);
        ui_say(&ui, SCANLOG_WARNING, msg);
    }

    if (o.output_dir && committer.sock >= 0) {
        char *text = result_to_json(r);
        if (!text) {
            rm_errf(e, "%s: out of memory while building the document", path);
            goto restore;
        }
        size_t len = strlen(text);
        text[len] = '\n'; /* as result_write: the file ends with a newline */
        int wr = privs_committer_commit(&committer, text, len + 1, e);
        free(text);
        if (wr < 0)
            goto restore;
        snprintf(regline, sizeof regline, "%s", committer.after_msg);
    } else if (o.output_dir) {
        if (result_write(r, path, e) < 0)
            goto restore;
        if (publish && publish_scan(o.data_dir, scan_name, o.keep, &ui, e) < 0)
            goto restore;
        struct rm_err re = {{0}};
        if (publish && scan_client_record(&client, o.data_dir, r, evl, regline, sizeof regline,
                                          &re) < 0)
            snprintf(regline, sizeof regline, "error: %.400s", re.msg);
    }
    if (regline[0]) {
        /* A register that cannot be updated loses no scan: the next run applies its own. */
        bool bad = strncmp(regline, "error: ", 7) == 0;
        char msg[sizeof regline + 64];
        snprintf(msg, sizeof msg, "%s%s", bad ? "risk register not updated: " : "",
                 bad ? regline + 7 : regline);
        ui_say(&ui, bad ? SCANLOG_WARNING : SCANLOG_INFO, msg);
    }
    if (ui.stream) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "scan_id", r->meta.id);
        cJSON_AddNumberToObject(p, "hosts_up", (double)r->meta.stats.hosts_up);
        cJSON_AddNumberToObject(p, "open", (double)r->meta.stats.open);
        cJSON_AddNumberToObject(p, "findings", (double)r->n_findings);
        cJSON_AddBoolToObject(p, "complete", r->meta.complete);
        cJSON_AddBoolToObject(p, "cancelled", cancelled != 0);
        ndjson_emit(ui.stream, "scan_end", p);
    }
    /* With --ndjson - standard output is the event stream: keep the summary out of it. */
    bool stdout_is_stream = o.ndjson && strcmp(o.ndjson, "-") == 0;
    char line[600];
    summary_line(r, &hist, (mono_ms() - t_start) / 1000.0, line, sizeof line);
    ui_say(&ui, SCANLOG_INFO, line);
    if (o.cron) /* cron mails standard output: one line, the log has the rest */
        printf("%s\n", line);
    else if (!stdout_is_stream)
        print_summary(stdout, r, &hist, (mono_ms() - t_start) / 1000.0);
    else if (!o.quiet)
        print_summary(stderr, r, &hist, (mono_ms() - t_start) / 1000.0);
    if (evl && !o.cron)
        print_compliance(stdout_is_stream ? stderr : stdout, evl);
    if (regline[0] && strncmp(regline, "error: ", 7) != 0 && !o.cron)
        fprintf(stdout_is_stream ? stderr : stdout, "riskmap: %s\n", regline);
    if (o.output_dir && ui.progress.out)
        fprintf(stderr, "riskmap: scan result written to %s\n", path);
    if (cancelled) {
        rm_errf(e, "scan interrupted; what was found is kept%s (marked incomplete)",
                o.output_dir ? " in the scan result" : "");
        goto restore;
    }
    if (failed) {
        *e = failure;
        goto restore;
    }
    rc = EXIT_DONE;
    if (o.fail_on >= 0)
        for (size_t i = 0; i < r->n_findings; i++)
            if ((int)r->findings[i]->severity >= o.fail_on)
                rc = EXIT_FINDINGS;
restore:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
out:
    if (rc != EXIT_DONE && rc != EXIT_FINDINGS && e->msg[0] && ui.log.kind != SCANLOG_PLAIN)
        scanlog_write(&ui.log, SCANLOG_ERROR, e->msg);
    for (size_t i = 0; i < diags.n; i++)
        fprintf(stderr, "riskmap: %s\n", diags.msg[i]);
    diags_free(&diags);
    evaluation_free(evl);
    scan_client_free(&client);
    patch_feed_release();
    privs_committer_abort(&committer);
    datadir_unlock(&lock);
    history_free(&hist);
    scanlog_close(&ui.log);
    if (ndjson_close(ui.stream) < 0 && rc == EXIT_DONE) {
        rm_errf(e, "%s: writing the event stream failed", o.ndjson);
        rc = EXIT_RUNTIME;
    }
    scan_result_free(r);
    ports_free(&pl);
    ports_free(&allowed);
    ports_free(&alive);
    backup_config_free(&backup);
    inventory_set_free(&invs);
    discover_close(disc);
    discovery_free(&found);
    synscan_prep_free(prep);
    scope_free(alive_scope);
    scope_free(scope);
    scan_opts_free(&o);
    return rc;
}
