/* `riskmap scan`: scope -> port scan -> checks -> scan result document. */
#include <errno.h>
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

#include "scanner/atomic.h"
#include "scanner/checkrun.h"
#include "scanner/cli.h"
#include "scanner/detect.h"
#include "scanner/help.h"
#include "scanner/ndjson.h"
#include "scanner/options.h"
#include "scanner/portscan.h"
#include "scanner/privs.h"
#include "scanner/ports.h"
#include "scanner/progress.h"
#include "scanner/result.h"
#include "scanner/scope.h"
#include "scanner/synscan.h"

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
    FILE *log; /* NULL with -q */
    bool drop;        /* root running -sS: become --user once the raw sockets are open */
    bool drop_failed; /* the drop was attempted and failed: stop, do nothing more */
    uid_t uid;        /* --user's ids, looked up before the scan */
    gid_t gid;
    const char *user;
    bool debug_privs; /* --debug-privs */
};

static void ui_log(const char *msg, void *arg)
{
    struct scan_ui *ui = arg;
    if (!ui->log || !ui->verbose)
        return;
    pthread_mutex_lock(&ui->lock);
    progress_clear(&ui->progress);
    fprintf(ui->log, "riskmap: %s\n", msg);
    pthread_mutex_unlock(&ui->lock);
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
    if (ui->log && ui->verbose >= 2) {
        char msg[96];
        snprintf(msg, sizeof msg, "open %s port %u (rtt %.3f ms)", addr, (unsigned)s->port, s->rtt_ms);
        ui_log(msg, ui);
    }
}

static void ui_tick(const struct portscan_progress *p, void *arg)
{
    struct scan_ui *ui = arg;
    pthread_mutex_lock(&ui->lock);
    progress_draw(&ui->progress, p, mono_ms());
    pthread_mutex_unlock(&ui->lock);
}

/* The SYN engine has opened its raw socket and capture: nothing has been sent or read yet. */
static int ui_opened(void *arg, struct rm_err *e)
{
    struct scan_ui *ui = arg;
    char msg[160];
    if (ui->drop) {
        if (privs_drop(ui->uid, ui->gid, e) < 0) {
            ui->drop_failed = true;
            return -1;
        }
        snprintf(msg, sizeof msg, "raw socket and capture open; root dropped: now %s (uid %u, "
                 "gid %u), no supplementary groups, no capabilities", ui->user,
                 (unsigned)ui->uid, (unsigned)ui->gid);
    } else
        snprintf(msg, sizeof msg, "not running as root: --user %s has no effect", ui->user);
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
    return m->id && m->riskmap_version && m->started_utc && m->operator_name &&
                   m->scanner_host && m->command_line && st->ports_spec && st->ports_scanned ? 0 : -1;
}

