/* libFuzzer target: `borg list --json` / `borg info --json` output, and borg's --log-json
 * standard error (one JSON object per line, maybe after a prompt). */
#include <stdint.h>
#include <stdlib.h>

#include "checks/backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct backup_source s = {.type = BACKUP_BORG, .tz = (char *)"utc",
                              .archives = size && data[0] & 1 ? (char *)"fs1-*" : NULL};
    struct backup_listing l = {0};
    if (backup_borg_parse(&s, (const char *)data, size, &l) < 0)
        abort();
    for (size_t i = 0; i < l.n_points; i++)
        if (!l.points[i].id)
            abort();
    backup_listing_free(&l);
    if (backup_borg_parse_info((const char *)data, size) < -1)
        abort();
    (void)backup_borg_state(2, (const char *)data, size);
    return 0;
}
