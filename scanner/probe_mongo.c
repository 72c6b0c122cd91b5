/* MongoDB wire protocol requests and a bounded BSON reader (probe_mongo.h). */
#include <stdio.h>
#include <string.h>

#include "scanner/probe_mongo.h"

#define OP_REPLY 1
#define OP_QUERY 2004
#define OP_MSG 2013
#define MSG_HDR 16

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* A tiny BSON writer: fails (len 0) once cap would be passed. */
struct bw {
    unsigned char *p;
    size_t n, cap;
    bool bad;
};

static void bw_bytes(struct bw *w, const void *d, size_t n)
{
    if (w->bad || w->cap - w->n < n) {
        w->bad = true;
        return;
    }
    memcpy(w->p + w->n, d, n);
    w->n += n;
}

static void bw_u32(struct bw *w, uint32_t v)
{
    unsigned char b[4];
    put32(b, v);
    bw_bytes(w, b, 4);
}

static void bw_name(struct bw *w, unsigned char type, const char *name)
{
    bw_bytes(w, &type, 1);
    bw_bytes(w, name, strlen(name) + 1);
}

/* The document {command: 1 [, nameOnly: true] [, $db: "admin"]}. */
static void bw_command(struct bw *w, const char *command, bool name_only, bool db)
{
    size_t start = w->n;
    bw_u32(w, 0); /* length, patched below */
    bw_name(w, 0x10, command);
    bw_u32(w, 1);
    if (name_only) {
        bw_name(w, 0x08, "nameOnly");
        bw_bytes(w, "\x01", 1);
    }
    if (db) {
        bw_name(w, 0x02, "$db");
        bw_u32(w, 6);
        bw_bytes(w, "admin", 6);
    }
    bw_bytes(w, "", 1);
    if (!w->bad)
        put32(w->p + start, (uint32_t)(w->n - start));
}

static size_t message(uint32_t id, bool op_msg, const char *command, unsigned char *out,
                      size_t cap)
{
    struct bw w = {out, 0, cap, false};
    bw_u32(&w, 0); /* messageLength, patched below */
    bw_u32(&w, id);
    bw_u32(&w, 0); /* responseTo */
    bw_u32(&w, op_msg ? OP_MSG : OP_QUERY);
    bool name_only = strcmp(command, "listDatabases") == 0;
    if (op_msg) {
        bw_u32(&w, 0);          /* flagBits */
        bw_bytes(&w, "", 1);    /* section kind 0: the body */
        bw_command(&w, command, name_only, true);
    } else {
        bw_u32(&w, 0); /* flags */
        bw_bytes(&w, "admin.$cmd", 11);
        bw_u32(&w, 0);           /* numberToSkip */
        bw_u32(&w, 0xffffffffu); /* numberToReturn -1: one document, close the cursor */
        bw_command(&w, command, name_only, false);
    }
    if (w.bad)
        return 0;
    put32(out, (uint32_t)w.n);
    return w.n;
}

size_t mongo_ismaster_request(uint32_t request_id, unsigned char *out, size_t cap)
{
    return message(request_id, false, "isMaster", out, cap);
}

size_t mongo_command_request(uint32_t request_id, const char *command, bool op_msg,
                             unsigned char *out, size_t cap)
{
    return message(request_id, op_msg, command, out, cap);
}

bool mongo_complete(const unsigned char *d, size_t n)
{
    if (n < 4)
        return false;
    uint32_t len = le32(d);
    if (len < MSG_HDR || len > 48u * 1024 * 1024) /* maxMessageSizeBytes */
        return true;                               /* not a MongoDB message */
    return n >= len;
}

