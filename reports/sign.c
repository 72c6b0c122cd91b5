#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/finding.h"
#include "scanner/atomic.h"

#define KEY_FILE_MAX 16384

struct sign_key {
    EVP_PKEY *pkey;
    bool private_key;
};

static const char *ossl_err(void)
{
    static _Thread_local char buf[256];
    unsigned long code = ERR_get_error();
    if (!code)
        return "unknown OpenSSL error";
    ERR_error_string_n(code, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

static struct sign_key *wrap(EVP_PKEY *p, bool private_key, struct rm_err *e)
{
    struct sign_key *k = calloc(1, sizeof *k);
    if (!k) {
        EVP_PKEY_free(p);
        rm_errf(e, "out of memory");
        return NULL;
    }
    k->pkey = p;
    k->private_key = private_key;
    return k;
}

static int write_new_key(const char *path, struct rm_err *e)
{
    EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!p)
        return rm_errf(e, "generating an Ed25519 key: %s", ossl_err());
    BIO *mem = BIO_new(BIO_s_mem());
    int rc = -1;
    if (mem && PEM_write_bio_PrivateKey(mem, p, NULL, NULL, 0, NULL, NULL) == 1) {
        char *data;
        long n = BIO_get_mem_data(mem, &data);
        rc = atomic_write(path, data, (size_t)n, 0600, e);
    } else
        rm_errf(e, "encoding the key: %s", ossl_err());
    BIO_free(mem);
    EVP_PKEY_free(p);
    return rc;
}

struct sign_key *sign_key_load(const char *path, bool create, bool *created, struct rm_err *e)
{
    if (created)
        *created = false;
    struct stat st;
    if (stat(path, &st) < 0) {
        if (errno != ENOENT || !create) {
            rm_errf(e, "%s: %s", path, strerror(errno));
            return NULL;
        }
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            if (make_dirs(dir, 0700, e) < 0)
                return NULL;
        }
        if (write_new_key(path, e) < 0)
            return NULL;
        if (created)
            *created = true;
    } else if (!S_ISREG(st.st_mode)) {
        rm_errf(e, "%s: not a regular file (a signing key is a PEM file)", path);
        return NULL;
    } else if (st.st_mode & 0077) {
        rm_errf(e, "%s: the signing key is readable by others (mode %03o); chmod 600 it",
                path, (unsigned)(st.st_mode & 0777));
        return NULL;
    }
    char *pem = NULL;
    size_t len = 0;
    if (read_file_bounded(path, KEY_FILE_MAX, &pem, &len, e) < 0)
        return NULL;
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *p = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    OPENSSL_cleanse(pem, len);
    free(pem);
    if (!p) {
        rm_errf(e, "%s: not a PEM private key: %s", path, ossl_err());
        return NULL;
    }
    if (EVP_PKEY_get_id(p) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(p);
        rm_errf(e, "%s: not an Ed25519 key", path);
        return NULL;
    }
    return wrap(p, true, e);
}

struct sign_key *sign_pubkey_parse(const char *pem, size_t len, struct rm_err *e)
{
    if (len > KEY_FILE_MAX) {
        rm_errf(e, "public key too large");
        return NULL;
    }
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *p = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!p) {
        rm_errf(e, "not a PEM public key: %s", ossl_err());
        return NULL;
    }
    if (EVP_PKEY_get_id(p) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(p);
        rm_errf(e, "not an Ed25519 public key");
        return NULL;
    }
    return wrap(p, false, e);
}

void sign_key_free(struct sign_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

char *sign_pubkey_pem(const struct sign_key *k)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (mem && PEM_write_bio_PUBKEY(mem, k->pkey) == 1) {
        char *data;
        long n = BIO_get_mem_data(mem, &data);
        out = malloc((size_t)n + 1);
        if (out) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(mem);
    return out;
}

int sign_fingerprint(const struct sign_key *k, char out[SIGN_FP_HEX_LEN + 1])
{
    unsigned char raw[32];
    size_t n = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) != 1 || n != sizeof raw)
        return -1;
    sha256_hex(raw, n, out);
    return 0;
}

int sign_message(const struct sign_key *k, const void *msg, size_t len, uint8_t sig[SIGN_SIG_LEN],
                 struct rm_err *e)
{
    if (!k->private_key)
        return rm_errf(e, "signing needs the private key");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t n = SIGN_SIG_LEN;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n == SIGN_SIG_LEN;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : rm_errf(e, "signing: %s", ossl_err());
}

int sign_verify(const struct sign_key *k, const void *msg, size_t len,
                const uint8_t sig[SIGN_SIG_LEN], struct rm_err *e)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) != 1) {
        EVP_MD_CTX_free(ctx);
        return rm_errf(e, "verifying: %s", ossl_err());
    }
    int r = EVP_DigestVerify(ctx, sig, SIGN_SIG_LEN, msg, len);
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return r == 1 ? 1 : 0;
}
