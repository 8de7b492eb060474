#!/usr/bin/env bash
# Builds the stand-in base images into the local Docker Engine when they are missing or stale.
# Usage: images/build.sh [NAME...]   NAME in: debian python node nginx postgres redis (default: all)
# Why: no container registry answers from these machines; see images/README.md for the contracts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/lib.sh"
. "$here/lib.sh"

# fingerprint: a short hash of stdin, stored as a label to tell a current image from a stale one.
fingerprint() { sha256sum | cut -c1-16; }

debian_inputs() {
  echo "$DEBIAN_SUITE $DEBIAN_MIRROR $DEBIAN_INCLUDE"
  sed -n '/^# debian-tree/,/^# end debian-tree/p' "$here/lib.sh"
  host_ca_files | xargs cat
}

build_debian() {
  local tag inputs tarball tree
  tag=$(standin_tag debian)
  inputs=$(debian_inputs | fingerprint)
  image_is_current "$tag" "$inputs" && return 0
  tarball="$STANDIN_CACHE/debian-$DEBIAN_SUITE-$inputs.tar"
  if [ ! -f "$tarball" ]; then
    ensure_apt debootstrap
    tree=$(mktemp -d "$STANDIN_CACHE/tree.XXXXXX")
    log "debootstrap $DEBIAN_SUITE (minbase) into $tree"
    debootstrap --variant=minbase --include="$DEBIAN_INCLUDE" \
      "$DEBIAN_SUITE" "$tree" "$DEBIAN_MIRROR" >"$tree.log" 2>&1 \
      || { tail -n 30 "$tree.log" >&2; rm -rf "$tree"; die "debootstrap failed (log above)"; }
    prepare_debian_tree "$tree"
    tar --numeric-owner -C "$tree" -cf "$tarball.part" .
    rm -f "$STANDIN_CACHE/debian-$DEBIAN_SUITE-"*.tar # trees of older inputs
    mv "$tarball.part" "$tarball"
    rm -rf "$tree" "$tree.log"
  fi
  log "importing $tag"
  docker import \
    --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
    --change "LABEL $STANDIN_LABEL=$inputs" \
    "$tarball" "$tag" >/dev/null
}

# build_from_dockerfile NAME: docker build images/NAME on top of the debian stand-in.
build_from_dockerfile() {
  local name=$1 tag ctx inputs extra=()
  [ "$name" = postgres ] && extra=(--build-arg "PG_MAJOR=$PG_MAJOR")
  tag=$(standin_tag "$name")
  ctx=$(mktemp -d)
  cp -a "$here/$name/." "$ctx/"
  [ "$name" = node ] && fetch_node_tarballs "$ctx"
  inputs=$( {
    docker image inspect -f '{{.Id}}' "$(standin_tag debian)"
    (cd "$ctx" && find . -type f | sort | xargs sha256sum)
  } | fingerprint)
  if ! image_is_current "$tag" "$inputs"; then
    log "building $tag"
    DOCKER_BUILDKIT=0 docker build --force-rm --label "$STANDIN_LABEL=$inputs" \
      --build-arg "BASE=$(standin_tag debian)" "${extra[@]}" -t "$tag" "$ctx" >"$ctx.log" 2>&1 \
      || { tail -n 30 "$ctx.log" >&2; rm -rf "$ctx" "$ctx.log"; die "building $tag failed (above)"; }
    rm -f "$ctx.log"
  fi
  rm -rf "$ctx"
}

main() {
  local names=("$@")
  [ ${#names[@]} -gt 0 ] || names=("${STANDIN_NAMES[@]}")
  for name in "${names[@]}"; do standin_tag "$name" >/dev/null; done
  ensure_docker
  mkdir -p "$STANDIN_CACHE"
  exec 9>"$STANDIN_CACHE/.lock"
  flock 9
  build_debian
  for name in "${names[@]}"; do
    [ "$name" = debian ] || build_from_dockerfile "$name"
  done
  for name in "${names[@]}"; do standin_tag "$name"; done
}

main "$@"
