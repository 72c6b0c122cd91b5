/* The patch check's package inventories: judging each against the advisory feed
 * (checks/patch_inventory.h) and the findings that come of it (checks/patch_impl.h):
 * patch.cve per affected source package, patch.hotfix.missing, patch.inventory.
 *
 * Debian's OSV records (the Debian ecosystem, "Debian:12") name SOURCE packages and their
 * fixed SOURCE versions, so every installed binary package is first taken to its source: the
 * Source field of a status file or the source column of the dpkg-query -f form, else the
 * table below for the products riskmap detects (and a few libraries everything links), else
 * the binary's own name (true of most packages that ship one binary). Binaries of one source are judged
 * once, at the source's version (a binNMU "+b1" binary version is not what Debian's fix is
 * stated in).
 *
 * The ecosystem is the inventory's os (given as os=, or "Debian:NN" inferred from the
 * "+debNNuM" markers many packages carry); without one nothing is matched (matching a Debian 12
 * version against Debian 11's fixes would be a guess). RPM inventories are matched by package
 * name in the ecosystem given as os= ("AlmaLinux:9", "Red Hat"...) only; hotfix inventories
 * are not judged here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hotfix_lcu.h"
#include "patch_impl.h"
#include "patch_inventory.h"
#include "vercmp.h"

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
        } else if ((deb ? vercmp_dpkg(ver, j->version) : vercmp_rpm_evr(ver, j->version)) < 0) {
            /* A half-done upgrade (openssh-client new, openssh-server not): the oldest
             * binary of the source is what stays exposed. */
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

/* ---- the inventories' findings ---------------------------------------------------------------- */

/* One confirmed finding per source package an inventory shows affected that no service's
 * banner finding reported already. */
