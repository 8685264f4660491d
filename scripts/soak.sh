#!/usr/bin/env bash
# The signer under load with faults, every answer checked (bench/milter_soak.cpp): 20,000
# messages at concurrency 16 through dnsauth-signer, 5 % of the sessions dropped by the client
# at a random stage, and a SIGHUP every second cycling through four configurations:
#   A            RSA + Ed25519 keys (selectors r1, e1), on_mismatch = "accept"
#   broken-toml  A with a line that is not TOML             (the reload must be refused)
#   B            new keys for r1 and e1 (a key change), on_mismatch = "reject"
#   broken-key   B with an RSA key file others can read     (the reload must be refused)
# Every signed message must verify with the key set in force during its lifetime, every other
# answer must be its kind's (unsigned, or 550 where the set in force rejects), the signer's
# log must agree message by message; the signer must not crash, must stop cleanly on SIGTERM
# and log no error but the refused reloads. Its RSS, descriptors and threads are sampled with
# the load paused at 2,000 messages, at warm-up (5,000), at 10,000 and at the end (20,000):
# after warm-up, RSS within 512 KiB of warm-up's, the same descriptors, at most 2 more threads.
#
#   scripts/soak.sh                                  # uses ./build (BUILD=dir to change)
#   MESSAGES=1000 WARMUP=200 REPORT_AT=500 scripts/soak.sh    # a short one
#   MESSAGES=60000 REPORT_AT="10000 20000 40000" scripts/soak.sh
#   SIGNER=build-tsan/bin/dnsauth-signer RSS_TOLERANCE_KIB=100000000 MESSAGES=5000 WARMUP=1000 \
#     REPORT_AT=2000 scripts/soak.sh        # the ThreadSanitizer build (its RSS is mostly its own)
#
# Not part of scripts/test.sh (it runs for about a minute); the integration test
# SignerSoak.ThousandMessagesWithDropsAndReloads runs a short one in CI.
# Exit status: 0 when all of the above held, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MESSAGES=${MESSAGES:-20000}
CONCURRENCY=${CONCURRENCY:-16}
DROP=${DROP:-0.05}
RELOAD_EVERY=${RELOAD_EVERY:-1}
WARMUP=${WARMUP:-5000}
REPORT_AT=${REPORT_AT:-2000 10000}
SEED=${SEED:-$RANDOM}
RSS_TOLERANCE_KIB=${RSS_TOLERANCE_KIB:-512}
PY=/usr/bin/python3   # Debian's python3, whatever python3 comes first on PATH
# For a signer built with DNSAUTH_TSAN (harmless otherwise): libmilter's teardown is suppressed.
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$PWD/tests/tsan.supp}

SOAK=$BUILD/bench/milter_soak
if [ -z "${SIGNER:-}" ]; then
  SIGNER=$BUILD/bin/dnsauth-signer
  targets="dnsauth-signer milter_soak"
else
  targets="milter_soak"
fi
[ -f "$BUILD/build.ninja" ] || cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build "$BUILD" -j2 --target $targets >/dev/null

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dnsauth-soak.XXXXXX")
SIGNER_PID=
cleanup() {
  if [ -n "$SIGNER_PID" ]; then kill -KILL "$SIGNER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

for set in a b; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/$set-rsa.pem" 2>/dev/null
  openssl genpkey -algorithm ED25519 -out "$WORK/$set-ed.pem"
done
chmod 600 "$WORK"/*.pem
cp "$WORK/b-rsa.pem" "$WORK/b-rsa-open.pem"
chmod 644 "$WORK/b-rsa-open.pem"

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# config SET ON_MISMATCH RSA_KEY_FILE
config() {
  cat <<EOF
[signer]
socket = "inet:$PORT@127.0.0.1"
key_dir = "$WORK"
log = "stderr"
on_mismatch = "$2"

[[domain]]
name = "example.com"
auth = "domain"
  [[domain.selector]]
  name = "r1"
  key = "$3"
  [[domain.selector]]
  name = "e1"
  algorithm = "ed25519-sha256"
  key = "$1-ed.pem"
EOF
}
config a accept a-rsa.pem > "$WORK/A.toml"
{ config a accept a-rsa.pem; echo "this line is not TOML"; } > "$WORK/broken-toml.toml"
config b reject b-rsa.pem > "$WORK/B.toml"
config b reject b-rsa-open.pem > "$WORK/broken-key.toml"
cp "$WORK/A.toml" "$WORK/dnsauth.toml"

"$SIGNER" --config "$WORK/dnsauth.toml" --log stderr 2>>"$WORK/signer.log" &
SIGNER_PID=$!
for _ in $(seq 1 400); do
  $PY -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" && break
  sleep 0.05
done

status=0
# shellcheck disable=SC2086  # REPORT_AT may hold several counts
"$SOAK" --milter "inet:$PORT@127.0.0.1" --pid "$SIGNER_PID" --config "$WORK/dnsauth.toml" \
  --signer-log "$WORK/signer.log" --cycle "$WORK/A.toml" --cycle "$WORK/broken-toml.toml" \
  --cycle "$WORK/B.toml" --cycle "$WORK/broken-key.toml" --messages "$MESSAGES" \
  --concurrency "$CONCURRENCY" --drop "$DROP" --reload-every "$RELOAD_EVERY" --warmup "$WARMUP" \
  --report-at $REPORT_AT --seed "$SEED" --rss-tolerance-kib "$RSS_TOLERANCE_KIB" || status=1

kill -TERM "$SIGNER_PID" 2>/dev/null || true
signer_exit=0
wait "$SIGNER_PID" || signer_exit=$?
SIGNER_PID=
# The only errors the signer may log are the refused reloads of the two broken files.
other_errors=$(grep ' error: ' "$WORK/signer.log" | grep -cv 'error: reload refused' || true)
sanitizer=$(grep -c -E '^(WARNING: ThreadSanitizer|==[0-9]+==ERROR|SUMMARY: )' "$WORK/signer.log" || true)
echo "  signer: exit status $signer_exit on SIGTERM, $other_errors error lines besides refused reloads, $sanitizer sanitizer reports"
if [ "$signer_exit" != 0 ] || [ "$other_errors" != 0 ] || [ "$sanitizer" != 0 ]; then
  grep -E ' error: |ThreadSanitizer|ERROR|SUMMARY' "$WORK/signer.log" | grep -v 'reload refused' | head -20 >&2 || true
  status=1
fi
echo "soak: $([ $status = 0 ] && echo passed || echo FAILED) (seed $SEED)"
exit $status
