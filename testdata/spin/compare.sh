#!/bin/sh
# compare.sh [N]: two-phase commit with N resource managers (default 9:
# 10,340,352 states), explored by tcpmc's engine (BenchmarkTwoPhase in
# explore/twophase_test.go, one worker and two) and by SPIN on the Promela
# twin testdata/spin/twophase.pml in its storage modes (plain hash table,
# COLLAPSE, HC4 hash compaction, BFS). Prints, for each, the states, CPU
# seconds, states per CPU-second and the peak resident memory per state.
# Needs go, gcc, GNU time (/usr/bin/time) and SPIN (apt-get install spin).
set -e
N=${1:-9}
root=$(cd "$(dirname "$0")/../.." && pwd)
for tool in spin gcc go /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "compare.sh: $tool is not installed" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# row NAME STATES: prints a row from the user+system seconds and peak
# RSS (KiB) that GNU time left in $tmp/time.
row() {
	awk -v name="$1" -v states="$2" '{ cpu = $1 + $2; rss = $3 * 1024
		printf "%-22s %12d %8.2f %14.0f %8.1f\n", name, states, cpu, states / cpu, rss / states }' "$tmp/time"
}

printf "%-22s %12s %8s %14s %8s\n" "two-phase commit N=$N" states cpu-s states/cpu-s B/state
(cd "$root" && go test -c -o "$tmp/explore.test" ./explore)
for w in 1 2; do
	TWOPHASE_RM=$N /usr/bin/time -f "%U %S %M" -o "$tmp/time" \
		"$tmp/explore.test" -test.run '^$' -test.bench "TwoPhase/rm=$N/workers=$w\$" -test.benchtime 1x >"$tmp/out"
	states=$(awk '/states\/cpu-s/ { for (i = 1; i < NF; i++) if ($(i+1) == "states") print $i }' "$tmp/out")
	label="tcpmc engine, 1 worker"
	[ "$w" = 2 ] && label="tcpmc engine, 2 workers"
	row "$label" "$states"
done

cd "$tmp"
spin -DN="$N" -a "$root/testdata/spin/twophase.pml" >/dev/null
for mode in "" COLLAPSE HC4 BFS; do
	flags="-O2 -DNOREDUCE -DSAFETY -DMEMLIM=16384"
	[ -n "$mode" ] && flags="$flags -D$mode"
	gcc $flags -o pan pan.c
	/usr/bin/time -f "%U %S %M" -o "$tmp/time" ./pan -w26 >"$tmp/out" 2>&1
	states=$(awk '/states, stored/ { print $1 }' "$tmp/out")
	row "SPIN ${mode:-hash table}" "$states"
done