int patch_emit_inventory_cves(struct check_ctx *ctx, const char *feed_newest,
                              long long feed_age_days, const struct host *host,
                              const struct inv_host *ih, const struct inv_judged *j,
                              struct rm_err *e)
{
    struct feed_hit **v = calloc(j->hits.n + 1, sizeof *v);
    char *cves = calloc(1, PATCH_MAX_LIST), *kevs = calloc(1, PATCH_MAX_LIST),
         *dfixed = calloc(1, PATCH_MAX_LIST);
    size_t evcap = 1024 + j->hits.n * 700;
    char *ev = malloc(evcap);
    int rc = 0;
    if (!v || !cves || !kevs || !dfixed || !ev) {
        rc = rm_errf(e, "patch: out of memory");
        goto out;
    }
    size_t nv = 0;
    for (size_t i = 0; i < j->hits.n; i++)
        if (j->hits.v[i].affected)
            v[nv++] = &j->hits.v[i];
    /* Worst first. */
    for (size_t i = 1; i < nv; i++)
        for (size_t k = i; k > 0 && patch_cmp_hit(v[k], v[k - 1]) < 0; k--) {
            struct feed_hit *t = v[k];
            v[k] = v[k - 1];
            v[k - 1] = t;
        }
    enum vercmp_scheme sch = VERCMP_DPKG;
    vercmp_scheme_for_ecosystem(ih->ecosystem, &sch);
    struct patch_rollup ru = {.max = -1};
    bool unfixed = false;
    char fixed[256] = "", addr[RM_ADDRSTRLEN];
    size_t evn = (size_t)snprintf(ev, evcap,
                                  "patch check: %s, package inventory %s (sha256 %s, %s)\n"
                                  "installed: %s %s (binary packages %s)\necosystem %s\n"
                                  "feed newest record %s\n",
                                  addr_str(&host->addr, addr, sizeof addr), ih->inv->path,
                                  ih->inv->sha256, inv_format_name(ih->inv->format), j->source,
                                  j->version, j->binaries, ih->ecosystem,
                                  feed_newest[0] ? feed_newest : "-");
    for (size_t i = 0; i < nv; i++) {
        const struct feed_hit *h = v[i];
        double sc = patch_rollup_add(&ru, h, cves, kevs);
        if (h->unfixed || !h->fixed[0])
            unfixed = true;
        else if (!fixed[0] || vercmp(sch, fixed, h->fixed) < 0)
            snprintf(fixed, sizeof fixed, "%s", h->fixed);
        char x[400];
        snprintf(x, sizeof x, "%s %s", h->cve, h->fixed[0] ? h->fixed : "none");
        patch_list_add(dfixed, PATCH_MAX_LIST, x);
        if (evn < evcap)
            evn += (size_t)snprintf(ev + evn, evcap - evn, "%s cvss %.1f%s: %s\n", h->cve,
                                    sc < 0 ? 0.0 : sc, h->kev ? " KEV" : "", h->why);
    }
    if (evn >= evcap)
        evn = evcap - 1;
    enum severity sev = patch_rollup_severity(&ru);
    char title[400], detail[2000], score[32], count[24], age[32];
    snprintf(title, sizeof title,
             "%.100s %.100s (installed package): %zu known vulnerabilit%s (CVSS up to %.1f%s)", j->source,
             j->version, nv, nv == 1 ? "y" : "ies", ru.max < 0 ? 0.0 : ru.max,
             ru.kev ? ", exploited in the wild" : "");
    snprintf(detail, sizeof detail,
             "The package inventory of this host (%.300s) shows %.127s %.255s installed (%.200s). "
             "%.63s's own records say this version is affected by %zu published vulnerabilit%s. "
             "%s%.255s%s",
             ih->inv->path, j->source, j->version, j->binaries, ih->ecosystem, nv,
             nv == 1 ? "y" : "ies",
             unfixed ? "Not every one is fixed in the distribution yet: see each advisory for "
                       "mitigations."
                     : "Upgrade the package to at least ",
             unfixed ? "" : fixed, unfixed ? "" : " (apt-get install --only-upgrade).");
    struct finding *f = check_emit(ctx, &check_patch, &patch_kinds[K_CVE], host, 0, title);
    struct evidence *evi = f ? scan_add_evidence(ctx->result, "text/plain",
                                                 "patch check: installed package matched", ev, evn)
                             : NULL;
    if (!f || !evi) {
        rc = rm_errf(e, "patch: out of memory");
        goto out;
    }
    f->severity = sev;
    snprintf(score, sizeof score, "%.1f", ru.max < 0 ? 0.0 : ru.max);
    snprintf(count, sizeof count, "%zu", nv);
    snprintf(age, sizeof age, "%lld", feed_age_days);
    if (finding_set_detail(f, detail) < 0 || finding_add_fact(f, "package", j->source) < 0 ||
        finding_add_fact(f, "installed_version", j->version) < 0 ||
        finding_add_fact(f, "binary_packages", j->binaries) < 0 ||
        finding_add_fact(f, "ecosystem", ih->ecosystem) < 0 ||
        finding_add_fact(f, "confidence", "confirmed") < 0 ||
        finding_add_fact(f, "cves", cves) < 0 || finding_add_fact(f, "cve_count", count) < 0 ||
        finding_add_fact(f, "cvss_max", score) < 0 ||
        (ru.vector && *ru.vector && finding_add_fact(f, "cvss_vector", ru.vector) < 0) ||
        finding_add_fact(f, "kev", ru.kev ? "yes" : "no") < 0 ||
        (ru.kev && (finding_add_fact(f, "kev_cves", kevs) < 0 ||
                    finding_add_fact(f, "kev_added", ru.kev_first) < 0)) ||
        finding_add_fact(f, "fixed_version", unfixed || !fixed[0] ? "none known" : fixed) < 0 ||
        finding_add_fact(f, "distro_fixed", dfixed) < 0 ||
        finding_add_fact(f, "inventory", ih->inv->path) < 0 ||
        finding_add_fact(f, "inventory_sha256", ih->inv->sha256) < 0 ||
        finding_add_fact(f, "inventory_format", inv_format_name(ih->inv->format)) < 0 ||
        finding_add_fact(f, "feed_newest", feed_newest[0] ? feed_newest : "-") < 0 ||
        finding_add_fact(f, "feed_age_days", age) < 0 ||
        finding_set_key_fact(f, "package") < 0 || finding_add_evidence_id(f, evi->id) < 0) {
        rc = rm_errf(e, "patch: out of memory");
        goto out;
    }
    for (size_t i = 0; i < nv; i++)
        if (finding_add_ref(f, v[i]->cve) < 0) {
            rc = rm_errf(e, "patch: out of memory");
            goto out;
        }
    finding_fingerprint(f);
out:
    free(v), free(cves), free(kevs), free(dfixed), free(ev);
    return rc;
}

