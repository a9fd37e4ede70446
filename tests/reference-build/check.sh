#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ctest reference_build.*: scripts/reference-build without building or the network.
#
#   check.sh SCRIPT sources   deb-src twins of synthetic apt configurations (RPCAP_APT_ETC):
#                             deb822 stanzas with several URIs, suites and components, an
#                             inline key, Enabled: no; one-line entries with [options]; none
#   check.sh SCRIPT stamp     a complete build is reused as it is (--env paths), a layout 1
#                             build gets inst/sbin/tcpdump, an incomplete one is rebuilt
#
# Every run has an apt configuration with no usable entry at hand, so a run that wrongly goes on
# to build stops at once with an error instead of fetching anything.
set -u
script=$1 what=$2
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH
status=0

fail() { echo "FAIL: $*"; status=1; }

# Run SCRIPT with `args` under `env`, keeping stdout, stderr and the exit code in out, err, rc.
run() {
  out=$(env "$@" 2> "$work/err")
  rc=$?
  err=$(cat "$work/err")
}

# check NAME EXPECTED ACTUAL: report a difference.
check() {
  [[ $2 == "$3" ]] && return 0
  fail "$1"
  diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/  /'
}

mkdir -p "$work/none/sources.list.d"
# What every run ends with when it finds no source in $1.
no_source_error() {
  echo "reference-build: error: no enabled 'deb' entry in the apt sources to fetch deb-src from (looked at: $1)"
}

