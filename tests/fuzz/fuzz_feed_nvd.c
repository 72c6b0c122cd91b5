/* libFuzzer target for the NVD importer (checks/feed_nvd.c): see feed_fuzz.h. */
#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return feed_fuzz_one("nvd", data, size);
}
