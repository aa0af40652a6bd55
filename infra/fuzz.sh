#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (make fuzz), then
# prints one line per target: its executions, and whether it passed.
#
# A target fails only when Go wrote a failing input (testdata/fuzz/<target>/):
# a duration-bounded run on a loaded machine can end in "context deadline
# exceeded" with no input at fault (https://go.dev/issue/75804); such a run is
# reported as "deadline" and does not fail make fuzz.
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-20s}
go=${GO:-go}
summary=()
failed=0
for pkg in $($go list ./...); do
  dir=$($go list -f '{{.Dir}}' "$pkg")
  for target in $($go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "== $pkg $target"
    corpus="$dir/testdata/fuzz/$target"
    before=$(ls "$corpus" 2>/dev/null | wc -l)
    out=$(mktemp)
    $go test -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$out"
    status=${PIPESTATUS[0]}
    after=$(ls "$corpus" 2>/dev/null | wc -l)
    execs=$(grep -o 'execs: [0-9]*' "$out" | tail -1 | grep -o '[0-9]*' || true)
    result=passed
    if [ "$status" -ne 0 ]; then
      if [ "$after" -gt "$before" ] || grep -q 'Failing input written to' "$out"; then
        result="FAILED (input in $corpus)"
        failed=1
      elif grep -q 'context deadline exceeded' "$out"; then
        result="deadline (no failing input; go.dev/issue/75804)"
      else
        result=FAILED
        failed=1
      fi
    fi
    rm -f "$out"
    summary+=("$(printf '%-22s %-50s %10s execs  %s' "$target" "${pkg#github.com/switchboard-hq/switchboard/}" "${execs:-0}" "$result")")
  done
done
echo
echo "fuzzing summary (FUZZTIME=$fuzztime each)"
printf '%s\n' "${summary[@]}"
exit $failed
