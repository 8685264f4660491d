#!/usr/bin/env bash
# The signer at ISP scale: 100,000 hosted domains in OpenDKIM's KeyTable/SigningTable sharing a
# few RSA-2048 key files, and a 1,000,000-line texthash login map (bench/scale/gen_scale_data.py).
# Measures, on this machine:
#   - start to ready (the milter port accepts) and SIGHUP reload (to its "reloaded" log line),
#     three times each;
#   - the signer's peak RSS (VmHWM) after the starts and reloads;
#   - CPU per message and p50/p99 with the big tables (file: SigningTable, and the same as
#     refile: "*@domain" patterns) and with a single-domain configuration (the same key,
#     alternately in the same run), bench/milter_load with every message from
#     another hosted sender (login and From from the login map);
#   - p99 while reloads run back to back (a SIGHUP as soon as the last one is done) against p99
#     without.
#
#   scripts/bench-scale.sh                       # BUILD=build, DOMAINS=100000, LOGINS=1000000
#   DOMAINS=10000 LOGINS=100000 MESSAGES=500 scripts/bench-scale.sh   # a quick run
#
# Prints a table and writes the figures as JSON to $BUILD/bench-scale/results.json.
# Everything listens on 127.0.0.1 only; every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DOMAINS=${DOMAINS:-100000}
LOGINS=${LOGINS:-1000000}
MESSAGES=${MESSAGES:-3000}
CONCURRENCY=${CONCURRENCY:-4}
PY=/usr/bin/python3

SIGNER=$BUILD/bin/dnsauth-signer
LOAD=$BUILD/bench/milter_load
if [ ! -x "$SIGNER" ] || [ ! -x "$LOAD" ]; then
  cmake -S . -B "$BUILD" -G Ninja >/dev/null
  cmake --build "$BUILD" --target dnsauth-signer milter_load
fi

DATA=$(cd "$BUILD" && pwd)/bench-scale/data-$DOMAINS-$LOGINS
WORK=$(cd "$BUILD" && pwd)/bench-scale
mkdir -p "$WORK"
if [ ! -s "$DATA/senders" ]; then
  echo "bench-scale: generating $DOMAINS domains and $LOGINS logins in $DATA" >&2
  $PY bench/scale/gen_scale_data.py "$DATA" --domains "$DOMAINS" --logins "$LOGINS"
