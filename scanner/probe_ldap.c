/* LDAP search requests and a bounded BER reader (probe_ldap.h), after RFC 4511. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scanner/ber.h"
#include "scanner/probe_ldap.h"

#define TAG_SEQUENCE 0x30
#define TAG_SET 0x31
#define TAG_INTEGER 0x02
#define TAG_OCTETS 0x04
#define TAG_ENUM 0x0a
#define TAG_SEARCH_REQ 0x63
#define TAG_SEARCH_ENTRY 0x64
#define TAG_SEARCH_DONE 0x65
#define TAG_FILTER_PRESENT 0x87

static const char *const rootdse_attrs[] = {"namingContexts", "supportedLDAPVersion",
                                            "vendorName", "vendorVersion", "objectClass"};

size_t ldap_search_request(uint8_t id, const char *base, unsigned char *out, size_t cap)
{
    size_t bl = strlen(base);
    if (bl > 255)
        return 0;
    bool root = bl == 0;
    /* The attribute list. */
    size_t attrs = 0;
    if (root) {
        for (size_t i = 0; i < sizeof rootdse_attrs / sizeof rootdse_attrs[0]; i++)
            attrs += 2 + strlen(rootdse_attrs[i]);
    } else {
        attrs = 2 + 3; /* "1.1" */
    }
    size_t body = ber_hdr_size(bl) + bl     /* baseObject */
                  + 3 + 3               /* scope baseObject, derefAliases never */
                  + 3 + 3               /* sizeLimit 0, timeLimit 0: the server's */
                  + 3                   /* typesOnly FALSE */
                  + 2 + 11              /* (objectClass=*) */
                  + ber_hdr_size(attrs) + attrs;
    size_t msg = 3 /* messageID */ + ber_hdr_size(body) + body;
    size_t total = ber_hdr_size(msg) + msg;
    if (cap < total)
        return 0;
    unsigned char *p = out;
    p += ber_hdr(p, TAG_SEQUENCE, msg);
    *p++ = TAG_INTEGER, *p++ = 1, *p++ = id;
    p += ber_hdr(p, TAG_SEARCH_REQ, body);
    p += ber_hdr(p, TAG_OCTETS, bl);
    memcpy(p, base, bl);
    p += bl;
    static const unsigned char fixed[] = {TAG_ENUM, 1, 0, TAG_ENUM, 1, 0, TAG_INTEGER, 1, 0,
                                          TAG_INTEGER, 1, 0, 0x01, 1, 0};
    memcpy(p, fixed, sizeof fixed);
    p += sizeof fixed;
    p += ber_hdr(p, TAG_FILTER_PRESENT, 11);
    memcpy(p, "objectClass", 11);
    p += 11;
    p += ber_hdr(p, TAG_SEQUENCE, attrs);
    if (root) {
        for (size_t i = 0; i < sizeof rootdse_attrs / sizeof rootdse_attrs[0]; i++) {
            size_t l = strlen(rootdse_attrs[i]);
            p += ber_hdr(p, TAG_OCTETS, l);
            memcpy(p, rootdse_attrs[i], l);
            p += l;
        }
    } else {
        p += ber_hdr(p, TAG_OCTETS, 3);
        memcpy(p, "1.1", 3);
        p += 3;
    }
    return (size_t)(p - out);
}

static void copy_printable(const unsigned char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        if (s[i] >= 0x20 && s[i] < 0x7f)
            out[o++] = (char)s[i];
    out[o] = '\0';
}