static void print_summary(FILE *out, const struct scan_result *r)
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
            snprintf(port, sizeof port, "%u/tcp", (unsigned)s->port);
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
            "%.2f s\n",
            (unsigned long long)r->meta.settings.address_count,
            (unsigned long long)r->meta.settings.port_count, (unsigned long long)st->hosts_up,
            (unsigned long long)st->open, (unsigned long long)st->closed,
            (unsigned long long)st->filtered, r->n_findings, counts[SEV_CRITICAL], counts[SEV_HIGH],
            counts[SEV_MEDIUM], counts[SEV_LOW], counts[SEV_INFO], st->duration_s);
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
    struct scan_result *r = NULL;
    struct scan_ui ui = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct privs_committer committer = {.sock = -1, .fd = -1};
    char path[PATH_MAX];
    if (!scope) {
        rm_errf(e, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
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
    if (o.allowed_ports && ports_parse(o.allowed_ports, &allowed, e) < 0) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg);
        rm_errf(e, "option --allowed-ports: %s", msg);
        goto out;
    }
    unsigned threads = o.threads ? o.threads : default_threads();
    if (!o.seed_set)
        o.seed = random64();
    if (o.dry_run) {
        rc = dry_run(&o, scope, &pl, threads);
        goto out;
    }

    /* Root running the SYN scan becomes --user once the raw sockets are open (ui_opened). */
    ui.user = o.user;
    ui.debug_privs = o.debug_privs;
    ui.drop = o.scan_type == SCAN_TYPE_SYN && geteuid() == 0;
    if (ui.drop && privs_lookup(o.user, &ui.uid, &ui.gid, e) < 0)
        goto out;

    rc = EXIT_RUNTIME;
    if (o.output_dir) {
        if ((size_t)snprintf(path, sizeof path, "%s/scan.json", o.output_dir) >= sizeof path) {
            rm_errf(e, "output directory path too long");
            goto out;
        }
        if (make_dirs(o.output_dir, 0700, e) < 0)
            goto out;
        /* After the drop no name can be made in the directory root created: the temporary
         * file is created now and a root helper renames it at the end (scanner/privs.h). */
        if (ui.drop && privs_committer_start(&committer, o.output_dir, "scan.json", 0600, e) < 0)
            goto out;
    }
    ui.scope = scope;
    ui.verbose = o.verbose;
    ui.log = o.quiet ? NULL : stderr;
    ui.progress.out = (!o.quiet && isatty(STDERR_FILENO)) ? stderr : NULL;
    if (o.ndjson && !(ui.stream = ndjson_open(o.ndjson, e)))
        goto out;

    r = scan_result_new();
    if (!r || fill_meta(r, &o, scope, &pl, argc, argv, threads) < 0) {
        rm_errf(e, "out of memory");
        goto out;
    }
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
    ui.progress.start_ms = mono_ms();
    /* From here on, a failure does not lose what was found: the document is still written,
     * marked incomplete with the reason, and the exit status says runtime failure. */
    struct rm_err failure = {{0}};
    /* The connect scan stays the default until the SYN scan is the root default. */
    bool syn = o.scan_type == SCAN_TYPE_SYN;
    if (syn)
        ui_log("SYN scan (-sS): raw socket and libpcap; --threads and --max-concurrency do not "
               "apply", &ui);
    bool failed = (syn ? synscan_run : portscan_run)(&cfg, &ev, &prog, r, &failure) < 0;
    progress_clear(&ui.progress);
    if (ui.drop_failed) {
        /* Possibly still partly root: no detection, no checks, no output; just stop. */
        *e = failure;
        goto restore;
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

    /* Checks run on whatever was found, also in a partial scan: an open port seen is seen. */
    struct checkrun_opts co = {
        .only = o.checks, .timeout_ms = o.max_timeout_ms, .cancel = &cancelled,
        .intrusive = o.intrusive, .tls_quick = o.tls_quick, .allowed_ports = o.allowed_ports ? allowed.ports : NULL,
        .n_allowed_ports = allowed.n,
        .on_finding = ui_finding, .cb_arg = &ui,
    };
    struct rm_err ce = {{0}};
    if (checkrun(r, &co, &ce) < 0 && !failed) {
        failed = true;
        failure = ce;
    }
    r->meta.complete = r->meta.complete && !failed && !cancelled;
    if (!r->meta.complete)
        r->meta.incomplete_reason = strdup(cancelled ? "interrupted" :
                                           failure.msg[0] ? failure.msg : "not every port was decided");
    r->meta.finished_utc = utc_now();

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
    } else if (o.output_dir && result_write(r, path, e) < 0)
        goto restore;
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
    if (!stdout_is_stream)
        print_summary(stdout, r);
    else if (!o.quiet)
        print_summary(stderr, r);
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
    privs_committer_abort(&committer);
    if (ndjson_close(ui.stream) < 0 && rc == EXIT_DONE) {
        rm_errf(e, "%s: writing the event stream failed", o.ndjson);
        rc = EXIT_RUNTIME;
    }
    scan_result_free(r);
    ports_free(&pl);
    ports_free(&allowed);
    scope_free(scope);
    scan_opts_free(&o);
    return rc;
}
