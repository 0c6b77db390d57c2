#!/usr/bin/env bash
# The action's install step: a released binary (no compiler), else the wheel
# from PyPI, else nothing here — the action then runs `cargo install` of its
# own checkout (cached). Prints `bin=PATH` (the binary the action runs) and
# `method=release|pip|cargo` to $GITHUB_OUTPUT.
#
# A prebuilt binary is taken only when the action is used at a release: its
# ref is the tag `v<version of its Cargo.toml>`, or a full commit SHA (pin the
# SHA of a release tag). A branch (`@main`) or a local `uses: ./` moves past
# the release, so it builds its own checkout with cargo.
#
# Inputs (environment): ACTION_PATH, ACTION_REPOSITORY, ACTION_REF, and the
# runner's RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_SERVER_URL, GITHUB_OUTPUT.
# ENVTRAIL_INSTALL=cargo skips the prebuilt paths.
set -euo pipefail

out=${GITHUB_OUTPUT:-/dev/stdout}
version=$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$ACTION_PATH/Cargo.toml" | head -n 1)
dest="${RUNNER_TEMP:?}/envtrail-bin"
exe=envtrail
[ "${RUNNER_OS:-}" = Windows ] && exe=envtrail.exe

found() { # $1 method, $2 binary
  if "$2" --version 2>/dev/null | grep -qF "$version"; then
    echo "envtrail $version installed from $1: $2"
    { echo "bin=$2"; echo "method=$1"; } >> "$out"
    exit 0
  fi
  echo "::notice title=envtrail::the $1 binary is not envtrail $version; trying the next way"
}

prebuilt=false
case "${ACTION_REF:-}" in
  "v$version") prebuilt=true ;;
  *) [[ "${ACTION_REF:-}" =~ ^[0-9a-f]{40}$ ]] && prebuilt=true ;;
esac
[ "${ENVTRAIL_INSTALL:-}" = cargo ] && prebuilt=false

if [ "$prebuilt" = true ] && [ -n "$version" ]; then
  # 1. The release's binary, checked against the release's SHA256SUMS.
  target=
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc ;;
  esac
  if [ -n "$target" ] && [ -n "${ACTION_REPOSITORY:-}" ] && command -v curl > /dev/null; then
    asset="envtrail-$target.tar.gz"
    [ "$RUNNER_OS" = Windows ] && asset="envtrail-$target.zip"
    base="${GITHUB_SERVER_URL:-https://github.com}/$ACTION_REPOSITORY/releases/download/v$version"
    dl="$RUNNER_TEMP/envtrail-download"
    rm -rf "$dl" && mkdir -p "$dl" "$dest"
    if curl -fsSL --retry 3 -o "$dl/$asset" "$base/$asset" \
      && curl -fsSL --retry 3 -o "$dl/SHA256SUMS" "$base/SHA256SUMS"; then
      want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$dl/SHA256SUMS")
      if command -v sha256sum > /dev/null; then got=$(sha256sum "$dl/$asset" | cut -d' ' -f1)
      else got=$(shasum -a 256 "$dl/$asset" | cut -d' ' -f1); fi
      if [ -n "$want" ] && [ "$want" = "$got" ]; then
        case "$asset" in
          *.zip) # Git Bash on Windows may lack unzip; its Python has zipfile.
            if command -v unzip > /dev/null; then unzip -q -o "$dl/$asset" -d "$dest"
            else "$(command -v python3 || command -v python)" -m zipfile -e "$dl/$asset" "$dest"; fi ;;
          *) tar -xzf "$dl/$asset" -C "$dest" ;;
        esac
        found release "$dest/$exe"
      else
        echo "::warning title=envtrail::$asset does not match the release's SHA256SUMS; not using it"
      fi
    else
      echo "envtrail: no release asset $base/$asset"
    fi
  fi

  # 2. The wheel from PyPI (binary only: never a source build here).
  py=$(command -v python3 || command -v python || true)
  if [ -n "$py" ]; then
    venv="$RUNNER_TEMP/envtrail-venv"
    if "$py" -m venv "$venv" > /dev/null 2>&1; then
      bindir="$venv/bin"
      [ -d "$venv/Scripts" ] && bindir="$venv/Scripts"
      if "$bindir/python" -m pip install --quiet --disable-pip-version-check --only-binary :all: "envtrail==$version"; then
        found pip "$bindir/$exe"
      else
        echo "envtrail: no envtrail $version wheel on PyPI for this runner"
      fi
    fi
  fi
fi

# 3. cargo (the next steps): `cargo install --locked --path` of the action.
echo "envtrail: building envtrail $version from the action's checkout with cargo"
{ echo "bin=$HOME/.cargo/bin/$exe"; echo "method=cargo"; } >> "$out"
