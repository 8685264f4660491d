#!/usr/bin/env bash
# The Debian package end to end (CTest label "package"): scripts/package.sh builds
# dist/dnsauth_<version>_<arch>.deb and lintian finds no error in it; the .deb is installed with
# apt into a fresh Debian 12 root (debootstrap minbase, this machine's apt sources, so its
# dependencies come from the mirror), and there: the files and their modes, the conffile, the
# dnsauth user and its folders, the man pages render, the unit's Documentation= exists, every
# program's --version is the package's version, generate run as root leaves keys dnsauth can
# read, the signer runs from the installed unit's command lines as the unit's user, signs a
# message that verifies, reloads, stops and removes its socket, and uses no system call outside
# the unit's SystemCallFilter=; purge keeps private keys and removes everything else.
#
# As root (dpkg-buildpackage, debootstrap, chroot). It never skips: without root or without a
# mirror it fails and says why. About 10 minutes on 2 idle cores: the package build (about 6),
# the root (about 1), apt in it and the checks (about 1). KEEP=1 keeps the root afterwards.
set -uo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

failures=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# same TEXT EXPECTED DESCRIPTION
same() { if [ "$1" = "$2" ]; then pass "$3: $1"; else fail "$3: '$1', expected '$2'"; fi; }
die() { echo "FAIL - $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "the package test needs root (dpkg-buildpackage, debootstrap, chroot); it does not skip"

# --- the package ---------------------------------------------------------------------------
bash scripts/package.sh || die "scripts/package.sh failed (build or lintian errors, above)"
version=$(sed -n 's/^project(dnsauth VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb="$PWD/dist/dnsauth_${version}_${arch}.deb"
ddeb="$PWD/dist/dnsauth-dbgsym_${version}_${arch}.deb"
[ -f "$deb" ] || die "scripts/package.sh did not leave $deb"
echo "== package built in $((SECONDS - started)) s"
same "$(dpkg-deb -f "$deb" Version)" "$version" "the package's version is the CMake project version"

unpacked=$(mktemp -d /tmp/dnsauth-deb.XXXXXX)
. scripts/fresh-root.sh
cleanup() { fresh_root_remove; rm -rf "$unpacked"; }
trap cleanup EXIT
dpkg-deb -x "$deb" "$unpacked"
for exe in usr/sbin/dnsauth-signer usr/bin/dnsauth-publish usr/bin/dnsauth-validate; do
  check "$exe is stripped (no .debug_info)" bash -c "! readelf -S '$unpacked/$exe' | grep -q '\.debug_info'"
  build_id=$(readelf -n "$unpacked/$exe" | awk '/Build ID:/{print $3}')
  check "$exe's debug info is in the dbgsym package (build id $build_id)" \
    bash -c "dpkg-deb -c '$ddeb' | grep -q './usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug'"
  check "$exe is position-independent with full RELRO" \
    bash -c "readelf -h '$unpacked/$exe' | grep -q 'DYN (Position-Independent' && readelf -d '$unpacked/$exe' | grep -q 'BIND_NOW'"
done
unit="$unpacked/lib/systemd/system/dnsauth-signer.service"
if command -v systemd-analyze >/dev/null; then
  # Exposure 0.0 (safe) to 10.0 (unsafe); the threshold is on that scale times ten.
  check "systemd-analyze security rates the unit 2.0 or better" \
    systemd-analyze security --offline=true --threshold=20 --no-pager "$unit"
  systemd-analyze security --offline=true --no-pager "$unit" | tail -n 1
else
  fail "systemd-analyze is not installed (scripts/setup.sh installs systemd)"
fi

# --- a fresh Debian 12 root with the package installed ---------------------------------------
fresh_root_create dnsauth-package-root || die "cannot make a fresh Debian 12 root (debootstrap from the mirror failed, above)"
root=$fresh_root
fresh_root_mount
echo "== root made in $((SECONDS - started)) s"
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
# No service starts inside the root (there is no systemd in it either).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
# Postfix's queue directory, as if Postfix were installed: the postinst makes the socket
# folder inside it.
mkdir -p "$root/var/spool/postfix"
cp "$deb" "$root/tmp/"
apt_install() { in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$root/tmp/apt.log" 2>&1; }
in_root apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed in the root"
# man-db to read the pages, strace for the system calls.
apt_install "/tmp/$(basename "$deb")" man-db strace ||
  { tail -n 20 "$root/tmp/apt.log" >&2; die "apt-get install of the .deb failed in the root"; }
echo "== installed in $((SECONDS - started)) s"

owner_mode() { in_root stat -c '%U:%G %a' "$1" 2>/dev/null || echo "missing"; }
same "$(in_root dpkg-query -W -f='${Version}' dnsauth)" "$version" "installed version"
for f in /usr/sbin/dnsauth-signer /usr/bin/dnsauth-publish /usr/bin/dnsauth-validate; do
  same "$(owner_mode "$f")" "root:root 755" "$f"
done
for f in /etc/dnsauth/dnsauth.toml /lib/systemd/system/dnsauth-signer.service \
  /usr/share/man/man8/dnsauth-signer.8.gz /usr/share/man/man1/dnsauth-publish.1.gz \
  /usr/share/man/man1/dnsauth-validate.1.gz /usr/share/man/man5/dnsauth.toml.5.gz \
  /usr/share/doc/dnsauth/README.md /usr/share/doc/dnsauth/configuration.txt \
  /usr/share/doc/dnsauth/architecture.md /usr/share/doc/dnsauth/copyright \
  /usr/share/doc/dnsauth/examples/dnsauth.toml /usr/share/doc/dnsauth/examples/postfix-main.cf; do
  same "$(owner_mode "$f")" "root:root 644" "$f"
done
check "/etc/dnsauth/dnsauth.toml is a conffile" \
  bash -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' dnsauth | grep -q '^ /etc/dnsauth/dnsauth.toml '"
check "the configuration reference is dnsauth.toml(5) as text" \
  grep -q "THE \[signer\] TABLE" "$root/usr/share/doc/dnsauth/configuration.txt"

passwd=$(in_root getent passwd dnsauth)
IFS=: read -r _ _ uid gid _ home shell <<<"$passwd"
check "the dnsauth user exists" test -n "$passwd"
check "dnsauth is a system user (uid $uid under 1000)" test "${uid:-1000}" -lt 1000
same "$home $shell" "/nonexistent /usr/sbin/nologin" "dnsauth's home and shell"
same "$(in_root getent group dnsauth | cut -d: -f3)" "$gid" "the dnsauth group is its primary group"
same "$(owner_mode /etc/dnsauth/keys)" "dnsauth:dnsauth 700" "/etc/dnsauth/keys"
same "$(owner_mode /run/dnsauth)" "dnsauth:dnsauth 750" "/run/dnsauth"
same "$(owner_mode /var/spool/postfix/dnsauth)" "dnsauth:dnsauth 750" "/var/spool/postfix/dnsauth"

for page in "8 dnsauth-signer" "1 dnsauth-publish" "1 dnsauth-validate" "5 dnsauth.toml"; do
  set -- $page
  text=$(in_root env MANWIDTH=80 man "$1" "$2" 2>"$root/tmp/man.err")
  check "man $1 $2 renders with NAME, SYNOPSIS and SEE ALSO" \
    bash -c "grep -q '^NAME' <<<\"\$0\" && grep -q '^SYNOPSIS' <<<\"\$0\" && grep -q '^SEE ALSO' <<<\"\$0\"" "$text"
  check "man $1 $2 renders without warnings" \
    bash -c "in=\$(chroot '$root' env MANWIDTH=80 man --warnings $1 $2 2>&1 >/dev/null); [ -z \"\$in\" ] || { echo \"\$in\"; false; }"
done
check "man dnsauth-signer describes the milter" \
  bash -c "chroot '$root' env MANWIDTH=80 man dnsauth-signer | grep -q 'dnsauth-signer - DKIM signing milter'"

unit_values() { sed -n "s/^$1=//p" "$root/lib/systemd/system/dnsauth-signer.service"; }
for doc in $(unit_values Documentation); do
  case $doc in
    man:*) name=${doc#man:}; section=${name##*(}; section=${section%)}; name=${name%(*}
           check "Documentation=$doc is installed" in_root man -w "$section" "$name" ;;
    file:*) check "Documentation=$doc is installed" test -f "$root${doc#file:}" ;;
    *) fail "Documentation=$doc: neither man: nor file:" ;;
  esac
done

for tool in /usr/sbin/dnsauth-signer /usr/bin/dnsauth-publish /usr/bin/dnsauth-validate; do
  same "$(in_root "$tool" --version)" "$(basename "$tool") $version" "$tool --version"
done

# --- the configuration as installed, then with its example domain -----------------------------
user=$(unit_values User); group=$(unit_values Group); umask_bits=$(unit_values UMask)
same "$user:$group" "dnsauth:dnsauth" "the unit runs as"
as_user() { in_root setpriv --reuid="$user" --regid="$group" --init-groups "$@"; }
out=$(as_user /usr/sbin/dnsauth-signer --config /etc/dnsauth/dnsauth.toml --check-config 2>&1) && rc=0 || rc=$?
same "$rc" "2" "--check-config of the installed configuration, which has no domain yet (exit status)"
check "--check-config says the installed configuration would sign nothing ($out)" \
  grep -q "no \[\[domain\]\] is configured; the signer would sign nothing" <<<"$out"

sed -i '/BEGIN example domain/,/END example domain/ s/^# //' "$root/etc/dnsauth/dnsauth.toml"
check "generate, run as root, creates the example domain's keys and records" \
  in_root dnsauth-publish generate --config /etc/dnsauth/dnsauth.toml --out /root/zones
for key in example.com.s2026r.pem example.com.s2026e.pem; do
  same "$(owner_mode "/etc/dnsauth/keys/$key")" "dnsauth:dnsauth 600" "/etc/dnsauth/keys/$key"
done
out=$(as_user /usr/sbin/dnsauth-signer --config /etc/dnsauth/dnsauth.toml --check-config 2>&1)
check "--check-config as dnsauth: OK, no warning ($out)" \
  bash -c "grep -q 'OK (1 domains, 2 keys)' <<<\"\$0\" && ! grep -q warning <<<\"\$0\"" "$out"

# --- the signer from the unit's command lines, as the unit's user ---------------------------
sock=$(sed -n 's/^socket *= *"unix:\(.*\)"/\1/p' "$root/etc/dnsauth/dnsauth.toml")
same "$sock" "/var/spool/postfix/dnsauth/signer.sock" "the packaged socket"
pre=$(unit_values ExecStartPre); start=$(unit_values ExecStart)
# Both under strace (-u: as the unit's user and groups, as systemd starts them), to collect the
# system calls they make.
trace() { in_root sh -c "umask $umask_bits && exec strace -f -qq -o $1 -u $user sh -c 'echo \$\$ > /tmp/signer.pid && exec $2'"; }
check "ExecStartPre ($pre) passes" trace /tmp/pre.trace "$pre"
rm -f "$root/tmp/signer.pid"
trace /tmp/start.trace "$start" > "$root/tmp/signer.out" 2>&1 &
milter=$!
for _ in $(seq 100); do [ -S "$root$sock" ] && break; sleep 0.1; done
check "ExecStart ($start) listens on $sock" test -S "$root$sock"
same "$(owner_mode "$sock")" "dnsauth:dnsauth 770" "the socket (Postfix connects as a member of dnsauth)"
pid=$(cat "$root/tmp/signer.pid" 2>/dev/null)
same "$(awk '/^Uid:/{print $2}' "/proc/${pid:-0}/status" 2>/dev/null)" "$uid" "the milter's uid"

cat > "$root/tmp/message.eml" <<'EOF'
From: Alice <alice@example.com>
To: Bob <bob@example.org>
Subject: the package test
Date: Fri, 04 Dec 2026 12:00:00 +0000
Message-ID: <package-test@example.com>

Signed by the installed package.
EOF
check "sign, as dnsauth, signs for alice@example.com" \
  bash -c "chroot '$root' setpriv --reuid=$user --regid=$group --init-groups /usr/sbin/dnsauth-signer \
    --config /etc/dnsauth/dnsauth.toml sign --auth-user alice@example.com /tmp/message.eml > '$root/tmp/signed.eml'"
same "$(grep -c '^DKIM-Signature:' "$root/tmp/signed.eml")" "2" "DKIM-Signature fields (RSA and Ed25519)"
out=$(in_root dnsauth-validate message /tmp/signed.eml --zone /root/zones/example.com.zone --authserv-id test 2>&1)
check "the signed message verifies against the generated zone" \
  bash -c "grep -q 'dkim=pass' <<<\"\$0\" && grep -q 'dmarc=pass' <<<\"\$0\"" "$out"

kill -HUP "$pid" 2>/dev/null; sleep 1
check "the milter reloads on SIGHUP (ExecReload) and keeps running" kill -0 "$pid"
kill -TERM "$pid" 2>/dev/null
stopped=0
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { stopped=1; break; }; sleep 0.1; done
check "the milter stops on SIGTERM within 10 s" test "$stopped" = 1
wait "$milter"; status=$?
same "$status" "0" "the milter's exit status"
check "the socket is removed at stop" test ! -e "$root$sock"
grep -q "reload" "$root/tmp/signer.out" 2>/dev/null || true

# Every system call made, against the unit's SystemCallFilter= (allowed groups minus the
# "~" lines), expanded by this machine's systemd-analyze.
if command -v systemd-analyze >/dev/null; then
  expand() {
    local name
    for name in "$@"; do
      case $name in
        @*) expand $(systemd-analyze syscall-filter --no-pager "$name" | awk 'NR > 1 && $1 !~ /^#/ {print $1}') ;;
        *) echo "$name" ;;
      esac
    done
  }
  allowed=$(expand $(unit_values SystemCallFilter | grep -v '^~') | sort -u)
  denied=$(expand $(unit_values SystemCallFilter | sed -n 's/^~//p') | sort -u)
  allowed=$(comm -23 <(echo "$allowed") <(echo "$denied"))
  used=$(for t in pre start; do
    # From the exec of the signer on (the lines before are sh's).
    awk '/execve\("\/usr\/sbin\/dnsauth-signer"/{on=1} on' "$root/tmp/$t.trace" |
      sed -n -e 's/^[0-9]\+ \+\([a-z0-9_]\+\)(.*/\1/p' -e 's/^[0-9]\+ \+<\.\.\. \([a-z0-9_]\+\) resumed>.*/\1/p'
  done | sort -u)
  outside=$(comm -23 <(echo "$used") <(echo "$allowed") | tr '\n' ' ')
  check "the signer's $(echo "$used" | wc -l) system calls are all within SystemCallFilter= (outside: ${outside:-none})" \
    test -z "$outside"
