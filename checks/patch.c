/* patch: known vulnerabilities of the product versions service detection named, from the
 * advisory feed (checks/feed.h), with an honest confidence.
 *
 * For every open service with a product and version, the advisories whose ranges include the
 * version roll up into one patch.cve finding: the CVE list, the highest CVSS score, whether
 * any is in CISA's Known Exploited Vulnerabilities catalog, the version that fixes them all,
 * and a confidence:
 *   likely             the banner is the upstream one (no distribution marker), or the
 *                      distribution's own advisory data says this very build is affected;
 *   possible-backport  the banner shows a distribution build ("OpenSSH_9.2p1 Debian-2+deb12u3",
 *                      "Apache/2.4.29 (Ubuntu)"): distributions backport fixes without changing
 *                      the upstream version, so the version alone proves nothing.
 * Where the banner carries a Debian (or Ubuntu) package revision and the feed has that
 * distribution's OSV records for the package, the revision is compared with dpkg's rules
 * against the distribution's fixed version: a CVE the build is past is dropped (and named in
 * fixed_by_distro), one it is not past is confirmed against the distribution's record (still
 * confidence likely: the banner's revision is what the service says, not what is installed).
 *
 * Package inventories (--inventory, the profile; checks/inventory.h, docs/inventory.md): for a
 * host with one, every installed source package is judged against its ecosystem's records
 * (checks/patch_inventory.c). A service whose product's Debian package the inventory lists is
 * judged by the installed version instead of the banner's revision: CVEs it is past are
 * dropped (fixed_by_inventory), the others confirmed — confidence "confirmed" when every CVE
 * of the finding has a distribution record. Packages no service reported get one patch.cve
 * (port 0, confirmed) per source package; Windows hotfix lists are compared with the
 * cumulative updates riskmap knows (checks/hotfix_lcu.h, patch.hotfix.missing); and each
 * inventory is recorded in a patch.inventory finding (path, SHA-256, what it showed fixed).
 * An inventory's Debian release is the host's operating system for end of life (below).
 *
 * The feed is $RISKMAP_DATA_DIR/feed.db, else /var/lib/riskmap/feed.db (the check context has
 * no option for it), opened by patch_feed_preopen() while the scan is still root when it runs
 * as root (see checks/patch.h), else by the check itself. Without a feed the check says so in one patch.feed.missing finding (info,
 * not an error). The feed's age is recorded once in patch.feed, and a feed whose newest record
 * is older than PATCH_STALE_DAYS is a patch.feed.stale finding. With both NVD and OSV
 * records the age is that of the staler source: fresh Debian records do not make month-old
 * NVD data current, and the banners' upstream versions are judged by NVD's. Findings need an asset: these
 * three are attached to the first host that has a versioned service.
 *
 * End of life: where the feed holds endoflife.date data for the product (imported files, or
 * `riskmap feed import --shipped`), the version's release cycle (feed_eol.h) past its end of
 * life as of the scan's start is a patch.eol finding (severity by how long: medium under 180
 * days, high under two years, critical beyond), and one ending within PATCH_EOL_SOON_DAYS a
 * patch.eol.soon (low; the policies' eol-days threshold says which count). Both carry
 * product, version, cycle, eol_date (YYYY-MM-DD), latest, and days_past or days_left; the
 * roadmap plans replacements from eol_date. Without end-of-life data nothing is said about it.
 *
 * The check talks to nobody: it reads the scan result and the feed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "check.h"
#include "feed.h"
#include "feed_eol.h"
#include "feed_match.h"
#include "hotfix_lcu.h"
#include "inventory.h"
#include "patch.h"
#include "patch_impl.h"
#include "patch_inventory.h"
#include "vercmp.h"

#define PATCH_STALE_DAYS 30

/* patch.eol.soon is emitted this many days ahead of a cycle's end of life; the policies'
 * eol-days threshold (on the days_left fact; 365 in the shipped ones, a client profile may
 * change it) decides which of them count, so the horizon here is the widest a profile may
 * sensibly ask for, and the roadmap sees replacements two years out. */
#define PATCH_EOL_SOON_DAYS 730

const struct finding_kind patch_kinds[] = {
    [K_CVE] = {.id = "patch.cve", .severity = SEV_HIGH,
               .summary = "A detected product version, or a package a host's inventory shows "
                          "installed, has published vulnerabilities (CVE list, "
                          "CVSS, KEV, fixed version, confidence)"},
    [K_FEED] = {.id = "patch.feed", .severity = SEV_INFO,
                .summary = "The advisory feed patch levels were judged against, and its age"},
    [K_FEED_MISSING] = {.id = "patch.feed.missing", .severity = SEV_INFO,
                        .summary = "No advisory feed: patch levels were not assessed"},
    [K_FEED_STALE] = {.id = "patch.feed.stale", .severity = SEV_MEDIUM,
                      .summary = "The advisory feed is older than 30 days: recent vulnerabilities "
                                 "are missed"},
    [K_EOL] = {.id = "patch.eol", .severity = SEV_HIGH,
               .summary = "A detected product version's release cycle is past its end of life "
                          "(product, version, cycle, eol_date, latest, days_past)"},
    [K_EOL_SOON] = {.id = "patch.eol.soon", .severity = SEV_LOW,
                    .summary = "A detected product version's release cycle reaches its end of life "
                               "within two years (cycle, eol_date, latest, days_left)"},
    [K_INVENTORY] = {.id = "patch.inventory", .severity = SEV_INFO,
                     .summary = "A host's package inventory the patch levels were judged from "
                                "(file, SHA-256, format, ecosystem, packages, what it showed "
                                "fixed)"},
    [K_HOTFIX] = {.id = "patch.hotfix.missing", .severity = SEV_HIGH,
                  .summary = "A Windows host's hotfix list lacks the newest cumulative update "
                             "riskmap knows for its build (required_kb, installed_kb)"},
};


/* What riskmap knows of a product: the CPE vendor:product pairs NVD has used for it, its
 * Debian source package, and that package's epoch (a Debian version of the package is
 * EPOCH:UPSTREAM-REVISION). */
struct product {
    const char *cpe_product;
    const char *vendors[4];
    const char *detected; /* service detection's product name */
    const char *debian_pkg;
    const char *debian_epoch;
};

