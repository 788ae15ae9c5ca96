#!/usr/bin/env bash
# HTTP benchmarks for trustd (a measurement, not a test), all on this machine, load generator included:
#   1. OCSP from the pre-signed cache over HTTP: POST /ocsp and RFC 5019 GET /ocsp/{base64}, 32 connections.
#   2. GET /healthz in the same run: the HTTP ceiling of this machine for comparison.
#   3. Certificate issuance over HTTP with the RSA CA, next to `cfssl serve` with an RSA CA when cfssl is installed.
# Usage: bench/http.sh [SECONDS]   (needs wrk, jq, openssl; builds trustd in release mode)
set -euo pipefail
cd "$(dirname "$0")/.."
# BUILD_DIR: a scratch path of its own keeps these release binaries apart from `swift test -c release`'s testable build.
build=${BUILD_DIR:-.build}
seconds=${1:-10}
swift build -c release --scratch-path "$build" --product trustd >/dev/null
work=$(mktemp -d)
port=18443
cleanup() { [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; [ -n "${cfssl_pid:-}" ] && kill -TERM "$cfssl_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
TRUSTD_LOG_LEVEL=${TRUSTD_LOG_LEVEL:-info} "$build"/release/trustd --data "$work/data" --listen 127.0.0.1:$port > "$work/trustd.log" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
token=$(cat "$work/data/admin.token")
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k.pem" -subj /CN=bench.example.cn \
  -addext subjectAltName=DNS:bench.example.cn -out "$work/csr.pem" 2>/dev/null
jq -n --rawfile csr "$work/csr.pem" '{ca:"rsa-issuing",profile:"tls-server",csr:$csr}' > "$work/issue.json"
serial=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$work/issue.json" \
  http://127.0.0.1:$port/v1/certificates | jq -r .serial)
curl -sf http://127.0.0.1:$port/v1/cas/rsa-issuing/certificate > "$work/issuer.pem"
openssl ocsp -issuer "$work/issuer.pem" -serial "0x$serial" -no_nonce -reqout "$work/req.der" >/dev/null 2>&1
get_path=$(python3 -c "import base64,sys,urllib.parse;print(urllib.parse.quote(base64.b64encode(open(sys.argv[1],'rb').read()).decode(),safe=''))" "$work/req.der")

cat > "$work/ocsp.lua" <<LUA
local f = io.open("$work/req.der", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/ocsp-request"
LUA
cat > "$work/issue.lua" <<LUA
local f = io.open("$work/issue.json", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
run() { # name, wrk arguments…
  local name=$1; shift
  wrk -t2 -c32 -d2s "$@" >/dev/null 2>&1 || true   # warm-up
  local out; out=$(wrk -t2 -c32 -d"${seconds}s" --latency "$@")
  local rps p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  printf "  %-34s %10s req/s   p99 %8s   %s\n" "$name" "$rps" "$p99" "$errors"
}
echo "trustd HTTP benchmarks: wrk -t2 -c32 -d${seconds}s on the same 2-core machine"
run "GET /healthz (HTTP ceiling)" "http://127.0.0.1:$port/healthz"
run "POST /ocsp (pre-signed cache)" -s "$work/ocsp.lua" "http://127.0.0.1:$port/ocsp"
run "GET /ocsp/{base64} (cache)" "http://127.0.0.1:$port/ocsp/$get_path"
run "POST /v1/certificates (RSA CA)" -s "$work/issue.lua" "http://127.0.0.1:$port/v1/certificates"

# /healthz while 16 connections issue certificates: a health check must not queue behind the signing work (the
# readiness probe has its own thread; issuance runs on the services' executor). Reported as a ratio to /healthz alone.
rate() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }
alone=$(wrk -t1 -c16 -d"${seconds}s" --latency "http://127.0.0.1:$port/healthz")
wrk -t1 -c16 -d"$((seconds + 2))s" -s "$work/issue.lua" "http://127.0.0.1:$port/v1/certificates" > "$work/load.txt" 2>&1 &
load=$!
sleep 1
under=$(wrk -t1 -c16 -d"${seconds}s" --latency "http://127.0.0.1:$port/healthz")
wait "$load" || true
alone_rps=$(echo "$alone" | rate); under_rps=$(echo "$under" | rate); issued=$(rate < "$work/load.txt")
printf "  %-34s %10s req/s   p99 %8s\n" "GET /healthz alone (c16)" "$alone_rps" "$(echo "$alone" | p99)"
printf "  %-34s %10s req/s   p99 %8s   (issuance meanwhile: %s certs/s)\n" "GET /healthz under c16 issuance" "$under_rps" \
  "$(echo "$under" | p99)" "$issued"
awk -v a="$alone_rps" -v u="$under_rps" 'BEGIN { printf "  /healthz under issuance / alone: %.2f\n", u / a }'
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""

if command -v cfssl >/dev/null; then
  ( cd "$work" && echo '{"CN":"Bench RSA CA","key":{"algo":"rsa","size":2048}}' | cfssl gencert -initca - 2>/dev/null | cfssljson -bare ca )
  echo '{"signing":{"default":{"expiry":"8760h","usages":["digital signature","key encipherment","server auth"]}}}' > "$work/cfssl.json"
  cfssl serve -address 127.0.0.1 -port 18888 -ca "$work/ca.pem" -ca-key "$work/ca-key.pem" -config "$work/cfssl.json" -loglevel 5 \
    > "$work/cfssl.log" 2>&1 &
  cfssl_pid=$!
  for _ in $(seq 100); do curl -s http://127.0.0.1:18888/api/v1/cfssl/info -d '{}' >/dev/null && break; sleep 0.1; done
  jq -n --rawfile csr "$work/csr.pem" '{certificate_request:$csr}' > "$work/cfssl-sign.json"
  cat > "$work/cfssl.lua" <<LUA
local f = io.open("$work/cfssl-sign.json", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
LUA
  run "cfssl serve sign (RSA CA)" -s "$work/cfssl.lua" "http://127.0.0.1:18888/api/v1/cfssl/sign"
else
  echo "  (cfssl not installed: apt-get install golang-cfssl to compare issuance)"
fi
