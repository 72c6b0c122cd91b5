/* Dropping root after the raw sockets are open (ARCHITECTURE.md, "Safety of the tool itself").
 *
 * The SYN engine opens its raw socket and pcap handle as root, then (through the `opened`
 * event, before any packet is sent or parsed) riskmap becomes --user (default nobody):
 * supplementary groups cleared, gid then uid set, all three of real/effective/saved, and the
 * result checked: setuid(0) must fail and no capability may remain (CapEff 0).
 *
 * Output after the drop: an unprivileged user cannot create or rename names in the output
 * directory (root made it, mode 0700), so the scan result is committed by a tiny helper
 * forked before the drop (privs_committer_*): it keeps root, holds only a descriptor of the
 * output directory and one end of a socket pair, and can do exactly one thing: rename the
 * temporary file it was forked with over the final name, when asked, or delete it when its
 * parent goes away without asking. The scan process writes the document into the temporary
 * file's descriptor (opened before the drop) and fsyncs it, so the write stays atomic.
 */
#ifndef RISKMAP_PRIVS_H
#define RISKMAP_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "scanner/err.h"

#define PRIVS_DEFAULT_USER "nobody"

/* Looks up the account to drop to. Refuses uid 0. 0 or -1 with e set. */
int privs_lookup(const char *user, uid_t *uid, gid_t *gid, struct rm_err *e);

/* As root: setgroups(0), setgid(gid), setuid(uid), PR_SET_NO_NEW_PRIVS, then verifies that
 * real, effective and saved ids are the target ones, that setuid(0)/setgid(0) fail and that
 * /proc/self/status shows CapEff 0. 0, or -1 with e set (the caller must then stop). */
int privs_drop(uid_t uid, gid_t gid, struct rm_err *e);

/* Without root but with capabilities (CAP_NET_RAW from a systemd unit, or setcap): once the
 * raw sockets are open, clears every capability (ambient, inheritable, permitted, effective)
 * and sets PR_SET_NO_NEW_PRIVS; verifies CapEff 0. *had says whether there was any. */
int privs_drop_caps(bool *had, struct rm_err *e);

/* The "Uid:", "Gid:", "Groups:" and "CapEff:" values of /proc/self/status (tab-separated
 * numbers as the kernel prints them, trimmed), into the caller's buffers (each at least 128
 * bytes). 0 or -1. */
int privs_status(char *uid, char *gid, char *groups, char *capeff, size_t size);

#define PRIVS_AFTER_MSG 512

struct privs_committer {
    int sock;   /* our end of the socket pair, -1 when not running */
    int fd;     /* the temporary file, open for writing */
    pid_t pid;  /* the helper */
    char name[64];
    char after_msg[PRIVS_AFTER_MSG]; /* what the after-commit step said ("" when none) */
};

/* Run by the root helper once the file is committed (and published), with the committed
 * file's path: work that needs root's rights on the data directory, such as recording the
 * scan in the client's register. Runs in the helper's copy of the memory as it was at
 * privs_committer_start (so what it uses must be loaded by then). It writes one line into
 * msg (cap bytes), returned in privs_committer.after_msg; its failure does not undo the
 * commit. */
typedef void (*privs_after_fn)(const char *path, void *arg, char *msg, size_t cap);

/* What the helper does after the rename when the scan lives in a client's data directory
 * (scanner/datadir.h): point `latest` at it and apply the retention, as root. */
struct privs_publish {
    const char *data_dir;
    const char *scan_name; /* the directory under DATA_DIR/scans holding `final` */
    unsigned keep;         /* 0: keep everything */
    privs_after_fn after;  /* NULL: nothing after the commit */
    void *after_arg;
};

/* As root, before the drop: opens dir, creates `final.tmp.XXXXXX` in it (mode, exclusive) and
 * forks the helper. pub may be NULL. 0 or -1 with e set (nothing left behind). */
int privs_committer_start(struct privs_committer *c, const char *dir, const char *final,
                          unsigned mode, const struct privs_publish *pub, struct rm_err *e);

/* Writes len bytes to the temporary file, fsyncs it and asks the helper to rename it over
 * the final name (and fsync the directory); waits for the helper. 0 or -1 with e set (the
 * temporary file is then removed and the previous final file is untouched). */
int privs_committer_commit(struct privs_committer *c, const void *data, size_t len,
                           struct rm_err *e);

/* Gives up without committing: the helper removes the temporary file and exits. Safe to call
 * on a committer that was never started or already committed (c->sock == -1). */
void privs_committer_abort(struct privs_committer *c);

#endif
