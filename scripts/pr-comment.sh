#!/usr/bin/env bash
# The action's PR comment: one comment per pull request, found again by the
# hidden marker its body starts with and updated, else created — through
# GitHub's REST API, or Gitea's (Forgejo's) when the runner says so.
#
# Environment (the action sets these; the runner sets the GITHUB_* ones):
#   ENVTRAIL_COMMENT_BODY   the Markdown file to post (starts with the marker)
#   ENVTRAIL_TOKEN          the token
#   ENVTRAIL_PR             the pull request's number
#   GITHUB_REPOSITORY       owner/name
#   GITEA_ACTIONS=true      a Gitea (or Forgejo) runner: Gitea's API
#   GITHUB_API_URL          the API's base (Gitea: <server>/api/v1); else
#                           GITHUB_SERVER_URL, else https://api.github.com
#   ENVTRAIL_API_URL        overrides the base (tests point it at a local server)
#   ENVTRAIL_JSON           python3 or jq: which one reads and writes JSON
#                           (default: the first found)
#
# A comment that cannot be made (a read-only token on a fork, no network, an
# API that refuses) is a warning, never a failed step: the exit code is 0.
set -uo pipefail

marker='<!-- envtrail -->'

warn() {
  echo "::warning title=envtrail::$*"
  exit 0
}

body_file=${ENVTRAIL_COMMENT_BODY:-}
[ -n "$body_file" ] && [ -r "$body_file" ] || warn "no PR comment: the report ${body_file:-(none)} is not readable"
[ -n "${ENVTRAIL_PR:-}" ] || warn "no PR comment: not a pull request"
[[ "${ENVTRAIL_PR}" =~ ^[0-9]+$ ]] || warn "no PR comment: pull request number ${ENVTRAIL_PR} is not a number"
[[ "${GITHUB_REPOSITORY:-}" =~ ^[^/]+/[^/]+$ ]] || warn "no PR comment: GITHUB_REPOSITORY is not owner/name"
[ -n "${ENVTRAIL_TOKEN:-}" ] || warn "no PR comment: no token"
command -v curl > /dev/null || warn "no PR comment: curl not found"

json=${ENVTRAIL_JSON:-}
if [ -z "$json" ]; then
  for tool in python3 jq; do
    if command -v "$tool" > /dev/null; then json=$tool; break; fi
  done
fi
case "$json" in
  python3 | jq) command -v "$json" > /dev/null || warn "no PR comment: $json not found" ;;
  *) warn "no PR comment: python3 or jq is needed to read the API's JSON" ;;
esac

# Gitea's API has GitHub's issue-comment routes under /api/v1 and takes its
# tokens as `token <value>`; GitHub's wants a bearer token and its media type.
if [ "${GITEA_ACTIONS:-}" = "true" ]; then
  forge=gitea
  server=${GITHUB_SERVER_URL:-}
  api=${GITHUB_API_URL:-${server:+${server%/}/api/v1}}
  auth="Authorization: token $ENVTRAIL_TOKEN"
  accept="Accept: application/json"
else
  forge=github
  api=${GITHUB_API_URL:-https://api.github.com}
  auth="Authorization: Bearer $ENVTRAIL_TOKEN"
  accept="Accept: application/vnd.github+json"
fi
api=${ENVTRAIL_API_URL:-$api}
[ -n "$api" ] || warn "no PR comment: neither GITHUB_API_URL nor GITHUB_SERVER_URL is set"
api=${api%/}
repo_api="$api/repos/$GITHUB_REPOSITORY"

work=$(mktemp -d) || warn "no PR comment: no temporary folder"
trap 'rm -rf "$work"' EXIT
# The token goes to curl in a file, never on its command line (ps shows that).
(umask 077; printf '%s\n%s\n' "$auth" "$accept" > "$work/headers")

# api METHOD URL [BODY_FILE]: the response in $work/response, the HTTP
# status on stdout ("000" when the server could not be reached).
api() {
  local args=(-sS -o "$work/response" -w '%{http_code}' -X "$1" -H "@$work/headers"
    -H "User-Agent: envtrail-action" --connect-timeout 10 --max-time 60)
  if [ $# -ge 3 ]; then args+=(-H "Content-Type: application/json" --data-binary "@$3"); fi
  curl "${args[@]}" "$2" 2> "$work/curl-error" || true
}

# The id of the first comment in $work/response whose body starts with the marker.
marked_id() {
  case "$json" in
    python3) python3 -c '
import json, sys
marker = sys.argv[2]
with open(sys.argv[1], encoding="utf-8") as f:
    comments = json.load(f)
for c in comments if isinstance(comments, list) else []:
    if isinstance(c, dict) and str(c.get("body") or "").startswith(marker):
        print(c.get("id")); break
' "$work/response" "$marker" ;;
    jq) jq -r --arg m "$marker" \
      'if type == "array" then [.[] | objects | select((.body // "") | tostring | startswith($m)) | .id][0] // empty else empty end' \
      "$work/response" ;;
  esac
}

# The number of entries in $work/response (0 when it is not a list).
count() {
  case "$json" in
    python3) python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    v = json.load(f)
print(len(v) if isinstance(v, list) else 0)
' "$work/response" ;;
    jq) jq 'if type == "array" then length else 0 end' "$work/response" ;;
  esac
}

# {"body": <the report>} in $work/payload.
payload() {
  case "$json" in
    python3) python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    body = f.read()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump({"body": body}, out)
' "$body_file" "$work/payload" ;;
    jq) jq -Rs '{body: .}' "$body_file" > "$work/payload" ;;
  esac
}

why() { printf 'HTTP %s%s' "$1" "$(head -c 200 "$work/curl-error" 2> /dev/null | tr '\n' ' ')"; }

head -c ${#marker} "$body_file" | grep -qxF -- "$marker" \
  || warn "no PR comment: $body_file does not start with $marker"
payload || warn "no PR comment: could not encode $body_file as JSON"

# Find the marked comment. GitHub pages its list (100 a page at most);
# Gitea returns every comment of the issue in one answer and ignores paging.
id=""
page=1
while :; do
  case "$forge" in
    github) url="$repo_api/issues/$ENVTRAIL_PR/comments?per_page=100&page=$page" ;;
    gitea) url="$repo_api/issues/$ENVTRAIL_PR/comments" ;;
  esac
  status=$(api GET "$url")
  [ "$status" = 200 ] || warn "could not list the PR's comments ($(why "$status")): no comment posted"
  id=$(marked_id) || warn "could not read the PR's comments as JSON: no comment posted"
  [ -z "$id" ] || break
  [ "$forge" = github ] && [ "$(count)" -ge 100 ] && [ "$page" -lt 50 ] || break
  page=$((page + 1))
done

if [ -n "$id" ]; then
  [[ "$id" =~ ^[0-9]+$ ]] || warn "the PR comment's id is not a number: not updated"
  status=$(api PATCH "$repo_api/issues/comments/$id" "$work/payload")
  [ "$status" = 200 ] || warn "could not update the PR comment ($(why "$status"); a read-only token on a fork?)"
  echo "envtrail: updated the PR comment ($forge, comment $id)"
else
  status=$(api POST "$repo_api/issues/$ENVTRAIL_PR/comments" "$work/payload")
  [ "$status" = 201 ] || warn "could not comment on the PR ($(why "$status"); a read-only token on a fork?)"
  echo "envtrail: commented on the PR ($forge)"
fi
