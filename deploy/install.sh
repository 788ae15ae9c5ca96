#!/usr/bin/env bash
# Installs trustd as a systemd service: binaries in /usr/local/bin, /etc/trustd/trustd.yaml and policies (kept if
# present), the data directory /var/lib/trustd (0700, made by systemd), a system user `trustd`, and the unit, which
# `systemd-analyze verify` must accept. Run as root after `swift build -c release`; then `systemctl enable --now trustd`.
#
#   deploy/install.sh [--bin DIR] [--root DIR]
#
# --bin: where trustd and trustctl are (default: the trustd on PATH, else .build/release).
# --root: stage everything under DIR instead (no user, no systemctl), and verify the unit there.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="" root=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --root) root="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    *) echo "usage: deploy/install.sh [--bin DIR] [--root DIR]" >&2; exit 64 ;;
  esac
done
if [ -z "$bin" ]; then
  if command -v trustd >/dev/null; then bin="$(dirname "$(command -v trustd)")"; else bin="$repo/.build/release"; fi
fi
for tool in trustd trustctl; do
  [ -x "$bin/$tool" ] || { echo "install: no $bin/$tool (build first: swift build -c release)" >&2; exit 66; }
done
command -v systemd-analyze >/dev/null || { echo "install: systemd-analyze is missing (apt-get install systemd)" >&2; exit 69; }

install -d -m 0755 "$root/usr/local/bin" "$root/etc/systemd/system"
for tool in trustd trustctl; do
  # Staging may share the build's filesystem: a hard link saves copying the binaries.
  ln -f "$bin/$tool" "$root/usr/local/bin/$tool" 2>/dev/null || install -m 0755 "$bin/$tool" "$root/usr/local/bin/$tool"
done
if [ -z "$root" ] && ! id trustd >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/trustd --no-create-home --shell /usr/sbin/nologin trustd
fi
install -d -m 0750 "$root/etc/trustd"
if [ ! -e "$root/etc/trustd/policies" ]; then cp -r "$repo/policies" "$root/etc/trustd/policies"; fi
if [ ! -e "$root/etc/trustd/trustd.yaml" ]; then
  cat > "$root/etc/trustd/trustd.yaml" <<'YAML'
data: /var/lib/trustd
listen: 127.0.0.1:8443
policies: /etc/trustd/policies
YAML
fi
[ -n "$root" ] || chgrp -R trustd /etc/trustd
install -m 0644 "$repo/deploy/trustd.service" "$root/etc/systemd/system/trustd.service"

if [ -n "$root" ]; then
  # systemd-analyze resolves the unit's dependencies inside the root: give it the system's units.
  [ -e "$root/usr/lib/systemd/system" ] || { install -d "$root/usr/lib/systemd"; ln -s /lib/systemd/system "$root/usr/lib/systemd/system"; }
  verify=(systemd-analyze verify --root="$root" trustd.service)
else
  verify=(systemd-analyze verify /etc/systemd/system/trustd.service)
fi
# systemd-analyze only warns about unknown or misspelled settings: any output at all is a failure here.
if ! findings="$("${verify[@]}" 2>&1)" || [ -n "$findings" ]; then
  echo "install: systemd-analyze does not accept trustd.service:" >&2
  echo "$findings" >&2
  exit 1
fi
if [ -n "$root" ]; then
  echo "install: staged under $root; systemd-analyze accepts trustd.service"
else
  systemctl daemon-reload 2>/dev/null || echo "install: systemd is not running here; the unit is in place" >&2
  echo "install: done; start with: systemctl enable --now trustd"
fi
