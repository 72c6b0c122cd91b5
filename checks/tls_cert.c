/* Certificate facts (tls_cert.h). */
#include "checks/tls_cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void name_str(const X509_NAME *nm, char *out, size_t cap)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    int n = BIO_read(b, out, (int)cap - 1);
    out[n > 0 ? n : 0] = '\0';
    BIO_free(b);
}

static time_t asn1_time(const ASN1_TIME *t, char *iso, size_t cap)
{
    struct tm tm;
    iso[0] = '\0';
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    strftime(iso, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return timegm(&tm);
}

static void sans_str(X509 *x, char *out, size_t cap)
{
    out[0] = '\0';
    GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (!g)
        return;
    size_t len = 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(g); i++) {
        const GENERAL_NAME *n = sk_GENERAL_NAME_value(g, i);
        char item[300] = "";
        if (n->type == GEN_DNS) {
            const unsigned char *s = ASN1_STRING_get0_data(n->d.dNSName);
            int l = ASN1_STRING_length(n->d.dNSName);
            snprintf(item, sizeof item, "DNS:%.*s", l > 255 ? 255 : l, (const char *)s);
        } else if (n->type == GEN_IPADD) {
            const unsigned char *s = ASN1_STRING_get0_data(n->d.iPAddress);
            int l = ASN1_STRING_length(n->d.iPAddress);
            char a[64];
            if ((l == 4 && inet_ntop(AF_INET, s, a, sizeof a)) ||
                (l == 16 && inet_ntop(AF_INET6, s, a, sizeof a)))
                snprintf(item, sizeof item, "IP:%s", a);
        }
        if (!item[0])
            continue;
        /* Printable only: a name is a fact shown to people. */
        for (char *p = item; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
                *p = '?';
        size_t il = strlen(item);
        if (len + il + 6 >= cap) {
            snprintf(out + len, cap - len, "%s...", len ? ", " : "");
            break;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", item);
    }
    GENERAL_NAMES_free(g);
}

static void key_facts(X509 *x, struct tls_cert_facts *f)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    if (!k) {
        snprintf(f->key_type, sizeof f->key_type, "unknown");
        return;
    }
    f->key_bits = EVP_PKEY_get_bits(k);
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        snprintf(f->key_type, sizeof f->key_type, "RSA");
        break;
    case EVP_PKEY_DSA:
        snprintf(f->key_type, sizeof f->key_type, "DSA");
        break;
    case EVP_PKEY_EC: {
        snprintf(f->key_type, sizeof f->key_type, "EC");
        size_t l = 0;
        EVP_PKEY_get_utf8_string_param(k, "group", f->curve, sizeof f->curve, &l);
        break;
    }
    case EVP_PKEY_ED25519:
        snprintf(f->key_type, sizeof f->key_type, "ED25519");
        break;
    case EVP_PKEY_ED448:
        snprintf(f->key_type, sizeof f->key_type, "ED448");
        break;
    default:
        snprintf(f->key_type, sizeof f->key_type, "%s", OBJ_nid2sn(EVP_PKEY_get_base_id(k)));
    }
}

/* The digest a certificate was signed with is MD5 or SHA-1. */
static void weak_sig(X509 *x, bool *md5, bool *sha1)
{
    int md = NID_undef, pk = NID_undef;
    *md5 = *sha1 = false;
    if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk))
        return;
    *md5 = md == NID_md5 || md == NID_md5_sha1;
    *sha1 = md == NID_sha1;
}

/* Issuer and subject are the same and the certificate's own key verifies its signature (key
 * usage aside: a self-signed leaf rarely claims keyCertSign). */
static bool is_self_signed(X509 *x)
{
    return X509_self_signed(x, 1) == 1;
}

static int pem_chain(STACK_OF(X509) *chain, struct tls_cert_facts *f)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return -1;
    for (int i = 0; i < sk_X509_num(chain); i++)
        if (PEM_write_bio_X509(b, sk_X509_value(chain, i)) != 1) {
            BIO_free(b);
            return -1;
        }
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    f->pem = malloc((size_t)n + 1);
    if (f->pem) {
        memcpy(f->pem, data, (size_t)n);
        f->pem[n] = '\0';
        f->pem_len = (size_t)n;
    }
    BIO_free(b);
    return f->pem ? 0 : -1;
}

