/* Service signatures: the data that turns a response into service, product, version, info and
 * CPE. The table is text (scanner/data/service-signatures.txt, format documented at the top of
 * that file), embedded into the binary at build time and compiled with PCRE2 once.
 *
 * Responses are hostile input: every regex runs with match, depth and heap limits, without
 * UTF checking (bytes are bytes), and every substituted value is reduced to printable ASCII
 * and bounded in length.
 *
 * Thread safety: a loaded table is read-only; sigs_match() may be called from many threads
 * at once on the same table.
 */
#ifndef RISKMAP_SIGS_H
#define RISKMAP_SIGS_H

#include <stddef.h>

#include "scanner/err.h"

/* The shipped signature file, embedded by the Makefile (generated, $(O)/gen/sigdata.c). */
extern const unsigned char riskmap_sigs_data[];
extern const size_t riskmap_sigs_len;
#define SIGS_BUILTIN_LABEL "scanner/data/service-signatures.txt"

/* Longest value a template may produce; longer ones are cut. */
#define SIGS_MAX_FIELD 160

struct sig_table;

/* One identification. Every string is owned by the match (sig_match_clear frees them);
 * product/version/info/cpe may be NULL when the signature has no such template or it
 * expanded to nothing. */
struct sig_match {
    char *service;
    char *product;
    char *version;
    char *info;
    char *cpe;
    unsigned line; /* line of the signature in its file, for -v and tests */
};

/* Parses and compiles a signature file held in memory (len bytes, need not be
 * NUL-terminated). label names the file in errors: "LABEL:LINE: problem". On success *out is
 * a new table owned by the caller (sigs_free). */
int sigs_load(const char *text, size_t len, const char *label, struct sig_table **out,
              struct rm_err *e);
/* The embedded table. */
int sigs_load_builtin(struct sig_table **out, struct rm_err *e);
void sigs_free(struct sig_table *t);
/* Number of signatures in a table. */
size_t sigs_count(const struct sig_table *t);

/* Matches a response received for probe `probe` ("banner", "http", ...) against the
 * signatures written for that probe and then the ones for any probe ("*"), in file order;
 * the first that matches wins. Returns 1 with *m filled (caller clears it), 0 when nothing
 * matched (also when a regex hits its resource limit), -1 on ENOMEM. */
int sigs_match(const struct sig_table *t, const char *probe, const unsigned char *data,
               size_t len, struct sig_match *m);
void sig_match_clear(struct sig_match *m);

#endif
