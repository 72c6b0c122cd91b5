/* One network address, IPv4 or IPv6, as a plain value: no allocation, comparable with memcmp
 * after addr_make_*(), so it can be a hash key. */
#ifndef RISKMAP_ADDR_H
#define RISKMAP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RM_ADDRSTRLEN 46 /* INET6_ADDRSTRLEN */

struct rm_addr {
    uint8_t family;    /* AF_INET or AF_INET6 */
    uint8_t bytes[16]; /* network order; IPv4 uses bytes[0..3], the rest is zero */
};

/* An IPv4 address from a host-order 32-bit value. */
struct rm_addr addr_from_v4(uint32_t host_order);
/* Host-order value of an IPv4 address. */
uint32_t addr_v4(const struct rm_addr *a);

/* Parses a numeric IPv4 or IPv6 literal (no names, no prefixes). Returns 0 or -1. */
int addr_parse(const char *s, struct rm_addr *out);

/* Writes the canonical text form into buf (at least RM_ADDRSTRLEN bytes); returns buf. */
char *addr_str(const struct rm_addr *a, char *buf, size_t len);

int addr_cmp(const struct rm_addr *a, const struct rm_addr *b);
bool addr_eq(const struct rm_addr *a, const struct rm_addr *b);
uint64_t addr_hash(const struct rm_addr *a);

/* Fills a sockaddr for connect(); returns its length. */
socklen_t addr_sockaddr(const struct rm_addr *a, uint16_t port, struct sockaddr_storage *ss);

#endif
