#include "xmlload.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policies/shipped.h"

/* ---- diagnostics ------------------------------------------------------------------------ */

void diags_free(struct diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->msg[i]);
    free(d->msg);
    memset(d, 0, sizeof *d);
}

void diags_addf(struct diags *d, const char *fmt, ...)
{
    if (d->n >= DIAGS_MAX) {
        d->dropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        char **m = realloc(d->msg, cap * sizeof *m);
        if (!m) {
            d->dropped++;
            return;
        }
        d->msg = m;
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0) {
        d->dropped++;
        return;
    }
    /* libxml2 messages end in a newline; keep one line per message. */
    while (r > 0 && (s[r - 1] == '\n' || s[r - 1] == ' '))
        s[--r] = '\0';
    for (char *p = s; *p; p++)
        if (*p == '\n')
            *p = ' ';
    d->msg[d->n++] = s;
}

int diags_to_err(const struct diags *d, struct rm_err *e)
{
    size_t more = d->n + d->dropped - (d->n ? 1 : 0);
    if (!d->n)
        return rm_errf(e, "invalid XML (no message)");
    if (more)
        return rm_errf(e, "%s (and %zu more)", d->msg[0], more);
    return rm_errf(e, "%s", d->msg[0]);
}

int diags_take_one(struct diags *d, struct rm_err *e)
{
    if (d->n != 1 || d->dropped)
        return 0;
    rm_errf(e, "%s", d->msg[0]);
    diags_free(d);
    memset(d, 0, sizeof *d);
    return -1;
}

/* ---- one-time setup: the refusing entity loader and the schemas ------------------------- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static xmlSchemaPtr schemas[3];   /* indexed by enum xml_kind; built once, read-only after */
static char schema_error[512];    /* why a schema failed to build (a build defect) */

/* Every external resource is refused: a document names no file or URL riskmap will open. */
static xmlParserInputPtr refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static void schema_parse_error(void *ud, xmlErrorPtr err)
{
    (void)ud;
    if (!schema_error[0] && err && err->message)
        snprintf(schema_error, sizeof schema_error, "embedded schema: %s", err->message);
}

static xmlSchemaPtr build_schema(const char *name)
{
    const struct embedded_file *f = shipped_file(name);
    if (!f)
        return NULL;
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewMemParserCtxt((const char *)f->data, (int)f->len);
    if (!pc)
        return NULL;
    xmlSchemaSetParserStructuredErrors(pc, schema_parse_error, NULL);
    xmlSchemaPtr s = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    return s;
}

static void init_once(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_loader);
    schemas[XML_POLICY] = build_schema("schema/policy.xsd");
    schemas[XML_PROFILE] = build_schema("schema/profile.xsd");
}

/* ---- parsing ---------------------------------------------------------------------------- */

struct parse_state {
    struct diags *d;
    const char *label;
    int doctype; /* a DOCTYPE was met: the parse is being stopped */
};

static void parse_error(void *ud, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = ud;
    struct parse_state *st = ctxt ? ctxt->_private : NULL;
    if (!st || !err || st->doctype)
        return; /* the DOCTYPE message says it all; the errors of stopping add nothing */
    diags_addf(st->d, "%s:%d: %s", st->label, err->line, err->message ? err->message : "error");
}

/* SAX hook: the parser calls it for <!DOCTYPE ...>, before any declaration inside. */
static void reject_doctype(void *ud, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    xmlParserCtxtPtr ctxt = ud;
    struct parse_state *st = ctxt->_private;
    if (!st->doctype)
        diags_addf(st->d, "%s:%d: DOCTYPE is not allowed (no DTDs, no entities)", st->label,
                   xmlSAX2GetLineNumber(ctxt));
    st->doctype = 1;
    xmlStopParser(ctxt);
}

/* Defence in depth: entity declarations can only come from a DTD, which is refused above. */
static void reject_entity(void *ud, const xmlChar *name, int type, const xmlChar *pub,
                          const xmlChar *sys, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)pub;
    (void)sys;
    (void)content;
    reject_doctype(ud, NULL, NULL, NULL);
}

static int depth_ok(const xmlDoc *doc, const char *label, struct diags *d)
{
    const xmlNode *n = xmlDocGetRootElement((xmlDoc *)doc);
    int depth = 1;
    while (n) {
        if (n->type == XML_ELEMENT_NODE && depth > XMLLOAD_MAX_DEPTH) {
            diags_addf(d, "%s:%u: elements nested deeper than %d", label, (unsigned)xmlGetLineNo(n),
                       XMLLOAD_MAX_DEPTH);
            return 0;
        }
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            depth++;
            continue;
        }
        while (n && !n->next && n->parent && n->parent->type != XML_DOCUMENT_NODE) {
            n = n->parent;
            depth--;
        }
        n = n ? n->next : NULL;
    }
    return 1;
}

static void valid_error(void *ud, xmlErrorPtr err)
{
    struct parse_state *st = ud;
    if (err)
        diags_addf(st->d, "%s:%d: %s", st->label, err->line, err->message ? err->message : "invalid");
}

static enum xml_kind root_kind(const xmlNode *root)
{
    if (xml_is(root, POLICY_NS, "policy"))
        return XML_POLICY;
    if (xml_is(root, PROFILE_NS, "profile"))
        return XML_PROFILE;
    return XML_ANY;
}

