/* The host-discovery room's wire layer (scanner/discover_pkt.h): probe layouts and checksums,
 * and the stateless recognition of answers built here the way a peer's kernel builds them:
 * echo and timestamp replies, SYN-ACK and RST to our SYN, RST to our ACK (sequence = our
 * acknowledgement), ARP replies; and what must be ignored: forged cookies, answers from another
 * address than the one probed, our own outgoing probes (loopback captures both directions),
 * truncated packets and later fragments. No packet is sent here (the engine runs in
 * tests/integration/test_discovery.sh, as root, on lo and in network namespaces). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "scanner/discover_pkt.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct syn_key KEY = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
static const uint32_t SELF = IP4(127, 0, 0, 1);
static const uint32_t DST = IP4(127, 0, 60, 9);

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* A checksum over a region that includes its own checksum field folds to 0xffff. */
static int csum_ok(const uint8_t *p, size_t n)
{
    return syn_csum_fold(syn_csum_add(0, p, n)) == 0xffff;
}

static int tcp_csum_ok(const uint8_t *ip, size_t len)
{
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (uint16_t)(len - 20));
    return syn_csum_fold(syn_csum_add(syn_csum_add(0, pseudo, 12), ip + 20, len - 20)) == 0xffff;
}

static void probes_are_well_formed(void **state)
{
    (void)state;
    uint8_t b[DISC_PKT_MAX];
    size_t n = disc_build(&KEY, DISC_ECHO, b, SELF, DST, 0, 7);
    assert_int_equal(n, DISC_ICMP_LEN);
    assert_int_equal(b[0], 0x45);
    assert_int_equal(be16(b + 2), DISC_ICMP_LEN);
    assert_int_equal(b[9], 1);
    assert_true(be32(b + 12) == SELF && be32(b + 16) == DST);
    assert_true(csum_ok(b, 20));
    assert_int_equal(b[20], 8); /* echo request */
    assert_true(csum_ok(b + 20, n - 20));

    n = disc_build(&KEY, DISC_TIMESTAMP, b, SELF, DST, 0, 8);
    assert_int_equal(n, DISC_TSTAMP_LEN);
    assert_int_equal(b[20], 13);
    assert_true(csum_ok(b, 20) && csum_ok(b + 20, n - 20));

    n = disc_build(&KEY, DISC_SYN, b, SELF, DST, 443, 9);
    assert_int_equal(n, DISC_TCP_LEN);
    assert_int_equal(b[9], 6);
    assert_int_equal(be16(b + 22), 443);
    assert_int_equal(b[33], 0x02);
    uint16_t sp = be16(b + 20);
    assert_true(sp >= DISC_SPORT_LO); /* and at most DISC_SPORT_HI, the top of the range */
    assert_true(tcp_csum_ok(b, n));

    n = disc_build(&KEY, DISC_ACK, b, SELF, DST, 80, 10);
    assert_int_equal(be16(b + 22), 80);
    assert_int_equal(b[33], 0x10);
    assert_true(tcp_csum_ok(b, n));

    /* The same probe to the same target always carries the same cookie (retransmissions). */
    uint8_t c[DISC_PKT_MAX];
    disc_build(&KEY, DISC_ACK, c, SELF, DST, 80, 11);
    assert_memory_equal(b + 20, c + 20, 12);
}

/* Turns our ICMP request into the reply the target's kernel sends. */
static size_t icmp_reply(const uint8_t *req, size_t n, uint8_t *out)
{
    memcpy(out, req, n);
    put32(out + 12, be32(req + 16));
    put32(out + 16, be32(req + 12));
    out[20] = req[20] == 8 ? 0 : 14;
    return n;
}

static void icmp_replies_are_recognised(void **state)
{
    (void)state;
    uint8_t req[DISC_PKT_MAX], rep[DISC_PKT_MAX];
    struct disc_answer a;
    size_t n = disc_build(&KEY, DISC_ECHO, req, SELF, DST, 0, 1);
    icmp_reply(req, n, rep);
    assert_int_equal(disc_classify(&KEY, SELF, rep, n, &a), DISC_ECHO);
    assert_true(a.from == DST);
    assert_string_equal(disc_reason(a.kind, a.tcp_flags), "echo-reply");

    n = disc_build(&KEY, DISC_TIMESTAMP, req, SELF, DST, 0, 2);
    icmp_reply(req, n, rep);
    assert_int_equal(disc_classify(&KEY, SELF, rep, n, &a), DISC_TIMESTAMP);
    assert_string_equal(disc_reason(a.kind, 0), "timestamp-reply");

    /* Our own request, captured on lo, is not an answer. */
    assert_int_equal(disc_classify(&KEY, SELF, req, n, &a), DISC_NONE);
    /* A reply from another address than the one asked (the cookie is keyed to it). */
    n = disc_build(&KEY, DISC_ECHO, req, SELF, DST, 0, 1);
    icmp_reply(req, n, rep);
    put32(rep + 12, DST + 1);
    assert_int_equal(disc_classify(&KEY, SELF, rep, n, &a), DISC_NONE);
    /* A forged identifier. */
    icmp_reply(req, n, rep);
    rep[24] ^= 1;
    assert_int_equal(disc_classify(&KEY, SELF, rep, n, &a), DISC_NONE);
    /* Another key (an earlier scan's late reply). */
    icmp_reply(req, n, rep);
    struct syn_key other = {1, 2};
    assert_int_equal(disc_classify(&other, SELF, rep, n, &a), DISC_NONE);
    /* Truncated. */
    assert_int_equal(disc_classify(&KEY, SELF, rep, 27, &a), DISC_NONE);
    /* A later fragment. */
    icmp_reply(req, n, rep);
    put16(rep + 6, 0x0001);
    assert_int_equal(disc_classify(&KEY, SELF, rep, n, &a), DISC_NONE);
}

