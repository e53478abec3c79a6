#!/usr/bin/env bash
# Alarm noise on the quick start's simulated day (issue 13, item 6): state changes and notifications per day of
# the old starter alarms (1 of 1 minute over 1) and the new ones (2 of 3 minutes over 5 SSH / 2 pings), with and
# without episode grouping. Needs the built CLI (npm run build). Usage: bash bench/alarm-noise.sh [seeds...]
set -euo pipefail
F="$(cd "$(dirname "$0")/.." && pwd)/bin/flowwatch.js"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
node "$F" init --config new.yaml >/dev/null
# The old starter alarms: 1 of 1 minute at or over 1 (keeping the new OK action on denied-icmp, which the old lacked).
sed -e 's/evaluationPeriods: 3/evaluationPeriods: 1/' -e '/datapointsToAlarm: 2/d' -e 's/threshold: [0-9]*/threshold: 1/' new.yaml > old.yaml
for seed in "${@:-1 2 3}"; do
  rm -rf flowlogs f.duckdb
  node "$F" simulate --out flowlogs --records 200000 --format default --seed "$seed" --start 2026-12-01T00:00:00Z >/dev/null
  node "$F" ingest flowlogs --db f.duckdb --config new.yaml >/dev/null 2>&1
  for c in old new; do
    echo "== seed $seed, $c starter alarms"
    node "$F" alarms replay --config $c.yaml --since 2026-12-01T00:00:00Z --until 2026-12-02T00:00:00Z --db f.duckdb 2>&1 >/dev/null
  done
done
