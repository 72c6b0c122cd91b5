/* Host discovery: which in-scope hosts are alive, before the port scan (skipped with -Pn).
 *
 * With raw sockets (root or CAP_NET_RAW), IPv4 hosts get nmap's default mix: ICMP echo and
 * timestamp requests, TCP SYN to 443 and ACK to 80 (discover_pkt.h), SYNs to every
 * --alive-ports port, and an ARP request when the host sits on a directly attached Ethernet
 * segment. The first answer of any kind marks the host alive, with its reason and round trip;
 * silent hosts are asked again (retries) before they are called down. Probes leave through the
 * interface the kernel routes the first IPv4 target through, from its source address; hosts
 * that route elsewhere, IPv6 hosts, and every host when raw sockets cannot be opened, get TCP
 * connect pings instead (a connect to 80, 443 and the --alive-ports: a completed connection or
 * a refusal both mean alive).
 *
 * Opening is separate from running so that the raw socket and capture are opened while root,
 * before riskmap drops privileges, and used afterwards.
 */
#ifndef RISKMAP_DISCOVER_H
#define RISKMAP_DISCOVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/addr.h"
#include "scanner/err.h"
#include "scanner/portscan.h"
#include "scanner/scope.h"

/* nmap's default TCP ping ports: SYN to the first, ACK to the second. */
#define DISC_SYN_PORT 443
#define DISC_ACK_PORT 80
#define DISC_MAX_ALIVE_PORTS 64

struct discover_cfg {
    const struct scope *scope;
    const uint16_t *alive_ports; /* --alive-ports: more TCP ports to ping; may be NULL */
    size_t n_alive_ports;
    double rate;                 /* packets (or connects) per second, 0 = unlimited */
    unsigned retries;            /* extra rounds for hosts that stayed silent */
    double initial_timeout_ms, min_timeout_ms, max_timeout_ms;
    unsigned max_concurrency;    /* connect pings in flight */
    unsigned threads;            /* connect-ping workers */
    bool no_raw;                 /* connect pings only, even when raw sockets could be opened */
    atomic_int *cancel;
};

struct discovered {
    struct rm_addr addr;
    const char *reason; /* static: "echo-reply", "timestamp-reply", "syn-ack", "reset",
                         * "arp-response", "tcp-connect-ping" */
    double rtt_ms;
    bool has_mac;
    uint8_t mac[6];
};

struct discovery {
    const char *method;         /* "raw", "connect", or "raw+connect" (static) */
    struct discovered *hosts;   /* alive hosts, ascending by address */
    size_t n_hosts;
    uint64_t hosts_total;       /* in-scope addresses asked */
    uint64_t probes_sent;
    double duration_s;
};

struct discover;

/* Plans discovery for cfg->scope (which must outlive the handle): looks up the IPv4 route of
 * every in-scope address and, unless cfg->no_raw, opens the raw socket and capture on the
 * first target's interface. Lack of privilege is not an error: the handle then uses connect
 * pings, and *note (when not NULL) is set to a static sentence saying so. Returns the handle,
 * or NULL with e set (a route lookup failed, out of memory). */
struct discover *discover_open(const struct discover_cfg *cfg, const char **note,
                               struct rm_err *e);

/* Whether the handle holds a raw socket (an unprivileged process could not open one). */
bool discover_is_raw(const struct discover *d);

/* Runs discovery. ev->tick and ev->log are used (progress: pairs are hosts); the other events
 * are not. Fills *out (the caller frees it with discovery_free). Returns 0, or -1 with e set;
 * a cancelled run returns 0 with the hosts found so far. */
int discover_run(struct discover *d, const struct portscan_events *ev,
                 struct portscan_progress *prog, struct discovery *out, struct rm_err *e);

void discover_close(struct discover *d);
void discovery_free(struct discovery *d);

/* The alive host of d with address a, or NULL (binary search). */
const struct discovered *discovery_find(const struct discovery *d, const struct rm_addr *a);

/* A new scope holding exactly d's alive hosts, finalised (for the port scan); NULL with e set. */
struct scope *discovery_scope(const struct discovery *d, struct rm_err *e);

#endif
