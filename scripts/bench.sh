#!/usr/bin/env bash
# The ingest benchmark of `make bench` (issue 12), in one run on this
# machine: ratescope's load beside clickhouse-client's own JSONEachRow load
# of the same lines into a comparable table on the same server, GoAccess and
# lnav on the same combined file, parse-only and parse+normalise per format,
# the daemon's throughput and peak RSS, and the load's scaling with
# GOMAXPROCS — of the whole process (the load's own seconds, and the
# process's wall and CPU, which add the end-of-load rollup refresh and
# analysis) and of the parse stage alone on its workers (BenchmarkParallel). Prints a table with ratios and writes it as JSON.
#
#   scripts/bench.sh                   # 400,000 lines, results in bench/results.json
#   BENCH_LINES=20000 scripts/bench.sh # CI's reduced run: no targets asserted
#
# Environment: BENCH_LINES (default 400000), BENCH_REPS (rounds of the
# side-by-side loads, default 3: each figure is its median round's), BENCH_DB (default
# ratescope_bench: dropped and created again), BENCH_OUT (default
# bench/results.json), RATESCOPE_BENCH_CLICKHOUSE (server URL without a
# database; default $RATESCOPE_TEST_CLICKHOUSE, else clickhouse://127.0.0.1:9000). Needs a ClickHouse
# server there (make demo starts one), clickhouse-client, /usr/bin/time;
# GoAccess and lnav are measured when installed (apt-get install goaccess
# lnav) and shown as "-" otherwise. Figures are wall seconds, CPU seconds
# (user+system of the measured process, from /usr/bin/time) and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_LINES:-400000}
OUT=${BENCH_OUT:-bench/results.json}
CH=${RATESCOPE_BENCH_CLICKHOUSE:-${RATESCOPE_TEST_CLICKHOUSE:-clickhouse://127.0.0.1:9000}}
CH=${CH%/}
hostport=${CH#clickhouse://}
hostport=${hostport##*@}
chhost=${hostport%%:*}
chport=${hostport##*:}
DB=${BENCH_DB:-ratescope_bench} # a database of its own: dropped and created again
REPS=${BENCH_REPS:-3}            # rounds of the side-by-side loads; each figure is its median round's
export RATESCOPE_HASH_KEY=${RATESCOPE_HASH_KEY:-ratescope-bench-key}
export RATESCOPE_CONFIG=/dev/null

for tool in clickhouse-client /usr/bin/time go; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed (apt-get install time for /usr/bin/time)" >&2; exit 1; }
done
# calc EXPR: floating-point arithmetic without bc (not on every machine).
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
chc() { clickhouse-client --host "$chhost" --port "$chport" "$@"; }
chc -q 'SELECT 1' >/dev/null || { echo "bench: no ClickHouse answers at $CH (make demo starts one)" >&2; exit 1; }

work=$(mktemp -d)
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
  chc -q "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== build"
go build -o "$work/ingest" ./cmd/ingest
go build -o "$work/report" ./cmd/report
go build -o "$work/benchlines" ./scripts/benchlines
for f in nginx-json combined; do "$work/benchlines" -format "$f" -n "$N" >"$work/$f.log"; done
bytes=$(stat -c %s "$work/nginx-json.log")
echo "$N lines: nginx-json $((bytes / N)) B a line, combined $(($(stat -c %s "$work/combined.log") / N)) B a line"

# measure NAME CMD...: runs CMD under /usr/bin/time; sets wall_NAME,
# cpu_NAME (user+sys seconds) and rss_NAME (MiB).
measure() {
  local name=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.$name" "$@" >"$work/out.$name" 2>"$work/err.$name" || {
    echo "bench: $name failed:" >&2
    cat "$work/err.$name" >&2
    exit 1
  }
  read -r w u s m <"$work/time.$name"
  printf -v "wall_$name" '%s' "$w"
  printf -v "cpu_$name" '%.2f' "$(calc "$u + $s")"
  printf -v "rss_$name" '%s' "$((m / 1024))"
}
fresh() { chc -q "DROP DATABASE IF EXISTS $DB" && chc -q "CREATE DATABASE $DB"; }
load_seconds() { sed -n 's/.*"seconds": *\([0-9.e+-]*\).*/\1/p' "$work/out.$1" | head -1; }

# rep NAME KEY [EXTRA]: keeps this round's figures of NAME (from measure,
# and EXTRA), to be taken by the median of KEY (pick).
rep() {
  local w c r
  eval "w=\$wall_$1 c=\$cpu_$1 r=\$rss_$1"
  echo "$2 ${3:--} $w $c $r" >>"$work/reps.$1"
}
# pick NAME: sets key_NAME, extra_NAME, wall_NAME, cpu_NAME and rss_NAME
# to the figures of NAME's median round (by its KEY): all from one run.
pick() {
  local k x w c r
  read -r k x w c r < <(sort -g "$work/reps.$1" | sed -n "$((($(wc -l <"$work/reps.$1") + 1) / 2))p")
  printf -v "key_$1" '%s' "$k"
  printf -v "extra_$1" '%s' "$x"
  printf -v "wall_$1" '%s' "$w"
  printf -v "cpu_$1" '%s' "$c"
  printf -v "rss_$1" '%s' "$r"
}
echo "== $REPS rounds, each: ratescope's loads (nginx-json at GOMAXPROCS 1 and 2, combined + report errors), clickhouse-client's JSONEachRow load, lnav"
for round in $(seq "$REPS"); do
  echo "   round $round"
  for procs in 1 2; do
    fresh
    "$work/ingest" migrate --clickhouse "$CH/$DB" >/dev/null
    measure "rs$procs" env GOMAXPROCS=$procs "$work/ingest" -o json --format nginx-json --clickhouse "$CH/$DB" "$work/nginx-json.log"
    rep "rs$procs" "$(load_seconds "rs$procs")"
  done
  stored=$(chc -q "SELECT count() FROM $DB.requests")
  [ "$stored" -ge "$N" ] || { echo "bench: ratescope stored $stored of $N rows" >&2; exit 1; }

  # clickhouse-client INSERT … FORMAT JSONEachRow of the same lines (10 String columns, MergeTree)
  fresh
  chc -q "CREATE TABLE $DB.json_each_row (time_iso8601 String, request_id String, remote_addr String,
    request_method String, request_uri String, status String, body_bytes_sent String, request_time String,
    http_user_agent String, api_key_id String) ENGINE = MergeTree ORDER BY request_id"
  measure chjson clickhouse-client --host "$chhost" --port "$chport" -q "INSERT INTO $DB.json_each_row FORMAT JSONEachRow" <"$work/nginx-json.log"
  rep chjson "$wall_chjson"
  [ "$(chc -q "SELECT count() FROM $DB.json_each_row")" = "$N" ] || { echo "bench: clickhouse-client stored a different count" >&2; exit 1; }

  # ratescope: load of the combined lines, then 'report errors' (vs GoAccess and lnav)
  fresh
  "$work/ingest" migrate --clickhouse "$CH/$DB" >/dev/null
  measure rscomb "$work/ingest" -o json --format nginx --clickhouse "$CH/$DB" "$work/combined.log"
  measure rsreport "$work/report" errors --clickhouse "$CH/$DB" --from 2026-11-19 --to 2026-11-21 --by status -o csv
  # by the load and the report together, as lnav's one query does both
  rep rscomb "$(calc "$(load_seconds rscomb) + $wall_rsreport")" "$wall_rsreport,$cpu_rsreport,$rss_rsreport"
  if command -v lnav >/dev/null; then
    measure lnav lnav -n -c ';SELECT sc_status, count(*) FROM access_log WHERE sc_status >= 400 GROUP BY sc_status' "$work/combined.log"
    rep lnav "$wall_lnav"
  fi
done
for name in rs1 rs2 chjson rscomb; do pick "$name"; done
load_rs1=$key_rs1 load_rs2=$key_rs2
IFS=, read -r wall_rsreport cpu_rsreport rss_rsreport <<<"$extra_rscomb" # the report of that round
comb_plus_report=$key_rscomb
load_rscomb=$(calc "$key_rscomb - $wall_rsreport")
goaccess_wall=- goaccess_rss=- lnav_wall=- lnav_rss=-
if command -v lnav >/dev/null; then
  pick lnav
  lnav_wall=$wall_lnav lnav_rss=$rss_lnav
fi
if command -v goaccess >/dev/null; then # once: it takes ~6 s, 5x the others
  measure goaccess goaccess "$work/combined.log" --log-format=COMBINED --no-global-config --no-progress -o "$work/goaccess.json"
  goaccess_wall=$wall_goaccess goaccess_rss=$rss_goaccess
fi

echo "== the daemon (ingest --follow) on the nginx-json lines"
fresh
"$work/ingest" migrate --clickhouse "$CH/$DB" >/dev/null
mkdir -p "$work/state"
start=$(date +%s.%N)
/usr/bin/time -f '%e %U %S %M' -o "$work/time.daemon" "$work/ingest" --follow --format nginx-json --clickhouse "$CH/$DB" \
  --state-dir "$work/state" --metrics-addr 127.0.0.1:0 --progress-interval 1h --analysis-interval 1h "$work/nginx-json.log" \
  >"$work/out.daemon" 2>"$work/err.daemon" &
time_pid=$!
# /usr/bin/time does not pass SIGTERM on: the daemon is its child.
for _ in $(seq 50); do
  daemon_pid=$(ps -o pid= --ppid "$time_pid" | tr -d ' ' || true) # ps fails until the child exists
  [ -n "$daemon_pid" ] && break
  sleep 0.1
done
[ -n "$daemon_pid" ] || { echo "bench: the daemon did not start" >&2; exit 1; }
# The daemon says when its rows are stored: rows_inserted_total on its
# metrics endpoint, read with bash's /dev/tcp every 20 ms. (Asking the
# server with clickhouse-client ten times a second cost ~0.5 CPU-s a second
# on this 2-core machine, taken from the daemon and the server measured.)
deadline=$((SECONDS + 300))
metrics_addr=
inserted() {
  local line
  exec 3<>"/dev/tcp/${metrics_addr%:*}/${metrics_addr##*:}" || return 0
  printf 'GET /metrics HTTP/1.0\r\nHost: bench\r\n\r\n' >&3
  while IFS= read -r line <&3; do
    case $line in 'ratescope_ingest_rows_inserted_total{table="requests"} '*) echo "${line##* }" ;; esac
  done
  exec 3<&-
}
until [ -n "$metrics_addr" ]; do
  metrics_addr=$(sed -n 's/.*msg="serving metrics" addr=\([0-9.:]*\).*/\1/p' "$work/err.daemon")
  [ $SECONDS -lt $deadline ] || { echo "bench: the daemon did not serve metrics" >&2; exit 1; }
  sleep 0.01
done
until [ "$(inserted | awk '{ printf "%d", $1 }')" -ge "$N" ] 2>/dev/null; do
  kill -0 "$daemon_pid" 2>/dev/null || { echo "bench: the daemon stopped:" >&2; cat "$work/err.daemon" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "bench: the daemon stored too little in 300s" >&2; exit 1; }
  sleep 0.02
done
end=$(date +%s.%N)
stored=$(chc -q "SELECT count() FROM $DB.requests")
[ "$stored" -ge "$N" ] || { echo "bench: the daemon reported $N rows stored, the server has $stored" >&2; exit 1; }
kill -TERM "$daemon_pid"
wait "$time_pid" || true
daemon_pid=
read -r _ u s m <"$work/time.daemon"
daemon_wall=$(printf '%.2f' "$(calc "$end - $start")")
daemon_cpu=$(printf '%.2f' "$(calc "$u + $s")")
daemon_rss=$((m / 1024))

# The Go benchmarks use no server: drop the database and let the server
# finish its merges first (30 s at most), so that they do not share the
# two cores with its background work.
chc -q "DROP DATABASE IF EXISTS $DB" >/dev/null
for _ in $(seq 300); do
  [ "$(chc -q 'SELECT count() FROM system.merges' 2>/dev/null || echo 0)" = 0 ] && break
  sleep 0.1
done

echo "== parse-only and parse+normalise per format (go test -bench, one core each)"
go test -run '^$' -bench '^Benchmark(Parse|CoreLine)$' -benchtime 200000x -cpu 1 ./internal/ingest/ >"$work/gobench.txt"
echo "== the parse stage on its workers (ingest.Parallel, no ClickHouse), GOMAXPROCS 1 and 2"
go test -run '^$' -bench '^BenchmarkParallel$' -benchtime "${N}x" -cpu 1,2 ./internal/ingest/ >"$work/gopar.txt"
# par FORMAT PROCS METRIC: a BenchmarkParallel figure.
par() {
  local name="BenchmarkParallel/$1"
  [ "$2" = 1 ] || name="$name-$2"
  awk -v n="$name" -v m="$3" '$1 == n { for (i = 1; i <= NF; i++) if ($i == m) printf "%.0f", $(i-1) }' "$work/gopar.txt"
}

# The table.
rate() { calc "$1 / $2"; }
ratio() { if [ "$1" = - ] || [ "$2" = - ]; then echo -; else printf '%.2f' "$(calc "$1 / $2")"; fi; }
rs_lps=$(rate "$N" "$load_rs2")
rs_cpu=$cpu_rs2
rs_lpc=$(rate "$N" "$rs_cpu")
ch_lps=$(rate "$N" "$wall_chjson")
rs1_lps=$(rate "$N" "$load_rs1")
daemon_lps=$(rate "$N" "$daemon_wall")
printf '\n%-58s %12s %10s %9s %8s\n' "what ($N lines, $(nproc) cores)" "lines/s" "wall s" "CPU s" "RSS MiB"
row() {
  local lps=-
  [ "$2" = - ] || lps=$(printf '%.0f' "$2")
  printf '%-58s %12s %10.2f %9.2f %8s\n' "$1" "$lps" "$3" "$4" "$5"
}
row "ratescope load, nginx-json (GOMAXPROCS=2)" "$rs_lps" "$load_rs2" "$cpu_rs2" "$rss_rs2"
row "  the whole ingest process (load, rollup refresh, analysis)" "$(rate "$N" "$wall_rs2")" "$wall_rs2" "$cpu_rs2" "$rss_rs2"
row "ratescope load, nginx-json (GOMAXPROCS=1)" "$rs1_lps" "$load_rs1" "$cpu_rs1" "$rss_rs1"
row "  the whole ingest process (load, rollup refresh, analysis)" "$(rate "$N" "$wall_rs1")" "$wall_rs1" "$cpu_rs1" "$rss_rs1"
row "clickhouse-client INSERT FORMAT JSONEachRow (client only)" "$ch_lps" "$wall_chjson" "$cpu_chjson" "$rss_chjson"
row "ratescope daemon (--follow), to all rows stored" "$daemon_lps" "$daemon_wall" "$daemon_cpu" "$daemon_rss"
row "ratescope load, combined" "$(rate "$N" "$load_rscomb")" "$load_rscomb" "$cpu_rscomb" "$rss_rscomb"
row "ratescope report errors after it" - "$wall_rsreport" "$cpu_rsreport" "$rss_rsreport"
if [ "$goaccess_wall" != - ]; then row "GoAccess, JSON report of the combined lines" "$(rate "$N" "$goaccess_wall")" "$goaccess_wall" "$cpu_goaccess" "$goaccess_rss"; fi
if [ "$lnav_wall" != - ]; then row "lnav, one SQL query over the combined lines" "$(rate "$N" "$lnav_wall")" "$lnav_wall" "$cpu_lnav" "$lnav_rss"; fi
echo
echo "ratios (targets from issue 12 in brackets)"
printf '  ratescope / clickhouse-client JSONEachRow, lines/s:  %s  [>= 1.2]\n' "$(ratio "$rs_lps" "$ch_lps")"
printf '  ratescope lines per ingester CPU-second:              %.0f  [>= 900000]\n' "$rs_lpc"
printf '  ratescope load speed-up over GoAccess:                %s  [>= 20]\n' "$(ratio "$goaccess_wall" "$load_rscomb")"
printf '  lnav wall / ratescope load + report errors:           %s  [> 1]\n' "$(ratio "$lnav_wall" "$comb_plus_report")"
printf '  scaling GOMAXPROCS 2 / 1, lines/s:                    %s\n' "$(ratio "$rs_lps" "$rs1_lps")"
printf '  one-shot peak RSS MiB:                                %s  [<= 150]\n' "$rss_rs2"
printf '  daemon peak RSS MiB:                                  %s  [<= 64]\n' "$daemon_rss"
printf '  daemon lines/s:                                       %.0f  [>= 500000]\n' "$daemon_lps"
printf '  daemon lines per CPU-second:                          %.0f\n' "$(rate "$N" "$daemon_cpu")"
echo
echo "the parse stage alone on its workers (BenchmarkParallel: parse, normalise, batch; lines/s, lines per CPU-s)"
for f in nginx-json combined; do
  printf '  %-12s GOMAXPROCS=1 %9s %9s   GOMAXPROCS=2 %9s %9s   scaling %s\n' "$f" \
    "$(par "$f" 1 lines/s)" "$(par "$f" 1 lines/cpu-s)" "$(par "$f" 2 lines/s)" "$(par "$f" 2 lines/cpu-s)" \
    "$(ratio "$(par "$f" 2 lines/s)" "$(par "$f" 1 lines/s)")"
done
echo
echo "parse-only and parse+normalise+batch, one core (lines/s)  [>= 1000000]"
awk '/^Benchmark(Parse|CoreLine)\//{ n=$1; sub(/-[0-9]+$/, "", n); sub(/^Benchmark/, "", n);
  for (i = 1; i <= NF; i++) if ($i == "lines/s") printf "  %-24s %12.0f\n", n, $(i-1) }' "$work/gobench.txt"

mkdir -p "$(dirname "$OUT")"
{
  printf '{"lines": %s, "cores": %s, "nginx_json_bytes": %s,\n' "$N" "$(nproc)" "$bytes"
  printf ' "ratescope_load": {"gomaxprocs": 2, "seconds": %s, "cpu_seconds": %s, "rss_mib": %s, "lines_per_s": %.0f, "lines_per_cpu_s": %.0f},\n' "$load_rs2" "$cpu_rs2" "$rss_rs2" "$rs_lps" "$rs_lpc"
  printf ' "ratescope_load_1proc": {"gomaxprocs": 1, "seconds": %s, "cpu_seconds": %s, "rss_mib": %s, "lines_per_s": %.0f},\n' "$load_rs1" "$cpu_rs1" "$rss_rs1" "$rs1_lps"
  printf ' "ratescope_process": {"wall_seconds_2proc": %s, "cpu_seconds_2proc": %s, "wall_seconds_1proc": %s, "cpu_seconds_1proc": %s},\n' "$wall_rs2" "$cpu_rs2" "$wall_rs1" "$cpu_rs1"
  printf ' "parse_stage": {'
  sep=
  for f in nginx-json combined; do
    printf '%s"%s": {"lines_per_s_1proc": %s, "lines_per_cpu_s_1proc": %s, "lines_per_s_2proc": %s, "lines_per_cpu_s_2proc": %s, "scaling_2_over_1": "%s"}' "$sep" "$f" \
      "$(par "$f" 1 lines/s)" "$(par "$f" 1 lines/cpu-s)" "$(par "$f" 2 lines/s)" "$(par "$f" 2 lines/cpu-s)" "$(ratio "$(par "$f" 2 lines/s)" "$(par "$f" 1 lines/s)")"
    sep=', '
  done
  printf '},\n'
  printf ' "daemon_lines_per_cpu_s": %.0f,\n' "$(rate "$N" "$daemon_cpu")"
  printf ' "clickhouse_client_jsoneachrow": {"seconds": %s, "cpu_seconds": %s, "rss_mib": %s, "lines_per_s": %.0f},\n' "$wall_chjson" "$cpu_chjson" "$rss_chjson" "$ch_lps"
  printf ' "daemon": {"seconds": %s, "cpu_seconds": %s, "rss_mib": %s, "lines_per_s": %.0f},\n' "$daemon_wall" "$daemon_cpu" "$daemon_rss" "$daemon_lps"
  printf ' "ratescope_combined": {"load_seconds": %s, "cpu_seconds": %s, "rss_mib": %s, "report_errors_seconds": %s},\n' "$load_rscomb" "$cpu_rscomb" "$rss_rscomb" "$wall_rsreport"
  printf ' "goaccess": {"seconds": "%s", "rss_mib": "%s"},\n' "$goaccess_wall" "$goaccess_rss"
  printf ' "lnav": {"seconds": "%s", "rss_mib": "%s"},\n' "$lnav_wall" "$lnav_rss"
  printf ' "ratios": {"vs_clickhouse_client": "%s", "vs_goaccess": "%s", "lnav_over_load_and_report": "%s", "gomaxprocs_2_over_1": "%s"},\n' \
    "$(ratio "$rs_lps" "$ch_lps")" "$(ratio "$goaccess_wall" "$load_rscomb")" "$(ratio "$lnav_wall" "$comb_plus_report")" "$(ratio "$rs_lps" "$rs1_lps")"
  printf ' "per_core_lines_per_s": {'
  awk '/^Benchmark(Parse|CoreLine)\//{ n=$1; sub(/-[0-9]+$/, "", n); sub(/^Benchmark/, "", n);
    for (i = 1; i <= NF; i++) if ($i == "lines/s") { printf "%s\"%s\": %.0f", sep, n, $(i-1); sep = ", " } }' "$work/gobench.txt"
  printf '}}\n'
} >"$OUT"
echo
echo "written: $OUT"
