#!/usr/bin/env bash
# Print BenchmarkKept's figures (internal/analysis) as a before/after
# table: each question computed from the rows (before: what the reports
# did) beside the same answer read from the rollups and findings the
# analysis passes keep (after). Input: `go test -bench` output (bench.txt).
#
#   scripts/bench-table.sh bench.txt
set -euo pipefail
awk '
/^BenchmarkKept\// {
  name = $1; sub(/^BenchmarkKept\//, "", name); sub(/-[0-9]+$/, "", name)
  scale = name; sub(/.*\/requests=/, "", scale); sub(/\/requests=[0-9]+$/, "", name)
  ns = $3 + 0
  n = split(name, p, "/"); side = p[n]
  q = name
  if (side == "rows" || side == "kept") { q = substr(name, 1, length(name) - length(side) - 1) } else { side = "only" }
  key = q SUBSEP side
  sum[key] += ns; cnt[key]++
  if (!(q in seen)) { seen[q] = 1; order[++k] = q }
}
END {
  if (k == 0) { print "no BenchmarkKept results"; exit }
  printf "%-36s %14s %14s   (requests=%s)\n", "question", "before (rows)", "after (kept)", scale
  for (i = 1; i <= k; i++) {
    q = order[i]
    b = (cnt[q SUBSEP "rows"] ? sprintf("%.3f s", sum[q SUBSEP "rows"] / cnt[q SUBSEP "rows"] / 1e9) : "-")
    a = (cnt[q SUBSEP "kept"] ? sprintf("%.3f s", sum[q SUBSEP "kept"] / cnt[q SUBSEP "kept"] / 1e9) : "")
    if (cnt[q SUBSEP "only"]) { b = "-"; a = sprintf("%.3f s", sum[q SUBSEP "only"] / cnt[q SUBSEP "only"] / 1e9) }
    printf "%-36s %14s %14s\n", q, b, a
  }
}' "$@"
