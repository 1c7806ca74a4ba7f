#!/usr/bin/env bash
# microfunnel against DuckDB on real-shaped exports, side by side in one run
# (issue 9): a REES46-shaped e-commerce CSV and a GA4-shaped BigQuery export
# NDJSON, every column kept by both. Not part of CI: it takes minutes and
# needs a C compiler for DuckDB's Go module (cgo).
#
#   bash bench/realshape.sh
#
# Environment (all optional):
#   REES46_EVENTS  events in the REES46-shaped CSV (default 1000000)
#   GA4_EVENTS     events in the GA4-shaped NDJSON (default 200000)
#   RUNS           runs of each measurement; medians are printed (default 3)
#   SHAPES         which files to measure (default "rees46 ga4")
#   DATA           where the generated files are kept and reused (default /tmp/realshape)
#   MF_SRC         the microfunnel source tree to build and measure (default this one)
#   MF_BIN         where to build it (default /tmp/mf)
#   FIRST_FALLBACK false to compare with a microfunnel older than the chain
#                  rule (issue 13), whose first attribution had no fallback
#                  to the chain's later steps (default true)
#
# For each file and run, in turn: `microfunnel import` (a new database) and
# DuckDB's load (CREATE TABLE events AS SELECT * FROM read_csv/read_json_auto,
# a new database), each as a whole process under /usr/bin/time -v for its
# peak resident memory; then a cold `microfunnel report --format json` with
# the breakdown (a new process) and DuckDB's query-only run on its database
# (a new process), which also checks that its counts equal microfunnel's.
# Times are wall seconds of the whole process (date +%s.%N around it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rees46_events=${REES46_EVENTS:-1000000}
ga4_events=${GA4_EVENTS:-200000}
runs=${RUNS:-3}
shapes=${SHAPES:-rees46 ga4}
data=${DATA:-/tmp/realshape}
mf_src=${MF_SRC:-$root}
mf=${MF_BIN:-/tmp/mf}
peer=$data/duckdb-peer
work=$data/run
mkdir -p "$data" "$work"

need=""
[ -x /usr/bin/time ] || need="$need time"
command -v jq >/dev/null || need="$need jq"
if [ -n "$need" ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
fi

echo "== building microfunnel from $mf_src ($(git -C "$mf_src" log --oneline -1 2>/dev/null || echo 'not a git tree'))"
(cd "$mf_src" && go build -o "$mf" .)
echo "== building the DuckDB peer (bench/duckdb, cgo)"
(cd "$root/bench/duckdb" && go build -o "$peer" .)

file_of() {
	case $1 in
	rees46) echo "$data/rees46-$rees46_events.csv" ;;
	ga4) echo "$data/ga4-$ga4_events.ndjson" ;;
	esac
}
for s in $shapes; do
	f=$(file_of "$s")
	n=$rees46_events
	[ "$s" = ga4 ] && n=$ga4_events
	if [ ! -s "$f" ]; then
		echo "== generating $f"
		go run ./bench/gen --shape "$s" --events "$n" --seed 1 --out "$f"
	fi
done

