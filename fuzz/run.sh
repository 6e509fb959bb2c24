#!/usr/bin/env bash
# A bounded coverage-guided fuzz run of every target, one after the other:
#   bash fuzz/run.sh [SECONDS] [TARGET...]      (60 s each, all targets by default)
# Targets (fuzz/fuzz_targets/): load, evaluate, template, values.
#
# cargo-fuzz (libFuzzer) needs nightly compiler flags; RUSTC_BOOTSTRAP=1
# lets the default (stable) toolchain accept them, so no nightly toolchain
# is needed. cargo-fuzz is installed from crates.io if missing.
#
# Corpora grow in fuzz/corpus/TARGET (not versioned), seeded from
# fuzz/seeds/TARGET and, for load, examples/. Prints each target's
# execution count (libFuzzer's stat::number_of_executed_units). Exits 1 if
# any target crashes; the input is then in fuzz/artifacts/TARGET/, and
# `RUSTC_BOOTSTRAP=1 cargo fuzz tmin TARGET ARTIFACT` minimizes it.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(load evaluate template values)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build >&2

status=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  extra=()
  [ -d "seeds/$target" ] && extra+=("seeds/$target")
  [ "$target" = load ] && extra+=(../examples)
  dict=()
  case "$target" in load | evaluate) dict=(-dict=dicts/json.dict) ;; esac
  log="artifacts/$target/last-run.log"
  if cargo fuzz run "$target" "corpus/$target" "${extra[@]}" -- \
      -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    grep -E 'panicked|ERROR: |SUMMARY|Test unit written|Base64' "$log" | head -20 >&2 || tail -30 "$log" >&2
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  printf '%-9s %-5s %12s executions in %s s, %s coverage points, corpus %s inputs\n' \
    "$target" "$result" "${runs:-?}" "$seconds" "${cov:-?}" "$(find "corpus/$target" -type f | wc -l)"
done
exit $status
