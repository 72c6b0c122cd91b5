/* Output files are written whole or not at all: to a temporary name in the same directory,
 * flushed to disk, then renamed over the final name. A killed run leaves the previous file. */
#ifndef RISKMAP_ATOMIC_H
#define RISKMAP_ATOMIC_H

#include <stddef.h>

#include "scanner/err.h"

/* Writes len bytes to path atomically with the given mode (e.g. 0600). 0 or -1 with e set. */
int atomic_write(const char *path, const void *data, size_t len, unsigned mode, struct rm_err *e);

/* Creates dir (and missing parents) with mode; an existing directory is fine. */
int make_dirs(const char *dir, unsigned mode, struct rm_err *e);

/* Creates the directory path's file lives in (0700) when missing - that one only: a missing
 * parent further up is a typo to report, not a tree to build. who prefixes messages. */
int make_parent_dir(const char *path, const char *who, struct rm_err *e);

/* Creates path's directory as make_parent_dir does and the file itself, empty, mode 0600
 * whatever the umask (an existing file is left as it is): for a database SQLite then opens,
 * whose -wal/-shm files take the database file's mode. who prefixes messages. */
int make_private_file(const char *path, const char *who, struct rm_err *e);

/* Reads a whole file of at most max bytes into a NUL-terminated buffer the caller frees. */
int read_file_bounded(const char *path, size_t max, char **out, size_t *len, struct rm_err *e);

/* Opens path for reading when it is a regular file of at most max bytes: 0 with *fd (the
 * caller closes it) and *size, or -1 with e = "PATH: why" (not a regular file, larger than
 * N MiB, the open error). */
int open_regular_bounded(const char *path, size_t max, int *fd, size_t *size, struct rm_err *e);

#endif
