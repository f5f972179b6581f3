#!/usr/bin/env bash
# Makes the sandbox CA and the demo enterprises' signing keys and certificates in src/demo/keys/.
# SANDBOX ONLY: these keys are published with the source; never trust them outside sandbox/demo.
#
# Needs OpenSSL 3 with SM2 (Debian's has it). Certificates are signed SM2-with-SM3 with the
# default user ID 1234567812345678, as the 中国电子口岸 CA does, and valid 2025-01-01 to 2045-01-01
# (fixed dates: tests and demos that set their clock to 2025 still see them valid).
# Re-running replaces every key: the committed demo data (and any database holding the old
# certificates) then no longer matches. Run it only to change the set of keys.
set -euo pipefail

OUT="$(cd "$(dirname "$0")/.." && pwd)/src/demo/keys"
FROM=20250101000000Z
UNTIL=20450101000000Z
DISTID=1234567812345678

# code|name — the demo zone's declaring enterprises (src/modules/enterprises/demo.ts).
ENTERPRISES=(
  "3301964J31|杭州云购跨境电子商务平台有限公司"
  "3301966A01|杭州海淘优选贸易有限公司"
  "3122260001|连连跨境支付有限公司"
  "3301980L01|杭州顺达国际物流有限公司"
  "3301W60001|杭州下沙保税物流中心仓储有限公司"
  "3301980A02|杭州关通报关代理有限公司"
  "3301960OW1|杭州海联海外仓储服务有限公司"
)
# The legacy RSA-SHA1 test certificate belongs to the declaration agent.
RSA_CODE=3301980A02
RSA_NAME=杭州关通报关代理有限公司

mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/new"
touch "$WORK/index.txt"

# `openssl ca` rather than `x509 -req`: it sets fixed validity dates.
cat >"$WORK/ca.cnf" <<'CONF'
[req]
distinguished_name = dn
utf8 = yes
string_mask = utf8only
[dn]
[ca]
default_ca = sandbox
[sandbox]
database = index.txt
new_certs_dir = new
serial = serial
default_md = sm3
policy = any
unique_subject = no
email_in_dn = no
[any]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
serialNumber = optional
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ee]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CONF

# request <key file> <subject> <csr> sm2|rsa: a certificate request signed by the key.
request() {
  local digest=(-sha256)
  if [ "$4" = sm2 ]; then digest=(-sm3 -sigopt "distid:$DISTID"); fi
  openssl req -new -config "$WORK/ca.cnf" -key "$1" "${digest[@]}" -utf8 -subj "$2" -out "$3"
}

# sign <csr> <out> <extensions> sm2|rsa <ca options…>: the sandbox CA signs it (SM2-with-SM3), random serial.
sign() {
  local csr=$1 out=$2 ext=$3 kind=$4
  shift 4
  local vfy=()
  if [ "$kind" = sm2 ]; then vfy=(-vfyopt "distid:$DISTID"); fi
  openssl rand -hex 8 >"$WORK/serial"
  (cd "$WORK" && openssl ca -batch -config ca.cnf "$@" -in "$csr" -out "$out" -extensions "$ext" \
    -startdate "$FROM" -enddate "$UNTIL" -sigopt "distid:$DISTID" "${vfy[@]}" -utf8 -notext -preserveDN 2>/dev/null)
}

# issue <key file> <subject> <out cert> sm2|rsa
issue() {
  request "$1" "$2" "$WORK/req.csr" "$4"
  sign "$WORK/req.csr" "$3" ee "$4" -cert "$OUT/sandbox-ca.pem" -keyfile "$OUT/sandbox-ca.key.pem"
  openssl verify -CAfile "$OUT/sandbox-ca.pem" -vfyopt "distid:$DISTID" "$3" >/dev/null
}

echo "sandbox CA"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$OUT/sandbox-ca.key.pem"
request "$OUT/sandbox-ca.key.pem" "/C=CN/O=Silkgate/CN=Silkgate 沙箱证书中心 (sandbox only)" "$WORK/ca.csr" sm2
sign "$WORK/ca.csr" "$OUT/sandbox-ca.pem" v3_ca sm2 -selfsign -keyfile "$OUT/sandbox-ca.key.pem"

for e in "${ENTERPRISES[@]}"; do
  code=${e%%|*}
  name=${e#*|}
  echo "$code $name"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out "$OUT/$code.key.pem"
  issue "$OUT/$code.key.pem" "/C=CN/O=$name/CN=$code/serialNumber=$code" "$OUT/$code.cert.pem" sm2
done

echo "RSA-2048 test certificate ($RSA_CODE)"
openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$OUT/rsa-test.key.pem"
issue "$OUT/rsa-test.key.pem" "/C=CN/O=$RSA_NAME/OU=RSA legacy test/CN=$RSA_CODE/serialNumber=$RSA_CODE" "$OUT/rsa-test.cert.pem" rsa

chmod 644 "$OUT"/*.pem
echo "written to $OUT"
