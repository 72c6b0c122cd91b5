/* libFuzzer target: json and csv status exports and the time formats they carry. The first
 * byte picks the reader and its settings; the rest is the export. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    struct backup_source s = {
        .type = sel & 1 ? BACKUP_CSV : BACKUP_JSON,
        .location = (char *)"fuzz",
        .time_field = sel & 2 ? (char *)"EndTime" : NULL,
        .result_field = sel & 4 ? (char *)"Result" : NULL,
        .size_field = sel & 8 ? (char *)"Size" : NULL,
        .ok_values = sel & 16 ? (char *)"Success|Warning" : NULL,
        .tz = sel & 32 ? (char *)"+05:30" : (char *)"utc",
        .sep = sel & 64 ? ';' : 0,
        .records = sel & 128 ? (char *)"Sessions" : NULL,
        .date_order = "\0md"[size % 3],
    };
    struct backup_listing l = {0};
    int rc = s.type == BACKUP_CSV ? backup_status_parse_csv(&s, d, n, &l)
                                  : backup_status_parse_json(&s, d, n, &l);
    if (rc < 0)
        abort();
    backup_listing_free(&l);
    /* The time parser on the same bytes, cut to a string. */
    char t[160];
    size_t k = n < sizeof t - 1 ? n : sizeof t - 1;
    memcpy(t, d, k);
    t[k] = '\0';
    int64_t when;
    if (backup_parse_time_ordered(t, s.tz, "\0md"[n % 3], &when) == 0) {
        char buf[40];
        backup_format_time(when, buf, sizeof buf);
        backup_format_age(when, buf, sizeof buf);
    }
    return 0;
}
