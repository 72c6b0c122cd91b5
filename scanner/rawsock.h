/* The one raw network layer: an IPv4 raw sender (IP_HDRINCL) bound to one interface and a
 * libpcap receiver on the same interface. Nothing else in riskmap opens raw sockets or pcap
 * handles; probe engines (synscan.c) build packets and read replies through this header.
 *
 * Safety: a rawsock is bound to exactly the interface that the kernel's routing table names
 * for the destinations (rawsock_route); rawsock_send refuses a destination whose route was
 * not checked against that interface (the caller checks every destination first).
 *
 * Not thread-safe: one rawsock is used by one thread.
 */
#ifndef RISKMAP_RAWSOCK_H
#define RISKMAP_RAWSOCK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/err.h"

struct rawsock;

/* Where the kernel would send a packet to dst (IPv4, host order): the outgoing interface's
 * name and the preferred source address (host order), as `ip route get` says, asked over
 * rtnetlink. Returns 0, or -1 with e set (no route, unreachable, prohibited, blackhole). */
int rawsock_route(uint32_t dst, char ifname[IF_NAMESIZE], uint32_t *src, struct rm_err *e);

/* As rawsock_route, and also whether dst is reached through a gateway (*via_gateway true)
 * or sits on the interface's own segment (false: ARP can reach it). */
int rawsock_route_ex(uint32_t dst, char ifname[IF_NAMESIZE], uint32_t *src, bool *via_gateway,
                     struct rm_err *e);

/* Opens the sender and the receiver on ifname. The receiver captures only IPv4 TCP segments
 * addressed to src with a destination port in [sport_lo, sport_hi] and SYN or RST set
 * together with ACK (replies to probes sent from that range); snaplen is small (headers only).
 * Needs CAP_NET_RAW. Returns a handle the caller frees with rawsock_close, or NULL with e set. */
struct rawsock *rawsock_open(const char *ifname, uint32_t src, uint16_t sport_lo,
                             uint16_t sport_hi, struct rm_err *e);
/* As rawsock_open with the capture filter given in pcap syntax (the caller's probes decide
 * what their replies look like). Needs CAP_NET_RAW. */
struct rawsock *rawsock_open_filter(const char *ifname, const char *filter, struct rm_err *e);
void rawsock_close(struct rawsock *rs);

/* The capture's link type (DLT_*). */
int rawsock_dlt(const struct rawsock *rs);

/* The interface's hardware (MAC) address when it is an Ethernet interface: 0, or -1 when it
 * is not Ethernet (loopback, tunnels) or the address cannot be read. */
int rawsock_ether_addr(const struct rawsock *rs, uint8_t mac[6]);

/* Sends one complete link-layer frame on the interface (pcap_inject): ARP requests. 0, 1
 * when the kernel's queue is full (try again later), or -1 with e set. */
int rawsock_inject(struct rawsock *rs, const void *frame, size_t len, struct rm_err *e);

/* A descriptor that becomes readable when captured packets wait (for poll/epoll). */
int rawsock_fd(const struct rawsock *rs);

/* One IPv4 packet to send: pkt is a complete IP header plus payload, dst its destination
 * (host order). The buffers stay owned by the caller and are not kept after the call. */
struct rawsock_pkt {
    const void *pkt;
    size_t len;
    uint32_t dst;
};

/* Sends up to n packets (sendmmsg). Returns how many were handed to the kernel (0 when its
 * queue is full: try again after a wait), or -1 with e set on a hard error. */
int rawsock_send(struct rawsock *rs, const struct rawsock_pkt *pkts, unsigned n, struct rm_err *e);

/* Called for each captured packet: ip points at its IPv4 header (the link header already
 * removed), len bytes of it captured. The buffer is lent by libpcap and is valid only until
 * the callback returns: copy what must outlive it. */
typedef void rawsock_rx_fn(const uint8_t *ip, size_t len, void *arg);

/* Delivers the packets waiting now, at most max (0 = whatever one read brings); never blocks.
 * Returns how many were delivered, or -1 with e set. */
int rawsock_recv(struct rawsock *rs, rawsock_rx_fn *fn, void *arg, int max, struct rm_err *e);

/* Called for each captured frame, link header included (what rawsock_strip_link takes). */
typedef void rawsock_frame_fn(int dlt, const uint8_t *frame, size_t caplen, void *arg);

/* As rawsock_recv, delivering whole frames (ARP replies carry no IPv4 header). */
int rawsock_recv_frames(struct rawsock *rs, rawsock_frame_fn *fn, void *arg, int max,
                        struct rm_err *e);

/* Packets the capture dropped for want of buffer space so far (pcap_stats), or 0. */
unsigned rawsock_drops(struct rawsock *rs);

/* The link header length for a pcap link type (DLT_*), or -1 when unsupported. For Ethernet
 * this is 14; the caller still checks the EtherType (and a VLAN tag) with rawsock_strip_link. */
int rawsock_link_len(int dlt);

/* Removes the link header of a captured frame of link type dlt. Returns a pointer to the IPv4
 * header inside frame (same lifetime as frame) and sets *len, or NULL when the frame does not
 * carry IPv4. */
const uint8_t *rawsock_strip_link(int dlt, const uint8_t *frame, size_t caplen, size_t *len);

#endif
