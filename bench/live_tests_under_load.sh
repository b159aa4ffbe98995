#!/usr/bin/env bash
# The wall-clock tests under load, old against new in one run, alternating: HOGS busy loops at
# normal priority beside a niced pytest (as a loaded CI box or a shared dev box has it).
# usage (repository root, venv active): bench/live_tests_under_load.sh HOGS RUNS [OLD_REV] [FILE]
#   e.g. bench/live_tests_under_load.sh 1 4 5f8f15f tests/live/test_live_lane.py
set -u
hogs=$1; runs=$2; rev=${3:-5f8f15f}; file=${4:-tests/live/test_live_lane.py}
old="$(dirname "$file")/test_zz_old_$$.py"
git show "$rev:$file" > "$old"
pids=()
for _ in $(seq "$hogs"); do python -c "while 1: pass" & pids+=($!); done
for _ in $(seq "$runs"); do
  for f in "$old" "$file"; do
    r=$(nice -n 19 python -m pytest "$f" -q -p no:randomly -p no:rerunfailures -o addopts="" 2>&1 | tail -1)
    echo "$f load=$(cut -d' ' -f1 /proc/loadavg): $r"
  done
done
kill "${pids[@]}"; rm -f "$old"
