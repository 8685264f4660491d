#!/usr/bin/env bash
# dnsauth-signer behind a real Postfix + Cyrus SASL under faults: 2,000 messages handed to
# Postfix, each relayed by Postfix's own smtp client logged in as alice (AUTH PLAIN) to the
# submission port whose smtpd runs the signer (milter_default_action = tempfail); a SIGHUP
# every 0.5 s cycling a key change, a broken file, the first keys again and a broken file; half
# way through, the signer is stopped (SIGTERM) and started again 2 s later. What reaches the
# submission port while the signer is down is deferred (4xx) and Postfix's queue retries it.
# Then the maildir is counted: every message delivered exactly once, every one signed, its
# signatures verifying (dnsauth's verifier with either key set; dkimpy on one), none unsigned.
# It is the integration test SignerPostfix.SoakThroughPostfixsQueueWithReloadsAndARestart
# with its size knob (CI runs it with 100 messages).
#
#   scripts/soak-postfix.sh                  # as root; uses ./build (BUILD=dir to change)
#   MESSAGES=500 scripts/soak-postfix.sh
#
# Exit status: the test's (0 when all of the above held).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MESSAGES=${MESSAGES:-2000}
[ "$(id -u)" = 0 ] || { echo "soak-postfix: Postfix must be started as root" >&2; exit 2; }
[ -f "$BUILD/build.ninja" ] || cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target dnsauth-signer integration_signer_postfix_test >/dev/null
DNSAUTH_POSTFIX_SOAK_MESSAGES=$MESSAGES "$BUILD/tests/integration_signer_postfix_test" \
  --gtest_filter='SignerPostfix.SoakThroughPostfixsQueueWithReloadsAndARestart' --gtest_brief=1
