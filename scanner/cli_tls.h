/* The options of `riskmap tls` (scanner/cli_tls.c): one table feeding getopt, --help and the
 * man-page test. */
#ifndef RISKMAP_CLI_TLS_H
#define RISKMAP_CLI_TLS_H

#include <stddef.h>

#include "scanner/options.h"

extern const struct optdef tls_optdefs[];
extern const size_t tls_n_optdefs;

#endif
