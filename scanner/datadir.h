/* A client's data directory, for unattended scans (cron, systemd timers):
 *
 *   DIR/scans/20261122T150102Z-1a2b3c4d/   one directory per scan: scan.json (mode 0600)
 *   DIR/latest                             symlink to the newest committed scan's directory
 *   DIR/lock                               held (flock) while a scan of this client runs
 *   DIR/logs/riskmap.log                   the unattended log (--cron)
 *
 * Directories are 0700. A scan's directory is made before the scan; `latest` moves to it
 * only once its scan.json is committed (atomic rename), so a killed scan leaves `latest`
 * and every earlier scan as they were. Retention (--keep N) removes the oldest scan
 * directories beyond N, never the one `latest` names.
 */
#ifndef RISKMAP_DATADIR_H
#define RISKMAP_DATADIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "scanner/err.h"

#define DATADIR_NAME_MAX 64

/* Creates DIR, DIR/scans and DIR/logs (0700) as needed. */
int datadir_prepare(const char *dir, struct rm_err *e);

struct datadir_lock {
    int fd;
};

/* Takes DIR/lock without waiting. 0: held (its content now names this process); 1: another
 * run holds it (e says which pid since when); -1: error. When an earlier run ended without
 * releasing it (killed), *stale is set and `previous` (cap bytes) describes that run. */
int datadir_lock(const char *dir, struct datadir_lock *lk, bool *stale, char *previous,
                 size_t cap, struct rm_err *e);
/* Releases the lock: empties the file (a clean end) and closes it. Works after dropping root
 * (the descriptor was opened before). */
void datadir_unlock(struct datadir_lock *lk);

/* Makes DIR/scans/STAMP-ID8 for a new scan (UTC now, the first 8 characters of scan_id) and
 * writes its name (DATADIR_NAME_MAX bytes) to name. */
int datadir_new_scan(const char *dir, const char *scan_id, char *name, struct rm_err *e);

/* After a scan's scan.json is committed: points DIR/latest at scans/NAME (symlink, replaced
 * atomically) and, when keep > 0, keeps NAME and the keep - 1 newest other scan directories
 * (by name's stamp, then by when their scan.json was committed; one without scan.json, left by
 * a killed run, counts as oldest) and removes the rest. ddfd is an
 * open descriptor of DIR (the privileged committer holds one). *pruned counts removals.
 * 0 or -1 (errno-style code in *err_no for the committer's protocol, e set when not NULL). */
int datadir_publish(int ddfd, const char *name, unsigned keep, unsigned *pruned, int *err_no,
                    struct rm_err *e);

/* The path of the scan.json `latest` names into out (cap bytes): 0, or -1 when there is none. */
int datadir_latest(const char *dir, char *out, size_t cap);

#endif
