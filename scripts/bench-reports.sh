#!/usr/bin/env bash
# The DMARC aggregate report ingest benchmark (README "Reading aggregate reports",
# bench/README.md): dnsauth-validate reports ingest against the straightforward Python
# baseline (bench/reports/baseline.py: xml.etree + sqlite3), on the same synthetic compressed
# reports (bench/reports/gen_reports.py), each pinned to one core, rates per CPU second
# (user + system of the process, from /usr/bin/time). Then the same ingest over ten times as
# many reports, to show that memory does not grow with their number, and bench/reports_ingest_bench
# (Google Benchmark: where the time goes, parse alone and the whole path in process).
#
#   scripts/bench-reports.sh
#
# Environment: BUILD (default build-release), REPORTS (default 2000), ROUNDS (default 3; the
# median is kept), CORE (the CPU to pin to, default 0).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-release}
REPORTS=${REPORTS:-2000}
ROUNDS=${ROUNDS:-3}
CORE=${CORE:-0}
PY=/usr/bin/python3   # Debian's python3, whatever python3 comes first on PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDNSAUTH_TESTS=OFF -DDNSAUTH_BENCH=ON >/dev/null
cmake --build "$BUILD" --target dnsauth-validate reports_ingest_bench >/dev/null

echo "generating $REPORTS reports and $((REPORTS * 10)) reports (bench/reports/gen_reports.py)"
totals=$("$PY" bench/reports/gen_reports.py --out "$work/small" --reports "$REPORTS" --seed 1)
"$PY" bench/reports/gen_reports.py --out "$work/large" --reports $((REPORTS * 10)) --seed 2 >/dev/null
rows=$(awk '{print $4}' <<<"$totals")
bytes=$(du -sb "$work/small" | cut -f1)
echo "  $totals; $((bytes / REPORTS)) bytes per compressed report on average"

# run LABEL DB COMMAND...: prints "cpu_seconds max_rss_kib" of the command, pinned to $CORE.
run() {
  local db=$1; shift
  rm -f "$db" "$db-wal" "$db-shm"
  /usr/bin/time -f '%U %S %M' -o "$work/time" taskset -c "$CORE" "$@" >"$work/out" 2>&1 || {
    cat "$work/out" >&2; exit 1; }
  awk '{printf "%.3f %d\n", $1 + $2, $3}' "$work/time"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

ours=() theirs=()
for ((i = 1; i <= ROUNDS; i++)); do
  ours+=("$(run "$work/ours.db" "$BUILD/bin/dnsauth-validate" reports ingest --db "$work/ours.db" "$work/small" | cut -d' ' -f1)")
  stored=$(sqlite3 "$work/ours.db" 'SELECT count(*) FROM records')
  [ "$stored" = "$rows" ] || { echo "dnsauth stored $stored records of $rows" >&2; exit 1; }
  theirs+=("$(run "$work/py.db" "$PY" bench/reports/baseline.py --db "$work/py.db" --schema reports/schema.sql "$work"/small/* | cut -d' ' -f1)")
  stored=$(sqlite3 "$work/py.db" 'SELECT count(*) FROM records')
  [ "$stored" = "$rows" ] || { echo "the baseline stored $stored records of $rows" >&2; exit 1; }
done
cpu_ours=$(printf '%s\n' "${ours[@]}" | median)
cpu_py=$(printf '%s\n' "${theirs[@]}" | median)
read -r _ rss_small < <(run "$work/ours.db" "$BUILD/bin/dnsauth-validate" reports ingest --db "$work/ours.db" "$work/small")
read -r cpu_large rss_large < <(run "$work/large.db" "$BUILD/bin/dnsauth-validate" reports ingest --db "$work/large.db" "$work/large")

echo
echo "| | reports | records | CPU s (median of $ROUNDS) | records per CPU second | max RSS |"
echo "|---|---|---|---|---|---|"
awk -v r="$REPORTS" -v n="$rows" -v c="$cpu_ours" -v m="$rss_small" \
  'BEGIN {printf "| dnsauth-validate reports ingest | %d | %d | %.2f | %.0f | %.1f MiB |\n", r, n, c, n / c, m / 1024}'
awk -v r="$REPORTS" -v n="$rows" -v c="$cpu_py" \
  'BEGIN {printf "| Python baseline (xml.etree + sqlite3) | %d | %d | %.2f | %.0f | |\n", r, n, c, n / c}'
large_rows=$(sqlite3 "$work/large.db" 'SELECT count(*) FROM records')
awk -v r="$((REPORTS * 10))" -v n="$large_rows" -v c="$cpu_large" -v m="$rss_large" \
  'BEGIN {printf "| dnsauth, ten times the reports | %d | %d | %.2f | %.0f | %.1f MiB |\n", r, n, c, n / c, m / 1024}'
awk -v a="$cpu_py" -v b="$cpu_ours" 'BEGIN {printf "\ndnsauth / baseline: %.1fx the records per CPU second\n", a / b}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$BUILD/bench/reports_ingest_bench" --corpus="$work/small" --benchmark_repetitions="$ROUNDS" \
  --benchmark_report_aggregates_only=true
