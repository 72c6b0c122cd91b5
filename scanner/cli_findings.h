/* Shared by the commands that run checks without a scan. */
#ifndef RISKMAP_CLI_FINDINGS_H
#define RISKMAP_CLI_FINDINGS_H

#include "scanner/model.h"

/* Prints {"KEY": "VALUE", "findings": [...], "evidence": [...]} (KEY omitted when NULL) on
 * standard output, findings as the scan result document writes them. 0 or -1 (ENOMEM). */
int print_findings_json(const struct scan_result *r, const char *key, const char *value);

#endif
