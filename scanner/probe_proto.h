/* Binary and text protocol helpers of service detection: requests built by hand and parsers of
 * the answers, for SMB (SMB2 NEGOTIATE, SMB1 NEGOTIATE), RDP (X.224 Connection Request with an
 * RDP negotiation request), Telnet (IAC sequences) and HTTP (title, Location).
 *
 * Every parser takes hostile bytes: it reads only inside [d, d+n), never trusts a length field
 * beyond n, and never allocates. Pure functions, no I/O: scanner/detect.c does the talking.
 */
#ifndef RISKMAP_PROBE_PROTO_H
#define RISKMAP_PROBE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/ntlm.h"

/* ---- SMB (TCP 445, direct hosting: a 4-byte NetBIOS session header per message) --------- */

#define SMB2_SIGNING_ENABLED 0x0001u
#define SMB2_SIGNING_REQUIRED 0x0002u

/* SMB2 NEGOTIATE offering dialects 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1 (with the mandatory
 * preauth-integrity context). Returns its length, 0 if cap is too small. */
size_t smb2_negotiate_request(unsigned char *out, size_t cap);
/* SMB1 NEGOTIATE offering only "NT LM 0.12". Returns its length, 0 if cap is too small. */
size_t smb1_negotiate_request(unsigned char *out, size_t cap);

/* A whole NetBIOS session message is in d (header + announced length)? */
bool nbss_complete(const unsigned char *d, size_t n);

struct smb2_neg {
    uint16_t dialect;       /* 0x0202, 0x0210, 0x0300, 0x0302, 0x0311 (0x02ff: wildcard) */
    uint16_t security_mode; /* SMB2_SIGNING_* */
};
/* Parses the answer to smb2_negotiate_request(): 1 a successful SMB2 NEGOTIATE response
 * (*out filled), 0 anything else. */
int smb2_parse_negotiate(const unsigned char *d, size_t n, struct smb2_neg *out);
/* Parses the answer to smb1_negotiate_request(): 1 when the server accepted SMB1 (an SMB1
 * NEGOTIATE response with status 0 that chose the dialect offered), 0 otherwise (no answer,
 * an error, an SMB2 answer, "no dialect"). */
int smb1_parse_negotiate(const unsigned char *d, size_t n);
/* SMB2 SESSION_SETUP (MessageId 1, after smb2_negotiate_request() on the same connection)
 * whose security buffer is an NTLMSSP NEGOTIATE asking for the server's version: the
 * CHALLENGE that answers it names the Windows build, before any credential is given. Returns
 * its length, 0 if cap is too small. */
size_t smb2_session_setup_request(unsigned char *out, size_t cap);

/* Parses the answer to smb2_session_setup_request(): 1 when it is an SMB2 SESSION_SETUP
 * response carrying an NTLMSSP CHALLENGE with a version (*out filled), 0 otherwise. */
int smb2_parse_ntlm_challenge(const unsigned char *d, size_t n, struct ntlm_challenge *out);

/* "3.1.1" etc. for a dialect; "2.???" for the wildcard, "unknown" otherwise. Static. */
const char *smb2_dialect_str(uint16_t dialect);

/* ---- RDP (TCP 3389: TPKT + X.224) ------------------------------------------------------- */

#define RDP_PROTO_RDP 0u    /* standard RDP security */
#define RDP_PROTO_SSL 1u    /* TLS */
#define RDP_PROTO_HYBRID 2u /* CredSSP (NLA) */
#define RDP_PROTO_HYBRID_EX 8u

/* X.224 Connection Request carrying an RDP_NEG_REQ for `protocols`. Returns its length. */
size_t rdp_request(uint32_t protocols, unsigned char *out, size_t cap);
/* A TLS 1.2 ClientHello sent as the first bytes, without X.224 around it: Windows closes such
 * a connection, xrdp answers with an MCS Disconnect Provider Ultimatum in a TPKT. Returns
 * its length, 0 if cap is too small. */
size_t rdp_tls_hello(unsigned char *out, size_t cap);
/* A whole TPKT packet is in d? */
bool tpkt_complete(const unsigned char *d, size_t n);

enum rdp_cc_kind {
    RDP_CC_NONE = 0,    /* Connection Confirm without negotiation data: standard RDP security */
    RDP_CC_SELECTED,    /* RDP_NEG_RSP: value = selected protocol */
    RDP_CC_FAILURE,     /* RDP_NEG_FAILURE: value = failure code */
};
struct rdp_cc {
    enum rdp_cc_kind kind;
    uint32_t value;
};
/* Parses an X.224 Connection Confirm: 1 (*out filled) or 0 not one. */
int rdp_parse_cc(const unsigned char *d, size_t n, struct rdp_cc *out);

/* ---- Telnet ----------------------------------------------------------------------------- */

/* Copies d to out (cap bytes) without IAC sequences (commands, option negotiation and
 * subnegotiation; IAC IAC becomes one 0xff). *iac counts the sequences seen. When reply is
 * not NULL it receives (up to reply_cap bytes, length in *reply_len) the refusal of every
 * option: DONT for WILL, WONT for DO. Returns the length written to out. */
size_t telnet_strip(const unsigned char *d, size_t n, unsigned char *out, size_t cap,
                    unsigned *iac, unsigned char *reply, size_t reply_cap, size_t *reply_len);

/* ---- VNC (RFB) -------------------------------------------------------------------------- */

/* The version line a client answers "RFB 003.00x\n" with (3.8, 3.7 or 3.3, the highest the
 * server's line allows); NULL when d does not start with an RFB version line. Static. */
const char *rfb_client_version(const unsigned char *d, size_t n);
/* The security types offered after the version exchange, d the server's bytes after its
 * version line and `minor` the version agreed (3, 7 or 8), as text into out: "None, VNC
 * Authentication", "none (connection refused)"; false when incomplete or malformed. */
bool rfb_security_types(const unsigned char *d, size_t n, unsigned minor, char *out, size_t cap);

/* ---- HTTP ------------------------------------------------------------------------------- */

/* The page's <title> (whitespace collapsed, non-printable bytes dropped, at most cap-1 bytes)
 * into out; false when there is none or it is empty. */
bool http_title(const unsigned char *d, size_t n, char *out, size_t cap);
/* The Location header of the response head (bounded, printable) into out; false if none. */
bool http_location(const unsigned char *d, size_t n, char *out, size_t cap);

#endif
