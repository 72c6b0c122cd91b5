#include "help.h"

#include <string.h>

#include "scanner/cli_tls.h"
#include "scanner/options.h"

static const char overview[] =
    "riskmap " RISKMAP_VERSION " - security risk and compliance assessment scanner\n"
    "\n"
    "USAGE\n"
    "  riskmap scan [OPTIONS] TARGET...   scan hosts, run checks, write the scan result\n"
    "  riskmap tls [OPTIONS] HOST[:PORT]... assess TLS endpoints (protocols, suites, certificate, grade)\n"
    "  riskmap checks [--kinds]           list the check modules (and the finding kinds they emit)\n"
    "  riskmap evidence export|verify|key  signed evidence bundles for auditors\n"
    "  riskmap help [COMMAND]             show help for riskmap or one command\n"
    "  riskmap --version                  print the version\n"
    "\n"
    "riskmap scans the hosts a scope names, finds the TCP services they expose (and DNS, NTP\n"
    "and SNMP over UDP), runs modular checks on them and records every finding, with the raw\n"
    "evidence it rests on, in one versioned JSON document (the scan result) that later stages\n"
    "read offline.\n"
    "\n"
    "Scan only networks whose owner has authorised you to, in writing.\n"
    "\n"
    "EXIT STATUS\n"
    "  0  done\n"
    "  1  findings at or above --fail-on SEVERITY\n"
    "  2  usage or input error (bad option, target, port list or file)\n"
    "  3  runtime failure (no sockets, cannot write output, a check failed)\n"
    "  4  another scan of the same --data-dir is running (scan only)\n"
    "\n"
    "See riskmap help scan for targets, ports, timing and output; man riskmap for the manual.\n";

static const char scan_head[] =
    "USAGE\n"
    "  riskmap scan [OPTIONS] TARGET...\n"
    "\n"
    "Connect-scans every TCP port of the port list on every address in scope, in a\n"
    "pseudo-random order of (host, port) so that no host sees a burst, on one non-blocking\n"
    "event loop per worker thread. Then the check modules run on the open services. A summary\n"
    "is printed on standard output; -o writes the full scan result document.\n"
    "\n"
    "TARGETS (nmap syntax)\n"
    "  192.0.2.7              one IPv4 address\n"
    "  192.0.2.0/24           CIDR block\n"
    "  192.0.2.1-40           octet ranges: each octet may be N, N-M, -M, N-, * or a comma\n"
    "  192.0.2-3.1-254        list of those (192.0.2.1,5,9-12)\n"
    "  2001:db8::1            IPv6 address\n"
    "  2001:db8::/112         IPv6 prefix, /112 or longer (at most 65,536 addresses)\n"
    "  host.example           hostname, resolved once when the scan starts; recorded\n"
    "Addresses named twice are scanned once. Scopes above 65,536 addresses need\n"
    "--allow-large. Exclusions (--exclude, --excludefile) use the same syntax.\n"
    "\n"
    "OPTIONS\n";

static const char scan_tail[] =
    "\n"
    "PROGRESS\n"
    "  On a terminal, one line on standard error is updated with hosts done/total, ports\n"
    "  probed, open ports found, rate and ETA. Nothing is written to standard error when it is\n"
    "  not a terminal, or with -q. SIGINT stops the scan and keeps what it found.\n"
    "\n"
    "EXIT STATUS\n"
    "  0 done; 1 findings at or above --fail-on; 2 usage or input error; 3 runtime failure.\n"
    "\n"
    "EXAMPLES\n"
    "  riskmap scan 192.0.2.0/24 -o out                 top 1000 ports, result in out/scan.json\n"
    "  riskmap scan -iL clients.txt --exclude 192.0.2.1 -p 22,80,443,3389\n"
    "  riskmap scan 192.0.2.10 -p- --rate 500 --ndjson - > events.ndjson\n"
    "  riskmap scan 192.0.2.0/28 --dry-run              show the scope, send nothing\n";

static const char checks_help[] =
    "USAGE\n"
    "  riskmap checks [--kinds]\n"
    "\n"
    "Lists the registered check modules: id, what they apply to, and a summary. With --kinds,\n"
    "also every finding kind each module may emit, with its default severity.\n";

