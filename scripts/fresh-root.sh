# Sourced (not run) by scripts/fresh-machine-check.sh and tests/package/package_test.sh: makes
# a pristine Debian 12 root with debootstrap (minbase: no compiler, no git, no python3) from
# this machine's mirror, with this machine's apt sources, and takes it down again. As root.
#
#   . scripts/fresh-root.sh
#   fresh_root_create PREFIX     # sets fresh_root; returns 2 when debootstrap fails
#   fresh_root_mount             # proc, sys, dev, dev/pts, as a machine has them
#   fresh_root_remove            # unmounts and deletes (KEEP=1 keeps it); safe to call twice

fresh_root=""

fresh_root_create() {
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
  local mirror
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  fresh_root=$(mktemp -d "/tmp/$1.XXXXXX")
  # mktemp -d makes it 0700; as the chroot's "/" that would shut out every user but root (the
  # signer after its privilege drop, Postfix's daemons), which no real machine does.
  chmod 755 "$fresh_root"
  echo "== debootstrap bookworm (minbase) from $mirror into $fresh_root"
  if ! debootstrap --variant=minbase bookworm "$fresh_root" "$mirror" > "$fresh_root.debootstrap.log" 2>&1; then
    echo "fresh root: debootstrap failed, see $fresh_root.debootstrap.log" >&2
    tail -n 5 "$fresh_root.debootstrap.log" >&2
    return 2
  fi
  cp /etc/resolv.conf "$fresh_root/etc/"
  # The same apt sources as this machine (updates and security included), so that packages
  # built here find the library versions they were built against.
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$fresh_root/etc/apt/sources.list.d/"
    rm -f "$fresh_root/etc/apt/sources.list"
  fi
}

fresh_root_mount() {
  mount -t proc proc "$fresh_root/proc"
  mount --bind /sys "$fresh_root/sys"
  mount --bind /dev "$fresh_root/dev"
  mount --bind /dev/pts "$fresh_root/dev/pts"
}

fresh_root_remove() {
  [ -n "$fresh_root" ] && [ -d "$fresh_root" ] || return 0
  local m
  for m in dev/pts dev sys proc; do umount -l "$fresh_root/$m" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "fresh root: kept in $fresh_root" >&2
  else
    rm -rf --one-file-system "$fresh_root" "$fresh_root.debootstrap.log"
  fi
  fresh_root=""
}
