# shellcheck shell=bash disable=SC2034  # sourced: its variables serve the scripts that source it
# Shared helpers for the repository's scripts: installs what a fresh machine lacks.
# Source it: `. "$(dirname "$0")/lib.sh"`. Every function is idempotent and quiet when done.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$REPO_ROOT/.venv"
# Outside the checkout, so that a fresh clone on a warm machine reuses it (a cold one builds it).
CACHE_DIR="${TRADING_BOT_CACHE:-$HOME/.cache/trading-bot}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

_apt_updated=0
# ensure_apt PKG...: install Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (${missing[*]}); run as root or install them"
  if [ "$_apt_updated" -eq 0 ]; then
    log "apt-get update"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    _apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_venv: the Python virtualenv with the backend and every Python tool the tests use.
ensure_venv() {
  local stamp="$VENV/.installed" inputs
  inputs=$(cat "$REPO_ROOT/backend/pyproject.toml" "$REPO_ROOT/backend/requirements.lock" "$REPO_ROOT/requirements-dev.txt" 2>/dev/null | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then return 0; fi
  log "installing the Python environment in .venv"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip wheel
  # The runtime dependencies exactly as the image gets them (the lock), then the project and its tools.
  "$VENV/bin/pip" install -q --require-hashes --no-deps -r "$REPO_ROOT/backend/requirements.lock"
  "$VENV/bin/pip" install -q -e "$REPO_ROOT/backend[dev]"
  if [ -f "$REPO_ROOT/requirements-dev.txt" ]; then
    "$VENV/bin/pip" install -q -r "$REPO_ROOT/requirements-dev.txt"
  fi
  echo "$inputs" > "$stamp"
}

# ensure_services_packages: PostgreSQL and Redis server binaries for the backend tests.
ensure_services_packages() {
  command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ensure_apt postgresql
  ensure_apt redis-server
}

# ensure_docker: a running Docker Engine (installs Debian's docker.io and starts dockerd).
ensure_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null 2>&1 || ensure_apt docker.io
  log "starting dockerd"
  # Its own session: ending the shell or job that started it must not take the engine down. Without
  # the caller's descriptors: a lock held around this run (`flock LOCK make test`) must not live on
  # in the engine, which would keep it locked for everyone.
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec setsid nohup dockerd >/var/log/dockerd.log 2>&1
  ) &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  tail -n 20 /var/log/dockerd.log >&2
  die "dockerd did not start within 30 s (log above)"
}

# lint_shell: shellcheck on every shell script of the repository (by name or by shebang).
lint_shell() {
  local files=() file
  ensure_apt shellcheck
  while IFS= read -r file; do
    case "$file" in
      *.j2) ;;
      *.sh) files+=("$file") ;;
      *) head -n 1 "$REPO_ROOT/$file" 2>/dev/null | grep -qE '^#!.*\b(ba|da)?sh\b' && files+=("$file") ;;
    esac
  done < <(git -C "$REPO_ROOT" ls-files)
  log "shellcheck (${#files[@]} scripts)"
  (cd "$REPO_ROOT" && shellcheck -x "${files[@]}")
}
