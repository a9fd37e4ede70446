#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ctest docs.up_to_date: regenerate the man pages and completions into
# WORKDIR and compare them with the committed copies in the source tree.
# Prints one line per stale file and fails if there is any.
#
#   check-docs.sh DOCGEN SOURCE_DIR WORKDIR
set -u
docgen=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
"$docgen" --strict --out "$work" || exit 1

status=0
# Generated file names hold no blanks (program names and NAME.SECTION).
for f in $(cd "$work" && find man completions -type f | LC_ALL=C sort); do
  if ! cmp -s "$work/$f" "$src/$f"; then
    echo "$f is stale; run 'make docs'"
    status=1
  fi
done
# Committed generated files that docgen no longer writes (a renamed program).
for f in $(cd "$src" && { find completions -type f 2>/dev/null; ls man/*.[1-8] 2>/dev/null; } | LC_ALL=C sort); do
  if [ ! -f "$work/$f" ]; then
    echo "$f is no longer generated; git rm it"
    status=1
  fi
done
exit $status
