/* The UDP stage of a scan: the port scan is TCP only, so after it every host that is up is
 * asked, over UDP, what three services a small network most often exposes there answer:
 * DNS on 53 (version.bind CH TXT), NTP on 123 (a mode 3 client request) and SNMP on 161
 * (GetRequest sysDescr.0 and sysObjectID.0 with the community "public", in v2c and in v1).
 * An answer makes a service with protocol udp, identified through the signature table (the
 * dns, ntp and snmp probes match the decoded answers, see service-signatures.txt), its bytes
 * kept as evidence. Silence is not recorded: a UDP port that does not answer may be open or
 * filtered, and nothing is claimed about it.
 *
 * Bounded: at most UDP_MAX_INFLIGHT requests outstanding at once (one connected socket each,
 * so an ICMP port unreachable ends a probe at once), each sent at most 1 + retries times,
 * timeout_ms apart; at most max_bytes kept per answer. */
#ifndef RISKMAP_UDPPROBE_H
#define RISKMAP_UDPPROBE_H

#include <stdatomic.h>
#include <stddef.h>

#include "scanner/err.h"
#include "scanner/model.h"

#define UDP_DEF_TIMEOUT_MS 1000.0
#define UDP_MAX_INFLIGHT 256u
#define UDP_MAX_RETRIES 5u

struct udp_opts {
    double timeout_ms;  /* wait for an answer before resending; 0 = default */
    unsigned retries;   /* resends after silence (at most UDP_MAX_RETRIES) */
    size_t max_bytes;   /* kept per answer; 0 = 4096 */
    atomic_int *cancel; /* may be NULL; checked at least every 100 ms */
};

/* The probes, for -v and the documentation: "dns:53,ntp:123,snmp:161". Static. */
const char *udp_probe_list(void);

/* Probes every host of r and adds the UDP services that answered (then re-sorts services).
 * Returns 0 (also when cancelled, with what was found), or -1 with e set (signature table
 * broken, out of memory). */
int udp_probe_hosts(struct scan_result *r, const struct udp_opts *o, struct rm_err *e);

#endif
