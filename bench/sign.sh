#!/usr/bin/env bash
# Signing and verification benchmarks for trustd (a measurement, not a test), all on this 2-core machine, wrk included:
#   1. POST /v1/sign with an SM2 seal (raw and ses) and an RSA-2048 signing key (raw), 1 KiB documents;
#   2. POST /v1/verify of an SES signature (SM2) and of a CMS signature (RSA-2048), with the document;
# each as req/s and p99 at 32 connections, and the ratio to the raw two-core rate of the same operation
# (`openssl speed -elapsed -multi 2`, sampled just before that run); and, free of the load generator, trustd's CPU
# seconds per request (/proc/PID/stat over the run) against one core's seconds per bare operation (openssl speed
# without -multi, sampled just before too): "of bare" 1.0 means no overhead beyond the signature;
#   3. the floor under "of bare": a refused signature (every step but the signature) plus a bare one.
# Usage: bench/sign.sh [SECONDS]   (needs wrk, jq, openssl; builds trustd and trustctl in release mode)
set -euo pipefail
cd "$(dirname "$0")/.."
# BUILD_DIR: a scratch path of its own keeps these release binaries apart from `swift test -c release`'s testable build.
build=${BUILD_DIR:-.build}
seconds=${1:-10}
swift build -c release --scratch-path "$build" --product trustd >/dev/null
swift build -c release --scratch-path "$build" --product trustctl >/dev/null
work=$(mktemp -d)
port=18444
cleanup() { [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# -mr prints seconds per operation for -multi; turn them into operations per second if needed.
rate() { awk -v v="$1" 'BEGIN { if (v < 1) printf "%.0f", 1 / v; else printf "%.0f", v }'; }
# openssl's own rate of one operation now: speed_of sm2|rsa2048 sign|verify [-multi 2]. On a shared virtual host the
# rate drifts by tens of percent within minutes, so each trustd run is compared with a sample taken just before it.
speed_of() { # algorithm, operation, extra openssl speed options
  local algorithm=$1 operation=$2; shift 2
  local field
  case "$algorithm/$operation" in
    sm2/sign) field='/^\+F7:/ {print $5}' ;; sm2/verify) field='/^\+F7:/ {print $6}' ;;
    rsa2048/sign) field='/^\+F2:/ {print $4}' ;; rsa2048/verify) field='/^\+F2:/ {print $5}' ;;
  esac
  rate "$(openssl speed -elapsed -seconds 3 -mr "$@" "$algorithm" 2>/dev/null | awk -F: "$field")"
}

# A data directory with a registry entry for the signer, then trustd, then a seal granted to a platform.
source bench/appliance.sh
write_registry "$work/data"
TRUSTD_LOG_LEVEL=${TRUSTD_LOG_LEVEL:-warning} "$build"/release/trustd --data "$work/data" --listen 127.0.0.1:$port > "$work/trustd.log" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
export TRUSTCTL_SERVER=http://127.0.0.1:$port
cp "$work/data/admin.token" "$work/admin.token"
setup_seal "$work/data"
key=$(ctl platform.token signing-key create --person "$person" --key-type rsa2048 --json | jq -r .id)

