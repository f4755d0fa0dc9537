#!/usr/bin/env bash
# Run a command with a ClickHouse server available, exported as
# RATESCOPE_TEST_CLICKHOUSE (and RATESCOPE_CLICKHOUSE unless already set).
#
# Order: an already-set RATESCOPE_TEST_CLICKHOUSE; a server already answering
# on 127.0.0.1:9000; else a throw-away server started under .clickhouse/
# (installed with apt-get when missing) and stopped afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

if [ -z "${RATESCOPE_TEST_CLICKHOUSE:-}" ]; then
  if "$here/clickhouse-local.sh" answers; then
    export RATESCOPE_TEST_CLICKHOUSE=clickhouse://127.0.0.1:9000/
  else
    "$here/clickhouse-local.sh" install
    dir=${RATESCOPE_CH_DIR:-$root/.clickhouse}
    "$here/clickhouse-local.sh" start "$dir"
    trap '"$here/clickhouse-local.sh" stop "$dir"' EXIT
    export RATESCOPE_TEST_CLICKHOUSE=clickhouse://127.0.0.1:9000/
  fi
fi
export RATESCOPE_CLICKHOUSE=${RATESCOPE_CLICKHOUSE:-${RATESCOPE_TEST_CLICKHOUSE%/}/ratescope}
"$@"
