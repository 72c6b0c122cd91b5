/* Inline SVG charts of the HTML report. Each writes one <svg> element with the id given in
 * its comment (the tests look for them), sized by a viewBox so print and screen scale it, and
 * escapes every piece of text it draws. */
#ifndef RISKMAP_SVG_H
#define RISKMAP_SVG_H

#include "policies/eval.h"
#include "reports/hbuf.h"
#include "reports/risk.h"
#include "reports/roadmap.h"
#include "scanner/model.h"
#include "scanner/risk_model.h"

/* Fill colour of a risk level, the same in every chart and table. */
const char *svg_level_color(enum risk_level l);

/* "chart-heatmap": counted risks on a 5x5 grid, likelihood across, impact up. */
void svg_heatmap(struct hbuf *b, const struct risk_set *s);
/* "chart-severity": findings per severity. */
void svg_severity(struct hbuf *b, const struct scan_result *scan);
/* "chart-compliance": framework items per status, one stacked bar per framework. */
void svg_compliance(struct hbuf *b, const struct evaluation *ev);
/* "chart-roadmap": initiatives across the four quarters (and later), budget per quarter. */
void svg_timeline(struct hbuf *b, const struct roadmap *r);
/* "chart-trend": total and worst risk across the scans of t (at least one point). */
void svg_trend(struct hbuf *b, const struct trend *t);

#endif
