/* Internal to the HTML report writers (report_html.c, report_sections.c, report_hosts.c). */
#ifndef RISKMAP_REPORT_HTML_H
#define RISKMAP_REPORT_HTML_H

#include "reports/hbuf.h"
#include "reports/report.h"
#include "reports/risk.h"

struct rctx {
    struct hbuf *b;
    const struct report_input *in;
    const struct roadmap *rm;
    struct risk_headline hl;
};

/* A risk level badge: <span class="lv lN">score</span>. */
void rh_badge(struct hbuf *b, int score);
void rh_register(struct rctx *c);
void rh_roadmap(struct rctx *c);
void rh_controls(struct rctx *c);
void rh_hosts(struct rctx *c);
/* Base64 of data (for the logo); NULL on ENOMEM. */
char *rh_base64(const unsigned char *data, size_t len);

#endif
