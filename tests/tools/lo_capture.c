/* Test tool: captures IPv4 packets on one interface with libpcap and prints, when stopped
 * (SIGTERM/SIGINT or --seconds), one line per (source, destination) address pair seen with
 * its packet count: "SRC DST COUNT". Integration tests use it to prove that a scan sent
 * nothing to an address outside its scope (tests/integration/test_scope_proof.sh). It only
 * listens: it never sends a packet.
 *
 * usage: lo_capture IFACE FILTER SECONDS READY_FILE
 *   FILTER   pcap filter expression, e.g. "net 127.0.62.0/23"
 *   SECONDS  hard limit on the capture's lifetime
 *   READY_FILE is created once the capture is active (the test waits for it). */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scanner/rawsock.h"

#define MAX_PAIRS 65536

struct pair {
    uint32_t src, dst;
    unsigned long count;
};

static struct pair pairs[MAX_PAIRS];
static size_t n_pairs;
static unsigned long overflow;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    int dlt = *(int *)(void *)user;
    size_t len;
    const uint8_t *ip = rawsock_strip_link(dlt, bytes, h->caplen, &len);
    if (!ip)
        return;
    uint32_t s, d;
    memcpy(&s, ip + 12, 4);
    memcpy(&d, ip + 16, 4);
    for (size_t i = 0; i < n_pairs; i++)
        if (pairs[i].src == s && pairs[i].dst == d) {
            pairs[i].count++;
            return;
        }
    if (n_pairs == MAX_PAIRS) {
        overflow++;
        return;
    }
    pairs[n_pairs++] = (struct pair){s, d, 1};
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: lo_capture IFACE FILTER SECONDS READY_FILE\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(argv[1], err);
    if (!p) {
        fprintf(stderr, "lo_capture: %s\n", err);
        return 1;
    }
    pcap_set_snaplen(p, 128);
    pcap_set_immediate_mode(p, 1);
    pcap_set_buffer_size(p, 64 << 20);
    if (pcap_activate(p) < 0) {
        fprintf(stderr, "lo_capture: %s\n", pcap_geterr(p));
        return 1;
    }
    struct bpf_program prog;
    if (pcap_compile(p, &prog, argv[2], 1, PCAP_NETMASK_UNKNOWN) < 0 || pcap_setfilter(p, &prog) < 0) {
        fprintf(stderr, "lo_capture: filter: %s\n", pcap_geterr(p));
        return 1;
    }
    pcap_freecode(&prog);
    pcap_setnonblock(p, 1, err);
    int dlt = pcap_datalink(p);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    FILE *ready = fopen(argv[4], "w");
    if (!ready) {
        perror(argv[4]);
        return 1;
    }
    fclose(ready);
    time_t end = time(NULL) + atoi(argv[3]);
    while (!stop && time(NULL) < end) {
        int n = pcap_dispatch(p, -1, on_packet, (u_char *)&dlt);
        if (n < 0)
            break;
        if (n == 0) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    }
    /* What is still in the buffer. */
    while (pcap_dispatch(p, -1, on_packet, (u_char *)&dlt) > 0)
        ;
    struct pcap_stat st;
    unsigned drops = pcap_stats(p, &st) == 0 ? st.ps_drop : 0;
    for (size_t i = 0; i < n_pairs; i++) {
        char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &pairs[i].src, s, sizeof s);
        inet_ntop(AF_INET, &pairs[i].dst, d, sizeof d);
        printf("%s %s %lu\n", s, d, pairs[i].count);
    }
    /* A capture that dropped packets proves nothing: say so, the test fails on it. */
    printf("# drops %u overflow %lu\n", drops, overflow);
    pcap_close(p);
    return 0;
}
