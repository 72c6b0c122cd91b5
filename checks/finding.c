#include "finding.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scanner/model.h"

static const char *const severity_names[] = {
    [SEV_INFO] = "info", [SEV_LOW] = "low", [SEV_MEDIUM] = "medium",
    [SEV_HIGH] = "high", [SEV_CRITICAL] = "critical",
};

const char *severity_name(enum severity s)
{
    if ((unsigned)s > SEV_CRITICAL)
        return "info";
    return severity_names[s];
}

int severity_parse(const char *s, enum severity *out)
{
    for (unsigned i = 0; i <= SEV_CRITICAL; i++) {
        if (strcasecmp(s, severity_names[i]) == 0) {
            *out = (enum severity)i;
            return 0;
        }
    }
    return -1;
}

/* The finding and its kind, check and title are one allocation (nothing replaces those
 * three): a 100,000-finding scan result read back made 300,000 fewer small allocations. */
struct finding *finding_new(const char *kind, const char *check, enum severity sev,
                            const char *title, const struct rm_addr *addr, uint16_t port)
{
    if (!kind || !check || !title)
        return NULL;
    size_t lk = strlen(kind) + 1, lc = strlen(check) + 1, lt = strlen(title) + 1;
    struct finding *f = malloc(sizeof *f + lk + lc + lt);
    if (!f)
        return NULL;
    memset(f, 0, sizeof *f);
    char *at = (char *)(f + 1);
    f->kind = memcpy(at, kind, lk);
    f->check = memcpy(at + lk, check, lc);
    f->title = memcpy(at + lk + lc, title, lt);
    f->severity = sev;
    if (addr)
        f->addr = *addr;
    f->port = port;
    if (port && !(f->protocol = rm_strdup("tcp"))) {
        finding_free(f);
        return NULL;
    }
    return f;
}

void finding_free(struct finding *f)
{
    if (!f)
        return;
    free(f->detail); /* kind, check and title are in f's own allocation */
    free(f->hostname);
    free(f->site_asset);
    free(f->protocol);
    free(f->key_fact);
    for (size_t i = 0; i < f->n_facts; i++)
        free(f->facts[i].key); /* the value lives in the key's allocation */
    free(f->facts);
    for (size_t i = 0; i < f->n_refs; i++)
        free(f->refs[i]);
    free(f->refs);
    for (size_t i = 0; i < f->n_evidence; i++)
        free(f->evidence_ids[i]);
    free(f->evidence_ids);
    free(f);
}

static int replace_str(char **slot, const char *s)
{
    char *copy = rm_strdup(s);
    if (s && !copy)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

int finding_set_detail(struct finding *f, const char *detail)
{
    return replace_str(&f->detail, detail);
}

int finding_set_hostname(struct finding *f, const char *hostname)
{
    return replace_str(&f->hostname, hostname);
}

int finding_set_site_asset(struct finding *f, const char *name)
{
    return replace_str(&f->site_asset, name);
}

const char *finding_asset_label(const struct finding *f, char *buf, size_t len)
{
    if (!f->addr.family)
        return f->site_asset ? f->site_asset : "site";
    return addr_str(&f->addr, buf, len);
}

int finding_set_protocol(struct finding *f, const char *protocol)
{
    if (!f->port)
        return -1;
    return replace_str(&f->protocol, protocol);
}

int finding_set_key_fact(struct finding *f, const char *key)
{
    return replace_str(&f->key_fact, key);
}

/* Appends a copy of s to a string vector. */
static int push_str(char ***vec, size_t *n, const char *s)
{
    char *copy = rm_strdup(s);
    if (!copy)
        return -1;
    char **grown = realloc(*vec, (*n + 1) * sizeof **vec);
    if (!grown) {
        free(copy);
        return -1;
    }
    grown[(*n)++] = copy;
    *vec = grown;
    return 0;
}

/* A fact's key and value share one allocation (the key's); the array grows by doubling from
 * four. A scan result is read back one fact at a time, 100,000 findings of several facts
 * each: a realloc of the array and two copies per fact were a tenth of `riskmap evaluate`. */
int finding_add_fact(struct finding *f, const char *key, const char *value)
{
    size_t n = f->n_facts;
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        struct fact *grown = realloc(f->facts, (n ? n * 2 : 4) * sizeof *grown);
        if (!grown)
            return -1;
        f->facts = grown;
    }
    if (!value)
        value = "";
    size_t kl = strlen(key), vl = strlen(value);
    char *kv = malloc(kl + vl + 2);
    if (!kv)
        return -1;
    memcpy(kv, key, kl + 1);
    memcpy(kv + kl + 1, value, vl + 1);
    f->facts[n].key = kv;
    f->facts[n].value = kv + kl + 1;
    f->n_facts = n + 1;
    return 0;
}

int finding_add_ref(struct finding *f, const char *ref)
{
    return push_str(&f->refs, &f->n_refs, ref);
}

int finding_add_evidence_id(struct finding *f, const char *id)
{
    return push_str(&f->evidence_ids, &f->n_evidence, id);
}

const char *finding_fact(const struct finding *f, const char *key)
{
    for (size_t i = 0; i < f->n_facts; i++)
        if (strcmp(f->facts[i].key, key) == 0)
            return f->facts[i].value;
    return NULL;
}

void sha256_hex(const void *data, size_t len, char out[FINGERPRINT_HEX_LEN + 1])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[FINGERPRINT_HEX_LEN] = '\0';
}

/* The identity is a versioned text with fields separated by 0x1f. Every field but the last
 * comes from riskmap itself (kind and key ids, an address, a protocol, a number) and never
 * holds 0x1f; the last, the key fact's value, may hold anything, which is harmless at the
 * end. Changing this format changes every fingerprint in every register: bump the "v1". */
void finding_fingerprint(struct finding *f)
{
    char addr[RM_ADDRSTRLEN];
    const char *key = f->key_fact ? f->key_fact : "";
    const char *val = f->key_fact ? finding_fact(f, f->key_fact) : NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        memset(f->fingerprint, '0', FINGERPRINT_HEX_LEN);
        f->fingerprint[FINGERPRINT_HEX_LEN] = '\0';
        return;
    }
    fprintf(m, "v1%c%s%c%s%c%s%c%u%c%s%c%s", 0x1f, f->kind, 0x1f,
            addr_str(&f->addr, addr, sizeof addr), 0x1f, f->protocol ? f->protocol : "", 0x1f,
            (unsigned)f->port, 0x1f, key, 0x1f, val ? val : "");
    fclose(m);
    sha256_hex(buf, len, f->fingerprint);
    free(buf);
}

struct evidence *evidence_new(const char *id, const char *media_type, const char *description,
                              const void *data, size_t len)
{
    struct evidence *ev = calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->id = rm_strdup(id);
    ev->media_type = rm_strdup(media_type ? media_type : "application/octet-stream");
    ev->description = rm_strdup(description ? description : "");
    ev->data = malloc(len ? len : 1);
    if (!ev->id || !ev->media_type || !ev->description || !ev->data) {
        evidence_free(ev);
        return NULL;
    }
    if (len)
        memcpy(ev->data, data, len);
    ev->len = len;
    sha256_hex(ev->data, len, ev->sha256);
    return ev;
}

void evidence_free(struct evidence *ev)
{
    if (!ev)
        return;
    free(ev->id);
    free(ev->media_type);
    free(ev->description);
    free(ev->data);
    free(ev);
}
