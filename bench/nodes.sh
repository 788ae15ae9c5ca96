#!/usr/bin/env bash
# Scale-out benchmark (a measurement, not a test): certificate issuance and POST /v1/sign (raw, SM2 seal) on the
# embedded SQLite store, then on one PostgreSQL database with 1, 2 and 3 trustd nodes sharing one data directory.
# Everything runs on this machine — the nodes, PostgreSQL (fsync on) and wrk — so the figures show the cost per
# operation of the engine and how the nodes share the cores, not what more hosts would add.
# Usage: bench/nodes.sh [SECONDS]   (needs wrk, jq, openssl, PostgreSQL's server binaries; builds in release mode)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-.build}
seconds=${1:-10}
swift build -c release --scratch-path "$build" --product trustd >/dev/null
swift build -c release --scratch-path "$build" --product trustctl >/dev/null
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  # PostgreSQL's fast shutdown, to the postmaster itself (the background job is a subshell that ignores SIGINT).
  [ -f "$work/pg/data/postmaster.pid" ] && kill -INT "$(head -1 "$work/pg/data/postmaster.pid")" 2>/dev/null
  wait 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
source bench/appliance.sh

# A private PostgreSQL server (run as the postgres user when we are root: it refuses root).
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
mkdir -p "$work/pg"
head -c 24 /dev/urandom | base64 > "$work/pg.password"; chmod 600 "$work/pg.password"
cp "$work/pg.password" "$work/pg/pwfile"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg/data" -U trustd --pwfile="$work/pg/pwfile" --auth-host=scram-sha-256 \
  --auth-local=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pgbin/postgres" -D "$work/pg/data" -p 15432 -k "$work/pg" -c listen_addresses=127.0.0.1 \
  -c max_connections=100 > "$work/pg.log" 2>&1 &
for _ in $(seq 100); do "$pgbin/pg_isready" -q -h 127.0.0.1 -p 15432 && break; sleep 0.1; done
as_pg "$pgbin/psql" -h "$work/pg" -p 15432 -U trustd -d postgres -qc "CREATE DATABASE bench" >/dev/null

start_node() { # config, port → waits until ready
  TRUSTD_LOG_LEVEL=warning "$build"/release/trustd --config "$1" --listen 127.0.0.1:"$2" > "$work/node-$2.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do curl -sf http://127.0.0.1:"$2"/healthz >/dev/null && return; sleep 0.1; done
  echo "node on $2 did not start:"; cat "$work/node-$2.log"; exit 1
}