static const char evidence_help[] =
    "USAGE\n"
    "  riskmap evidence export SCAN [-o BUNDLE] [--key FILE] [--operator NAME]\n"
    "  riskmap evidence verify BUNDLE [--pubkey FILE]\n"
    "  riskmap evidence key [--key FILE]\n"
    "\n"
    "export writes a tar.gz for auditors from SCAN (a scan.json, or the directory holding it):\n"
    "the scan result byte for byte, the raw evidence behind every finding as files\n"
    "(evidence/), an index from each finding to its evidence (index/findings.json), a README\n"
    "with the commands that check the bundle without riskmap, and a MANIFEST with the SHA-256\n"
    "and size of every file and chain-of-custody metadata (who exported it where and when, the\n"
    "scan's id, operator, host and times), signed with Ed25519 (MANIFEST.sig, signer.pub.pem).\n"
    "The bundle is written to a temporary name and renamed. Default BUNDLE:\n"
    "riskmap-evidence-SCANID.tar.gz in the current directory.\n"
    "\n"
    "verify checks the signature and every file's size and SHA-256, and that the archive\n"
    "holds nothing unlisted. With --pubkey the signature must be that key's; without it the\n"
    "key inside the bundle is used, which proves integrity but not who signed: compare the\n"
    "printed fingerprint with the one the assessor published. Exit status 1: does not verify.\n"
    "\n"
    "key prints the signing key's public half and fingerprint (to publish), creating the key\n"
    "when it does not exist.\n"
    "\n"
    "OPTIONS\n"
    "  -o, --output BUNDLE  where export writes the bundle\n"
    "  --key FILE           Ed25519 private key (PEM). Default:\n"
    "                       $RISKMAP_DATA_DIR/keys/evidence-ed25519.pem, else\n"
    "                       /var/lib/riskmap/keys/evidence-ed25519.pem; the default key is\n"
    "                       created on first use (mode 0600, directory 0700). A key readable\n"
    "                       by others is refused.\n"
    "  --pubkey FILE        the public key (PEM) a bundle must be signed with (verify)\n"
    "  --operator NAME      who exports (default: the login name)\n"
    "  -q, --quiet          print nothing on success\n";

static const char tls_head[] =
    "USAGE\n"
    "  riskmap tls [OPTIONS] HOST[:PORT]...\n"
    "\n"
    "Runs the tls check alone against the named endpoints (port 443 when none is given; IPv6\n"
    "as [ADDRESS]:PORT): protocol versions SSLv2 to TLSv1.3 from hand-built hellos, every\n"
    "accepted cipher suite and the server's order, key exchange, renegotiation, compression,\n"
    "TLS_FALLBACK_SCSV, the certificate chain (trust, name, validity, key, signature), a\n"
    "letter grade and the Mozilla profile met (docs/tls-grading.md). A name is resolved once\n"
    "and checked against the certificate. Prints a summary per endpoint, then the findings.\n"
    "\n"
    "OPTIONS\n";

static const char tls_tail[] =
    "\n"
    "EXIT STATUS\n"
    "  0 done; 1 findings at or above --fail-on; 2 usage error; 3 runtime failure.\n"
    "\n"
    "EXAMPLES\n"
    "  riskmap tls portal.example                 full assessment of portal.example:443\n"
    "  riskmap tls --tls quick 192.0.2.10:993      protocols, one suite each, certificate\n"
    "  riskmap tls --json mail.example:465 > tls.json\n";

static void print_options(FILE *out, const struct optdef *defs, size_t n_defs)
{
    for (size_t i = 0; i < n_defs; i++) {
        const struct optdef *d = &defs[i];
        char head[80];
        int n;
        if (d->id < 256)
            n = snprintf(head, sizeof head, "  -%c, --%s", d->id, d->name);
        else if (d->alias)
            n = snprintf(head, sizeof head, "  %s, --%s", d->alias, d->name);
        else
            n = snprintf(head, sizeof head, "      --%s", d->name);
        if (d->arg && n > 0 && (size_t)n < sizeof head)
            snprintf(head + n, sizeof head - (size_t)n, " %s", d->arg);
        fprintf(out, "%s\n", head);
        /* Wrap the help text at 78 columns, indented by 8. */
        const char *p = d->help;
        while (*p) {
            size_t len = strlen(p);
            size_t cut = len;
            if (len > 70) {
                cut = 70;
                while (cut > 0 && p[cut] != ' ')
                    cut--;
                if (cut == 0)
                    cut = 70;
            }
            fprintf(out, "        %.*s\n", (int)cut, p);
            p += cut;
            while (*p == ' ')
                p++;
        }
        if (d->def)
            fprintf(out, "        Default: %s.\n", d->def);
    }
}

int help_print(FILE *out, const char *command)
{
    if (!command) {
        fputs(overview, out);
        return 0;
    }
    if (strcmp(command, "scan") == 0) {
        fputs(scan_head, out);
        print_options(out, scan_optdefs, scan_n_optdefs);
        fputs(scan_tail, out);
        return 0;
    }
    if (strcmp(command, "tls") == 0) {
        fputs(tls_head, out);
        print_options(out, tls_optdefs, tls_n_optdefs);
        fputs(tls_tail, out);
        return 0;
    }
    if (strcmp(command, "checks") == 0) {
        fputs(checks_help, out);
        return 0;
    }
    if (strcmp(command, "evidence") == 0) {
        fputs(evidence_help, out);
        return 0;
    }
    if (strcmp(command, "help") == 0) {
        fputs("USAGE\n  riskmap help [COMMAND]\n\nShows help for riskmap or for COMMAND (scan, tls, checks, evidence).\n", out);
        return 0;
    }
    return -1;
}
