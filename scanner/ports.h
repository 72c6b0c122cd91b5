/* Port lists: nmap's -p syntax and the shipped frequency-ordered top-ports table. */
#ifndef RISKMAP_PORTS_H
#define RISKMAP_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PORTS_DEFAULT_TOP 1000

/* A list of distinct TCP ports. Owned by the caller: release with ports_free(). */
struct portlist {
    uint16_t *ports;
    size_t n;
};

/* Parses "22,80,443,8000-8100", "-" (1-65535), "-1024", "60000-"; a "T:" prefix is accepted
 * for nmap compatibility. Ports are de-duplicated and sorted ascending. Errors name the token:
 *   ports "80-70": range is reversed
 * Returns 0, or -1 with *out untouched. */
int ports_parse(const char *spec, struct portlist *out, struct rm_err *e);

/* The n most frequently open TCP ports, most frequent first (1 <= n <= ports_top_max()). */
int ports_top(size_t n, struct portlist *out, struct rm_err *e);
size_t ports_top_max(void);

/* Canonical service name usually found on a TCP port ("ssh", "http"), or NULL. */
const char *ports_service_name(uint16_t port);

void ports_free(struct portlist *p);

#endif
