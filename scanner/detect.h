/* Service detection: what speaks on each open port.
 *
 * For every open service of a scan result, a bounded pool of worker threads holds short
 * conversations, each on its own non-blocking socket with a deadline: read the banner of a
 * server that speaks first, or send protocol probes chosen by the port (HTTP GET with a Host
 * header, Redis PING + INFO server, memcached "version", PostgreSQL SSLRequest, SMB2 and
 * SMB1 NEGOTIATE, RDP X.224 connection request, MS SQL PRELOGIN, MongoDB isMaster + buildInfo
 * + listDatabases, an anonymous LDAP root DSE search, ...), over TLS for the ports that speak it
 * (OpenSSL, no certificate verification: this identifies, it does not trust). Telnet option
 * negotiation is refused and stripped, VNC's RFB version is sent back to learn the security
 * types, and binary protocols are parsed by scanner/probe_proto.c, probe_mssql.c, probe_mongo.c
 * and probe_ldap.c. Responses are matched against the embedded signature table (sigs.h); the
 * MS SQL, MongoDB and LDAP answers as the "key: value" text their parsers make of them. UDP
 * services are found afterwards by their own stage (udpprobe.h); this module skips them.
 *
 * Workers only read the scan result; every finding of theirs is kept in a private record and
 * written into the result by the calling thread once all workers have joined, so no lock is
 * needed around the model.
 */
#ifndef RISKMAP_DETECT_H
#define RISKMAP_DETECT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/err.h"
#include "scanner/model.h"
#include "scanner/sigs.h"

#define DETECT_DEF_TIMEOUT_MS 3000.0 /* per conversation: a loaded small-office box answers in 3 s */
/* Ports whose server speaks first (FTP, SSH, SMTP, POP3, IMAP, ...) wait this many timeouts
 * for the banner: 6 s by default, as nmap's NULL probe, so that a greeting delayed on purpose
 * (sendmail's greet_pause, often 5 s) is still read. Only that conversation waits longer. */
#define DETECT_BANNER_WAIT_FACTOR 2.0
#define DETECT_DEF_CONCURRENCY 64u   /* conversations at once: each is a thread and a socket */
#define DETECT_MAX_CONCURRENCY 512u
#define DETECT_DEF_MAX_BYTES 4096u   /* bytes kept per response, and stored as evidence */
#define DETECT_MAX_BYTES (1024u * 1024u)

struct detect_opts {
    double timeout_ms;              /* per conversation (connect + TLS + send + read); 0 = default;
                                     * banners of speak-first ports: DETECT_BANNER_WAIT_FACTOR x */
    unsigned max_concurrency;       /* conversations at once; 0 = default */
    size_t max_bytes;               /* per response; 0 = default */
    atomic_int *cancel;             /* may be NULL; checked at least every 100 ms */
};

/* Identifies every open service in r. On identification a service gets name, product,
 * version, info, cpe (those the signature gives), method "banner" or "probe:NAME", and
 * evidence_id naming a new evidence item holding the raw bytes (at most max_bytes). A service
 * that nothing matched keeps its port-table name with method "port"; the bytes it sent, if
 * any, are still kept as evidence. Returns 0 (also when cancelled, with what was found), or
 * -1 with e set (signature table broken, out of memory, no thread could start). */
int detect_services(struct scan_result *r, const struct detect_opts *o, struct rm_err *e);

/* The probes tried on a port, in order, as a comma-separated list ("banner,http" or
 * "tls:http,http"); for -v and for tests. Static string. */
const char *detect_plan_str(uint16_t port);

#endif
