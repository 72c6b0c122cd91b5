/* The engine room: round-trip estimation, the token bucket, and the connect-scan engine
 * itself against real listening sockets the test opens on 127.0.21.0/24 (loopback only). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scanner/portscan.h"
#include "scanner/ratelimit.h"
#include "scanner/rtt.h"

static void rtt_follows_rfc6298(void **state)
{
    (void)state;
    struct rtt_est r = {0};
    assert_true(rtt_timeout(&r, 1000, 10, 1500) == 1000); /* no sample: initial */
    rtt_sample(&r, 100);
    assert_true(r.srtt_ms == 100 && r.rttvar_ms == 50);
    assert_true(rtt_timeout(&r, 1000, 10, 1500) == 300); /* 100 + 4 * 50 */
    rtt_sample(&r, 200);
    /* rttvar = 0.75 * 50 + 0.25 * 100 = 62.5; srtt = 0.875 * 100 + 0.125 * 200 = 112.5 */
    assert_true(r.rttvar_ms == 62.5 && r.srtt_ms == 112.5);
    struct rtt_est fast = {0};
    for (int i = 0; i < 20; i++)
        rtt_sample(&fast, 0.05);
    assert_true(rtt_timeout(&fast, 1000, 10, 1500) == 10); /* clamped to the floor */
    struct rtt_est slow = {0};
    rtt_sample(&slow, 5000);
    assert_true(rtt_timeout(&slow, 1000, 10, 1500) == 1500); /* and the ceiling */
}

static void token_bucket_paces(void **state)
{
    (void)state;
    struct tokenbucket tb;
    tb_init(&tb, 1000, 0); /* 1 per ms, burst 10 */
    assert_true(tb_take(&tb, 0));
    assert_false(tb_take(&tb, 0));
    assert_true(tb_wait_ms(&tb, 0) > 0.99 && tb_wait_ms(&tb, 0) < 1.01);
    int taken = 0;
    for (int t = 1; t <= 100; t++)
        while (tb_take(&tb, t))
            taken++;
    assert_int_equal(taken, 100); /* exactly the rate over 100 ms */
    /* After idling, only the burst is available. */
    taken = 0;
    while (tb_take(&tb, 10000))
        taken++;
    assert_int_equal(taken, 10);
    tb_init(&tb, 0, 0); /* unlimited */
    for (int i = 0; i < 100000; i++)
        assert_true(tb_take(&tb, 0));
    assert_true(tb_wait_ms(&tb, 0) == 0);
}

static int listen_on(const char *ip, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    assert_int_equal(listen(fd, 64), 0);
    return fd;
}

/* Connections waiting in a listener's accept queue (each accepted and closed). */
static int drain(int fd)
{
    int n = 0;
    for (int i = 0; i < 1000; i++) {
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            break;
        close(c);
        n++;
    }
    return n;
}

struct seen {
    int host_up, port_open, ticks;
};

static void on_up(const struct host *h, void *arg)
{
    (void)h;
    ((struct seen *)arg)->host_up++;
}
static void on_open(const struct host *h, const struct service *s, void *arg)
{
    (void)h;
    (void)s;
    ((struct seen *)arg)->port_open++;
}
static void on_tick(const struct portscan_progress *p, void *arg)
{
    (void)p;
    ((struct seen *)arg)->ticks++;
}

