#!/usr/bin/env bash
# Writes `docker save` archives of stand-in images (building them first when missing).
# Usage: images/save.sh NAME... DESTDIR   -> DESTDIR/NAME.tar (+ NAME.id, the image id it holds)
# Why: air-gapped hosts (and Molecule's throwaway VPS) receive images as archives to `docker load`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/lib.sh"
. "$here/lib.sh"

[ $# -ge 2 ] || die "usage: images/save.sh NAME... DESTDIR (NAME in: ${STANDIN_NAMES[*]})"
dest=${*: -1}
names=("${@:1:$#-1}")
"$here/build.sh" "${names[@]}" >/dev/null
mkdir -p "$dest"
for name in "${names[@]}"; do
  tag=$(standin_tag "$name")
  id=$(docker image inspect -f '{{.Id}}' "$tag")
  if [ -f "$dest/$name.tar" ] && [ "$(cat "$dest/$name.id" 2>/dev/null)" = "$id" ]; then continue; fi
  log "saving $tag to $dest/$name.tar"
  docker save -o "$dest/$name.tar.part" "$tag"
  chmod 644 "$dest/$name.tar.part"
  mv "$dest/$name.tar.part" "$dest/$name.tar"
  echo "$id" >"$dest/$name.id"
done
