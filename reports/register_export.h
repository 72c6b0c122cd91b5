/* The register in formats other tools read: CSV (RFC 4180, for spreadsheets) and JSON. Both
 * take a risk_set as scanner/register.h's register_load() returns it (or as scoring made it)
 * and write one row / object per risk, in the set's order. */
#ifndef RISKMAP_REGISTER_EXPORT_H
#define RISKMAP_REGISTER_EXPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "scanner/err.h"
#include "scanner/risk_model.h"

/* RFC 4180: a header row, then one row per risk; fields holding a comma, a double quote, CR
 * or LF are quoted, quotes doubled; every line ends CRLF. bom: a UTF-8 byte order mark
 * first, so Excel reads the file as UTF-8. A text field that a spreadsheet would take for a
 * formula (starting with =, +, -, @, tab or CR) is prefixed with a single quote: titles and
 * hostnames come from the network. Lists (controls, framework references) are joined with
 * "; ". 0, or -1 with e set on a write error. */
int register_csv_write(const struct risk_set *s, FILE *out, bool bom, struct rm_err *e);

/* The register as a JSON document ("riskmap-register", version 1): the headline figures,
 * every risk, and the trend t (NULL: none). New tree owned by the caller; NULL on allocation
 * failure. */
cJSON *register_json(const struct risk_set *s, const struct trend *t);

#endif