head -c 1024 /dev/urandom > "$work/doc.bin"
doc=$(base64 -w0 "$work/doc.bin")
token=$(cat "$work/platform.token")
body() { # name, JSON
  printf '%s' "$2" > "$work/$1.json"
  cat > "$work/$1.lua" <<LUA
local f = io.open("$work/$1.json", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
}
body sign-raw "{\"sealId\":\"$seal\",\"format\":\"raw\",\"data\":\"$doc\"}"
body sign-ses "{\"sealId\":\"$seal\",\"format\":\"ses\",\"data\":\"$doc\"}"
# The platform holds the seal's grant; the person does not, so signing for the person is refused (and audited).
body sign-refused "{\"sealId\":\"$seal\",\"signer\":\"$person\",\"format\":\"raw\",\"data\":\"$doc\"}"
curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d @"$work/sign-refused.json" http://127.0.0.1:$port/v1/sign | grep -qx 403 || { echo "the refused signature is not refused"; exit 1; }
body sign-rsa "{\"keyId\":\"$key\",\"signer\":\"$person\",\"format\":\"raw\",\"data\":\"$doc\"}"
ses=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$work/sign-ses.json" http://127.0.0.1:$port/v1/sign | jq -r .signature)
body sign-cms "{\"keyId\":\"$key\",\"signer\":\"$person\",\"format\":\"cms\",\"data\":\"$doc\"}"
cms=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$work/sign-cms.json" http://127.0.0.1:$port/v1/sign | jq -r .signature)
body verify-ses "{\"signature\":\"$ses\",\"data\":\"$doc\"}"
body verify-cms "{\"signature\":\"$cms\",\"data\":\"$doc\"}"
for name in verify-ses verify-cms; do
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$work/$name.json" http://127.0.0.1:$port/v1/verify \
    | jq -e '.indication == "TOTAL_PASSED"' >/dev/null || { echo "$name does not pass"; exit 1; }
done

warm_up() { # lua
  wrk -t2 -c32 -d2s -s "$work/$1.lua" "http://127.0.0.1:$port/v1/${1%%-*}" >/dev/null 2>&1 || true
}
# One wrk run of a script against trustd; sets rps, p99, errors and ms (trustd's CPU ms per request), switches.
measure() { # lua
  local script=$1 profiler=
  # PERF_SCRIPT=sign-raw PERF_OUT=FILE: a perf profile of trustd during that run (perf report -i FILE), written out
  # before the next step, so that it neither overlaps the next openssl sample nor is cut short by the script's end.
  if [ "${PERF_SCRIPT:-}" = "$script" ]; then
    perf record -q -F ${PERF_HZ:-999} ${PERF_FLAGS:-} -o "$PERF_OUT" -p "$pid" -- sleep "$seconds" 2>/dev/null &
    profiler=$!
  fi
  local before; before=$(cpu_ticks "$pid"); local cs; cs=$(context_switches "$pid")
  local out; out=$(wrk -t2 -c32 -d"${seconds}s" --latency -s "$work/$script.lua" "http://127.0.0.1:$port/v1/${script%%-*}")
  local after; after=$(cpu_ticks "$pid"); cs=$(( $(context_switches "$pid") - cs ))
  if [ -n "$profiler" ]; then wait "$profiler" || true; fi
  local requests
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  ms=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN {printf "%.3f", t / hz / n * 1000}')
  switches=$(awk -v cs="$cs" -v n="$requests" 'BEGIN {printf "%.1f", cs / n}')
}
run() { # name, algorithm, operation, lua
  local name=$1 algorithm=$2 operation=$3 script=$4
  warm_up "$script"
  # This moment's raw rates: two cores (the ratio's denominator) and one core (the CPU figure's).
  local raw one
  raw=$(speed_of "$algorithm" "$operation" -multi 2); one=$(speed_of "$algorithm" "$operation")
  measure "$script"
  # CPU figure: one core's seconds per bare operation / trustd's CPU seconds per request (1.0 = no overhead).
  printf "  %-32s %8s req/s  p99 %8s  %5s of raw %s  %s ms CPU/req  %s of bare (%s/s)  %s switches/req  %s\n" "$name" \
    "$rps" "$p99" "$(awk -v a="$rps" -v b="$raw" 'BEGIN {printf "%.2f×", a / b}')" "$raw" "$ms" \
    "$(awk -v ms="$ms" -v one="$one" 'BEGIN {printf "%.2f", (1000 / one) / ms}')" "$one" "$switches" "$errors"
}
# The floor under "of bare": a signature the grants refuse (403) takes every step a signature takes except the
# signature and the grant's count — the connection, HTTP, the token, JSON, the seal's records and checks, one durable
# audit record in a group commit and the answer. Its CPU plus a bare signature is the least a signature can cost here.
floor() { # lua
  warm_up "$1"
  local one; one=$(speed_of sm2 sign)
  measure "$1"
  printf "  %-32s %8s req/s  p99 %8s  %s ms CPU/req  %s switches/req  %s\n" "refused: no grant (403)" "$rps" "$p99" \
    "$ms" "$switches" "$errors"
  awk -v ms="$ms" -v one="$one" 'BEGIN {bare = 1000 / one;
    printf "  floor: a bare SM2 signature (%.3f ms) + the refused request = %.3f ms, so \"of bare\" is at most %.2f\n",
      bare, bare + ms, bare / (bare + ms)}'
}
echo "trustd over HTTP: wrk -t2 -c32 -d${seconds}s --latency, 1 KiB documents, same machine;"
echo "  each run against openssl speed (-multi 2, and one core) of the same operation taken just before it"
run "POST /v1/sign raw, SM2 seal" sm2 sign sign-raw
run "POST /v1/sign ses, SM2 seal" sm2 sign sign-ses
run "POST /v1/sign raw, RSA-2048 key" rsa2048 sign sign-rsa
run "POST /v1/verify ses (SM2)" sm2 verify verify-ses
run "POST /v1/verify cms (RSA-2048)" rsa2048 verify verify-cms
floor sign-refused
[ -n "${SIGN_ONLY:-}" ] && exit 0   # SIGN_ONLY=1: the hot-path figures above, without the document runs

