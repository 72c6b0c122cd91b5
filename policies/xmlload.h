/* Safe loading of policy and profile XML: the one place riskmap hands outside XML to libxml2.
 *
 * Input is untrusted (a policy mailed by a colleague, a profile edited by hand), so:
 *   - at most XMLLOAD_MAX_BYTES are read, and nesting deeper than XMLLOAD_MAX_DEPTH is refused;
 *   - a DOCTYPE is refused the moment the parser meets it: no DTD is loaded, no entity is
 *     declared, so no external entity is read and no entity expansion can explode;
 *   - the parser runs with XML_PARSE_NONET and an external-entity loader that refuses every
 *     URL, so nothing (XSD imports included) is ever fetched from the network or disk;
 *   - every document is validated against its schema (policies/schema/, embedded).
 * Problems are reported as "file:line: message", all of them, in a diag list.
 */
#ifndef RISKMAP_XMLLOAD_H
#define RISKMAP_XMLLOAD_H

#include <libxml/tree.h>
#include <stddef.h>

#include "scanner/err.h"

#define XMLLOAD_MAX_BYTES (4u * 1024 * 1024)
#define XMLLOAD_MAX_DEPTH 16
#define DIAGS_MAX 50 /* messages kept; more are counted in `dropped` */

/* Messages "file:line: message", in the order found. Owns its strings. */
struct diags {
    char **msg;
    size_t n, cap;
    size_t dropped;
};

void diags_free(struct diags *d);
/* Appends a formatted message (kept up to DIAGS_MAX). */
void diags_addf(struct diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies the first message (and how many more there are) into e; returns -1. */
int diags_to_err(const struct diags *d, struct rm_err *e);
/* When d holds exactly one message, moves it into e, empties d and returns -1; otherwise
 * returns 0 and leaves both alone. A load that one message explains (a missing file, a file
 * that is not XML) is then told in one line instead of the message and a summary. */
int diags_take_one(struct diags *d, struct rm_err *e);

enum xml_kind {
    XML_ANY = 0,  /* decide from the root element */
    XML_POLICY,   /* <policy xmlns="urn:riskmap:policy:1"> */
    XML_PROFILE,  /* <profile xmlns="urn:riskmap:profile:1"> */
};

#define POLICY_NS "urn:riskmap:policy:1"
#define PROFILE_NS "urn:riskmap:profile:1"

/* Parses len bytes of buf (label names the source in messages) and validates the document
 * against the schema of `want` (or of whatever its root is, for XML_ANY). On success returns
 * 0, *doc is the tree (caller frees with xmlFreeDoc) and *kind (if not NULL) says which it is.
 * On failure returns -1 with at least one message in d. */
int xmlload_buffer(const char *buf, size_t len, const char *label, enum xml_kind want,
                   xmlDoc **doc, enum xml_kind *kind, struct diags *d);

/* The same for a file, read with the size bound. */
int xmlload_file(const char *path, enum xml_kind want, xmlDoc **doc, enum xml_kind *kind,
                 struct diags *d);

/* Small helpers for the readers of validated trees. */
/* True when n is an element named name in namespace ns. */
int xml_is(const xmlNode *n, const char *ns, const char *name);
/* A copy of attribute name (no namespace) or NULL; caller frees with free(). */
char *xml_attr(const xmlNode *n, const char *name);
/* A copy of the element's text content, whitespace-trimmed, or NULL. */
char *xml_text(const xmlNode *n);
/* How many element children of parent are ns:name; the first of them, or NULL. */
size_t xml_count(const xmlNode *parent, const char *ns, const char *name);
const xmlNode *xml_child(const xmlNode *parent, const char *ns, const char *name);

#endif
