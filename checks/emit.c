/* Shared by modules: building a finding from a declared kind. */
#include "check.h"

struct finding *check_emit(struct check_ctx *ctx, const struct check *chk,
                           const struct finding_kind *kind, const struct host *host,
                           uint16_t port, const char *title)
{
    struct finding *f = finding_new(kind->id, chk->id, kind->severity, title,
                                    host ? &host->addr : NULL, port);
    if (!f)
        return NULL;
    if (host && host->hostname && finding_set_hostname(f, host->hostname) < 0) {
        finding_free(f);
        return NULL;
    }
    if (scan_add_finding(ctx->result, f) < 0)
        return NULL;
    return f;
}
