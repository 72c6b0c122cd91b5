/* JSON document -> scan model. The input is untrusted (a file handed over from another
 * machine): every field is type-checked, strings and arrays are bounded by the document size
 * limit, and errors name the JSON path of the offending field. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/atomic.h"
#include "scanner/json_stream.h"
#include "scanner/result.h"

struct rd {
    const char *label;
    struct rm_err *e;
};

static int bad(struct rd *rd, const char *path, const char *why)
{
    return rm_errf(rd->e, "%s: %s: %s", rd->label, path, why);
}

/* The message names path.key; built only on failure, since formatting a path for every
 * field read was a fifth of the load time. */
static int bad_key(struct rd *rd, const char *path, const char *key, const char *why)
{
    return rm_errf(rd->e, "%s: %s.%s: %s", rd->label, path, key, why);
}

/* cJSON_GetObjectItemCaseSensitive, same answers (the first member of that name; NULL at a
 * nameless child, as in an array), with the first byte compared inline: the lookups of a
 * finding's dozen fields were a seventh of the load, mostly in calls to strcmp. */
static const cJSON *member(const cJSON *o, const char *key)
{
    if (!o || !key)
        return NULL;
    for (const cJSON *c = o->child; c; c = c->next) {
        if (!c->string)
            return NULL;
        if (c->string[0] == key[0] && strcmp(c->string, key) == 0)
            return c;
    }
    return NULL;
}

/* Required or optional string member, borrowed from the tree (NULL when optional and
 * absent). Borrowing spares a copy and a free for the many strings the model copies anyway
 * or only looks at. */
static int get_sv(struct rd *rd, const cJSON *o, const char *key, const char *path,
                  bool required, const char **out)
{
    const cJSON *v = member(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = NULL;
        return required ? bad_key(rd, path, key, "missing") : 0;
    }
    if (!cJSON_IsString(v))
        return bad_key(rd, path, key, "not a string");
    *out = v->valuestring;
    return 0;
}

/* As get_sv, but *out is a new copy for the model to own. */
static int get_str(struct rd *rd, const cJSON *o, const char *key, const char *path,
                   bool required, char **out)
{
    const char *v = NULL;
    *out = NULL;
    if (get_sv(rd, o, key, path, required, &v) < 0)
        return -1;
    if (v && !(*out = strdup(v)))
        return bad_key(rd, path, key, "out of memory");
    return 0;
}

