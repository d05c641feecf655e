#!/usr/bin/env bash
# The real Apache Kafka broker of deploy/kafka: fetch (cached), start on a fresh directory,
# create a topic, produce and consume keyed records with kcat, restart (data persists), stop.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
kafka="$top/deploy/kafka/kafka.sh"
command -v kcat >/dev/null || { echo "broker_smoke: kcat not installed (scripts/install-deps.sh --test)" >&2; exit 1; }
dir=$(mktemp -d /tmp/edgewatch-kafka-smoke-XXXXXX)
trap '"$kafka" stop --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

"$kafka" fetch
t0=$(date +%s.%N)
bootstrap=$("$kafka" start --dir "$dir")
echo "broker_smoke: broker ready at $bootstrap in $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s"
"$kafka" topics --dir "$dir" --create --topic smoke --partitions 3 --replication-factor 1

for i in 1 2 3 4 5; do echo "edge-$i:record-$i"; done | kcat -P -b "$bootstrap" -t smoke -K: -z lz4
got=$(kcat -C -b "$bootstrap" -t smoke -e -q -f '%k=%s\n' | sort)
want=$(for i in 1 2 3 4 5; do echo "edge-$i=record-$i"; done)
[[ "$got" == "$want" ]] || { echo "broker_smoke: consumed:"; echo "$got"; echo "expected:"; echo "$want"; exit 1; } >&2

"$kafka" stop --dir "$dir"
bootstrap=$("$kafka" start --dir "$dir")
count=$(kcat -C -b "$bootstrap" -t smoke -e -q -f '%s\n' | wc -l)
[[ "$count" == 5 ]] || { echo "broker_smoke: after restart $count records, want 5" >&2; exit 1; }
"$kafka" stop --dir "$dir"
echo "broker_smoke: 5 records produced, consumed, and kept across a restart"
