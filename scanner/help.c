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
    "  riskmap policy eval|validate|show|list  compliance: findings against policies (XML)\n"
    "  riskmap roadmap SCAN.json [...]    initiatives by quarter with effort and budget\n"
    "  riskmap report SCAN.json -o DIR    the client report: one self-contained HTML file\n"
    "  riskmap backup --backup SPEC...    audit backup sources only (no scan): age vs RPO\n"
    "  riskmap inventory HOST=FILE...     installed packages/hotfixes vs the feed (no scan)\n"
    "  riskmap evidence export|verify|key  signed evidence bundles for auditors\n"
    "  riskmap feed import FILE... | info load advisories (OSV, NVD, CISA KEV) / show what is loaded\n"
    "  riskmap register list|show|assign|accept|update|export|...  the risk register across scans\n"
    "  riskmap diff A B                   what changed between two scans (new, resolved, severity)\n"
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
    "  riskmap scan 192.0.2.0/28 --dry-run              show the scope, send nothing\n"
    "  riskmap scan 192.0.2.0/24 --inventory 192.0.2.10=web1-dpkg.txt \\\n"
    "               --inventory pc7=pc7-hotfix.csv,build=19045\n"
    "                 installed packages as patch.cve confidence confirmed (docs/inventory.md)\n";

static const char checks_help[] =
    "USAGE\n"
    "  riskmap checks [--kinds]\n"
    "\n"
    "Lists the registered check modules: id, what they apply to, and a summary. With --kinds,\n"
    "also every finding kind each module may emit, with its default severity.\n";

static const char policy_help[] =
    "USAGE\n"
    "  riskmap policy eval [-p POLICY]... [-c PROFILE] [--date YYYY-MM-DD] [--json] [-o FILE]\n"
    "                      [--xccdf FILE] [--arf FILE] [-q] [--stats] SCAN.json\n"
    "  riskmap evaluate ...                  (the same as riskmap policy eval)\n"
    "  riskmap export xccdf|arf [-p POLICY]... [-c PROFILE] -o FILE SCAN.json\n"
    "  riskmap policy validate FILE...\n"
    "  riskmap policy show POLICY\n"
    "  riskmap policy list\n"
    "\n"
    "Policies are XML (schema: policies/schema/policy.xsd): controls with references into\n"
    "frameworks, rules binding finding kinds to controls with severity, likelihood, impact,\n"
    "conditions and remediation. POLICY is a shipped id (riskmap policy list: baseline,\n"
    "cis-v8, nist-csf, hipaa, iso27001, pci-dss) or a file. A client profile (schema\n"
    "policies/schema/profile.xsd, example in contrib/examples/) names the client's assets,\n"
    "backups, package inventories and policies and tailors them: rules off, thresholds,\n"
    "accepted risks, answers to manual controls. Every file is validated on load; errors\n"
    "read FILE:LINE: MESSAGE.\n"
    "\n"
    "eval reads a scan result and gives each control pass, fail, partial, not-applicable or\n"
    "not-checked (never pass for what nothing checked), with the findings behind it, and per\n"
    "framework how many items were checked and pass. Policies: -p, else the profile's, else\n"
    "baseline. -c is also spelled --profile or --client. --json prints the evaluation\n"
    "document; -o writes it to FILE; --xccdf writes an XCCDF 1.2 Benchmark with a TestResult\n"
    "(for SCAP tools such as oscap), --arf its TestResult in an ARF 1.1 asset report\n"
    "collection with the hosts as assets. Risk acceptances are judged at --date (default: the\n"
    "scan's date). --stats prints the time each phase took on standard error; -q prints\n"
    "nothing but what --json, -o, --xccdf and --arf ask for.\n"
    "\n"
    "EXIT STATUS\n"
    "  0 no control fails; 1 a control fails; 2 invalid input; 3 runtime failure.\n";
