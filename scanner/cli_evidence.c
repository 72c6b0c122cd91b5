/* `riskmap evidence`: export a scan as a signed bundle for auditors, verify a bundle, show the
 * signing key (reports/evidence.h, reports/sign.h). */
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policies/eval.h"
#include "policies/policy_set.h"
#include "reports/evidence.h"
#include "reports/sign.h"
#include "scanner/atomic.h"
#include "scanner/cli.h"
#include "scanner/cli_evidence_extras.h"
#include "scanner/datadir.h"
#include "scanner/help.h"
#include "scanner/result.h"

#define PUBKEY_MAX 16384

/* $RISKMAP_DATA_DIR/keys/evidence-ed25519.pem, else under /var/lib/riskmap. */
static void default_key_path(char *out, size_t n)
{
    const char *d = getenv("RISKMAP_DATA_DIR");
    snprintf(out, n, "%s/keys/evidence-ed25519.pem", d && *d ? d : "/var/lib/riskmap");
}

static const char *login_name(void)
{
    const char *s = getenv("SUDO_USER");
    if (s && *s)
        return s;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "unknown";
}

/* SCAN may be a scan.json or a directory holding one. */
static int scan_file(const char *arg, char *out, size_t n, struct rm_err *e)
{
    struct stat st;
    if (stat(arg, &st) < 0)
        return rm_errf(e, "%s: no such file or directory", arg);
    if (S_ISDIR(st.st_mode)) {
        if ((size_t)snprintf(out, n, "%s/scan.json", arg) >= n)
            return rm_errf(e, "%s: path too long", arg);
    } else if ((size_t)snprintf(out, n, "%s", arg) >= n)
        return rm_errf(e, "%s: path too long", arg);
    return 0;
}

enum { OPT_KEY = 256, OPT_PUBKEY, OPT_OPERATOR, OPT_FRAMEWORK, OPT_POLICY, OPT_CLIENT, OPT_DATA_DIR };

static const struct option longs[] = {
    {"output", required_argument, NULL, 'o'}, {"key", required_argument, NULL, OPT_KEY},
    {"pubkey", required_argument, NULL, OPT_PUBKEY}, {"operator", required_argument, NULL, OPT_OPERATOR},
    {"framework", required_argument, NULL, OPT_FRAMEWORK}, {"policy", required_argument, NULL, OPT_POLICY},
    {"client", required_argument, NULL, OPT_CLIENT}, {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
};

struct ev_opts {
    const char *out, *key, *pubkey, *operator_name;
    const char *framework, *client, *data_dir;
    const char *policies[POLICY_SET_MAX];
    size_t n_policies;
    bool quiet, help;
};

static int parse(int argc, char **argv, struct ev_opts *o, struct rm_err *e)
{
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case OPT_KEY: o->key = optarg; break;
        case OPT_PUBKEY: o->pubkey = optarg; break;
        case OPT_OPERATOR: o->operator_name = optarg; break;
        case OPT_FRAMEWORK: o->framework = optarg; break;
        case OPT_CLIENT: o->client = optarg; break;
        case OPT_DATA_DIR: o->data_dir = optarg; break;
        case OPT_POLICY:
            if (o->n_policies == POLICY_SET_MAX)
                return rm_errf(e, "at most %d --policy", POLICY_SET_MAX);
            o->policies[o->n_policies++] = optarg;
            break;
        case 'q': o->quiet = true; break;
        case 'h': o->help = true; break;
        case ':': return rm_errf(e, "option %s needs an argument", argv[optind - 1]);
        default: return rm_errf(e, "unknown option %s (see riskmap help evidence)", argv[optind - 1]);
        }
    }
    return 0;
}

/* The client data directory a scan in DIR/scans/NAME/scan.json belongs to, when it has a
 * register; else NULL. */