static const struct product products[] = {
    {"openssh", {"openbsd"}, "OpenSSH", "openssh", "1"},
    {"http_server", {"apache"}, "Apache httpd", "apache2", NULL},
    {"nginx", {"f5", "nginx", "igor_sysoev"}, "nginx", "nginx", NULL},
    {"vsftpd", {"beasts", "vsftpd_project"}, "vsftpd", "vsftpd", NULL},
    {"redis", {"redis", "redislabs"}, "Redis key-value store", "redis", "5"},
    {"samba", {"samba"}, NULL, "samba", "2"},
    {"openssl", {"openssl"}, NULL, "openssl", NULL},
    {"proftpd", {"proftpd", "proftpd_project"}, "ProFTPD", "proftpd-dfsg", NULL},
    {"exim", {"exim"}, "Exim smtpd", "exim4", NULL},
    {"postfix", {"postfix"}, "Postfix smtpd", "postfix", NULL},
    {"mariadb", {"mariadb"}, "MariaDB", "mariadb", "1"},
    {"mysql", {"oracle", "mysql"}, "MySQL", NULL, NULL},
    {"internet_information_services", {"microsoft"}, "Microsoft IIS httpd", NULL, NULL},
    {"dropbear_ssh", {"dropbear_ssh_project"}, "Dropbear sshd", "dropbear", NULL},
    {"memcached", {"memcached"}, "memcached", "memcached", NULL},
    {"lighttpd", {"lighttpd"}, "lighttpd", "lighttpd", NULL},
};

/* endoflife.date's product for a CPE product (the products above, and those detection or an
 * inventory may name by CPE only). */
static const struct {
    const char *cpe_product, *eol;
} eol_products[] = {
    {"openssh", "openssh"}, {"http_server", "apache"}, {"nginx", "nginx"},
    {"redis", "redis"},     {"samba", "samba"},        {"openssl", "openssl"},
    {"exim", "exim"},       {"mariadb", "mariadb"},    {"mysql", "mysql"},
    {"postgresql", "postgresql"}, {"php", "php"},   {"proftpd", "proftpd"},
    {"postfix", "postfix"},
};

/* The Windows Server release an IIS version ships with (Microsoft's IIS release history):
 * IIS is not sold apart, so its end of life is the system's. IIS 10.0 is in every release from
 * 2016 to 2025 and names none. The cycles are endoflife.date's for windows-server, each
 * release's last service pack. */
static const struct windows_of_iis {
    const char *iis, *release, *cycle;
} iis_windows[] = {
    {"6.0", "2003", "2003-sp2"},       {"7.0", "2008", "2008-sp2"},
    {"7.5", "2008 R2", "2008-r2-sp1"}, {"8.0", "2012", "2012"},
    {"8.5", "2012 R2", "2012-r2"},
};

/* The Windows Server release an NTLM build names (service detection's "Windows 6.3 build
 * 9600" from SMB): the 6.x builds are also Vista, 7, 8 and 8.1, whose support ended no later
 * than their server's, so the server's date is the kind one; 10.0's builds are servers and
 * clients with other dates (14393: 2016 or Windows 10 1607), except 20348 (Server 2022). */
static const struct windows_of_build {
    unsigned major, minor, build_lo, build_hi;
    const char *release, *cycle;
} windows_builds[] = {
    {5, 2, 3790, 3790, "2003", "2003-sp2"},
    {6, 0, 6001, 6003, "2008", "2008-sp2"},
    {6, 1, 7600, 7601, "2008 R2", "2008-r2-sp1"},
    {6, 2, 9200, 9200, "2012", "2012"},
    {6, 3, 9600, 9600, "2012 R2", "2012-r2"},
    {10, 0, 20348, 20348, "2022", "2022"},
};

struct distro {
    char name[16];     /* "Debian", "Ubuntu", "Red Hat", ... or "" */
    char revision[64]; /* Debian/Ubuntu package revision from the banner, or "" */
    char release[8];   /* "12" from "+deb12u3", or "" */
    bool inferred;     /* release: the one whose records fix the banner's upstream version */
};

struct patch_state {
    char path[4096];
    char why_missing[512]; /* the feed's open error when there is none to use */
    struct feed_db *db;
    struct feed_matcher *m;
    char newest[FEED_TIME_LEN]; /* the staler source's newest record */
    char newest_source[16];     /* that source: "nvd", "osv" */
    long long age_days; /* -1: unknown */
    long long records;
    bool feed_reported;
    size_t assessed;
    time_t scan_time; /* end of life is judged as of the scan's start */
    const struct host *os_host; /* the last host whose operating system was judged */
    const struct inventory_set *invs; /* borrowed from the context; NULL = none */
    struct inv_host *cur;             /* the current host's inventories, judged */
    size_t n_cur;
};

/* ---- reading the service ----------------------------------------------------------------- */

/* The CPE 2.3 field i (0-based) of cpe into out; "" when absent. */
static void cpe_field(const char *cpe, int i, char *out, size_t n)
{
    out[0] = '\0';
    if (!cpe || strncmp(cpe, "cpe:2.3:", 8) != 0)
        return;
    const char *p = cpe;
    for (int f = 0; f < i; f++) {
        while (*p && !(*p == ':' && p[-1] != '\\'))
            p++;
        if (!*p)
            return;
        p++;
    }
    size_t k = 0;
    while (*p && !(*p == ':' && p[-1] != '\\') && k + 1 < n) {
        if (*p != '\\')
            out[k++] = *p;
        p++;
    }
    out[k] = '\0';
}

static const struct product *product_of(const struct service *svc, char *vendor, size_t vn,
                                        char *prod, size_t pn)
{
    cpe_field(svc->cpe, 3, vendor, vn);
    cpe_field(svc->cpe, 4, prod, pn);
    for (size_t i = 0; i < sizeof products / sizeof products[0]; i++) {
        const struct product *p = &products[i];
        if ((prod[0] && strcmp(prod, p->cpe_product) == 0) ||
            (!prod[0] && p->detected && svc->product && strcmp(svc->product, p->detected) == 0)) {
            if (!prod[0]) {
                snprintf(vendor, vn, "%s", p->vendors[0]);
                snprintf(prod, pn, "%s", p->cpe_product);
            }
            return p;
        }
    }
    return NULL;
}

static bool is_revision_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '.' || c == '+' || c == '~';
}

/* Copies the word at p (a Debian revision) into out; true when it looks like one. */
static bool take_revision(const char *p, char *out, size_t n)
{
    size_t k = 0;
    while (p[k] && is_revision_char(p[k]) && k + 1 < n)
        k++;
    if (k == 0 || p[0] < '0' || p[0] > '9' || (p[k] && p[k] != ';' && p[k] != ' ' && p[k] != ')'))
        return false;
    memcpy(out, p, k);
    out[k] = '\0';
    return true;
}

/* A distribution marker in what detection recorded ("Debian 2+deb12u3; protocol 2.0",
 * "Ubuntu", "0+deb12u1", "Red Hat"). */
