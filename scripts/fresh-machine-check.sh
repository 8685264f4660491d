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
. scripts/fresh-root.sh
trap fresh_root_remove EXIT
fresh_root_create fresh-root || exit 2
root=$fresh_root
fresh_root_mount
mkdir -p "$root/root/work"
git clone -q . "$root/root/work/main"
[ -d ../shared ] && cp -a ../shared "$root/root/work/shared"
echo "== $command on $(git -C "$root/root/work/main" log --oneline -1)"
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin CI=true \
  bash -c "cd /root/work/main && $command" </dev/null
