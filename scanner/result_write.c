/* Scan model -> JSON document. Field names and shapes are defined by
 * docs/scan-result.schema.json; change both together and bump SCAN_FORMAT_VERSION when a
 * change is not backwards compatible. */
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/atomic.h"
#include "scanner/result.h"

/* cJSON's add helpers return NULL on failure; building stops being meaningful then, so each
 * builder checks the whole tree once at the end via this flag. */
struct jb {
    bool failed;
};

static void add_str(struct jb *b, cJSON *o, const char *k, const char *v)
{
    if (v && !cJSON_AddStringToObject(o, k, v))
        b->failed = true;
}

static void add_num(struct jb *b, cJSON *o, const char *k, double v)
{
    if (!cJSON_AddNumberToObject(o, k, v))
        b->failed = true;
}

static cJSON *str_array(struct jb *b, char *const *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    if (!a) {
        b->failed = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateString(v[i]);
        if (!s || !cJSON_AddItemToArray(a, s)) {
            cJSON_Delete(s);
            b->failed = true;
        }
    }
    return a;
}

static void add_item(struct jb *b, cJSON *o, const char *k, cJSON *item)
{
    if (!item || !cJSON_AddItemToObject(o, k, item)) {
        cJSON_Delete(item);
        b->failed = true;
    }
}

static void push(struct jb *b, cJSON *arr, cJSON *item)
{
    if (!item || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        b->failed = true;
    }
}

/* Round trips in milliseconds are kept to microseconds: more digits are noise. */
static double ms3(double v)
{
    return (double)(long long)(v * 1000.0 + (v >= 0 ? 0.5 : -0.5)) / 1000.0;
}

cJSON *result_service_json(const struct service *s)
{
    struct jb b = {false};
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_num(&b, o, "port", s->port);
    add_str(&b, o, "protocol", svc_proto_name(s->proto));
    add_str(&b, o, "state", port_state_name(s->state));
    add_str(&b, o, "name", s->name);
    add_str(&b, o, "reason", s->reason);
    if (s->rtt_ms >= 0)
        add_num(&b, o, "rtt_ms", ms3(s->rtt_ms));
    add_str(&b, o, "method", s->method);
    add_str(&b, o, "product", s->product);
    add_str(&b, o, "version", s->version);
    add_str(&b, o, "info", s->info);
    add_str(&b, o, "cpe", s->cpe);
    add_str(&b, o, "evidence", s->evidence_id);
    add_str(&b, o, "detection_note", s->detect_note);
    if (b.failed) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *result_host_json(const struct host *h, int with_services)
{
    struct jb b = {false};
    char addr[RM_ADDRSTRLEN];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(&b, o, "address", addr_str(&h->addr, addr, sizeof addr));
    add_str(&b, o, "family", h->addr.family == AF_INET6 ? "ipv6" : "ipv4");
    add_str(&b, o, "hostname", h->hostname);
    add_str(&b, o, "state", "up");
    add_str(&b, o, "reason", h->reason);
    if (h->rtt_ms >= 0)
        add_num(&b, o, "rtt_ms", ms3(h->rtt_ms));
    add_str(&b, o, "mac", h->mac);
    cJSON *counts = cJSON_CreateObject();
    if (counts) {
        add_num(&b, counts, "open", h->n_open);
        add_num(&b, counts, "closed", h->n_closed);
        add_num(&b, counts, "filtered", h->n_filtered);
    }
    add_item(&b, o, "ports", counts);
    if (with_services) {
        cJSON *svcs = cJSON_CreateArray();
        for (size_t i = 0; svcs && i < h->n_services; i++)
            push(&b, svcs, result_service_json(&h->services[i]));
        add_item(&b, o, "services", svcs);
    }
    if (b.failed) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *result_finding_json(const struct finding *f, size_t index)
{
    struct jb b = {false};
    char addr[RM_ADDRSTRLEN], id[32];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    snprintf(id, sizeof id, "F%zu", index + 1);
    add_str(&b, o, "id", id);
    add_str(&b, o, "kind", f->kind);
    add_str(&b, o, "check", f->check);
    add_str(&b, o, "severity", severity_name(f->severity));
    add_str(&b, o, "title", f->title);
    add_str(&b, o, "detail", f->detail);
    cJSON *asset = cJSON_CreateObject();
    if (asset && f->addr.family) {
        add_str(&b, asset, "address", addr_str(&f->addr, addr, sizeof addr));
        add_str(&b, asset, "hostname", f->hostname);
    } else if (asset) {
        /* Site-wide (a backup's asset): no address to give, only the asset's name. */
        add_str(&b, asset, "name", finding_asset_label(f, addr, sizeof addr));
    }
    add_item(&b, o, "asset", asset);
    if (f->port) {
        add_num(&b, o, "port", f->port);
        add_str(&b, o, "protocol", f->protocol ? f->protocol : "tcp");
    }
    cJSON *facts = cJSON_CreateObject();
    for (size_t i = 0; facts && i < f->n_facts; i++)
        add_str(&b, facts, f->facts[i].key, f->facts[i].value);
    add_item(&b, o, "facts", facts);
    add_str(&b, o, "key_fact", f->key_fact);
    add_item(&b, o, "references", str_array(&b, f->refs, f->n_refs));
    add_item(&b, o, "evidence", str_array(&b, f->evidence_ids, f->n_evidence));
    add_str(&b, o, "fingerprint", f->fingerprint);
    if (b.failed) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Text evidence stays readable in the document; anything else is base64. Only well-formed
 * UTF-8 counts as text (no overlong forms, surrogates or code points above U+10FFFF): every
 * JSON reader must be able to take the document. */
static bool is_plain_text(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
                return false;
            i++;
            continue;
        }
        size_t extra;
        unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf)
            extra = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            if (c == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else
            return false;
        if (i + extra >= n)
            return false;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= extra; k++)
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
        i += extra + 1;
    }
    return true;
}

