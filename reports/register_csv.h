/* The register as CSV for spreadsheets (RFC 4180). Takes a risk_set as scanner/register.h's
 * register_load() returns it (or as scoring made it) and writes one row per risk, in the
 * set's order. */
#ifndef RISKMAP_REGISTER_CSV_H
#define RISKMAP_REGISTER_CSV_H

#include <stdbool.h>
#include <stdio.h>

#include "scanner/err.h"
#include "scanner/risk_model.h"

/* A header row, then one row per risk; fields holding a comma, a double quote, CR or LF are
 * quoted, quotes doubled; every line ends CRLF. bom: a UTF-8 byte order mark first, so Excel
 * reads the file as UTF-8. A text field that a spreadsheet would take for a formula (starting
 * with =, +, -, @, tab or CR) is prefixed with a single quote: titles and host names come
 * from the network. Lists (controls, framework references) are joined with "; ". 0, or -1
 * with e set on a write error. */
int register_csv_write(const struct risk_set *s, FILE *out, bool bom, struct rm_err *e);

#endif
