/* libFuzzer target for the protocol parsers of service detection (scanner/probe_proto.h):
 * arbitrary bytes as an answer to the SMB2 and SMB1 NEGOTIATE, the RDP Connection Request, a
 * Telnet greeting or an HTTP response. The sanitizers watch every read; the contract checked
 * here: outputs stay inside their buffers and strings are NUL-terminated printable ASCII. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/probe_proto.h"

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
    return 0;
}