fi

# --- purge ----------------------------------------------------------------------------------
out=$(in_root apt-get purge -y -qq dnsauth 2>&1)
check "purge keeps the private keys and says so" \
  bash -c "test -f '$root/etc/dnsauth/keys/example.com.s2026r.pem' && grep -q 'kept /etc/dnsauth/keys' <<<\"\$0\"" "$out"
check "purge keeps the user that owns them" in_root getent passwd dnsauth
check "purge removes the configuration" test ! -e "$root/etc/dnsauth/dnsauth.toml"
check "purge removes /run/dnsauth and the socket folder" \
  test ! -e "$root/run/dnsauth" -a ! -e "$root/var/spool/postfix/dnsauth"
# Without keys left, a purge leaves nothing of the package.
rm -r "$root/etc/dnsauth/keys"
apt_install "/tmp/$(basename "$deb")" || die "reinstalling the .deb failed"
in_root apt-get purge -y -qq dnsauth >/dev/null 2>&1
check "purge without keys removes /etc/dnsauth" test ! -e "$root/etc/dnsauth"
check "purge without keys removes the dnsauth user and group" \
  bash -c "! chroot '$root' getent passwd dnsauth && ! chroot '$root' getent group dnsauth"

echo "== package test: $failures failed, $((SECONDS - started)) s"
[ "$failures" = 0 ]
