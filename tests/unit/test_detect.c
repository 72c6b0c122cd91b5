/* Service detection: the shipped signature table against responses captured from real
 * servers (tests/fixtures/banners/, see README there), malformed signature files, hostile
 * responses, and the engine end to end against in-process listeners on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scanner/atomic.h"
#include "scanner/detect.h"
#include "scanner/model.h"
#include "scanner/sigs.h"

static struct sig_table *builtin;

static int setup(void **state)
{
    (void)state;
    struct rm_err e = {{0}};
    if (sigs_load_builtin(&builtin, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sigs_free(builtin);
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void shipped_table_loads(void **state)
{
    (void)state;
    assert_true(sigs_count(builtin) >= 40);
    /* The embedded copy is the file in the repository, byte for byte. */
    char *text = NULL;
    size_t len = 0;
    struct rm_err e = {{0}};
    assert_int_equal(read_file_bounded(SIGS_BUILTIN_LABEL, 1 << 20, &text, &len, &e), 0);
    assert_int_equal(len, riskmap_sigs_len);
    assert_memory_equal(text, riskmap_sigs_data, len);
    free(text);
}

struct expect {
    const char *file; /* under tests/fixtures/banners/; the extension names the probe */
    const char *service, *product, *version, *info, *cpe;
};

/* Captured from the lab's real servers unless the name starts with "synthetic-". */
static const struct expect fixtures[] = {
    {"openssh-debian.banner", "ssh", "OpenSSH", "9.2p1", "Debian 2+deb12u10; protocol 2.0",
     "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"},
    {"nginx.http", "http", "nginx", "1.22.1", NULL, "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"},
    {"redis.redis", "redis", "Redis key-value store", "7.0.15", "mode standalone",
     "cpe:2.3:a:redis:redis:7.0.15:*:*:*:*:*:*:*"},
    {"memcached.memcached", "memcached", "memcached", "1.6.18", NULL,
     "cpe:2.3:a:memcached:memcached:1.6.18:*:*:*:*:*:*:*"},
    {"vsftpd.banner", "ftp", "vsftpd", "3.0.3", NULL, "cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*"},
    {"openssl-s_server-tls.http", "http", "OpenSSL s_server", NULL, NULL,
     "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"},
    {"synthetic-openssh-ubuntu.banner", "ssh", "OpenSSH", "8.9p1",
     "Ubuntu 3ubuntu0.6; protocol 2.0", "cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*"},
    {"synthetic-apache.http", "http", "Apache httpd", "2.4.62", "Debian",
     "cpe:2.3:a:apache:http_server:2.4.62:*:*:*:*:*:*:*"},
    {"synthetic-proftpd.banner", "ftp", "ProFTPD", NULL, NULL,
     "cpe:2.3:a:proftpd:proftpd:*:*:*:*:*:*:*:*"},
    {"synthetic-pureftpd.banner", "ftp", "Pure-FTPd", NULL, NULL,
     "cpe:2.3:a:pureftpd:pure-ftpd:*:*:*:*:*:*:*:*"},
    {"synthetic-postfix.banner", "smtp", "Postfix smtpd", NULL, "Debian/GNU",
     "cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*"},
    {"synthetic-exim.banner", "smtp", "Exim smtpd", "4.96", NULL,
     "cpe:2.3:a:exim:exim:4.96:*:*:*:*:*:*:*"},
    {"synthetic-dovecot-pop3.banner", "pop3", "Dovecot pop3d", NULL, "Debian",
     "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"},
    {"synthetic-dovecot-imap.banner", "imap", "Dovecot imapd", NULL, "Debian",
     "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"},
    {"synthetic-mariadb.banner", "mysql", "MariaDB", "10.11.6", "0+deb12u1",
     "cpe:2.3:a:mariadb:mariadb:10.11.6:*:*:*:*:*:*:*"},
    {"synthetic-mysql.banner", "mysql", "MySQL", "8.0.36", NULL,
     "cpe:2.3:a:oracle:mysql:8.0.36:*:*:*:*:*:*:*"},
    {"synthetic-postgresql.postgres", "postgresql", NULL, NULL, "SSL not supported", NULL},
};

