/* MongoDB (TCP 27017): requests built by hand (legacy OP_QUERY isMaster, understood by every
 * server version, then OP_MSG commands for servers of wire version 6 and up) and a minimal,
 * bounded reader of the BSON answers: top-level fields only, never recursing, never trusting a
 * length beyond the bytes held. Pure functions, no I/O. */
#ifndef RISKMAP_PROBE_MONGO_H
#define RISKMAP_PROBE_MONGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* OP_QUERY on admin.$cmd with {isMaster: 1}. Returns its length, 0 if cap is too small. */
size_t mongo_ismaster_request(uint32_t request_id, unsigned char *out, size_t cap);
/* OP_MSG with {COMMAND: 1, $db: "admin"}, plus nameOnly: true for listDatabases (the cheapest
 * form). OP_QUERY (admin.$cmd) when op_msg is false, for servers older than 3.6. */
size_t mongo_command_request(uint32_t request_id, const char *command, bool op_msg,
                             unsigned char *out, size_t cap);

/* A whole message (its announced length) is in d, or d cannot be one? */
bool mongo_complete(const unsigned char *d, size_t n);

/* The first BSON document of an OP_REPLY or OP_MSG answer: pointer and length within d, or
 * NULL. */
const unsigned char *mongo_reply_doc(const unsigned char *d, size_t n, size_t *len);

/* A top-level field of a BSON document. */
struct bson_val {
    unsigned char type;      /* BSON type byte: 0x01 double, 0x02 string, 0x08 bool, 0x10
                                int32, 0x12 int64, ... */
    const unsigned char *v;  /* the value's bytes (for a string: its text, without the NUL) */
    size_t len;
};
/* Finds `name` among the top-level fields of doc: 1 (*out filled) or 0 absent or malformed. */
int bson_find(const unsigned char *doc, size_t n, const char *name, struct bson_val *out);
/* A numeric field (double, int32, int64, bool) as a double: 1 or 0. */
int bson_number(const unsigned char *doc, size_t n, const char *name, double *out);
/* A string field copied printable into out (cut at cap-1): 1 or 0. */
int bson_string(const unsigned char *doc, size_t n, const char *name, char *out, size_t cap);

/* What the three answers say. */
struct mongo_info {
    bool hello;          /* the isMaster answer was a BSON document */
    int max_wire;        /* maxWireVersion, -1 unknown */
    char version[32];    /* buildInfo's version, "" unknown */
    int auth;            /* listDatabases: 1 refused for want of authentication, 0 answered
                            (ok: 1), -1 unknown */
};
/* Fills *out from the isMaster answer (required) and, each may be NULL/0, the buildInfo and
 * listDatabases answers. 1, or 0 when the first is not a MongoDB answer. */
int mongo_parse(const unsigned char *hello, size_t hn, const unsigned char *build, size_t bn,
                const unsigned char *dbs, size_t dn, struct mongo_info *out);

/* "key: value" lines for the signature table:
 *   "MongoDB\nmaxWireVersion: 17\nversion: 6.0.5\nauthentication: required\n"
 * (authentication: required, none, or unknown). Returns the length written (NUL-terminated). */
size_t mongo_describe(const struct mongo_info *mi, char *out, size_t cap);

#endif