static const char roadmap_help[] =
    "USAGE\n"
    "  riskmap roadmap [-p POLICY]... [-c PROFILE] [--capacity HOURS] [--date YYYY-MM-DD]\n"
    "                  [--json] [--stats] SCAN.json\n"
    "\n"
    "Scores the scan result's failing findings (docs/risk-scoring.md) and plans the open risks\n"
    "as a roadmap (docs/roadmap.md): risks grouped into the policies' initiatives (a rule\n"
    "naming none is its own group, titled from its remediation), each with its risk reduction\n"
    "(sum of residual scores), effort (the remediation's hours, once per asset), cost band and\n"
    "budget, and priority (risk reduced per effort hour), placed in the four calendar quarters\n"
    "from the scan date. Urgent work goes first (a very high, critical or known-exploited risk,\n"
    "or software already past its end of life); an eol_date fact pulls a replacement into the\n"
    "quarter before it; initiatives serving a business objective of the profile are done by\n"
    "its target; the rest follows priority within each quarter's effort capacity, and what fits\n"
    "nowhere is shown as later.\n"
    "\n"
    "OPTIONS\n"
    "  -p, --policy POLICY   shipped id or file; repeatable (default: the profile's, else baseline)\n"
    "  -c, --client PROFILE  client profile: asset criticality, accepted risks, objectives,\n"
    "                        capacity (<roadmap quarter-capacity-hours=\"..\"/>); also --profile\n"
    "  --capacity HOURS      effort hours per quarter (default: the profile's, else 80)\n"
    "  --date YYYY-MM-DD     judge risk acceptances at this date (default: the scan's)\n"
    "  --json                print the roadmap document (\"riskmap-roadmap\", version 1)\n"
    "  --stats               time of each phase on standard error\n"
    "\n"
    "Budget figures per remediation and asset: minimal 0, low 500, medium 5,000, high 25,000,\n"
    "very high 75,000 (staff time is the effort, not in the budget).\n"
    "\n"
    "EXAMPLE\n"
    "  riskmap roadmap scan.json -c contrib/examples/client-profile.xml\n"
    "\n"
    "EXIT STATUS\n"
    "  0 done; 2 invalid input; 3 runtime failure.\n";

