# shellcheck shell=bash
# Sourced by the tests/ci/*.sh checks that .ci/run runs after `cargo test`.
# They need the network to PyPI (maturin, zizmor, pre-commit), so they are
# not part of `cargo test`. Nothing is read from or written to $HOME: the
# virtualenvs, pip's cache and pre-commit's home live in one work folder
# outside the work tree, one per checkout (ENVTRAIL_CI_WORK overrides it).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${ENVTRAIL_CI_WORK:-${TMPDIR:-/tmp}/envtrail-ci.$(printf %s "$repo" | sha256sum | cut -c1-12)}
mkdir -p "$work"
export PIP_CACHE_DIR="$work/pip-cache" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
# virtualenv (pre-commit's): its app data here, no update check of its seeds.
export VIRTUALENV_OVERRIDE_APP_DATA="$work/virtualenv-app-data" VIRTUALENV_NO_PERIODIC_UPDATE=1
# One cargo target folder for every build of the wheel (the clone's, the one
# pre-commit makes): the dependencies compile once.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$work/target}
python=${PYTHON:-$(command -v python3 || true)}

step() { printf '\n== %s: %s\n' "$(basename "$0" .sh)" "$*"; }
fail() { printf '\nFAIL %s: %s\n' "$(basename "$0" .sh)" "$*" >&2; exit 1; }

[ -n "$python" ] || fail "python3 not found (needed for the virtualenvs)"
"$python" -c 'import venv, ensurepip' 2> /dev/null \
  || fail "$python lacks venv/ensurepip (Debian: apt-get install python3-venv)"

# fresh_venv DIR: a new virtualenv at DIR (removed first).
fresh_venv() {
  rm -rf "$1"
  "$python" -m venv "$1" || fail "could not create a virtualenv at $1"
}

# tool_venv DIR PACKAGE==VERSION: a virtualenv holding that pinned tool,
# reused while the pin is the same.
tool_venv() {
  if [ "$(cat "$1/.pin" 2> /dev/null)" != "$2" ]; then
    fresh_venv "$1"
    "$1/bin/pip" install --quiet "$2" || fail "could not pip install $2 (network to PyPI?)"
    echo "$2" > "$1/.pin"
  fi
}