static void assert_str_or_null(const char *got, const char *want, const char *what,
                               const char *file)
{
    if (!want && !got)
        return;
    if (!want || !got || strcmp(want, got) != 0)
        fail_msg("%s: %s is \"%s\", expected \"%s\"", file, what, got ? got : "(null)",
                 want ? want : "(null)");
}

static void captured_responses_identify(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        const struct expect *x = &fixtures[i];
        char path[256], probe[32];
        snprintf(path, sizeof path, "tests/fixtures/banners/%s", x->file);
        snprintf(probe, sizeof probe, "%s", strrchr(x->file, '.') + 1);
        char *data = NULL;
        size_t len = 0;
        struct rm_err e = {{0}};
        if (read_file_bounded(path, 1 << 20, &data, &len, &e) < 0)
            fail_msg("%s (run the tests from the repository root)", e.msg);
        struct sig_match m;
        if (sigs_match(builtin, probe, (const unsigned char *)data, len, &m) != 1)
            fail_msg("%s: no signature matched", x->file);
        assert_str_or_null(m.service, x->service, "service", x->file);
        assert_str_or_null(m.product, x->product, "product", x->file);
        assert_str_or_null(m.version, x->version, "version", x->file);
        assert_str_or_null(m.info, x->info, "info", x->file);
        assert_str_or_null(m.cpe, x->cpe, "cpe", x->file);
        sig_match_clear(&m);
        free(data);
    }
}

static void generic_fallbacks(void **state)
{
    (void)state;
    struct sig_match m;
    static const char ssh[] = "SSH-2.0-SomethingElse_1.0\r\n";
    assert_int_equal(sigs_match(builtin, "banner", (const unsigned char *)ssh, strlen(ssh), &m), 1);
    assert_string_equal(m.service, "ssh");
    assert_null(m.product);
    sig_match_clear(&m);
    /* An HTTP answer to a probe that was not HTTP still says HTTP. */
    static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(sigs_match(builtin, "redis", (const unsigned char *)http, strlen(http), &m), 1);
    assert_string_equal(m.service, "http");
    sig_match_clear(&m);
    static const char none[] = "hello there\r\n";
    assert_int_equal(sigs_match(builtin, "banner", (const unsigned char *)none, strlen(none), &m), 0);
    assert_null(m.service);
}

struct bad {
    const char *text, *msg;
};

static void malformed_files_name_file_and_line(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {"# ok\nmatch banner ssh m|^SSH-(|\n", "t.txt:2: regex error at offset 6: missing closing parenthesis"},
        {"matc banner ssh m|x|\n", "t.txt:1: expected \"match PROBE SERVICE m/REGEX/ ...\""},
        {"match banner\n", "t.txt:1: missing service name"},
        {"match banner ssh p/x/\n", "t.txt:1: missing m/REGEX/"},
        {"\n\nmatch banner ssh m|x| q/y/\n", "t.txt:3: unknown field \"q\""},
        {"match banner ssh m|x| p/y\n", "t.txt:1: malformed field at column 23 (KEY/TEXT/ expected)"},
        {"match banner ssh m|(x)| v/$2/\n", "t.txt:1: template refers to $2 but the regex has 1 group(s)"},
        {"match banner ssh m|x| v/$a/\n", "t.txt:1: \"$\" must be followed by 1-9 or $"},
        {"match banner ssh m|x| p/a/ p/b/\n", "t.txt:1: field \"p\" given twice"},
        {"match banner ssh m|x|p/a/\n", "t.txt:1: expected a space after field \"m\""},
        {"match banner ssh m|x| m|y|\n", "t.txt:1: more than one m// field"},
        {"match banner ssh m|(1)(2)(3)(4)(5)(6)(7)(8)(9)(10)|\n", "t.txt:1: more than 9 capture groups"},
        {"# nothing\n\n", "t.txt: no signatures"},
        {"match banner SSH m|x|\n", "t.txt:1: missing service name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sig_table *t = NULL;
        struct rm_err e = {{0}};
        if (sigs_load(bad[i].text, strlen(bad[i].text), "t.txt", &t, &e) != -1)
            fail_msg("accepted: %s", bad[i].text);
        assert_null(t);
        if (strcmp(e.msg, bad[i].msg) != 0)
            fail_msg("for %s\n got \"%s\"\nwant \"%s\"", bad[i].text, e.msg, bad[i].msg);
    }
    /* A NUL byte and an overlong line. */
    static const char nul[] = "match banner ssh m|a\0b|\n";
    struct sig_table *t = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(sigs_load(nul, sizeof nul - 1, "t.txt", &t, &e), -1);
    assert_non_null(strstr(e.msg, "t.txt:1: NUL byte"));
    char *longl = malloc(10000);
    memset(longl, 'a', 9999);
    longl[9999] = '\n';
    assert_int_equal(sigs_load(longl, 10000, "t.txt", &t, &e), -1);
    assert_string_equal(e.msg, "t.txt:1: line longer than 4096 bytes");
    free(longl);
}