static int get_num(struct rd *rd, const cJSON *o, const char *key, const char *path,
                   bool required, double lo, double hi, double *out)
{
    const cJSON *v = member(o, key);
    if (!v) {
        if (required)
            return bad_key(rd, path, key, "missing");
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return bad_key(rd, path, key, "not a number");
    if (!(v->valuedouble >= lo && v->valuedouble <= hi))
        return bad_key(rd, path, key, "out of range");
    *out = v->valuedouble;
    return 0;
}

static int get_u64(struct rd *rd, const cJSON *o, const char *key, const char *path, uint64_t *out)
{
    double d = 0;
    if (get_num(rd, o, key, path, false, 0, 9007199254740992.0, &d) < 0)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static int get_strv(struct rd *rd, const cJSON *o, const char *key, const char *path,
                    char ***out, size_t *n)
{
    const cJSON *a = member(o, key);
    *out = NULL;
    *n = 0;
    if (!a)
        return 0;
    if (!cJSON_IsArray(a))
        return bad_key(rd, path, key, "not an array");
    int count = cJSON_GetArraySize(a);
    if (count == 0)
        return 0;
    char **v = calloc((size_t)count, sizeof *v);
    if (!v)
        return bad_key(rd, path, key, "out of memory");
    *out = v;
    const cJSON *it;
    cJSON_ArrayForEach(it, a) {
        if (!cJSON_IsString(it))
            return bad_key(rd, path, key, "element is not a string");
        if (!(v[*n] = strdup(it->valuestring)))
            return bad_key(rd, path, key, "out of memory");
        (*n)++;
    }
    return 0;
}

static int get_addr(struct rd *rd, const cJSON *o, const char *path, struct rm_addr *out)
{
    const char *s = NULL;
    if (get_sv(rd, o, "address", path, true, &s) < 0)
        return -1;
    return addr_parse(s, out) < 0 ? bad_key(rd, path, "address", "not an IP address") : 0;
}

static const cJSON *get_obj(struct rd *rd, const cJSON *o, const char *key, const char *path,
                            bool required, int *err)
{
    const cJSON *v = member(o, key);
    if (!v) {
        if (required)
            *err = bad_key(rd, path, key, "missing");
        return NULL;
    }
    if (!cJSON_IsObject(v)) {
        *err = bad_key(rd, path, key, "not an object");
        return NULL;
    }
    return v;
}

static int read_meta(struct rd *rd, const cJSON *scan, struct scan_meta *m)
{
    const char *p = "scan";
    int err = 0;
    const cJSON *complete = cJSON_GetObjectItemCaseSensitive(scan, "complete");
    if (!cJSON_IsBool(complete))
        return bad(rd, "scan.complete", complete ? "not a boolean" : "missing");
    m->complete = cJSON_IsTrue(complete);
    if (get_str(rd, scan, "id", p, false, &m->id) < 0 ||
        get_str(rd, scan, "incomplete_reason", p, false, &m->incomplete_reason) < 0 ||
        get_str(rd, scan, "riskmap_version", p, true, &m->riskmap_version) < 0 ||
        get_str(rd, scan, "started_utc", p, true, &m->started_utc) < 0 ||
        get_str(rd, scan, "finished_utc", p, false, &m->finished_utc) < 0 ||
        get_str(rd, scan, "operator", p, false, &m->operator_name) < 0 ||
        get_str(rd, scan, "scanner_host", p, false, &m->scanner_host) < 0 ||
        get_strv(rd, scan, "command_line", p, &m->command_line, &m->n_command_line) < 0)
        return -1;

    const cJSON *scope = get_obj(rd, scan, "scope", p, true, &err);
    if (!scope)
        return -1;
    if (get_strv(rd, scope, "targets", "scan.scope", &m->targets, &m->n_targets) < 0 ||
        get_strv(rd, scope, "exclusions", "scan.scope", &m->excludes, &m->n_excludes) < 0 ||
        get_u64(rd, scope, "address_count", "scan.scope", &m->settings.address_count) < 0)
        return -1;
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(scope, "resolved");
    if (names) {
        if (!cJSON_IsArray(names))
            return bad(rd, "scan.scope.resolved", "not an array");
        int count = cJSON_GetArraySize(names);
        if (count > 0 && !(m->names = calloc((size_t)count, sizeof *m->names)))
            return bad(rd, "scan.scope.resolved", "out of memory");
        const cJSON *it;
        cJSON_ArrayForEach(it, names) {
            char where[64];
            snprintf(where, sizeof where, "scan.scope.resolved[%zu]", m->n_names);
            if (!cJSON_IsObject(it))
                return bad(rd, where, "not an object");
            struct resolved_name *rn = &m->names[m->n_names];
            if (get_str(rd, it, "name", where, true, &rn->name) < 0)
                return -1;
            m->n_names++;
            if (get_addr(rd, it, where, &rn->addr) < 0)
                return -1;
        }
    }

    const cJSON *ports = get_obj(rd, scan, "ports", p, false, &err);
    if (err)
        return -1;
    if (ports && (get_str(rd, ports, "spec", "scan.ports", false, &m->settings.ports_spec) < 0 ||
                  get_str(rd, ports, "scanned", "scan.ports", false, &m->settings.ports_scanned) < 0 ||
                  get_u64(rd, ports, "count", "scan.ports", &m->settings.port_count) < 0))
        return -1;

    const cJSON *set = get_obj(rd, scan, "settings", p, false, &err);
    if (err)
        return -1;
    if (set) {
        struct scan_settings *s = &m->settings;
        double conc = 0, retries = 0, threads = 0;
        const char *sp = "scan.settings";
        const char *seed = NULL;
        if (get_num(rd, set, "rate", sp, false, 0, 1e9, &s->rate) < 0 ||
            get_num(rd, set, "max_concurrency", sp, false, 0, 1e7, &conc) < 0 ||
            get_num(rd, set, "retries", sp, false, 0, 100, &retries) < 0 ||
            get_num(rd, set, "threads", sp, false, 0, 1024, &threads) < 0 ||
            get_num(rd, set, "initial_timeout_ms", sp, false, 0, 1e7, &s->initial_timeout_ms) < 0 ||
            get_num(rd, set, "min_timeout_ms", sp, false, 0, 1e7, &s->min_timeout_ms) < 0 ||
            get_num(rd, set, "max_timeout_ms", sp, false, 0, 1e7, &s->max_timeout_ms) < 0 ||
            get_sv(rd, set, "seed", sp, false, &seed) < 0 ||
            get_str(rd, set, "scan_type", sp, false, &s->scan_type) < 0 ||
            get_str(rd, set, "discovery", sp, false, &s->discovery) < 0 ||
            get_str(rd, set, "alive_ports", sp, false, &s->alive_ports) < 0)
            return -1;
        s->max_concurrency = (unsigned)conc;
        s->retries = (unsigned)retries;
        s->threads = (unsigned)threads;
        if (seed) {
            char *end;
            s->seed = strtoull(seed, &end, 16);
            if (!(*seed && *end == '\0' && strlen(seed) <= 16))
                return bad(rd, "scan.settings.seed", "not a 64-bit hex number");
        }
    }

    const cJSON *stats = get_obj(rd, scan, "stats", p, false, &err);
    if (err)
        return -1;
    if (stats) {
        struct scan_stats *st = &m->stats;
        const char *sp = "scan.stats";
        if (get_u64(rd, stats, "probes_sent", sp, &st->probes_sent) < 0 ||
            get_u64(rd, stats, "ports_done", sp, &st->ports_done) < 0 ||
            get_u64(rd, stats, "open", sp, &st->open) < 0 ||
            get_u64(rd, stats, "closed", sp, &st->closed) < 0 ||
            get_u64(rd, stats, "filtered", sp, &st->filtered) < 0 ||
            get_u64(rd, stats, "hosts_up", sp, &st->hosts_up) < 0 ||
            get_num(rd, stats, "duration_s", sp, false, 0, 1e9, &st->duration_s) < 0)
            return -1;
    }
    return 0;
}

static int read_service(struct rd *rd, const cJSON *o, const char *path, struct host *h)
{
    double port = 0, rtt = -1;
    const char *state = NULL, *name = NULL, *reason = NULL, *proto = NULL;
    enum port_state ps = PORT_OPEN;
    enum svc_proto pr = SVC_TCP;
    if (!cJSON_IsObject(o))
        return bad(rd, path, "not an object");
    if (get_num(rd, o, "port", path, true, 1, 65535, &port) < 0 ||
        get_num(rd, o, "rtt_ms", path, false, 0, 1e9, &rtt) < 0 ||
        get_sv(rd, o, "state", path, true, &state) < 0 ||
        get_sv(rd, o, "protocol", path, false, &proto) < 0 ||
        get_sv(rd, o, "name", path, false, &name) < 0 ||
        get_sv(rd, o, "reason", path, false, &reason) < 0)
        return -1;
    if (port != (double)(uint16_t)port)
        return bad(rd, path, "port is not an integer");
    if (port_state_parse(state, &ps) < 0)
        return bad(rd, path, "state is not open, closed or filtered");
    /* Documents older than the UDP stage have no protocol: every service was TCP. */
    if (proto && svc_proto_parse(proto, &pr) < 0)
        return bad(rd, path, "protocol is not tcp or udp");
    struct service *sv = host_add_service(h, (uint16_t)port, ps, name, reason, rtt);
    if (!sv)
        return bad(rd, path, "out of memory");
    sv->proto = pr;
    if (get_str(rd, o, "method", path, false, &sv->method) < 0 ||
        get_str(rd, o, "product", path, false, &sv->product) < 0 ||
        get_str(rd, o, "version", path, false, &sv->version) < 0 ||
        get_str(rd, o, "info", path, false, &sv->info) < 0 ||
        get_str(rd, o, "cpe", path, false, &sv->cpe) < 0 ||
        get_str(rd, o, "evidence", path, false, &sv->evidence_id) < 0 ||
        get_str(rd, o, "detection_note", path, false, &sv->detect_note) < 0)
        return -1;
    return 0;
}

static int read_host(struct rd *rd, const cJSON *o, const char *path, struct scan_result *r)
{
    struct rm_addr a;
    int err = 0;
    if (!cJSON_IsObject(o))
        return bad(rd, path, "not an object");
    if (get_addr(rd, o, path, &a) < 0)
        return -1;
    struct host *h = scan_add_host(r, &a);
    if (!h)
        return bad(rd, path, "out of memory");
    double rtt = -1, n_open = 0, n_closed = 0, n_filt = 0;
    if (get_str(rd, o, "hostname", path, false, &h->hostname) < 0 ||
        get_str(rd, o, "reason", path, false, &h->reason) < 0 ||
        get_str(rd, o, "mac", path, false, &h->mac) < 0 ||
        get_num(rd, o, "rtt_ms", path, false, 0, 1e9, &rtt) < 0)
        return -1;
    h->rtt_ms = rtt;
    char where[128];
    json_path_join(where, sizeof where, path, "ports", 0, false);
    const cJSON *counts = get_obj(rd, o, "ports", path, false, &err);
    if (err)
        return -1;
    if (counts && (get_num(rd, counts, "open", where, false, 0, 65535, &n_open) < 0 ||
                   get_num(rd, counts, "closed", where, false, 0, 65535, &n_closed) < 0 ||
                   get_num(rd, counts, "filtered", where, false, 0, 65535, &n_filt) < 0))
        return -1;
    h->n_open = (uint32_t)n_open;
    h->n_closed = (uint32_t)n_closed;
    h->n_filtered = (uint32_t)n_filt;
    const cJSON *svcs = member(o, "services");
    if (svcs && !cJSON_IsArray(svcs))
        return bad(rd, path, "services is not an array");
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, svcs) {
        json_path_join(where, sizeof where, path, "services", i++, true);
        if (read_service(rd, it, where, h) < 0)
            return -1;
    }
    return 0;
}

static int read_finding(struct rd *rd, const cJSON *o, const char *path, struct scan_result *r)
{
    if (!cJSON_IsObject(o))
        return bad(rd, path, "not an object");
    const char *kind = NULL, *check = NULL, *sev = NULL, *title = NULL;
    struct finding *f = NULL;
    int rc = -1, err = 0;
    enum severity s = SEV_INFO;
    struct rm_addr a;
    double port = 0;
    char where[160];
    if (get_sv(rd, o, "kind", path, true, &kind) < 0 ||
        get_sv(rd, o, "check", path, true, &check) < 0 ||
        get_sv(rd, o, "severity", path, true, &sev) < 0 ||
        get_sv(rd, o, "title", path, true, &title) < 0 ||
        get_num(rd, o, "port", path, false, 0, 65535, &port) < 0)
        goto out;
    if (port != (double)(uint16_t)port) {
        snprintf(where, sizeof where, "%s.port", path);
        bad(rd, where, "not an integer");
        goto out;
    }
    if (severity_parse(sev, &s) < 0) {
        snprintf(where, sizeof where, "%s.severity", path);
        bad(rd, where, "not one of info, low, medium, high, critical");
        goto out;
    }
    const cJSON *asset = get_obj(rd, o, "asset", path, true, &err);
    if (!asset)
        goto out;
    json_path_join(where, sizeof where, path, "asset", 0, false);
    /* A site-wide finding names its asset instead of an address. */
    const char *site = NULL;
    memset(&a, 0, sizeof a);
    if (member(asset, "address") ? get_addr(rd, asset, where, &a) < 0
                                 : get_sv(rd, asset, "name", where, true, &site) < 0)
        goto out;
    if (!(f = finding_new(kind, check, s, title, &a, (uint16_t)port))) {
        bad(rd, path, "out of memory");
        goto out;
    }
    const char *fp = NULL, *proto = NULL;
    if (f->protocol && get_sv(rd, o, "protocol", path, false, &proto) < 0)
        goto out;
    /* finding_new already says "tcp"; only another protocol needs replacing. */
    if (proto && strcmp(proto, f->protocol) != 0) {
        enum svc_proto pr;
        if (svc_proto_parse(proto, &pr) < 0 || finding_set_protocol(f, proto) < 0) {
            bad(rd, path, "protocol is not tcp or udp");
            goto out;
        }
    }
    if (site && finding_set_site_asset(f, site) < 0) {
        bad(rd, path, "out of memory");
        goto out;
    }
    if (get_str(rd, asset, "hostname", where, false, &f->hostname) < 0 ||
        get_str(rd, o, "detail", path, false, &f->detail) < 0 ||
        get_str(rd, o, "key_fact", path, false, &f->key_fact) < 0 ||
        get_strv(rd, o, "references", path, &f->refs, &f->n_refs) < 0 ||
        get_strv(rd, o, "evidence", path, &f->evidence_ids, &f->n_evidence) < 0 ||
        get_sv(rd, o, "fingerprint", path, true, &fp) < 0)
        goto out;
    size_t fplen = strlen(fp);
    if (fplen != FINGERPRINT_HEX_LEN || strspn(fp, "0123456789abcdef") != fplen) {
        snprintf(where, sizeof where, "%s.fingerprint", path);
        bad(rd, where, "not a SHA-256 hex digest");
        goto out;
    }
    memcpy(f->fingerprint, fp, FINGERPRINT_HEX_LEN + 1);
    const cJSON *facts = get_obj(rd, o, "facts", path, false, &err);
    if (err)
        goto out;
    const cJSON *it;
    cJSON_ArrayForEach(it, facts) {
        if (!cJSON_IsString(it)) {
            snprintf(where, sizeof where, "%s.facts", path);
            bad(rd, where, "fact value is not a string");
            goto out;
        }
        if (finding_add_fact(f, it->string, it->valuestring) < 0) {
            bad(rd, path, "out of memory");
            goto out;
        }
    }
    rc = scan_add_finding(r, f);
    f = NULL;
    if (rc < 0)
        bad(rd, path, "out of memory");
out:
    finding_free(f);
    return rc;
}

static int read_evidence(struct rd *rd, const cJSON *o, const char *path, struct scan_result *r)
{
    if (!cJSON_IsObject(o))
        return bad(rd, path, "not an object");
    const char *id = NULL, *media = NULL, *desc = NULL, *enc = NULL, *data = NULL, *sha = NULL;
    unsigned char *decoded = NULL;
    const unsigned char *raw = NULL;
    size_t rawlen = 0;
    int rc = -1;
    if (get_sv(rd, o, "id", path, true, &id) < 0 ||
        get_sv(rd, o, "media_type", path, true, &media) < 0 ||
        get_sv(rd, o, "description", path, false, &desc) < 0 ||
        get_sv(rd, o, "encoding", path, true, &enc) < 0 ||
        get_sv(rd, o, "data", path, true, &data) < 0 ||
        get_sv(rd, o, "sha256", path, false, &sha) < 0)
        return -1;
    size_t dlen = strlen(data);
    if (strcmp(enc, "utf-8") == 0) {
        raw = (const unsigned char *)data;
        rawlen = dlen;
    } else if (strcmp(enc, "base64") == 0) {
        if (dlen % 4 != 0 || dlen > (size_t)0x7ffffff0)
            return bad_key(rd, path, "data", "invalid base64");
        decoded = malloc(dlen / 4 * 3 + 1);
        int n = decoded ? EVP_DecodeBlock(decoded, (const unsigned char *)data, (int)dlen) : -1;
        if (n < 0) {
            bad_key(rd, path, "data", "invalid base64");
            goto out;
        }
        /* EVP_DecodeBlock counts padding as data bytes; take them back off. */
        rawlen = (size_t)n;
        if (dlen >= 1 && data[dlen - 1] == '=')
            rawlen--;
        if (dlen >= 2 && data[dlen - 2] == '=')
            rawlen--;
        raw = decoded;
    } else {
        return bad_key(rd, path, "encoding", "not utf-8 or base64");
    }
    double declared = -1;
    if (get_num(rd, o, "length", path, false, 0, 1e12, &declared) < 0)
        goto out;
    if (declared >= 0 && declared != (double)rawlen) {
        bad_key(rd, path, "length", "does not match the data");
        goto out;
    }
    struct evidence *ev = evidence_new(id, media, desc, raw, rawlen);
    if (!ev) {
        bad(rd, path, "out of memory");
        goto out;
    }
    if (sha && strcmp(sha, ev->sha256) != 0) {
        evidence_free(ev);
        bad_key(rd, path, "sha256", "does not match the data");
        goto out;
    }
    rc = scan_adopt_evidence(r, ev);
    if (rc < 0)
        bad(rd, path, "out of memory");
out:
    free(decoded);
    return rc;
}

/* format, format_version and the scan metadata. */
static int read_header(struct rd *rd, const cJSON *doc, struct scan_result *r)
{
    int err = 0;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, SCAN_FORMAT) != 0)
        return bad(rd, "format", "not a riskmap scan result");
    double ver = 0;
    if (get_num(rd, doc, "format_version", "$", true, 0, 1e6, &ver) < 0)
        return -1;
    if (ver != SCAN_FORMAT_VERSION)
        return rm_errf(rd->e, "%s: format_version %g is not supported (this riskmap reads %d)",
                       rd->label, ver, SCAN_FORMAT_VERSION);
    const cJSON *scan = get_obj(rd, doc, "scan", "$", true, &err);
    if (!scan || read_meta(rd, scan, &r->meta) < 0)
        return -1;
    return 0;
}

