/* risk_detail rows by content: what the risks of one rule and finding kind share (kind, rule,
 * controls, framework references, remediation) is stored once, and a writer finds the
 * row of a risk's shared columns in a hash table it fills from the register on first use,
 * rather than serialising two JSON arrays and asking SQLite for each of 80,000 risks. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/model.h"
#include "scanner/register_impl.h"

/* One detail's content as bytes: each text length-prefixed (NULL and "" differ), each list
 * its count then its texts, the numbers as they are in memory. Two details are alike when
 * their keys are equal. */
struct key {
    unsigned char *b;
    size_t n, cap;
};

struct slot {
    uint64_t hash;
    unsigned char *key; /* owned; NULL: empty slot */
    size_t klen;
    sqlite3_int64 id;
};

struct reg_details {
    struct slot *v;
    size_t n, cap; /* cap a power of two */
    struct key scratch;
};

static size_t str_size(const char *s)
{
    return sizeof(uint32_t) + (s ? strlen(s) : 0);
}

static unsigned char *put_str(unsigned char *at, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
    memcpy(at, &n, sizeof n);
    at += sizeof n;
    if (s) {
        memcpy(at, s, n);
        at += n;
    }
    return at;
}

/* Sized first, then written: one growth check a risk, not one a field. */
static int key_of(struct key *k, const struct risk *r)
{
    const char *str[6] = {r->kind, r->policy_id, r->rule_id, r->remediation, r->initiative_id,
                          r->initiative_title};
    uint32_t nc = (uint32_t)r->n_controls, nf = (uint32_t)r->n_refs;
    int32_t nums[3] = {r->rule_likelihood, r->rule_impact, (int32_t)r->cost};
    size_t need = sizeof nums + sizeof r->effort_hours + sizeof nc + sizeof nf;
    for (int i = 0; i < 6; i++)
        need += str_size(str[i]);
    for (size_t i = 0; i < r->n_controls; i++)
        need += str_size(r->controls[i]);
    for (size_t i = 0; i < r->n_refs; i++)
        need += str_size(r->refs[i].framework) + str_size(r->refs[i].id);
    if (need > k->cap) {
        size_t cap = k->cap ? k->cap : 512;
        while (cap < need)
            cap *= 2;
        unsigned char *b = realloc(k->b, cap);
        if (!b)
            return -1;
        k->b = b;
        k->cap = cap;
    }
    unsigned char *at = k->b;
    for (int i = 0; i < 6; i++)
        at = put_str(at, str[i]);
    memcpy(at, nums, sizeof nums);
    at += sizeof nums;
    memcpy(at, &r->effort_hours, sizeof r->effort_hours);
    at += sizeof r->effort_hours;
    memcpy(at, &nc, sizeof nc);
    at += sizeof nc;
    for (size_t i = 0; i < r->n_controls; i++)
        at = put_str(at, r->controls[i]);
    memcpy(at, &nf, sizeof nf);
    at += sizeof nf;
    for (size_t i = 0; i < r->n_refs; i++) {
        at = put_str(at, r->refs[i].framework);
        at = put_str(at, r->refs[i].id);
    }
    k->n = (size_t)(at - k->b);
    return 0;
}

/* A word at a time: the keys are some hundreds of bytes, hashed once per risk written. */
static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 29);
}

static struct slot *find(struct reg_details *d, uint64_t h, const unsigned char *key, size_t n)
{
    for (size_t i = h & (d->cap - 1);; i = (i + 1) & (d->cap - 1)) {
        struct slot *s = &d->v[i];
        if (!s->key || (s->hash == h && s->klen == n && memcmp(s->key, key, n) == 0))
            return s;
    }
}

static int grow(struct reg_details *d)
{
    size_t cap = d->cap ? d->cap * 2 : 64;
    struct slot *v = calloc(cap, sizeof *v), *old = d->v;
    if (!v)
        return -1;
    size_t oldcap = d->cap;
    d->v = v;
    d->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key)
            *find(d, old[i].hash, old[i].key, old[i].klen) = old[i];
    free(old);
    return 0;
}