static void distro_of(const struct service *svc, struct distro *d)
{
    memset(d, 0, sizeof *d);
    const char *info = svc->info ? svc->info : "";
    static const char *const names[] = {"Debian", "Ubuntu", "Raspbian", "Red Hat", "CentOS",
                                        "Rocky", "AlmaLinux", "Fedora", "SUSE", "Amazon Linux",
                                        "FreeBSD"};
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !d->name[0]; i++) {
        const char *at = strcasestr(info, names[i]);
        if (!at)
            continue;
        snprintf(d->name, sizeof d->name, "%s", names[i]);
        const char *after = at + strlen(names[i]);
        if ((*after == ' ' || *after == '-') && (i == 0 || i == 1 || i == 2))
            take_revision(after + 1, d->revision, sizeof d->revision);
    }
    /* A bare Debian or Ubuntu revision (MariaDB's "0+deb12u1", "1ubuntu0.22.04.1"). */
    if (!d->name[0] && take_revision(info, d->revision, sizeof d->revision)) {
        if (strstr(d->revision, "ubuntu"))
            snprintf(d->name, sizeof d->name, "Ubuntu");
        else if (strstr(d->revision, "deb"))
            snprintf(d->name, sizeof d->name, "Debian");
        else
            d->revision[0] = '\0';
    }
    if (strcmp(d->name, "Raspbian") == 0)
        snprintf(d->name, sizeof d->name, "Debian");
    /* "+deb12u3" / "~deb12u1": the Debian release the build was made for. */
    const char *deb = strstr(d->revision, "deb");
    if (deb && deb[3] >= '1' && deb[3] <= '9') {
        size_t k = 0;
        while (deb[3 + k] >= '0' && deb[3 + k] <= '9' && k + 1 < sizeof d->release)
            k++;
        if (deb[3 + k] == 'u') {
            memcpy(d->release, deb + 3, k);
            d->release[k] = '\0';
        }
    }
}

/* ---- building the finding ------------------------------------------------------------------ */

enum severity patch_severity_of(double cvss)
{
    return cvss >= 9.0 ? SEV_CRITICAL : cvss >= 7.0 ? SEV_HIGH : cvss >= 4.0 ? SEV_MEDIUM
                                                     : cvss > 0 ? SEV_LOW : SEV_MEDIUM;
}

double patch_rollup_add(struct patch_rollup *r, const struct feed_hit *h, char *cves, char *kevs)
{
    double s = h->cvss3 >= 0 ? h->cvss3 : h->cvss4;
    if (s > r->max) {
        r->max = s;
        r->vector = h->cvss3 >= 0 ? h->vector3 : h->vector4;
    }
    patch_list_add(cves, PATCH_MAX_LIST, h->cve);
    if (h->kev) {
        r->kev = true;
        patch_list_add(kevs, PATCH_MAX_LIST, h->cve);
        if (!r->kev_first[0] || strcmp(h->kev_added, r->kev_first) < 0)
            snprintf(r->kev_first, sizeof r->kev_first, "%s", h->kev_added);
    }
    return s;
}

enum severity patch_rollup_severity(const struct patch_rollup *r)
{
    enum severity sev = patch_severity_of(r->max);
    return r->kev && sev < SEV_HIGH ? SEV_HIGH : sev;
}

void patch_list_add(char *buf, size_t n, const char *s)
{
    size_t len = strlen(buf);
    if (len >= 4 && strcmp(buf + len - 4, ",...") == 0)
        return;
    size_t need = strlen(s) + (len ? 1 : 0);
    if (len + need + 5 >= n) {
        snprintf(buf + len, n - len, "%s...", len ? "," : "");
        return;
    }
    snprintf(buf + len, n - len, "%s%s", len ? "," : "", s);
}

int patch_cmp_hit(const void *a, const void *b)
{
    const struct feed_hit *x = a, *y = b;
    double sx = x->cvss3 >= 0 ? x->cvss3 : x->cvss4, sy = y->cvss3 >= 0 ? y->cvss3 : y->cvss4;
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return strcmp(x->cve, y->cve);
}

static struct feed_hit *find_hit(struct feed_hits *h, const char *cve)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->v[i].cve, cve) == 0)
            return &h->v[i];
    return NULL;
}

#define FAIL_OOM() rm_errf(e, "patch: out of memory")

struct verdict {
    struct feed_hit *hit;
    const struct feed_hit *distro; /* the distribution's record for the CVE, or NULL */
};