const unsigned char *mongo_reply_doc(const unsigned char *d, size_t n, size_t *len)
{
    if (n < MSG_HDR)
        return NULL;
    size_t mlen = le32(d);
    if (mlen < MSG_HDR)
        return NULL;
    if (mlen > n)
        mlen = n; /* cut by our read bound: parse what is there */
    uint32_t op = le32(d + 12);
    size_t off;
    if (op == OP_REPLY)
        off = MSG_HDR + 4 + 8 + 4 + 4; /* responseFlags, cursorID, startingFrom, numberReturned */
    else if (op == OP_MSG && mlen >= MSG_HDR + 5 && d[MSG_HDR + 4] == 0)
        off = MSG_HDR + 4 + 1; /* flagBits, section kind 0 */
    else
        return NULL;
    if (mlen < off + 5)
        return NULL;
    size_t dlen = le32(d + off);
    if (dlen < 5 || dlen > mlen - off)
        return NULL;
    *len = dlen;
    return d + off;
}

/* Length of a cstring starting at p (bounded by n, NUL included), or 0 if unterminated. */
static size_t cstr_len(const unsigned char *p, size_t n)
{
    const unsigned char *z = memchr(p, 0, n);
    return z ? (size_t)(z - p) + 1 : 0;
}

/* Size of a value of BSON type t at p (n bytes available), or 0 if malformed or unknown.
 * Also the offset (*vo) and length (*vl) of its payload. */
static size_t value_size(unsigned char t, const unsigned char *p, size_t n, size_t *vo,
                         size_t *vl)
{
    size_t fixed = 0;
    *vo = 0;
    switch (t) {
    case 0x01: case 0x09: case 0x11: case 0x12: fixed = 8; break;
    case 0x07: fixed = 12; break;
    case 0x08: fixed = 1; break;
    case 0x10: fixed = 4; break;
    case 0x13: fixed = 16; break;
    case 0x06: case 0x0a: case 0x7f: case 0xff: fixed = 0; break;
    case 0x02: case 0x0d: case 0x0e: { /* int32 length (NUL included), bytes */
        if (n < 4)
            return 0;
        size_t l = le32(p);
        if (l < 1 || l > n - 4 || p[4 + l - 1] != 0)
            return 0;
        *vo = 4;
        *vl = l - 1;
        return 4 + l;
    }
    case 0x03: case 0x04: case 0x0f: { /* int32 total length, itself included */
        if (n < 5)
            return 0;
        size_t l = le32(p);
        if (l < 5 || l > n)
            return 0;
        *vl = l;
        return l;
    }
    case 0x05: { /* int32 length, subtype, bytes */
        if (n < 5)
            return 0;
        size_t l = le32(p);
        if (l > n - 5)
            return 0;
        *vo = 5;
        *vl = l;
        return 5 + l;
    }
    case 0x0b: { /* two cstrings */
        size_t a = cstr_len(p, n);
        size_t b = a ? cstr_len(p + a, n - a) : 0;
        if (!b)
            return 0;
        *vl = a + b;
        return a + b;
    }
    case 0x0c: { /* string, 12-byte id */
        size_t vo2, vl2;
        size_t s = value_size(0x02, p, n, &vo2, &vl2);
        if (!s || n - s < 12)
            return 0;
        *vl = s + 12;
        return s + 12;
    }
    default:
        return 0;
    }
    if (n < fixed || (fixed == 0 && t != 0x06 && t != 0x0a && t != 0x7f && t != 0xff))
        return 0;
    *vl = fixed;
    return fixed ? fixed : SIZE_MAX; /* SIZE_MAX: a valid empty value */
}

int bson_find(const unsigned char *doc, size_t n, const char *name, struct bson_val *out)
{
    if (n < 5)
        return 0;
    size_t len = le32(doc);
    if (len < 5 || len > n)
        return 0;
    size_t nl = strlen(name);
    size_t i = 4;
    while (i < len - 1) {
        unsigned char t = doc[i++];
        if (t == 0)
            return 0;
        size_t kl = cstr_len(doc + i, len - 1 - i);
        if (!kl)
            return 0;
        const unsigned char *key = doc + i;
        i += kl;
        size_t vo, vl = 0;
        size_t s = value_size(t, doc + i, len - 1 - i, &vo, &vl);
        if (s == 0)
            return 0;
        if (s == SIZE_MAX)
            s = 0;
        if (kl - 1 == nl && memcmp(key, name, nl) == 0) {
            out->type = t;
            out->v = doc + i + vo;
            out->len = vl;
            return 1;
        }
        i += s;
    }
    return 0;
}

