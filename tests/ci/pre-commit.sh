#!/usr/bin/env bash
# A real `pre-commit try-repo` of this repository's `envtrail-python` hook
# (language: python, the wheel) on small fixture git repositories: a clean
# one passes, one whose compose service drops a required key fails the hook
# with that finding.
# shellcheck source=tests/ci/lib.sh
source "$(dirname "$0")/lib.sh"
pre_commit_pin=pre-commit==4.7.0

tool_venv "$work/pre-commit-venv" "$pre_commit_pin"
# pre-commit's own cache (the hook's virtualenv) lives here, not in ~/.cache.
export PRE_COMMIT_HOME="$work/pre-commit-home"
rm -rf "$PRE_COMMIT_HOME"

# fixture_repo NAME: a git repository holding fixtures/NAME, committed.
fixture_repo() {
  local dir="$work/hook-$1"
  rm -rf "$dir"
  cp -R "$repo/fixtures/$1" "$dir"
  git -C "$dir" init --quiet
  git -C "$dir" add -A
  git -C "$dir" -c user.name=ci -c user.email=ci@localhost commit --quiet -m fixture
  echo "$dir"
}

try_repo() { # DIR: prints pre-commit's output, returns its exit code
  (cd "$1" && "$work/pre-commit-venv/bin/pre-commit" try-repo "$repo" envtrail-python --all-files --color never)
}

step "$pre_commit_pin try-repo $repo envtrail-python, on fixtures/clean"
clean=$(fixture_repo clean)
try_repo "$clean" > "$work/hook-clean.out" 2>&1 \
  || { cat "$work/hook-clean.out"; fail "the envtrail-python hook failed on fixtures/clean"; }
grep -q '^envtrail\.*Passed' "$work/hook-clean.out" \
  || { cat "$work/hook-clean.out"; fail "the hook did not run (no 'envtrail...Passed' line)"; }

step "try-repo on fixtures/compose-service-drops-key (must fail the hook)"
broken=$(fixture_repo compose-service-drops-key)
if try_repo "$broken" > "$work/hook-broken.out" 2>&1; then
  cat "$work/hook-broken.out"; fail "the hook passed on fixtures/compose-service-drops-key, which has an error"
fi
if ! grep -q '^envtrail\.*Failed' "$work/hook-broken.out" \
  || ! grep -q 'error\[unset-required\] SECRET_KEY' "$work/hook-broken.out"; then
  cat "$work/hook-broken.out"; fail "the hook did not fail with envtrail's unset-required SECRET_KEY"
fi
echo "ok: envtrail-python hook passed on fixtures/clean, failed on fixtures/compose-service-drops-key"