static void templates_are_sanitised(void **state)
{
    (void)state;
    static const char text[] =
        "match banner x m|^V(.*)\\r\\n|s p/p $1/ v/$1/ cpe|cpe:2.3:a:x:y:$1:*:*:*:*:*:*:*| i/$$5/\n";
    struct sig_table *t = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(sigs_load(text, strlen(text), "t.txt", &t, &e), 0);
    struct sig_match m;
    static const unsigned char in[] = "V1.0:b*c\x01\x7f\xff\t\tz\r\n";
    assert_int_equal(sigs_match(t, "banner", in, sizeof in - 1, &m), 1);
    assert_string_equal(m.version, "1.0:b*c z"); /* control and 8-bit bytes dropped, tabs folded */
    assert_string_equal(m.cpe, "cpe:2.3:a:x:y:1.0\\:b\\*c_z:*:*:*:*:*:*:*");
    assert_string_equal(m.info, "$5");
    sig_match_clear(&m);
    /* A huge group is cut at SIGS_MAX_FIELD. */
    size_t n = 100000;
    unsigned char *big = malloc(n);
    big[0] = 'V';
    memset(big + 1, 'a', n - 3);
    big[n - 2] = '\r';
    big[n - 1] = '\n';
    assert_int_equal(sigs_match(t, "banner", big, n, &m), 1);
    assert_true(strlen(m.version) < SIGS_MAX_FIELD);
    sig_match_clear(&m);
    free(big);
    sigs_free(t);
}

static void hostile_responses_are_bounded(void **state)
{
    (void)state;
    /* A regex that backtracks catastrophically must hit the match limit, not hang. */
    static const char text[] = "match banner x m|^(a+)+$|\n";
    struct sig_table *t = NULL;
    struct rm_err e = {{0}};
    assert_int_equal(sigs_load(text, strlen(text), "t.txt", &t, &e), 0);
    unsigned char evil[64];
    memset(evil, 'a', sizeof evil);
    evil[sizeof evil - 1] = '!';
    struct sig_match m;
    double t0 = now_ms();
    assert_int_equal(sigs_match(t, "banner", evil, sizeof evil, &m), 0);
    assert_true(now_ms() - t0 < 2000);
    sigs_free(t);

    /* Every probe of the shipped table over 1 MiB of binary noise and of repeated
     * near-misses: no crash, bounded time, printable results. */
    size_t n = 1 << 20;
    unsigned char *noise = malloc(n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise[i] = (unsigned char)x;
    }
    unsigned char *near = malloc(n);
    for (size_t i = 0; i < n; i++)
        near[i] = (unsigned char)"HTTP/1.1 200 OK\r\nServer: \r\nSSH-2.0-\x00\n"[i % 38];
    static const char *const probes[] = {"banner", "http", "redis", "memcached", "postgres"};
    t0 = now_ms();
    for (size_t p = 0; p < 5; p++) {
        const unsigned char *inputs[] = {noise, near};
        for (size_t k = 0; k < 2; k++) {
            int rc = sigs_match(builtin, probes[p], inputs[k], n, &m);
            assert_true(rc == 0 || rc == 1);
            const char *fields[] = {m.product, m.version, m.info, m.cpe};
            for (size_t f = 0; f < 4; f++)
                for (const char *c = fields[f]; c && *c; c++)
                    assert_true(*c >= 0x20 && *c <= 0x7e);
            sig_match_clear(&m);
        }
    }
    assert_true(now_ms() - t0 < 20000);
    free(noise);
    free(near);
}

