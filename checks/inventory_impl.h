/* Shared by the inventory readers (checks/inventory*.c): line walking and appending entries.
 * Not for other rooms. */
#ifndef RISKMAP_INVENTORY_IMPL_H
#define RISKMAP_INVENTORY_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "inventory.h"

/* A view into the caller's buffer (not NUL-terminated). */
struct inv_str {
    const char *p;
    size_t n;
};

/* The next line of buf from *pos (without its "\n" or "\r\n"); false at the end. *lineno
 * counts lines from 1. A line longer than INV_MAX_LINE is returned too: the caller skips it. */
bool inv_next_line(const char *buf, size_t len, size_t *pos, struct inv_str *line,
                   size_t *lineno);

/* Surrounding blanks removed. */
struct inv_str inv_trim(struct inv_str s);

/* A name, version or architecture riskmap keeps: 1..INV_MAX_FIELD bytes, printable ASCII, no
 * blank. (Package names and versions of every format here are ASCII.) */
bool inv_token_ok(struct inv_str s);

/* Appends a package; source and source_version may have n == 0 (not given). 0, or -1 with e
 * set (out of memory, or more than INV_MAX_ITEMS entries). */
int inv_add_pkg(struct inventory *inv, struct inv_str name, struct inv_str version,
                struct inv_str arch, struct inv_str source, struct inv_str source_version,
                struct rm_err *e);
#endif
