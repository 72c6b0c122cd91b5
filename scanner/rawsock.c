#include "rawsock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Big enough for a burst at full speed on loopback: replies are ~60-byte frames. */
#define PCAP_BUFFER_BYTES (32 << 20)
/* Ethernet 14 + VLAN 4 + IPv4 60 + TCP 60 would be 138; replies we read need 20 + 20 + a few. */
#define SNAPLEN 128
#define SEND_BATCH 64

struct rawsock {
    int fd;            /* AF_INET SOCK_RAW IPPROTO_RAW, bound to the interface */
    pcap_t *pcap;
    int dlt;
    int pfd;
    char ifname[IF_NAMESIZE];
};

/* ---- routing ---- */

int rawsock_route(uint32_t dst, char ifname[IF_NAMESIZE], uint32_t *src, struct rm_err *e)
{
    bool gw;
    return rawsock_route_ex(dst, ifname, src, &gw, e);
}

int rawsock_route_ex(uint32_t dst, char ifname[IF_NAMESIZE], uint32_t *src, bool *via_gateway,
                     struct rm_err *e)
{
    *via_gateway = false;
    char dbuf[INET_ADDRSTRLEN];
    struct in_addr da = {htonl(dst)};
    inet_ntop(AF_INET, &da, dbuf, sizeof dbuf);

    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return rm_errf(e, "route lookup for %s: netlink: %s", dbuf, strerror(errno));
    /* Built and parsed with memcpy at computed offsets: no casts of byte pointers to the
     * kernel's structs (their alignment is not the buffer's). */
    union {
        char buf[256];
        struct nlmsghdr align;
    } q;
    memset(&q, 0, sizeof q);
    struct rtmsg rt = {.rtm_family = AF_INET, .rtm_dst_len = 32};
    struct rtattr ra = {.rta_len = RTA_LENGTH(4), .rta_type = RTA_DST};
    uint32_t ndst = htonl(dst);
    size_t rt_off = NLMSG_HDRLEN, ra_off = rt_off + NLMSG_ALIGN(sizeof rt);
    struct nlmsghdr qh = {
        .nlmsg_len = (uint32_t)(ra_off + RTA_LENGTH(4)), .nlmsg_type = RTM_GETROUTE,
        .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1,
    };
    memcpy(q.buf, &qh, sizeof qh);
    memcpy(q.buf + rt_off, &rt, sizeof rt);
    memcpy(q.buf + ra_off, &ra, sizeof ra);
    memcpy(q.buf + ra_off + RTA_LENGTH(0), &ndst, 4);

    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(fd, q.buf, qh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int err = errno;
        close(fd);
        return rm_errf(e, "route lookup for %s: %s", dbuf, strerror(err));
    }
    /* The answer to a single-route request is small. */
    union {
        char buf[8192];
        struct nlmsghdr align;
    } u;
    ssize_t got = recv(fd, u.buf, sizeof u.buf, 0);
    int err = errno;
    close(fd);
    if (got < 0)
        return rm_errf(e, "route lookup for %s: %s", dbuf, strerror(err));
    size_t n = (size_t)got;
    for (size_t off = 0; off + sizeof(struct nlmsghdr) <= n;) {
        struct nlmsghdr nh;
        memcpy(&nh, u.buf + off, sizeof nh);
        if (nh.nlmsg_len < sizeof nh || nh.nlmsg_len > n - off)
            break;
        const char *body = u.buf + off + NLMSG_HDRLEN;
        size_t blen = nh.nlmsg_len - NLMSG_HDRLEN;
        if (nh.nlmsg_type == NLMSG_ERROR) {
            struct nlmsgerr ne = {0};
            memcpy(&ne, body, blen < sizeof ne ? blen : sizeof ne);
            return rm_errf(e, "no route to %s: %s", dbuf, strerror(-ne.error));
        }
        if (nh.nlmsg_type == RTM_NEWROUTE && blen >= sizeof(struct rtmsg)) {
            struct rtmsg r;
            memcpy(&r, body, sizeof r);
            if (r.rtm_type != RTN_UNICAST && r.rtm_type != RTN_LOCAL)
                return rm_errf(e, "no usable route to %s (route type %u)", dbuf, r.rtm_type);
            int oif = 0;
            uint32_t pref = 0;
            for (size_t a = NLMSG_ALIGN(sizeof r); a + sizeof(struct rtattr) <= blen;) {
                struct rtattr at;
                memcpy(&at, body + a, sizeof at);
                if (at.rta_len < sizeof at || at.rta_len > blen - a)
                    break;
                size_t plen = at.rta_len - RTA_LENGTH(0);
                if (at.rta_type == RTA_OIF && plen >= 4)
                    memcpy(&oif, body + a + RTA_LENGTH(0), 4);
                else if (at.rta_type == RTA_PREFSRC && plen >= 4)
                    memcpy(&pref, body + a + RTA_LENGTH(0), 4);
                else if (at.rta_type == RTA_GATEWAY)
                    *via_gateway = true;
                a += RTA_ALIGN(at.rta_len);
            }
            if (oif <= 0 || !if_indextoname((unsigned)oif, ifname))
                return rm_errf(e, "route to %s names no interface", dbuf);
            if (pref == 0)
                return rm_errf(e, "route to %s (via %s) gives no source address", dbuf, ifname);
            *src = ntohl(pref);
            return 0;
        }
        off += NLMSG_ALIGN(nh.nlmsg_len);
    }
    return rm_errf(e, "route lookup for %s: no answer", dbuf);
}