static const char *data_dir_of(const char *scan, char *buf, size_t n)
{
    char real[PATH_MAX], reg[PATH_MAX + 16];
    if (!realpath(scan, real))
        return NULL;
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(real, '/');
        if (!slash || slash == real)
            return NULL;
        *slash = '\0';
    }
    snprintf(reg, sizeof reg, "%s/register.db", real);
    if (access(reg, R_OK) != 0)
        return NULL;
    snprintf(buf, n, "%s", real);
    return buf;
}

static int do_export(int argc, char **argv, struct rm_err *e)
{
    struct ev_opts o;
    if (parse(argc, argv, &o, e) < 0)
        return EXIT_USAGE;
    if (o.help) {
        help_print(stdout, "evidence");
        return EXIT_DONE;
    }
    char scan[PATH_MAX], keypath[PATH_MAX], out[PATH_MAX], host[256] = "unknown";
    if (optind == argc && o.data_dir) {
        if (datadir_latest(o.data_dir, scan, sizeof scan) < 0) {
            rm_errf(e, "%s: no committed scan (DIR/latest) to export", o.data_dir);
            return EXIT_USAGE;
        }
    } else if (optind != argc - 1) {
        rm_errf(e, "evidence export takes one scan (a scan.json or its directory; none: the "
                   "latest of --data-dir)");
        return EXIT_USAGE;
    } else if (scan_file(argv[optind], scan, sizeof scan, e) < 0) {
        return EXIT_USAGE;
    }
    /* The policy results, the register snapshot and the client report, made now. */
    char ddbuf[PATH_MAX];
    const char *dd = o.data_dir ? o.data_dir : data_dir_of(scan, ddbuf, sizeof ddbuf);
    struct export_extras x;
    struct diags d = {0};
    int xr = export_extras_build(scan, o.policies, o.n_policies, o.client, dd, &x, &d, e);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "riskmap: %s\n", d.msg[i]);
    diags_free(&d);
    if (xr < 0)
        return EXIT_USAGE;
    if (o.key)
        snprintf(keypath, sizeof keypath, "%s", o.key);
    else
        default_key_path(keypath, sizeof keypath);
    bool created = false;
    /* A named key must exist; the default one is made on first use. */
    struct sign_key *k = sign_key_load(keypath, !o.key, &created, e);
    if (!k) {
        export_extras_free(&x);
        return o.key ? EXIT_USAGE : EXIT_RUNTIME; /* a key named on the command line is input */
    }
    gethostname(host, sizeof host - 1);
    struct evidence_export_opts eo = {
        .scan_path = scan, .key = k, .exported_on = host,
        .exported_by = o.operator_name ? o.operator_name : login_name(),
        .evaluation = x.evaluation, .framework = o.framework, .extra = x.files,
        .n_extra = x.n_files,
    };
    char fp[SIGN_FP_HEX_LEN + 1] = "";
    sign_fingerprint(k, fp);
    size_t n = 0;
    int rc = EXIT_RUNTIME;
    eo.out_path = o.out;
    /* A client's bundles live in its data directory unless -o says otherwise. */
    char evdir[PATH_MAX];
    if (!o.out && dd && (size_t)snprintf(evdir, sizeof evdir, "%s/evidence", dd) < sizeof evdir) {
        if (make_dirs(evdir, 0700, e) < 0) {
            sign_key_free(k);
            export_extras_free(&x);
            return EXIT_RUNTIME;
        }
        eo.out_dir = evdir;
    }
    if (evidence_export(&eo, &n, out, sizeof out, e) == 0) {
        rc = EXIT_DONE;
        if (!o.quiet) {
            if (created)
                fprintf(stderr, "riskmap: created the signing key %s (keep it; publish its "
                                "fingerprint)\n", keypath);
            printf("%s: %zu files, MANIFEST signed with Ed25519 key sha256:%s\n", out, n, fp);
        }
    }
    sign_key_free(k);
    export_extras_free(&x);
    return rc;
}

