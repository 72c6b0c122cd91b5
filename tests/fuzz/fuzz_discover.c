/* libFuzzer target for host discovery's answer parsers (scanner/discover_pkt.h): arbitrary
 * bytes as a captured IPv4 packet (disc_classify) and as an Ethernet frame (the link-header
 * removal of every link type, then disc_classify_arp). The sanitizers watch every read; the
 * contract checked here: a recognised answer names a known probe kind and comes from the
 * address in the packet. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "scanner/discover_pkt.h"
#include "scanner/rawsock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct syn_key KEY = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct disc_answer a;
    /* The first four bytes choose our address, so that "addressed to us" is reachable. */
    uint32_t self = size >= 4 ? (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
                                    (uint32_t)data[2] << 8 | data[3] : 0x7f000001;
    const uint8_t *p = size >= 4 ? data + 4 : data;
    size_t n = size >= 4 ? size - 4 : size;
    enum disc_kind k = disc_classify(&KEY, self, p, n, &a);
    if (k != DISC_NONE && (k != a.kind || k > DISC_ACK || n < 28))
        abort();
    static const int dlts[] = {DLT_EN10MB, DLT_NULL, DLT_LOOP, DLT_RAW, DLT_LINUX_SLL};
    for (size_t i = 0; i < sizeof dlts / sizeof *dlts; i++) {
        size_t len;
        const uint8_t *ip = rawsock_strip_link(dlts[i], p, n, &len);
        if (ip && (ip < p || ip + len > p + n))
            abort();
        if (ip)
            (void)disc_classify(&KEY, self, ip, len, &a);
    }
    if (disc_classify_arp(self, p, n, &a) == DISC_ARP && n < DISC_ARP_LEN)
        abort();
    return 0;
}
