/* The tables generated into scanner/top_ports.c by contrib/tools/gen-top-ports.sh.
 * Internal to scanner/ports.c (and its tests); everyone else goes through ports.h. */
#ifndef RISKMAP_TOP_PORTS_H
#define RISKMAP_TOP_PORTS_H

#include <stddef.h>
#include <stdint.h>

struct top_port_name {
    uint16_t port;
    const char *name;
};

/* Every TCP port with a nonzero open-frequency, most frequent first. */
extern const uint16_t top_ports_by_freq[];
extern const size_t top_ports_by_freq_len;

/* Named TCP ports, strictly ascending by port. */
extern const struct top_port_name top_port_names[];
extern const size_t top_port_names_len;

#endif
