#!/usr/bin/env bash
# make demo: generate a sample of API gateway logs, load it into a local
# ClickHouse and report on it. Run it twice: the second run loads the same
# files again and prints the same numbers, because loading is idempotent.
#
# ClickHouse: one answering on 127.0.0.1:9000 is reused; else Debian's
# clickhouse-server is installed (apt-get) and started under .clickhouse/
# and left running; else `docker compose up -d clickhouse`.
# The demo always uses its own database, ratescope_demo (it may drop it;
# RATESCOPE_DEMO_DB names another).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

bin=bin
sample=.demo/sample
manifest=$sample/manifest.json
db=${RATESCOPE_DEMO_DB:-ratescope_demo}
export RATESCOPE_CLICKHOUSE=clickhouse://127.0.0.1:9000/$db
# The sample's configuration: its partners (names and key ids) and plans.
export RATESCOPE_CONFIG=$sample/ratescope.yaml

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

for b in ingest report loggen; do
  [ -x "$bin/$b" ] || die "$bin/$b is missing: run make build first (make demo does)"
done

have_compose() { command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; }

# ch_query SQL runs one statement on the local server with whatever client there is.
ch_query() {
  if command -v clickhouse-client >/dev/null 2>&1; then
    clickhouse-client --host 127.0.0.1 --port 9000 --query "$1"
  elif command -v curl >/dev/null 2>&1; then
    curl -fsS --data-binary "$1" http://127.0.0.1:8123/ >/dev/null
  elif have_compose; then
    docker compose exec -T clickhouse clickhouse-client --query "$1"
  else
    return 1
  fi
}

say "ClickHouse"
if "$here/clickhouse-local.sh" answers; then
  echo "using the server answering on 127.0.0.1:9000"
elif [ -x /usr/sbin/clickhouse-server ] || command -v clickhouse-server >/dev/null 2>&1 ||
     { command -v apt-get >/dev/null 2>&1 && [ -f /etc/debian_version ]; }; then
  "$here/clickhouse-local.sh" install
  "$here/clickhouse-local.sh" start .clickhouse
  echo "started clickhouse-server under .clickhouse/; it keeps running after the demo"
  echo "stop it with: scripts/clickhouse-local.sh stop .clickhouse"
elif have_compose; then
  docker compose up -d clickhouse
  for _ in $(seq 1 120); do
    "$here/clickhouse-local.sh" answers && break
    sleep 1
  done
  "$here/clickhouse-local.sh" answers || die "the clickhouse container did not answer on 127.0.0.1:9000 within 2 minutes (docker compose logs clickhouse)"
  echo "started ClickHouse in Docker; stop it with: docker compose stop clickhouse"
else
  die "no ClickHouse answers on 127.0.0.1:9000, and there is neither apt-get (Debian) nor docker compose to start one"
fi

say "Sample"
# The reports look at the last 24 h by default (--since 24h). The sample's
# last request is the time it was generated and it spans 2 h, so once it is
# 22 h old it starts falling out of that window and the numbers shrink:
# after 20 h it is regenerated with fresh times.
if [ -f "$manifest" ] && [ -n "$(find "$manifest" -mmin +1200)" ]; then
  echo "$sample is more than 20 h old: generating a new one"
  rm -rf "$sample"
fi
if [ ! -f "$manifest" ]; then
  # A new sample has the same seed, so the same request ids (and synthetic
  # ids, keyed by file and offset) come back with other times, while other
  # ids change: rows of an earlier sample would fold into or add to the new
  # ones. So the demo database starts afresh with every new sample.
  echo "dropping database $db: it holds no sample, or an earlier one"
  ch_query "DROP DATABASE IF EXISTS $db" || die "could not drop database $db; drop it yourself (DROP DATABASE $db) and run make demo again"
  # Generate aside and move into place, so an interrupted run never leaves
  # a half-written sample that a later run would reuse.
  rm -rf "$sample.tmp"
  "$bin/loggen" --out "$sample.tmp" --end "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  rm -rf "$sample"
  mv "$sample.tmp" "$sample"
else
  echo "reusing $sample: the same files, so the same numbers as last time"
fi
# The ground truth, to compare with what ingest and report print.
truth() { sed -n "s/^  \"$1\": \\([^,]*\\),\$/\\1/p" "$manifest"; }
echo "ground truth ($manifest): requests=$(truth requests) errors=$(truth errors) rejected_lines=$(truth rejected_lines)"

say "ingest migrate"
"$bin/ingest" migrate

# Plans and partners come from $RATESCOPE_CONFIG, so the load keeps the
# sample's rate-limit findings too.
say "ingest $sample"
"$bin/ingest" "$sample"/*.log "$sample"/*.jsonl "$sample"/*.log.gz

say "report summary"
"$bin/report" summary

say "report errors --by code,status"
"$bin/report" errors --by code,status

say "report errors --by route"
"$bin/report" errors --by route

example=$(truth example_request_id | tr -d '"')
cat <<NEXT

== Next
  export RATESCOPE_CLICKHOUSE=$RATESCOPE_CLICKHOUSE RATESCOPE_CONFIG=$RATESCOPE_CONFIG
  bin/report errors --by partner,route
  bin/report retry-storms
  bin/report rate-limits
  bin/report rejected
  bin/report request $example
  less $manifest        # what the reports should find
NEXT
