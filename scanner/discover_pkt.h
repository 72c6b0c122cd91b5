/* Host-discovery probes on the wire (IPv4): how they are built and how an answer is
 * recognised, with no state. The probes are nmap's default mix for a privileged scan, ICMP
 * echo and timestamp requests, a TCP SYN to 443 and a TCP ACK to 80, plus SYNs to the
 * --alive-ports and, on a directly attached Ethernet segment, an ARP request.
 *
 * Every IP probe carries a cookie: SipHash under the scan's key (synscan.h) of (our address,
 * target, probe kind, port) gives the ICMP identifier and sequence number, or the TCP source
 * port (in [DISC_SPORT_LO, DISC_SPORT_HI]) and sequence or acknowledgement number. A reply is
 * ours when it echoes the cookie for the address it comes from: an echo or timestamp reply
 * with our identifier and sequence; a SYN-ACK or RST acknowledging our SYN's ISN + 1; a RST
 * whose sequence number is the acknowledgement number of our ACK (RFC 9293, 3.10.7.1).
 * ARP has no cookie: a reply is taken only from an address we asked about (the caller checks).
 */
#ifndef RISKMAP_DISCOVER_PKT_H
#define RISKMAP_DISCOVER_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/synscan.h"

/* Above the SYN scan's source ports: a late discovery answer never looks like a scan reply. */
#define DISC_SPORT_LO 65100u
#define DISC_SPORT_HI 65535u

enum disc_kind {
    DISC_NONE = 0,
    DISC_ECHO,      /* ICMP echo request -> echo reply */
    DISC_TIMESTAMP, /* ICMP timestamp request -> timestamp reply */
    DISC_SYN,       /* TCP SYN -> SYN-ACK or RST */
    DISC_ACK,       /* TCP ACK -> RST */
    DISC_ARP,       /* ARP request -> ARP reply */
};

/* The reason a host is up, as scan.json records it ("echo-reply", "arp-response", ...). */
const char *disc_reason(enum disc_kind k, int tcp_flags);

#define DISC_ICMP_LEN 28u  /* IPv4 20 + ICMP echo header 8 */
#define DISC_TSTAMP_LEN 40u /* IPv4 20 + ICMP timestamp 20 */
#define DISC_TCP_LEN 40u   /* IPv4 20 + TCP 20 */
#define DISC_ARP_LEN 42u   /* Ethernet 14 + ARP 28 */
#define DISC_PKT_MAX 44u

/* Builds the probe of kind k (DISC_ECHO, DISC_TIMESTAMP, DISC_SYN, DISC_ACK) from src to dst
 * (port: the TCP destination, ignored for ICMP) into buf (at least DISC_PKT_MAX bytes), with
 * checksums. Returns its length. */
size_t disc_build(const struct syn_key *k, enum disc_kind kind, uint8_t *buf, uint32_t src,
                  uint32_t dst, uint16_t port, uint16_t ip_id);

/* An ARP request from (our_mac, src) asking who has dst, as a broadcast Ethernet frame into
 * buf (DISC_ARP_LEN bytes). Returns DISC_ARP_LEN. */
size_t disc_build_arp(uint8_t *buf, const uint8_t our_mac[6], uint32_t src, uint32_t dst);

struct disc_answer {
    enum disc_kind kind;
    uint32_t from;    /* the answering address */
    uint16_t port;    /* the TCP port it answered from (DISC_SYN, DISC_ACK) */
    int tcp_flags;
    uint8_t mac[6];   /* DISC_ARP: the sender's hardware address */
};

/* Classifies a captured IPv4 packet (ip, len bytes) sent to `self`: DISC_NONE when it is not
 * an answer to one of our probes, else the probe kind, filling *a. */
enum disc_kind disc_classify(const struct syn_key *k, uint32_t self, const uint8_t *ip, size_t len,
                             struct disc_answer *a);

/* Classifies a captured Ethernet frame carrying ARP: DISC_ARP when it is a reply addressed to
 * `self` (its sender then in a->from and a->mac), else DISC_NONE. */
enum disc_kind disc_classify_arp(uint32_t self, const uint8_t *frame, size_t len,
                                 struct disc_answer *a);

#endif
