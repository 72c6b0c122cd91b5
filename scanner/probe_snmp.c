/* SNMP GetRequest and GetResponse (probe_snmp.h), after RFC 1157 and RFC 3416. */
#include <stdio.h>
#include <string.h>

#include "scanner/ber.h"
#include "scanner/probe_snmp.h"

#define TAG_INTEGER 0x02
#define TAG_OCTETS 0x04
#define TAG_NULL 0x05
#define TAG_OID 0x06
#define TAG_SEQUENCE 0x30
#define TAG_GET_REQUEST 0xa0
#define TAG_GET_RESPONSE 0xa2

/* 1.3.6.1.2.1.1.1.0 (sysDescr.0) and 1.3.6.1.2.1.1.2.0 (sysObjectID.0), encoded. */
static const unsigned char oid_descr[] = {0x2b, 6, 1, 2, 1, 1, 1, 0};
static const unsigned char oid_objid[] = {0x2b, 6, 1, 2, 1, 1, 2, 0};

size_t snmp_get_request(int version, const char *community, uint32_t request_id,
                        unsigned char *out, size_t cap)
{
    size_t cl = strlen(community);
    if (cl > 64)
        return 0;
    size_t vb = 2 + 2 + sizeof oid_descr + 2; /* SEQUENCE { OID, NULL } */
    size_t vbl = 2 * vb;
    size_t pdu = 6 + 3 + 3 + 2 + vbl; /* request-id (4 bytes), error-status, error-index */
    size_t msg = 3 + 2 + cl + 2 + pdu;
    size_t total = 2 + msg;
    if (msg >= 0x80 || cap < total)
        return 0;
    unsigned char *p = out;
    p += ber_hdr(p, TAG_SEQUENCE, msg);
    *p++ = TAG_INTEGER, *p++ = 1, *p++ = (unsigned char)version;
    p += ber_hdr(p, TAG_OCTETS, cl);
    memcpy(p, community, cl);
    p += cl;
    p += ber_hdr(p, TAG_GET_REQUEST, pdu);
    /* A request-id of four bytes with the top bit clear: a positive INTEGER. */
    request_id &= 0x7fffffffu;
    *p++ = TAG_INTEGER, *p++ = 4;
    *p++ = (unsigned char)(request_id >> 24), *p++ = (unsigned char)(request_id >> 16);
    *p++ = (unsigned char)(request_id >> 8), *p++ = (unsigned char)request_id;
    *p++ = TAG_INTEGER, *p++ = 1, *p++ = 0;
    *p++ = TAG_INTEGER, *p++ = 1, *p++ = 0;
    p += ber_hdr(p, TAG_SEQUENCE, vbl);
    const unsigned char *oids[2] = {oid_descr, oid_objid};
    for (int i = 0; i < 2; i++) {
        p += ber_hdr(p, TAG_SEQUENCE, vb - 2);
        p += ber_hdr(p, TAG_OID, sizeof oid_descr);
        memcpy(p, oids[i], sizeof oid_descr);
        p += sizeof oid_descr;
        *p++ = TAG_NULL, *p++ = 0;
    }
    return (size_t)(p - out);
}

static void copy_printable(const unsigned char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = s[i];
        if (c == '\r' || c == '\n' || c == '\t')
            c = ' ';
        if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

/* An encoded OID as dotted text, cut at a whole arc. */
static void oid_text(const unsigned char *d, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    unsigned long arc = 0;
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (arc > (1ul << 28))
            return; /* absurd arc: keep what was decoded */
        arc = arc << 7 | (d[i] & 0x7f);
        if (d[i] & 0x80)
            continue;
        char tmp[32];
        int w;
        if (first) {
            unsigned long a = arc < 80 ? arc / 40 : 2;
            w = snprintf(tmp, sizeof tmp, "%lu.%lu", a, arc - a * 40);
            first = false;
        } else {
            w = snprintf(tmp, sizeof tmp, ".%lu", arc);
        }
        if (w < 0 || (size_t)w >= cap - o)
            return;
        memcpy(out + o, tmp, (size_t)w + 1);
        o += (size_t)w;
        arc = 0;
    }
}

int snmp_parse_response(const unsigned char *d, size_t n, struct snmp_reply *out)
{
    memset(out, 0, sizeof *out);
    struct ber msg, ver, comm, pdu, rid, es, ei, vbl;
    if (!ber_read(d, n, &msg) || msg.tag != TAG_SEQUENCE)
        return 0;
    const unsigned char *p = msg.v;
    size_t left = msg.len, k;
    if (!(k = ber_read(p, left, &ver)) || ver.tag != TAG_INTEGER)
        return 0;
    p += k, left -= k;
    if (!(k = ber_read(p, left, &comm)) || comm.tag != TAG_OCTETS)
        return 0;
    p += k, left -= k;
    if (!ber_read(p, left, &pdu) || pdu.tag != TAG_GET_RESPONSE)
        return 0;
    long v = ber_int(&ver);
    if (v != SNMP_V1 && v != SNMP_V2C)
        return 0;
    out->version = (int)v;
    copy_printable(comm.v, comm.len, out->community, sizeof out->community);
    p = pdu.v, left = pdu.len;
    if (!(k = ber_read(p, left, &rid)) || rid.tag != TAG_INTEGER)
        return 0;
    p += k, left -= k;
    if (!(k = ber_read(p, left, &es)) || es.tag != TAG_INTEGER)
        return 0;
    p += k, left -= k;
    if (!(k = ber_read(p, left, &ei)) || ei.tag != TAG_INTEGER)
        return 0;
    p += k, left -= k;
    if (!ber_read(p, left, &vbl) || vbl.tag != TAG_SEQUENCE)
        return 0;
    out->request_id = (uint32_t)ber_int(&rid);
    out->error_status = ber_int(&es);
    p = vbl.v, left = vbl.len;
    struct ber vb;
    while (left > 0 && (k = ber_read(p, left, &vb)) != 0 && vb.tag == TAG_SEQUENCE) {
        p += k, left -= k;
        struct ber name, val;
        size_t a = ber_read(vb.v, vb.len, &name);
        if (!a || name.tag != TAG_OID || !ber_read(vb.v + a, vb.len - a, &val))
            continue;
        if (name.len == sizeof oid_descr && memcmp(name.v, oid_descr, name.len) == 0 &&
            val.tag == TAG_OCTETS)
            copy_printable(val.v, val.len, out->sys_descr, sizeof out->sys_descr);
        else if (name.len == sizeof oid_objid && memcmp(name.v, oid_objid, name.len) == 0 &&
                 val.tag == TAG_OID)
            oid_text(val.v, val.len, out->sys_object_id, sizeof out->sys_object_id);
    }
    return 1;
}

size_t snmp_describe(const struct snmp_reply *v2c, const struct snmp_reply *v1, char *out,
                     size_t cap)
{
    const struct snmp_reply *r = v2c ? v2c : v1;
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (!r)
        return 0;
    const char *versions = v1 && v2c ? "1,2c" : v2c ? "2c" : "1";
    int w = snprintf(out, cap, "SNMP\nversions: %s\ncommunity: %s\n%s%s%s%s%s%s", versions,
                     r->community, r->sys_object_id[0] ? "sysObjectID: " : "",
                     r->sys_object_id, r->sys_object_id[0] ? "\n" : "",
                     r->sys_descr[0] ? "sysDescr: " : "", r->sys_descr,
                     r->sys_descr[0] ? "\n" : "");
    if (w < 0)
        return 0;
    return (size_t)w < cap ? (size_t)w : cap - 1;
}
