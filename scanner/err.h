/* Errors travel up as values: a function fills a struct rm_err and returns -1; only
 * scanner/main.c decides how the user is told. */
#ifndef RISKMAP_ERR_H
#define RISKMAP_ERR_H

struct rm_err {
    char msg[512];
};

/* Formats the message into *e (when e is not NULL) and returns -1, so callers can write
 * `return rm_errf(e, "...")`. */
int rm_errf(struct rm_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
