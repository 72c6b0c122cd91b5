/* The roadmap timeline: one row per initiative, a bar across the quarters it has work in,
 * budget per quarter along the bottom. */
#include "reports/svg.h"

#include <string.h>

/* Rows drawn; the roadmap table lists every initiative. */
#define TIMELINE_ROWS 20

void svg_timeline(struct hbuf *b, const struct roadmap *r)
{
    const int x0 = 260, cw = 110, row = 24, cols = ROADMAP_QUARTERS + 1;
    size_t rows = r->n < TIMELINE_ROWS ? r->n : TIMELINE_ROWS;
    int h = 30 + (int)(rows ? rows : 1) * row + 50;
    hb_printf(b, "<svg id=\"chart-roadmap\" class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"Roadmap timeline by quarter\" "
                 "><title>Roadmap: initiatives by quarter"
                 "</title>", x0 + cols * cw + 10, h);
    for (int k = 0; k < cols; k++) {
        int x = x0 + k * cw;
        hb_printf(b, "<rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", x, cw,
                  h - 24, k % 2 ? "#f5f7fa" : "#eceff4");
        hb_printf(b, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\" font-size=\"12\" "
                     "font-weight=\"bold\">%s</text>",
                  x + cw / 2, k < ROADMAP_QUARTERS ? r->q[k].label : "later");
    }
    for (size_t i = 0; i < rows; i++) {
        const struct rm_initiative *in = &r->v[i];
        int y = 30 + (int)i * row;
        hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">", x0 - 8,
                  y + 15);
        hb_esc_trunc(b, in->title, 40);
        hb_put(b, "</text>");
        int first = in->first >= 0 ? in->first : ROADMAP_QUARTERS;
        int last = in->later_hours > 0 ? ROADMAP_QUARTERS : in->last >= 0 ? in->last : first;
        const char *color = svg_level_color(risk_level_of(in->worst));
        hb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" rx=\"4\" fill=\"%s\">"
                     "<title>", x0 + first * cw + 4, y + 2, (last - first + 1) * cw - 8, color);
        hb_esc(b, in->title);
        hb_printf(b, ": %.0f h, risk reduction %ld</title></rect>", in->effort_hours,
                  in->reduction);
    }
    if (r->n > rows)
        hb_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" font-style=\"italic\">%zu more "
                     "initiatives in the table below</text>", 8, 30 + (int)rows * row + 14,
                  r->n - rows);
    for (int k = 0; k < cols; k++) {
        double budget = k < ROADMAP_QUARTERS ? r->q[k].budget : r->later_budget;
        double hours = k < ROADMAP_QUARTERS ? r->q[k].hours : r->later_hours;
        hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">",
                  x0 + k * cw + cw / 2, h - 30);
        hb_int(b, (long long)(hours + 0.5));
        hb_put(b, " h</text>");
        hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
                     "font-weight=\"bold\">", x0 + k * cw + cw / 2, h - 8);
        hb_int(b, (long long)(budget + 0.5));
        hb_put(b, "</text>");
    }
    hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">effort / budget"
                 "</text></svg>", x0 - 8, h - 8);
}