/* The target's TCP answer to our segment: flags, its seq and ack. */
static size_t tcp_reply(const uint8_t *probe, uint8_t flags, uint32_t seq, uint32_t ack, uint8_t *out)
{
    memcpy(out, probe, DISC_TCP_LEN);
    put32(out + 12, be32(probe + 16));
    put32(out + 16, be32(probe + 12));
    put16(out + 20, be16(probe + 22));
    put16(out + 22, be16(probe + 20));
    put32(out + 24, seq);
    put32(out + 28, ack);
    out[33] = flags;
    return DISC_TCP_LEN;
}

static void tcp_answers_are_recognised(void **state)
{
    (void)state;
    uint8_t syn[DISC_PKT_MAX], ackp[DISC_PKT_MAX], rep[DISC_PKT_MAX];
    struct disc_answer a;
    disc_build(&KEY, DISC_SYN, syn, SELF, DST, 443, 1);
    uint32_t isn = be32(syn + 24);
    /* SYN-ACK: open port; RST-ACK: closed port; both mean alive. */
    tcp_reply(syn, 0x12, 777, isn + 1, rep);
    assert_int_equal(disc_classify(&KEY, SELF, rep, DISC_TCP_LEN, &a), DISC_SYN);
    assert_int_equal(a.port, 443);
    assert_string_equal(disc_reason(a.kind, a.tcp_flags), "syn-ack");
    tcp_reply(syn, 0x14, 0, isn + 1, rep);
    assert_int_equal(disc_classify(&KEY, SELF, rep, DISC_TCP_LEN, &a), DISC_SYN);
    assert_string_equal(disc_reason(a.kind, a.tcp_flags), "reset");
    /* A wrong acknowledgement. */
    tcp_reply(syn, 0x12, 777, isn + 2, rep);
    assert_int_equal(disc_classify(&KEY, SELF, rep, DISC_TCP_LEN, &a), DISC_NONE);
    /* Our own SYN as captured. */
    assert_int_equal(disc_classify(&KEY, SELF, syn, DISC_TCP_LEN, &a), DISC_NONE);

    /* RST to our ACK: its sequence number is our acknowledgement number, no ACK flag. */
    disc_build(&KEY, DISC_ACK, ackp, SELF, DST, 80, 2);
    uint32_t our_ack = be32(ackp + 28);
    tcp_reply(ackp, 0x04, our_ack, 0, rep);
    assert_int_equal(disc_classify(&KEY, SELF, rep, DISC_TCP_LEN, &a), DISC_ACK);
    assert_int_equal(a.port, 80);
    assert_string_equal(disc_reason(a.kind, a.tcp_flags), "reset");
    tcp_reply(ackp, 0x04, our_ack + 1, 0, rep);
    assert_int_equal(disc_classify(&KEY, SELF, rep, DISC_TCP_LEN, &a), DISC_NONE);
    /* Not addressed to us. */
    tcp_reply(ackp, 0x04, our_ack, 0, rep);
    assert_int_equal(disc_classify(&KEY, SELF + 1, rep, DISC_TCP_LEN, &a), DISC_NONE);
    /* Too short for a TCP header. */
    assert_int_equal(disc_classify(&KEY, SELF, rep, 30, &a), DISC_NONE);
}

static void arp_request_and_reply(void **state)
{
    (void)state;
    const uint8_t mine[6] = {0x02, 0, 0, 0, 0, 1}, theirs[6] = {0x02, 0, 0, 0, 0, 2};
    uint32_t self = IP4(198, 18, 60, 1), dst = IP4(198, 18, 60, 2);
    uint8_t f[DISC_ARP_LEN], r[DISC_ARP_LEN];
    assert_int_equal(disc_build_arp(f, mine, self, dst), DISC_ARP_LEN);
    const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_memory_equal(f, bcast, 6);
    assert_memory_equal(f + 6, mine, 6);
    assert_int_equal(be16(f + 12), 0x0806);
    assert_int_equal(be16(f + 20), 1); /* request */
    assert_true(be32(f + 28) == self && be32(f + 38) == dst);

    struct disc_answer a;
    /* Our own request (captured) is not a reply. */
    assert_int_equal(disc_classify_arp(self, f, sizeof f, &a), DISC_NONE);
    /* The reply the target sends. */
    memcpy(r, mine, 6);
    memcpy(r + 6, theirs, 6);
    put16(r + 12, 0x0806);
    memcpy(r + 14, f + 14, 6);
    put16(r + 20, 2);
    memcpy(r + 22, theirs, 6);
    put32(r + 28, dst);
    memcpy(r + 32, mine, 6);
    put32(r + 38, self);
    assert_int_equal(disc_classify_arp(self, r, sizeof r, &a), DISC_ARP);
    assert_true(a.from == dst);
    assert_memory_equal(a.mac, theirs, 6);
    assert_string_equal(disc_reason(a.kind, 0), "arp-response");
    /* A reply to someone else, and a truncated one. */
    assert_int_equal(disc_classify_arp(self + 1, r, sizeof r, &a), DISC_NONE);
    assert_int_equal(disc_classify_arp(self, r, sizeof r - 1, &a), DISC_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probes_are_well_formed),
        cmocka_unit_test(icmp_replies_are_recognised),
        cmocka_unit_test(tcp_answers_are_recognised),
        cmocka_unit_test(arp_request_and_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
