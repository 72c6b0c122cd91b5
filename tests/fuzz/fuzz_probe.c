/* libFuzzer target for the protocol parsers of service detection (scanner/probe_proto.h):
 * arbitrary bytes as an answer to the SMB2 and SMB1 NEGOTIATE, the RDP Connection Request, a
 * Telnet greeting, an HTTP response, the MS SQL PRELOGIN, MongoDB's isMaster / buildInfo /
 * listDatabases (scanner/probe_mongo.h, the input split in three), an LDAP search, or a UDP
 * answer to the DNS, NTP or SNMP probes. The sanitizers watch every read; the contract checked
 * here: outputs stay inside their buffers and strings are NUL-terminated printable ASCII. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/probe_dns.h"
#include "scanner/probe_ldap.h"
#include "scanner/probe_mongo.h"
#include "scanner/probe_mssql.h"
#include "scanner/probe_ntp.h"
#include "scanner/probe_proto.h"
#include "scanner/probe_snmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n >= cap)
        abort();
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smb2_neg neg;
    if (smb2_parse_negotiate(data, size, &neg) == 1 && !smb2_dialect_str(neg.dialect))
        abort();
    (void)smb1_parse_negotiate(data, size);
    struct ntlm_challenge nv;
    if (smb2_parse_ntlm_challenge(data, size, &nv) == 1 && (nv.major > 255 || nv.minor > 255))
        abort();
    (void)nbss_complete(data, size);
    struct rdp_cc cc;
    if (rdp_parse_cc(data, size, &cc) == 1 && cc.kind > RDP_CC_FAILURE)
        abort();
    (void)tpkt_complete(data, size);
    unsigned char out[64], reply[16];
    size_t rl = 0;
    unsigned iac = 0;
    size_t o = telnet_strip(data, size, out, sizeof out, &iac, reply, sizeof reply, &rl);
    if (o > sizeof out || o > size || rl > sizeof reply || rl % 3)
        abort();
    char t[32];
    if (http_title(data, size, t, sizeof t))
        check_text(t, sizeof t);
    if (http_location(data, size, t, sizeof t))
        check_text(t, sizeof t);

    char text[512];
    struct mssql_prelogin pl;
    (void)tds_complete(data, size);
    if (mssql_parse_prelogin(data, size, &pl) == 1 && mssql_describe(&pl, text, sizeof text) >= sizeof text)
        abort();
    (void)mssql_parse_prelogin_payload(data, size, &pl);

    /* MongoDB: three answers at the input's thirds, as the engine hands them over. */
    struct mongo_info mi;
    size_t third = size / 3;
    (void)mongo_complete(data, size);
    if (mongo_parse(data, third, data + third, third, data + 2 * third, size - 2 * third, &mi)) {
        check_text(mi.version, sizeof mi.version);
        if (mongo_describe(&mi, text, sizeof text) >= sizeof text)
            abort();
    }
    double v;
    (void)bson_number(data, size, "ok", &v);
    if (bson_string(data, size, "errmsg", t, sizeof t))
        check_text(t, sizeof t);

    struct ldap_search root, base;
    (void)ldap_complete(data, size, 1);
    if (ldap_parse_search(data, size, 1, &root)) {
        if (root.n_naming > LDAP_MAX_NAMING)
            abort();
        for (unsigned i = 0; i < root.n_naming; i++)
            check_text(root.naming[i], sizeof root.naming[i]);
        check_text(root.vendor_name, sizeof root.vendor_name);
        check_text(root.vendor_version, sizeof root.vendor_version);
        check_text(root.versions, sizeof root.versions);
        int b = ldap_parse_search(data, size, 2, &base);
        if (ldap_describe(&root, b ? &base : NULL, text, sizeof text) >= sizeof text)
            abort();
    }

    /* UDP: the DNS id and NTP origin taken from the input itself, so that they match. */
    struct dns_reply dr;
    if (size >= 2 && dns_parse_reply(data, size, (uint16_t)(data[0] << 8 | data[1]), &dr)) {
        check_text(dr.txt, sizeof dr.txt);
        if (dns_describe(&dr, text, sizeof text) >= sizeof text)
            abort();
    }
    struct ntp_reply nr;
    uint64_t origin = 0;
    for (size_t i = 24; i < 32 && i < size; i++)
        origin = origin << 8 | data[i];
    if (ntp_parse_reply(data, size, origin, &nr)) {
        check_text(nr.refid, sizeof nr.refid);
        if (ntp_describe(&nr, text, sizeof text) >= sizeof text)
            abort();
    }
    struct snmp_reply sr;
    if (snmp_parse_response(data, size, &sr)) {
        check_text(sr.community, sizeof sr.community);
        check_text(sr.sys_descr, sizeof sr.sys_descr);
        check_text(sr.sys_object_id, sizeof sr.sys_object_id);
        if (snmp_describe(&sr, &sr, text, sizeof text) >= sizeof text)
            abort();
    }
    return 0;
}