static cJSON *evidence_json(const struct evidence *ev)
{
    struct jb b = {false};
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_str(&b, o, "id", ev->id);
    add_str(&b, o, "media_type", ev->media_type);
    add_str(&b, o, "description", ev->description);
    add_num(&b, o, "length", (double)ev->len);
    add_str(&b, o, "sha256", ev->sha256);
    if (is_plain_text(ev->data, ev->len)) {
        char *s = malloc(ev->len + 1);
        if (s) {
            memcpy(s, ev->data, ev->len);
            s[ev->len] = '\0';
            add_str(&b, o, "encoding", "utf-8");
            add_str(&b, o, "data", s);
            free(s);
        } else {
            b.failed = true;
        }
    } else {
        char *s = malloc(4 * ((ev->len + 2) / 3) + 1);
        if (s) {
            EVP_EncodeBlock((unsigned char *)s, ev->data, (int)ev->len);
            add_str(&b, o, "encoding", "base64");
            add_str(&b, o, "data", s);
            free(s);
        } else {
            b.failed = true;
        }
    }
    if (b.failed) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *scan_json(struct jb *b, const struct scan_meta *m)
{
    char addr[RM_ADDRSTRLEN], seed[24];
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        b->failed = true;
        return NULL;
    }
    add_str(b, o, "id", m->id);
    if (!cJSON_AddBoolToObject(o, "complete", m->complete))
        b->failed = true;
    add_str(b, o, "incomplete_reason", m->incomplete_reason);
    add_str(b, o, "riskmap_version", m->riskmap_version);
    add_str(b, o, "started_utc", m->started_utc);
    add_str(b, o, "finished_utc", m->finished_utc);
    add_str(b, o, "operator", m->operator_name);
    add_str(b, o, "scanner_host", m->scanner_host);
    add_item(b, o, "command_line", str_array(b, m->command_line, m->n_command_line));

    cJSON *scope = cJSON_CreateObject();
    if (scope) {
        add_item(b, scope, "targets", str_array(b, m->targets, m->n_targets));
        add_item(b, scope, "exclusions", str_array(b, m->excludes, m->n_excludes));
        cJSON *names = cJSON_CreateArray();
        for (size_t i = 0; names && i < m->n_names; i++) {
            cJSON *n = cJSON_CreateObject();
            if (n) {
                add_str(b, n, "name", m->names[i].name);
                add_str(b, n, "address", addr_str(&m->names[i].addr, addr, sizeof addr));
            }
            push(b, names, n);
        }
        add_item(b, scope, "resolved", names);
        add_num(b, scope, "address_count", (double)m->settings.address_count);
    }
    add_item(b, o, "scope", scope);

    cJSON *ports = cJSON_CreateObject();
    if (ports) {
        add_str(b, ports, "spec", m->settings.ports_spec);
        add_str(b, ports, "scanned", m->settings.ports_scanned);
        add_num(b, ports, "count", (double)m->settings.port_count);
    }
    add_item(b, o, "ports", ports);

    const struct scan_settings *s = &m->settings;
    cJSON *set = cJSON_CreateObject();
    if (set) {
        add_num(b, set, "rate", s->rate);
        add_num(b, set, "max_concurrency", s->max_concurrency);
        add_num(b, set, "retries", s->retries);
        add_num(b, set, "threads", s->threads);
        add_num(b, set, "initial_timeout_ms", s->initial_timeout_ms);
        add_num(b, set, "min_timeout_ms", s->min_timeout_ms);
        add_num(b, set, "max_timeout_ms", s->max_timeout_ms);
        /* 64-bit: a JSON number would lose bits in most readers. */
        snprintf(seed, sizeof seed, "%016llx", (unsigned long long)s->seed);
        add_str(b, set, "seed", seed);
        add_str(b, set, "scan_type", s->scan_type);
        add_str(b, set, "discovery", s->discovery);
        add_str(b, set, "alive_ports", s->alive_ports);
    }
    add_item(b, o, "settings", set);

    const struct scan_stats *st = &m->stats;
    cJSON *stats = cJSON_CreateObject();
    if (stats) {
        add_num(b, stats, "probes_sent", (double)st->probes_sent);
        add_num(b, stats, "ports_done", (double)st->ports_done);
        add_num(b, stats, "open", (double)st->open);
        add_num(b, stats, "closed", (double)st->closed);
        add_num(b, stats, "filtered", (double)st->filtered);
        add_num(b, stats, "hosts_up", (double)st->hosts_up);
        add_num(b, stats, "duration_s", ms3(st->duration_s));
    }
    add_item(b, o, "stats", stats);
    return o;
}

