#include "help.h"

#include <string.h>

#include "scanner/cli_tls.h"
#include "scanner/options.h"

static const char overview[] =
    "riskmap " RISKMAP_VERSION " - security risk and compliance assessment scanner\n"
    "\n"
    "USAGE\n"
    "  riskmap scan [OPTIONS] TARGET...   scan hosts, run checks, write the scan result\n"
    "  riskmap checks [--kinds]           list the check modules (and the finding kinds they emit)\n"
    "  riskmap help [COMMAND]             show help for riskmap or one command\n"
    "  riskmap --version                  print the version\n"
    "\n"
    "riskmap scans the hosts a scope names, finds the TCP services they expose, runs modular\n"
    "checks on them and records every finding, with the raw evidence it rests on, in one\n"
    "versioned JSON document (the scan result) that later stages read offline.\n"
    "\n"
    "Scan only networks whose owner has authorised you to, in writing.\n"
    "\n"
    "EXIT STATUS\n"
    "  0  done\n"
    "  1  findings at or above --fail-on SEVERITY\n"
    "  2  usage or input error (bad option, target, port list or file)\n"
    "  3  runtime failure (no sockets, cannot write output, a check failed)\n"
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
    if (strcmp(command, "help") == 0) {
        fputs("USAGE\n  riskmap help [COMMAND]\n\nShows help for riskmap or for COMMAND (scan, tls, checks).\n", out);
        return 0;
    }
    return -1;
}