/* Policy results, when the scan was evaluated: kept whole for the stages after it, which
 * check what they use. Detached from doc into r. */
static int take_evaluation(struct rd *rd, cJSON *doc, struct scan_result *r)
{
    cJSON *evaluation = cJSON_GetObjectItemCaseSensitive(doc, "evaluation");
    if (!evaluation)
        return 0;
    const cJSON *ef = cJSON_GetObjectItemCaseSensitive(evaluation, "format");
    if (!cJSON_IsObject(evaluation) || !cJSON_IsString(ef) ||
        strcmp(ef->valuestring, "riskmap-policy-evaluation") != 0)
        return bad(rd, "evaluation", "not a riskmap policy evaluation");
    r->evaluation = cJSON_DetachItemViaPointer(doc, evaluation);
    return 0;
}

typedef int (*read_item_fn)(struct rd *, const cJSON *, const char *, struct scan_result *);

static const struct {
    const char *key;
    read_item_fn fn;
} lists[] = {{"hosts", read_host}, {"findings", read_finding}, {"evidence", read_evidence}};
#define N_LISTS (sizeof lists / sizeof lists[0])

/* The reference reader: the whole document as one cJSON tree, then checked field by field.
 * Its errors are the reader's errors (see result_parse). */
static int parse_tree(struct rd *rd, const char *json, size_t len, struct scan_result **out)
{
    struct rm_err *e = rd->e;
    const char *endp = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(json, len, &endp, 0);
    if (doc) {
        while (endp < json + len && (*endp == ' ' || *endp == '\n' || *endp == '\r' || *endp == '\t'))
            endp++;
        if (endp != json + len) {
            cJSON_Delete(doc);
            return rm_errf(e, "%s: trailing data after the document (byte %ld)", rd->label,
                           (long)(endp - json));
        }
    }
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        return rm_errf(e, "%s: not valid JSON (near byte %ld)", rd->label,
                       at && at >= json && at <= json + len ? (long)(at - json) : -1L);
    }
    struct scan_result *r = scan_result_new();
    int rc = -1;
    if (!r) {
        bad(rd, "$", "out of memory");
        goto out;
    }
    if (!cJSON_IsObject(doc)) {
        bad(rd, "$", "not a JSON object");
        goto out;
    }
    if (read_header(rd, doc, r) < 0)
        goto out;
    for (size_t l = 0; l < N_LISTS; l++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, lists[l].key);
        if (!cJSON_IsArray(a)) {
            bad(rd, lists[l].key, a ? "not an array" : "missing");
            goto out;
        }
        size_t i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, a) {
            char where[64];
            json_path_join(where, sizeof where, "", lists[l].key, i++, true);
            if (lists[l].fn(rd, it, where, r) < 0)
                goto out;
        }
    }
    if (take_evaluation(rd, doc, r) < 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(doc);
    if (rc == 0)
        *out = r;
    else
        scan_result_free(r);
    return rc;
}