sources_cases() {
  local etc=$work/etc
  mkdir -p "$etc/sources.list.d"
  cat > "$etc/sources.list" << 'EOF'
# the main list
deb [signed-by=/usr/share/keyrings/a.gpg arch=amd64] http://a.example/debian bookworm main contrib  # a comment
deb-src http://a.example/debian bookworm main
  deb [ trusted=yes check-valid-until=no ] file:/srv/repo ./
deb http://b.example/debian
deb [arch=amd64 http://c.example/debian bookworm main
EOF
  cat > "$etc/sources.list.d/two.sources" << 'EOF'
Types: deb deb-src
# a comment inside a stanza
URIs: http://m1.example/debian http://m2.example/debian
Suites: bookworm bookworm-updates
Components: main contrib non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main
Enabled: no

types: deb
uris: http://inline.example/repo
suites: stable
components: main
enabled: yes
signed-by:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBFake
 -----END PGP PUBLIC KEY BLOCK-----
EOF
  cat > "$etc/sources.list.d/more.sources" << 'EOF'
Types: deb-src
URIs: http://srconly.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://nosuite.example/debian
Components: main
EOF
  echo "deb http://d.example/x y z" > "$etc/sources.list.d/extra.list"
  echo "deb http://ignored.example/x y z" > "$etc/sources.list.d/extra.list.disabled"

  run RPCAP_APT_ETC="$etc" RPCAP_REF_DIR="$work/ref" "$script" --print-sources
  check "--print-sources: exit code" 0 "$rc"
  check "--print-sources: the deb-src twins" "# $etc/sources.list.d/two.sources:1
Types: deb-src
URIs: http://m1.example/debian http://m2.example/debian
Suites: bookworm bookworm-updates
Components: main contrib non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

# $etc/sources.list.d/two.sources:14
Types: deb-src
uris: http://inline.example/repo
suites: stable
components: main
signed-by:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBFake
 -----END PGP PUBLIC KEY BLOCK-----

# $etc/sources.list:2
deb-src [signed-by=/usr/share/keyrings/a.gpg arch=amd64] http://a.example/debian bookworm main contrib
# $etc/sources.list:4
deb-src [ trusted=yes check-valid-until=no ] file:/srv/repo ./
# $etc/sources.list.d/extra.list:1
deb-src http://d.example/x y z" "$out"
  check "--print-sources: warnings" "reference-build: warning: $etc/sources.list.d/more.sources:6: stanza has no URIs or no Suites; left out
reference-build: warning: $etc/sources.list:5: no URI and suite; left out
reference-build: warning: $etc/sources.list:6: \"[\" without \"]\"; left out" "$err"
  [[ ! -e $work/ref ]] || fail "--print-sources created RPCAP_REF_DIR"

  # Only deb822 files, only disabled or deb-src entries: an error naming the files read.
  local off=$work/off
  mkdir -p "$off/sources.list.d"
  printf 'Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n' \
    > "$off/sources.list.d/a.sources"
  echo "deb-src http://a.example/debian bookworm main" > "$off/sources.list"
  run RPCAP_APT_ETC="$off" RPCAP_REF_DIR="$work/ref" "$script" --print-sources
  check "disabled only: exit code" 1 "$rc"
  check "disabled only: error" "$(no_source_error "$off/sources.list $off/sources.list.d/a.sources")" "$err"

  # No file at all: the error names where it looked; no build directory is made.
  run RPCAP_APT_ETC="$work/none" RPCAP_REF_DIR="$work/ref" "$script"
  check "no sources: exit code" 1 "$rc"
  check "no sources: stdout" "" "$out"
  check "no sources: error" "$(no_source_error "$work/none/sources.list, $work/none/sources.list.d/*.list, $work/none/sources.list.d/*.sources")" "$err"
  [[ ! -e $work/ref ]] || fail "a build without sources created RPCAP_REF_DIR"
}

stamp_cases() {
  local ref=$work/ref stamp
  stamp="libpcap 9.9.9-1 --enable-remote openssl; tcpdump 8.8.8+dfsg-2; both without Debian patches; layout"
  mkdir -p "$ref/inst/sbin" "$ref/tcpdump-8.8.8+dfsg"
  printf '#!/bin/sh\necho rpcapd\n' > "$ref/inst/sbin/rpcapd"
  printf '#!/bin/sh\necho tcpdump 8.8.8\n' > "$ref/tcpdump-8.8.8+dfsg/tcpdump"
  chmod +x "$ref/inst/sbin/rpcapd" "$ref/tcpdump-8.8.8+dfsg/tcpdump"
  local env_out="export RPCAP_REF_DIR=$ref
export RPCAPD=$ref/inst/sbin/rpcapd
export TCPDUMP=$ref/inst/sbin/tcpdump
export LD_LIBRARY_PATH=$ref/inst/lib
export PCAP_CONFIG=$ref/inst/bin/pcap-config
export RB_ANCHOR=$ref
export RB_UP_RPCAPD=$ref/inst/sbin/rpcapd
export RB_UP_TCPDUMP=$ref/inst/sbin/tcpdump"

  # Layout 1 (no inst/sbin/tcpdump): the built tcpdump is copied there, nothing rebuilt.
  echo "$stamp 1" > "$ref/.build-complete"
  run RPCAP_APT_ETC="$work/none" RPCAP_REF_DIR="$ref" "$script" --env
  check "layout 1: exit code" 0 "$rc"
  check "layout 1: --env" "$env_out" "$out"
  check "layout 1: stderr" "" "$err"
  check "layout 1: inst/sbin/tcpdump" "tcpdump 8.8.8" "$("$ref/inst/sbin/tcpdump" 2>&1)"
  check "layout 1: the stamp" "$stamp 2" "$(cat "$ref/.build-complete")"

  # Layout 2, complete: reused as it is.
  run RPCAP_APT_ETC="$work/none" RPCAP_REF_DIR="$ref" "$script"
  check "complete: exit code" 0 "$rc"
  check "complete: the directory" "$ref" "$out"
  check "complete: stderr" "" "$err"

  # Incomplete, stale or forced: built again (which stops here, for want of sources).
  local none_error
  none_error=$(no_source_error "$work/none/sources.list, $work/none/sources.list.d/*.list, $work/none/sources.list.d/*.sources")
  rm "$ref/inst/sbin/tcpdump"
  run RPCAP_APT_ETC="$work/none" RPCAP_REF_DIR="$ref" "$script"
  check "no inst/sbin/tcpdump: rebuilt" "1 $none_error" "$rc $err"
  install -m 0755 "$ref/tcpdump-8.8.8+dfsg/tcpdump" "$ref/inst/sbin/tcpdump"
  echo "$stamp 1 and something else" > "$ref/.build-complete"
  run RPCAP_APT_ETC="$work/none" RPCAP_REF_DIR="$ref" "$script"
  check "unknown stamp: rebuilt" "1 $none_error" "$rc $err"
  echo "$stamp 2" > "$ref/.build-complete"
  run RPCAP_APT_ETC="$work/none" RPCAP_REF_DIR="$ref" "$script" --force
  check "--force: rebuilt" "1 $none_error" "$rc $err"
}

case $what in
  sources) sources_cases ;;
  stamp) stamp_cases ;;
  *) echo "check.sh: unknown case set \"$what\""; exit 2 ;;
esac
exit $status
