/* The SYN-scan room: SipHash against the reference vectors, the Internet checksum against
 * RFC 1071's example and values computed independently, SYN packet layout, the stateless
 * recognition of replies (crafted SYN-ACKs, RSTs, our kernel's own RST, our own SYN, forged
 * cookies), and link-header removal for every link type loopback captures come in. No packet
 * is sent here (the engine runs in tests/integration/test_syn_scan.sh, as root, on lo). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <string.h>

#include "scanner/rawsock.h"
#include "scanner/synscan.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct syn_key KEY = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

static void siphash_reference_vectors(void **state)
{
    (void)state;
    /* From the SipHash paper's reference implementation (vectors.h), key 00..0f, message
     * 00 01 02 ... of length 0, 1, 7, 8 and 15. */
    uint8_t msg[16];
    for (int i = 0; i < 16; i++)
        msg[i] = (uint8_t)i;
    assert_true(syn_siphash(&KEY, msg, 0) == 0x726fdb47dd0e0e31ULL);
    assert_true(syn_siphash(&KEY, msg, 1) == 0x74f839c593dc67fdULL);
    assert_true(syn_siphash(&KEY, msg, 7) == 0xab0200f58b01d137ULL);
    assert_true(syn_siphash(&KEY, msg, 8) == 0x93f5f5799a932462ULL);
    assert_true(syn_siphash(&KEY, msg, 15) == 0xa129ca6149be45e5ULL);
}

