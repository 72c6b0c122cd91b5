/* The HTML report's technical appendix: per host, its services, findings and the evidence
 * they rest on, the hosts with the highest risk first. Large evidence is cut, with its size
 * and SHA-256 so the full item can be found in the scan result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report_html.h"

struct hostrank {
    size_t host;
    int worst;
    long total;
    size_t f0, f1; /* range in the sorted finding index */
};

/* qsort takes no context: the scan being sorted. */
static const struct scan_result *g_scan;

static int finding_by_addr(const void *a, const void *b)
{
    const struct finding *x = g_scan->findings[*(const size_t *)a];
    const struct finding *y = g_scan->findings[*(const size_t *)b];
    int c = addr_cmp(&x->addr, &y->addr);
    if (c)
        return c;
    if (x->severity != y->severity)
        return (int)y->severity - (int)x->severity;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int rank_cmp(const void *a, const void *b)
{
    const struct hostrank *x = a, *y = b;
    if (x->worst != y->worst)
        return y->worst - x->worst;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return addr_cmp(&g_scan->hosts[x->host].addr, &g_scan->hosts[y->host].addr);
}

static const struct risk_set *g_risks;

/* The risks by fingerprint, for the finding -> risk look-ups of every finding: keys of the
 * fingerprint's first eight bytes (big-endian, so they order as strcmp does) and the risk's
 * index, searched without touching the 300-byte risks until the prefixes tie. */
struct risk_key {
    uint64_t fp8;
    size_t i;
};

static uint64_t fp8_of(const char *fp)
{
    uint64_t k = 0;
    size_t j = 0;
    for (; j < 8 && fp[j]; j++)
        k = k << 8 | (unsigned char)fp[j];
    return j ? k << (8 * (8 - j)) : 0; /* a shorter string sorts first, as strcmp has it */
}

/* As strcmp of the two fingerprints; then the index, as a stable sort would leave them. */
static int risk_by_fp(const void *a, const void *b)
{
    const struct risk_key *x = a, *y = b;
    if (x->fp8 != y->fp8)
        return x->fp8 < y->fp8 ? -1 : 1;
    int c = strcmp(g_risks->v[x->i].fingerprint, g_risks->v[y->i].fingerprint);
    return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

static const struct risk *risk_of(const struct risk_key *keys, size_t n,
                                  const struct risk_set *s, const char *fp)
{
    uint64_t k = fp8_of(fp);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = keys[mid].fp8 != k ? (keys[mid].fp8 < k ? -1 : 1)
                                   : strcmp(s->v[keys[mid].i].fingerprint, fp);
        if (!c)
            return &s->v[keys[mid].i];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const struct evidence *evidence_of(const struct scan_result *scan, const char *id)
{
    /* Ids are "E<n>" in order as the scan writes them; fall back to a search otherwise. */
    char *end;
    if (id[0] == 'E') {
        unsigned long n = strtoul(id + 1, &end, 10);
        if (!*end && n >= 1 && n <= scan->n_evidence && strcmp(scan->evidence[n - 1]->id, id) == 0)
            return scan->evidence[n - 1];
    }
    for (size_t i = 0; i < scan->n_evidence; i++)
        if (strcmp(scan->evidence[i]->id, id) == 0)
            return scan->evidence[i];
    return NULL;
}

static void evidence(struct hbuf *b, const struct evidence *ev)
{
    hb_put(b, "<div class=\"evidence\"><small>Evidence ");
    hb_esc(b, ev->id);
    hb_put(b, " (");
    hb_esc(b, ev->media_type);
    hb_put(b, ", ");
    hb_int(b, (long long)ev->len);
    hb_put(b, " bytes");
    if (ev->description) {
        hb_put(b, ": ");
        hb_esc(b, ev->description);
    }
    hb_put(b, ") SHA-256 <code>");
    hb_esc(b, ev->sha256);
    hb_put(b, "</code></small><pre class=\"ev\">");
    size_t shown = ev->len < REPORT_EVIDENCE_SHOWN ? ev->len : REPORT_EVIDENCE_SHOWN;
    hb_bytes(b, ev->data, shown);
    hb_put(b, "</pre>");
    if (shown < ev->len) {
        hb_put(b, "<p class=\"note\">Truncated: the first ");
        hb_int(b, (long long)shown);
        hb_put(b, " of ");
        hb_int(b, (long long)ev->len);
        hb_put(b, " bytes are shown; the whole item (SHA-256 above) is in the scan result.</p>");
    }
    hb_put(b, "</div>");
}

static void finding(struct hbuf *b, const struct scan_result *scan, const struct finding *f,
                    const struct risk *rk, bool with_addr)
{
    hb_put(b, "<tr><td>");
    if (rk)
        rh_badge(b, rk->residual);
    hb_put(b, "</td><td>");
    hb_put(b, severity_name(f->severity));
    hb_put(b, "</td><td class=\"n\">");
    if (f->port)
        hb_dec(b, f->port);
    hb_put(b, "</td><td>");
    if (with_addr) {
        char a[RM_ADDRSTRLEN];
        hb_esc(b, finding_asset_label(f, a, sizeof a));
        if (f->hostname) {
            hb_put(b, " (");
            hb_esc(b, f->hostname);
            hb_put(b, ")");
        }
        hb_put(b, ": ");
    }
    hb_put(b, "<b>");
    hb_esc(b, f->title);
    hb_put(b, "</b> <small><code>");
    hb_esc(b, f->kind);
    hb_put(b, "</code></small>");
    if (f->detail) {
        hb_put(b, "<br>");
        hb_esc(b, f->detail);
    }
    if (f->n_facts) {
        hb_put(b, "<br><small>");
        for (size_t i = 0; i < f->n_facts; i++) {
            hb_put(b, i ? "; " : "");
            hb_esc(b, f->facts[i].key);
            hb_put(b, "=");
            hb_esc(b, f->facts[i].value);
        }
        hb_put(b, "</small>");
    }
    if (f->n_refs) {
        /* References are shown as text, never as links: the report fetches nothing and
         * a hostile finding cannot plant a link. */
        hb_put(b, "<br><small>References: ");
        for (size_t i = 0; i < f->n_refs; i++) {
            hb_put(b, i ? ", " : "");
            hb_esc(b, f->refs[i]);
        }
        hb_put(b, "</small>");
    }
    for (size_t i = 0; i < f->n_evidence; i++) {
        const struct evidence *ev = evidence_of(scan, f->evidence_ids[i]);
        if (ev)
            evidence(b, ev);
    }
    hb_put(b, "</td></tr>");
}

static void host(struct rctx *c, const struct hostrank *hr, const size_t *fidx,
                 const struct risk_key *ridx)
{
    struct hbuf *b = c->b;
    const struct scan_result *scan = c->in->scan;
    const struct host *h = &scan->hosts[hr->host];
    char a[RM_ADDRSTRLEN];
    hb_put(b, "<div class=\"host\"><h3>");
    hb_esc(b, addr_str(&h->addr, a, sizeof a));
    if (h->hostname) {
        hb_put(b, " (");
        hb_esc(b, h->hostname);
        hb_put(b, ")");
    }
    hb_put(b, " ");
    rh_badge(b, hr->worst);
    hb_put(b, "</h3>");
    if (h->n_services) {
        hb_put(b, "<table><thead><tr><th class=\"n\">Port</th><th>Service</th><th>Product</th>"
                  "<th>Version</th><th>Detail</th></tr></thead><tbody>");
        for (size_t i = 0; i < h->n_services; i++) {
            const struct service *s = &h->services[i];
            hb_printf(b, "<tr><td class=\"n\">%u/%s</td><td>", (unsigned)s->port,
                      svc_proto_name(s->proto));
            hb_esc(b, s->name);
            hb_put(b, "</td><td>");
            hb_esc(b, s->product);
            hb_put(b, "</td><td>");
            hb_esc(b, s->version);
            hb_put(b, "</td><td>");
            hb_esc(b, s->info);
            hb_put(b, "</td></tr>");
        }
        hb_put(b, "</tbody></table>");
    }
    size_t n = hr->f1 - hr->f0;
    if (n) {
        hb_put(b, "<table><thead><tr><th>Risk</th><th>Severity</th><th class=\"n\">Port</th>"
                  "<th>Finding, facts and evidence</th></tr></thead><tbody>");
        for (size_t i = hr->f0; i < hr->f1 && i - hr->f0 < REPORT_HOST_FINDINGS_MAX; i++) {
            const struct finding *f = scan->findings[fidx[i]];
            finding(b, scan, f, risk_of(ridx, c->in->risks->n, c->in->risks, f->fingerprint),
                    false);
        }
        hb_put(b, "</tbody></table>");
        if (n > REPORT_HOST_FINDINGS_MAX) {
            hb_put(b, "<p class=\"note\">");
            hb_int(b, (long long)(n - REPORT_HOST_FINDINGS_MAX));
            hb_put(b, " more findings of this host (the least severe) are in the register "
                      "table and the scan result.</p>");
        }
    }
    hb_put(b, "</div>\n");
}

static bool quiet(const struct scan_result *scan, const struct hostrank *hr)
{
    return hr->f1 == hr->f0 && scan->hosts[hr->host].n_services == 0;
}

/* The hosts that answered with nothing open and nothing found, in one line (the first
 * REPORT_QUIET_HOSTS_MAX; they rank last, by address, since rank_cmp breaks ties so). */
static void quiet_hosts(struct rctx *c, const struct hostrank *hr, size_t busy)
{
    const struct scan_result *scan = c->in->scan;
    size_t n = scan->n_hosts - busy;
    if (!n)
        return;
    struct hbuf *b = c->b;
    hb_put(b, "<p class=\"quiet-hosts\"><b>");
    hb_int(b, (long long)n);
    hb_put(b, n == 1 ? " other host" : " other hosts");
    hb_put(b, "</b> answered with no open port and no finding: ");
    size_t k = 0;
    for (size_t i = 0; i < scan->n_hosts && k < REPORT_QUIET_HOSTS_MAX; i++) {
        if (!quiet(scan, &hr[i]))
            continue;
        char a[RM_ADDRSTRLEN];
        hb_put(b, k++ ? ", " : "");
        hb_esc(b, addr_str(&scan->hosts[hr[i].host].addr, a, sizeof a));
    }
    if (n > k) {
        hb_put(b, " and ");
        hb_int(b, (long long)(n - k));
        hb_put(b, " more (the scan result lists them)");
    }
    hb_put(b, ".</p>");
}

/* Findings about an address the scan did not record as a host (a backup source's asset, a
 * site-wide finding): listed after the hosts so that nothing in the scan is left out. */
static void orphans(struct rctx *c, const struct hostrank *hr, const size_t *fidx,
                    const struct risk_key *ridx)
{
    const struct scan_result *scan = c->in->scan;
    struct hbuf *b = c->b;
    size_t covered = 0;
    for (size_t h = 0; h < scan->n_hosts; h++)
        covered += hr[h].f1 - hr[h].f0;
    if (covered == scan->n_findings)
        return;
    unsigned char *in_host = calloc(scan->n_findings, 1);
    if (!in_host) {
        b->oom = true;
        return;
    }
    for (size_t h = 0; h < scan->n_hosts; h++)
        for (size_t i = hr[h].f0; i < hr[h].f1; i++)
            in_host[i] = 1;
    hb_put(b, "<div class=\"host\"><h3>Findings about assets that are not scanned hosts</h3>"
              "<table><thead><tr><th>Risk</th><th>Severity</th><th class=\"n\">Port</th>"
              "<th>Finding, facts and evidence</th></tr></thead><tbody>");
    size_t shown = 0;
    for (size_t i = 0; i < scan->n_findings; i++) {
        if (in_host[i])
            continue;
        if (shown++ == REPORT_HOST_FINDINGS_MAX)
            break;
        const struct finding *f = scan->findings[fidx[i]];
        finding(b, scan, f, risk_of(ridx, c->in->risks->n, c->in->risks, f->fingerprint), true);
    }
    hb_put(b, "</tbody></table>");
    if (shown > REPORT_HOST_FINDINGS_MAX) {
        hb_put(b, "<p class=\"note\">");
        hb_int(b, (long long)(scan->n_findings - covered - REPORT_HOST_FINDINGS_MAX));
        hb_put(b, " more are in the register table and the scan result.</p>");
    }
    hb_put(b, "</div>");
    free(in_host);
}

void rh_hosts(struct rctx *c)
{
    struct hbuf *b = c->b;
    const struct scan_result *scan = c->in->scan;
    const struct risk_set *rs = c->in->risks;
    hb_put(b, "<section id=\"hosts\"><h2>Technical detail by host</h2>");
    size_t *fidx = scan->n_findings ? malloc(scan->n_findings * sizeof *fidx) : NULL;
    struct risk_key *ridx = rs->n ? malloc(rs->n * sizeof *ridx) : NULL;
    struct hostrank *hr = scan->n_hosts ? calloc(scan->n_hosts, sizeof *hr) : NULL;
    if ((scan->n_findings && !fidx) || (rs->n && !ridx) || (scan->n_hosts && !hr)) {
        b->oom = true;
        goto out;
    }
    for (size_t i = 0; i < scan->n_findings; i++)
        fidx[i] = i;
    for (size_t i = 0; i < rs->n; i++)
        ridx[i] = (struct risk_key){fp8_of(rs->v[i].fingerprint), i};
    g_scan = scan;
    g_risks = rs;
    if (scan->n_findings) /* qsort of a NULL array is undefined, even of 0 elements */
        qsort(fidx, scan->n_findings, sizeof *fidx, finding_by_addr);
    if (rs->n)
        qsort(ridx, rs->n, sizeof *ridx, risk_by_fp);
    size_t f = 0;
    for (size_t h = 0; h < scan->n_hosts; h++) {
        hr[h].host = h;
        /* Hosts are sorted by address in a scan result; findings of addresses that are not
         * a host (site-wide ones) are skipped over. */
        size_t lo = 0, hi = scan->n_findings;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (addr_cmp(&scan->findings[fidx[mid]]->addr, &scan->hosts[h].addr) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        f = lo;
        hr[h].f0 = f;
        while (f < scan->n_findings && addr_eq(&scan->findings[fidx[f]]->addr,
                                               &scan->hosts[h].addr)) {
            const struct risk *rk = risk_of(ridx, rs->n, rs, scan->findings[fidx[f]]->fingerprint);
            if (rk && risk_status_counts(rk->status)) {
                if (rk->residual > hr[h].worst)
                    hr[h].worst = rk->residual;
                hr[h].total += rk->residual;
            }
            f++;
        }
        hr[h].f1 = f;
    }
    if (scan->n_hosts)
        qsort(hr, scan->n_hosts, sizeof *hr, rank_cmp);
    /* A host that answered but has no service and no finding gets no section of its own
     * (a /24 of them printed as 25 pages of empty headings): one line names them all. */
    size_t busy = 0;
    for (size_t i = 0; i < scan->n_hosts; i++)
        busy += !quiet(scan, &hr[i]);
    size_t max = c->in->host_detail_max ? c->in->host_detail_max : REPORT_HOST_DETAIL_MAX;
    size_t shown = busy < max ? busy : max;
    hb_put(b, "<p>Every system the scan found with a service or a finding, the ones with the "
              "highest risk first: its services, its findings with their facts, and the raw "
              "evidence they rest on.");
    if (shown < busy) {
        hb_put(b, " <b>");
        hb_int(b, (long long)shown);
        hb_put(b, " of ");
        hb_int(b, (long long)busy);
        hb_put(b, " hosts are shown</b> to keep this document readable; the risk register "
                  "above lists every risk of every host, and the scan result holds all detail.");
    }
    hb_put(b, "</p>");
    for (size_t i = 0, k = 0; i < scan->n_hosts && k < shown; i++)
        if (!quiet(scan, &hr[i])) {
            host(c, &hr[i], fidx, ridx);
            k++;
        }
    quiet_hosts(c, hr, busy);
    orphans(c, hr, fidx, ridx);
out:
    hb_put(b, "</section>");
    free(fidx);
    free(ridx);
    free(hr);
}