/* Enters the scratch key as id. */
static int add(struct reg_details *d, sqlite3_int64 id)
{
    if (2 * (d->n + 1) > d->cap && grow(d) < 0)
        return -1;
    uint64_t h = hash_bytes(d->scratch.b, d->scratch.n);
    struct slot *s = find(d, h, d->scratch.b, d->scratch.n);
    if (s->key)
        return 0; /* two alike rows in the file (an older writer's): the first serves */
    if (!(s->key = malloc(d->scratch.n ? d->scratch.n : 1)))
        return -1;
    memcpy(s->key, d->scratch.b, d->scratch.n);
    s->klen = d->scratch.n;
    s->hash = h;
    s->id = id;
    d->n++;
    return 0;
}

void reg_details_free(struct reg_details *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->cap; i++)
        free(d->v[i].key);
    free(d->v);
    free(d->scratch.b);
    free(d);
}

/* Every risk_detail row of the register into d. */
static int load(struct register_db *db, struct reg_details *d, struct rm_err *e)
{
    sqlite3_stmt *s = NULL;
    if (reg_prepare(db, "SELECT id, kind, policy_id, rule_id, controls, refs, "
                    "rule_likelihood, rule_impact, remediation, initiative_id, "
                    "initiative_title, effort_hours, cost FROM risk_detail ORDER BY id",
                    &s, e) < 0)
        return -1;
    /* The row's text through a register row reader: one place parses the lists. */
    int rc, out = 0;
    while (out == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct risk r = {0};
        if (reg_detail_row(s, 1, &r) < 0 || key_of(&d->scratch, &r) < 0 ||
            add(d, sqlite3_column_int64(s, 0)) < 0)
            out = rm_errf(e, "register: out of memory or a damaged detail row");
        risk_clear(&r);
    }
    if (out == 0 && rc != SQLITE_DONE)
        out = reg_fail(db, "read", e);
    sqlite3_finalize(s);
    return out;
}

static int insert(struct register_db *db, const struct risk *r, sqlite3_int64 *id,
                  struct rm_err *e)
{
    if (!db->detail_put &&
        reg_prepare(db, "INSERT INTO risk_detail(kind, policy_id, rule_id, controls, refs, "
                    "rule_likelihood, rule_impact, remediation, initiative_id, "
                    "initiative_title, effort_hours, cost) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                    &db->detail_put, e) < 0)
        return -1;
    char *controls = reg_controls_json(r), *refs = reg_refs_json(r);
    if (!controls || !refs) {
        free(controls);
        free(refs);
        return rm_errf(e, "register: out of memory");
    }
    sqlite3_stmt *s = db->detail_put;
    reg_bind_text(s, 1, r->kind);
    reg_bind_text(s, 2, r->policy_id);
    reg_bind_text(s, 3, r->rule_id);
    reg_bind_text(s, 4, controls);
    reg_bind_text(s, 5, refs);
    sqlite3_bind_int(s, 6, r->rule_likelihood);
    sqlite3_bind_int(s, 7, r->rule_impact);
    reg_bind_text(s, 8, r->remediation);
    reg_bind_text(s, 9, r->initiative_id);
    reg_bind_text(s, 10, r->initiative_title);
    sqlite3_bind_double(s, 11, r->effort_hours);
    reg_bind_text(s, 12, cost_band_name(r->cost));
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    free(controls);
    free(refs);
    if (rc != SQLITE_DONE)
        return reg_fail(db, "write", e);
    *id = sqlite3_last_insert_rowid(db->db);
    return 0;
}

int reg_detail_id(struct register_db *db, const struct risk *r, sqlite3_int64 *id,
                  struct rm_err *e)
{
    struct reg_details *d = db->details;
    if (!d) {
        if (!(d = calloc(1, sizeof *d)) || grow(d) < 0) {
            free(d);
            return rm_errf(e, "register: out of memory");
        }
        db->details = d;
        if (load(db, d, e) < 0) {
            reg_details_free(d);
            db->details = NULL;
            return -1;
        }
    }
    if (key_of(&d->scratch, r) < 0)
        return rm_errf(e, "register: out of memory");
    uint64_t h = hash_bytes(d->scratch.b, d->scratch.n);
    struct slot *s = find(d, h, d->scratch.b, d->scratch.n);
    if (s->key) {
        *id = s->id;
        return 0;
    }
    if (insert(db, r, id, e) < 0)
        return -1;
    return add(d, *id) < 0 ? rm_errf(e, "register: out of memory") : 0;
}
