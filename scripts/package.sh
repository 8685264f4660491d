#!/usr/bin/env bash
# Builds the Debian package of this checkout with dpkg-buildpackage (debhelper, debian/):
#   dist/dnsauth_<version>_<arch>.deb         the programs, man pages, unit, configuration, docs
#   dist/dnsauth-dbgsym_<version>_<arch>.deb  their debug info (the programs are stripped)
# then runs lintian on the package and fails on any lintian error (the rest is printed).
# As root on Debian 12; installs what it needs first (scripts/setup.sh).
#
# The checkout's files, committed or not, are copied to build-deb/dnsauth-<version>/ and built
# there (dpkg-buildpackage writes beside its source folder). The copy keeps the files' times
# and the build tree (obj-*) stays between runs, so a second run compiles only what changed.
# The first run compiles everything: about 4 minutes on 2 idle cores; the log is
# build-deb/build.log.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# --version prints the CMake project version; the package must carry the same.
version=$(dpkg-parsechangelog -S Version)
project=$(sed -n 's/^project(dnsauth VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
if [ "$version" != "$project" ]; then
  echo "package: debian/changelog says $version but CMakeLists.txt's project version is $project" >&2
  exit 2
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

out=build-deb
src="$out/dnsauth-$version"
mkdir -p "$src"
# Everything but the build tree goes, then the checkout's files come back with their times.
find "$src" -mindepth 1 -maxdepth 1 ! -name 'obj-*' -exec rm -rf {} +
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and new files (not ignored ones such as build/), as they are in the work tree.
  git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
else
  tar --exclude=./build --exclude='./build-*' --exclude=./dist -cf - . | tar -xf - -C "$src"
fi

echo "== dpkg-buildpackage dnsauth $version ($arch) in $src (log: $out/build.log)"
# --no-pre-clean keeps obj-* (the copy above is already clean).
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage --build=binary --no-sign --no-pre-clean) > "$out/build.log" 2>&1; then
  tail -n 40 "$out/build.log" >&2
  echo "package: dpkg-buildpackage failed (log: $out/build.log)" >&2
  exit 1
fi

mkdir -p dist
rm -f dist/dnsauth_*.deb dist/dnsauth-dbgsym_*.deb
deb="dist/dnsauth_${version}_${arch}.deb"
cp "$out/dnsauth_${version}_${arch}.deb" "$out/dnsauth-dbgsym_${version}_${arch}.deb" dist/

echo "== lintian $deb"
# Errors fail; warnings and the rest are printed (README, "The package", says which remain
# and why).
lintian --fail-on error --display-info "$deb"
echo "package: $deb"
