/* The register as JSON for other tools. */
#ifndef RISKMAP_REGISTER_JSON_H
#define RISKMAP_REGISTER_JSON_H

#include <cjson/cJSON.h>

#include "scanner/risk_model.h"

/* The document "riskmap-register", version 1: the headline figures of s, its counts per
 * status, every risk in the set's order, and the trend t (NULL: an empty trend). New tree
 * owned by the caller; NULL on allocation failure. */
cJSON *register_json(const struct risk_set *s, const struct trend *t);

#endif