static int emit_cves(struct check_ctx *ctx, struct patch_state *st, const struct host *host,
                     const struct service *svc, const char *vendor, const char *prod,
                     const struct distro *d, const char *pkg_version, struct verdict *v,
                     size_t nv, const char *fixed_by_distro, const struct inv_host *ih,
                     const char *pkg_name, struct rm_err *e)
{
    struct patch_rollup ru = {.max = -1};
    bool unfixed = false, all_confirmed = true;
    char fixed[256] = "";
    char *cves = calloc(1, PATCH_MAX_LIST), *kevs = calloc(1, PATCH_MAX_LIST),
         *dfixed = calloc(1, PATCH_MAX_LIST);
    size_t evcap = 256 + nv * 700;
    char *ev = malloc(evcap);
    if (!cves || !kevs || !dfixed || !ev) {
        free(cves), free(kevs), free(dfixed), free(ev);
        return FAIL_OOM();
    }
    size_t evn = 0;
    char addr[RM_ADDRSTRLEN];
    evn += (size_t)snprintf(ev + evn, evcap - evn,
                            "patch check: %s port %u, %s %s%s%s%s\nfeed newest record %s\n",
                            addr_str(&host->addr, addr, sizeof addr), (unsigned)svc->port,
                            svc->product ? svc->product : prod, svc->version,
                            d->name[0] ? " (" : "", d->name,
                            d->name[0] ? (d->revision[0] ? " build)" : " marker)") : "",
                            st->newest[0] ? st->newest : "-");
    for (size_t i = 0; i < nv; i++) {
        const struct feed_hit *h = v[i].hit;
        double s = patch_rollup_add(&ru, h, cves, kevs);
        /* The upstream fix of every CVE: the highest of them fixes all; one without a known
         * fix leaves none. */
        if (v[i].hit != v[i].distro) { /* a distribution-only match has no upstream fix */
            if (h->unfixed)
                unfixed = true;
            else if (h->fixed[0] && (!fixed[0] || vercmp_upstream(fixed, h->fixed) < 0))
                snprintf(fixed, sizeof fixed, "%s", h->fixed);
        }
        if (v[i].distro) {
            char x[400];
            snprintf(x, sizeof x, "%s %s", h->cve, v[i].distro->fixed);
            patch_list_add(dfixed, PATCH_MAX_LIST, x);
        } else {
            all_confirmed = false;
        }
        if (evn < evcap)
            evn += (size_t)snprintf(ev + evn, evcap - evn, "%s cvss %.1f%s: %s%s%s\n", h->cve, s,
                                    h->kev ? " KEV" : "", h->why,
                                    v[i].distro ? "; distribution record: " : "",
                                    v[i].distro ? v[i].distro->why : "");
    }
    if (fixed_by_distro[0] && evn < evcap)
        evn += (size_t)snprintf(ev + evn, evcap - evn, "fixed by the distribution build: %s\n",
                                fixed_by_distro);
    if (evn >= evcap)
        evn = evcap - 1;

    bool backport = d->name[0] && !all_confirmed;
    /* The installed package itself, from the host's inventory, against the distribution's
     * fixed version: no guess left. */
    bool confirmed = ih && all_confirmed;
    if (confirmed)
        backport = false;
    const char *confidence = confirmed ? "confirmed" : backport ? "possible-backport" : "likely";
    enum severity sev = patch_rollup_severity(&ru);
    /* A distribution build may well carry the fixes: one level lower, and it says why. */
    if (backport && sev > SEV_LOW)
        sev--;

    char title[300], detail[1200], port[8], score[32], count[24], age[32];
    const char *name = svc->product ? svc->product : prod;
    snprintf(title, sizeof title, "%s %s: %zu known vulnerabilit%s (CVSS up to %.1f%s)%s", name,
             svc->version, nv, nv == 1 ? "y" : "ies", ru.max < 0 ? 0.0 : ru.max,
             ru.kev ? ", exploited in the wild" : "",
             backport ? ", may be patched by distribution backports" : "");
    int dn = snprintf(detail, sizeof detail,
                      "The version this service announces (%s %s) is inside the affected ranges of "
                      "%zu published advisories. ", name, svc->version, nv);
    if (ih)
        dn += snprintf(detail + dn, sizeof detail - (size_t)dn,
                       "The package inventory of this host (%.200s) shows %s %s installed, and "
                       "%s's records say %s affected. ", ih->inv->path, pkg_name, pkg_version,
                       ih->ecosystem, all_confirmed ? "it is" : "some of these are");
    else if (backport)
        dn += snprintf(detail + dn, sizeof detail - (size_t)dn,
                       "The banner shows a %s build: %s backports security fixes without "
                       "changing the upstream version, so check the installed package against "
                       "%s's advisories before acting. ", d->name, d->name, d->name);
    else if (d->name[0])
        dn += snprintf(detail + dn, sizeof detail - (size_t)dn,
                       "%s's own advisory data says this build (%s) is affected. ", d->name,
                       pkg_version);
    snprintf(detail + dn, sizeof detail - (size_t)dn, "%s%s%s",
             unfixed || !fixed[0] ? "Not every one has an upstream fix: "
                                  : "Upgrade to at least ",
             unfixed || !fixed[0] ? "see each advisory for mitigations." : fixed,
             unfixed || !fixed[0] ? "" : " (or the distribution's patched package).");

    struct finding *f = check_emit(ctx, &check_patch, &patch_kinds[K_CVE], host, svc->port, title);
    int rc = 0;
    snprintf(port, sizeof port, "%u", (unsigned)svc->port);
    snprintf(score, sizeof score, "%.1f", ru.max < 0 ? 0.0 : ru.max);
    snprintf(count, sizeof count, "%zu", nv);
    snprintf(age, sizeof age, "%lld", st->age_days);
    struct evidence *evi = f ? scan_add_evidence(ctx->result, "text/plain",
                                                 "patch check: advisories matched", ev, evn)
                             : NULL;
    if (!f || !evi) {
        rc = FAIL_OOM();
        goto out;
    }
    f->severity = sev;
    char cpe_vp[260];
    snprintf(cpe_vp, sizeof cpe_vp, "%s:%s", vendor, prod);
    if (finding_set_detail(f, detail) < 0 || finding_add_fact(f, "port", port) < 0 ||
        finding_add_fact(f, "protocol", "tcp") < 0 ||
        finding_add_fact(f, "service", svc->name ? svc->name : "unknown") < 0 ||
        finding_add_fact(f, "product", name) < 0 ||
        finding_add_fact(f, "version", svc->version) < 0 ||
        finding_add_fact(f, "cpe_product", cpe_vp) < 0 ||
        finding_add_fact(f, "confidence", confidence) < 0 ||
        finding_add_fact(f, "cves", cves) < 0 || finding_add_fact(f, "cve_count", count) < 0 ||
        finding_add_fact(f, "cvss_max", score) < 0 ||
        (ru.vector && *ru.vector && finding_add_fact(f, "cvss_vector", ru.vector) < 0) ||
        finding_add_fact(f, "kev", ru.kev ? "yes" : "no") < 0 ||
        (ru.kev && (finding_add_fact(f, "kev_cves", kevs) < 0 ||
                    finding_add_fact(f, "kev_added", ru.kev_first) < 0)) ||
        finding_add_fact(f, "fixed_version", unfixed || !fixed[0] ? "none known" : fixed) < 0 ||
        (d->name[0] && finding_add_fact(f, "distro", d->name) < 0) ||
        (d->revision[0] && finding_add_fact(f, "distro_revision", d->revision) < 0) ||
        (!ih && pkg_version[0] &&
         finding_add_fact(f, "distro_package_version", pkg_version) < 0) ||
        (dfixed[0] && finding_add_fact(f, "distro_fixed", dfixed) < 0) ||
        (fixed_by_distro[0] && finding_add_fact(f, ih ? "fixed_by_inventory" : "fixed_by_distro",
                                                fixed_by_distro) < 0) ||
        (ih && (finding_add_fact(f, "package", pkg_name) < 0 ||
                finding_add_fact(f, "installed_version", pkg_version) < 0 ||
                finding_add_fact(f, "ecosystem", ih->ecosystem) < 0 ||
                finding_add_fact(f, "inventory", ih->inv->path) < 0 ||
                finding_add_fact(f, "inventory_sha256", ih->inv->sha256) < 0 ||
                finding_add_fact(f, "inventory_format", inv_format_name(ih->inv->format)) < 0)) ||
        finding_add_fact(f, "feed_newest", st->newest[0] ? st->newest : "-") < 0 ||
        finding_add_fact(f, "feed_age_days", age) < 0 ||
        finding_set_key_fact(f, "cpe_product") < 0 ||
        finding_add_evidence_id(f, evi->id) < 0 ||
        (svc->evidence_id && finding_add_evidence_id(f, svc->evidence_id) < 0)) {
        rc = FAIL_OOM();
        goto out;
    }
    for (size_t i = 0; i < nv; i++)
        if (finding_add_ref(f, v[i].hit->cve) < 0) {
            rc = FAIL_OOM();
            goto out;
        }
    finding_fingerprint(f);
out:
    free(cves), free(kevs), free(dfixed), free(ev);
    return rc;
}