/* What one inventory was and what came of it: always recorded, also when nothing matched. */
int patch_emit_inventory_info(struct check_ctx *ctx, bool have_feed, const struct host *host,
                              const struct inv_host *ih, const struct hotfix_verdict *hv,
                              struct rm_err *e)
{
    const struct inventory *inv = ih->inv;
    size_t affected = 0;
    for (size_t i = 0; i < ih->n; i++)
        affected += ih->v[i].n_affected > 0;
    char npk[24], nfx[24], naff[24], nsrc[24], nskip[24], detail[1500], title[300];
    snprintf(npk, sizeof npk, "%zu", inv->n_pkgs);
    snprintf(nfx, sizeof nfx, "%zu", inv->n_fixes);
    snprintf(naff, sizeof naff, "%zu", affected);
    snprintf(nsrc, sizeof nsrc, "%zu", ih->n);
    snprintf(nskip, sizeof nskip, "%zu", inv->skipped);
    const char *matching;
    if (inv->format == INV_HOTFIX)
        matching = !hv || hv->state == HOTFIX_NO_BUILD
                       ? "hotfix list: not compared (no Windows build given: build=)"
                   : hv->state == HOTFIX_UNKNOWN_BUILD
                       ? "hotfix list: riskmap knows no cumulative update for this build"
                       : "hotfix list: compared with the cumulative updates riskmap knows for "
                         "the build";
    else if (!have_feed)
        matching = "not matched: no advisory feed";
    else if (!ih->ecosystem)
        matching = inv->format == INV_RPM
                       ? "not matched: the RPM distribution is not known (give os=, such as "
                         "os=AlmaLinux:9)"
                       : "not matched: the Debian release is not known (no +debNN marker; give "
                         "os=Debian:12)";
    else
        matching = "matched";
    if (inv->format == INV_HOTFIX)
        snprintf(title, sizeof title, "Hotfix inventory: %zu updates listed%s%s", inv->n_fixes,
                 inv->computer ? " on " : "", inv->computer ? inv->computer : "");
    else
        snprintf(title, sizeof title, "Package inventory: %zu packages (%s), %zu with known "
                 "vulnerabilities", inv->n_pkgs, ih->ecosystem ? ih->ecosystem : "ecosystem unknown",
                 affected);
    int dn = snprintf(detail, sizeof detail,
                      "The inventory %.300s (SHA-256 %s, read as %s) lists %zu %s for this host; "
                      "%s.", inv->path, inv->sha256, inv_format_name(inv->format),
                      inv->format == INV_HOTFIX ? inv->n_fixes : inv->n_pkgs,
                      inv->format == INV_HOTFIX ? "hotfixes" : "installed packages", matching);
    if (ih->banner_fixed[0])
        snprintf(detail + dn, sizeof detail - (size_t)dn,
                 " Vulnerabilities the service banners suggested are fixed in the installed "
                 "packages, so they are not reported: %.900s.", ih->banner_fixed);
    struct finding *f = check_emit(ctx, &check_patch, &patch_kinds[K_INVENTORY], host, 0, title);
    if (!f || finding_set_detail(f, detail) < 0 ||
        finding_add_fact(f, "inventory", inv->path) < 0 ||
        finding_add_fact(f, "inventory_sha256", inv->sha256) < 0 ||
        finding_add_fact(f, "inventory_format", inv_format_name(inv->format)) < 0 ||
        (inv->format != INV_HOTFIX &&
         (finding_add_fact(f, "packages", npk) < 0 ||
          finding_add_fact(f, "source_packages", nsrc) < 0 ||
          finding_add_fact(f, "affected_packages", naff) < 0)) ||
        (inv->format == INV_HOTFIX && finding_add_fact(f, "hotfixes", nfx) < 0) ||
        (inv->computer && finding_add_fact(f, "computer", inv->computer) < 0) ||
        finding_add_fact(f, "skipped_lines", nskip) < 0 ||
        (ih->ecosystem && finding_add_fact(f, "ecosystem", ih->ecosystem) < 0) ||
        (ih->ecosystem &&
         finding_add_fact(f, "ecosystem_from", inv->os_inferred ? "+deb markers" : "given") < 0) ||
        (inv->os_build[0] && finding_add_fact(f, "os_build", inv->os_build) < 0) ||
        finding_add_fact(f, "matching", matching) < 0 ||
        (ih->banner_fixed[0] && finding_add_fact(f, "banner_fixed_by_inventory",
                                                 ih->banner_fixed) < 0) ||
        (hv && (finding_add_fact(f, "hotfix_status", hotfix_state_name(hv->state)) < 0 ||
                finding_add_fact(f, "hotfix_list_as_of", HOTFIX_LCU_AS_OF) < 0 ||
                (hv->required && finding_add_fact(f, "required_kb", hv->required->kb) < 0) ||
                (hv->installed && finding_add_fact(f, "installed_kb", hv->installed->kb) < 0) ||
                (hv->unknown && finding_add_fact(f, "unknown_kb_since", hv->unknown->id) < 0))) ||
        finding_set_key_fact(f, "inventory") < 0)
        return rm_errf(e, "patch: out of memory");
    finding_fingerprint(f);
    return 0;
}

