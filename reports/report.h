/* The client report: one self-contained HTML file (inline CSS and SVG charts, the MSP's logo
 * as a data: URI, nothing fetched from anywhere) and the roadmap as JSON.
 *
 * Everything a report shows is computed elsewhere (scoring: reports/risk.h; roadmap:
 * reports/roadmap.h; register and trend: the register store); this room only renders it.
 * Every piece of outside text is HTML-escaped.
 *
 * From a scan to the files (what `riskmap report` does, scanner/cli_report.c):
 *   evaluate(scan, pols, n, prof, NULL, &ev, e);                  policies/eval.h
 *   risk_score_scan(scan, ev, prof, &risks, e);                    or the register's risk set
 *   roadmap_build(&risks, scan, pols, n, prof, &opts, &rm, e);     optional: built if NULL
 *   struct report_input in = {.scan = scan, .ev = ev, .risks = &risks, .trend = trend,
 *                             .roadmap = rm, .pols = pols, .n_pols = n, .prof = prof};
 *   report_write(&in, dir, REPORT_HTML | REPORT_JSON, &written, e);
 */
#ifndef RISKMAP_REPORT_H
#define RISKMAP_REPORT_H

#include <stddef.h>

#include "policies/eval.h"
#include "policies/policy.h"
#include "policies/profile.h"
#include "reports/roadmap.h"
#include "scanner/err.h"
#include "scanner/model.h"
#include "scanner/risk_model.h"

/* Hosts given full technical detail (the ones with the highest risk first); the register
 * table always lists every risk. */
#define REPORT_HOST_DETAIL_MAX 250
#define REPORT_QUIET_HOSTS_MAX 1000 /* hosts with nothing named in one line */
/* Findings shown per host, evidence bytes shown per item, logo file size. */
#define REPORT_HOST_FINDINGS_MAX 60
#define REPORT_EVIDENCE_SHOWN 2048
#define REPORT_LOGO_MAX (256 * 1024)

enum report_format {
    REPORT_HTML = 1u << 0, /* report.html */
    REPORT_JSON = 1u << 1, /* roadmap.json and register.json */
    REPORT_CSV = 1u << 2,  /* register.csv (RFC 4180, UTF-8 with BOM, for Excel) */
};
/* "html,json,csv" -> flags; -1 on an unknown name. */
int report_formats_parse(const char *s, unsigned *out);

struct report_input {
    const struct scan_result *scan;
    const struct evaluation *ev;
    const struct risk_set *risks;
    const struct trend *trend;     /* NULL or empty: the report covers a single scan */
    const struct roadmap *roadmap; /* NULL: built from the others with default options */
    struct policy *const *pols;
    size_t n_pols;
    const struct profile *prof;    /* NULL: no client profile, no branding */
    const char *generated;         /* "2026-11-22 17:00 UTC" for reproducible output; NULL: now */
    size_t host_detail_max;        /* 0: REPORT_HOST_DETAIL_MAX */
    struct diags *warnings;        /* may be NULL: a logo that cannot be embedded, ... */
};

/* The HTML document into *out (NUL-terminated, *len bytes, free()). 0 or -1 with e set. */
int report_html(const struct report_input *in, char **out, size_t *len, struct rm_err *e);

/* Writes the formats asked for into dir (created if missing), each file atomically:
 * report.html, roadmap.json. Paths written are added to written (may be NULL) as messages. */
int report_write(const struct report_input *in, const char *dir, unsigned formats,
                 struct diags *written, struct rm_err *e);

#endif