static void plans_follow_the_port(void **state)
{
    (void)state;
    assert_string_equal(detect_plan_str(22), "banner,http");
    assert_string_equal(detect_plan_str(80), "http,banner,tls:http");
    assert_string_equal(detect_plan_str(443), "tls:http,http");
    assert_string_equal(detect_plan_str(993), "tls:banner,banner");
    assert_string_equal(detect_plan_str(6379), "redis,banner");
    assert_string_equal(detect_plan_str(11211), "memcached");
    assert_string_equal(detect_plan_str(5432), "postgres");
    assert_string_equal(detect_plan_str(40000), "banner,http,tls:http");
}

/* ---- the engine against in-process listeners ------------------------------------------- */

struct listener {
    int fd;
    uint16_t port;
    const unsigned char *payload; /* sent on accept; NULL = silent */
    size_t len;
    size_t repeat;                /* payload sent this many times */
    const char *reply;            /* sent once whenever the client has said something */
    volatile int stop;
    pthread_t tid;
};

static void *serve(void *arg)
{
    struct listener *l = arg;
    double end = now_ms() + 20000; /* bounded whatever happens */
    while (!l->stop && now_ms() < end) {
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(l->fd, NULL, NULL);
        if (c < 0)
            continue;
        for (size_t i = 0; l->payload && i < l->repeat; i++)
            if (send(c, l->payload, l->len, MSG_NOSIGNAL) < 0)
                break;
        /* Hold the connection until the client closes it or the test ends. */
        char buf[512];
        while (!l->stop && now_ms() < end) {
            struct pollfd q = {.fd = c, .events = POLLIN};
            if (poll(&q, 1, 50) <= 0)
                continue;
            if (recv(c, buf, sizeof buf, 0) <= 0)
                break;
            if (l->reply)
                send(c, l->reply, strlen(l->reply), MSG_NOSIGNAL);
        }
        close(c);
    }
    return NULL;
}

static void listener_start(struct listener *l)
{
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l->fd, 16), 0);
    socklen_t sl = sizeof a;
    getsockname(l->fd, (struct sockaddr *)&a, &sl);
    l->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&l->tid, NULL, serve, l), 0);
}

static void listener_stop(struct listener *l)
{
    l->stop = 1;
    pthread_join(l->tid, NULL);
    close(l->fd);
}

static void engine_identifies_and_bounds(void **state)
{
    (void)state;
    static const unsigned char ftp[] = "220 (vsFTPd 3.0.3)\r\n";
    static const unsigned char junk[] = "0123456789abcdef";
    struct listener ls[3] = {
        {.payload = ftp, .len = sizeof ftp - 1, .repeat = 1},
        {.payload = NULL},                                  /* silent */
        {.payload = junk, .len = sizeof junk - 1, .repeat = 4096}, /* 64 KiB of noise */
    };
    for (int i = 0; i < 3; i++)
        listener_start(&ls[i]);
    struct scan_result *r = scan_result_new();
    assert_non_null(r);
    struct host *h = scan_add_host(r, &(struct rm_addr){0});
    assert_int_equal(addr_parse("127.0.0.1", &h->addr), 0);
    for (int i = 0; i < 3; i++)
        assert_non_null(host_add_service(h, ls[i].port, PORT_OPEN, "unknown-guess", "syn-ack", 0.1));
    /* A closed port: refused at once, nothing kept. */
    assert_non_null(host_add_service(h, 1, PORT_OPEN, NULL, "syn-ack", 0.1));

    struct detect_opts o = {.timeout_ms = 300, .max_concurrency = 4, .max_bytes = 1000};
    struct rm_err e = {{0}};
    double t0 = now_ms();
    assert_int_equal(detect_services(r, &o, &e), 0);
    double took = now_ms() - t0;
    /* The silent port costs at most banner (150) + http (300) + tls (300) ms, plus slack. */
    assert_true(took < 3000);

    struct service *s = &h->services[0];
    assert_string_equal(s->name, "ftp");
    assert_string_equal(s->method, "banner");
    assert_string_equal(s->product, "vsftpd");
    assert_string_equal(s->version, "3.0.3");
    assert_non_null(s->evidence_id);
    struct evidence *ev = NULL;
    for (size_t i = 0; i < r->n_evidence; i++)
        if (strcmp(r->evidence[i]->id, s->evidence_id) == 0)
            ev = r->evidence[i];
    assert_non_null(ev);
    assert_int_equal(ev->len, sizeof ftp - 1);
    assert_memory_equal(ev->data, ftp, ev->len);

    s = &h->services[1]; /* silent: the guess stays, marked as such */
    assert_string_equal(s->name, "unknown-guess");
    assert_string_equal(s->method, "port");
    assert_null(s->product);
    assert_null(s->evidence_id);

    s = &h->services[2]; /* noise: not identified, but what it said is kept, bounded */
    assert_string_equal(s->method, "port");
    assert_non_null(s->evidence_id);
    for (size_t i = 0; i < r->n_evidence; i++)
        if (strcmp(r->evidence[i]->id, s->evidence_id) == 0)
            assert_true(r->evidence[i]->len <= 1000);

    s = &h->services[3];
    assert_null(s->name);
    assert_null(s->evidence_id);

    scan_result_free(r);
    for (int i = 0; i < 3; i++)
        listener_stop(&ls[i]);
}