static int do_verify(int argc, char **argv, struct rm_err *e)
{
    struct ev_opts o;
    if (parse(argc, argv, &o, e) < 0)
        return EXIT_USAGE;
    if (o.help) {
        help_print(stdout, "evidence");
        return EXIT_DONE;
    }
    if (optind != argc - 1) {
        rm_errf(e, "evidence verify takes one bundle");
        return EXIT_USAGE;
    }
    struct sign_key *trusted = NULL;
    if (o.pubkey) {
        char *pem = NULL;
        size_t len = 0;
        if (read_file_bounded(o.pubkey, PUBKEY_MAX, &pem, &len, e) < 0)
            return EXIT_USAGE;
        trusted = sign_pubkey_parse(pem, len, e);
        free(pem);
        if (!trusted) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            rm_errf(e, "%s: %s", o.pubkey, msg);
            return EXIT_USAGE;
        }
    }
    struct evidence_report rep;
    int v = evidence_verify(argv[optind], trusted, &rep, e);
    sign_key_free(trusted);
    if (v < 0)
        return EXIT_USAGE; /* not a bundle that can be read at all: bad input, not a verdict */
    if (v == 0) {
        /* Exit status 1 is a verdict, not an error, so main.c prints nothing for it. */
        fprintf(stderr, "riskmap: %s does NOT verify: %s\n", argv[optind], e->msg);
        evidence_report_free(&rep);
        return EXIT_FINDINGS;
    }
    if (!o.quiet) {
        printf("%s verifies: %zu files match the MANIFEST, signed by Ed25519 key sha256:%s%s\n",
               argv[optind], rep.n_files, rep.fingerprint,
               rep.key_pinned ? " (the key given with --pubkey)"
                              : " (the key inside the bundle: compare its fingerprint with the "
                                "one the assessor published, or pass --pubkey)");
        printf("scan %s by %s on %s, finished %s; bundle created %s\n",
               rep.scan_id ? rep.scan_id : "?", rep.scan_operator ? rep.scan_operator : "?",
               rep.scan_host ? rep.scan_host : "?", rep.scan_finished ? rep.scan_finished : "?",
               rep.created ? rep.created : "?");
    }
    evidence_report_free(&rep);
    return EXIT_DONE;
}

static int do_key(int argc, char **argv, struct rm_err *e)
{
    struct ev_opts o;
    if (parse(argc, argv, &o, e) < 0)
        return EXIT_USAGE;
    if (o.help) {
        help_print(stdout, "evidence");
        return EXIT_DONE;
    }
    char keypath[PATH_MAX];
    if (o.key)
        snprintf(keypath, sizeof keypath, "%s", o.key);
    else
        default_key_path(keypath, sizeof keypath);
    bool created = false;
    struct sign_key *k = sign_key_load(keypath, true, &created, e);
    if (!k)
        return EXIT_RUNTIME;
    char fp[SIGN_FP_HEX_LEN + 1] = "";
    char *pem = sign_pubkey_pem(k);
    sign_fingerprint(k, fp);
    if (created && !o.quiet)
        fprintf(stderr, "riskmap: created the signing key %s\n", keypath);
    printf("key %s\nfingerprint sha256:%s\n%s", keypath, fp, pem ? pem : "");
    free(pem);
    sign_key_free(k);
    return EXIT_DONE;
}

int cmd_keygen(int argc, char **argv, struct rm_err *e)
{
    return do_key(argc, argv, e);
}

int cmd_evidence(int argc, char **argv, struct rm_err *e)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help_print(argc < 2 ? stderr : stdout, "evidence");
        return argc < 2 ? EXIT_USAGE : EXIT_DONE;
    }
    if (strcmp(argv[1], "export") == 0)
        return do_export(argc - 1, argv + 1, e);
    if (strcmp(argv[1], "verify") == 0)
        return do_verify(argc - 1, argv + 1, e);
    if (strcmp(argv[1], "key") == 0)
        return do_key(argc - 1, argv + 1, e);
    rm_errf(e, "evidence: unknown subcommand \"%s\" (export, verify, key)", argv[1]);
    return EXIT_USAGE;
}
