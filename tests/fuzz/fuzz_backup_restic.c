/* libFuzzer target: `restic snapshots --json` output (a saved copy may come from anywhere),
 * `restic stats --json` output, and restic's standard error as classified into a state. */
#include <stdint.h>
#include <stdlib.h>

#include "checks/backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct backup_listing l = {0};
    if (backup_restic_parse(NULL, (const char *)data, size, &l) < 0)
        abort(); /* only allocation failure may fail */
    for (size_t i = 0; i < l.n_points; i++)
        if (!l.points[i].id || l.points[i].size < -1)
            abort();
    backup_listing_free(&l);
    if (backup_restic_parse_stats((const char *)data, size) < -1)
        abort();
    (void)backup_restic_state(size ? data[0] : 1, (const char *)data, size);
    return 0;
}