fi

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
elapsed() { $PY -c "print(f'{$2 - $1:.2f}')"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# write_config big|refile|single PORT
write_config() {
  local which=$1 port=$2
  {
    echo "[signer]"
    echo "socket = \"inet:$port@127.0.0.1\""
    echo "log = \"stderr\""
    echo "canonicalization = \"relaxed/relaxed\""
    if [ "$which" = big ] || [ "$which" = refile ]; then
      echo "key_table = \"file:$DATA/KeyTable\""
      if [ "$which" = big ]; then echo "signing_table = \"file:$DATA/SigningTable\""
      else echo "signing_table = \"refile:$DATA/SigningTable.re\""; fi
      echo "login_map = \"texthash:$DATA/sender_login\""
    else
      echo "key_dir = \"$DATA/keys\""
      echo
      echo "[[domain]]"
      echo "name = \"example.com\""
      echo "auth = \"domain\""
      echo "  [[domain.selector]]"
      echo "  name = \"s2026\""
      echo "  key = \"rsa0.pem\""
    fi
  } > "$WORK/$which.toml"
}

# start_signer big|refile|single -> SIGNER_PID, PORT, READY_S (start to ready, seconds)
start_signer() {
  PORT=$(free_port)
  write_config "$1" "$PORT"
  : > "$WORK/$1.log"
  local t0
  t0=$(now)
  "$SIGNER" --config "$WORK/$1.toml" 2>>"$WORK/$1.log" &
  SIGNER_PID=$!
  PIDS+=("$SIGNER_PID")
  for _ in $(seq 1 3000); do
    port_open "$PORT" && break
    kill -0 "$SIGNER_PID" 2>/dev/null || { echo "bench-scale: the signer did not start:" >&2; tail -5 "$WORK/$1.log" >&2; exit 1; }
    sleep 0.01
  done
  READY_S=$(elapsed "$t0" "$(now)")
}

stop_signer() {
  kill -TERM "$SIGNER_PID" 2>/dev/null || true
  wait "$SIGNER_PID" 2>/dev/null || true
}

# reload LOG -> RELOAD_S: SIGHUP, then the time until one more "reloaded" line is logged.
reload() {
  local before t0
  before=$(grep -c "reloaded " "$1" || true)
  t0=$(now)
  kill -HUP "$SIGNER_PID"
  for _ in $(seq 1 3000); do
    [ "$(grep -c "reloaded " "$1" || true)" -gt "$before" ] && break
    grep -q "reload refused" "$1" && { echo "bench-scale: reload refused:" >&2; tail -3 "$1" >&2; exit 1; }
    sleep 0.01
  done
  RELOAD_S=$(elapsed "$t0" "$(now)")
}

peak_rss_mib() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

RESULTS=$WORK/results.jsonl
: > "$RESULTS"

# 1. Start and reload times, peak RSS.
starts=() reloads=()
for i in 1 2 3; do
  start_signer big
  starts+=("$READY_S")
  if [ "$i" = 1 ]; then
    for _ in 1 2 3; do reload "$WORK/big.log"; reloads+=("$RELOAD_S"); done
    RSS=$(peak_rss_mib "$SIGNER_PID")
    SUMMARY=$(grep -m1 -o "started on .*" "$WORK/big.log")
  fi
  stop_signer
done
echo "{\"starts_s\":[${starts[*]// /,}],\"reloads_s\":[${reloads[*]// /,}],\"peak_rss_mib\":$RSS}" | sed 's/ /,/g' >> "$RESULTS"
echo "bench-scale: starts ${starts[*]} s, reloads ${reloads[*]} s, peak RSS $RSS MiB" >&2
echo "bench-scale: $SUMMARY" >&2

# 2. CPU per message, big tables against a single domain, alternately.
for round in 1 2; do
  for which in single big refile; do
    start_signer "$which"
    if [ "$which" != single ]; then senders=(--senders "$DATA/senders"); else senders=(--auth-user alice@example.com --from alice@example.com); fi
    "$LOAD" --milter "inet:$PORT@127.0.0.1" --messages "$MESSAGES" --concurrency "$CONCURRENCY" --warmup 50 \
      --pid "$SIGNER_PID" --expect-signatures 1 --json --label "$which" "${senders[@]}" >> "$RESULTS"
    stop_signer
    echo "bench-scale: round $round: $which done" >&2
  done
done

# 3. p99 while reloading back to back, against p99 without (the rows above): four times the
# messages, so that the run spans several reloads.
start_signer big
"$LOAD" --milter "inet:$PORT@127.0.0.1" --messages "$((MESSAGES * 4))" --concurrency "$CONCURRENCY" --warmup 50 \
  --pid "$SIGNER_PID" --expect-signatures 1 --json --label "big during reloads" --senders "$DATA/senders" \
  > "$WORK/during.json" &
LOAD_PID=$!
n_reloads=0
sleep 0.2
while kill -0 "$LOAD_PID" 2>/dev/null; do
  reload "$WORK/big.log"
  n_reloads=$((n_reloads + 1))
done
wait "$LOAD_PID"
sed "s/}\$/,\"reloads\":$n_reloads,\"peak_rss_mib_after\":$(peak_rss_mib "$SIGNER_PID")}/" "$WORK/during.json" >> "$RESULTS"
stop_signer

$PY - "$RESULTS" "$DOMAINS" "$LOGINS" "$WORK/results.json" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
times = rows[0]
runs = {}
for r in rows[1:]:
    runs.setdefault(r["label"], []).append(r)
med = lambda rs, k: statistics.median(r[k] for r in rs)
single, big, refile, during = runs["single"], runs["big"], runs["refile"], runs["big during reloads"]
out = {
    "domains": int(sys.argv[2]), "logins": int(sys.argv[3]),
    "start_s": times["starts_s"], "reload_s": times["reloads_s"], "peak_rss_mib": times["peak_rss_mib"],
    "cpu_ms_per_msg": {k: med(v, "cpu_ms_per_msg") for k, v in (("single", single), ("big", big), ("refile", refile))},
    "p50_ms": {"single": med(single, "p50_ms"), "big": med(big, "p50_ms"), "refile": med(refile, "p50_ms"),
               "during_reloads": during[0]["p50_ms"]},
    "p99_ms": {"single": med(single, "p99_ms"), "big": med(big, "p99_ms"), "refile": med(refile, "p99_ms"),
               "during_reloads": during[0]["p99_ms"]},
    "msgs_per_s": {"single": med(single, "msgs_per_s"), "big": med(big, "msgs_per_s"), "refile": med(refile, "msgs_per_s"),
                   "during_reloads": during[0]["msgs_per_s"]},
    "reloads_during_run": during[0]["reloads"], "peak_rss_mib_after_reloads": during[0]["peak_rss_mib_after"],
    "errors": sum(r["errors"] + r["unexpected"] for r in rows[1:]),
}
json.dump(out, open(sys.argv[4], "w"), indent=1)
cpu = out["cpu_ms_per_msg"]
print(f"{out['domains']:,} domains, {out['logins']:,} logins")
print(f"start to ready    {', '.join(f'{t:.2f}' for t in out['start_s'])} s")
print(f"SIGHUP reload     {', '.join(f'{t:.2f}' for t in out['reload_s'])} s")
print(f"peak RSS          {out['peak_rss_mib']} MiB after a start and 3 reloads; "
      f"{out['peak_rss_mib_after_reloads']} MiB after {out['reloads_during_run']} reloads under load")
print(f"CPU per message   {cpu['big']:.3f} ms (big tables) / {cpu['single']:.3f} ms (one domain) = {cpu['big'] / cpu['single']:.3f}; "
      f"refile: {cpu['refile']:.3f} ms = {cpu['refile'] / cpu['single']:.3f}")
for k in ("single", "big", "refile", "during_reloads"):
    print(f"{k:17} {out['msgs_per_s'][k]:8.1f} msgs/s  p50 {out['p50_ms'][k]:7.2f} ms  p99 {out['p99_ms'][k]:7.2f} ms")
print(f"messages not answered or not signed: {out['errors']}")
EOF
