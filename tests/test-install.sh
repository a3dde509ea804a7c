#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the build into a temporary DESTDIR and checks what a GNOME app must put in place,
# then runs the installed CLI outside the source tree with an empty home: it must find the
# examples it installed, not the source checkout's.
# usage: test-install.sh BUILD_DIR PREFIX DATADIR APP_ID WITH_GUI LINGUAS_FILE
set -eu

build=$1 prefix=$2 datadir=$3 app_id=$4 with_gui=$5 linguas=$6
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
root="$dest$prefix"
share="$dest$datadir"

[ -x "$root/bin/taskbench-cli" ] || fail "bin/taskbench-cli not installed"
for f in lecture-chapters.yaml meeting-action-items.yaml support-ticket-triage.yaml \
         samples/lecture-chapters/databases-transactions.txt; do
  [ -f "$share/taskbench/usecases/$f" ] || fail "example $f not installed"
done

if [ "$with_gui" = true ]; then
  [ -x "$root/bin/taskbench" ] || fail "bin/taskbench not installed"
  for f in "applications/$app_id.desktop" "metainfo/$app_id.metainfo.xml" \
           "glib-2.0/schemas/$app_id.gschema.xml" \
           "icons/hicolor/scalable/apps/$app_id.svg" \
           "icons/hicolor/symbolic/apps/$app_id-symbolic.svg"; do
    [ -f "$share/$f" ] || fail "$f not installed"
  done
fi

for lang in $(grep -v '^#' "$linguas"); do
  [ -f "$share/locale/$lang/LC_MESSAGES/taskbench.mo" ] || fail "translation $lang not installed"
done

# Outside the source tree, with an empty home: the installed examples are offered.
home="$dest/home"
cd /
out=$(TASKBENCH_HOME="$home" GIO_USE_PROXY_RESOLVER=dummy "$root/bin/taskbench-cli" usecases 2>"$dest/err")
grep -q "copied the example use cases from $share/taskbench/usecases" "$dest/err" \
  || fail "examples not copied from the installed data: $(cat "$dest/err")"
for id in lecture-chapters meeting-action-items support-ticket-triage; do
  echo "$out" | grep -q "^$id " || fail "$id not listed by the installed CLI"
done
[ -f "$home/usecases/samples/lecture-chapters/databases-transactions.txt" ] || fail "samples not copied into the home"

echo "installed tree complete; the installed CLI seeded an empty home from $share/taskbench"