/* ---- link layer ---- */

int rawsock_link_len(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
        return 14;
    case DLT_NULL:
    case DLT_LOOP:
        return 4;
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
#endif
        return 0;
    case DLT_LINUX_SLL:
        return 16;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        return 20;
#endif
    default:
        return -1;
    }
}

const uint8_t *rawsock_strip_link(int dlt, const uint8_t *frame, size_t caplen, size_t *len)
{
    int hl = rawsock_link_len(dlt);
    if (hl < 0 || caplen < (size_t)hl + 20)
        return NULL;
    size_t off = (size_t)hl;
    switch (dlt) {
    case DLT_EN10MB: {
        unsigned type = (unsigned)frame[12] << 8 | frame[13];
        if (type == 0x8100 || type == 0x88a8) { /* one VLAN tag */
            if (caplen < 18 + 20)
                return NULL;
            type = (unsigned)frame[16] << 8 | frame[17];
            off = 18;
        }
        if (type != 0x0800)
            return NULL;
        break;
    }
    case DLT_NULL:
    case DLT_LOOP: {
        /* The address family, in host order (NULL) or network order (LOOP); AF_INET is 2. */
        uint32_t fam;
        memcpy(&fam, frame, 4);
        if (fam != 2 && ntohl(fam) != 2)
            return NULL;
        break;
    }
    case DLT_LINUX_SLL:
        if (((unsigned)frame[14] << 8 | frame[15]) != 0x0800)
            return NULL;
        break;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (((unsigned)frame[0] << 8 | frame[1]) != 0x0800)
            return NULL;
        break;
#endif
    default:
        break;
    }
    if ((frame[off] >> 4) != 4)
        return NULL;
    *len = caplen - off;
    return frame + off;
}

/* ---- open / close ---- */

struct rawsock *rawsock_open(const char *ifname, uint32_t src, uint16_t sport_lo,
                             uint16_t sport_hi, struct rm_err *e)
{
    char filter[256], sbuf[INET_ADDRSTRLEN];
    struct in_addr sa = {htonl(src)};
    inet_ntop(AF_INET, &sa, sbuf, sizeof sbuf);
    snprintf(filter, sizeof filter,
             "ip and tcp and dst host %s and dst portrange %u-%u and "
             "(tcp[tcpflags] & (tcp-syn|tcp-rst) != 0) and (tcp[tcpflags] & tcp-ack != 0)",
             sbuf, (unsigned)sport_lo, (unsigned)sport_hi);
    return rawsock_open_filter(ifname, filter, e);
}

struct rawsock *rawsock_open_filter(const char *ifname, const char *filter, struct rm_err *e)
{
    struct rawsock *rs = calloc(1, sizeof *rs);
    if (!rs) {
        rm_errf(e, "out of memory");
        return NULL;
    }
    rs->fd = -1;
    snprintf(rs->ifname, sizeof rs->ifname, "%s", ifname);
    char errbuf[PCAP_ERRBUF_SIZE] = "";

