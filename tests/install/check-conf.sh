#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ctest dist.rpcapd_conf: the shipped /etc/rpcapd.conf (dist/rpcapd.conf)
# passes `rpcap-conf check`, keeps the safe defaults (password logins, every
# address, port 2002, no TLS demanded), and shows every key of the settings
# table, set or commented out. The key list comes from the program:
# `rpcap-conf show` of an empty file prints each key, "Key = value" or
# "# Key: default".
#
#   check-conf.sh RPCAP_CONF FILE
set -u
conf=$1 file=$2
status=0
if ! out=$("$conf" check "$file" 2>&1); then
  echo "rpcap-conf check $file failed:"; echo "$out"; status=1
fi

empty=$(mktemp) || exit 1
trap 'rm -f "$empty"' EXIT
keys=$("$conf" show "$empty" | sed -n 's/^\(# \)\{0,1\}\([A-Za-z][A-Za-z0-9]*\)\( =\|:\).*/\2/p')
if [ "$(printf '%s\n' "$keys" | grep -c .)" -lt 20 ]; then
  echo "rpcap-conf show printed too few keys to trust:"; printf '%s\n' "$keys"; exit 1
fi
for key in $keys; do
  # Set, or shown as "#Key = example" with a comment line just above it.
  line=$(grep -n "^#\{0,1\}$key[[:space:]]*=" "$file" | head -n 1 | cut -d: -f1)
  if [ -z "$line" ]; then
    echo "$file: key $key is neither set nor shown commented out"; status=1
  elif [ "$line" -lt 2 ] || ! sed -n "$((line - 1))p" "$file" | grep -q '^# [^ ]'; then
    echo "$file:$line: key $key has no explanation on the line above"; status=1
  fi
done

# The effective settings are the safe ones.
shown=$("$conf" show "$file")
for want in 'NullAuthPermit = NO' '# ListenAddress: every local address' 'ListenPort = 2002' \
            'AddressFamily = any' 'ActiveOnly = NO' 'Tls = NO' '# PassiveClient: none listed, every host may connect'; do
  if ! printf '%s\n' "$shown" | grep -qxF "$want"; then
    echo "$file: effective settings lack \"$want\""; status=1
  fi
done
# The Debian package turns this line on (debian/rules); keep its spelling.
if ! grep -qx '#CaptureGroup = rpcap' "$file"; then
  echo "$file: no line \"#CaptureGroup = rpcap\" for the package to enable"; status=1
fi
exit $status
