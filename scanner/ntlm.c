/* NTLM NEGOTIATE and CHALLENGE (ntlm.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "scanner/ntlm.h"

#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u
#define NTLMSSP_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER 0x00020000u
#define CHALLENGE_MIN 56 /* through the version field */

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t ntlm_negotiate(unsigned char *out, size_t cap)
{
    /* Signature, type 1, flags (Unicode, OEM, request target, NTLM, always sign, extended
     * session security, version, 128-bit, 56-bit), empty domain and workstation, our version
     * (6.1 build 7601, revision 15, as clients send). */
    static const unsigned char msg[NTLM_NEGOTIATE_LEN] = {
        'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x97, 0x82, 0x08, 0xe2,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        6, 1, 0xb1, 0x1d, 0, 0, 0, 15};
    if (cap < sizeof msg)
        return 0;
    memcpy(out, msg, sizeof msg);
    return sizeof msg;
}

int ntlm_find_challenge(const unsigned char *d, size_t n, struct ntlm_challenge *out)
{
    for (size_t i = 0; i + CHALLENGE_MIN <= n; i++) {
        const unsigned char *m = d + i;
        if (memcmp(m, "NTLMSSP\0", 8) != 0 || le32(m + 8) != 2)
            continue;
        uint32_t flags = le32(m + 20);
        if (!(flags & NTLMSSP_NEGOTIATE_VERSION))
            return 0;
        out->major = m[48];
        out->minor = m[49];
        out->build = (unsigned)(m[50] | m[51] << 8);
        out->target_type = (flags & (NTLMSSP_TARGET_TYPE_DOMAIN | NTLMSSP_TARGET_TYPE_SERVER)) != 0;
        return 1;
    }
    return 0;
}

size_t ntlm_describe(const struct ntlm_challenge *ch, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = 0;
    if (ch->build == 0)
        return 0;
    /* A server asked for its target names it with its type, server or domain ([MS-NLMP]),
     * as Windows and Samba do; winpr does not, and sends the version its emulation of
     * GetVersionEx pretends everywhere (6.1.7601), which would pass for Windows 7 SP1. */
    int k = ch->target_type
                ? snprintf(out, cap, "Windows %u.%u build %u", ch->major, ch->minor, ch->build)
                : snprintf(out, cap, "NTLM %u.%u build %u, no target type (not Windows)",
                           ch->major, ch->minor, ch->build);
    if (k < 0)
        return 0;
    return (size_t)k < cap ? (size_t)k : cap - 1;
}
