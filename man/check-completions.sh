#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# ctest completions.{bash,zsh,fish}: load the generated completions into the
# real shell and check what completing a command line offers.
#
#   check-completions.sh bash|zsh|fish COMPLETIONS_DIR
#
# Every completion file is syntax-checked (bash -n, zsh -n, fish -n); then
# the lines in `cases` below are completed, in a directory holding a few
# known files (for fish the lines in `described` too, with the descriptions
# it prints). bash: the completion function runs with COMP_WORDS/COMP_CWORD
# set as readline sets them. fish: `complete -C`.
# zsh: an interactive zsh in a pseudo-terminal (zpty) gets the line and a Tab,
# and records what compadd was given. zsh and fish are optional: without
# them the test prints SKIPPED.
set -u
shell=$1
dir=$(cd "$2" && pwd) || exit 1

if ! command -v "$shell" >/dev/null 2>&1; then
  echo "SKIPPED: $shell is not installed (apt-get install $shell)"
  exit 0
fi

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/files" "$work/files/subdir"
touch "$work/files/rpcapd.conf" "$work/files/rpcapd.hosts" "$work/files/other.txt"

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# ---- syntax ----
case $shell in
bash) files=("$dir"/bash/*) ;;
zsh) files=("$dir"/zsh/_*) ;;
fish) files=("$dir"/fish/*.fish) ;;
*) echo "usage: $0 bash|zsh|fish DIR" >&2; exit 2 ;;
esac
[ -f "${files[0]}" ] || { echo "FAIL: no $shell completions in $dir"; exit 1; }
for f in "${files[@]}"; do
  if ! out=$("$shell" -n "$f" 2>&1) || [ -n "$out" ]; then fail "$shell -n $f: $out"; fi
done

# ---- behaviour ----
# A line (the cursor at its end) and the words its completion must offer,
# sorted; "" = nothing (a free value).
cases=(
  'rpcap-conf gen'                    'generate'
  'rpcap-conf generate --id'          '--idle-timeout'
  'rpcap-conf '                       'check generate show tls-cert'
  'rpcap-conf -'                      '--help --version -h'
  'rpcap-conf show --j'               '--json'
  'rpcap-conf generate --max-sessions-'  '--max-sessions-per-host'
  'rpcap-conf generate -o rpcapd.c'   'rpcapd.conf'
  'rpcap-conf generate --output rpc'  'rpcapd.conf rpcapd.hosts'
  'rpcap-conf generate --port '       ''
  'rpcap-conf generate --idle-timeout ' ''
  'rpcap-conf generate -b '           ''
  'rpcap-conf generate -l rpcapd.h'   'rpcapd.hosts'
  'rpcap-conf check rpcapd.h'         'rpcapd.hosts'
  'rpcap-conf check rpcapd.conf oth'  'other.txt'
  'rpcap-conf show rpcapd.c'          'rpcapd.conf'
  'rpcapd --pid'                      '--pid-file'
  'rpcapd -f rpcapd.c'                'rpcapd.conf'
  'rpcapd --ready-fd '                ''
)
# Shell-specific lines: how each shell completes "--opt=value".
case $shell in
bash) cases+=('rpcap-conf generate --output=rpcapd.c' 'rpcapd.conf'
              'rpcap-conf show rpcapd.conf ' '') ;;
fish) cases+=('rpcap-conf generate --output=rpcapd.c' '--output=rpcapd.conf') ;;
# zsh: -F and the FILTER words exclude each other (FILTER is the rest arguments, "*").
zsh) cases+=('rpcap-conf generate --output=rpcapd.c' 'rpcapd.conf'
             'rpcap-capture eth0 -F rpcapd.c' 'rpcapd.conf'
             'rpcap-capture eth0 tcp -F' '') ;;
esac
# fish: a line and what completing it prints, descriptions included; a
# description keeps its context ("rpcaps://: ...") and drops its asides.
described=(
  'rpcap-capture --ins'   "--insecure	rpcaps://: do not verify the daemon's certificate"
  'rpcap-capture --ud'    '--udp	remote: receive the packets over UDP instead of a TCP connection'
  'rpcap-capture --pcap'  '--pcapng	write pcapng even for one source'
  'rpcap-listen w'        'wait	wait until a daemon calls in and logs in'
)

# Write the completions of each case's line to $work/got.N, one per line.
complete_bash() {
  # Readline splits words at blanks and at "=" (COMP_WORDBREAKS), which
  # becomes a word of its own; a line ending in a blank has an empty last word.
  (
    cd "$work/files" || exit 1
    for ((n = 0; n < ${#cases[@]}; n += 2)); do
      line=${cases[n]}
      prog=${line%% *}
      # shellcheck source=/dev/null
      source "$dir/bash/$prog" || exit 1
      spec=$(complete -p "$prog" 2>&1)
      fn=${spec#complete -F }
      fn=${fn%% *}
      if [ "$spec" != "complete -F $fn $prog" ]; then
        echo "FAIL: complete -p $prog: $spec" >&2
        continue
      fi
      read -ra blank_words <<<"$line"
      COMP_WORDS=()
      for w in "${blank_words[@]}"; do
        while [[ $w == *=* ]]; do
          [[ -n ${w%%=*} ]] && COMP_WORDS+=("${w%%=*}")
          COMP_WORDS+=("=")
          w=${w#*=}
        done
        [[ -n $w ]] && COMP_WORDS+=("$w")
      done
      [[ $line == *" " ]] && COMP_WORDS+=("")
      COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
      COMPREPLY=()
      "$fn"
      printf '%s\n' "${COMPREPLY[@]}" >"$work/got.$n"
    done
  )
}

complete_fish() {
  for ((n = 0; n < ${#cases[@]}; n += 2)); do
    (cd "$work/files" && fish --no-config -c 'source $argv[1]; and complete -C $argv[2]' \
      "$dir/fish/${cases[n]%% *}.fish" "${cases[n]}") | cut -f1 >"$work/got.$n"
  done
}

complete_zsh() {
  local lines=()
  for ((n = 0; n < ${#cases[@]}; n += 2)); do lines+=("${cases[n]}"); done
  cat >"$work/harness.zsh" <<'EOF'
# zsh -f harness.zsh COMPDIR WORKDIR LINE...: type each LINE and a Tab into
# an interactive zsh; write the words compadd received to WORKDIR/got.(2*i).
compdir=$1 work=$2; shift 2
zmodload zsh/zpty || exit 3
out=$work/hits
: >$out
cat >$work/setup.zsh <<SETUP
PS1=; RPS1=; PROMPT_EOL_MARK=
fpath=($compdir \$fpath)
autoload -Uz compinit && compinit -u -D
zstyle ':completion:*' list-prompt ''
zstyle ':completion:*' menu no
# Record the matches each compadd call adds; -O, -A and -D only ask for
# matches (to filter them), so those calls pass straight through.
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return; fi
  local -a __hits
  builtin compadd -A __hits "\$@"
  (( \$#__hits )) && print -rl -- \$__hits >>$out
  builtin compadd "\$@"
}
_harness_done() { print -r -- '--done--' >>$out }
zle -N _harness_done
bindkey '^X^T' _harness_done
cd $work/files
print -r -- '--ready--' >>$out
SETUP
zpty z zsh -f -i
wait_for() {  # wait up to 10 s for the line $1 in $out
  local i
  for i in {1..100}; do
    while zpty -rt z junk 2>/dev/null; do :; done  # keep the terminal drained
    grep -qx -- $1 $out && return 0
    sleep 0.1
  done
  print -u2 "zsh: timed out waiting for $1"
  return 1
}
zpty -w z "source $work/setup.zsh"
wait_for --ready-- || exit 3
integer n=0
for line in "$@"; do
  : >$out
  zpty -w -n z "$line"$'\t\C-x\C-t'
  wait_for --done-- || exit 3
  grep -vx -- --done-- $out >$work/got.$n
  zpty -w -n z $'\C-e\C-u'
  n+=2
done
zpty -d z
EOF
  zsh -f "$work/harness.zsh" "$dir/zsh" "$work" "${lines[@]}" || fail "the zsh harness failed"
}

"complete_$shell"
for ((n = 0; n < ${#cases[@]}; n += 2)); do
  line=${cases[n]} want=${cases[n + 1]}
  [ -f "$work/got.$n" ] || { fail "'$line': no result"; continue; }
  got=$(LC_ALL=C sort -u "$work/got.$n" | grep -v '^$' | tr '\n' ' ')
  got=${got% }
  want=$(printf '%s\n' $want | LC_ALL=C sort -u | grep -v '^$' | tr '\n' ' ')
  want=${want% }
  if [ "$got" = "$want" ]; then
    echo "ok: '$line' -> '$got'"
  else
    fail "'$line' -> '$got', expected '$want'"
  fi
done

if [ "$shell" = fish ]; then
  for ((n = 0; n < ${#described[@]}; n += 2)); do
    line=${described[n]} want=${described[n + 1]}
    got=$(cd "$work/files" && fish --no-config -c 'source $argv[1]; and complete -C $argv[2]' \
      "$dir/fish/${line%% *}.fish" "$line")
    if [ "$got" = "$want" ]; then
      echo "ok: '$line' -> '$got'"
    else
      fail "'$line' -> '$got', expected '$want'"
    fi
  done
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s) in the $shell completions"
  exit 1
fi