    /* The receiver first: nothing is sent before it listens. */
    rs->pcap = pcap_create(ifname, errbuf);
    if (!rs->pcap) {
        rm_errf(e, "pcap on %s: %s", ifname, errbuf);
        goto fail;
    }
    pcap_set_snaplen(rs->pcap, SNAPLEN);
    pcap_set_promisc(rs->pcap, 0);
    pcap_set_immediate_mode(rs->pcap, 1);
    pcap_set_buffer_size(rs->pcap, PCAP_BUFFER_BYTES);
    int st = pcap_activate(rs->pcap);
    if (st < 0) {
        rm_errf(e, "pcap on %s: %s%s", ifname, pcap_statustostr(st),
                st == PCAP_ERROR_PERM_DENIED ? " (SYN scan needs root or CAP_NET_RAW; use -sT)" : "");
        goto fail;
    }
    rs->dlt = pcap_datalink(rs->pcap);
    if (rawsock_link_len(rs->dlt) < 0) {
        rm_errf(e, "pcap on %s: link type %s not supported", ifname,
                pcap_datalink_val_to_name(rs->dlt));
        goto fail;
    }
    struct bpf_program prog;
    if (pcap_compile(rs->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        rm_errf(e, "pcap filter: %s", pcap_geterr(rs->pcap));
        goto fail;
    }
    st = pcap_setfilter(rs->pcap, &prog);
    pcap_freecode(&prog);
    if (st < 0) {
        rm_errf(e, "pcap filter: %s", pcap_geterr(rs->pcap));
        goto fail;
    }
    if (pcap_setnonblock(rs->pcap, 1, errbuf) < 0) {
        rm_errf(e, "pcap on %s: %s", ifname, errbuf);
        goto fail;
    }
    rs->pfd = pcap_get_selectable_fd(rs->pcap);
    if (rs->pfd < 0) {
        rm_errf(e, "pcap on %s: no selectable descriptor", ifname);
        goto fail;
    }

    rs->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
    if (rs->fd < 0) {
        rm_errf(e, "raw socket: %s%s", strerror(errno),
                errno == EPERM ? " (SYN scan needs root or CAP_NET_RAW; use -sT)" : "");
        goto fail;
    }
    int one = 1;
    if (setsockopt(rs->fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) < 0 ||
        setsockopt(rs->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
        rm_errf(e, "raw socket on %s: %s", ifname, strerror(errno));
        goto fail;
    }
    int sndbuf = 4 << 20;
    setsockopt(rs->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    return rs;
fail:
    rawsock_close(rs);
    return NULL;
}

void rawsock_close(struct rawsock *rs)
{
    if (!rs)
        return;
    if (rs->fd >= 0)
        close(rs->fd);
    if (rs->pcap)
        pcap_close(rs->pcap);
    free(rs);
}

int rawsock_fd(const struct rawsock *rs)
{
    return rs->pfd;
}

int rawsock_dlt(const struct rawsock *rs)
{
    return rs->dlt;
}

int rawsock_ether_addr(const struct rawsock *rs, uint8_t mac[6])
{
    if (rs->dlt != DLT_EN10MB)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", rs->ifname);
    if (ioctl(rs->fd, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
        return -1;
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

int rawsock_inject(struct rawsock *rs, const void *frame, size_t len, struct rm_err *e)
{
    if (pcap_inject(rs->pcap, frame, len) >= 0)
        return 0;
    if (errno == EAGAIN || errno == ENOBUFS)
        return 1;
    return rm_errf(e, "sending on %s: %s", rs->ifname, pcap_geterr(rs->pcap));
}

/* ---- send / receive ---- */

int rawsock_send(struct rawsock *rs, const struct rawsock_pkt *pkts, unsigned n, struct rm_err *e)
{
    struct mmsghdr msgs[SEND_BATCH];
    struct iovec iov[SEND_BATCH];
    struct sockaddr_in to[SEND_BATCH];
    if (n > SEND_BATCH)
        n = SEND_BATCH;
    for (unsigned i = 0; i < n; i++) {
        iov[i] = (struct iovec){(void *)pkts[i].pkt, pkts[i].len};
        to[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(pkts[i].dst)};
        msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &to[i], .msg_namelen = sizeof to[i],
                                               .msg_iov = &iov[i], .msg_iovlen = 1}};
    }
    int r = sendmmsg(rs->fd, msgs, n, 0);
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
        return 0;
    return rm_errf(e, "sending on %s: %s", rs->ifname, strerror(errno));
}

struct rx_ctx {
    struct rawsock *rs;
    rawsock_rx_fn *fn;
    void *arg;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct rx_ctx *c = (void *)user;
    size_t len;
    const uint8_t *ip = rawsock_strip_link(c->rs->dlt, bytes, h->caplen, &len);
    if (ip)
        c->fn(ip, len, c->arg);
}

int rawsock_recv(struct rawsock *rs, rawsock_rx_fn *fn, void *arg, int max, struct rm_err *e)
{
    struct rx_ctx c = {rs, fn, arg};
    int n = pcap_dispatch(rs->pcap, max > 0 ? max : -1, on_frame, (void *)&c);
    if (n < 0)
        return rm_errf(e, "capture on %s: %s", rs->ifname, pcap_geterr(rs->pcap));
    return n;
}

struct frame_ctx {
    struct rawsock *rs;
    rawsock_frame_fn *fn;
    void *arg;
};

static void on_raw_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct frame_ctx *c = (void *)user;
    c->fn(c->rs->dlt, bytes, h->caplen, c->arg);
}

int rawsock_recv_frames(struct rawsock *rs, rawsock_frame_fn *fn, void *arg, int max,
                        struct rm_err *e)
{
    struct frame_ctx c = {rs, fn, arg};
    int n = pcap_dispatch(rs->pcap, max > 0 ? max : -1, on_raw_frame, (void *)&c);
    if (n < 0)
        return rm_errf(e, "capture on %s: %s", rs->ifname, pcap_geterr(rs->pcap));
    return n;
}

unsigned rawsock_drops(struct rawsock *rs)
{
    struct pcap_stat ps;
    if (pcap_stats(rs->pcap, &ps) < 0)
        return 0;
    return ps.ps_drop;
}
