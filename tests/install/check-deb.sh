#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make deb-check: the packages `make deb` left in DIR (build/deb) hold what
# they must: programs, gzipped man pages in sections 1, 5 and 8, completions,
# the PAM file, /etc/rpcapd.conf as a conffile that passes `rpcap-conf
# check`, the four systemd units whose ExecStart programs are in the
# package, the extcap in Wireshark's extcap folder, maintainer scripts that
# create and purge the group but neither enable nor start a unit; and
# lintian finds no error and no warning that is not overridden.
#
#   tests/install/check-deb.sh [DIR]
set -uo pipefail
dir=${1:-build/deb}
status=0
fail() { echo "check-deb: $*"; status=1; }

changes=$(ls "$dir"/*.changes 2>/dev/null | head -n 1)
daemon=$(ls "$dir"/rpcapd_*.deb 2>/dev/null | head -n 1)
tools=$(ls "$dir"/rpcap-tools_*.deb 2>/dev/null | head -n 1)
if [ -z "$changes" ] || [ -z "$daemon" ] || [ -z "$tools" ]; then
  echo "check-deb: no .changes, rpcapd_*.deb or rpcap-tools_*.deb in $dir (run make deb)"; exit 1
fi
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
for pkg in daemon tools; do
  dpkg-deb -x "${!pkg}" "$work/$pkg" && dpkg-deb -e "${!pkg}" "$work/$pkg-control" || exit 1
done
d=$work/daemon t=$work/tools
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
extcap=/usr/lib/$multiarch/wireshark/extcap
units=(rpcapd.service rpcapd.socket rpcapd-inetd.socket rpcapd-inetd@.service)

# What each package holds.
want_daemon=(/usr/sbin/rpcapd /usr/bin/rpcap-conf /etc/pam.d/rpcapd /etc/rpcapd.conf
  /usr/share/man/man8/rpcapd.8.gz /usr/share/man/man5/rpcapd.conf.5.gz /usr/share/man/man1/rpcap-conf.1.gz
  /usr/share/bash-completion/completions/rpcapd /usr/share/zsh/vendor-completions/_rpcapd
  /usr/share/fish/vendor_completions.d/rpcapd.fish /usr/share/doc/rpcapd/copyright)
for u in "${units[@]}"; do want_daemon+=("/lib/systemd/system/$u"); done
want_tools=(/usr/bin/rpcap-ls /usr/bin/rpcap-capture /usr/bin/rpcap-listen "$extcap/rpcap-extcap"
  /usr/share/man/man1/rpcap-ls.1.gz /usr/share/man/man1/rpcap-capture.1.gz /usr/share/man/man1/rpcap-listen.1.gz
  /usr/share/man/man1/rpcap-extcap.1.gz /usr/share/bash-completion/completions/rpcap-ls
  /usr/share/zsh/vendor-completions/_rpcap-capture /usr/share/fish/vendor_completions.d/rpcap-extcap.fish
  /usr/share/doc/rpcap-tools/copyright)
for f in "${want_daemon[@]}"; do [ -e "$d$f" ] || fail "rpcapd lacks $f"; done
for f in "${want_tools[@]}"; do [ -e "$t$f" ] || fail "rpcap-tools lacks $f"; done
for f in /usr/sbin/rpcapd /usr/bin/rpcap-conf; do [ -x "$d$f" ] || fail "rpcapd: $f is not executable"; done
for f in /usr/bin/rpcap-ls /usr/bin/rpcap-capture /usr/bin/rpcap-listen "$extcap/rpcap-extcap"; do
  [ -x "$t$f" ] || fail "rpcap-tools: $f is not executable"
done
# Nothing under /usr/local, /usr/etc or share/doc/rpcap; every man page gzipped.
for root in "$d" "$t"; do
  for bad in usr/local usr/etc usr/share/doc/rpcap usr/lib/systemd; do
    [ ! -e "$root/$bad" ] || fail "$(basename "$root"): has /$bad"
  done
  while IFS= read -r page; do fail "man page not gzipped: ${page#"$root"}"; done \
    < <(find "$root/usr/share/man" -type f ! -name '*.gz' 2>/dev/null)
done
if command -v tshark >/dev/null 2>&1; then
  searched=$(tshark -G folders 2>/dev/null | sed -n 's/^Extcap path:[[:space:]]*//p')
  [ -z "$searched" ] || [ "$searched" = "$extcap" ] || fail "tshark searches $searched for extcap programs, not $extcap"
fi

# Conffiles: the configuration and the PAM file, nothing else.
conffiles=$(sort "$work/daemon-control/conffiles" 2>/dev/null)
[ "$conffiles" = $'/etc/pam.d/rpcapd\n/etc/rpcapd.conf' ] \
  || fail "rpcapd conffiles are not /etc/pam.d/rpcapd and /etc/rpcapd.conf: $(echo $conffiles)"
[ ! -e "$work/tools-control/conffiles" ] || fail "rpcap-tools has conffiles"

# The shipped configuration is valid (checked by the packaged rpcap-conf),
# asks for passwords and names the group postinst creates.
conf=$d/etc/rpcapd.conf
if [ -x "$d/usr/bin/rpcap-conf" ] && [ -f "$conf" ]; then
  out=$("$d/usr/bin/rpcap-conf" check "$conf" 2>&1) || fail "rpcap-conf check /etc/rpcapd.conf: $out"
  shown=$("$d/usr/bin/rpcap-conf" show "$conf" 2>&1)
  for want in 'NullAuthPermit = NO' 'ListenPort = 2002' '# ListenAddress: every local address' 'CaptureGroup = rpcap'; do
    grep -qxF "$want" <<<"$shown" || fail "/etc/rpcapd.conf: effective settings lack \"$want\""
  done
fi

# Every unit's ExecStart runs a program of the package, with a config it ships.
for u in "${units[@]}"; do
  f=$d/lib/systemd/system/$u
  [ -f "$f" ] || continue
  grep -q '@[A-Z_]*@' "$f" && fail "$u keeps a placeholder"
  while IFS= read -r cmd; do
    prog=${cmd%% *}
    prog=${prog#[-@:+!]}
    [ -x "$d$prog" ] || fail "$u: ExecStart=$cmd: $prog is not in the package"
    if [[ $cmd =~ -f\ ([^ ]+) ]] && [ ! -f "$d${BASH_REMATCH[1]}" ]; then
      fail "$u: ExecStart=$cmd: ${BASH_REMATCH[1]} is not in the package"
    fi
  done < <(sed -n 's/^ExecStart=//p' "$f")
  case $u in *.service) grep -q '^ExecStart=' "$f" || fail "$u has no ExecStart" ;; esac
done

# Maintainer scripts: the group is made and purged; no unit is enabled or started.
ctl=$work/daemon-control
grep -q 'addgroup --system --quiet rpcap' "$ctl/postinst" 2>/dev/null || fail "postinst does not create the group rpcap"
grep -q 'delgroup --system --quiet rpcap' "$ctl/postrm" 2>/dev/null || fail "postrm does not remove the group rpcap"
grep -q 'deb-systemd-helper purge' "$ctl/postrm" 2>/dev/null || fail "postrm does not purge the units' state"
# dh_installsystemd --no-enable: "enable" only re-creates the links of a
# unit the administrator had enabled (was-enabled); deb-systemd-invoke
# starts no disabled unit; prerm stops the units on removal.
if awk '/deb-systemd-helper .*was-enabled/ { guard = 1; next }
        /deb-systemd-helper (--quiet )?enable/ && !guard { print; bad = 1 }
        /^[[:space:]]*fi$/ { guard = 0 }
        END { exit !bad }' "$ctl/postinst"; then
  fail "postinst enables a unit on installation"
fi
if grep -E 'systemctl .*(start|enable)' "$ctl/postinst" "$ctl/preinst" 2>/dev/null; then
  fail "a maintainer script starts or enables a unit with systemctl"
fi
grep -q 'deb-systemd-invoke stop' "$ctl/prerm" 2>/dev/null || fail "prerm does not stop the units on removal"

# lintian: errors fail, and so do warnings not overridden (with a reason) in debian/.
echo "check-deb: lintian $changes"
if ! lintian --fail-on error,warning --display-info "$changes"; then
  fail "lintian found errors or warnings"
fi

[ $status -eq 0 ] && echo "check-deb: $(basename "$daemon") $(basename "$tools"): ok"
exit $status
