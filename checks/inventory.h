/* Package inventories collected on a host (the authenticated view without an agent): what is
 * installed, read from the files an administrator exports there.
 *
 *   dpkg          `dpkg-query -W` output: NAME[:ARCH] TAB VERSION per line; more columns are
 *                 read as ARCHITECTURE, SOURCE, SOURCE-VERSION and STATUS, which
 *                 `dpkg-query -W -f='${binary:Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n'`
 *                 prints. A line with an empty version (known, never installed) is skipped,
 *                 and so is one whose status says the package is not installed ("rc":
 *                 removed, configuration kept). Without the status column such packages
 *                 cannot be told apart: the plain `dpkg-query -W` lists them with a version.
 *   dpkg-status   /var/lib/dpkg/status: stanzas whose Status is "install ok installed" (or
 *                 "hold ok installed": held packages are installed too), with Package,
 *                 Version, Architecture and Source ("Source: NAME" or "NAME (VERSION)").
 *   rpm           `rpm -qa` output (NAME-VERSION-RELEASE.ARCH; the architecture is taken only
 *                 when it is one rpm uses) or `rpm -qa --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\n'`
 *                 (epoch "(none)" means none), optionally followed by " ARCH".
 *   hotfix        `Get-HotFix | Export-Csv` (or ConvertTo-Csv redirected to a file): RFC 4180
 *                 CSV, an optional "#TYPE ..." first line, a header naming HotFixID and
 *                 optionally InstalledOn, Description and CSName. UTF-8 (with or without a BOM)
 *                 or UTF-16 with a BOM (Windows PowerShell 5's `>` writes UTF-16LE), converted
 *                 to UTF-8 first.
 *
 * Every reader is bounded: a file of at most INV_MAX_FILE bytes, lines/fields of at most
 * INV_MAX_LINE bytes, at most INV_MAX_ITEMS packages or hotfixes, names and versions of at most
 * INV_MAX_FIELD bytes. A line the format cannot read is counted in `skipped`, not fatal; a
 * file with no readable entry at all is an error.
 *
 * Ownership: a struct inventory owns every string it points to; inventory_free() releases
 * them. struct inventory_set owns its inventories.
 */
#ifndef RISKMAP_INVENTORY_H
#define RISKMAP_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "scanner/err.h"
#include "scanner/model.h"

#define INV_MAX_FILE ((size_t)64 << 20)
#define INV_MAX_LINE 4096
#define INV_MAX_FIELD 255
#define INV_MAX_ITEMS 200000

enum inv_format {
    INV_AUTO = 0,
    INV_DPKG,
    INV_DPKG_STATUS,
    INV_RPM,
    INV_HOTFIX,
};

struct inv_package {
    char *name;           /* binary package, without ":ARCH" */
    char *version;        /* dpkg: [EPOCH:]UPSTREAM[-REVISION]; rpm: [EPOCH:]VERSION-RELEASE */
    char *arch;           /* "" when the format does not say */
    char *source;         /* source package, NULL when the format does not say */
    char *source_version; /* NULL: the same as version */
};

struct inv_hotfix {
    char id[32];          /* "KB5034441" */
    char installed[11];   /* YYYY-MM-DD, "" when absent or unreadable */
    char *description;    /* "Security Update", may be NULL */
};

struct inventory {
    char *host;           /* the address or host name it is about, as given */
    char *path;           /* the file it was read from, as given */
    char sha256[65];      /* of the file's bytes as read */
    enum inv_format format;
    char os[32];          /* "Debian:12" when given (os=) or inferred; "" when unknown */
    bool os_inferred;     /* os came from the packages' +debNN markers */
    char os_build[16];    /* a Windows build ("19045") when given (build=); "" otherwise */
    struct inv_package *pkgs;
    size_t n_pkgs, cap_pkgs;
    struct inv_hotfix *fixes;
    size_t n_fixes, cap_fixes;
    char *computer;       /* hotfix: the CSName column's first value, NULL when absent */
    size_t skipped;       /* lines or stanzas not read (not installed, malformed) */
};

/* "dpkg", "dpkg-status", "rpm", "hotfix" ("auto" for INV_AUTO). */
const char *inv_format_name(enum inv_format f);
/* The format named s; -1 when none. */
int inv_format_parse(const char *s, enum inv_format *out);
/* The format the bytes look like (see docs/inventory.md): UTF-16 or a HotFixID header ->
 * hotfix; a "Package:" field -> dpkg-status; a first line with a tab -> dpkg; with a space ->
 * rpm's --qf form; a single word -> rpm -qa. INV_AUTO when empty. */
enum inv_format inv_detect(const char *buf, size_t len);

/* The parsers: append to inv (which may already hold entries). 0, or -1 with e set
 * ("line N: problem"); on -1 inv keeps what was read before the problem (the caller frees). */
int inv_parse_dpkg(const char *buf, size_t len, struct inventory *inv, struct rm_err *e);
int inv_parse_dpkg_status(const char *buf, size_t len, struct inventory *inv, struct rm_err *e);
int inv_parse_rpm(const char *buf, size_t len, struct inventory *inv, struct rm_err *e);
int inv_parse_hotfix(const char *buf, size_t len, struct inventory *inv, struct rm_err *e);
/* Dispatches on f (INV_AUTO: detected); an empty result is an error. */
int inv_parse(enum inv_format f, const char *buf, size_t len, struct inventory *inv,
              struct rm_err *e);

/* UTF-16 with a BOM (LE or BE) to UTF-8, into a new NUL-terminated buffer (*out, free()),
 * *outlen its length. A lone surrogate is an error. 0 or -1 with e set. */
int inv_utf16_to_utf8(const char *buf, size_t len, char **out, size_t *outlen, struct rm_err *e);

/* The Debian release the versions were built for, from their "+debNNuM"/"~debNNuM" markers
 * (the release most packages name), as "Debian:NN"; false when no package carries one. */
bool inv_infer_debian(const struct inventory *inv, char *out, size_t n);

void inventory_free(struct inventory *inv);

/* ---- a scan's inventories ---------------------------------------------------------------- */

/* What one --inventory or profile <inventory> says before the file is read:
 * "HOST=FILE[,format=F][,os=Debian:12][,build=19045]". */
struct inv_spec {
    char *host, *path;
    enum inv_format format;
    char os[32], build[16];
};

struct inventory_set {
    struct inventory *v;
    size_t n;
};

/* Parses a spec (strings copied into s; inv_spec_free releases them). 0 or -1 with e set. */
int inv_spec_parse(const char *text, struct inv_spec *s, struct rm_err *e);
void inv_spec_free(struct inv_spec *s);
/* Reads the file (bounded, hashed), parses it and appends it to set. Called before the scan
 * drops root: the files are usually root's. 0 or -1 with e = "FILE: problem". */
int inventory_set_load(struct inventory_set *set, const struct inv_spec *s, struct rm_err *e);
/* The inventories about a host: the first whose host is the address (text form) or, case
 * insensitively, the recorded host name; NULL when none. Several specs for one host: the
 * caller walks with inventory_set_next. */
const struct inventory *inventory_set_for(const struct inventory_set *set, const struct host *h);
/* Is inv about host h (its address, or its recorded host name)? */
bool inventory_about(const struct inventory *inv, const struct host *h);
const struct inventory *inventory_set_next(const struct inventory_set *set,
                                           const struct inventory *prev, const struct host *h);
void inventory_set_free(struct inventory_set *set);

#endif