static const char report_help[] =
    "USAGE\n"
    "  riskmap report [-p POLICY]... [-c PROFILE] [--capacity HOURS] [--date YYYY-MM-DD]\n"
    "                 [--data-dir DIR | --db PATH] [--record] -o OUT [--format html,json,csv]\n"
    "                 [--stats] [SCAN.json]\n"
    "\n"
    "Writes the client report for a scan result into DIR (created if missing; every file written\n"
    "to a temporary name and renamed, mode 0600):\n"
    "  report.html   one self-contained file: no script, nothing fetched (charts are inline\n"
    "                SVG, the MSP's logo a data: URI). Sections: executive summary (worst single\n"
    "                risk, total risk, the five biggest risks in plain language, what changed,\n"
    "                what it costs, compliance at a glance), risk register, roadmap, controls\n"
    "                by framework, technical detail per host with its evidence. Print it to PDF\n"
    "                from a browser: the print style starts each section on a new page.\n"
    "  roadmap.json  the roadmap, as riskmap roadmap --json prints it (--format json)\n"
    "  register.json the register's risks and trend (--format json)\n"
    "  register.csv  the register, RFC 4180, UTF-8 with a BOM so that Excel opens it as such\n"
    "                (--format csv)\n"
    "\n"
    "Policies: -p, else the profile's, else baseline. The profile's <branding> gives the MSP's\n"
    "name, colour and logo (a PNG or SVG file of at most 256 KiB; anything else is left out\n"
    "with a warning), its <objective> elements the business objectives the roadmap serves.\n"
    "Everything from the scan is HTML-escaped: banners and titles come from the scanned\n"
    "servers. Evidence over 2,048 bytes is cut, with its size and SHA-256; the 250 hosts with\n"
    "the highest risk get full detail (the register lists every risk of every host).\n"
    "With the client's risk register (--data-dir DIR: DIR/register.db, and DIR/latest when no\n"
    "SCAN is named; or --db PATH) the risks are the register's, with their status, owners,\n"
    "acceptances and first/last seen, and the report shows the trend of risk and compliance\n"
    "over every recorded scan and what changed since the previous one. Without a register the\n"
    "scan is scored on its own and the report says it covers a single scan.\n"
    "With --record the scan is first applied to that register, exactly as riskmap register\n"
    "update does (made when missing, one transaction; its line \"register: N new, ...\" is\n"
    "printed first), and the report is written from the register as that update left it: the\n"
    "same report as register update followed by report --data-dir/--db, in one process that\n"
    "loads, evaluates and scores the scan once. The scan is evaluated at its own date (no\n"
    "--date).\n"
    "\n"
    "OPTIONS\n"
    "  -o, --output DIR      output directory (required)\n"
    "  --format LIST         html, json, csv, comma-separated (default html)\n"
    "  --data-dir DIR        the client's data directory: its register and latest scan\n"
    "  --db PATH             a register file (riskmap register)\n"    "  --record              apply the scan to the register first (register update)\n"
    "  -p, -c, --capacity, --date, --stats   as for riskmap roadmap\n"
    "\n"
    "EXAMPLE\n"
    "  riskmap report scan.json -c contrib/examples/client-profile.xml -o out --format html,json\n"
    "  riskmap report --data-dir /var/lib/riskmap/acme -c acme.xml -o out --format html,csv\n"
    "  riskmap report out/scan.json -c acme.xml --data-dir /var/lib/riskmap/acme --record -o rep\n"
    "\n"
    "EXIT STATUS\n"
    "  0 written; 2 invalid input; 3 runtime failure (cannot write DIR).\n";

static const char backup_help[] =
    "USAGE\n"
    "  riskmap backup --backup TYPE:LOCATION[,key=value...] ... [--asset NAME]... [OPTIONS]\n"
    "\n"
    "Runs only the backup check: reads each source, judges the latest successful backup\n"
    "against its RPO and prints the findings (backup.ok, backup.stale, backup.none,\n"
    "backup.retention, backup.empty, backup.shrunk, backup.unreadable, backup.future,\n"
    "backup.missing, backup.offsite.missing). The same --backup works on riskmap scan.\n"
    "\n"
    "TYPES\n"
    "  restic:REPO      restic snapshots --json (password-file=, or the environment);\n"
    "                   host=, tag= pick one machine's snapshots in a shared repository;\n"
    "                   sizes of the latest two: restic stats --json --mode restore-size\n"
    "  borg:REPO        borg list --json (password-file=, or the environment); checkpoints\n"
    "                   do not count; archives=GLOB picks archives by name; sizes of the\n"
    "                   latest two: borg info --json\n"
    "  directory:DIR    newest file matching pattern= (default *), by mtime; recursive\n"
    "  json:FILE        status export; time-field=, result-field=, size-field=, ok=A|B,\n"
    "  csv:FILE         records= (json), sep= (csv), date=mdy|dmy (11/22/2026 10:00 PM);\n"
    "                   only successful runs count\n"
    "  marker:FILE      its content (a time) or else its mtime is the last success\n"
    "KEYS (all types)\n"
    "  name=, asset=, rpo=24h, retention=N, offsite=yes|no, immutable=yes|no, tz=local|utc|+HH:MM\n"
    "  (for times written without a zone), timeout=S, saved=FILE (restic/borg: read saved\n"
    "  output instead of running the tool; no sizes then, unless the file has them), tool=PATH\n"
    "\n"
    "OPTIONS\n"
    "  --asset NAME      a critical asset: backup.missing when no source protects it\n"
    "  --rpo DURATION    default RPO (90m, 24h, 7d); default 24h\n"
    "  --retention N     default minimum of restore points; default none\n"
    "  --now TIME        judge as of TIME (UTC, RFC 3339) instead of the clock\n"
    "  --json            findings and evidence as JSON on standard output\n"
    "  --fail-on SEV     exit 1 when a finding is at or above SEV\n";

