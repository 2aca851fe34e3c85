#!/usr/bin/env bash
# Makes certificates for local TLS: a private CA, a server certificate it signs for
# localhost and 127.0.0.1 (and any extra names given), and a client certificate for
# servers that ask for one (tls_ca). Keys are P-256. Existing files are replaced.
#
#   scripts/make-cert.sh [DIR] [EXTRA_DNS_NAME...]
#   SWITCHBOARD_TLS_CERT=DIR/cert.pem SWITCHBOARD_TLS_KEY=DIR/key.pem build/switchboard serve
#
# Clients trust DIR/ca.pem (curl --cacert, Node's `ca` option, Python's cafile).
set -euo pipefail
dir="${1:-certs}"
shift || true
days="${SWITCHBOARD_CERT_DAYS:-825}"
mkdir -p "$dir"
cd "$dir"

names="DNS:localhost,IP:127.0.0.1,IP:::1"
for extra in "$@"; do names="$names,DNS:$extra"; done

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days "$days" -subj "/CN=Switchboard local CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

sign() {  # sign NAME SUBJECT EXTENSIONS
  key "$1-key.pem"
  openssl req -new -key "$1-key.pem" -subj "$2" -out "$1.csr"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days "$days" \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
sign server "/CN=localhost" "subjectAltName=$names
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE"
sign client "/CN=switchboard-client" "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
# The names the README and SWITCHBOARD_TLS_* use.
mv server.pem cert.pem
mv server-key.pem key.pem
rm -f ca.srl
chmod 600 ./*key.pem
echo "made $dir/cert.pem and $dir/key.pem (signed by $dir/ca.pem), and $dir/client.pem with $dir/client-key.pem"
