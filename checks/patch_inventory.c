/* Judging a package inventory against the advisory feed (checks/patch_inventory.h).
 *
 * Debian's OSV records (the Debian ecosystem, "Debian:12") name SOURCE packages and their
 * fixed SOURCE versions, so every installed binary package is first taken to its source: the
 * Source field of a status file or of the five-column dpkg-query form, else the table below
 * for the products riskmap detects (and a few libraries everything links), else the binary's
 * own name (true of most packages that ship one binary). Binaries of one source are judged
 * once, at the source's version (a binNMU "+b1" binary version is not what Debian's fix is
 * stated in).
 *
 * The ecosystem is the inventory's os (given as os=, or "Debian:NN" inferred from the
 * "+debNNuM" markers most packages carry); without one nothing is matched (matching a Debian 12
 * version against Debian 11's fixes would be a guess). RPM inventories are matched by package
 * name in the ecosystem given as os= ("AlmaLinux:9", "Red Hat"...) only; hotfix inventories
 * are not judged here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch_inventory.h"

static const struct {
    const char *binary, *source;
} debian_sources[] = {
    {"openssh-server", "openssh"}, {"openssh-client", "openssh"},
    {"openssh-sftp-server", "openssh"}, {"ssh", "openssh"},
    {"apache2-bin", "apache2"}, {"apache2-data", "apache2"}, {"apache2-utils", "apache2"},
    {"libssl3", "openssl"}, {"libssl1.1", "openssl"}, {"libssl-dev", "openssl"},
    {"redis-server", "redis"}, {"redis-tools", "redis"}, {"redis-sentinel", "redis"},
    {"samba-libs", "samba"}, {"samba-common", "samba"}, {"samba-common-bin", "samba"},
    {"smbclient", "samba"}, {"libsmbclient", "samba"}, {"libwbclient0", "samba"},
    {"winbind", "samba"}, {"python3-samba", "samba"}, {"samba-vfs-modules", "samba"},
    {"samba-dsdb-modules", "samba"},
    {"exim4-base", "exim4"}, {"exim4-config", "exim4"}, {"exim4-daemon-light", "exim4"},
    {"exim4-daemon-heavy", "exim4"},
    {"proftpd-basic", "proftpd-dfsg"}, {"proftpd-core", "proftpd-dfsg"},
    {"mariadb-server", "mariadb"}, {"mariadb-server-core", "mariadb"},
    {"mariadb-client", "mariadb"}, {"mariadb-client-core", "mariadb"},
    {"mariadb-common", "mariadb"}, {"libmariadb3", "mariadb"},
    {"dropbear-bin", "dropbear"}, {"dropbear-initramfs", "dropbear"},
    {"libc6", "glibc"}, {"libc-bin", "glibc"}, {"libc6-dev", "glibc"}, {"locales", "glibc"},
    {"libcurl4", "curl"}, {"libsystemd0", "systemd"}, {"libudev1", "systemd"},
    {"udev", "systemd"}, {"liblzma5", "xz-utils"}, {"zlib1g", "zlib"},
    {"libgnutls30", "gnutls28"}, {"bind9-libs", "bind9"}, {"bind9-host", "bind9"},
    {"bind9-dnsutils", "bind9"}, {"libpam-modules", "pam"}, {"libpam0g", "pam"},
};

/* Binary name prefixes whose source is the prefix's package. */
static const struct {
    const char *prefix, *source;
} debian_prefixes[] = {
    {"nginx-", "nginx"}, {"libnginx-mod-", "nginx"}, {"postfix-", "postfix"},
    {"lighttpd-mod-", "lighttpd"}, {"proftpd-mod-", "proftpd-dfsg"},
};

const char *inv_debian_source_of(const char *binary)
{
    for (size_t i = 0; i < sizeof debian_sources / sizeof debian_sources[0]; i++)
        if (strcmp(binary, debian_sources[i].binary) == 0)
            return debian_sources[i].source;
    for (size_t i = 0; i < sizeof debian_prefixes / sizeof debian_prefixes[0]; i++)
        if (strncmp(binary, debian_prefixes[i].prefix, strlen(debian_prefixes[i].prefix)) == 0)
            return debian_prefixes[i].source;
    return binary;
}

struct inv_judged *inv_judged_find(struct inv_host *h, const char *source)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->v[i].source, source) == 0)
            return &h->v[i];
    return NULL;
}

/* Appends s to a comma list (bounded: a long list ends with ",..."). */
static void add_name(char *buf, size_t n, const char *s)
{
    size_t len = strlen(buf);
    if (len >= 4 && strcmp(buf + len - 4, ",...") == 0)
        return;
    if (len + strlen(s) + 6 >= n) {
        snprintf(buf + len, n - len, ",...");
        return;
    }
    snprintf(buf + len, n - len, "%s%s", len ? "," : "", s);
}

int inv_judge(struct feed_matcher *m, const struct inventory *inv, struct inv_host *out,
              struct rm_err *e)
{
    memset(out, 0, sizeof *out);
    out->inv = inv;
    if (!(out->banner_fixed = calloc(1, 4096)))
        return rm_errf(e, "patch: out of memory");
    bool deb = inv->format == INV_DPKG || inv->format == INV_DPKG_STATUS;
    if (inv->format == INV_HOTFIX)
        return 0;
    out->ecosystem = inv->os[0] ? inv->os : NULL;
    if (!(out->v = calloc(inv->n_pkgs ? inv->n_pkgs : 1, sizeof *out->v)))
        return rm_errf(e, "patch: out of memory");
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const struct inv_package *p = &inv->pkgs[i];
        const char *src = deb ? (p->source ? p->source : inv_debian_source_of(p->name)) : p->name;
        const char *ver = p->source_version ? p->source_version : p->version;
        struct inv_judged *j = inv_judged_find(out, src);
        if (!j) {
            j = &out->v[out->n++];
            snprintf(j->source, sizeof j->source, "%s", src);
            snprintf(j->version, sizeof j->version, "%s", ver);
        }
        /* Arch-qualified duplicates ("libssl3:amd64", "libssl3:i386") are one name here. */
        char one[300];
        snprintf(one, sizeof one, ",%s,", p->name);
        char wrapped[sizeof j->binaries + 2];
        snprintf(wrapped, sizeof wrapped, ",%s,", j->binaries);
        if (!strstr(wrapped, one))
            add_name(j->binaries, sizeof j->binaries, p->name);
    }
    if (!m || !out->ecosystem)
        return 0;
    for (size_t i = 0; i < out->n; i++) {
        struct inv_judged *j = &out->v[i];
        if (feed_match_package(m, out->ecosystem, j->source, j->version, &j->hits, e) < 0)
            return -1;
        for (size_t k = 0; k < j->hits.n; k++) {
            if (!j->hits.v[k].affected)
                continue;
            j->n_affected++;
            if (feed_cve_scores(m, &j->hits.v[k], e) < 0)
                return -1;
        }
    }
    return 0;
}

void inv_host_free(struct inv_host *h)
{
    for (size_t i = 0; i < h->n; i++)
        feed_hits_free(&h->v[i].hits);
    free(h->v);
    free(h->banner_fixed);
    memset(h, 0, sizeof *h);
}
