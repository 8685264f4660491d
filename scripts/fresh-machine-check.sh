#!/usr/bin/env bash
# Runs one of the README's two commands inside a pristine Debian 12 root (debootstrap, minbase:
# no compiler, no git, no python3), on a clone of this checkout's HEAD, to prove that it
# installs everything it needs. CI's machine may have packages left from earlier runs; this
# one has nothing. As root; about 50 s for the root, then the command (15 min for the tests).
#
#   scripts/fresh-machine-check.sh [test|demo]   # test: .ci/run (default); demo: scripts/demo.sh
#                                                # KEEP=1 keeps the root afterwards
#
# Exit status: that of the command inside the root (0 green), 2 when the root cannot be made.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-test}
case "$what" in
  test) command='bash .ci/run' ;;
  demo) command='bash scripts/demo.sh' ;;
  *) echo "usage: scripts/fresh-machine-check.sh [test|demo]" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "fresh-machine-check: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y debootstrap >/dev/null
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/fresh-root.XXXXXX)
# mktemp -d makes it 0700; as the chroot's "/" that would shut out every user but root (the
# signer after its privilege drop, Postfix's daemons), which no real machine does.
chmod 755 "$root"
cleanup() {
  for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "fresh-machine-check: root kept in $root" >&2
  else rm -rf --one-file-system "$root" "$root.debootstrap.log"; fi
}
trap cleanup EXIT

echo "== debootstrap bookworm (minbase) from $mirror into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$root.debootstrap.log" 2>&1 ||
  { echo "fresh-machine-check: debootstrap failed, see $root.debootstrap.log" >&2; exit 2; }
cp /etc/resolv.conf "$root/etc/"
mount -t proc proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mkdir -p "$root/root/work"
git clone -q . "$root/root/work/main"
[ -d ../shared ] && cp -a ../shared "$root/root/work/shared"
echo "== $command on $(git -C "$root/root/work/main" log --oneline -1)"
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin CI=true \
  bash -c "cd /root/work/main && $command" </dev/null