int bson_number(const unsigned char *doc, size_t n, const char *name, double *out)
{
    struct bson_val v;
    if (!bson_find(doc, n, name, &v))
        return 0;
    switch (v.type) {
    case 0x01: {
        uint64_t bits = (uint64_t)le32(v.v) | (uint64_t)le32(v.v + 4) << 32;
        double d;
        memcpy(&d, &bits, sizeof d);
        *out = d;
        return 1;
    }
    case 0x08:
        *out = v.v[0] ? 1 : 0;
        return 1;
    case 0x10:
        *out = (double)(int32_t)le32(v.v);
        return 1;
    case 0x12:
        *out = (double)(int64_t)((uint64_t)le32(v.v) | (uint64_t)le32(v.v + 4) << 32);
        return 1;
    }
    return 0;
}

int bson_string(const unsigned char *doc, size_t n, const char *name, char *out, size_t cap)
{
    struct bson_val v;
    if (cap == 0 || !bson_find(doc, n, name, &v) || v.type != 0x02)
        return 0;
    size_t o = 0;
    for (size_t i = 0; i < v.len && o + 1 < cap; i++)
        if (v.v[i] >= 0x20 && v.v[i] < 0x7f)
            out[o++] = (char)v.v[i];
    out[o] = '\0';
    return 1;
}

int mongo_parse(const unsigned char *hello, size_t hn, const unsigned char *build, size_t bn,
                const unsigned char *dbs, size_t dn, struct mongo_info *out)
{
    memset(out, 0, sizeof *out);
    out->max_wire = -1;
    out->auth = -1;
    size_t l;
    const unsigned char *doc = mongo_reply_doc(hello, hn, &l);
    if (!doc)
        return 0;
    double v;
    /* isMaster answers carry ismaster (or isWritablePrimary) and maxWireVersion. */
    if (!bson_number(doc, l, "ismaster", &v) && !bson_number(doc, l, "isWritablePrimary", &v) &&
        !bson_number(doc, l, "maxWireVersion", &v))
        return 0;
    out->hello = true;
    if (bson_number(doc, l, "maxWireVersion", &v) && v >= 0 && v < 1000)
        out->max_wire = (int)v;
    if (build && (doc = mongo_reply_doc(build, bn, &l)) != NULL)
        bson_string(doc, l, "version", out->version, sizeof out->version);
    if (dbs && (doc = mongo_reply_doc(dbs, dn, &l)) != NULL && bson_number(doc, l, "ok", &v)) {
        if (v == 1) {
            out->auth = 0;
        } else {
            /* Unauthorized (13) and the text servers of every version use for it. */
            char msg[160] = "";
            bson_string(doc, l, "errmsg", msg, sizeof msg);
            double code = 0;
            bson_number(doc, l, "code", &code);
            if (code == 13 || strstr(msg, "requires authentication") || strstr(msg, "not authorized"))
                out->auth = 1;
        }
    }
    return 1;
}

size_t mongo_describe(const struct mongo_info *mi, char *out, size_t cap)
{
    char wire[32] = "", ver[48] = "";
    if (mi->max_wire >= 0)
        snprintf(wire, sizeof wire, "maxWireVersion: %d\n", mi->max_wire);
    if (mi->version[0])
        snprintf(ver, sizeof ver, "version: %s\n", mi->version);
    int w = snprintf(out, cap, "MongoDB\n%s%sauthentication: %s\n", wire, ver,
                     mi->auth == 1 ? "required" : mi->auth == 0 ? "none" : "unknown");
    if (w < 0)
        return 0;
    return (size_t)w < cap ? (size_t)w : cap ? cap - 1 : 0;
}