static const char inventory_help[] =
    "USAGE\n"
    "  riskmap inventory [--json] [--fail-on SEVERITY] HOST=FILE[,KEY=VALUE...]...\n"
    "\n"
    "Runs only the patch check, over package inventories collected on hosts, without a scan:\n"
    "the installed packages the feed's records say are affected (patch.cve, confidence\n"
    "confirmed, one per source package), a Windows build behind on cumulative updates\n"
    "(patch.hotfix.missing), and per file a patch.inventory finding with its path, SHA-256,\n"
    "format and ecosystem. HOST is an address here. FILE is dpkg-query -W output,\n"
    "/var/lib/dpkg/status, rpm -qa output or a Get-HotFix | Export-Csv file (UTF-8 or\n"
    "UTF-16), recognised from its content; keys format=dpkg|dpkg-status|rpm|hotfix,\n"
    "os=Debian:12 (the OSV ecosystem: inferred for Debian from +debNN markers, needed for\n"
    "rpm), build=19045 (a Windows build, for hotfix lists). The feed is\n"
    "$RISKMAP_DATA_DIR/feed.db, else /var/lib/riskmap/feed.db (riskmap feed import).\n"
    "The same inventories work on riskmap scan (--inventory) and in a client profile\n"
    "(<inventory host= file=/>), where banner matches the installed packages fix are dropped.\n"
    "See docs/inventory.md.\n"
    "\n"
    "  --json             the findings and their evidence as JSON\n"
    "  --fail-on SEVERITY exit 1 when a finding is at or above it\n"
    "\n"
    "EXIT STATUS\n"
    "  0 done; 1 findings at or above --fail-on; 2 usage error or unreadable inventory;\n"
    "  3 runtime failure.\n";

static const char evidence_help[] =
    "USAGE\n"
    "  riskmap evidence export [SCAN] [-o BUNDLE] [--framework ID] [--policy P]... [--client\n"
    "                          PROFILE] [--data-dir DIR] [--key FILE] [--operator NAME]\n"
    "  riskmap evidence verify BUNDLE [--pubkey FILE]\n"
    "  riskmap evidence key [--key FILE]      (also: riskmap keygen [--key FILE])\n"
    "\n"
    "export writes a tar.gz for auditors from SCAN (a scan.json, or the directory holding it):\n"
    "the scan result byte for byte, the raw evidence behind every finding as files\n"
    "(evidence/), an index from each finding to its evidence (index/findings.json), a README\n"
    "with the commands that check the bundle without riskmap, and a MANIFEST with the SHA-256\n"
    "and size of every file and chain-of-custody metadata (who exported it where and when, the\n"
    "scan's id, operator, host and times), signed with Ed25519 (MANIFEST.sig, signer.pub.pem).\n"
    "The bundle is written to a temporary name and renamed. Default BUNDLE:\n"
    "riskmap-evidence-SCANID.tar.gz in the current directory, or in DIR/evidence/ for a scan of\n"
    "a client's data directory. Without SCAN, --data-dir's latest scan is exported.\n"
    "\n"
    "The policy results go in as policy-results.json, evaluated at export time with the\n"
    "policies named (--policy, --client), else those the scan was evaluated with; the client\n"
    "report as reports/report.html; and a snapshot of the risk register as\n"
    "register/register.csv and register/register.json: the client's register when the scan\n"
    "is in a data directory that has one (--data-dir, or DIR/scans/NAME/scan.json), else the\n"
    "scan's own scored risks. With\n"
    "--framework ID (hipaa, cis-v8, nist-csf, iso27001, pci-dss...), index/framework-ID.json\n"
    "maps each item of that framework to its status, its controls, and the findings and\n"
    "evidence files that contradict it (failing), that it was accepted despite, and that\n"
    "support it, with the profile's answers to manual controls and their evidence hashes.\n"
    "\n"
    "verify checks the signature and every file's size and SHA-256, and that the archive\n"
    "holds nothing unlisted. With --pubkey the signature must be that key's; without it the\n"
    "key inside the bundle is used, which proves integrity but not who signed: compare the\n"
    "printed fingerprint with the one the assessor published. Exit status 1: does not verify;\n"
    "2: not a bundle that can be read at all (missing, not a tar.gz), or a --key/--pubkey\n"
    "file that cannot be used.\n"
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
    "  --framework ID       add the per-framework index (export)\n"
    "  --policy ID|FILE     evaluate against this policy for the export (repeatable)\n"
    "  --client PROFILE     evaluate with this client profile's policies and tailoring\n"
    "  --data-dir DIR       the client's data directory: export its latest scan\n"
    "  -q, --quiet          print nothing on success\n";