/* Streaming (scanner/json_stream.h): the top-level object is walked member by member, and
 * each element of hosts, findings and evidence is parsed by cJSON on its own, read into the
 * model and freed before the next. The whole tree never exists, which is most of the load
 * time in a fresh process (page faults) and most of its memory. result_load does not even
 * hold the file: it reads it through a window.
 *
 * This path only ever accepts: on any surprise (a syntax error, a failed check, a missing
 * list, a bound passed, a read error) it answers 1 and the caller runs parse_tree on the whole
 * document, whose errors and acceptance are the reference. It is equivalent on what it
 * accepts because json_stream reads as cJSON does, the first member of a name wins as with
 * cJSON_GetObjectItem, and every check passes in either order. */
#define STREAM_MAX_DEPTH 64 /* far below cJSON's nesting limit, which pieces count afresh */
#define STREAM_WINDOW (256u * 1024) /* first window onto a file; grows for a larger element */

static const struct json_limits stream_limits = {RESULT_MAX_BYTES, RESULT_MAX_VALUES,
                                                 STREAM_MAX_DEPTH};

struct list_ctx {
    struct rd *rd;
    const char *key;
    read_item_fn fn;
    struct scan_result *r;
};

static int read_elem(void *ctx, const cJSON *it, size_t i)
{
    struct list_ctx *c = ctx;
    char where[64];
    json_path_join(where, sizeof where, "", c->key, i, true);
    return c->fn(c->rd, it, where, c->r) < 0 ? 1 : 0;
}