static void engine_finds_exactly_the_open_ports(void **state)
{
    (void)state;
    /* Ports high enough to be free on a test machine; two hosts listen, one is excluded. */
    const uint16_t base = 31500;
    int l1 = listen_on("127.0.21.1", base + 1);
    int l2 = listen_on("127.0.21.2", base + 3);
    int l3 = listen_on("127.0.21.2", base + 7);
    int lx = listen_on("127.0.21.3", base + 1);
    if (l1 < 0 || l2 < 0 || l3 < 0 || lx < 0)
        skip(); /* ports taken by something else on this machine */

    struct scope *s = scope_new();
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_target(s, "127.0.21.0/29", &e), 0);
    assert_int_equal(scope_add_target(s, "127.0.21.2", &e), 0); /* duplicate */
    assert_int_equal(scope_add_exclude(s, "127.0.21.3", &e), 0);
    assert_int_equal(scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e), 0);
    struct portlist pl;
    char spec[32];
    snprintf(spec, sizeof spec, "%u-%u", base, base + 9);
    assert_int_equal(ports_parse(spec, &pl, &e), 0);

    for (unsigned threads = 1; threads <= 3; threads += 2) {
        struct portscan_cfg cfg = {
            .scope = s, .ports = &pl, .rate = 0, .max_concurrency = 16, .retries = 1,
            .threads = threads, .initial_timeout_ms = 1000, .min_timeout_ms = 10,
            .max_timeout_ms = 1500, .seed = 42 + threads,
        };
        struct seen seen = {0};
        struct portscan_events ev = {.host_up = on_up, .port_open = on_open, .tick = on_tick, .arg = &seen};
        static struct portscan_progress prog;
        memset(&prog, 0, sizeof prog);
        struct scan_result *r = scan_result_new();
        assert_int_equal(portscan_run(&cfg, &ev, &prog, r, &e), 0);
        scan_sort_hosts(r);

        /* 7 addresses in scope (8 - 1 excluded), every one answers on loopback. */
        assert_int_equal(r->n_hosts, 7);
        assert_int_equal(seen.host_up, 7);
        assert_int_equal(r->meta.stats.open, 3);
        assert_int_equal(r->meta.stats.closed, 7 * 10 - 3);
        assert_int_equal(r->meta.stats.filtered, 0);
        assert_int_equal(seen.port_open, 3);
        assert_true(seen.ticks >= 1);
        /* Every raw pair accounted for: 9 raw hosts (8 + the duplicate) x 10 ports. */
        assert_int_equal(r->meta.stats.ports_done, 90);
        assert_int_equal(prog.hosts_done, 7);

        struct rm_addr a1, a2;
        addr_parse("127.0.21.1", &a1);
        addr_parse("127.0.21.2", &a2);
        struct host *h1 = scan_find_host(r, &a1), *h2 = scan_find_host(r, &a2);
        assert_non_null(h1);
        assert_non_null(h2);
        assert_int_equal(h1->n_services, 1);
        assert_int_equal(h1->services[0].port, base + 1);
        assert_int_equal(h2->n_services, 2);
        assert_int_equal(h2->services[0].port, base + 3);
        assert_int_equal(h2->services[1].port, base + 7);
        assert_int_equal(h2->n_closed, 8);

        assert_int_equal(drain(l1), 1);
        assert_int_equal(drain(l2), 1); /* the duplicate target was scanned once */
        assert_int_equal(drain(l3), 1);
        assert_int_equal(drain(lx), 0); /* the excluded address saw nothing */
        scan_result_free(r);
    }
    ports_free(&pl);
    scope_free(s);
    close(l1);
    close(l2);
    close(l3);
    close(lx);
}

static void engine_stops_when_cancelled(void **state)
{
    (void)state;
    struct scope *s = scope_new();
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_target(s, "127.0.22.0/24", &e), 0);
    assert_int_equal(scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e), 0);
    struct portlist pl;
    assert_int_equal(ports_parse("1-1000", &pl, &e), 0);
    atomic_int cancel = 1; /* cancelled before it starts */
    struct portscan_cfg cfg = {
        .scope = s, .ports = &pl, .rate = 100, .max_concurrency = 8, .retries = 0,
        .threads = 2, .initial_timeout_ms = 100, .min_timeout_ms = 10, .max_timeout_ms = 100,
        .seed = 1, .cancel = &cancel,
    };
    static struct portscan_progress prog;
    memset(&prog, 0, sizeof prog);
    struct scan_result *r = scan_result_new();
    assert_int_equal(portscan_run(&cfg, NULL, &prog, r, &e), 0);
    assert_true(r->meta.stats.probes_sent < 10);
    scan_result_free(r);
    ports_free(&pl);
    scope_free(s);
}

static void rate_limit_is_honoured(void **state)
{
    (void)state;
    /* 200 closed ports at 1000/s must take at least ~0.19 s: the limit is enforced. This is a
     * lower bound on elapsed time (a property), not a performance assertion. */
    struct scope *s = scope_new();
    struct rm_err e = {{0}};
    assert_int_equal(scope_add_target(s, "127.0.23.1", &e), 0);
    assert_int_equal(scope_finalize(s, SCOPE_DEFAULT_LIMIT, &e), 0);
    struct portlist pl;
    assert_int_equal(ports_parse("40001-40200", &pl, &e), 0);
    struct portscan_cfg cfg = {
        .scope = s, .ports = &pl, .rate = 1000, .max_concurrency = 64, .retries = 0,
        .threads = 2, .initial_timeout_ms = 1000, .min_timeout_ms = 10, .max_timeout_ms = 1500,
        .seed = 3,
    };
    static struct portscan_progress prog;
    memset(&prog, 0, sizeof prog);
    struct scan_result *r = scan_result_new();
    assert_int_equal(portscan_run(&cfg, NULL, &prog, r, &e), 0);
    assert_int_equal(r->meta.stats.probes_sent, 200);
    assert_true(r->meta.stats.duration_s >= 0.17);
    scan_result_free(r);
    ports_free(&pl);
    scope_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rtt_follows_rfc6298),
        cmocka_unit_test(token_bucket_paces),
        cmocka_unit_test(engine_finds_exactly_the_open_ports),
        cmocka_unit_test(engine_stops_when_cancelled),
        cmocka_unit_test(rate_limit_is_honoured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