static const char feed_help[] =
    "USAGE\n"
    "  riskmap feed [--feed-db PATH] import [--shipped] FILE...\n"
    "  riskmap feed [--feed-db PATH] info\n"
    "  riskmap feed [--feed-db PATH] match FILE...\n"
    "\n"
    "import loads advisory files into the feed the patch check reads: OSV JSON (one record or\n"
    "an array), NVD CVE JSON 2.0 (API responses or the yearly files) and the CISA Known\n"
    "Exploited Vulnerabilities catalog; the format is recognised from the content. An archive\n"
    "(zip, tar, tar.gz, tar.xz...) of OSV records, as osv.dev publishes an ecosystem\n"
    "(Debian/all.zip: a JSON file per record), is one import of all its *.json entries. Each file is\n"
    "one transaction: a malformed file is rejected whole, with the JSON path of the problem,\n"
    "and files before it stay imported. An advisory imported again replaces its earlier copy.\n"
    "End-of-life data comes from endoflife.date: a product's API file (/api/PRODUCT.json, a\n"
    "bare list of release cycles: save it as PRODUCT.json, the name says which product), an API\n"
    "v1 product (/api/v1/products/PRODUCT, names itself) or a bundle {\"endoflife.date\":\n"
    "{\"PRODUCT\": [cycles...]}}. A product imported again replaces its cycles. --shipped\n"
    "imports the data built into riskmap first: such a bundle, real NVD records and CISA KEV\n"
    "entries for the products detection names, and Debian 12 records made from the Debian\n"
    "changelogs of their packages\n"
    "(checks/data/README.md lists every record and its source; docs/feed.md). Its NVD\n"
    "records are months old: import current files after it.\n"
    "info shows, per source, how many records are loaded, the newest one, its age and when the\n"
    "source was last imported, and the end-of-life products loaded. match reads queries, one a line (\"-\" is standard input):\n"
    "  cpe VENDOR:PRODUCT VERSION         cpe openbsd:openssh 9.2p1\n"
    "  pkg ECOSYSTEM PACKAGE VERSION      pkg Debian:12 openssh 1:9.2p1-2+deb12u2\n"
    "  eol PRODUCT VERSION                eol nginx 1.22.1\n"
    "and prints the CVEs whose ranges include each version, or the release cycle and its end\n"
    "of life.\n"
    "\n"
    "  --feed-db PATH   the feed store. Default: $RISKMAP_DATA_DIR/feed.db, else\n"
    "                   /var/lib/riskmap/feed.db (created 0600, its directory 0700).\n";

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

