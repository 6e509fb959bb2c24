#!/usr/bin/env bash
# A bounded coverage-guided fuzz run of every target: bash fuzz/run.sh [SECONDS]
# (60 by default). Uses cargo-fuzz (libFuzzer) on the stable toolchain with
# RUSTC_BOOTSTRAP=1, so no nightly toolchain is needed. Prints each target's
# execution count; exits non-zero if any target finds a crash (the input is
# left in fuzz/artifacts/TARGET/).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked || cargo install cargo-fuzz
mkdir -p corpus/load corpus/evaluate
cp -n ../examples/*.json corpus/load/ 2>/dev/null || true
cp -n ../examples/*.json corpus/evaluate/ 2>/dev/null || true
status=0
for target in load evaluate template values; do
  log=$(mktemp)
  if RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    tail -30 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  printf '%-10s %-6s %s executions in %s s\n' "$target" "$result" "${runs:-?}" "$seconds"
  rm -f "$log"
done
exit $status