/* Adds every certificate of a PEM bundle to st; how many, or -1. */
static int add_pem(X509_STORE *st, const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    STACK_OF(X509_INFO) *inf = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
    int n = inf ? 0 : -1;
    for (int i = 0; inf && i < sk_X509_INFO_num(inf); i++) {
        X509_INFO *x = sk_X509_INFO_value(inf, i);
        if (x->x509 && X509_STORE_add_cert(st, x->x509) == 1)
            n++;
    }
    sk_X509_INFO_pop_free(inf, X509_INFO_free);
    BIO_free(b);
    return n;
}

int tls_ca_load(const char *path, char **pem, struct rm_err *e)
{
    *pem = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rm_errf(e, "CA bundle %s: %s", path, strerror(errno));
    char *buf = malloc(TLS_CA_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, TLS_CA_MAX_BYTES + 1, fp) : 0;
    int bad = ferror(fp);
    fclose(fp);
    if (!buf)
        return rm_errf(e, "out of memory");
    if (bad || n > TLS_CA_MAX_BYTES) {
        free(buf);
        return rm_errf(e, "CA bundle %s: %s", path,
                       bad ? "read error" : "larger than " "8 MiB");
    }
    buf[n] = '\0';
    X509_STORE *st = X509_STORE_new();
    int certs = st ? add_pem(st, buf) : -1;
    X509_STORE_free(st);
    ERR_clear_error();
    if (certs <= 0) {
        free(buf);
        return rm_errf(e, "CA bundle %s: no PEM certificate in it", path);
    }
    *pem = buf;
    return 0;
}

struct tls_trust {
    X509_STORE *store;
    char error[64]; /* why nothing can be trusted, or "" */
};

int tls_trust_new(const char *ca_pem, struct tls_trust **out, struct rm_err *e)
{
    *out = NULL;
    struct tls_trust *t = calloc(1, sizeof *t);
    if (!t || !(t->store = X509_STORE_new())) {
        free(t);
        return rm_errf(e, "out of memory");
    }
    /* A client's own CA comes in addition to the system store: its public portal still
     * chains to a public CA. */
    int sys = X509_STORE_set_default_paths(t->store);
    if (ca_pem ? add_pem(t->store, ca_pem) <= 0 : sys != 1)
        snprintf(t->error, sizeof t->error, "cannot load %s",
                 ca_pem ? "the CA bundle" : "the system CA store");
    ERR_clear_error();
    *out = t;
    return 0;
}

void tls_trust_free(struct tls_trust *t)
{
    if (!t)
        return;
    X509_STORE_free(t->store);
    free(t);
}

X509_STORE *tls_trust_store(const struct tls_trust *t)
{
    return t && !t->error[0] ? t->store : NULL;
}

static void verify(X509 *leaf, STACK_OF(X509) *rest, const struct tls_trust *trust,
                   struct tls_cert_facts *f)
{
    X509_STORE_CTX *ctx = NULL;
    if (!trust || trust->error[0]) {
        f->verify_code = -1;
        snprintf(f->verify_error, sizeof f->verify_error, "%s",
                 trust ? trust->error : "no trust store");
        goto out;
    }
    if (!(ctx = X509_STORE_CTX_new()) || X509_STORE_CTX_init(ctx, trust->store, leaf, rest) != 1)
        goto out;
    /* Validity is judged on its own (expired, not yet valid); trust here means the chain. */
    X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
    f->verified = X509_verify_cert(ctx) == 1;
    f->verify_code = f->verified ? 0 : X509_STORE_CTX_get_error(ctx);
    if (!f->verified) {
        snprintf(f->verify_error, sizeof f->verify_error, "%s",
                 X509_verify_cert_error_string(f->verify_code));
        int c = f->verify_code;
        X509 *top = sk_X509_num(rest) ? sk_X509_value(rest, sk_X509_num(rest) - 1) : leaf;
        f->incomplete_chain = (c == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                               c == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) &&
                              !is_self_signed(top);
    }
out:
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
}

