/* Microsoft SQL Server (TDS, TCP 1433): the PRELOGIN request and a bounded parser of the
 * server's PRELOGIN answer, which names the server's version and its encryption setting before
 * any log-in. Pure functions, no I/O. */
#ifndef RISKMAP_PROBE_MSSQL_H
#define RISKMAP_PROBE_MSSQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PRELOGIN ENCRYPTION option values (MS-TDS 2.2.6.5). */
#define TDS_ENCRYPT_OFF 0
#define TDS_ENCRYPT_ON 1
#define TDS_ENCRYPT_NOT_SUP 2
#define TDS_ENCRYPT_REQ 3

/* A PRELOGIN packet offering ENCRYPT_OFF, so that the answer tells whether the server
 * insists on encryption. Returns its length, 0 if cap is too small. */
size_t mssql_prelogin_request(unsigned char *out, size_t cap);

/* A whole TDS packet (8-byte header + announced length) is in d, or d is not TDS at all? */
bool tds_complete(const unsigned char *d, size_t n);

struct mssql_prelogin {
    bool have_version;
    uint8_t major, minor;
    uint16_t build, subbuild;
    int encryption; /* TDS_ENCRYPT_*, -1 when the option is absent */
};

/* Parses the PRELOGIN option list of a packet payload (the bytes after the 8-byte header):
 * 1 (*out filled) or 0 malformed. */
int mssql_parse_prelogin_payload(const unsigned char *p, size_t n, struct mssql_prelogin *out);
/* Parses a server's answer: a TDS packet of type 0x04 (tabular result) carrying PRELOGIN
 * options. 1 (*out filled) or 0 anything else. */
int mssql_parse_prelogin(const unsigned char *d, size_t n, struct mssql_prelogin *out);

/* The answer as "key: value" lines for the signature table:
 *   "TDS PRELOGIN\nversion: 15.0.2000\nsubbuild: 5\nencryption: off\n"
 * (version lines only when present; encryption off, on, not supported, required, or
 * "0xNN"). Returns the length written (always NUL-terminated, cut at cap). */
size_t mssql_describe(const struct mssql_prelogin *pl, char *out, size_t cap);

#endif
