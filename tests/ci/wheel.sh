#!/usr/bin/env bash
# From a fresh clone, `pip install .` (maturin, pinned in pyproject.toml) in a
# new virtualenv gives a working `envtrail` on PATH.
# shellcheck source=tests/ci/lib.sh
source "$(dirname "$0")/lib.sh"

step "a fresh clone of $repo (HEAD)"
rm -rf "$work/clone"
git clone --quiet --no-hardlinks "$repo" "$work/clone" || fail "git clone of $repo"

step "pip install . into a new virtualenv (builds the wheel with maturin)"
fresh_venv "$work/wheel-venv"
(cd "$work/clone" && "$work/wheel-venv/bin/pip" install --quiet .) \
  || fail "pip install . failed in $work/clone (see pip's output above)"

step "envtrail from the virtualenv's PATH"
PATH="$work/wheel-venv/bin:$PATH"
[ "$(command -v envtrail)" = "$work/wheel-venv/bin/envtrail" ] \
  || fail "envtrail on PATH is $(command -v envtrail || echo nothing), not the virtualenv's"
want="envtrail $(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$repo/Cargo.toml" | head -n 1)"
got=$(envtrail --version) || fail "envtrail --version failed"
[ "$got" = "$want" ] || fail "envtrail --version printed '$got', want '$want'"

cd "$work/clone"
set +e
envtrail check fixtures/clean --secrets fixtures/clean/secrets.json > "$work/clean.out" 2>&1
clean=$?
envtrail check fixtures/stagelog --secrets fixtures/stagelog/secrets.txt --format json > "$work/stagelog.json" 2>&1
stagelog=$?
set -e
[ "$clean" = 0 ] || { cat "$work/clean.out"; fail "envtrail check fixtures/clean: exit code $clean, want 0"; }
[ "$stagelog" = 1 ] || { cat "$work/stagelog.json"; fail "envtrail check fixtures/stagelog: exit code $stagelog, want 1"; }
grep -q '"secret-unwritten"' "$work/stagelog.json" || fail "no secret-unwritten finding for fixtures/stagelog"
echo "ok: $got from the wheel; fixtures/clean exit 0, fixtures/stagelog exit 1"