static const char register_help[] =
    "USAGE\n"
    "  riskmap register update SCAN.json [-p POLICY]... [-c PROFILE] [--stats]\n"
    "  riskmap register list [--status S] [--min-score N] [--asset A] [--framework F]\n"
    "                        [--owner O] [--kind K]\n"
    "  riskmap register summary\n"
    "  riskmap register show FINGERPRINT-PREFIX\n"
    "  riskmap register assign PREFIX OWNER [--due YYYY-MM-DD] [--by NAME]\n"
    "  riskmap register accept PREFIX --until YYYY-MM-DD --reason TEXT [--by NAME]\n"
    "  riskmap register mitigate PREFIX --note TEXT [--by NAME]\n"
    "  riskmap register note PREFIX TEXT | --note TEXT [--by NAME]\n"
    "  riskmap register false-positive PREFIX --reason TEXT [--by NAME]\n"
    "  riskmap register exception PREFIX --reason TEXT [--by NAME]\n"
    "  riskmap register export [--format csv|json] [-o FILE] [--bom] [list filters]\n"
    "  riskmap register trend [--json]\n"
    "Every subcommand names the register with --data-dir DIR (DIR/register.db, the client's\n"
    "data directory that riskmap scan --data-dir keeps) or --db PATH.\n"
    "\n"
    "The risk register keeps every risk of one client across scans, one row per finding\n"
    "fingerprint (stable from scan to scan): title, asset and port, the controls and framework\n"
    "items it fails, likelihood, impact, inherent and residual score (docs/risk-scoring.md),\n"
    "status, owner, due date, treatment, first and last seen, and the history of every change\n"
    "with who made it and when (UTC). It is one SQLite file, mode 0600.\n"
    "\n"
    "update evaluates a scan result against the policies (as riskmap policy eval does: -p\n"
    "names policies, else the profile's, else the baseline), scores it and applies it in one\n"
    "transaction; riskmap scan --data-dir does the same at the end of each scan, and riskmap\n"
    "report --record before it writes the client report from the register. A killed\n"
    "update leaves the register as it was. Applying the same scan twice changes nothing; a scan\n"
    "older than the newest one applied is refused. What a scan does to each risk:\n"
    "  new fingerprint                 open (accepted, when the client profile accepts it)\n"
    "  found again                     keeps its status, owner and due date; scores and\n"
    "                                  last-seen refreshed\n"
    "  accepted, date passed           open again (the acceptance covers through its date)\n"
    "  resolved, found again           reopened\n"
    "  exception                       stays an exception, found or not\n"
    "  not found by a complete scan    resolved; an incomplete scan (interrupted, a check\n"
    "                                  failed) resolves nothing\n"
    "Each automatic change is recorded as made by \"scan SCANID\".\n"
    "\n"
    "STATUS\n"
    "  open, reopened   counted at the inherent score\n"
    "  mitigating       treatment under way: counted, likelihood lowered by 2\n"
    "  accepted         until a date, with a reason: listed, not counted\n"
    "  exception        false positive or compensating control: listed with its reason,\n"
    "                   out of every score\n"
    "  resolved         the last complete scan did not find it\n"
    "\n"
    "HEADLINE FIGURES\n"
    "  list, summary and update print the worst single risk (the highest residual score of a\n"
    "  counted risk) and the total risk (the sum of the residual scores of all counted risks),\n"
    "  each with its movement since the scan before the newest one.\n"
    "\n"
    "SUBCOMMANDS\n"
    "  list      risks, highest residual first. --status one status; --min-score N residual\n"
    "            at least N (0-25); --asset name or address; --framework a framework id\n"
    "            among its references (hipaa, cis-v8, ...); --owner; --kind an exact kind, or\n"
    "            a prefix ending in a dot (tls.)\n"
    "  summary   the headline figures and the count per status\n"
    "  show      one risk and its history. PREFIX: at least 4 hex digits of the fingerprint\n"
    "            (as list prints them), enough to name one risk\n"
    "  assign    sets the owner and optionally the due date\n"
    "  accept    accepted until --until (inclusive) because of --reason\n"
    "  mitigate  status mitigating; the note says what is being done\n"
    "  note      adds a note to the history, status unchanged\n"
    "  false-positive, exception\n"
    "            takes the risk out of the scores (a false positive; a compensating control)\n"
    "            and keeps it listed with the reason\n"
    "  export    CSV (RFC 4180, CRLF, UTF-8; --bom for Excel) or JSON, to -o FILE (written\n"
    "            atomically, 0600) or standard output. In CSV, a text field starting with\n"
    "            = + - @ is prefixed with ' so a spreadsheet does not run it as a formula\n"
    "  update    --stats: the time to load the inputs and to evaluate, score and apply, on\n"
    "            standard error\n"
    "  trend     one line per scan: worst, total, risks counted, new, resolved, reopened, and\n"
    "            per framework the items that pass/fail/are partial/were not checked\n"
    "\n"
    "  --by NAME   who made the change. Default: $SUDO_USER, else $USER, else the user name\n"
    "              of the uid.\n"
    "\n"
    "EXIT STATUS\n"
    "  0 done; 2 usage error or unknown/ambiguous fingerprint; 3 the register cannot be read\n"
    "  or written.\n"
    "\n"
    "EXAMPLES\n"
    "  riskmap register update out/scan.json -c acme.xml --data-dir /var/lib/riskmap/acme\n"
    "  riskmap register list --data-dir /var/lib/riskmap/acme --status open --min-score 12\n"
    "  riskmap register assign 9f3a acme-it --due 2026-12-31 --data-dir /var/lib/riskmap/acme\n"
    "  riskmap register accept 22567f --until 2027-03-31 --reason \"replaced in Q1\" --db r.db\n"
    "  riskmap register export --format csv --bom -o register.csv --db r.db\n";

