/* The UDP probes (scanner/probe_dns.h, probe_ntp.h, probe_snmp.h): requests byte for byte,
 * the parsers against answers captured from the real Debian 12 servers the integration test
 * starts (dnsmasq 2.90, chrony 4.3, Net-SNMP 5.9.3; tests/fixtures/banners/README), hostile
 * and foreign input, and the signature lines that name the product from the decoded answer;
 * then the stage end to end against in-process UDP responders on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scanner/atomic.h"
#include "scanner/model.h"
#include "scanner/probe_dns.h"
#include "scanner/probe_ntp.h"
#include "scanner/probe_snmp.h"
#include "scanner/sigs.h"
#include "scanner/udpprobe.h"

#include "sigs_fixture.h"

static void dns_query_and_answer(void **state)
{
    (void)state;
    unsigned char q[64];
    static const unsigned char want[] = {0x61, 0xe4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                         7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 4, 'b', 'i', 'n',
                                         'd', 0, 0, 16, 0, 3};
    assert_int_equal(dns_version_query(0x61e4, q, sizeof q), sizeof want);
    assert_memory_equal(q, want, sizeof want);
    assert_int_equal(dns_version_query(1, q, 20), 0);

    size_t n;
    unsigned char *d = load("dnsmasq-version.dns", &n);
    struct dns_reply r;
    assert_int_equal(dns_parse_reply(d, n, 0x61e4, &r), 1);
    assert_int_equal(r.rcode, 0);
    assert_true(r.authoritative);
    assert_true(r.have_txt);
    assert_string_equal(r.txt, "dnsmasq-2.90");
    char text[256];
    dns_describe(&r, text, sizeof text);
    assert_string_equal(text, "DNS\nrcode: NOERROR\nversion.bind: dnsmasq-2.90\n");
    expect_match("dns", text, "domain", "dnsmasq", "2.90", "version.bind: dnsmasq-2.90");
    /* Another id is not our answer; our own query is not an answer. */
    assert_int_equal(dns_parse_reply(d, n, 0x61e5, &r), 0);
    assert_int_equal(dns_parse_reply(q, sizeof want, 0x61e4, &r), 0);
    /* Cut anywhere: never a read past the end, and no TXT from a cut record. */
    for (size_t cut = 12; cut < n; cut++) {
        assert_int_equal(dns_parse_reply(d, cut, 0x61e4, &r), 1);
        assert_false(r.have_txt);
    }
    /* A TXT string longer than its record: bounded by the record. */
    d[n - 13] = 0xff;
    assert_int_equal(dns_parse_reply(d, n, 0x61e4, &r), 1);
    free(d);

    struct dns_reply refused = {.rcode = 5};
    dns_describe(&refused, text, sizeof text);
    expect_match("dns", text, "domain", NULL, NULL, "version.bind not answered (REFUSED)");
    struct dns_reply bind = {.have_txt = true};
    snprintf(bind.txt, sizeof bind.txt, "9.18.28-1~deb12u2-Debian");
    dns_describe(&bind, text, sizeof text);
    expect_match("dns", text, "domain", "ISC BIND", "9.18.28",
                 "version.bind: 9.18.28-1~deb12u2-Debian");
}

static void ntp_request_and_answer(void **state)
{
    (void)state;
    unsigned char q[64];
    assert_int_equal(ntp_client_request(0x0102030405060708ull, q, sizeof q), 48);
    assert_int_equal(q[0], 0x23);
    for (int i = 1; i < 40; i++)
        assert_int_equal(q[i], 0);
    assert_int_equal(q[40], 1);
    assert_int_equal(q[47], 8);
    assert_int_equal(ntp_client_request(1, q, 47), 0);

    size_t n;
    unsigned char *d = load("chronyd-local.ntp", &n);
    uint64_t nonce = 0;
    for (int i = 0; i < 8; i++) /* the origin timestamp chrony echoed: our request's */
        nonce = nonce << 8 | d[24 + i];
    struct ntp_reply r;
    assert_int_equal(ntp_parse_reply(d, n, nonce, &r), 1);
    assert_int_equal(r.version, 4);
    assert_int_equal(r.mode, 4);
    assert_int_equal(r.stratum, 8);
    assert_int_equal(r.leap, 0);
    assert_string_equal(r.refid, "127.127.1.1");
    char text[128];
    ntp_describe(&r, text, sizeof text);
    assert_string_equal(text, "NTP\nversion: 4\nmode: 4\nstratum: 8\nleap: 0\nrefid: 127.127.1.1\n");
    expect_match("ntp", text, "ntp", "NTP", NULL, "NTPv4; stratum 8; refid 127.127.1.1");
    assert_int_equal(ntp_parse_reply(d, n, nonce + 1, &r), 0); /* not our request */
    assert_int_equal(ntp_parse_reply(d, 47, nonce, &r), 0);
    assert_int_equal(ntp_parse_reply(q, 48, 0x0102030405060708ull, &r), 0); /* mode 3 */
    free(d);
}

