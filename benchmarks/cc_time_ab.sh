#!/usr/bin/env bash
# polyopt cc's time, two versions interleaved: for each PolyBench/C kernel, REPS rounds of
# `python -m polyopt.cli cc -q -I utilities -DMINI_DATASET kernel.c` with the checkout BASE_TREE
# (e.g. a `git worktree` of an older commit) and with this checkout, alternating; prints the mean
# wall time of each (a fresh process every run).  Not a test: PolyBench's sources are not here.
#
#   benchmarks/cc_time_ab.sh POLYBENCH_SRC BASE_TREE REPS [kernel.c ...]   (default: all 30)
set -euo pipefail
src=$1; base=$2; reps=$3; shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
kernels=("$@")
if [ ${#kernels[@]} -eq 0 ]; then
  mapfile -t kernels < <(find . -name "*.c" -not -path "./utilities/*" -not -name "Nussinov.orig.c" | sort)
fi
unset PYTHONDONTWRITEBYTECODE
for k in "${kernels[@]}"; do
  for _ in $(seq "$reps"); do
    for tree in "$base" "$here"; do
      t=$( { /usr/bin/time -f "%e" env PYTHONPATH="$tree" python3 -m polyopt.cli cc -q -I utilities \
             -DMINI_DATASET "$k" -o /tmp/polyopt_cc_ab.c; } 2>&1 | tail -1)
      echo "$(basename "$k" .c) $([ "$tree" = "$base" ] && echo base || echo new) $t"
    done
  done
done | awk '{k = $1 " " $2; s[k] += $3; n[k]++} END {for (k in s) {split(k, f, " "); printf "%-16s %-4s %.2f\n", f[1], f[2], s[k] / n[k]}}' | sort
