/* struct rm_addr helpers. Every constructor zeroes the whole struct first, so two equal
 * addresses are equal byte for byte and memcmp/hash work on them. */
#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

struct rm_addr addr_from_v4(uint32_t host_order)
{
    struct rm_addr a;
    memset(&a, 0, sizeof a);
    a.family = AF_INET;
    a.bytes[0] = (uint8_t)(host_order >> 24);
    a.bytes[1] = (uint8_t)(host_order >> 16);
    a.bytes[2] = (uint8_t)(host_order >> 8);
    a.bytes[3] = (uint8_t)host_order;
    return a;
}

uint32_t addr_v4(const struct rm_addr *a)
{
    return (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
           (uint32_t)a->bytes[2] << 8 | (uint32_t)a->bytes[3];
}

int addr_parse(const char *s, struct rm_addr *out)
{
    struct rm_addr a;
    memset(&a, 0, sizeof a);
    /* inet_pton is strict (no "127.1", no octal), which is what a literal should be. */
    if (inet_pton(AF_INET, s, a.bytes) == 1) {
        a.family = AF_INET;
    } else if (inet_pton(AF_INET6, s, a.bytes) == 1) {
        a.family = AF_INET6;
    } else {
        return -1;
    }
    *out = a;
    return 0;
}

char *addr_str(const struct rm_addr *a, char *buf, size_t len)
{
    int af = a->family == AF_INET6 ? AF_INET6 : AF_INET;
    if (len == 0)
        return buf;
    if (!inet_ntop(af, a->bytes, buf, (socklen_t)(len > 0x7fffffff ? 0x7fffffff : len)))
        buf[0] = '\0'; /* only when len is too small for the address */
    return buf;
}

int addr_cmp(const struct rm_addr *a, const struct rm_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->bytes, b->bytes, sizeof a->bytes);
}

bool addr_eq(const struct rm_addr *a, const struct rm_addr *b)
{
    return addr_cmp(a, b) == 0;
}

uint64_t addr_hash(const struct rm_addr *a)
{
    /* FNV-1a over family and bytes, then a murmur finaliser to spread the low bits, which
     * hash tables index by. */
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    h = (h ^ a->family) * UINT64_C(0x100000001b3);
    for (size_t i = 0; i < sizeof a->bytes; i++)
        h = (h ^ a->bytes[i]) * UINT64_C(0x100000001b3);
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

socklen_t addr_sockaddr(const struct rm_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == AF_INET6) {
        struct sockaddr_in6 sin6;
        memset(&sin6, 0, sizeof sin6);
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(port);
        memcpy(&sin6.sin6_addr, a->bytes, 16);
        memcpy(ss, &sin6, sizeof sin6);
        return (socklen_t)sizeof sin6;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    memcpy(&sin.sin_addr, a->bytes, 4);
    memcpy(ss, &sin, sizeof sin);
    return (socklen_t)sizeof sin;
}