int tls_cert_analyse(const unsigned char *const *der, const size_t *lens, size_t n,
                     const char *name, const struct tls_trust *trust, time_t now,
                     struct tls_cert_facts *f, struct rm_err *e)
{
    memset(f, 0, sizeof *f);
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (!chain)
        return rm_errf(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = der[i];
        X509 *x = lens[i] <= 1 << 20 ? d2i_X509(NULL, &p, (long)lens[i]) : NULL;
        if (!x) {
            if (i == 0) {
                sk_X509_free(chain);
                ERR_clear_error();
                return rm_errf(e, "the server's certificate cannot be decoded");
            }
            break; /* keep what decodes; the rest is not a chain anyway */
        }
        if (!sk_X509_push(chain, x)) {
            X509_free(x);
            sk_X509_pop_free(chain, X509_free);
            return rm_errf(e, "out of memory");
        }
    }
    if (sk_X509_num(chain) == 0) {
        sk_X509_free(chain);
        return rm_errf(e, "no certificate");
    }
    X509 *leaf = sk_X509_value(chain, 0);
    f->chain_len = (size_t)sk_X509_num(chain);
    name_str(X509_get_subject_name(leaf), f->subject, sizeof f->subject);
    name_str(X509_get_issuer_name(leaf), f->issuer, sizeof f->issuer);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    snprintf(f->serial, sizeof f->serial, "%s", hex ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
    sans_str(leaf, f->sans, sizeof f->sans);
    f->nb = asn1_time(X509_get0_notBefore(leaf), f->not_before, sizeof f->not_before);
    f->na = asn1_time(X509_get0_notAfter(leaf), f->not_after, sizeof f->not_after);
    f->expired = f->na && now > f->na;
    f->not_yet_valid = f->nb && now < f->nb;
    f->days_left = f->na ? (long)((f->na - now) / 86400) : 0;
    if (f->na && f->na < now)
        f->days_left = -(long)((now - f->na + 86399) / 86400);
    key_facts(leaf, f);
    snprintf(f->sig_alg, sizeof f->sig_alg, "%s", OBJ_nid2ln(X509_get_signature_nid(leaf)));
    f->self_signed = is_self_signed(leaf);
    /* Weak signatures count on the leaf and intermediates; a root's own signature is never
     * checked by anyone. */
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        if (i > 0 && is_self_signed(x))
            continue;
        bool md5, sha1;
        weak_sig(x, &md5, &sha1);
        if ((md5 || sha1) && !f->sig_md5 && !f->sig_sha1 && i > 0)
            name_str(X509_get_subject_name(x), f->weak_sig_subject, sizeof f->weak_sig_subject);
        f->sig_md5 |= md5;
        f->sig_sha1 |= sha1;
    }
    if (name && *name) {
        f->name_checked = true;
        unsigned char ip[16];
        bool is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;
        f->name_match = is_ip ? X509_check_ip_asc(leaf, name, 0) == 1
                              : X509_check_host(leaf, name, 0, 0, NULL) == 1;
        snprintf(f->matched_name, sizeof f->matched_name, "%s", name);
    }
    STACK_OF(X509) *rest = sk_X509_new_null();
    for (int i = 1; rest && i < sk_X509_num(chain); i++)
        sk_X509_push(rest, sk_X509_value(chain, i));
    verify(leaf, rest, trust, f);
    sk_X509_free(rest);
    int rc = pem_chain(chain, f);
    sk_X509_pop_free(chain, X509_free);
    ERR_clear_error();
    return rc < 0 ? rm_errf(e, "out of memory") : 0;
}

void tls_cert_facts_free(struct tls_cert_facts *f)
{
    if (!f)
        return;
    free(f->pem);
    f->pem = NULL;
}