char *result_to_json(const struct scan_result *r)
{
    struct jb b = {false};
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    add_str(&b, doc, "format", SCAN_FORMAT);
    add_num(&b, doc, "format_version", SCAN_FORMAT_VERSION);
    add_item(&b, doc, "scan", scan_json(&b, &r->meta));
    cJSON *hosts = cJSON_CreateArray();
    for (size_t i = 0; hosts && i < r->n_hosts; i++)
        push(&b, hosts, result_host_json(&r->hosts[i], 1));
    add_item(&b, doc, "hosts", hosts);
    cJSON *findings = cJSON_CreateArray();
    for (size_t i = 0; findings && i < r->n_findings; i++)
        push(&b, findings, result_finding_json(r->findings[i], i));
    add_item(&b, doc, "findings", findings);
    cJSON *evidence = cJSON_CreateArray();
    for (size_t i = 0; evidence && i < r->n_evidence; i++)
        push(&b, evidence, evidence_json(r->evidence[i]));
    add_item(&b, doc, "evidence", evidence);
    /* By reference: the tree stays the scan's, deleting doc leaves it alone. */
    if (r->evaluation && !cJSON_AddItemReferenceToObject(doc, "evaluation", r->evaluation))
        b.failed = true;
    char *text = b.failed ? NULL : cJSON_Print(doc);
    cJSON_Delete(doc);
    return text;
}

int result_write(const struct scan_result *r, const char *path, struct rm_err *e)
{
    char *text = result_to_json(r);
    if (!text)
        return rm_errf(e, "%s: out of memory while building the document", path);
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the NUL: files end with a newline */
    int rc = atomic_write(path, text, len + 1, 0600, e);
    free(text);
    return rc;
}
