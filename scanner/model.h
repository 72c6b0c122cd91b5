/* The scan model: what one scan found, in memory. It is written to and read from the scan
 * result document (result.h); checks read hosts and services from it and append findings and
 * evidence to it.
 *
 * Ownership: the scan_result owns its hosts, their services, its findings and evidence;
 * scan_result_free() releases everything. Pointers returned by the add functions are
 * borrowed and stay valid until the next add of the same kind (arrays may move).
 */
#ifndef RISKMAP_MODEL_H
#define RISKMAP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/finding.h"
#include "scanner/addr.h"

#define SCAN_FORMAT "riskmap-scan-result"
#define SCAN_FORMAT_VERSION 1

enum port_state {
    PORT_OPEN = 0,
    PORT_CLOSED,
    PORT_FILTERED,
};
const char *port_state_name(enum port_state s);
int port_state_parse(const char *s, enum port_state *out);

/* The transport a service answered on. TCP is zero: every service is TCP unless the UDP
 * stage (scanner/udpprobe.h) says otherwise. */
enum svc_proto {
    SVC_TCP = 0,
    SVC_UDP,
};
const char *svc_proto_name(enum svc_proto p); /* "tcp", "udp" */
int svc_proto_parse(const char *s, enum svc_proto *out);

struct service {
    uint16_t port;
    enum svc_proto proto;
    enum port_state state;
    char *name;   /* guess from the port number until service detection knows better; may be NULL */
    char *reason; /* "syn-ack", "conn-refused", "no-response", ... */
    double rtt_ms;
    /* Filled in by service detection; each may be NULL. */
    char *method;      /* how the name was found: "port" (table guess), "banner", "probe:NAME" */
    char *product;     /* "OpenSSH", "nginx" */
    char *version;     /* "9.2p1" */
    char *info;        /* extra detail: "Debian 2+deb12u3", "protocol 2.0" */
    char *cpe;         /* "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*" */
    char *evidence_id; /* the raw bytes the identification rests on */
    char *detect_note; /* why detection named nothing: "no answer to the banner probe within
                        * 1500 ms", "connection reset ...", "N bytes ... match no signature" */
};

/* Replaces one of a service's string fields with a copy of value (NULL clears). 0 or -1. */
int service_set(char **field, const char *value);
/* Frees a service's strings (not the service itself, which lives in its host's array). */
void service_clear(struct service *s);

struct host {
    struct rm_addr addr;
    char *hostname; /* name it was resolved from, or NULL */
    char *reason;   /* why it is considered up: its first answer to host discovery
                     * ("echo-reply", "arp-response", ...) or, without discovery, to the port
                     * scan ("syn-ack", "reset", "conn-refused") */
    double rtt_ms;  /* smoothed round trip measured against this host, -1 when none */
    char *mac;      /* "02:00:5e:10:00:01" when ARP answered, else NULL */
    uint32_t n_open, n_closed, n_filtered;
    struct service *services; /* open ports, ascending by port, TCP before UDP */
    size_t n_services, cap_services;
};

struct resolved_name {
    char *name;
    struct rm_addr addr;
};

struct scan_settings {
    char *ports_spec;       /* as given, e.g. "top:1000" or "22,80" */
    char *ports_scanned;    /* every port scanned, ascending, as ranges: "1,3-4,7" */
    uint64_t port_count;
    uint64_t address_count; /* unique in-scope addresses */
    double rate;            /* connects per second, 0 = unlimited */
    unsigned max_concurrency;
    unsigned retries;
    unsigned threads;
    double initial_timeout_ms;
    double min_timeout_ms;
    double max_timeout_ms;
    uint64_t seed;
    char *scan_type;        /* "connect" or "syn" */
    char *discovery;        /* "raw", "connect", "raw+connect" or "off" (-Pn); NULL: unknown */
    char *alive_ports;      /* --alive-ports as ranges, or NULL */
};

struct scan_stats {
    uint64_t probes_sent;  /* connect attempts, retries included */
    uint64_t ports_done;   /* (host, port) pairs with a final state */
    uint64_t open, closed, filtered;
    uint64_t hosts_up;
    double duration_s;
};

struct scan_meta {
    bool complete;         /* every (host, port) pair was decided and every check ran */
    char *incomplete_reason; /* why not, when not: "interrupted", an error message */
    char *id;              /* random 128-bit id, hex */
    char *riskmap_version;
    char *started_utc;     /* ISO 8601, "2026-11-22T11:39:05Z" */
    char *finished_utc;
    char *operator_name;
    char *scanner_host;
    char **command_line;
    size_t n_command_line;
    char **targets;
    size_t n_targets;
    char **excludes;
    size_t n_excludes;
    struct resolved_name *names;
    size_t n_names;
    struct scan_settings settings;
    struct scan_stats stats;
};

struct scan_result {
    struct scan_meta meta;
    struct host *hosts;
    size_t n_hosts, cap_hosts;
    struct finding **findings;
    size_t n_findings, cap_findings;
    struct evidence **evidence;
    size_t n_evidence, cap_evidence;
    /* The policy results of this scan ("riskmap-policy-evaluation", policies/eval.h's
     * evaluation_json()), written by `riskmap scan` after its checks; NULL when the scan was
     * not evaluated. Owned; kept as the JSON tree because the engine does not interpret it. */
    struct cJSON *evaluation;
};

struct scan_result *scan_result_new(void);
void scan_result_free(struct scan_result *r);

/* Appends a host (no duplicate check: the engine reports each host once). */
struct host *scan_add_host(struct scan_result *r, const struct rm_addr *addr);
/* Finds a host by address (linear before scan_sort_hosts, binary search after). */
struct host *scan_find_host(struct scan_result *r, const struct rm_addr *addr);
/* Orders hosts by address and each host's services by port, then protocol. */
void scan_sort_hosts(struct scan_result *r);

/* Appends a service to a host; name and reason are copied (may be NULL). */
struct service *host_add_service(struct host *h, uint16_t port, enum port_state state,
                                 const char *name, const char *reason, double rtt_ms);

/* Takes ownership of f (also on failure, when it is freed). Returns 0 or -1. */
int scan_add_finding(struct scan_result *r, struct finding *f);

/* Stores a copy of data as a new evidence item with the next free id ("E1", "E2"...);
 * returns the item (borrowed) or NULL. */
struct evidence *scan_add_evidence(struct scan_result *r, const char *media_type,
                                   const char *description, const void *data, size_t len);
/* Takes ownership of an evidence item built elsewhere (the reader); 0 or -1. */
int scan_adopt_evidence(struct scan_result *r, struct evidence *ev);

/* Copies a NULL-safe string; NULL in, NULL out. Exits nothing: NULL also on ENOMEM. */
char *rm_strdup(const char *s);

#endif
