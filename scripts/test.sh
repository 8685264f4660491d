#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine (as root): installs what is needed,
# builds, runs every CTest test (unit, conformance, integration, interop, then package), then
# builds the unit tests again with AddressSanitizer + UndefinedBehaviorSanitizer and runs them,
# and the signer with its milter tests and a short soak under ThreadSanitizer.
# Exit status is non-zero when anything fails, including a sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/setup.sh

echo "== build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"

echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 300 -LE package

# The Debian package (scripts/package.sh) installed into a fresh Debian 12 root: about 10
# minutes, alone on the machine.
echo "== package"
ctest --test-dir build --output-on-failure -L package

echo "== unit tests under ASan + UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDNSAUTH_SANITIZE=ON \
  -DDNSAUTH_BENCH=OFF -DDNSAUTH_TOOLS=OFF -DDNSAUTH_UNIT_TESTS_ONLY=ON >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j "$jobs" --timeout 300

echo "== the signer's milter tests and a short soak under ThreadSanitizer"
# The signer's threads (libmilter's workers, the reloader, the metrics server) on a signer,
# core and tests built with -fsanitize=thread; tests/tsan.supp says what is suppressed and why.
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNSAUTH_TSAN=ON >/dev/null
cmake --build build-tsan -j "$jobs" --target dnsauth-signer milter_soak integration_signer_milter_test \
  integration_signer_syslog_test integration_signer_soak_test
ctest --test-dir build-tsan -R '^(SignerMilter|SignerSyslog|SignerSoak)\.' --output-on-failure -j "$jobs" --timeout 300