/* Past end of life: the longer unsupported, the more unfixed vulnerabilities pile up. */
static enum severity eol_severity(long long days_past)
{
    return days_past >= 730 ? SEV_CRITICAL : days_past >= 180 ? SEV_HIGH : SEV_MEDIUM;
}

/* What one end-of-life judgement is about: a product on a service, or the operating system a
 * service's banner revealed (port 0, the service named in seen_on). */
struct eol_subject {
    const char *slug;    /* endoflife.date product */
    const char *name;    /* as reported: "nginx", "Debian" */
    const char *version; /* "1.22.1", "12" */
    uint16_t port;
    const char *seen_on; /* for an operating system: "22/tcp OpenSSH", else NULL */
    const char *cycle;   /* the release cycle when version does not name it, else NULL */
};

static int assess_eol(struct check_ctx *ctx, struct patch_state *st, const struct host *host,
                      const struct service *svc, const struct eol_subject *sub, struct rm_err *e)
{
    struct eol_cycle c;
    int found = feed_eol_find(st->db, sub->slug, sub->cycle ? sub->cycle : sub->version, &c, e);
    if (found <= 0)
        return found;
    long long days = 0;
    bool dated = c.eol_date[0] && eol_days_until(c.eol_date, st->scan_time, &days);
    /* Ended (on or before the scan's day), or ending within the horizon. A cycle marked ended
     * without a date is past its end of life, by how long unknown. */
    bool past = dated ? days <= 0 : c.eol_flag == 1;
    bool soon = dated && days > 0 && days <= PATCH_EOL_SOON_DAYS;
    if (!past && !soon)
        return 0;

    const char *name = sub->name, *version = sub->version;
    char title[300], detail[900], port[8], n[24], scan_day[16];
    struct tm tm;
    gmtime_r(&st->scan_time, &tm);
    strftime(scan_day, sizeof scan_day, "%Y-%m-%d", &tm);
    if (past) {
        snprintf(title, sizeof title, "%s %s: release cycle %s is past its end of life%s%s%s", name,
                 version, c.cycle, dated ? " (" : "", dated ? c.eol_date : "",
                 dated ? ")" : "");
        char last[300] = "";
        if (c.latest[0])
            snprintf(last, sizeof last, " (the cycle's last release was %s)", c.latest);
        snprintf(detail, sizeof detail,
                 "%s %s belongs to the %s release cycle, whose support ended %s%s: it gets no "
                 "security fixes, and vulnerabilities found since stay unfixed in it. Upgrade to "
                 "a supported release%s or replace the system; until then isolate it.",
                 name, version, c.cycle, dated ? "on " : "", dated ? c.eol_date
                 : "(its end date is not published)", last);
        long long ext;
        if (eol_days_until(c.extended, st->scan_time, &ext) && ext > 0)
            snprintf(detail + strlen(detail), sizeof detail - strlen(detail),
                     " Extended support (paid, or for Debian the LTS project, for the packages "
                     "it covers) runs until %s.", c.extended);
    } else {
        snprintf(title, sizeof title, "%s %s: release cycle %s reaches its end of life on %s", name,
                 version, c.cycle, c.eol_date);
        snprintf(detail, sizeof detail,
                 "%s %s belongs to the %s release cycle, whose support ends on %s, %lld days after "
                 "this scan (%s). Budget and schedule the upgrade or replacement before then.",
                 name, version, c.cycle, c.eol_date, days, scan_day);
    }
    struct finding *f = check_emit(ctx, &check_patch, &patch_kinds[past ? K_EOL : K_EOL_SOON],
                                   host, sub->port, title);
    if (!f)
        return FAIL_OOM();
    f->severity = past ? (dated ? eol_severity(-days) : SEV_HIGH) : SEV_LOW;
    snprintf(port, sizeof port, "%u", (unsigned)sub->port);
    snprintf(n, sizeof n, "%lld", past ? -days : days);
    char pc[140];
    snprintf(pc, sizeof pc, "%s %s", c.product, c.cycle);
    if (finding_set_detail(f, detail) < 0 ||
        (!sub->seen_on && (finding_add_fact(f, "port", port) < 0 ||
                           finding_add_fact(f, "protocol", "tcp") < 0 ||
                           finding_add_fact(f, "service", svc->name ? svc->name : "unknown") < 0)) ||
        (sub->seen_on && finding_add_fact(f, "seen_on", sub->seen_on) < 0) ||
        (c.extended[0] && strcmp(c.extended, "false") != 0 &&
         finding_add_fact(f, "extended_support", c.extended) < 0) ||
        finding_add_fact(f, "product", name) < 0 ||
        finding_add_fact(f, "version", version) < 0 ||
        finding_add_fact(f, "eol_product", c.product) < 0 ||
        finding_add_fact(f, "cycle", c.cycle) < 0 ||
        finding_add_fact(f, "product_cycle", pc) < 0 ||
        (dated && finding_add_fact(f, "eol_date", c.eol_date) < 0) ||
        (c.latest[0] && finding_add_fact(f, "latest", c.latest) < 0) ||
        (dated && finding_add_fact(f, past ? "days_past" : "days_left", n) < 0) ||
        finding_add_fact(f, "as_of", scan_day) < 0 ||
        (c.lts[0] && finding_add_fact(f, "lts", c.lts) < 0) ||
        finding_add_fact(f, "source", "endoflife.date") < 0 ||
        finding_set_key_fact(f, "product_cycle") < 0 ||
        (svc->evidence_id && finding_add_evidence_id(f, svc->evidence_id) < 0))
        return FAIL_OOM();
    finding_fingerprint(f);
    return 0;
}

/* The end-of-life judgements for one service: its product, and the Debian release its
 * banner names ("+deb12u3"), once per host. */
