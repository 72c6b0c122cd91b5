/* Risk across scans: total risk (blue, scale on the left, 0 to its highest value) and the
 * worst single risk (red, scale on the right, 0-25) in one frame. */
#include "reports/svg.h"

void svg_trend(struct hbuf *b, const struct trend *t)
{
    const int x0 = 60, w = 480, h = 160, y0 = 20;
    long max = 1;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].total > max)
            max = t->v[i].total;
    hb_printf(b, "<svg id=\"chart-trend\" class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"Risk across scans\">"
                 "<title>Total risk (blue) and worst single risk (red) across scans</title>",
              x0 + w + 40, y0 + h + 50);
    hb_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", x0, y0 + h,
              x0 + w, y0 + h);
    hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">", x0 - 6, y0 + 4);
    hb_int(b, max);
    hb_printf(b, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">0"
                 "</text><text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#c62828\">25</text>"
                 "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#c62828\">0</text>",
              x0 - 6, y0 + h + 4, x0 + w + 6, y0 + 4, x0 + w + 6, y0 + h + 4);
    for (int line = 0; line < 2; line++) {
        hb_printf(b, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"",
                  line ? "#c62828" : "#1f5fa8");
        for (size_t i = 0; i < t->n; i++) {
            double x = x0 + (t->n > 1 ? (double)i * w / (double)(t->n - 1) : w / 2.0);
            double v = line ? t->v[i].worst / 25.0 : (double)t->v[i].total / (double)max;
            hb_printf(b, "%s%.1f,%.1f", i ? " " : "", x, y0 + h - v * h);
        }
        hb_put(b, "\"/>");
    }
    size_t step = t->n > 8 ? (t->n + 7) / 8 : 1;
    for (size_t i = 0; i < t->n; i++) {
        double x = x0 + (t->n > 1 ? (double)i * w / (double)(t->n - 1) : w / 2.0);
        hb_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f5fa8\"><title>",
                  x, y0 + h - (double)t->v[i].total / (double)max * h);
        hb_esc(b, t->v[i].date);
        hb_printf(b, ": total %ld, worst %d</title></circle>", t->v[i].total, t->v[i].worst);
        if (i % step == 0 || i + 1 == t->n) {
            hb_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">",
                      x, y0 + h + 16);
            hb_esc(b, t->v[i].date);
            hb_put(b, "</text>");
        }
    }
    hb_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#1f5fa8\">total risk</text>"
                 "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#c62828\">worst single risk "
                 "(0-25)</text></svg>", x0, y0 + h + 38, x0 + 120, y0 + h + 38);
}
