/* libFuzzer target for the evidence bundle's MANIFEST parser (reports/manifest.h), which reads
 * bundles handed to `riskmap evidence verify` from anywhere. Contract checked: a parsed
 * manifest has only safe, strictly ascending paths and 64-hex-digit hashes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct manifest m;
    struct rm_err e = {{0}};
    if (manifest_parse((const char *)data, size, &m, &e) == 0) {
        for (size_t i = 0; i < m.n_files; i++) {
            if (!manifest_path_ok(m.files[i].path) || strlen(m.files[i].sha256) != 64)
                abort();
            if (i && strcmp(m.files[i - 1].path, m.files[i].path) >= 0)
                abort();
        }
        (void)manifest_get(&m, "scan_id");
        manifest_free(&m);
    }
    return 0;
}
