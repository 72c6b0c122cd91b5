/* A growing text buffer for the HTML and SVG writers, with the escaping every piece of
 * outside text goes through (findings come from hostile servers). An allocation failure
 * sticks: later calls do nothing and hbuf_failed() says so once at the end. */
#ifndef RISKMAP_HBUF_H
#define RISKMAP_HBUF_H

#include <stdbool.h>
#include <stddef.h>

struct hbuf {
    char *p;
    size_t n, cap;
    bool oom;
};

/* Room for n more bytes at once, if it can be had (a writer that can tell its size spares
 * the copies of doubling). */
void hb_reserve(struct hbuf *b, size_t n);
void hb_putn(struct hbuf *b, const char *s, size_t n);
void hb_put(struct hbuf *b, const char *s);
void hb_printf(struct hbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text for element content or a quoted attribute: & < > " ' escaped; control characters
 * and invalid UTF-8 become U+FFFD. NULL writes nothing. */
void hb_esc(struct hbuf *b, const char *s);
void hb_escn(struct hbuf *b, const char *s, size_t n);
/* hb_esc of at most max bytes of s, cut on a character boundary, with an ellipsis when cut. */
void hb_esc_trunc(struct hbuf *b, const char *s, size_t max);
/* Raw bytes (evidence) as readable text: printable ASCII and valid UTF-8 escaped as by
 * hb_esc, newlines and tabs kept, every other byte as \xNN. */
void hb_bytes(struct hbuf *b, const unsigned char *d, size_t n);
/* A number with thousands separators ("12,345"). */
void hb_int(struct hbuf *b, long long v);
/* A number as printf's %lld writes it ("-12345"): for the numbers of every register row,
 * where vsnprintf was a tenth of the report. */
void hb_dec(struct hbuf *b, long long v);
bool hbuf_failed(const struct hbuf *b);
void hbuf_free(struct hbuf *b);

#endif
