#!/usr/bin/env bash
# Creates a SoftHSM2 token for trustd's PKCS#11 key store inside DIR, without touching system paths.
#
#   hsm/init-softhsm.sh DIR [TOKEN_LABEL]
#
# Writes (all secrets mode 0600):
#   DIR/softhsm2.conf   SoftHSM2 configuration whose token directory is DIR/tokens
#   DIR/tokens/         the token store
#   DIR/user.pin        random 8-digit user PIN       DIR/so.pin   random 8-digit security-officer PIN
#   DIR/pkcs11.yaml     a trustd HSM configuration pointing at the token (see hsm/pkcs11.example.yaml)
# Running it again with another label adds a second token to the same DIR.
set -euo pipefail

usage() { echo "usage: $0 DIR [TOKEN_LABEL]" >&2; exit 64; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
dir=$1
label=${2:-trustd}
[ ${#label} -le 32 ] || { echo "token label must be at most 32 bytes" >&2; exit 64; }

command -v softhsm2-util >/dev/null || { echo "softhsm2-util not found: apt-get install softhsm2" >&2; exit 69; }
module=""
for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
                 /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
  if [ -f "$candidate" ]; then module=$candidate; break; fi
done
[ -n "$module" ] || { echo "libsofthsm2.so not found" >&2; exit 69; }

umask 077
mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
if [ ! -f "$dir/softhsm2.conf" ]; then
  cat > "$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
fi
export SOFTHSM2_CONF="$dir/softhsm2.conf"

if softhsm2-util --show-slots 2>/dev/null | grep -q "Label: *$label *\$"; then
  echo "a token labelled '$label' already exists in $dir" >&2
  exit 73
fi

random_pin() { od -An -N8 -tu1 /dev/urandom | tr -s ' ' '\n' | grep -v '^$' | awk '{ printf "%d", $1 % 10 }'; }
pin_file="$dir/user.pin"
so_file="$dir/so.pin"
[ -f "$pin_file" ] || random_pin > "$pin_file"
[ -f "$so_file" ] || random_pin > "$so_file"
chmod 600 "$pin_file" "$so_file" "$dir/softhsm2.conf"

softhsm2-util --init-token --free --label "$label" --so-pin "$(cat "$so_file")" --pin "$(cat "$pin_file")" >/dev/null

config="$dir/pkcs11.yaml"
if [ "$label" != trustd ]; then config="$dir/pkcs11-$label.yaml"; fi
cat > "$config" <<YAML
# trustd PKCS#11 key store, made by hsm/init-softhsm.sh
module: $module
tokenLabel: $label
pin: { file: $pin_file }
environment:
  SOFTHSM2_CONF: $dir/softhsm2.conf
YAML
chmod 600 "$config"
echo "token '$label' ready; trustd configuration: $config"
