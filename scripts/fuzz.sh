#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets (clang-14, ASan + UBSan, build-fuzz/), runs each for
# SECONDS (default 600), one at a time, merges the new interesting inputs into the committed
# corpus (tests/fuzz/corpus/<target>, minimized with -merge=1), and prints per target: runs,
# coverage (cov) and features (ft), corpus size, crashes, timeouts, OOMs and the slowest input.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 60 authres spf_macro
#
# Limits (an input past them is a bug, like a crash):
#   -timeout=1             libFuzzer counts whole seconds, so an input over 1 s is a timeout;
#                          the 100 ms budget per input is checked after the run: every input of
#                          the merged corpus is run once more and timed ("Executed ... in N ms"),
#                          the table gives the slowest (max_ms) and how many took over 100 ms
#                          (slow; such an input is timed twice more and keeps its best time). Times are under ASan + UBSan, a few times slower than a
#                          release build, so the budget is generous to the code.
#   -rss_limit_mb=2048     the process (ASan's shadow memory and quarantine included).
#   -malloc_limit_mb=64    any single allocation; inputs are at most -max_len=65536 bytes, so
#                          this is about a thousand times the largest input.
# Crashes, timeouts and OOMs are written to build-fuzz/findings/<target>/; add each to the
# corpus once fixed. Run it niced when others share the machine: nice -n 19 scripts/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true

bash scripts/setup.sh
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDNSAUTH_FUZZ=ON -DDNSAUTH_TESTS=OFF -DDNSAUTH_BENCH=OFF -DDNSAUTH_TOOLS=OFF >/dev/null
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  cmake --build build-fuzz -j "$(nproc)"
  for src in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$src" .cpp)
    targets+=("${name#fuzz_}")
  done
else
  cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"  # only those named
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rows=()
status=0
for t in "${targets[@]}"; do
  bin=build-fuzz/tests/fuzz/fuzz_$t
  corpus=tests/fuzz/corpus/$t
  work=build-fuzz/work/$t
  findings=build-fuzz/findings/$t
  log=build-fuzz/logs/$t.log
  mkdir -p "$corpus" "$work" "$findings" "$(dirname "$log")"
  echo "== $t: ${seconds}s"
  cov=0
  ft=0
  runs=0
  # The run works on a scratch copy; only a minimized merge goes back into the committed corpus.
  # libFuzzer stops at the first finding. A timeout is confirmed by running the input again (best
  # of three): on a busy machine a niced run can be starved past -timeout, and such an input is
  # dropped and the run resumed for the seconds left. Crashes and OOMs end the target's run.
  : >"$log"
  start=$SECONDS
  rc=0
  while left=$((seconds - (SECONDS - start))); [ "$left" -gt 0 ]; do
    set +e
    "$bin" "$work" "$corpus" -max_total_time="$left" -timeout=1 -rss_limit_mb=2048 \
      -malloc_limit_mb=64 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$findings/" >"$log.part" 2>&1
    rc=$?
    set -e
    cat "$log.part" >>"$log"
    n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log.part" | grep -o '[0-9]*$' || true)
    runs=$((runs + ${n:-0}))
    last=$(grep -E '^#[0-9]+' "$log.part" | tail -1 || true)
    if [ -n "$last" ]; then
      cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo "$cov")
      ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo "$ft")
    fi
    [ "$rc" -eq 0 ] && break
    timeout_file=$(grep -o "$findings/timeout-[0-9a-f]*" "$log.part" | head -1 || true)
    [ -n "$timeout_file" ] && [ -f "$timeout_file" ] || break
    best=100000
    for _ in 1 2 3; do
      ms=$("$bin" -runs=1 "$timeout_file" 2>&1 | sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p')
      [ -n "$ms" ] && [ "$ms" -lt "$best" ] && best=$ms
    done
    [ "$best" -ge 1000 ] && break  # a real timeout
    echo "   (timeout not confirmed: best of 3 runs $best ms; resumed)" | tee -a "$log"
    rm -f "$timeout_file"
    rc=0
  done
  rm -f "$log.part"
  crashes=$(find "$findings" -name 'crash-*' | wc -l)
  timeouts=$(find "$findings" -name 'timeout-*' | wc -l)
  ooms=$(find "$findings" -name 'oom-*' -o -name 'leak-*' | wc -l)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "   finding: see $log and $findings/"
    grep -E 'property violated|ERROR: |SUMMARY' "$log" | head -3 || true
  fi
  # Merge what the run found into the committed corpus, minimized.
  mkdir -p "$work.merged"
  "$bin" -merge=1 "$work.merged" "$corpus" "$work" -rss_limit_mb=2048 -malloc_limit_mb=64 \
    -max_len=65536 -artifact_prefix="$work.merge-" >>"$log" 2>&1 || status=1
  rm -rf "${corpus:?}"/*
  cp "$work.merged"/* "$corpus"/ 2>/dev/null || true
  rm -rf "$work.merged"
  size=$(find "$corpus" -type f | wc -l)
  # Each input of the corpus once more, timed, in one process ("Executed FILE in N ms"); those
  # over 100 ms are timed twice more and keep their best time, so that a busy machine does not
  # count as a slow input.
  timing() {
    xargs -0 -r "$bin" -runs=1 -rss_limit_mb=2048 -malloc_limit_mb=64 \
      -artifact_prefix="$work.timing-" 2>&1 | sed -n 's/^Executed \(.*\) in \([0-9]*\) ms$/\1 \2/p'
  }
  declare -A best=()
  while read -r file ms; do best[$file]=$ms; done < <(find "$corpus" -type f -print0 | timing)
  for _ in 1 2; do
    over=()
    for file in "${!best[@]}"; do [ "${best[$file]}" -gt 100 ] && over+=("$file"); done
    [ "${#over[@]}" -gt 0 ] || break
    while read -r file ms; do
      [ "$ms" -lt "${best[$file]}" ] && best[$file]=$ms
    done < <(printf '%s\0' "${over[@]}" | timing)
  done
  slowest=0
  slow=0
  for file in "${!best[@]}"; do
    ms=${best[$file]}
    [ "$ms" -gt 100 ] && slow=$((slow + 1))
    [ "$ms" -gt "$slowest" ] && slowest=$ms
  done
  unset best
  rows+=("$(printf '%-18s %12s %7s %8s %7s %8s %9s %5s %6s %5s' "$t" "$runs" "$cov" "$ft" "$size" \
    "$crashes" "$timeouts" "$ooms" "$slow" "$slowest")")
done

echo
printf '%-18s %12s %7s %8s %7s %8s %9s %5s %6s %5s\n' target runs cov ft corpus crashes timeouts ooms slow max_ms
printf '%s\n' "${rows[@]}"
exit "$status"
