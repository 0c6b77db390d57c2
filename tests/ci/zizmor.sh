#!/usr/bin/env bash
# Our own action and workflows pass zizmor (offline audits, default persona)
# with no finding. Bump the pin deliberately: new audits are new findings.
# shellcheck source=tests/ci/lib.sh
source "$(dirname "$0")/lib.sh"
zizmor_pin=zizmor==1.32.0

step "$zizmor_pin --offline action.yml .github/workflows/"
tool_venv "$work/zizmor-venv" "$zizmor_pin"
cd "$repo" || fail "cd $repo"
"$work/zizmor-venv/bin/zizmor" --offline --no-progress action.yml .github/workflows/ \
  || fail "zizmor reported findings (above); fix them (a zizmor ignore comment only for a false positive, with the reason)"
echo "ok: zizmor found nothing"
