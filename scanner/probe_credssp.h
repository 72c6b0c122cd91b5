/* RDP's CredSSP ([MS-CSSP], after TLS on a connection whose Connection Confirm selected
 * PROTOCOL_HYBRID): the first TSRequest, carrying an NTLM NEGOTIATE (no credential is ever
 * sent), and a bounded DER reader of the server's TSRequest, whose NTLM CHALLENGE names the
 * server's build. Pure functions, no I/O. */
#ifndef RISKMAP_PROBE_CREDSSP_H
#define RISKMAP_PROBE_CREDSSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TSRequest version 6 whose negoTokens hold ntlm_negotiate()'s message. Returns its length,
 * 0 if cap is too small. */
size_t credssp_request(unsigned char *out, size_t cap);

/* A whole DER SEQUENCE (header + announced length) is in d, or d is not one at all? */
bool credssp_complete(const unsigned char *d, size_t n);

struct credssp_answer {
    unsigned version;
    const unsigned char *token; /* the first negoToken, inside d; NULL when none */
    size_t token_len;
    bool have_error;
    uint32_t error; /* errorCode (an NTSTATUS), when have_error */
};
/* Parses a server's TSRequest: 1 when d starts with one (a SEQUENCE holding a version, *out
 * filled), 0 otherwise. */
int credssp_parse(const unsigned char *d, size_t n, struct credssp_answer *out);

#endif
