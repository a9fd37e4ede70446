#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ctest install.prefixes: `cmake --install --prefix P` into a DESTDIR, for
# P = /usr and /usr/local, puts the PAM file and rpcapd.conf under SYSCONFDIR
# (/etc) whatever P is, makes units whose ExecStart is P/sbin/rpcapd with
# that rpcapd.conf, keeps a configuration that is already there, and puts
# the man pages and completions under P/share.
#
#   check-prefixes.sh BUILD_DIR SYSCONFDIR
set -u
build=$1 sysconf=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "$*"; status=1; }

install_into() {  # DESTDIR PREFIX
  if ! out=$(DESTDIR="$1" cmake --install "$build" --prefix "$2" 2>&1); then
    echo "cmake --install --prefix $2 failed:"; echo "$out"; exit 1
  fi
}

for prefix in /usr /usr/local; do
  dest=$work/dest$(echo "$prefix" | tr / _)
  install_into "$dest" "$prefix"

  [ -f "$dest$sysconf/pam.d/rpcapd" ] || fail "$prefix: no PAM file $sysconf/pam.d/rpcapd"
  [ ! -e "$dest$prefix/etc/pam.d/rpcapd" ] || [ "$prefix$sysconf" = "$prefix/etc" ] \
    || fail "$prefix: PAM file also under $prefix/etc/pam.d, which PAM does not read"

  # The units: all four, ExecStart with this prefix's rpcapd and the config.
  unitdir=$dest$prefix/lib/systemd/system
  for unit in rpcapd.service rpcapd.socket rpcapd-inetd.socket rpcapd-inetd@.service; do
    [ -f "$unitdir/$unit" ] || fail "$prefix: unit not installed: $prefix/lib/systemd/system/$unit"
  done
  for unit in rpcapd.service rpcapd-inetd@.service; do
    [ -f "$unitdir/$unit" ] || continue
    if grep -q '@[A-Z_]*@' "$unitdir/$unit"; then fail "$prefix: $unit keeps a placeholder"; fi
    exec_start=$(sed -n 's/^ExecStart=//p' "$unitdir/$unit")
    case "$exec_start" in
      "$prefix/sbin/rpcapd "*"-f $sysconf/rpcapd.conf"*) ;;
      *) fail "$prefix: $unit: ExecStart=$exec_start, not $prefix/sbin/rpcapd ... -f $sysconf/rpcapd.conf" ;;
    esac
    [ -x "$dest${exec_start%% *}" ] || fail "$prefix: $unit: ExecStart names ${exec_start%% *}, which is not installed"
  done

  # The configuration the units name, the shipped one; and its sample.
  if ! cmp -s "$dest$sysconf/rpcapd.conf" "$src/dist/rpcapd.conf"; then
    fail "$prefix: $sysconf/rpcapd.conf is missing or not dist/rpcapd.conf"
  fi
  cmp -s "$dest$prefix/share/doc/rpcap/examples/rpcapd.conf" "$src/dist/rpcapd.conf" \
    || fail "$prefix: no sample $prefix/share/doc/rpcap/examples/rpcapd.conf"

  for f in share/man/man1/rpcap-ls.1 share/man/man1/rpcap-conf.1 share/man/man5/rpcapd.conf.5 \
           share/man/man8/rpcapd.8 share/bash-completion/completions/rpcapd \
           share/fish/vendor_completions.d/rpcapd.fish bin/rpcap-ls bin/rpcap-conf sbin/rpcapd; do
    [ -e "$dest$prefix/$f" ] || fail "$prefix: not installed: $prefix/$f"
  done
  [ -n "$(find "$dest$prefix/share/zsh" -name _rpcapd 2>/dev/null)" ] || fail "$prefix: no zsh completion under $prefix/share/zsh"
  [ -z "$(find "$dest$prefix" -path '*/share/man/*' -name '*.in')" ] || fail "$prefix: a page source (.in) was installed"
done

# A second install keeps the administrator's configuration.
dest=$work/dest_usr
echo 'ListenPort = 2999' >"$dest$sysconf/rpcapd.conf"
install_into "$dest" /usr
[ "$(cat "$dest$sysconf/rpcapd.conf")" = 'ListenPort = 2999' ] || fail "a second install replaced $sysconf/rpcapd.conf"
exit $status
