/* services: every open port is recorded as an informational finding, so that the inventory
 * of exposed services is part of the evidence and the register can follow each one across
 * scans; a service that detection could not name gets a second one saying why (silence, a
 * reset, a failed handshake, unknown bytes), so an unknown listener is never silently
 * passed over. Judging which services should not be exposed is the exposure check's. */
#include <stdbool.h>
#include <stdio.h>

#include "check.h"

static const struct finding_kind services_kinds[] = {
    {.id = "svc.open", .severity = SEV_INFO,
     .summary = "A TCP port accepted a connection or a UDP service answered (inventory of "
                "exposed services)"},
    {.id = "svc.unidentified", .severity = SEV_INFO,
     .summary = "Service detection could not name what listens on an open port (no answer, a "
                "reset, a failed TLS handshake, or bytes no signature knows)"},
};

extern const struct check check_services;

static int unidentified(struct check_ctx *ctx, const struct host *host, const struct service *svc,
                        const char *addr, struct rm_err *e)
{
    char title[160], detail[512];
    snprintf(title, sizeof title, "Unidentified service on TCP port %u", (unsigned)svc->port);
    struct finding *f = check_emit(ctx, &check_services, &services_kinds[1], host, svc->port, title);
    if (!f)
        return rm_errf(e, "services: out of memory");
    snprintf(detail, sizeof detail,
             "%s port %u is open, but service detection could not tell what it is: %s. An "
             "unknown listener may be forgotten software, a service on an unusual port, or "
             "something that should not be there; find its owner.", addr, (unsigned)svc->port,
             svc->detect_note);
    if (finding_set_detail(f, detail) < 0 || finding_add_fact(f, "detection", svc->detect_note) < 0 ||
        (svc->evidence_id && finding_add_evidence_id(f, svc->evidence_id) < 0))
        return rm_errf(e, "services: out of memory");
    finding_fingerprint(f);
    return 0;
}

static int services_run(struct check_ctx *ctx, const struct host *host,
                        const struct service *svc, struct rm_err *e)
{
    char addr[RM_ADDRSTRLEN], title[160], line[256];
    addr_str(&host->addr, addr, sizeof addr);
    const char *name = svc->name ? svc->name : "unknown";
    bool udp = svc->proto == SVC_UDP;
    snprintf(title, sizeof title, "Open %s port %u (%s)", udp ? "UDP" : "TCP",
             (unsigned)svc->port, name);

    /* The evidence is the observation itself: which connection completed (or which UDP probe
     * was answered), how fast. */
    int n = snprintf(line, sizeof line, "%s to %s port %u: %s (%s), rtt %.3f ms\n",
                     udp ? "udp probe" : "tcp connect", addr, (unsigned)svc->port,
                     port_state_name(svc->state), svc->reason ? svc->reason : "-", svc->rtt_ms);
    struct evidence *ev = scan_add_evidence(ctx->result, "text/plain",
                                            "port scan observation", line, (size_t)n);
    struct finding *f = check_emit(ctx, &check_services, &services_kinds[0], host, svc->port, title);
    if (!ev || !f)
        return rm_errf(e, "services: out of memory");
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)svc->port);
    if ((udp && finding_set_protocol(f, "udp") < 0) || finding_add_fact(f, "port", port) < 0 ||
        finding_add_fact(f, "protocol", svc_proto_name(svc->proto)) < 0 ||
        finding_add_fact(f, "service", name) < 0 || finding_add_evidence_id(f, ev->id) < 0)
        return rm_errf(e, "services: out of memory");
    char detail[256];
    snprintf(detail, sizeof detail,
             "%s %s on port %u, usually %s. Every exposed service is "
             "attack surface; confirm it is meant to be reachable from this network.",
             addr, udp ? "answers UDP probes" : "accepts TCP connections", (unsigned)svc->port,
             name);
    if (finding_set_detail(f, detail) < 0)
        return rm_errf(e, "services: out of memory");
    /* Identity is kind + asset + port: the service guess may change without the finding
     * becoming a different one. */
    finding_fingerprint(f);
    if (svc->detect_note && !udp)
        return unidentified(ctx, host, svc, addr, e);
    return 0;
}

const struct check check_services = {
    .id = "services",
    .summary = "Records every open TCP port and answering UDP service as an informational finding",
    .applies_to = CHECK_SERVICE,
    .kinds = services_kinds,
    .n_kinds = sizeof services_kinds / sizeof services_kinds[0],
    .run = services_run,
};
