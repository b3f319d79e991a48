#!/usr/bin/env bash
# Times a warm `./grader` (nothing changed since the last run) in its three parts, so that the
# next regression shows where it is: the grader before it starts the build, the no-op build, and
# the suites. Usage: Benchmarks/warm-grader.sh [RUNS] [GRADER ARGUMENTS…]; prints each run and
# the median. A benchmark, not a test: it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
./grader "$@" >/dev/null 2>&1 || true # the warm-up run: builds whatever changed
now() { date +%s%N; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
printf '%-6s %12s %8s %8s %8s\n' run before-build build suites total
rows=()
for run in $(seq "$runs"); do
  start=$(now)
  ./grader "$@" 2>&1 >/dev/null | while IFS= read -r line; do printf '%s %s\n' "$(now)" "$line"; done >"$log" || true
  end=$(now)
  building=$(awk '/ Building the /{print $1; exit}' "$log")
  running=$(awk '/ Running [0-9]+ chapter suite/{print $1; exit}' "$log")
  row=$(awk -v s="$start" -v b="${building:-$start}" -v r="${running:-$end}" -v e="$end" \
    'BEGIN{printf "%.2f %.2f %.2f %.2f", (b-s)/1e9, (r-b)/1e9, (e-r)/1e9, (e-s)/1e9}')
  rows+=("$row")
  read -r a b c d <<<"$row"
  printf '%-6s %11ss %7ss %7ss %7ss\n' "$run" "$a" "$b" "$c" "$d"
done
median() { printf '%s\n' "${rows[@]}" | cut -d' ' -f"$1" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
printf '%-6s %11.2fs %7.2fs %7.2fs %7.2fs\n' median "$(median 1)" "$(median 2)" "$(median 3)" "$(median 4)"
