/* libFuzzer target: `borg list --json` / `borg info --json` output, and borg's --log-json
 * standard error (one JSON object per line, maybe after a prompt). */
#include <stdint.h>
#include <stdlib.h>

#include "checks/backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct backup_listing l = {0};
    if (backup_borg_parse((const char *)data, size, "utc", &l) < 0)
        abort();
    for (size_t i = 0; i < l.n_points; i++)
        if (!l.points[i].id)
            abort();
    backup_listing_free(&l);
    (void)backup_borg_state(2, (const char *)data, size);
    return 0;
}
