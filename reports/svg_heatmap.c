/* The 5x5 risk heat map: how many counted risks sit at each likelihood x impact. */
#include "reports/svg.h"

const char *svg_level_color(enum risk_level l)
{
    static const char *const c[] = {"#2e7d32", "#7cb342", "#f9a825", "#ef6c00", "#c62828"};
    return (unsigned)l <= LEVEL_VERY_HIGH ? c[l] : "#9e9e9e";
}

void svg_heatmap(struct hbuf *b, const struct risk_set *s)
{
    size_t cell[5][5] = {{0}};
    for (size_t i = 0; i < s->n; i++) {
        const struct risk *k = &s->v[i];
        if (!risk_status_counts(k->status) || k->likelihood < 1 || k->likelihood > 5 ||
            k->impact < 1 || k->impact > 5)
            continue;
        cell[k->likelihood - 1][k->impact - 1]++;
    }
    const int x0 = 60, y0 = 10, w = 64, h = 44;
    hb_printf(b, "<svg id=\"chart-heatmap\" class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"Risk heat map: likelihood by impact\" "
                 ">",
              x0 + 5 * w + 10, y0 + 5 * h + 50);
    hb_put(b, "<title>Risk heat map: open risks by likelihood (across) and impact (up)</title>");
    for (int l = 1; l <= 5; l++)
        for (int im = 1; im <= 5; im++) {
            int x = x0 + (l - 1) * w, y = y0 + (5 - im) * h;
            size_t n = cell[l - 1][im - 1];
            hb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                         "fill-opacity=\"%s\" stroke=\"#fff\"/>",
                      x, y, w, h, svg_level_color(risk_level_of(l * im)), n ? "0.95" : "0.25");
            if (n) {
                hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"15\" "
                             "font-weight=\"bold\" fill=\"#fff\">",
                          x + w / 2, y + h / 2 + 5);
                hb_int(b, (long long)n);
                hb_put(b, "</text>");
            }
        }
    for (int i = 1; i <= 5; i++) {
        hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%d</text>",
                  x0 + (i - 1) * w + w / 2, y0 + 5 * h + 14, i);
        hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">%d</text>",
                  x0 - 6, y0 + (5 - i) * h + h / 2 + 4, i);
    }
    hb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">Likelihood"
                 "</text>", x0 + 5 * w / 2, y0 + 5 * h + 32);
    hb_printf(b, "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\" "
                 "transform=\"rotate(-90 14 %d)\">Impact</text></svg>",
              y0 + 5 * h / 2, y0 + 5 * h / 2);
}