static void snmp_request_and_answer(void **state)
{
    (void)state;
    unsigned char q[160];
    size_t n = snmp_get_request(SNMP_V2C, "public", 0x5347ba12, q, sizeof q);
    static const unsigned char want[] = {
        0x30, 0x37, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
        0xa0, 0x2a, 0x02, 0x04, 0x53, 0x47, 0xba, 0x12, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
        0x30, 0x1c, 0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0, 0x05, 0x00,
        0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 2, 0, 0x05, 0x00};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(q, want, sizeof want);
    char big[80];
    memset(big, 'c', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(snmp_get_request(SNMP_V1, big, 1, q, sizeof q), 0);
    assert_int_equal(snmp_get_request(SNMP_V1, "public", 1, q, 40), 0);

    /* snmpd's answers to the v2c request, then to the v1 request, as the stage keeps them. */
    size_t len;
    unsigned char *d = load("snmpd-public.snmp", &len);
    struct snmp_reply v2, v1;
    assert_int_equal(snmp_parse_response(d, len, &v2), 1);
    size_t first = (size_t)d[1] + 2;
    assert_int_equal(snmp_parse_response(d + first, len - first, &v1), 1);
    assert_int_equal(v2.version, SNMP_V2C);
    assert_int_equal(v1.version, SNMP_V1);
    assert_int_equal(v2.request_id, 0x5347ba12);
    assert_int_equal(v2.error_status, 0);
    assert_string_equal(v2.community, "public");
    assert_string_equal(v2.sys_object_id, "1.3.6.1.4.1.8072.3.2.10");
    assert_string_equal(v2.sys_descr, "Linux vm 6.18.44-fc-v769 #1 SMP PREEMPT_DYNAMIC @0 x86_64");
    char text[512];
    snmp_describe(&v2, &v1, text, sizeof text);
    assert_string_equal(text, "SNMP\nversions: 1,2c\ncommunity: public\n"
                              "sysObjectID: 1.3.6.1.4.1.8072.3.2.10\n"
                              "sysDescr: Linux vm 6.18.44-fc-v769 #1 SMP PREEMPT_DYNAMIC @0 x86_64\n");
    expect_match("snmp", text, "snmp", "net-snmp", NULL,
                 "SNMP 1,2c; community public; sysDescr Linux vm 6.18.44-fc-v769 #1 SMP "
                 "PREEMPT_DYNAMIC @0 x86_64");
    snmp_describe(NULL, &v1, text, sizeof text);
    assert_memory_equal(text, "SNMP\nversions: 1\n", 17);
    for (size_t cut = 0; cut < first; cut++)
        assert_int_equal(snmp_parse_response(d, cut, &v2), 0);
    /* Our own request is not a GetResponse. */
    assert_int_equal(snmp_parse_response(want, sizeof want, &v2), 0);
    free(d);
}

/* ---- the stage end to end -------------------------------------------------------------- */

/* A UDP responder on 127.0.28.254:port (the probes' own test address, see
 * tests/integration/test_more_probes.sh for the block) that answers every datagram with the fixture, patched so
 * that it answers that request: DNS id, NTP origin timestamp, SNMP request id. */
struct responder {
    int fd;
    uint16_t port;
    const char *fixture;
    pthread_t tid;
};

static void *respond(void *arg)
{
    struct responder *rs = arg;
    size_t n;
    unsigned char *d = load(rs->fixture, &n);
    unsigned char req[512];
    struct sockaddr_in from;
    for (int k = 0; k < 4; k++) {
        socklen_t fl = sizeof from;
        ssize_t got = recvfrom(rs->fd, req, sizeof req, 0, (struct sockaddr *)&from, &fl);
        if (got <= 0)
            break;
        size_t out = n;
        if (rs->port == 53) {
            memcpy(d, req, 2);
        } else if (rs->port == 123) {
            memcpy(d + 24, req + 40, 8);
        } else {
                /* request id at offset 17 of ours (community "public"), 15 + 2 of the answer */
            memcpy(d + 17, req + 17, 4);
            out = (size_t)d[1] + 2; /* the v2c answer only */
            if (req[4] == 0)
                continue; /* stay silent to v1: the stage must report v2c alone */
        }
        sendto(rs->fd, d, out, 0, (struct sockaddr *)&from, fl);
    }
    free(d);
    return NULL;
}

static void stage_end_to_end(void **state)
{
    (void)state;
    /* The responders need ports below 1024: without root none starts, and the stage must
     * then find nothing (ICMP port unreachable, at once) and leave the host as it was. */
    struct scan_result *r = scan_result_new();
    struct rm_addr a;
    assert_int_equal(addr_parse("127.0.28.254", &a), 0);
    struct host *h = scan_add_host(r, &a);
    host_add_service(h, 80, PORT_OPEN, "http", "syn-ack", 0.1);
    struct responder rs[3] = {{.port = 53, .fixture = "dnsmasq-version.dns"},
                              {.port = 123, .fixture = "chronyd-local.ntp"},
                              {.port = 161, .fixture = "snmpd-public.snmp"}};
    bool root = geteuid() == 0;
    size_t started = 0;
    for (size_t i = 0; root && i < 3; i++) {
        rs[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(rs[i].port)};
        inet_pton(AF_INET, "127.0.28.254", &sa.sin_addr);
        struct timeval tv = {.tv_sec = 1};
        setsockopt(rs[i].fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (bind(rs[i].fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            close(rs[i].fd); /* in use on this machine: skip that one */
            rs[i].fd = -1;
            continue;
        }
        pthread_create(&rs[i].tid, NULL, respond, &rs[i]);
        started++;
    }
    struct udp_opts o = {.timeout_ms = 200, .retries = 1};
    struct rm_err e = {{0}};
    assert_int_equal(udp_probe_hosts(r, &o, &e), 0);
    for (size_t i = 0; root && i < 3; i++)
        if (rs[i].fd >= 0) {
            pthread_join(rs[i].tid, NULL);
            close(rs[i].fd);
        }
    /* The TCP service stays; every answering UDP service joins it, in port order. (At least
     * ours: a port already bound by a concurrent run of this test answers the same way.) */
    assert_true(h->n_services >= 1 + started);
    for (size_t k = 0; k < h->n_services; k++) {
        const struct service *s = &h->services[k];
        if (k > 0)
            assert_true(s->port > h->services[k - 1].port);
        if (s->port == 80) {
            assert_int_equal(s->proto, SVC_TCP);
            assert_null(s->method);
            continue;
        }
        assert_int_equal(s->proto, SVC_UDP);
        assert_string_equal(s->reason, "udp-response");
        assert_non_null(s->evidence_id);
        if (s->port == 53)
            assert_string_equal(s->product, "dnsmasq");
        else if (s->port == 123)
            assert_string_equal(s->info, "NTPv4; stratum 8; refid 127.127.1.1");
        else
            assert_string_equal(s->info, "SNMP 2c; community public; sysDescr Linux vm "
                                         "6.18.44-fc-v769 #1 SMP PREEMPT_DYNAMIC @0 x86_64");
    }
    scan_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dns_query_and_answer),
        cmocka_unit_test(ntp_request_and_answer),
        cmocka_unit_test(snmp_request_and_answer),
        cmocka_unit_test(stage_end_to_end),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