# Sealed documents (OFD): a 1 MB, 10-page e-licence sealed over HTTP, against SM3 over the package plus one SM2
# signature on one core (this run's openssl speed); and a document with five seals verified.
python3 samples/make-licence.py "$work/licence.ofd" 10 1000000
size=$(stat -c %s "$work/licence.ofd")
sm3_rate=$(openssl speed -elapsed -seconds 3 -mr -bytes 1048576 -evp sm3 2>/dev/null | awk -F: '/^\+F:/ {print $4}')
sm2_one=$(speed_of sm2 sign)   # one core, this moment
floor_ms=$(awk -v n="$size" -v h="$sm3_rate" -v s="$sm2_one" 'BEGIN {printf "%.2f", (n / h + 1 / s) * 1000}')
body seal-doc "{\"sealId\":\"$seal\",\"document\":\"$(base64 -w0 "$work/licence.ofd")\",\"placements\":[{\"keyword\":\"登记机关\"}]}"
cp "$work/seal-doc.lua" "$work/seal-bin.lua"; echo 'wrk.headers["Accept"] = "application/ofd"' >> "$work/seal-bin.lua"
cp "$work/licence.ofd" "$work/five.ofd"
for _ in 1 2 3 4 5; do
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$work/seal-doc.json" http://127.0.0.1:$port/v1/documents/seal >/dev/null
  printf '{"sealId":"%s","document":"%s","placements":[{"page":1,"x":20,"y":20}]}' "$seal" "$(base64 -w0 "$work/five.ofd")" > "$work/five.json"
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$work/five.json" http://127.0.0.1:$port/v1/documents/seal \
    | jq -r .document | base64 -d > "$work/five.next" && mv "$work/five.next" "$work/five.ofd"
done
body verify-doc "{\"document\":\"$(base64 -w0 "$work/five.ofd")\"}"
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @"$work/verify-doc.json" http://127.0.0.1:$port/v1/verify \
  | jq -e '.indication == "TOTAL_PASSED" and (.signatures | length) == 5' >/dev/null || { echo "the five-seal document does not pass"; exit 1; }
doc_run() { # name, connections, lua, route
  local out; out=$(wrk -t1 -c"$2" -d"${seconds}s" --latency -s "$work/$3.lua" "http://127.0.0.1:$port$4")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}'); p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  printf "  %-44s %7s docs/s  p50 %8s  p99 %8s  %s\n" "$1" "$rps" "$p50" "$p99" "$(echo "$out" | awk '/Non-2xx|Socket errors/' | tr '\n' ' ')"
}
echo "sealed documents: $((size / 1024)) KiB, 10 pages; floor (SM3 over the package + one SM2 signature, one core): $floor_ms ms"
doc_run "POST /v1/documents/seal, 1 client" 1 seal-doc /v1/documents/seal
doc_run "POST /v1/documents/seal, 4 clients" 4 seal-doc /v1/documents/seal
doc_run "  the same, answer as application/ofd, 1 client" 1 seal-bin /v1/documents/seal
doc_run "POST /v1/verify, 5 seals, 1 client" 1 verify-doc /v1/verify
echo "  (ratio = p50 of one client / floor; goal ≤ 2× for sealing; verifying five seals: goal < 200 ms)"
audit=$(ctl admin.token audit verify --json | jq -r '.records // .count // empty' 2>/dev/null || true)
echo "audit chain after the run: $(ctl admin.token audit verify | head -1) ${audit:+($audit records)}"