# timed LOG CMD...: runs CMD under /usr/bin/time -v (its report in LOG.time,
# its output in LOG and LOG.err), prints the wall seconds. A failure stops the script,
# except DuckDB's exit 3 (its counts differ from microfunnel's), which is
# reported in the table.
timed() {
	local log=$1
	shift
	local t0 t1 rc=0
	t0=$(date +%s.%N)
	/usr/bin/time -v -o "$log.time" "$@" >"$log" 2>"$log.err" || rc=$?
	t1=$(date +%s.%N)
	if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
		echo "failed (exit $rc): $* (see $log)" >&2
		cat "$log" "$log.err" >&2
		exit 1
	fi
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f\n", $2 / 1024}' "$1.time"; }
# stats: median (min-max) of the numbers on stdin.
# fmt: 3 significant figures, without an exponent.
fmt='function f(x) { return sprintf(x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : x >= 1 ? "%.2f" : "%.3f", x) }'
stats() { sort -g | awk "$fmt"' {v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s (%s-%s)", f(m), f(v[1]), f(v[NR])}'; }
median() { sort -g | awk '{v[NR] = $1} END {printf "%g", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "-"}'; }
# pairs A B: the ratio of the two files' numbers line by line (run by run,
# as the runs alternate), as "median (min-max)". Pairing keeps the ratio
# meaningful while a shared machine's speed drifts.
pairs() { paste "$1" "$2" | awk '$2 > 0 {print $1 / $2}' | stats; }

table=$work/table.md
{
	echo "| file | measure | microfunnel | DuckDB | microfunnel ÷ DuckDB, run by run |"
	echo "|---|---|---|---|---|"
} >"$table"
for s in $shapes; do
	f=$(file_of "$s")
	size=$(stat -c %s "$f")
	case $s in
	rees46) steps=view,cart,purchase by=brand ;;
	ga4) steps=session_start,view_item,add_to_cart,begin_checkout,purchase by=device.category ;;
	esac
	echo "== $s: $f ($size bytes), $runs runs"
	for m in mf_import dk_load dk_load_inproc mf_report dk_query mf_rss dk_rss agree; do
		: >"$work/$s.$m"
	done
	for i in $(seq 1 "$runs"); do
		db=$work/$s.db
		ddb=$work/$s.duckdb
		rm -f "$db" "$db-wal" "$db-shm" "$ddb" "$ddb.wal"
		t=$(timed "$work/$s.import.log" "$mf" --db "$db" import --dataset "$s" "$f")
		echo "$t" >>"$work/$s.mf_import"
		peak_mb "$work/$s.import.log" >>"$work/$s.mf_rss"
		echo "run $i: microfunnel import ${t}s, peak $(peak_mb "$work/$s.import.log") MB: $(cat "$work/$s.import.log" "$work/$s.import.log.err" | grep -E ' events, ' | tail -1)"
		t=$(timed "$work/$s.load.json" "$peer" --shape "$s" --phase load --file "$f" --db "$ddb")
		echo "$t" >>"$work/$s.dk_load"
		peak_mb "$work/$s.load.json" >>"$work/$s.dk_rss"
		jq -r '.load.seconds' "$work/$s.load.json" >>"$work/$s.dk_load_inproc"
		echo "run $i: DuckDB load ${t}s (in process $(jq -r '.load.seconds' "$work/$s.load.json")s), peak $(peak_mb "$work/$s.load.json") MB, $(jq -r '.duckdb_version' "$work/$s.load.json"), $(jq -r '.threads' "$work/$s.load.json") threads"
		t=$(timed "$work/$s.report.json" "$mf" --db "$db" report --dataset "$s" --steps "$steps" --window 7d --by "$by" --format json)
		echo "$t" >>"$work/$s.mf_report"
		echo "run $i: microfunnel cold report ${t}s (load $(jq -r '.timings_ms.load' "$work/$s.report.json") ms, compute $(jq -r '.timings_ms.compute' "$work/$s.report.json") ms in process)"
		t=$(timed "$work/$s.query.json" "$peer" --shape "$s" --phase query --db "$ddb" --by "$by" --first-fallback="${FIRST_FALLBACK:-true}" --compare "$work/$s.report.json")
		echo "$t" >>"$work/$s.dk_query"
		jq -r '.compare.agree' "$work/$s.query.json" >>"$work/$s.agree"
		echo "run $i: DuckDB query-only process ${t}s (query $(jq -r '.query.seconds' "$work/$s.query.json")s in process), counts agree: $(jq -r '.compare.agree' "$work/$s.query.json")"
	done
	mf_db=$(($(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0)))
	dk_db=$(stat -c %s "$ddb")
	echo "step users: microfunnel $(jq -r '[.steps[].users] | join(" ")' "$work/$s.report.json"), DuckDB $(jq -r '[.query.steps[].users] | join(" ")' "$work/$s.query.json")"
	echo "breakdown by $by, first 3 segments: microfunnel $(jq -c '[.breakdown.segments[:3][] | [.value, [.steps[].users]]]' "$work/$s.report.json"), DuckDB $(jq -c '[.query.breakdown.segments[:3][] | [.value, [.steps[].users]]]' "$work/$s.query.json")"
	name="$s, $(jq -r '.load.rows' "$work/$s.load.json") events, $(mb "$size") MB"
	agree="in every run"
	grep -qv '^true$' "$work/$s.agree" && agree="NOT in every run: $(tr '\n' ' ' <"$work/$s.agree")"
	{
		echo "| $name | import / load, whole process (s) | $(stats <"$work/$s.mf_import") | $(stats <"$work/$s.dk_load") (in process $(stats <"$work/$s.dk_load_inproc")) | $(pairs "$work/$s.mf_import" "$work/$s.dk_load") |"
		echo "| | cold report / query-only process, by $by (s) | $(stats <"$work/$s.mf_report") | $(stats <"$work/$s.dk_query") | $(pairs "$work/$s.mf_report" "$work/$s.dk_query") |"
		echo "| | database size (MB, ÷ file) | $(mb "$mf_db") ($(ratio "$mf_db" "$size")) | $(mb "$dk_db") ($(ratio "$dk_db" "$size")) | $(ratio "$mf_db" "$dk_db") |"
		echo "| | import / load peak resident memory (MB) | $(stats <"$work/$s.mf_rss") | $(stats <"$work/$s.dk_rss") | $(pairs "$work/$s.mf_rss" "$work/$s.dk_rss") |"
		echo "| | step users (the counts agree $agree) | $(jq -r '[.steps[].users] | join(" ")' "$work/$s.report.json") | $(jq -r '[.query.steps[].users] | join(" ")' "$work/$s.query.json") | |"
	} >>"$table"
done
echo
echo "== medians (min-max) of $runs runs, ratios run by run; machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(go version | cut -d' ' -f3), DuckDB $(jq -r '.duckdb_version' "$work/$(echo "$shapes" | cut -d' ' -f1).load.json")"
cat "$table"
