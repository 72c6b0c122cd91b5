/* Bar charts: findings by severity, and framework items by compliance status. */
#include <string.h>

#include "reports/svg.h"

static const char *const sev_color[] = {"#90a4ae", "#7cb342", "#f9a825", "#ef6c00", "#c62828"};

void svg_severity(struct hbuf *b, const struct scan_result *scan)
{
    size_t n[5] = {0}, max = 0;
    for (size_t i = 0; i < scan->n_findings; i++)
        if ((unsigned)scan->findings[i]->severity <= SEV_CRITICAL)
            n[scan->findings[i]->severity]++;
    for (int s = 0; s < 5; s++)
        if (n[s] > max)
            max = n[s];
    const int x0 = 80, bw = 260, row = 30;
    hb_printf(b, "<svg id=\"chart-severity\" class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"Findings by severity\">"
                 "<title>Findings by severity</title>", x0 + bw + 80, 5 * row + 10);
    for (int s = SEV_CRITICAL, r = 0; s >= SEV_INFO; s--, r++) {
        int w = max ? (int)((double)n[s] / (double)max * bw + 0.5) : 0;
        int y = 5 + r * row;
        hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\">%s</text>",
                  x0 - 8, y + 17, severity_name((enum severity)s));
        hb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" fill=\"%s\"/>", x0, y,
                  w > 0 ? w : 1, sev_color[s]);
        hb_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\">", x0 + w + 6, y + 16);
        hb_int(b, (long long)n[s]);
        hb_put(b, "</text>");
    }
    hb_put(b, "</svg>");
}

void svg_compliance(struct hbuf *b, const struct evaluation *ev)
{
    /* Fail, partial, pass, not checked (not-applicable items are left out of the bar). */
    static const enum ctl_status order[] = {ST_PASS, ST_PARTIAL, ST_FAIL, ST_NOT_CHECKED};
    static const char *const color[] = {"#2e7d32", "#f9a825", "#c62828", "#b0bec5"};
    const int x0 = 200, bw = 300, row = 30;
    size_t nf = ev->n_frameworks;
    hb_printf(b, "<svg id=\"chart-compliance\" class=\"chart\" viewBox=\"0 0 %d %zu\" "
                 "role=\"img\" aria-label=\"Compliance per framework\" "
                 "><title>Framework items per status: "
                 "pass, partial, fail, not checked</title>",
              x0 + bw + 20, (nf ? nf : 1) * row + 40);
    for (size_t f = 0; f < nf; f++) {
        const struct eval_framework *fw = &ev->frameworks[f];
        size_t total = 0;
        for (int k = 0; k < 4; k++)
            total += fw->count[order[k]];
        int y = 5 + (int)f * row;
        hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">", x0 - 8,
                  y + 16);
        hb_esc_trunc(b, fw->title, 28);
        hb_put(b, "</text>");
        double x = x0;
        for (int k = 0; k < 4 && total; k++) {
            double w = (double)fw->count[order[k]] / (double)total * bw;
            if (w <= 0)
                continue;
            hb_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"22\" fill=\"%s\">"
                         "<title>%s: %zu</title></rect>",
                      x, y, w, color[k], ctl_status_name(order[k]), fw->count[order[k]]);
            x += w;
        }
    }
    int ly = 5 + (int)(nf ? nf : 1) * row + 12;
    for (int k = 0; k < 4; k++) {
        hb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                     "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>",
                  x0 - 120 + k * 100, ly, color[k], x0 - 120 + k * 100 + 16, ly + 10,
                  ctl_status_name(order[k]));
    }
    hb_put(b, "</svg>");
}