int xmlload_buffer(const char *buf, size_t len, const char *label, enum xml_kind want,
                   xmlDoc **out, enum xml_kind *kind, struct diags *d)
{
    *out = NULL;
    pthread_once(&once, init_once);
    if (len > XMLLOAD_MAX_BYTES) {
        diags_addf(d, "%s:0: larger than %u bytes", label, XMLLOAD_MAX_BYTES);
        return -1;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        diags_addf(d, "%s:0: out of memory", label);
        return -1;
    }
    struct parse_state st = {.d = d, .label = label};
    ctxt->_private = &st;
    ctxt->sax->serror = parse_error;
    ctxt->sax->internalSubset = reject_doctype;
    ctxt->sax->externalSubset = reject_doctype;
    ctxt->sax->entityDecl = reject_entity;
    /* No NOENT (no substitution), no DTDLOAD/DTDATTR/DTDVALID, no XINCLUDE, no HUGE: the
     * parser keeps its own limits, and NONET forbids fetching anything. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING;
    size_t before = d->n + d->dropped;
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, buf, (int)len, label, NULL, opts);
    int wellformed = ctxt->wellFormed && !st.doctype;
    xmlFreeParserCtxt(ctxt);
    if (!doc || !wellformed) {
        if (d->n + d->dropped == before)
            diags_addf(d, "%s:0: not well-formed XML", label);
        xmlFreeDoc(doc);
        return -1;
    }
    if (doc->intSubset || doc->extSubset) { /* cannot happen with the hook; never trust it */
        diags_addf(d, "%s:1: DOCTYPE is not allowed (no DTDs, no entities)", label);
        xmlFreeDoc(doc);
        return -1;
    }
    if (!depth_ok(doc, label, d)) {
        xmlFreeDoc(doc);
        return -1;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    enum xml_kind k = root_kind(root);
    if (k == XML_ANY || (want != XML_ANY && k != want)) {
        const char *exp = want == XML_PROFILE ? "<profile xmlns=\"" PROFILE_NS "\">"
                          : want == XML_POLICY ? "<policy xmlns=\"" POLICY_NS "\">"
                                               : "<policy> or <profile> in the riskmap namespace";
        diags_addf(d, "%s:%u: root element <%s%s%s> is not %s", label,
                   root ? (unsigned)xmlGetLineNo(root) : 0u, root ? (const char *)root->name : "",
                   root && root->ns ? " xmlns=" : "",
                   root && root->ns ? (const char *)root->ns->href : "", exp);
        xmlFreeDoc(doc);
        return -1;
    }
    if (!schemas[k]) {
        diags_addf(d, "%s:0: %s", label, schema_error[0] ? schema_error : "schema unavailable");
        xmlFreeDoc(doc);
        return -1;
    }
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schemas[k]);
    if (!vc) {
        diags_addf(d, "%s:0: out of memory", label);
        xmlFreeDoc(doc);
        return -1;
    }
    xmlSchemaSetValidStructuredErrors(vc, valid_error, &st);
    int r = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    if (r != 0) {
        if (d->n + d->dropped == before)
            diags_addf(d, "%s:0: does not validate against its schema", label);
        xmlFreeDoc(doc);
        return -1;
    }
    *out = doc;
    if (kind)
        *kind = k;
    return 0;
}

int xmlload_file(const char *path, enum xml_kind want, xmlDoc **doc, enum xml_kind *kind,
                 struct diags *d)
{
    *doc = NULL;
    /* O_NONBLOCK: naming a FIFO must not hang the open (regular files ignore the flag). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        diags_addf(d, "%s:0: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        diags_addf(d, "%s:0: not a regular file", path);
        close(fd);
        return -1;
    }
    if ((unsigned long long)sb.st_size > XMLLOAD_MAX_BYTES) {
        diags_addf(d, "%s:0: larger than %u bytes", path, XMLLOAD_MAX_BYTES);
        close(fd);
        return -1;
    }
    /* Read at most one byte past the bound, whatever fstat said (the file may grow). */
    size_t cap = (size_t)sb.st_size + 1, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        diags_addf(d, "%s:0: out of memory", path);
        close(fd);
        return -1;
    }
    for (;;) {
        if (len == cap) {
            if (cap > XMLLOAD_MAX_BYTES)
                break;
            size_t ncap = cap * 2 > XMLLOAD_MAX_BYTES + 1 ? XMLLOAD_MAX_BYTES + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb)
                break;
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            diags_addf(d, "%s:0: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    int r = xmlload_buffer(buf, len, path, want, doc, kind, d);
    free(buf);
    return r;
}

/* ---- tree helpers ----------------------------------------------------------------------- */

int xml_is(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

char *xml_attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

char *xml_text(const xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    if (!v)
        return NULL;
    const char *b = (const char *)v;
    while (*b && isspace((unsigned char)*b))
        b++;
    size_t l = strlen(b);
    while (l && isspace((unsigned char)b[l - 1]))
        l--;
    char *s = strndup(b, l);
    xmlFree(v);
    return s;
}

size_t xml_count(const xmlNode *parent, const char *ns, const char *name)
{
    size_t n = 0;
    for (const xmlNode *c = parent->children; c; c = c->next)
        n += xml_is(c, ns, name) != 0;
    return n;
}

const xmlNode *xml_child(const xmlNode *parent, const char *ns, const char *name)
{
    for (const xmlNode *c = parent->children; c; c = c->next)
        if (xml_is(c, ns, name))
            return c;
    return NULL;
}
