#!/usr/bin/env bash
# dnsauth-signer against Debian's opendkim in signing mode, alternately in the same run, with
# the same key, canonicalization (relaxed/relaxed) and header list, driven by bench/milter_load
# (an MTA-like C++ client: {auth_authen}, {auth_type} and i macros, headers, 64 KB body
# chunks, one message per connection as Postfix's smtpd sends them by default).
# For RSA-2048 and Ed25519, 2 KB and 1 MB bodies, concurrency 1 and 16, it prints msgs/s,
# p50/p99 latency, milter CPU time per message, peak RSS and the ratios (ours / OpenDKIM for
# throughput, OpenDKIM / ours for CPU), plus OpenSSL's own RSA-2048 sign time and SHA-256
# speed on this machine for reference.
#
#   scripts/bench-milter.sh                 # uses ./build (BUILD=dir to change), ROUNDS=1
#   ROUNDS=3 QUICK=1 scripts/bench-milter.sh  # QUICK: fewer messages per scenario
#
# Everything listens on 127.0.0.1 only; every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-1}
QUICK=${QUICK:-0}
PY=/usr/bin/python3   # Debian's python3, whatever python3 comes first on PATH

SIGNER=$BUILD/bin/dnsauth-signer
LOAD=$BUILD/bench/milter_load
if [ ! -x "$SIGNER" ] || [ ! -x "$LOAD" ]; then
  cmake -S . -B "$BUILD" -G Ninja >/dev/null
  cmake --build "$BUILD" --target dnsauth-signer milter_load
fi
command -v opendkim >/dev/null || { echo "bench-milter: opendkim is not installed (scripts/setup.sh)" >&2; exit 2; }

