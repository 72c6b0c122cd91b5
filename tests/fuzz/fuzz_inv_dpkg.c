/* libFuzzer target for the dpkg inventory reader (checks/inventory.h); the checks are
 * tests/fuzz/inv_fuzz.h's. */
#include "inv_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return inv_fuzz_one(inv_parse_dpkg, data, size);
}
