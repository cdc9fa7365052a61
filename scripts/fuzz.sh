#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (not part of `make test`, which replays the committed corpus).
#   scripts/fuzz.sh [seconds] [target|all] [extra libFuzzer flags...]   fuzz each target for the given time
#   scripts/fuzz.sh merge [target|all]                                   minimise what was found into the corpus
# Targets: node, wire, controller-api, json, rules, local-conf, networks-d, tap (see Sources/SixplaneFuzzTargets).
# Builds `sixplane-fuzz` with -sanitize=fuzzer into .build-fuzz, seeds each target from the real 1.14.1 captures
# (wire bytes and decrypted payloads), the planet and the reference JSON, and fuzzes. Crashes are written to
# .build-fuzz/crashes/; replay one with `swift run sixplane-fuzz --target=NAME <file>`. `merge` adds the inputs
# that reach new code to Tests/Fixtures/fuzz-corpus/<target>/, which `make test` replays on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
targets_all=(node wire controller-api json rules local-conf networks-d tap cni dns host-names)
mode=fuzz
if [ "${1:-}" = merge ]; then mode=merge; shift; seconds=0; else seconds="${1:-300}"; shift || true; fi
which="${1:-all}"
shift || true
if [ "$which" = all ]; then targets=("${targets_all[@]}"); else targets=("$which"); fi

# gold crashes while linking libFuzzer into a SwiftPM executable; lld links it.
toolchain_bin="$(dirname "$(readlink -f "$(command -v swift)")")"
toolset=".build-fuzz/lld-toolset.json"
mkdir -p .build-fuzz/crashes
printf '{ "schemaVersion": "1.0", "linker": { "path": "%s/ld.lld" } }\n' "$toolchain_bin" > "$toolset"
swift build -c release --product sixplane-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer --toolset "$toolset"
fuzzer=.build-fuzz/release/sixplane-fuzz
# Swift's crash backtracer would take the trap before libFuzzer can write the input that caused it.
export SWIFT_BACKTRACE=enable=no

python3 scripts/fuzz-seeds.py .build-fuzz/seeds

max_len() {
    case "$1" in
        node|networks-d) echo 140000 ;;
        wire) echo 12000 ;;
        tap) echo 66000 ;;
        *) echo 65536 ;;
    esac
}

for t in "${targets[@]}"; do
    corpus=".build-fuzz/corpus/$t"
    committed="Tests/Fixtures/fuzz-corpus/$t"
    mkdir -p "$corpus" "$committed"
    if [ "$mode" = merge ]; then
        # The smallest set of inputs that covers every feature the committed ones, the run's and the seeds reach.
        fresh=".build-fuzz/merged/$t"
        rm -rf "$fresh"; mkdir -p "$fresh"
        "$fuzzer" --target="$t" -set_cover_merge=1 -max_len="$(max_len "$t")" -rss_limit_mb=4096 "$fresh" "$committed" "$corpus" ".build-fuzz/seeds/$t"
        # Crash inputs stay whatever they cover.
        find "$committed" -type f ! -name 'crash-*' -delete
        cp "$fresh"/* "$committed"/
        continue
    fi
    echo "==> $t for ${seconds}s" >&2
    "$fuzzer" --target="$t" "$corpus" "$committed" ".build-fuzz/seeds/$t" -max_len="$(max_len "$t")" \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
        -artifact_prefix=".build-fuzz/crashes/$t-" "$@"
done