# OpenDKIM refuses config and key files below a directory others can write (such as /tmp).
WORK=$(mktemp -d "$(cd "$BUILD" && pwd)/bench-milter.XXXXXX")
chmod 700 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$WORK/ed25519.pem"
chmod 600 "$WORK"/*.pem

# dkim::HeaderPolicy::recommended() (core/dkim/signer.cpp): both milters sign these when
# present and sign the absence of the oversigned ones.
SIGN_HEADERS="from,to,cc,subject,date,reply-to,message-id,mime-version,content-type,content-transfer-encoding,in-reply-to,references,sender,content-id,content-description,resent-date,resent-from,resent-sender,resent-to,resent-cc,resent-message-id,list-id,list-help,list-unsubscribe,list-unsubscribe-post,list-subscribe,list-post,list-owner,list-archive"
OVERSIGN_HEADERS="from,to,cc,subject,date,reply-to,message-id,mime-version,content-type,content-transfer-encoding"

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 200); do
    $PY -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$1)))" && return 0
    sleep 0.05
  done
  return 1
}

# start_milter ours|opendkim rsa|ed25519 PORT -> sets MILTER_PID
start_milter() {
  local which=$1 alg=$2 port=$3 key="$WORK/$2.pem" sigalg
  [ "$alg" = rsa ] && sigalg=rsa-sha256 || sigalg=ed25519-sha256
  if [ "$which" = ours ]; then
    cat > "$WORK/ours.toml" <<EOF
[signer]
socket = "inet:$port@127.0.0.1"
key_dir = "$WORK"
log = "stderr"
canonicalization = "relaxed/relaxed"

[[domain]]
name = "example.com"
auth = "domain"
  [[domain.selector]]
  name = "bench"
  algorithm = "$sigalg"
  key = "$alg.pem"
EOF
    "$SIGNER" --config "$WORK/ours.toml" --log stderr 2>>"$WORK/ours.log" &
  else
    cat > "$WORK/opendkim.conf" <<EOF
Syslog no
Background no
Mode s
Domain example.com
Selector bench
KeyFile $key
SignatureAlgorithm $sigalg
Canonicalization relaxed/relaxed
SignHeaders $SIGN_HEADERS
OversignHeaders $OVERSIGN_HEADERS
Socket inet:$port@127.0.0.1
UMask 007
EOF
    opendkim -f -x "$WORK/opendkim.conf" 2>>"$WORK/opendkim.log" &
  fi
  MILTER_PID=$!
  PIDS+=("$MILTER_PID")
  if ! wait_port "$port"; then
    echo "bench-milter: $which ($alg) did not start:" >&2
    tail -5 "$WORK/$which.log" >&2 || true
    return 1
  fi
}

stop_milter() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for alg in rsa ed25519; do
    for size in 2048 1048576; do
      for conc in 1 16; do
        if [ "$size" = 2048 ]; then n=$([ "$conc" = 1 ] && echo 300 || echo 2000); else n=$([ "$conc" = 1 ] && echo 60 || echo 160); fi
        [ "$QUICK" = 1 ] && n=$((n / 4))
        for which in ours opendkim; do
          port=$(free_port)
          label="$which $alg $size $conc"
          if start_milter "$which" "$alg" "$port"; then
            "$LOAD" --milter "inet:$port@127.0.0.1" --messages "$n" --concurrency "$conc" --body-bytes "$size" \
              --warmup 10 --pid "$MILTER_PID" --expect-signatures 1 --json --label "$label" >> "$RESULTS" ||
              echo "bench-milter: $label: some messages were not signed (see above)" >&2
            stop_milter "$MILTER_PID"
          else
            echo "{\"label\":\"$label\",\"failed\":true}" >> "$RESULTS"
          fi
          echo "bench-milter: round $round: $label done" >&2
        done
      done
    done
  done
done

# OpenSSL's own speed on this machine, for scale.
RSA_SIGN=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $4 * 1000}')
SHA_MBS=$(openssl speed -seconds 2 -bytes 16384 sha256 2>/dev/null | awk '/^sha256/ {gsub("k","",$2); print $2 / 1000}')

$PY - "$RESULTS" "$RSA_SIGN" "$SHA_MBS" <<'EOF'
import json, sys, statistics
from collections import defaultdict
rows = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    r = json.loads(line)
    who, alg, size, conc = r["label"].split()
    rows[(alg, int(size), int(conc))][who].append(r)

def med(rs, key):
    vals = [r[key] for r in rs if not r.get("failed")]
    return statistics.median(vals) if vals else float("nan")

print(f"OpenSSL on this machine: RSA-2048 sign {sys.argv[2]} ms, SHA-256 {sys.argv[3]} MB/s")
hdr = f"{'alg':8} {'body':>7} {'conc':>4} | {'who':9} {'msgs/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/msg':>10} {'RSS MiB':>8} | {'thr x':>6} {'CPU x':>6}"
print(hdr)
print("-" * len(hdr))
for (alg, size, conc) in sorted(rows, key=lambda k: (k[0] != "rsa", k[1], k[2])):
    d = rows[(alg, size, conc)]
    body = "2 KB" if size == 2048 else "1 MB"
    o, k = d.get("ours", []), d.get("opendkim", [])
    for who, rs in (("dnsauth", o), ("opendkim", k)):
        if not rs or all(r.get("failed") for r in rs):
            print(f"{alg:8} {body:>7} {conc:>4} | {who:9} {'failed to run':>46} |")
            continue
        line = (f"{alg:8} {body:>7} {conc:>4} | {who:9} {med(rs,'msgs_per_s'):8.1f} {med(rs,'p50_ms'):8.2f} "
                f"{med(rs,'p99_ms'):8.2f} {med(rs,'cpu_ms_per_msg'):10.3f} {med(rs,'peak_rss_kb')/1024:8.1f} |")
        if who == "dnsauth" and k and not all(r.get("failed") for r in k):
            thr = med(o, "msgs_per_s") / med(k, "msgs_per_s")
            cpu = med(k, "cpu_ms_per_msg") / med(o, "cpu_ms_per_msg") if med(o, "cpu_ms_per_msg") > 0 else float("nan")
            line += f" {thr:6.1f} {cpu:6.1f}"
        print(line)
print("thr x = dnsauth msgs/s / OpenDKIM msgs/s; CPU x = OpenDKIM CPU per message / dnsauth CPU per message")
EOF
