/* NTLM (MS-NLMP) as far as service detection takes it: the NEGOTIATE message that asks a
 * server for its version, and a bounded reader of the CHALLENGE that answers it, which names
 * the server's OS build before any credential is given. SMB carries both in an SMB2
 * SESSION_SETUP, RDP in CredSSP's TSRequest. Pure functions, no I/O. */
#ifndef RISKMAP_NTLM_H
#define RISKMAP_NTLM_H

#include <stdbool.h>
#include <stddef.h>

#define NTLM_NEGOTIATE_LEN 40

/* Writes the NEGOTIATE (no domain, no workstation, the version flag set). Returns
 * NTLM_NEGOTIATE_LEN, 0 if cap is too small. */
size_t ntlm_negotiate(unsigned char *out, size_t cap);

struct ntlm_challenge {
    unsigned major, minor, build; /* 6.3.9600; Samba sends 6.1.0, FreeRDP's winpr 6.1.7601 */
    bool target_type;             /* a server or domain target type is set, as Windows does */
};
/* Finds a CHALLENGE in d (bare, or inside SPNEGO or any wrapping) and reads it: 1 when it
 * carries a version (*out filled), 0 otherwise. */
int ntlm_find_challenge(const unsigned char *d, size_t n, struct ntlm_challenge *out);

/* What a CHALLENGE says about the server, for a service's info: "Windows 6.3 build 9600";
 * "NTLM 6.1 build 7601, no target type (not Windows)" when it names no target type (winpr,
 * FreeRDP's NTLM, does that and always sends 6.1.7601); nothing for build 0 (Samba's).
 * Returns the length written (NUL-terminated, cut at cap), 0 when there is nothing to say. */
size_t ntlm_describe(const struct ntlm_challenge *ch, char *out, size_t cap);

#endif
