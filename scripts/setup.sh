#!/usr/bin/env bash
# Installs every Debian 12 package that dnsauth's build, tests, benchmarks and demo need.
# Non-interactive and idempotent: when everything is present it only checks and returns.
# Run as root on Debian 12 (bookworm).
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git ca-certificates
  # libraries
  libssl-dev openssl libldns-dev ldnsutils libboost-program-options-dev libtomlplusplus-dev
  libmilter-dev libexpected-dev libpsl-dev libidn2-dev publicsuffix nlohmann-json3-dev libyaml-cpp-dev
  # tinycdb: reading cdb: login maps as `postmap cdb:FILE` writes them
  libcdb-dev
  # OpenLDAP's client library: ldap: login maps (ldap/ldap_table.cpp)
  libldap-dev
  # libcurl over OpenSSL: MTA-STS policies fetched over HTTPS (https/policy_fetch.cpp)
  libcurl4-openssl-dev
  # DMARC aggregate reports (reports/, core/dmarc_report): pugixml reads the report documents,
  # libarchive their gzip and zip files, SQLite stores them
  libpugixml-dev libarchive-dev libsqlite3-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (scripts/fuzz.sh): clang-14 with its runtime's libFuzzer, ASan and UBSan
  clang-14 libclang-rt-14-dev
  # peers used as oracles and real servers used by integration tests
  python3 python3-dkim python3-authres python3-dnspython opendkim opendkim-tools miltertest
  nsd bind9-utils postfix postfix-cdb sasl2-bin libsasl2-modules swaks
  # slapd for the ldap: login map tests (tests/support/slapd_fixture.h), postfix-ldap's postmap
  # as their oracle, ldap-utils (ldapsearch) to look at it by hand
  slapd ldap-utils postfix-ldap
  # Knot is the primary and secondary of the key-lifecycle tests (tests/support/knot_fixture.h:
  # RFC 2136 UPDATE with TSIG, NOTIFY, transfers); knot-dnsutils gives kdig for looking by hand
  knot knot-dnsutils
  # nginx serves the MTA-STS policy fetch tests over HTTPS (tests/support/nginx_fixture.h); its
  # package would start a system nginx on port 80, which policy-rc.d below forbids
  nginx-light
  # headless Chromium renders the reports' HTML page in its test (tests/integration)
  chromium
  # the Debian package (scripts/package.sh) and its test in a fresh root (tests/package)
  dpkg-dev debhelper fakeroot lintian scdoc groff-base debootstrap systemd
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages (${missing[*]}); run this script as root" >&2
  exit 2
fi

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask questions nor configure a system instance; tests run their own.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# slapd must not create a system directory either (nor ask for its password); the tests run
# their own slapd on a free loopback port, never the system one on port 389.
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections

# Packages such as nsd, knot, opendkim, postfix, slapd and nginx would start system services on install.
# The tests start their own instances on free loopback ports, so keep the package
# scripts from starting anything (policy-rc.d exit 101 = "action forbidden"). nginx's postinst
# fails the installation when that start fails; forbidden, invoke-rc.d returns 0 and it succeeds.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
