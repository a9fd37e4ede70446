#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ctest man.lint: format each man page in DIR with groff's man macros and
# every warning enabled (groff -man -ww -z); any output fails the test.
#
#   lint-man.sh DIR
set -u
dir=$1
if ! command -v groff >/dev/null 2>&1; then
  echo "groff not found; install groff-base"
  exit 1
fi
status=0 pages=0
for page in "$dir"/*.[1-8]; do
  [ -f "$page" ] || continue
  pages=$((pages + 1))
  out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1)
  if [ $? -ne 0 ] || [ -n "$out" ]; then
    echo "$page:"
    echo "$out"
    status=1
  fi
  # Non-ASCII text needs preconv and an encoding line; keep pages ASCII.
  if LC_ALL=C grep -n '[^ -~	]' "$page"; then
    echo "$page: non-ASCII characters above; use groff escapes such as \\(em"
    status=1
  fi
done
if [ "$pages" -eq 0 ]; then
  echo "no man pages in $dir"
  exit 1
fi
[ "$status" -eq 0 ] && echo "$pages page(s) clean"
exit $status
