#!/bin/sh
# Stapled OCSP in the tls check, against REAL `openssl s_server -status_file` instances on
# 127.0.75.0/24 (TLS_OCSP_NET moves them) serving DER responses made here by a real
# `openssl ocsp` responder (-index/-rsigner/-respout; nothing leaves the machine): a good
# status, a revoked certificate, a response signed by a responder its issuer never certified,
# a response about another certificate, no staple at all, and a good staple on a TLS 1.3-only
# server (where it travels encrypted and OpenSSL's handshake reads it). Each case asserts the
# exact OCSP facts, finding kinds and grade.
#
# A stale response (nextUpdate passed) cannot be made by `openssl ocsp`, which dates its
# answers now; the unit tests (tests/unit/test_tls.c) sign stale ones with OpenSSL's OCSP API.
set -u
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lab/servers.sh"
srv_init "$WORK/servers"
trap 'srv_stop_all; cleanup' EXIT INT TERM

PORT=4433
NET=${TLS_OCSP_NET:-127.0.75}
PKI=$WORK/pki
mkdir -p "$PKI/new"
: > "$PKI/index.txt"
echo 2000 > "$PKI/serial"
cat > "$PKI/ca.cnf" <<CNF
[ ca ]
default_ca = lab
[ lab ]
database = $PKI/index.txt
serial = $PKI/serial
new_certs_dir = $PKI/new
policy = any
copy_extensions = copy
unique_subject = no
default_md = sha256
default_days = 90
[ any ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
[ v3_ocsp ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
CNF
quietly() { "$@" > "$WORK/openssl.out" 2>&1 || { echo "openssl failed: $*"; cat "$WORK/openssl.out"; exit 1; }; }
ca() { quietly openssl ca -batch -config "$PKI/ca.cnf" "$@"; }

quietly openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/root.key" -out "$PKI/root.pem" \
    -days 3650 -subj "/CN=riskmap ocsp test root" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
quietly openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/inter.key" -out "$PKI/inter.csr" \
    -subj "/CN=riskmap ocsp test intermediate"
ca -cert "$PKI/root.pem" -keyfile "$PKI/root.key" -in "$PKI/inter.csr" -out "$PKI/inter.pem" \
    -extensions v3_ca -days 3650 -notext
# issued NAME CN EXTENSIONS: a certificate the intermediate issues.
issued() {
    quietly openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" \
        -subj "/CN=$2" -addext "subjectAltName=DNS:$2"
    ca -cert "$PKI/inter.pem" -keyfile "$PKI/inter.key" -in "$PKI/$1.csr" -out "$PKI/$1.pem" \
        -extensions "$3" -notext
}
issued good good.test v3_leaf
issued revoked good.test v3_leaf
issued ecleaf good.test v3_leaf
issued responder "riskmap ocsp responder" v3_ocsp
ca -cert "$PKI/inter.pem" -keyfile "$PKI/inter.key" -revoke "$PKI/revoked.pem" -crl_reason keyCompromise
# A responder nobody certified: self-signed, with the OCSP signing purpose.
quietly openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/rogue.key" -out "$PKI/rogue.pem" \
    -days 30 -subj "/CN=rogue responder" -addext "extendedKeyUsage=OCSPSigning"

# respond CERT SIGNER OUT: the responder's answer about CERT (from the CA database), DER.
respond() {
    quietly openssl ocsp -issuer "$PKI/inter.pem" -cert "$PKI/$1.pem" -no_nonce -reqout "$PKI/$1.req"
    quietly openssl ocsp -index "$PKI/index.txt" -CA "$PKI/inter.pem" -rsigner "$PKI/$2.pem" \
        -rkey "$PKI/$2.key" -reqin "$PKI/$1.req" -respout "$PKI/$3.der" -ndays 7
}
respond good responder good
respond revoked responder revoked
respond good rogue rogue
respond ecleaf responder ecleaf

MODERN="ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"
# serve HOSTNUM CERT STAPLE|- S_SERVER-OPTIONS...
serve() {
    h=$1 c=$2 st=$3
    shift 3
    staple=""
    [ "$st" != - ] && staple="-status_file $PKI/$st.der"
    # shellcheck disable=SC2086
    srv_start "ocsp-$h" "$NET.$h" "$PORT" -- openssl s_server -accept "$NET.$h:$PORT" \
        -cert "$PKI/$c.pem" -key "$PKI/$c.key" -cert_chain "$PKI/inter.pem" $staple -www -quiet "$@" ||
        not_ok "$SRV_WHY"
}
serve 1 good good -min_protocol TLSv1.2 -cipher "$MODERN" -serverpref
serve 2 revoked revoked -min_protocol TLSv1.2 -cipher "$MODERN" -serverpref
serve 3 good rogue -min_protocol TLSv1.2 -cipher "$MODERN" -serverpref
serve 4 revoked good -min_protocol TLSv1.2 -cipher "$MODERN" -serverpref
serve 5 good - -min_protocol TLSv1.2 -cipher "$MODERN" -serverpref
serve 6 ecleaf ecleaf -tls1_3

# The tls.summary facts ("key=value" lines, ocsp and grade ones), then "kinds=" the sorted
# finding kinds, then the revoked finding's facts when there is one.
cat > "$WORK/facts.py" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for f in doc["findings"]:
    facts = f["facts"]
    facts = facts.items() if isinstance(facts, dict) else [(x["key"], x["value"]) for x in facts]
    for k, v in facts:
        if f["kind"] == "tls.summary" and (k.startswith("ocsp") or k in ("grade", "grade_caps", "trusted")):
            print("%s=%s" % (k, v))
        elif f["kind"] in ("tls.cert.revoked", "tls.ocsp.invalid") and k in ("reason", "ocsp_verified", "ocsp_status"):
            print("%s.%s=%s" % (f["kind"], k, v))
print("kinds=" + ",".join(sorted({f["kind"] for f in doc["findings"]})))
PY
run() { # run NAME HOSTNUM [riskmap tls options]
    n=$1 h=$2
    shift 2
    if ! timeout 60 "$RISKMAP" tls --json --tls-ca-file "$PKI/root.pem" --resolve "good.test:$NET.$h" \
            "$@" "good.test:$PORT" > "$WORK/$n.json" 2> "$WORK/$n.err"; then
        not_ok "$n: riskmap tls failed: $(cat "$WORK/$n.err")"
        return 1
    fi
    python3 "$WORK/facts.py" "$WORK/$n.json" > "$WORK/$n.facts"
}
expect() { # expect CASE KEY VALUE
    got=$(sed -n "s/^$2=//p" "$WORK/$1.facts")
    if [ "$got" = "$3" ]; then ok "$1: $2 = $3"; else not_ok "$1: $2 is \"$got\", expected \"$3\""; fi
}
today=$(date -u +%Y-%m-%d)
week=$(date -u -d "+7 days" +%Y-%m-%d)

run good 1
expect good ocsp_stapling yes
expect good ocsp_status good
expect good ocsp_verified yes
expect good ocsp_fresh yes
check "good: thisUpdate is today ($(sed -n 's/^ocsp_this_update=//p' "$WORK/good.facts"))" \
    grep -q "^ocsp_this_update=${today}T" "$WORK/good.facts"
check "good: nextUpdate in 7 days" grep -q "^ocsp_next_update=${week}T" "$WORK/good.facts"
expect good kinds "tls.hsts.missing,tls.summary"
expect good grade A
# The ServerHello record of the best version, as received, is evidence of the summary.
check "good: the TLS 1.3 ServerHello record is evidence" python3 -c '
import base64, json, sys
d = json.load(open(sys.argv[1]))
s = [f for f in d["findings"] if f["kind"] == "tls.summary"][0]
ev = [e for e in d["evidence"] if e["id"] in s["evidence"] and e["media_type"] == "application/octet-stream"]
assert len(ev) == 1, ev
e = ev[0]
b = base64.b64decode(e["data"])
assert e["description"] == "tls: the TLSv1.3 ServerHello record from %s.1:4433 as received (%d of %d bytes)" % (sys.argv[2], len(b), len(b)), e["description"]
assert b[:3] == bytes([22, 3, 3]) and len(b) == 5 + (b[3] << 8 | b[4]) and b[5] == 2, b[:8].hex()
assert bytes([0, 0x2b, 0, 2, 3, 4]) in b  # supported_versions: TLS 1.3
' "$WORK/good.json" "$NET"
run good-quick 1 --tls quick
expect good-quick ocsp_status good
expect good-quick ocsp_verified yes

run revoked 2
expect revoked ocsp_status revoked
expect revoked ocsp_verified yes
expect revoked kinds "tls.cert.revoked,tls.hsts.missing,tls.summary"
expect revoked tls.cert.revoked.reason keyCompromise
expect revoked grade T
expect revoked grade_caps "certificate revoked (stapled OCSP) (T)"

run rogue 3
expect rogue ocsp_status invalid
expect rogue ocsp_verified no
expect rogue kinds "tls.hsts.missing,tls.ocsp.invalid,tls.summary"
expect rogue tls.ocsp.invalid.ocsp_verified no
check "rogue: the reason names the signature" grep -q "^tls.ocsp.invalid.reason=the signature does not verify" "$WORK/rogue.facts"
expect rogue grade A

run other 4
expect other ocsp_status invalid
expect other kinds "tls.hsts.missing,tls.ocsp.invalid,tls.summary"
expect other tls.ocsp.invalid.reason "the response says nothing about the served certificate"

run none 5
expect none ocsp_stapling no
expect none ocsp_status ""
expect none kinds "tls.hsts.missing,tls.summary"

run tls13 6
expect tls13 ocsp_stapling yes
expect tls13 ocsp_status good
expect tls13 ocsp_verified yes
expect tls13 kinds "tls.hsts.missing,tls.summary"

# The text account says it too.
timeout 60 "$RISKMAP" tls --tls-ca-file "$PKI/root.pem" --resolve "good.test:$NET.2" "good.test:$PORT" \
    > "$WORK/revoked.txt" 2>&1
check "revoked: the text shows the staple" grep -q "OCSP staple: revoked, signature verified, fresh" "$WORK/revoked.txt"

finish
