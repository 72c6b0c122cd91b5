/* libFuzzer target for the KEV importer (checks/feed_kev.c): see feed_fuzz.h. */
#include "feed_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return feed_fuzz_one("kev", data, size);
}
