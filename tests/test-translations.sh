#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Each catalog in po/LINGUAS must compile cleanly (msgfmt --check: formats, plurals, header)
# and be complete: a fuzzy or untranslated message would show English in the window.
# usage: test-translations.sh PO_DIR
set -eu

po=$1
status=0
langs=$(grep -v '^#' "$po/LINGUAS" | tr -s ' \n' '  ')
[ -n "$langs" ] || { echo "FAIL: po/LINGUAS names no language"; exit 1; }

for lang in $langs; do
  if [ ! -f "$po/$lang.po" ]; then
    echo "FAIL: po/LINGUAS names $lang, but po/$lang.po does not exist"
    status=1
    continue
  fi
  if ! stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po/$lang.po" 2>&1); then
    echo "FAIL: $lang.po does not compile: $stats"
    status=1
    continue
  fi
  case "$stats" in
    *untranslated*|*fuzzy*)
      echo "FAIL: $lang.po is incomplete: $stats"
      status=1 ;;
    *)
      echo "$lang: $stats" ;;
  esac
done
exit $status
