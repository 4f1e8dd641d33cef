# Shared by scripts/run and scripts/test: find Python 3.11+, build the virtualenv, install system packages.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '错误 / error: %s\n' "$*" >&2; exit 1; }

find_python() {
  for py in python3.13 python3.12 python3.11 python3; do
    if command -v "$py" >/dev/null 2>&1 &&
      "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$py"
      return 0
    fi
  done
  die "需要 Python 3.11 或更高版本 / Python 3.11+ is required (apt-get install python3 python3-venv)"
}

# ensure_venv REQUIREMENTS_FILE: create .venv once, reinstall only when the requirements changed.
ensure_venv() {
  local req="$ROOT/$1" stamp="$VENV/.installed-$1"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtualenv in .venv"
    "$(find_python)" -m venv "$VENV" || die "could not create a virtualenv (Debian: apt-get install python3-venv)"
  fi
  # The test set installs the runtime set too: a current requirements-dev stamp covers requirements.txt.
  local dev="$VENV/.installed-requirements-dev.txt"
  if [ "$1" = requirements.txt ] && [ -f "$dev" ] &&
    cmp -s "$dev" <(cat "$ROOT/requirements-dev.txt" "$ROOT/requirements.txt" "$ROOT/constraints.txt"); then
    return 0
  fi
  if [ ! -f "$stamp" ] || ! cmp -s "$stamp" <(cat "$req" "$ROOT/requirements.txt" "$ROOT/constraints.txt"); then
    say "Installing Python packages from $1"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" -c "$ROOT/constraints.txt"
    cat "$req" "$ROOT/requirements.txt" "$ROOT/constraints.txt" >"$stamp"
  fi
}

# ensure_debian_packages CMD:PACKAGE ...: install the Debian package for each missing command (root only).
ensure_debian_packages() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd="${pair%%:*}"
    pkg="${pair#*:}"
    if [[ "$cmd" == /* ]]; then
      compgen -G "$cmd" >/dev/null || missing+=("$pkg")
    else
      command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]} — run: sudo apt-get install -y ${missing[*]}"
  fi
  say "Installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# port_check PORT: refuse a port that is not a number or that something on this machine already holds, before
# anything is installed or started. Needs no virtualenv: plain bash, /dev/tcp.
port_check() {
  local port="$1"
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "端口必须是 1–65535 之间的数字：$port / the port must be a number from 1 to 65535: $port"
  fi
  # Something answers a connection on it (a server on 127.0.0.1 or on every interface).
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "端口 $port 已被占用（127.0.0.1:$port 上已有服务）。请换一个端口，例如：scripts/run $((port + 1))
       port $port is already in use (something listens on 127.0.0.1:$port). Pick another, e.g.: scripts/run $((port + 1))"
  fi
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pg_bin TOOL: the directory of the newest PostgreSQL client TOOL (pg_dump, pg_restore, psql): Debian keeps them under
# /usr/lib/postgresql/<version>/bin, and pg_dump must be at least as new as the server.
pg_bin() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$found" ] || found="$(command -v "$1" || true)"
  [ -n "$found" ] || die "$1 not found (Debian: apt-get install postgresql-client)"
  dirname "$found"
}