lua() { # name, token file, JSON file
  cat > "$work/$1.lua" <<LUA
local f = io.open("$3", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $(cat "$2")"
LUA
}

# The PostgreSQL server's processes (postmaster + backends), whose CPU time is counted beside the nodes'.
pg_pids() {
  local master; master=$(head -1 "$work/pg/data/postmaster.pid" 2>/dev/null) || return 0
  echo "$master"; pgrep -P "$master" || true
}

# wrk against each port at once, 24 connections in all; prints the summed rate, the worst p99, and the CPU time per
# request of trustd and of PostgreSQL (they share the cores: the engine's cost shows here).
measure() { # label, script, route, ports…
  local label=$1 script=$2 route=$3; shift 3
  local n=$# i=0
  local node_before pg_before
  node_before=$(cpu_ticks "${pids[@]}"); pg_before=$(cpu_ticks $(pg_pids))
  # PERF_LABEL="PostgreSQL, 1 node(s): POST /v1/sign raw SM2" PERF_OUT=FILE: a perf profile of the last node started.
  [ "${PERF_LABEL:-}" = "$label" ] && perf record -q -F ${PERF_HZ:-999} ${PERF_FLAGS:-} -o "$PERF_OUT" -p "${pids[-1]}" -- sleep "$seconds" 2>/dev/null &
  for port in "$@"; do
    wrk -t1 -c$((24 / n)) -d"${seconds}s" --latency -s "$work/$script.lua" "http://127.0.0.1:$port$route" \
      > "$work/wrk-$i.out" 2>&1 &
    i=$((i + 1))
  done
  wait_wrk
  local node_cpu pg_cpu requests
  node_cpu=$(( $(cpu_ticks "${pids[@]}") - node_before )); pg_cpu=$(( $(cpu_ticks $(pg_pids)) - pg_before ))
  requests=$(cat "$work"/wrk-*.out | awk '/requests in/ {s += $1} END {print s + 0}')
  local cpu
  cpu=$(awk -v t="$node_cpu" -v p="$pg_cpu" -v n="$requests" -v hz="$ticks_per_second" 'BEGIN {
    if (n > 0) printf "CPU/req: trustd %.2f ms, PostgreSQL %.2f ms", t / hz / n * 1000, p / hz / n * 1000 }')
  local rps p99 errors
  rps=$(cat "$work"/wrk-*.out | awk '/Requests\/sec/ {s += $2} END {printf "%.0f", s}')
  p99=$(cat "$work"/wrk-*.out | awk '$1 == "99%" {print $2}' | sort -h | tail -1)
  errors=$(cat "$work"/wrk-*.out | awk '/Non-2xx|Socket errors/' | tr '\n' ' ')
  rm -f "$work"/wrk-*.out
  printf "  %-40s %8s req/s  p99 %8s  %s  %s\n" "$label" "$rps" "$p99" "$cpu" "$errors"
  echo "$rps"  > "$work/last.rps"
}
wait_wrk() { while pgrep -f "wrk -t1 -c" >/dev/null; do sleep 0.2; done; }

prepare() { # data directory, port: a seal granted to a platform, and the two request bodies
  export TRUSTCTL_SERVER=http://127.0.0.1:$2
  rm -f "$work"/*.token
  cp "$1/admin.token" "$work/admin.token"
  setup_seal "$1"
  head -c 1024 /dev/urandom | base64 -w0 > "$work/doc.b64"
  printf '{"sealId":"%s","format":"raw","data":"%s"}' "$seal" "$(cat "$work/doc.b64")" > "$work/sign.json"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k.pem" \
    -subj /CN=bench.example.cn -addext subjectAltName=DNS:bench.example.cn -out "$work/csr.pem" 2>/dev/null
  jq -n --rawfile csr "$work/csr.pem" '{ca:"rsa-issuing",profile:"tls-server",csr:$csr}' > "$work/issue.json"
  lua issue "$work/admin.token" "$work/issue.json"
  lua sign "$work/platform.token" "$work/sign.json"
}

policies=$PWD/policies
echo "trustd nodes, wrk -t1 per node, 24 connections in all, ${seconds}s, on $(nproc) cores (nodes, PostgreSQL and wrk share them)"

# SQLite, one node.
write_registry "$work/sqlite"
printf 'data: %s\npolicies: %s\n' "$work/sqlite" "$policies" > "$work/sqlite.yaml"
start_node "$work/sqlite.yaml" 18460
prepare "$work/sqlite" 18460
measure "SQLite, 1 node: POST /v1/certificates" issue /v1/certificates 18460
sqlite_issue=$(cat "$work/last.rps")
measure "SQLite, 1 node: POST /v1/sign raw SM2" sign /v1/sign 18460
sqlite_sign=$(cat "$work/last.rps")
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# PostgreSQL: one data directory (keys, policies) shared by the nodes, one database.
write_registry "$work/shared"
cat > "$work/pg.yaml" <<YAML
data: $work/shared
policies: $policies
store: postgres
postgres:
  url: postgres://trustd@127.0.0.1:15432/bench
  passwordFile: $work/pg.password
  poolSize: 8
YAML
start_node "$work/pg.yaml" 18461
prepare "$work/shared" 18461
ports=(18461)
for n in 1 2 3; do
  if [ "$n" -gt 1 ]; then start_node "$work/pg.yaml" $((18460 + n)); ports+=($((18460 + n))); fi
  measure "PostgreSQL, $n node(s): POST /v1/certificates" issue /v1/certificates "${ports[@]}"
  [ "$n" = 1 ] && pg_issue=$(cat "$work/last.rps")
  measure "PostgreSQL, $n node(s): POST /v1/sign raw SM2" sign /v1/sign "${ports[@]}"
  [ "$n" = 1 ] && pg_sign=$(cat "$work/last.rps")
done
awk -v a="$pg_issue" -v b="$sqlite_issue" -v c="$pg_sign" -v d="$sqlite_sign" 'BEGIN {
  printf "one node, PostgreSQL : SQLite — issuance %.2f×, signing %.2f× (cost per operation %.2f× and %.2f×)\n", a / b, c / d, b / a, d / c }'
export TRUSTCTL_SERVER=http://127.0.0.1:18461
echo "audit chain after the run: $(ctl admin.token audit verify | head -1)"
