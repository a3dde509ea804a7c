#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every source file with a string marked for translation must be in po/POTFILES.in (else
# its strings silently stay English), and every file listed there must exist.
# usage: test-potfiles.sh SOURCE_ROOT
set -eu

root=$1
potfiles="$root/po/POTFILES.in"
status=0
listed=$(mktemp)
trap 'rm -f "$listed"' EXIT

grep -v '^#' "$potfiles" | grep -v '^[[:space:]]*$' | sort -u >"$listed"

while read -r file; do
  if [ ! -f "$root/$file" ]; then
    echo "FAIL: po/POTFILES.in lists $file, which does not exist"
    status=1
  fi
done <"$listed"

cd "$root"
for file in $(find src ui -name '*.c' -o -name '*.ui' | sort) $(ls data/*.in 2>/dev/null); do
  if grep -qE '(^|[^A-Za-z0-9_])(N?_|C_) ?\(|ngettext ?\(|translatable="yes"' "$file" \
     || case "$file" in data/*) true ;; *) false ;; esac; then
    if ! grep -qxF "$file" "$listed"; then
      echo "FAIL: $file has translatable strings but is missing from po/POTFILES.in"
      status=1
    fi
  fi
done

[ $status -eq 0 ] && echo "po/POTFILES.in lists every file with translatable strings"
exit $status
