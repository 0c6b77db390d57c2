#!/usr/bin/env bash
# The action's install step (scripts/action-install.sh) against a fake
# release served on the loopback address: a release ref takes the release's
# binary when its SHA-256 matches SHA256SUMS, refuses it when not, and a
# branch ref goes straight to cargo. Runs after wheel.sh (its binary is the
# "released" one).
# shellcheck source=tests/ci/lib.sh
source "$(dirname "$0")/lib.sh"

bin="$work/wheel-venv/bin/envtrail"
[ -x "$bin" ] || fail "$bin missing: run tests/ci/wheel.sh first"
version=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$repo/Cargo.toml" | head -n 1)

site="$work/fake-release"
rm -rf "$site" && mkdir -p "$site/owner/envtrail/releases/download/v$version" "$site/simple"
rel="$site/owner/envtrail/releases/download/v$version"
cp "$bin" "$work/envtrail" && tar -czf "$rel/envtrail-x86_64-unknown-linux-musl.tar.gz" -C "$work" envtrail
(cd "$rel" && sha256sum envtrail-x86_64-unknown-linux-musl.tar.gz > SHA256SUMS)

# The server: files under $site, requests logged, its port written to a file.
rm -f "$work/port" "$work/requests"
"$python" - "$site" "$work/port" "$work/requests" <<'PY' &
import functools, http.server, sys
site, port_file, log = sys.argv[1:]
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        with open(log, "a") as f:
            f.write(self.path + "\n")
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=site))
open(port_file, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
server=$!
trap 'kill "$server" 2> /dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "the fake release server did not start"
url="http://127.0.0.1:$(cat "$work/port")"

run_install() { # REF: runs the install step, prints its outputs
  local temp="$work/runner-temp"
  rm -rf "$temp" && mkdir -p "$temp" && : > "$temp/output"
  env ACTION_PATH="$repo" ACTION_REPOSITORY=owner/envtrail ACTION_REF="$1" \
    RUNNER_OS=Linux RUNNER_ARCH=X64 RUNNER_TEMP="$temp" GITHUB_OUTPUT="$temp/output" \
    GITHUB_SERVER_URL="$url" PIP_INDEX_URL="$url/simple/" \
    bash "$repo/scripts/action-install.sh" > "$work/install.log" 2>&1 \
    || { cat "$work/install.log"; fail "the install step failed for ref $1"; }
  cat "$temp/output"
}
want() { # OUTPUTS METHOD
  grep -qx "method=$2" <<< "$1" || { cat "$work/install.log"; fail "want method=$2, got: $1"; }
}

step "ref v$version, matching checksum: the release binary"
out=$(run_install "v$version")
want "$out" release
got=$(sed -n 's/^bin=//p' <<< "$out")
[ "$("$got" --version)" = "envtrail $version" ] || fail "the installed $got does not run"

step "a commit SHA is a pinned release too"
want "$(run_install 0123456789abcdef0123456789abcdef01234567)" release

step "ref v$version, wrong checksum: refused, then no wheel on the index, then cargo"
echo "0000000000000000000000000000000000000000000000000000000000000000  envtrail-x86_64-unknown-linux-musl.tar.gz" > "$rel/SHA256SUMS"
out=$(run_install "v$version")
want "$out" cargo
grep -q 'does not match' "$work/install.log" || fail "no checksum warning: $(cat "$work/install.log")"

step "ref main: cargo, nothing downloaded"
: > "$work/requests"
want "$(run_install main)" cargo
[ ! -s "$work/requests" ] || fail "a branch ref downloaded: $(cat "$work/requests")"
echo "ok: release binary taken when verified, refused when not, cargo otherwise"