/* The attributes of a SearchResultEntry (root DSE fields). */
static void parse_entry(const unsigned char *d, size_t n, struct ldap_search *out)
{
    struct ber dn, attrs;
    size_t s = ber_read(d, n, &dn);
    if (!s || dn.tag != TAG_OCTETS || !ber_read(d + s, n - s, &attrs) || attrs.tag != TAG_SEQUENCE)
        return;
    const unsigned char *p = attrs.v;
    size_t left = attrs.len;
    struct ber pa;
    size_t k;
    while ((k = ber_read(p, left, &pa)) != 0 && pa.tag == TAG_SEQUENCE) {
        p += k, left -= k;
        struct ber type, vals;
        size_t t = ber_read(pa.v, pa.len, &type);
        if (!t || type.tag != TAG_OCTETS || !ber_read(pa.v + t, pa.len - t, &vals) ||
            vals.tag != TAG_SET)
            continue;
        char name[32];
        copy_printable(type.v, type.len, name, sizeof name);
        const unsigned char *q = vals.v;
        size_t ql = vals.len;
        struct ber v;
        size_t vk;
        while ((vk = ber_read(q, ql, &v)) != 0 && v.tag == TAG_OCTETS) {
            q += vk, ql -= vk;
            if (strcasecmp(name, "namingContexts") == 0) {
                if (out->n_naming < LDAP_MAX_NAMING)
                    copy_printable(v.v, v.len, out->naming[out->n_naming++], sizeof out->naming[0]);
            } else if (strcasecmp(name, "supportedLDAPVersion") == 0) {
                char val[8];
                copy_printable(v.v, v.len, val, sizeof val);
                size_t l = strlen(out->versions);
                if (l + strlen(val) + 2 < sizeof out->versions)
                    snprintf(out->versions + l, sizeof out->versions - l, "%s%s", l ? "," : "", val);
            } else if (strcasecmp(name, "vendorName") == 0) {
                copy_printable(v.v, v.len, out->vendor_name, sizeof out->vendor_name);
            } else if (strcasecmp(name, "vendorVersion") == 0) {
                copy_printable(v.v, v.len, out->vendor_version, sizeof out->vendor_version);
            } else if (strcasecmp(name, "objectClass") == 0 && v.len == 15 &&
                       strncasecmp((const char *)v.v, "OpenLDAProotDSE", 15) == 0) {
                out->openldap = true;
            }
        }
    }
}

int ldap_parse_search(const unsigned char *d, size_t n, uint8_t id, struct ldap_search *out)
{
    memset(out, 0, sizeof *out);
    out->result = -1;
    int any = 0;
    size_t k;
    struct ber m;
    while (n > 0 && (k = ber_read(d, n, &m)) != 0 && m.tag == TAG_SEQUENCE) {
        d += k, n -= k;
        struct ber mid, op;
        size_t a = ber_read(m.v, m.len, &mid);
        if (!a || mid.tag != TAG_INTEGER || ber_int(&mid) != id ||
            !ber_read(m.v + a, m.len - a, &op))
            continue;
        if (op.tag == TAG_SEARCH_ENTRY) {
            any = 1;
            out->entries++;
            parse_entry(op.v, op.len, out);
        } else if (op.tag == TAG_SEARCH_DONE) {
            struct ber rc;
            if (ber_read(op.v, op.len, &rc) && rc.tag == TAG_ENUM) {
                any = 1;
                out->done = true;
                out->result = (int)ber_int(&rc);
            }
        }
    }
    return any;
}

bool ldap_complete(const unsigned char *d, size_t n, uint8_t id)
{
    if (n == 0)
        return false;
    if (d[0] != TAG_SEQUENCE)
        return true; /* not LDAP: nothing more to wait for */
    struct ldap_search s;
    ldap_parse_search(d, n, id, &s);
    return s.done;
}

size_t ldap_describe(const struct ldap_search *root, const struct ldap_search *base, char *out,
                     size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    out[0] = '\0';
#define PUT(...)                                                            \
    do {                                                                    \
        int w_ = snprintf(out + o, cap - o, __VA_ARGS__);                  \
        if (w_ < 0 || (size_t)w_ >= cap - o)                                \
            return o;                                                       \
        o += (size_t)w_;                                                    \
    } while (0)
    PUT("LDAP rootDSE\nresult: %d\nentries: %u\n", root->result, root->entries);
    if (root->openldap)
        PUT("objectClass: OpenLDAProotDSE\n");
    if (root->versions[0])
        PUT("supportedLDAPVersion: %s\n", root->versions);
    for (unsigned i = 0; i < root->n_naming; i++)
        PUT("namingContexts: %s\n", root->naming[i]);
    if (root->vendor_name[0])
        PUT("vendorName: %s\n", root->vendor_name);
    if (root->vendor_version[0])
        PUT("vendorVersion: %s\n", root->vendor_version);
    if (base && base->done)
        PUT("anonymousRead: %s\n", base->result == 0 && base->entries > 0 ? "yes" : "no");
#undef PUT
    return o;
}