struct doc_ctx {
    struct rd *rd;
    struct scan_result *r;
};

static int read_list(void *ctx, size_t l, struct json_src *s)
{
    struct doc_ctx *d = ctx;
    struct list_ctx c = {d->rd, lists[l].key, lists[l].fn, d->r};
    return json_each(s, read_elem, &c) != 0;
}

static int parse_stream(struct rd *rd, struct json_src *s, struct scan_result **out)
{
    const char *keys[N_LISTS];
    for (size_t l = 0; l < N_LISTS; l++)
        keys[l] = lists[l].key;
    json_skip_start(s);
    cJSON *top = cJSON_CreateObject(); /* the members other than the lists */
    struct scan_result *r = scan_result_new();
    bool seen[N_LISTS];
    int rc = 1;
    if (!top || !r)
        goto out;
    struct doc_ctx d = {rd, r};
    if (json_walk_object(s, top, keys, N_LISTS, seen, read_list, &d) != 0 || !json_at_end(s))
        goto out;
    for (size_t l = 0; l < N_LISTS; l++)
        if (!seen[l]) /* parse_tree says which is missing */
            goto out;
    if (read_header(rd, top, r) < 0 || take_evaluation(rd, top, r) < 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(top);
    if (rc == 0)
        *out = r;
    else
        scan_result_free(r);
    return rc;
}

/* A document in memory, by the streaming reader when it may, else as one tree. */
static int parse_buffer(const char *json, size_t len, const char *label, bool try_stream,
                        struct scan_result **out, struct rm_err *e)
{
    struct rd rd = {label ? label : "scan result", e};
    if (len > RESULT_MAX_BYTES)
        return bad(&rd, "$", "document too large");
    /* cJSON builds the whole tree before any check, at some 64 bytes a value: bound the
     * number of values first so that a small hostile file cannot take gigabytes. */
    struct json_src s;
    json_src_mem(&s, json, len, &stream_limits);
    if (s.vc.n > RESULT_MAX_VALUES)
        return bad(&rd, "$", "too many JSON values");
    if (try_stream && s.vc.deepest <= STREAM_MAX_DEPTH) {
        /* Its messages are not the reader's: parse_tree's are, when it falls back. */
        struct rm_err scratch;
        struct rd srd = {rd.label, &scratch};
        if (parse_stream(&srd, &s, out) == 0)
            return 0;
    }
    return parse_tree(&rd, json, len, out);
}

int result_parse(const char *json, size_t len, const char *label, struct scan_result **out,
                 struct rm_err *e)
{
    return parse_buffer(json, len, label, true, out, e);
}

/* A regular file streamed through a window, never held whole; 0, or 1 to fall back. */
static int stream_file(const char *path, struct scan_result **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    struct stat st;
    struct json_src s = {.buf = NULL};
    int rc = 1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        json_src_fd(&s, fd, STREAM_WINDOW, &stream_limits) == 0) {
        struct rm_err scratch;
        struct rd rd = {path, &scratch};
        rc = parse_stream(&rd, &s, out);
    }
    json_src_free(&s);
    close(fd);
    return rc;
}

int result_load(const char *path, struct scan_result **out, struct rm_err *e)
{
    if (strcmp(path, "-") != 0 && stream_file(path, out) == 0)
        return 0;
    /* Anything else (stdin, a read error, a bound, a document the streaming reader does not
     * accept) is read whole, so that the message is the whole-document reader's. */
    char *buf = NULL;
    size_t len = 0;
    if (read_file_bounded(path, RESULT_MAX_BYTES, &buf, &len, e) < 0)
        return -1;
    int rc = parse_buffer(buf, len, path, false, out, e);
    free(buf);
    return rc;
}
