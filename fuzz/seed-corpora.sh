#!/usr/bin/env bash
# Seed each fuzz target's corpus from the fixtures (fuzz/corpus/<target>/,
# not committed). Run from anywhere; safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../fixtures
rm -f corpus/shell/run-*
mkdir -p corpus/{workflow,shell,settings,compose,dotenv,inventory,inspect,verdict}

n=0
seed() { # target file [prefix-byte]
  n=$((n + 1))
  local out="corpus/$1/fixture-$n"
  if [ $# -eq 3 ]; then { printf "$3"; cat "$2"; } >"$out"; else cp "$2" "$out"; fi
}

while IFS= read -r -d '' f; do seed workflow "$f"; done \
  < <(find "$fixtures" -path '*/workflows/*' -name '*.y*ml' -print0)

# `run: |` blocks of the workflows, dedented, each on the runner (\0) and
# on a deploy host (\1); plus the shell entrypoints.
while IFS= read -r -d '' f; do
  awk -v dir="corpus/shell" -v base="$(basename "$(dirname "$(dirname "$(dirname "$f")")")")" '
    function flush() { if (buf != "") { i++; file = dir "/run-" base "-" i; printf "%s", buf > file; close(file) } buf = "" }
    inblock && (NF == 0 || match($0, /^ */) && RLENGTH >= indent) { if (indent == 0) { match($0, /^ */); indent = RLENGTH } buf = buf substr($0, indent + 1) "\n"; next }
    inblock { flush(); inblock = 0 }
    /run: [|>]-?[ ]*$/ { inblock = 1; indent = 0; next }
    END { flush() }' "$f"
done < <(find "$fixtures" -path '*/workflows/*' -name '*.y*ml' -print0)
for f in corpus/shell/run-*[0-9]; do
  [ -e "$f" ] || continue
  { printf '\001'; cat "$f"; } >"$f.remote"
  { printf '\000'; cat "$f"; } >"$f.tmp" && mv "$f.tmp" "$f"
done
while IFS= read -r -d '' f; do seed shell "$f" '\000'; done \
  < <(find "$fixtures" -name '*.sh' -print0)

while IFS= read -r -d '' f; do seed settings "$f"; done \
  < <(find "$fixtures" -name '*.py' -print0)
while IFS= read -r -d '' f; do seed compose "$f"; done \
  < <(find "$fixtures" \( -name '*compose*.y*ml' -o -name 'compose.y*ml' \) -print0)
while IFS= read -r -d '' f; do seed dotenv "$f"; done \
  < <(find "$fixtures" \( -name '.env*' -o -path '*/.envs/*' -o -name '*.env' \) -type f -print0)
while IFS= read -r -d '' f; do seed inventory "$f"; done \
  < <(find "$fixtures" \( -name 'secrets.json' -o -name 'secrets.txt' \) -print0)
while IFS= read -r -d '' f; do seed inspect "$f"; done \
  < <(find "$fixtures" -path '*docker-inspect*' -name '*.json' -print0)

# A few hand-written shapes the fixtures lack.
printf 'A=1\nexport B="two words"\nC=\x27single\x27\nD="multi\nline"\n# c\nE=${A}x\nF\n' >corpus/dotenv/hand-1
printf '["A", "B"]\n' >corpus/inventory/hand-1
printf 'A\tUpdated 2024-01-01\n# c\n\nB-2\n' >corpus/inventory/hand-2
printf '{"Name": "/api", "Id": "abc", "Config": {"Env": ["A=1", "B=", "C"], "Labels": {"com.docker.compose.service": "api"}}, "State": {"Status": "running", "Health": {"Status": "healthy"}}}' >corpus/inspect/hand-1

# verdict builds its facts from raw bytes (arbitrary's Unstructured): any
# bytes are an input; seed it with a few fixed patterns and the first KiB of
# some fixtures, so the first runs already hold chains of several facts.
printf '\000%.0s' $(seq 256) >corpus/verdict/hand-zeros
printf '\377%.0s' $(seq 256) >corpus/verdict/hand-ones
LC_ALL=C awk 'BEGIN { for (i = 0; i < 512; i++) printf "%c", (i * 37) % 256 }' >corpus/verdict/hand-steps
i=0
for f in corpus/workflow/fixture-* corpus/settings/fixture-* corpus/compose/fixture-*; do
  [ -e "$f" ] || continue
  i=$((i + 1)); [ $i -le 24 ] || break
  head -c 1024 "$f" >"corpus/verdict/fixture-bytes-$i"
done

for d in corpus/*/; do echo "$d: $(find "$d" -type f | wc -l) seeds"; done