static int assess_eols(struct check_ctx *ctx, struct patch_state *st, const struct host *host,
                       const struct service *svc, const char *prod, const struct distro *d,
                       struct rm_err *e)
{
    for (size_t i = 0; i < sizeof eol_products / sizeof eol_products[0]; i++)
        if (strcmp(prod, eol_products[i].cpe_product) == 0) {
            struct eol_subject sub = {eol_products[i].eol, svc->product ? svc->product : prod,
                                      svc->version, svc->port, NULL, NULL};
            if (assess_eol(ctx, st, host, svc, &sub, e) < 0)
                return -1;
            break;
        }
    const struct windows_of_iis *w = NULL;
    if (strcmp(prod, "internet_information_services") == 0)
        for (size_t i = 0; i < sizeof iis_windows / sizeof iis_windows[0] && !w; i++)
            if (strcmp(svc->version, iis_windows[i].iis) == 0)
                w = &iis_windows[i];
    bool debian = strcmp(d->name, "Debian") == 0 && d->release[0];
    bool ubuntu = strcmp(d->name, "Ubuntu") == 0 && d->release[0];
    if ((!debian && !ubuntu && !w) || st->os_host == host)
        return 0;
    st->os_host = host;
    char seen[300];
    snprintf(seen, sizeof seen, "%u/tcp %s %s%s%s%s", (unsigned)svc->port,
             svc->product ? svc->product : prod, svc->version,
             d->inferred ? " (the release whose records fix " : "",
             d->inferred ? svc->version : "", d->inferred ? ")" : "");
    struct eol_subject os = {debian ? "debian" : "ubuntu", debian ? "Debian" : "Ubuntu",
                             d->release, 0, seen, NULL};
    if (w)
        os = (struct eol_subject){"windows-server", "Windows Server", w->release, 0, seen,
                                  w->cycle};
    return assess_eol(ctx, st, host, svc, &os, e);
}

/* The Windows release a service's NTLM answer named, against the windows-server cycles, once
 * per host. */
static int assess_windows(struct check_ctx *ctx, struct patch_state *st, const struct host *host,
                          const struct service *svc, struct rm_err *e)
{
    const char *w = svc->info ? strstr(svc->info, "Windows ") : NULL;
    unsigned major, minor, build;
    if (!w || !st->db || st->os_host == host ||
        sscanf(w, "Windows %u.%u build %u", &major, &minor, &build) != 3)
        return 0;
    for (size_t i = 0; i < sizeof windows_builds / sizeof windows_builds[0]; i++) {
        const struct windows_of_build *b = &windows_builds[i];
        if (b->major != major || b->minor != minor || build < b->build_lo || build > b->build_hi)
            continue;
        st->os_host = host;
        char seen[200];
        snprintf(seen, sizeof seen, "%u/tcp %s Windows %u.%u build %u", (unsigned)svc->port,
                 svc->name ? svc->name : "unknown", major, minor, build);
        struct eol_subject os = {"windows-server", "Windows Server", b->release, 0, seen,
                                 b->cycle};
        return assess_eol(ctx, st, host, svc, &os, e);
    }
    return 0;
}

/* A banner that names no release ("Ubuntu-3ubuntu0.10") was matched against the release
 * whose records fix its upstream version (feed_match_package): that release, when the hits
 * name exactly one ("Ubuntu:22.04:LTS" -> 22.04), is the host's. */
static void release_of_hits(const struct feed_hits *h, struct distro *d)
{
    size_t nl = strlen(d->name);
    const char *rel = NULL;
    size_t rl = 0;
    for (size_t i = 0; i < h->n; i++) {
        const char *eco = h->v[i].ecosystem;
        if (strncmp(eco, d->name, nl) != 0 || eco[nl] != ':')
            continue;
        const char *r = eco + nl + 1;
        size_t n = strcspn(r, ":");
        if (rel && (n != rl || strncmp(r, rel, n) != 0))
            return; /* two releases: none */
        rel = r;
        rl = n;
    }
    if (rel && rl > 0 && rl < sizeof d->release) {
        memcpy(d->release, rel, rl);
        d->release[rl] = '\0';
        d->inferred = true;
    }
}

static int assess(struct check_ctx *ctx, struct patch_state *st, const struct host *host,
                  const struct service *svc, struct rm_err *e)
{
    char vendor[128], prod[128];
    const struct product *p = product_of(svc, vendor, sizeof vendor, prod, sizeof prod);
    if (!prod[0] || !vendor[0])
        return 0;
    struct distro d;
    distro_of(svc, &d);

    struct feed_hits up = {0}, pkg = {0};
    int rc = 0;
    if (p) {
        for (size_t i = 0; i < 4 && p->vendors[i] && rc == 0; i++)
            rc = feed_match_cpe(st->m, p->vendors[i], prod, svc->version, &up, e);
    } else {
        rc = feed_match_cpe(st->m, vendor, prod, svc->version, &up, e);
    }
    char pkg_version[300] = "";
    /* The host's inventory, when it lists the product's package, says what is installed:
     * it replaces what the banner's revision suggests. */
    struct inv_host *ih = NULL;
    struct inv_judged *ij = NULL;
    for (size_t i = 0; p && p->debian_pkg && i < st->n_cur && !ij; i++)
        if (st->cur[i].ecosystem && (st->cur[i].inv->format == INV_DPKG ||
                                     st->cur[i].inv->format == INV_DPKG_STATUS) &&
            (ij = inv_judged_find(&st->cur[i], p->debian_pkg)))
            ih = &st->cur[i];
    struct feed_hits *pk = &pkg;
    if (ij) {
        pk = &ij->hits;
        ij->consumed = true;
        snprintf(pkg_version, sizeof pkg_version, "%s", ij->version);
    } else if (rc == 0 && p && p->debian_pkg && d.revision[0] &&
        (strcmp(d.name, "Debian") == 0 || strcmp(d.name, "Ubuntu") == 0)) {
        snprintf(pkg_version, sizeof pkg_version, "%s%s%s-%s", p->debian_epoch ? p->debian_epoch : "",
                 p->debian_epoch ? ":" : "", svc->version, d.revision);
        char eco[32];
        snprintf(eco, sizeof eco, "%s%s%s", d.name, d.release[0] ? ":" : "", d.release);
        rc = feed_match_package(st->m, eco, p->debian_pkg, pkg_version, &pkg, e);
        if (rc == 0 && !d.release[0])
            release_of_hits(&pkg, &d);
    }
    if (rc < 0)
        goto out;

    /* Upstream matches, judged by the distribution's record where there is one; then what
     * only the distribution's records say. */
    struct verdict *v = calloc(up.n + pk->n + 1, sizeof *v);
    char *fixed_by = calloc(1, PATCH_MAX_LIST);
    if (!v || !fixed_by) {
        free(v), free(fixed_by);
        rc = FAIL_OOM();
        goto out;
    }
    size_t nv = 0;
    for (size_t i = 0; i < up.n; i++) {
        struct feed_hit *dh = find_hit(pk, up.v[i].cve);
        if (dh && !dh->affected) {
            char x[512];
            snprintf(x, sizeof x, "%s (%s %s)", up.v[i].cve, dh->ecosystem, dh->fixed);
            patch_list_add(fixed_by, PATCH_MAX_LIST, x);
            continue;
        }
        v[nv].hit = &up.v[i];
        v[nv++].distro = dh;
    }
    for (size_t i = 0; i < pk->n; i++)
        if (pk->v[i].affected && !find_hit(&up, pk->v[i].cve)) {
            v[nv].hit = &pk->v[i];
            v[nv++].distro = &pk->v[i];
        }
    if (nv > 0) {
        /* Worst first, so the list reads in order of urgency. */
        struct verdict *sorted = v;
        for (size_t i = 1; i < nv; i++)
            for (size_t j = i; j > 0 && patch_cmp_hit(sorted[j].hit, sorted[j - 1].hit) < 0; j--) {
                struct verdict t = sorted[j];
                sorted[j] = sorted[j - 1];
                sorted[j - 1] = t;
            }
        rc = emit_cves(ctx, st, host, svc, vendor, prod, &d, pkg_version, v, nv, fixed_by, ih,
                       ij ? ij->source : "", e);
    } else if (ih && fixed_by[0]) {
        /* Every match of the banner is fixed in the installed package: no finding, and the
         * inventory's own finding says which. */
        size_t l = strlen(ih->banner_fixed);
        int w = snprintf(ih->banner_fixed + l, 4096 - l, "%s%u/%s %s %s: %s", l ? "; " : "",
                         (unsigned)svc->port, svc_proto_name(svc->proto),
                         svc->product ? svc->product : prod, svc->version, fixed_by);
        if (w < 0 || (size_t)w >= 4096 - l)
            snprintf(ih->banner_fixed + (l > 4092 ? 4092 : l), 4, "...");
    }
    free(v);
    free(fixed_by);
    if (rc == 0)
        rc = assess_eols(ctx, st, host, svc, prod, &d, e);
out:
    feed_hits_free(&up);
    feed_hits_free(&pkg);
    return rc;
}

