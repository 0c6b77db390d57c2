#!/usr/bin/env bash
# The action's PR comment step (scripts/pr-comment.sh) against a local
# stand-in for GitHub's and Gitea's API (tests/ci/forge_server.py on
# 127.0.0.1, which records every request): for each forge and each JSON tool
# the script may use (python3, jq), the first run creates the comment, the
# second finds it by its marker (past a first page of 100 other comments on
# GitHub) and updates that same comment; a read-only token gives a warning
# and exit code 0, not a failed step.
# shellcheck source=tests/ci/lib.sh
. "$(dirname "$0")/lib.sh"

command -v curl > /dev/null || fail "curl not found (the comment step needs it)"
command -v jq > /dev/null || fail "jq not found (apt-get install jq): its path of the script is tested too"

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2> /dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# serve [ARGS...]: a fresh server; sets $base (http://127.0.0.1:PORT) and $log.
serve() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2> /dev/null || true; wait "$server_pid" 2> /dev/null || true; fi
  log="$tmp/requests.$RANDOM.jsonl"
  : > "$log"
  rm -f "$tmp/port"
  "$python" "$repo/tests/ci/forge_server.py" "$log" "$tmp/port" "$@" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  [ -s "$tmp/port" ] || fail "the local server did not start"
  base="http://127.0.0.1:$(cat "$tmp/port")"
}

# comment FORGE JSON TOKEN BODY_TEXT: run the script as the action does,
# with the environment that forge's runner sets; its output in $out.
comment() {
  local forge=$1 json=$2 token=$3 text=$4
  printf '<!-- envtrail -->\n## envtrail\n%s\n"quoted" \\ back\\slash\ttab\n' "$text" > "$tmp/report.md"
  local env=(-u GITEA_ACTIONS -u GITHUB_API_URL -u GITHUB_SERVER_URL -u ENVTRAIL_API_URL
    GITHUB_REPOSITORY=acme/shop ENVTRAIL_PR=7 ENVTRAIL_TOKEN="$token"
    ENVTRAIL_COMMENT_BODY="$tmp/report.md" ENVTRAIL_JSON="$json")
  case "$forge" in
    # GitHub's runner sets GITHUB_API_URL (https://api.github.com).
    github) env+=(GITHUB_API_URL="$base" GITHUB_SERVER_URL=https://github.com) ;;
    # Gitea's sets GITEA_ACTIONS and its own URLs (the API under /api/v1).
    gitea) env+=(GITEA_ACTIONS=true GITHUB_SERVER_URL="$base/" GITHUB_API_URL="$base/api/v1") ;;
  esac
  out=$(env "${env[@]}" bash "$repo/scripts/pr-comment.sh" 2>&1) \
    || fail "$forge/$json: the script exited non-zero: $out"
}

# check FORGE TOKEN WHAT PYTHON-ASSERTIONS: assertions on the recorded
# requests (`reqs`: the log's entries; `writes`: those that are not GETs),
# after every request's auth header is checked: the forge's scheme, the token.
check() {
  local forge=$1 token=$2 what=$3
  "$python" - "$log" "$forge" "$token" <<PY || fail "$forge/$json: $what (requests: $(cat "$log"))"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
forge = sys.argv[2]
prefix = "/api/v1" if forge == "gitea" else ""
auth = ("token " if forge == "gitea" else "Bearer ") + sys.argv[3]
writes = [r for r in reqs if r["method"] != "GET"]
assert reqs, "no request reached the server"
assert all(r["authorization"] == auth for r in reqs), [r["authorization"] for r in reqs]
$4
PY
}

for json in python3 jq; do
  for forge in github gitea; do
    step "$forge, JSON through $json: create, then update the same comment"
    serve --seed 101
    comment "$forge" "$json" tok-123 "first run"
    [[ "$out" == *"commented on the PR ($forge)"* ]] || fail "$forge/$json: first run: $out"
    check "$forge" tok-123 "the first run creates one comment" "
assert len(writes) == 1, writes
w = writes[0]
assert w['method'] == 'POST', w
assert w['path'] == prefix + '/repos/acme/shop/issues/7/comments', w['path']
assert w['body']['body'].startswith('<!-- envtrail -->\n'), w['body']
assert 'first run\n\"quoted\" \\\\ back\\\\slash\ttab' in w['body']['body'], w['body']
"
    : > "$log"
    comment "$forge" "$json" tok-123 "second run"
    [[ "$out" == *"updated the PR comment ($forge, comment 1102)"* ]] || fail "$forge/$json: second run: $out"
    check "$forge" tok-123 "the second run updates the comment the first made" "
gets = [r['path'] for r in reqs if r['method'] == 'GET']
if forge == 'github':
    # The first page holds the 100 older comments: the marked one is on the second.
    assert gets == ['/repos/acme/shop/issues/7/comments?per_page=100&page=1',
                    '/repos/acme/shop/issues/7/comments?per_page=100&page=2'], gets
else:
    assert gets == ['/api/v1/repos/acme/shop/issues/7/comments'], gets
assert len(writes) == 1, writes
w = writes[0]
assert w['method'] == 'PATCH', w
assert w['path'] == prefix + '/repos/acme/shop/issues/comments/1102', w['path']
assert w['body']['body'].startswith('<!-- envtrail -->\n'), w['body']
assert 'second run' in w['body']['body'], w['body']
"
  done
done

for forge in github gitea; do
  step "$forge: a read-only token is a warning, not a failed step"
  serve --read-only tok-fork
  comment "$forge" python3 tok-fork "from a fork"
  [[ "$out" == *"::warning title=envtrail::could not comment on the PR (HTTP 403"* ]] \
    || fail "$forge: a refused comment: $out"
  check "$forge" tok-fork "the refused comment was tried once" "
assert [w['method'] for w in writes] == ['POST'], writes
"
done

step "no server at all: a warning, exit code 0"
kill "$server_pid" 2> /dev/null; wait "$server_pid" 2> /dev/null || true; server_pid=""
comment github python3 tok-123 "nobody listens"
[[ "$out" == *"::warning title=envtrail::could not list the PR's comments (HTTP 000"* ]] \
  || fail "unreachable API: $out"

printf '\nok pr-comment: GitHub and Gitea, created then updated; refusals are warnings\n'