static const char diff_help[] =
    "USAGE\n"
    "  riskmap diff [--json] A B\n"
    "  riskmap diff [--json] --data-dir DIR [A B]\n"
    "\n"
    "Compares two scans by finding fingerprint: findings new in B, findings of A that B did\n"
    "not find (resolved; when B is incomplete they may only not have been looked for, and the\n"
    "output says so), and findings in both whose severity changed. A is the older scan.\n"
    "A and B are scan result files or scan directories; with --data-dir DIR they may also be\n"
    "the name of a scan directory under DIR/scans, \"latest\" or \"previous\" (the scan before\n"
    "latest). With --data-dir and no A B: previous against latest.\n"
    "\n"
    "  --json   the diff as one JSON document (riskmap-scan-diff, version 1)\n"
    "\n"
    "EXAMPLES\n"
    "  riskmap diff old/scan.json new/scan.json\n"
    "  riskmap diff --data-dir /var/lib/riskmap/acme            previous against latest\n"
    "  riskmap diff --data-dir /var/lib/riskmap/acme 20261101T020000Z-1a2b3c4d latest --json\n";

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
    if (strcmp(command, "feed") == 0) {
        fputs(feed_help, out);
        return 0;
    }
    if (strcmp(command, "policy") == 0) {
        fputs(policy_help, out);
        return 0;
    }
    if (strcmp(command, "roadmap") == 0) {
        fputs(roadmap_help, out);
        return 0;
    }
    if (strcmp(command, "report") == 0) {
        fputs(report_help, out);
        return 0;
    }
    if (strcmp(command, "backup") == 0) {
        fputs(backup_help, out);
        return 0;
    }
    if (strcmp(command, "inventory") == 0) {
        fputs(inventory_help, out);
        return 0;
    }
    if (strcmp(command, "evidence") == 0) {
        fputs(evidence_help, out);
        return 0;
    }
    if (strcmp(command, "register") == 0) {
        fputs(register_help, out);
        return 0;
    }
    if (strcmp(command, "diff") == 0) {
        fputs(diff_help, out);
        return 0;
    }
    if (strcmp(command, "help") == 0) {
        fputs("USAGE\n  riskmap help [COMMAND]\n\nShows help for riskmap or for COMMAND (scan, tls, checks, feed, policy, roadmap, report, backup, inventory, evidence).\n", out);
        return 0;
    }
    return -1;
}