/* ---- the host's inventories ------------------------------------------------------------------- */

static void release_host(struct patch_state *st)
{
    for (size_t i = 0; i < st->n_cur; i++)
        inv_host_free(&st->cur[i]);
    free(st->cur);
    st->cur = NULL;
    st->n_cur = 0;
}

/* Judges the inventories about host into st->cur. */
static int judge_host(struct patch_state *st, const struct host *host, struct rm_err *e)
{
    release_host(st);
    size_t n = 0;
    for (const struct inventory *i = inventory_set_for(st->invs, host); i;
         i = inventory_set_next(st->invs, i, host))
        n++;
    if (!n)
        return 0;
    if (!(st->cur = calloc(n, sizeof *st->cur)))
        return FAIL_OOM();
    for (const struct inventory *i = inventory_set_for(st->invs, host); i;
         i = inventory_set_next(st->invs, i, host))
        if (inv_judge(st->m, i, &st->cur[st->n_cur++], e) < 0)
            return -1;
    return 0;
}

/* After the host's services: the inventories' own findings. */
static int finish_host(struct check_ctx *ctx, struct patch_state *st, const struct host *host,
                       struct rm_err *e)
{
    for (size_t i = 0; i < st->n_cur; i++) {
        struct inv_host *ih = &st->cur[i];
        for (size_t k = 0; k < ih->n; k++)
            if (ih->v[k].n_affected && !ih->v[k].consumed &&
                patch_emit_inventory_cves(ctx, st->newest, st->age_days, host, ih, &ih->v[k], e) < 0)
                return -1;
        struct hotfix_verdict hv;
        if (ih->inv->format == INV_HOTFIX) {
            hotfix_judge(ih->inv, &hv);
            if (hv.state == HOTFIX_MISSING && patch_emit_hotfix(ctx, host, ih, &hv, e) < 0)
                return -1;
        }
        if (patch_emit_inventory_info(ctx, st->m != NULL, host, ih,
                                      ih->inv->format == INV_HOTFIX ? &hv : NULL, e) < 0)
            return -1;
        /* The Debian release the packages were built for is the operating system's: its end
         * of life, once per host (a banner may have named it already). */
        if (st->db && st->os_host != host && ih->ecosystem &&
            strncmp(ih->ecosystem, "Debian:", 7) == 0 && ih->ecosystem[7]) {
            static const struct service none;
            char seen[300];
            snprintf(seen, sizeof seen, "package inventory %.280s", ih->inv->path);
            struct eol_subject os = {"debian", "Debian", ih->ecosystem + 7, 0, seen, NULL};
            st->os_host = host;
            if (assess_eol(ctx, st, host, &none, &os, e) < 0)
                return -1;
        }
    }
    return 0;
}

/* ---- the feed's own findings ------------------------------------------------------------------ */

static int feed_findings(struct check_ctx *ctx, struct patch_state *st, const struct host *host,
                         struct rm_err *e)
{
    char detail[700], age[32], recs[32];
    if (!st->db) {
        snprintf(detail, sizeof detail,
                 "No advisory feed could be used (%.300s), so the versions detected on this "
                 "network were not compared with published vulnerabilities. Import one with "
                 "riskmap feed import (OSV, NVD or CISA KEV files) and scan again.",
                 st->why_missing[0] ? st->why_missing : st->path);
        struct finding *f = check_emit(ctx, &check_patch, &patch_kinds[K_FEED_MISSING], host, 0,
                                       "Patch levels not assessed: no advisory feed");
        if (!f || finding_set_detail(f, detail) < 0 || finding_add_fact(f, "feed", st->path) < 0)
            return FAIL_OOM();
        finding_fingerprint(f);
        return 0;
    }
    snprintf(age, sizeof age, "%lld", st->age_days);
    snprintf(recs, sizeof recs, "%lld", st->records);
    snprintf(detail, sizeof detail,
             "Patch levels were judged against the advisory feed at %.300s: %lld records, the newest "
             "%s%s%s from %s (%lld days before this scan).", st->path, st->records,
             st->newest_source[0] ? "of the " : "", st->newest_source,
             st->newest_source[0] ? " records" : "", st->newest[0] ? st->newest : "-", st->age_days);
    struct finding *f = check_emit(ctx, &check_patch, &patch_kinds[K_FEED], host, 0,
                                   "Advisory feed used for patch levels");
    if (!f || finding_set_detail(f, detail) < 0 || finding_add_fact(f, "feed", st->path) < 0 ||
        finding_add_fact(f, "feed_newest", st->newest[0] ? st->newest : "-") < 0 ||
        finding_add_fact(f, "feed_age_days", age) < 0 ||
        finding_add_fact(f, "feed_records", recs) < 0)
        return FAIL_OOM();
    finding_fingerprint(f);
    if (st->age_days > PATCH_STALE_DAYS || st->age_days < 0) {
        snprintf(detail, sizeof detail,
                 "The newest %s%sadvisory in the feed at %.300s is from %s, %lld days before this "
                 "scan: vulnerabilities published since are not reported. Import current OSV, NVD "
                 "and KEV files (riskmap feed import) before relying on the patch findings.",
                 st->newest_source, st->newest_source[0] ? " " : "", st->path,
                 st->newest[0] ? st->newest : "-", st->age_days);
        f = check_emit(ctx, &check_patch, &patch_kinds[K_FEED_STALE], host, 0,
                       "Advisory feed is out of date");
        if (!f || finding_set_detail(f, detail) < 0 ||
            finding_add_fact(f, "feed", st->path) < 0 ||
            finding_add_fact(f, "feed_newest", st->newest[0] ? st->newest : "-") < 0 ||
            finding_add_fact(f, "feed_age_days", age) < 0)
            return FAIL_OOM();
        finding_fingerprint(f);
    }
    return 0;
}

