#include "discover_pkt.h"

#include <string.h>

#include "scanner/byteorder.h"

static uint64_t cookie(const struct syn_key *k, uint32_t src, uint32_t dst, enum disc_kind kind,
                       uint16_t port)
{
    uint8_t in[11];
    be_put32(in, src);
    be_put32(in + 4, dst);
    in[8] = (uint8_t)kind;
    be_put16(in + 9, port);
    return syn_siphash(k, in, sizeof in);
}

static uint16_t cookie_sport(uint64_t h)
{
    return (uint16_t)(DISC_SPORT_LO + (uint32_t)(h >> 32) % (DISC_SPORT_HI - DISC_SPORT_LO + 1));
}

const char *disc_reason(enum disc_kind k, int tcp_flags)
{
    switch (k) {
    case DISC_ECHO:
        return "echo-reply";
    case DISC_TIMESTAMP:
        return "timestamp-reply";
    case DISC_SYN:
        return (tcp_flags & 0x04) ? "reset" : "syn-ack";
    case DISC_ACK:
        return "reset";
    case DISC_ARP:
        return "arp-response";
    case DISC_NONE:
        break;
    }
    return "unknown";
}

static void ip_header(uint8_t *ip, size_t total, uint8_t proto, uint32_t src, uint32_t dst,
                      uint16_t ip_id)
{
    ip[0] = 0x45;
    be_put16(ip + 2, (uint16_t)total);
    be_put16(ip + 4, ip_id);
    be_put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = proto;
    be_put32(ip + 12, src);
    be_put32(ip + 16, dst);
    be_put16(ip + 10, (uint16_t)~syn_csum_fold(syn_csum_add(0, ip, 20)));
}

size_t disc_build(const struct syn_key *k, enum disc_kind kind, uint8_t *buf, uint32_t src,
                  uint32_t dst, uint16_t port, uint16_t ip_id)
{
    memset(buf, 0, DISC_PKT_MAX);
    uint64_t h = cookie(k, src, dst, kind, kind == DISC_SYN || kind == DISC_ACK ? port : 0);
    uint8_t *l4 = buf + 20;
    size_t len;
    if (kind == DISC_ECHO || kind == DISC_TIMESTAMP) {
        len = kind == DISC_ECHO ? DISC_ICMP_LEN : DISC_TSTAMP_LEN;
        ip_header(buf, len, 1, src, dst, ip_id);
        l4[0] = kind == DISC_ECHO ? 8 : 13;
        be_put16(l4 + 4, (uint16_t)h);         /* identifier */
        be_put16(l4 + 6, (uint16_t)(h >> 16)); /* sequence */
        /* A timestamp request's originate time would be ms since midnight UT; the reply's
         * receive and transmit times are not used, so zero is as good as any. */
        be_put16(l4 + 2, (uint16_t)~syn_csum_fold(syn_csum_add(0, l4, len - 20)));
        return len;
    }
    len = DISC_TCP_LEN;
    ip_header(buf, len, 6, src, dst, ip_id);
    be_put16(l4, cookie_sport(h));
    be_put16(l4 + 2, port);
    if (kind == DISC_SYN) {
        be_put32(l4 + 4, (uint32_t)h);
        l4[13] = 0x02;
    } else {
        /* The RST answering an ACK takes its sequence number from our acknowledgement. */
        be_put32(l4 + 4, (uint32_t)(h >> 16));
        be_put32(l4 + 8, (uint32_t)h);
        l4[13] = 0x10;
    }
    l4[12] = 5 << 4;
    be_put16(l4 + 14, 1024);
    uint8_t pseudo[12];
    be_put32(pseudo, src);
    be_put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = 6;
    be_put16(pseudo + 10, (uint16_t)(len - 20));
    uint32_t sum = syn_csum_add(syn_csum_add(0, pseudo, sizeof pseudo), l4, len - 20);
    be_put16(l4 + 16, (uint16_t)~syn_csum_fold(sum));
    return len;
}

size_t disc_build_arp(uint8_t *buf, const uint8_t our_mac[6], uint32_t src, uint32_t dst)
{
    memset(buf, 0, DISC_ARP_LEN);
    memset(buf, 0xff, 6);
    memcpy(buf + 6, our_mac, 6);
    be_put16(buf + 12, 0x0806);
    uint8_t *a = buf + 14;
    be_put16(a, 1);      /* Ethernet */
    be_put16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    be_put16(a + 6, 1);  /* request */
    memcpy(a + 8, our_mac, 6);
    be_put32(a + 14, src);
    be_put32(a + 24, dst);
    return DISC_ARP_LEN;
}

enum disc_kind disc_classify(const struct syn_key *k, uint32_t self, const uint8_t *ip, size_t len,
                             struct disc_answer *a)
{
    if (len < 20 || (ip[0] >> 4) != 4)
        return DISC_NONE;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (ihl < 20 || len < ihl + 8 || (be_get16(ip + 6) & 0x1fff))
        return DISC_NONE;
    uint32_t from = be_get32(ip + 12);
    if (be_get32(ip + 16) != self)
        return DISC_NONE;
    const uint8_t *l4 = ip + ihl;
    memset(a, 0, sizeof *a);
    a->from = from;
    if (ip[9] == 1) {
        enum disc_kind kind = l4[0] == 0 ? DISC_ECHO : l4[0] == 14 ? DISC_TIMESTAMP : DISC_NONE;
        if (kind == DISC_NONE || l4[1] != 0)
            return DISC_NONE;
        uint64_t h = cookie(k, self, from, kind, 0);
        if (be_get16(l4 + 4) != (uint16_t)h || be_get16(l4 + 6) != (uint16_t)(h >> 16))
            return DISC_NONE;
        return a->kind = kind;
    }
    if (ip[9] != 6 || len < ihl + 20)
        return DISC_NONE;
    uint16_t sp = be_get16(l4), dp = be_get16(l4 + 2);
    uint32_t seq = be_get32(l4 + 4), ack = be_get32(l4 + 8);
    int fl = l4[13];
    a->port = sp;
    a->tcp_flags = fl;
    uint64_t h = cookie(k, self, from, DISC_SYN, sp);
    if ((fl & 0x10) && (fl & 0x06) && dp == cookie_sport(h) && ack == (uint32_t)h + 1)
        return a->kind = DISC_SYN;
    h = cookie(k, self, from, DISC_ACK, sp);
    if ((fl & 0x04) && dp == cookie_sport(h) && seq == (uint32_t)h)
        return a->kind = DISC_ACK;
    return DISC_NONE;
}

enum disc_kind disc_classify_arp(uint32_t self, const uint8_t *frame, size_t len,
                                 struct disc_answer *a)
{
    if (len < DISC_ARP_LEN || be_get16(frame + 12) != 0x0806)
        return DISC_NONE;
    const uint8_t *p = frame + 14;
    if (be_get16(p) != 1 || be_get16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4 || be_get16(p + 6) != 2)
        return DISC_NONE;
    if (be_get32(p + 24) != self)
        return DISC_NONE;
    memset(a, 0, sizeof *a);
    a->from = be_get32(p + 14);
    memcpy(a->mac, p + 8, 6);
    return a->kind = DISC_ARP;
}