/* SMTP: after the banner, EHLO shows whether STARTTLS is offered; both answers are evidence. */
static void engine_smtp_ehlo(void **state)
{
    (void)state;
    static const unsigned char banner[] = "220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n";
    struct listener l = {.payload = banner, .len = sizeof banner - 1, .repeat = 1,
                         .reply = "250-mail.example.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
                                  "250 8BITMIME\r\n"};
    listener_start(&l);
    struct scan_result *r = scan_result_new();
    struct host *h = scan_add_host(r, &(struct rm_addr){0});
    assert_int_equal(addr_parse("127.0.0.1", &h->addr), 0);
    host_add_service(h, l.port, PORT_OPEN, NULL, "syn-ack", 0.1);
    struct detect_opts o = {.timeout_ms = 1000};
    struct rm_err e = {{0}};
    assert_int_equal(detect_services(r, &o, &e), 0);
    struct service *s = &h->services[0];
    assert_string_equal(s->name, "smtp");
    assert_string_equal(s->product, "Postfix smtpd");
    assert_string_equal(s->info, "Debian/GNU; STARTTLS offered");
    assert_int_equal(r->n_evidence, 1);
    assert_non_null(memmem(r->evidence[0]->data, r->evidence[0]->len, "250 8BITMIME", 12));
    scan_result_free(r);
    listener_stop(&l);
}

static void engine_honours_cancel(void **state)
{
    (void)state;
    struct listener l = {.payload = NULL};
    listener_start(&l);
    struct scan_result *r = scan_result_new();
    struct host *h = scan_add_host(r, &(struct rm_addr){0});
    assert_int_equal(addr_parse("127.0.0.1", &h->addr), 0);
    for (int i = 0; i < 20; i++)
        host_add_service(h, l.port, PORT_OPEN, NULL, "syn-ack", 0.1);
    volatile sig_atomic_t cancel = 1;
    struct detect_opts o = {.timeout_ms = 5000, .max_concurrency = 2, .cancel = &cancel};
    struct rm_err e = {{0}};
    double t0 = now_ms();
    assert_int_equal(detect_services(r, &o, &e), 0);
    assert_true(now_ms() - t0 < 1000);
    scan_result_free(r);
    listener_stop(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_table_loads),
        cmocka_unit_test(captured_responses_identify),
        cmocka_unit_test(generic_fallbacks),
        cmocka_unit_test(malformed_files_name_file_and_line),
        cmocka_unit_test(templates_are_sanitised),
        cmocka_unit_test(hostile_responses_are_bounded),
        cmocka_unit_test(plans_follow_the_port),
        cmocka_unit_test(engine_identifies_and_bounds),
        cmocka_unit_test(engine_smtp_ehlo),
        cmocka_unit_test(engine_honours_cancel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