/* ---- the feed opened before the drop of root -------------------------------------------------- */

/* Process-wide by necessity: opened by the scan command before it drops root, handed to the
 * check's init (which takes ownership), released by patch_feed_release() when never used. */
static struct feed_db *preopened;
static char preopened_path[4096];

void patch_feed_preopen(void)
{
    struct rm_err e = {{0}};
    if (preopened || feed_default_path(preopened_path, sizeof preopened_path, &e) < 0)
        return;
    struct feed_source_info info[8];
    size_t n;
    /* feed_info reads the file: SQLite has it open from then on. */
    if (feed_open_ro(preopened_path, &preopened, &e) == 0 && feed_info(preopened, info, 8, &n, &e) < 0) {
        feed_close(preopened);
        preopened = NULL;
    }
}

void patch_feed_release(void)
{
    feed_close(preopened);
    preopened = NULL;
}

/* ---- the module ----------------------------------------------------------------------------- */

static void patch_cleanup(struct check_ctx *ctx);

static int patch_init(struct check_ctx *ctx, struct rm_err *e)
{
    struct patch_state *st = calloc(1, sizeof *st);
    if (!st)
        return FAIL_OOM();
    ctx->state = st;
    st->age_days = -1;
    st->invs = ctx->inventories;
    char norm[FEED_TIME_LEN];
    st->scan_time = ctx->result->meta.started_utc && feed_time_norm(ctx->result->meta.started_utc, norm) == 0
                        ? feed_time_parse(norm) : (time_t)-1;
    if (st->scan_time == (time_t)-1)
        st->scan_time = time(NULL);
    struct rm_err oe = {{0}};
    if (preopened) {
        snprintf(st->path, sizeof st->path, "%s", preopened_path);
        st->db = preopened;
        preopened = NULL;
    } else if (feed_default_path(st->path, sizeof st->path, e) < 0) {
        goto fail;
    } else if (feed_open_ro(st->path, &st->db, &oe) < 0) {
        if (strncmp(oe.msg, "no feed", 7) == 0) {
            snprintf(st->why_missing, sizeof st->why_missing, "%s", oe.msg);
            return 0; /* reported as a finding, not an error */
        }
        *e = oe;
        goto fail;
    }
    struct feed_source_info info[8];
    size_t n;
    if (feed_info(st->db, info, 8, &n, e) < 0 || feed_matcher_new(st->db, &st->m, e) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        /* The catalog's date and the end-of-life data's say nothing about advisory coverage. */
        if (strcmp(info[i].source, "kev") == 0 || strcmp(info[i].source, "eol") == 0)
            continue;
        st->records += info[i].records;
        if (info[i].newest[0] && (!st->newest[0] || strcmp(info[i].newest, st->newest) < 0)) {
            snprintf(st->newest, sizeof st->newest, "%s", info[i].newest);
            snprintf(st->newest_source, sizeof st->newest_source, "%s", info[i].source);
        }
    }
    time_t t = st->newest[0] ? feed_time_parse(st->newest) : (time_t)-1;
    if (t != (time_t)-1)
        st->age_days = (long long)(time(NULL) - t) / 86400;
    return 0;
fail:
    /* The runner does not call cleanup after a failed init. */
    patch_cleanup(ctx);
    return -1;
}

static int patch_run(struct check_ctx *ctx, const struct host *host_unused,
                     const struct service *svc_unused, struct rm_err *e)
{
    (void)host_unused, (void)svc_unused;
    struct patch_state *st = ctx->state;
    struct scan_result *r = ctx->result;
    /* Hosts and services by index: appending findings and evidence moves neither. */
    for (size_t h = 0; h < r->n_hosts; h++) {
        if (ctx->cancel && *ctx->cancel)
            return 0;
        const struct host *host = &r->hosts[h];
        if (judge_host(st, host, e) < 0)
            return -1;
        if (st->n_cur && !st->feed_reported) {
            st->feed_reported = true;
            if (feed_findings(ctx, st, host, e) < 0)
                return -1;
        }
        for (size_t s = 0; s < host->n_services; s++) {
            if (ctx->cancel && *ctx->cancel)
                return 0;
            const struct service *svc = &host->services[s];
            if (svc->state == PORT_OPEN && assess_windows(ctx, st, host, svc, e) < 0)
                return -1;
            if (svc->state != PORT_OPEN || !svc->version || !*svc->version ||
                (!svc->product && !svc->cpe))
                continue;
            if (!st->feed_reported) {
                st->feed_reported = true;
                if (feed_findings(ctx, st, host, e) < 0)
                    return -1;
            }
            if (st->m && assess(ctx, st, host, svc, e) < 0)
                return -1;
            st->assessed++;
        }
        if (finish_host(ctx, st, host, e) < 0)
            return -1;
    }
    release_host(st);
    return 0;
}

static void patch_cleanup(struct check_ctx *ctx)
{
    struct patch_state *st = ctx->state;
    if (!st)
        return;
    release_host(st);
    feed_matcher_free(st->m);
    feed_close(st->db);
    free(st);
    ctx->state = NULL;
}

const struct check check_patch = {
    .id = "patch",
    .summary = "Known vulnerabilities of detected versions, from the advisory feed, with confidence",
    .applies_to = CHECK_SITE,
    .kinds = patch_kinds,
    .n_kinds = sizeof patch_kinds / sizeof patch_kinds[0],
    .init = patch_init,
    .run = patch_run,
    .cleanup = patch_cleanup,
};
