#!/usr/bin/env bash
# Compare microfunnel with ClickHouse's windowFunnel on the same export, in
# one run, on this machine. Not part of CI: it installs Debian's
# clickhouse-server (18.16) when missing and starts it on 127.0.0.1 only.
#
#   bash bench/clickhouse.sh [EVENTS]      # default 10000000
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
work=$(mktemp -d /tmp/microfunnel-ch-XXXXXX)
trap 'kill $(cat "$work/ch.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

if ! command -v clickhouse-server >/dev/null; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client
fi

go build -o "$work/microfunnel" .
echo "== microfunnel bench --events $events (writes the export, measures microfunnel)"
"$work/microfunnel" bench --events "$events" --dir "$work/mf" --keep --skip-sql | tee "$work/mf.txt"

echo "== ClickHouse"
mkdir -p "$work/ch"
cat > "$work/ch/config.xml" <<XML
<yandex>
  <logger><level>warning</level><log>$work/ch/server.log</log><errorlog>$work/ch/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>19000</tcp_port>
  <http_port>18123</http_port>
  <path>$work/ch/data/</path>
  <tmp_path>$work/ch/tmp/</tmp_path>
  <users_config>$work/ch/users.xml</users_config>
  <mark_cache_size>536870912</mark_cache_size>
</yandex>
XML
cat > "$work/ch/users.xml" <<XML
<yandex>
  <profiles><default><max_threads>2</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
clickhouse-server --config-file="$work/ch/config.xml" >"$work/ch/stdout.log" 2>&1 &
echo $! > "$work/ch.pid"
ch() { clickhouse-client --port 19000 "$@"; }
for i in $(seq 1 50); do ch --query 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
echo "ClickHouse $(ch --query 'SELECT version()'), MergeTree ordered by (user, ts), max_threads 2"

ch --query 'CREATE TABLE raw (user_id String, event String, timestamp String, device String, country String, source String) ENGINE = Log'
ch --query 'INSERT INTO raw FORMAT CSVWithNames' < "$work/mf/events.csv"
ch --query "CREATE TABLE events ENGINE = MergeTree() ORDER BY (user, ts) AS
	SELECT user_id AS user, event, toDateTime(replaceOne(substring(timestamp, 1, 19), 'T', ' '), 'UTC') AS ts, country FROM raw"
ch --query 'OPTIMIZE TABLE events FINAL'

query="SELECT level, count() FROM (SELECT user, windowFunnel(86400)(ts, event = 'view_product', event = 'add_to_cart',
	event = 'begin_checkout', event = 'add_payment_info', event = 'purchase') AS level FROM events GROUP BY user)
	GROUP BY level ORDER BY level"
# windowFunnel gives each user's furthest level; users reaching step k are
# those at level >= k, which is what microfunnel's steps count.
echo -n "step users: ClickHouse"
ch --query "$query" | sort -n | awk '{lvl[$1]=$2} END {for (k = 1; k <= 5; k++) {s = 0; for (l = k; l <= 5; l++) s += lvl[l]; printf " %d", s}; print ""}'
grep '^step users' "$work/mf.txt"
times=()
for i in 1 2 3 4 5; do
	t=$( { ch --time --query "$query" >/dev/null; } 2>&1 )
	times+=("$t")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "ClickHouse windowFunnel, 5 runs (s): $(echo $sorted)"
med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
mf=$(grep -E 'warm recompute, no breakdown' "$work/mf.txt" | sed -E 's/.*\| ([0-9.]+) ms \/.*/\1/')
echo "ClickHouse median: $med s; microfunnel warm median: $mf ms; ratio: $(awk -v c="$med" -v m="$mf" 'BEGIN {printf "%.1f", c * 1000 / m}')x"

# microfunnel on ClickHouse: the same export imported through --db
# clickhouse://, a report --by device, and ClickHouse's own windowFunnel on
# microfunnel's table, each whole process, five runs in turn.
echo "== microfunnel --db clickhouse:// on the same export"
ch --query 'CREATE DATABASE mfch'
db=clickhouse://127.0.0.1:18123/mfch
/usr/bin/time -f "import: %e s wall, %M KB peak" "$work/microfunnel" --db "$db" import -d bench "$work/mf/events.csv"
ds=$(ch --query 'SELECT any(ds) FROM mfch.microfunnel_imports')
ids=$(ch --query "SELECT groupArray(id) FROM (SELECT id FROM mfch.microfunnel_dict WHERE ds = $ds AND kind = 'e' AND value IN ('view_product', 'add_to_cart', 'begin_checkout', 'add_payment_info', 'purchase') ORDER BY indexOf(['view_product', 'add_to_cart', 'begin_checkout', 'add_payment_info', 'purchase'], value))" | tr -d '[]')
IFS=, read -r e1 e2 e3 e4 e5 <<<"$ids"
own="SELECT level, count() FROM (SELECT user, windowFunnel(86400)(toDateTime(intDiv(t, 1000)), event = $e1, event = $e2, event = $e3,
	event = $e4, event = $e5) AS level FROM mfch.microfunnel_events WHERE ds = $ds GROUP BY user) GROUP BY level"
for i in 1 2 3 4 5; do
	/usr/bin/time -f "report --by device: %e s" "$work/microfunnel" --db "$db" report -d bench \
		--steps view_product,add_to_cart,begin_checkout,add_payment_info,purchase --window 24h --by device --format csv >/dev/null 2>"$work/err" || cat "$work/err"
	tail -1 "$work/err"
	/usr/bin/time -f "own windowFunnel (clickhouse-client): %e s" clickhouse-client --port 19000 --query "$own" >/dev/null
done
