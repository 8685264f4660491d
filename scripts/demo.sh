#!/usr/bin/env bash
# The demo on a fresh Debian 12 machine (as root): installs what is needed, builds, then runs
# dnsauth's main job on the embedded example, offline:
#   1. dnsauth-publish generate   keys (0600) + zone fragments for examples/dnsauth.toml
#   2. dnsauth-signer sign        sign examples/message.eml as the logged-in user alice@example.net
#   3. dnsauth-validate message   verify the signed message against the generated zone
#   4. dnsauth-validate selftest  prove the whole published setup against the same zone
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

bin=build/bin
out=build/demo
rm -rf "$out"
mkdir -p "$out"
# Work on a copy so the generated keys land in build/demo/keys, not in the source tree.
cp examples/dnsauth.toml "$out/dnsauth.toml"

# The step's title goes to stderr so that a step whose stdout is redirected keeps only its output.
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}" >&2; "${@:2}"; }

step "1. publish: create keys and zone fragments" \
  "$bin/dnsauth-publish" generate --config "$out/dnsauth.toml" --out "$out/zones"
ls -l "$out/keys"
cat "$out/zones/example.net.zone"

step "2. sign: alice@example.net submits examples/message.eml" \
  "$bin/dnsauth-signer" --config "$out/dnsauth.toml" sign --auth-user alice@example.net \
  examples/message.eml > "$out/signed.eml"
sed -n '1,/^$/p' "$out/signed.eml"

zones=(--zone "$out/zones/example.net.zone" --zone "$out/zones/example.com.zone")
step "3. validate the signed message as a receiver would (SPF from 192.0.2.25)" \
  "$bin/dnsauth-validate" message "$out/signed.eml" --client-ip 192.0.2.25 \
  --mail-from alice@example.net --helo smtp.example.net --authserv-id mx.example.org "${zones[@]}"

step "4. self-test every domain and selector of the config against the zone" \
  "$bin/dnsauth-validate" selftest --config "$out/dnsauth.toml" "${zones[@]}"

printf '\nDemo complete: keys in %s/keys, zone fragments in %s/zones, signed message in %s/signed.eml\n' \
  "$out" "$out" "$out"
