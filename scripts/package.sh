#!/usr/bin/env bash
# Builds the Debian package of this checkout with dpkg-buildpackage (debhelper, debian/):
#   dist/dnsauth_<version>_<arch>.deb          the programs, man pages, unit, configuration, docs
#   dist/dnsauth-dbgsym_<version>_<arch>.ddeb  their debug info (the programs are stripped)
# then runs lintian on the .deb and fails on any lintian error (warnings are printed).
# As root on Debian 12; installs what it needs first (scripts/setup.sh). The checkout's files,
# committed or not, are copied to a temporary folder and built there (dpkg-buildpackage writes
# beside its source folder; build/ and dist/ stay out of it). About 8 minutes on 2 cores.
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

work=$(mktemp -d /tmp/dnsauth-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
src="$work/dnsauth-$version"
mkdir "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and new files (not ignored ones such as build/), as they are in the work tree.
  git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
else
  tar --exclude=./build --exclude='./build-*' --exclude=./dist -cf - . | tar -xf - -C "$src"
fi

echo "== dpkg-buildpackage dnsauth $version ($arch) in $src"
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage --build=binary --no-sign) > "$work/build.log" 2>&1 ||
  { tail -n 60 "$work/build.log" >&2; echo "package: dpkg-buildpackage failed" >&2; exit 1; }

mkdir -p dist
rm -f dist/dnsauth_*.deb dist/dnsauth-dbgsym_*.ddeb
deb="dist/dnsauth_${version}_${arch}.deb"
cp "$work/dnsauth_${version}_${arch}.deb" "$deb"
cp "$work/dnsauth-dbgsym_${version}_${arch}.ddeb" dist/

echo "== lintian $deb"
# Errors fail the build; warnings and the rest are printed (README, "Installing on a server",
# says which remain and why).
lintian --fail-on error --display-info "$deb"
echo "package: $deb"
