/* SNMP (UDP 161): a GetRequest for sysDescr.0 and sysObjectID.0 with a community string, in
 * SNMPv1 or v2c, and a bounded parser of the GetResponse. Any answer at all means the agent
 * accepted the community: agents drop requests with a wrong one. Pure functions, no I/O. */
#ifndef RISKMAP_PROBE_SNMP_H
#define RISKMAP_PROBE_SNMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNMP_V1 0
#define SNMP_V2C 1

/* Returns the request's length, 0 if cap is too small or the community longer than 64. */
size_t snmp_get_request(int version, const char *community, uint32_t request_id,
                        unsigned char *out, size_t cap);

struct snmp_reply {
    int version;           /* SNMP_V1 or SNMP_V2C */
    char community[65];    /* printable */
    uint32_t request_id;
    long error_status;
    char sys_descr[256];   /* "" when absent (printable, cut) */
    char sys_object_id[96]; /* dotted, "" when absent */
};
/* Parses a GetResponse: 1 (*out filled) or 0 anything else. */
int snmp_parse_response(const unsigned char *d, size_t n, struct snmp_reply *out);

/* "key: value" lines for the signature table, from the answers to the v2c and v1 requests
 * (either may be NULL, not both):
 *   "SNMP\nversions: 1,2c\ncommunity: public\nsysObjectID: 1.3.6.1.4.1.8072.3.2.10\n"
 *   "sysDescr: Linux lab 6.1.0 ...\n"
 * Returns the length written (NUL-terminated, cut at cap). */
size_t snmp_describe(const struct snmp_reply *v2c, const struct snmp_reply *v1, char *out,
                     size_t cap);

#endif