/* A Windows host behind on cumulative updates. */
int patch_emit_hotfix(struct check_ctx *ctx, const struct host *host, const struct inv_host *ih,
                      const struct hotfix_verdict *hv, struct rm_err *e)
{
    const struct inventory *inv = ih->inv;
    char title[300], detail[1000];
    snprintf(title, sizeof title, "Windows build %s: cumulative update %s (%s) not installed",
             inv->os_build, hv->required->kb, hv->required->date);
    snprintf(detail, sizeof detail,
             "The hotfix list of this host (%.300s, SHA-256 %s) does not show %s, the cumulative "
             "update Microsoft released on %s for build %s, nor a later one riskmap knows; the "
             "newest it shows is %s%s%s%s. Every update since carries security fixes the host "
             "lacks. Install the current cumulative update (riskmap's list runs to %s).",
             inv->path, inv->sha256, hv->required->kb, hv->required->date, inv->os_build,
             hv->installed ? hv->installed->kb : "none riskmap knows",
             hv->installed ? " (" : "", hv->installed ? hv->installed->date : "",
             hv->installed ? ")" : "", HOTFIX_LCU_AS_OF);
    struct finding *f = check_emit(ctx, &check_patch, &patch_kinds[K_HOTFIX], host, 0, title);
    if (!f || finding_set_detail(f, detail) < 0 ||
        finding_add_fact(f, "os_build", inv->os_build) < 0 ||
        finding_add_fact(f, "required_kb", hv->required->kb) < 0 ||
        finding_add_fact(f, "required_date", hv->required->date) < 0 ||
        finding_add_fact(f, "installed_kb", hv->installed ? hv->installed->kb : "none") < 0 ||
        (hv->installed && finding_add_fact(f, "installed_date", hv->installed->date) < 0) ||
        finding_add_fact(f, "hotfix_list_as_of", HOTFIX_LCU_AS_OF) < 0 ||
        (inv->computer && finding_add_fact(f, "computer", inv->computer) < 0) ||
        finding_add_fact(f, "confidence", "confirmed") < 0 ||
        finding_add_fact(f, "inventory", inv->path) < 0 ||
        finding_add_fact(f, "inventory_sha256", inv->sha256) < 0 ||
        finding_add_fact(f, "inventory_format", inv_format_name(inv->format)) < 0 ||
        finding_add_ref(f, hv->required->kb) < 0 || finding_set_key_fact(f, "os_build") < 0)
        return rm_errf(e, "patch: out of memory");
    finding_fingerprint(f);
    return 0;
}
