#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (cargo-fuzz, libFuzzer).
#
#   scripts/fuzz.sh              # every target, 60 s each
#   scripts/fuzz.sh 300 import   # one target, 5 minutes
#
# Targets: decode_body, signature_headers, sequence_tracker, import (fuzz/fuzz_targets/).
# Each starts from its committed seeds (fuzz/seeds/TARGET/); what the fuzzer learns goes to
# fuzz/corpus/TARGET/ (not committed). A crash is saved under fuzz/artifacts/TARGET/; reproduce
# it with `cargo +nightly fuzz run TARGET FILE` and shrink it with `cargo +nightly fuzz tmin
# TARGET FILE`.
#
# cargo-fuzz needs a nightly compiler for its sanitizer flags. With only a stable toolchain the
# script falls back to RUSTC_BOOTSTRAP=1 and `--sanitizer none` (no AddressSanitizer; panics
# and assertion failures are still found).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(decode_body signature_headers sequence_tracker import)

if ! command -v cargo-fuzz >/dev/null; then
  echo "installing cargo-fuzz…" >&2
  cargo install --locked cargo-fuzz
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
  flags=()
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
  flags=(--sanitizer none)
fi

"${fuzz[@]}" build "${flags[@]}"
failed=()
for target in "${TARGETS[@]}"; do
  mkdir -p "corpus/$target"
  echo "fuzzing $target for ${SECONDS_EACH} s…" >&2
  if ! "${fuzz[@]}" run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    >"corpus/$target.log" 2>&1; then
    failed+=("$target")
    tail -40 "corpus/$target.log" >&2
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs' \
    "corpus/$target.log" | sed "s/^/  $target: /" >&2 || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashed: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "no crashes" >&2
