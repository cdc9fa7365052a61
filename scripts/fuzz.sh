#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser with libFuzzer (not part of `make test`).
#   scripts/fuzz.sh [seconds] [extra libFuzzer flags...]
# Builds `sixplane-fuzz` with -sanitize=fuzzer into .build-fuzz, seeds a corpus from the real 1.14.1 captures and the
# planet, and fuzzes for the given time (default 300 s). Crashes are written to .build-fuzz/crashes/; replay one with
# `swift run sixplane-fuzz <file>`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true

# gold crashes while linking libFuzzer into a SwiftPM executable; lld links it.
toolchain_bin="$(dirname "$(readlink -f "$(command -v swift)")")"
toolset=".build-fuzz/lld-toolset.json"
mkdir -p .build-fuzz/corpus .build-fuzz/crashes
printf '{ "schemaVersion": "1.0", "linker": { "path": "%s/ld.lld" } }\n' "$toolchain_bin" > "$toolset"
swift build -c release --product sixplane-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer --toolset "$toolset"

python3 - <<'PY'
import json, glob, os
n = 0
for path in glob.glob("Tests/Fixtures/zt-1.14.1/decoded/*.jsonl"):
    for line in open(path):
        o = json.loads(line)
        data = bytes.fromhex(o.get("wire") or o.get("hex") or "")
        open(f".build-fuzz/corpus/seed-{n}", "wb").write(data)
        n += 1
open(".build-fuzz/corpus/planet", "wb").write(open("Tests/Fixtures/zt-1.14.1/planet", "rb").read())
PY

.build-fuzz/release/sixplane-fuzz .build-fuzz/corpus -max_total_time="$seconds" -rss_limit_mb=2048 \
    -artifact_prefix=.build-fuzz/crashes/ "$@"