static void checksum_known_values(void **state)
{
    (void)state;
    /* RFC 1071, section 3: the sum of these bytes folds to 0xddf2. */
    const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(syn_csum_fold(syn_csum_add(0, rfc, sizeof rfc)), 0xddf2);
    /* An odd length pads with a zero byte. */
    const uint8_t odd[] = {0x01, 0x02, 0x03};
    assert_int_equal(syn_csum_fold(syn_csum_add(0, odd, sizeof odd)), 0x0402);
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void syn_packet_layout(void **state)
{
    (void)state;
    uint8_t pkt[SYN_PKT_LEN];
    uint32_t src = IP4(127, 0, 0, 1), dst = IP4(127, 0, 26, 5);
    assert_int_equal(syn_build(pkt, src, dst, 61234, 80, 0xdeadbeef, 0x1234), SYN_PKT_LEN);
    assert_int_equal(pkt[0], 0x45);
    assert_int_equal(be16(pkt + 2), 44);
    assert_int_equal(be16(pkt + 4), 0x1234);
    assert_int_equal(be16(pkt + 6), 0x4000);
    assert_int_equal(pkt[8], 64);
    assert_int_equal(pkt[9], 6);
    assert_true(be32(pkt + 12) == src && be32(pkt + 16) == dst);
    /* Checksums computed independently (Python, RFC 1071 over header / pseudo-header). */
    assert_int_equal(be16(pkt + 10), 0x1092);
    const uint8_t *tcp = pkt + 20;
    assert_int_equal(be16(tcp), 61234);
    assert_int_equal(be16(tcp + 2), 80);
    assert_true(be32(tcp + 4) == 0xdeadbeef);
    assert_true(be32(tcp + 8) == 0);
    assert_int_equal(tcp[12] >> 4, 6);
    assert_int_equal(tcp[13], 0x02);
    assert_int_equal(be16(tcp + 14), 1024);
    assert_int_equal(be16(tcp + 16), 0xeeff);
    assert_true(tcp[20] == 2 && tcp[21] == 4 && be16(tcp + 22) == 1460);
    /* And a checksum over a correct header (with its checksum) folds to 0xffff. */
    assert_int_equal(syn_csum_fold(syn_csum_add(0, pkt, 20)), 0xffff);
}

static void cookie_is_keyed_and_in_range(void **state)
{
    (void)state;
    uint16_t sp1, sp2, sp3;
    uint32_t isn1, isn2, isn3;
    struct syn_key other = {1, 2};
    syn_cookie(&KEY, IP4(127, 0, 0, 1), IP4(127, 0, 26, 5), 80, &sp1, &isn1);
    syn_cookie(&KEY, IP4(127, 0, 0, 1), IP4(127, 0, 26, 5), 80, &sp2, &isn2);
    assert_true(sp1 == sp2 && isn1 == isn2); /* retransmissions look the same */
    syn_cookie(&other, IP4(127, 0, 0, 1), IP4(127, 0, 26, 5), 80, &sp3, &isn3);
    assert_true(isn3 != isn1);
    syn_cookie(&KEY, IP4(127, 0, 0, 1), IP4(127, 0, 26, 5), 81, &sp3, &isn3);
    assert_true(isn3 != isn1);
    for (uint32_t i = 0; i < 5000; i++) {
        syn_cookie(&KEY, IP4(127, 0, 0, 1), IP4(127, 0, 26, i & 255), (uint16_t)i, &sp1, &isn1);
        assert_true(sp1 >= SYN_SPORT_LO && sp1 <= SYN_SPORT_HI);
    }
}

/* A reply as a target's kernel would send it: from->to, flags, ack, optional IP options. */
static size_t craft(uint8_t *buf, uint32_t from, uint32_t to, uint16_t sport, uint16_t dport,
                    uint8_t flags, uint32_t seq, uint32_t ack, int ip_opts)
{
    size_t ihl = ip_opts ? 24 : 20;
    memset(buf, 0, 80);
    buf[0] = (uint8_t)(0x40 | ihl / 4);
    buf[2] = 0;
    buf[3] = (uint8_t)(ihl + 20);
    buf[8] = 64;
    buf[9] = 6;
    for (int i = 0; i < 4; i++) {
        buf[12 + i] = (uint8_t)(from >> (24 - 8 * i));
        buf[16 + i] = (uint8_t)(to >> (24 - 8 * i));
    }
    if (ip_opts)
        buf[20] = 1; /* NOP options */
    uint8_t *t = buf + ihl;
    t[0] = (uint8_t)(sport >> 8);
    t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
    for (int i = 0; i < 4; i++) {
        t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    t[12] = 5 << 4;
    t[13] = flags;
    return ihl + 20;
}

#define F_SYN 0x02
#define F_RST 0x04
#define F_ACK 0x10

static void replies_recognised_statelessly(void **state)
{
    (void)state;
    uint32_t self = IP4(127, 0, 0, 1), tgt = IP4(127, 0, 26, 5);
    uint16_t sport;
    uint32_t isn;
    syn_cookie(&KEY, self, tgt, 443, &sport, &isn);
    uint8_t b[80];
    uint32_t d = 0;
    uint16_t dp = 0;
    size_t n;

    n = craft(b, tgt, self, 443, sport, F_SYN | F_ACK, 777, isn + 1, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_OPEN);
    assert_true(d == tgt && dp == 443);

    n = craft(b, tgt, self, 443, sport, F_RST | F_ACK, 0, isn + 1, 0);
    d = 0;
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_CLOSED);
    assert_true(d == tgt && dp == 443);

    /* IP options move the TCP header. */
    n = craft(b, tgt, self, 443, sport, F_SYN | F_ACK, 777, isn + 1, 1);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_OPEN);

    /* Not ours: wrong acknowledgement, wrong port, wrong addressee, other key. */
    n = craft(b, tgt, self, 443, sport, F_SYN | F_ACK, 777, isn, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
    n = craft(b, tgt, self, 443, (uint16_t)(sport + 1), F_SYN | F_ACK, 777, isn + 1, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
    n = craft(b, tgt, self, 444, sport, F_SYN | F_ACK, 777, isn + 1, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
    n = craft(b, tgt, IP4(127, 0, 0, 2), 443, sport, F_SYN | F_ACK, 777, isn + 1, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
    struct syn_key other = {5, 6};
    n = craft(b, tgt, self, 443, sport, F_SYN | F_ACK, 777, isn + 1, 0);
    assert_int_equal(syn_classify(&other, self, b, n, &d, &dp), SYN_IGNORE);

    /* ACK alone, or SYN without ACK (a simultaneous open), say nothing. */
    n = craft(b, tgt, self, 443, sport, F_ACK, 777, isn + 1, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
    n = craft(b, tgt, self, 443, sport, F_SYN, 777, isn + 1, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);

    /* Truncated, not TCP, a later fragment. */
    n = craft(b, tgt, self, 443, sport, F_SYN | F_ACK, 777, isn + 1, 0);
    assert_int_equal(syn_classify(&KEY, self, b, 39, &d, &dp), SYN_IGNORE);
    b[9] = 17;
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
    b[9] = 6;
    b[7] = 1;
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
}

/* Scanning our own address: on lo every packet of the exchange is captured, both ways, with
 * source and destination addresses equal. Only the target's answer may count. */
static void own_traffic_on_loopback_ignored(void **state)
{
    (void)state;
    uint32_t self = IP4(127, 0, 0, 1);
    uint16_t sport;
    uint32_t isn;
    syn_cookie(&KEY, self, self, 22, &sport, &isn);
    uint8_t b[80];
    uint32_t d;
    uint16_t dp;
    /* Our own SYN. */
    size_t n = syn_build(b, self, self, sport, 22, isn, 1);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
    /* Our kernel's RST for the SYN-ACK: from our source port, seq = the SYN-ACK's ack, no ACK. */
    n = craft(b, self, self, sport, 22, F_RST, isn + 1, 0, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_IGNORE);
    /* The target's SYN-ACK does count. */
    n = craft(b, self, self, 22, sport, F_SYN | F_ACK, 99, isn + 1, 0);
    assert_int_equal(syn_classify(&KEY, self, b, n, &d, &dp), SYN_OPEN);
    assert_true(d == self && dp == 22);
}

static void link_headers_removed(void **state)
{
    (void)state;
    uint8_t ip[80];
    uint32_t self = IP4(127, 0, 0, 1);
    craft(ip, IP4(127, 0, 26, 5), self, 80, 61000, F_RST | F_ACK, 0, 1, 0);
    uint8_t f[80];
    size_t len;

    /* Ethernet with zero MACs, as Linux's lo presents itself. */
    memset(f, 0, 14);
    f[12] = 0x08;
    memcpy(f + 14, ip, 40);
    assert_ptr_equal(rawsock_strip_link(DLT_EN10MB, f, 54, &len), f + 14);
    assert_int_equal(len, 40);
    /* A VLAN tag. */
    f[12] = 0x81;
    f[13] = 0x00;
    f[16] = 0x08;
    f[17] = 0x00;
    memcpy(f + 18, ip, 40);
    assert_ptr_equal(rawsock_strip_link(DLT_EN10MB, f, 58, &len), f + 18);
    /* ARP is not IPv4. */
    memset(f, 0, 14);
    f[12] = 0x08;
    f[13] = 0x06;
    assert_null(rawsock_strip_link(DLT_EN10MB, f, 54, &len));
    /* BSD loopback: the family in host order (NULL) or network order (LOOP). */
    uint32_t fam = 2;
    memcpy(f, &fam, 4);
    memcpy(f + 4, ip, 40);
    assert_ptr_equal(rawsock_strip_link(DLT_NULL, f, 44, &len), f + 4);
    memset(f, 0, 4);
    f[3] = 2;
    assert_ptr_equal(rawsock_strip_link(DLT_LOOP, f, 44, &len), f + 4);
    fam = 24; /* AF_INET6 on some BSDs */
    memcpy(f, &fam, 4);
    assert_null(rawsock_strip_link(DLT_NULL, f, 44, &len));
    /* Raw IP. */
    assert_ptr_equal(rawsock_strip_link(DLT_RAW, ip, 40, &len), ip);
    /* Too short, unknown link type. */
    assert_null(rawsock_strip_link(DLT_EN10MB, f, 20, &len));
    assert_int_equal(rawsock_link_len(DLT_IEEE802_11), -1);
    assert_int_equal(rawsock_link_len(DLT_EN10MB), 14);
}

static void route_of_loopback_is_lo(void **state)
{
    (void)state;
    char ifn[IF_NAMESIZE];
    uint32_t src = 0;
    struct rm_err e = {{0}};
    /* Asks the kernel's routing table; sends nothing. */
    assert_int_equal(rawsock_route(IP4(127, 0, 26, 7), ifn, &src, &e), 0);
    assert_string_equal(ifn, "lo");
    assert_true((src >> 24) == 127);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siphash_reference_vectors),
        cmocka_unit_test(checksum_known_values),
        cmocka_unit_test(syn_packet_layout),
        cmocka_unit_test(cookie_is_keyed_and_in_range),
        cmocka_unit_test(replies_recognised_statelessly),
        cmocka_unit_test(own_traffic_on_loopback_ignored),
        cmocka_unit_test(link_headers_removed),
        cmocka_unit_test(route_of_loopback_is_lo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
