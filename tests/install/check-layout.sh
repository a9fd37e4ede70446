#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ctest install.layout: `cmake --install` into a temporary DESTDIR puts
# every program, page and completion where its users look for it, and
# rpcap-extcap into the extcap folder the build chose (RPCAP_EXTCAP_DIR),
# which must be the one this machine's tshark searches when its Wireshark
# is the one the build was configured against.
#
#   check-layout.sh BUILD_DIR EXTCAP_DIR
set -u
build=$1 extcap=$2
dest=$(mktemp -d) || exit 1
trap 'rm -rf "$dest"' EXIT
if ! out=$(DESTDIR="$dest" cmake --install "$build" --prefix /usr 2>&1); then
  echo "cmake --install failed:"; echo "$out"; exit 1
fi
status=0
for f in /usr/bin/rpcap-ls /usr/bin/rpcap-capture /usr/bin/rpcap-listen /usr/bin/rpcap-conf /usr/sbin/rpcapd \
         "$extcap/rpcap-extcap" /usr/share/man/man1/rpcap-extcap.1 /usr/share/man/man8/rpcapd.8 \
         /usr/share/man/man5/rpcapd.conf.5 /usr/share/bash-completion/completions/rpcap-extcap; do
  if [ ! -e "$dest$f" ]; then echo "not installed: $f"; status=1; fi
done
if [ -x "$dest$extcap/rpcap-extcap" ] && ! "$dest$extcap/rpcap-extcap" --extcap-interfaces | grep -q '^interface {value=rpcap}'; then
  echo "the installed rpcap-extcap does not answer --extcap-interfaces"; status=1
fi
# Only the extcap program goes into the extcap folder, and nowhere else.
if [ -e "$dest/usr/bin/rpcap-extcap" ]; then echo "rpcap-extcap installed into /usr/bin too"; status=1; fi
if command -v tshark >/dev/null 2>&1; then
  searched=$(tshark -G folders 2>/dev/null | sed -n 's/^Extcap path:[[:space:]]*//p')
  if [ "$searched" != "$extcap" ]; then
    echo "tshark searches \"$searched\" for extcap programs, the build installs into \"$extcap\""; status=1
  fi
fi
exit $status
