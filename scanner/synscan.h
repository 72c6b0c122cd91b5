/* The SYN-scan engine (IPv4): SYN segments built by hand and sent from a raw socket, replies
 * read with libpcap (scanner/rawsock.h), recognised statelessly from a per-scan cookie.
 *
 * The cookie: SipHash-2-4 under a random 128-bit key of (our address, target address, target
 * port) gives the source port (in [SYN_SPORT_LO, SYN_SPORT_HI]) and the initial sequence
 * number of every probe to that pair, retransmissions included. A reply is ours when it comes
 * from the probed address and port, to our address and the cookie's source port, with ACK set
 * and ack == ISN + 1: SYN+ACK means open, RST means closed. Our own kernel answers each SYN-ACK
 * with a RST (it has no socket for it); that RST carries no ACK flag and goes the other way,
 * so it never passes as a reply (on loopback both directions are captured).
 *
 * Outstanding probes are kept in a bounded table only to know when to retransmit and when to
 * call a port filtered, and to find the (host, port) pair an answer decides; whether a packet
 * is an answer, and what it says, comes from the packet alone.
 *
 * Same scope walk (a keyed permutation of every (host, port) pair; excluded and duplicate
 * pairs skipped via scope_at), same token bucket (one token per packet, retransmissions
 * included), same RFC 6298 adaptive timeouts, same host table, progress counters, events and
 * results as the connect engine (portscan.h). One thread sends and receives; the calling
 * thread runs it and calls the tick event.
 */
#ifndef RISKMAP_SYNSCAN_H
#define RISKMAP_SYNSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/portscan.h"

#define SYN_SPORT_LO 61000u /* above Linux's ephemeral range (32768-60999) */
#define SYN_SPORT_HI 65095u /* 4096 source ports */
#define SYN_PKT_LEN 44u     /* IPv4 20 + TCP 20 + MSS option 4 */

struct syn_key {
    uint64_t k0, k1;
};

/* SipHash-2-4 of len bytes. */
uint64_t syn_siphash(const struct syn_key *k, const void *data, size_t len);

/* The cookie of a probe from src to dst:dport (addresses in host order). */
void syn_cookie(const struct syn_key *k, uint32_t src, uint32_t dst, uint16_t dport,
                uint16_t *sport, uint32_t *isn);

/* The Internet checksum (RFC 1071) of len bytes, folded, not yet inverted, starting from sum. */
uint32_t syn_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t syn_csum_fold(uint32_t sum);

/* Writes a SYN_PKT_LEN-byte IPv4 SYN (TTL 64, DF, window 1024, MSS 1460) into buf, with both
 * checksums. Returns SYN_PKT_LEN. */
size_t syn_build(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 uint32_t isn, uint16_t ip_id);

enum syn_verdict {
    SYN_IGNORE,  /* not an answer to one of our probes */
    SYN_OPEN,    /* SYN+ACK acknowledging our cookie */
    SYN_CLOSED,  /* RST acknowledging our cookie */
};

/* Classifies a captured IPv4 packet (ip, len bytes) against the key and our address `self`.
 * On SYN_OPEN/SYN_CLOSED sets *dst and *dport to the probed address and port. */
enum syn_verdict syn_classify(const struct syn_key *k, uint32_t self, const uint8_t *ip,
                              size_t len, uint32_t *dst, uint16_t *dport);

/* Scans like portscan_run (same contract, same result and progress fields), with SYN probes.
 * IPv4 only. Every in-scope address must route through one interface with one source
 * address (checked first, over rtnetlink; the scan is refused otherwise). cfg->threads and
 * cfg->max_concurrency do not apply: one thread, at most SYN_MAX_OUTSTANDING probes awaiting
 * an answer. Needs CAP_NET_RAW. */
#define SYN_MAX_OUTSTANDING 65536u
int synscan_run(const struct portscan_cfg *cfg, const struct portscan_events *ev,
                struct portscan_progress *prog, struct scan_result *out, struct rm_err *e);

/* The raw socket and capture of a SYN scan, opened ahead of the scan so that a caller can open
 * everything raw first and then drop root (scanner/privs.h) before anything is sent. */
struct syn_prep;
/* Checks the routes of every address in scope (one interface, one source, IPv4) and opens the
 * socket and capture. NULL with e set. */
struct syn_prep *synscan_prepare(const struct scope *scope, struct rm_err *e);
void synscan_prep_free(struct syn_prep *p);
/* As synscan_run, on a prepared socket (cfg->scope must be the prepared scope or a part of
 * it); ev->opened is not called. The socket stays the caller's. */
int synscan_run_prepared(const struct portscan_cfg *cfg, struct syn_prep *prep,
                         const struct portscan_events *ev, struct portscan_progress *prog,
                         struct scan_result *out, struct rm_err *e);

#endif
