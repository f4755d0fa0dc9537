#!/usr/bin/env bash
# Start or stop a throw-away ClickHouse server as a plain process (not the
# system service), with its config, data and logs under one directory.
#
#   scripts/clickhouse-local.sh start DIR   # listens on 127.0.0.1:${CH_TCP_PORT:-9000}
#     (CH_HTTP_PORT, CH_INTERSERVER_PORT: the other ports; DIR/config.d is read too)
#   scripts/clickhouse-local.sh stop DIR
#   scripts/clickhouse-local.sh install     # apt-get install clickhouse-server if missing
#
# Used by .ci/run, `make test` and `make demo`. Needs Debian's
# clickhouse-server package (18.16) or any newer clickhouse binary on PATH.
set -euo pipefail

tcp_port=${CH_TCP_PORT:-9000}
http_port=${CH_HTTP_PORT:-8123}
interserver_port=${CH_INTERSERVER_PORT:-$((tcp_port + 9))}

server_bin() {
  if [ -x /usr/sbin/clickhouse-server ]; then echo /usr/sbin/clickhouse-server
  elif command -v clickhouse-server >/dev/null 2>&1; then command -v clickhouse-server
  elif command -v clickhouse >/dev/null 2>&1; then echo "$(command -v clickhouse) server"
  else return 1; fi
}

install() {
  if server_bin >/dev/null; then return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "clickhouse-server is not installed and apt-get is not available" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null
}

answers() {
  if command -v clickhouse-client >/dev/null 2>&1; then
    clickhouse-client --host 127.0.0.1 --port "$tcp_port" --query "SELECT 1" >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$tcp_port") 2>/dev/null
  fi
}

start() {
  local dir=$1
  mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log}
  dir=$(cd "$dir" && pwd)
  local src=/etc/clickhouse-server
  [ -f "$src/config.xml" ] || { echo "no $src/config.xml: install clickhouse-server first" >&2; return 1; }
  sed -e "s#/var/lib/clickhouse/tmp/#$dir/tmp/#g" \
      -e "s#/var/lib/clickhouse/user_files/#$dir/user_files/#g" \
      -e "s#/var/lib/clickhouse/format_schemas/#$dir/format_schemas/#g" \
      -e "s#/var/lib/clickhouse/#$dir/data/#g" \
      -e "s#/var/log/clickhouse-server/#$dir/log/#g" \
      -e "s#<tcp_port>9000</tcp_port>#<tcp_port>$tcp_port</tcp_port>#" \
      -e "s#<http_port>8123</http_port>#<http_port>$http_port</http_port>#" \
      -e "s#<interserver_http_port>9009</interserver_http_port>#<interserver_http_port>$interserver_port</interserver_http_port>#" \
      -e "s#<listen_host>::1</listen_host>##" \
      "$src/config.xml" > "$dir/config.xml"
  cp "$src/users.xml" "$dir/users.xml"
  # shellcheck disable=SC2046
  $(server_bin) --config-file="$dir/config.xml" --pid-file="$dir/clickhouse.pid" >"$dir/log/stdout.log" 2>&1 &
  echo $! > "$dir/server.pid"
  # CH_START_WAIT: seconds to wait for it to answer (a restarted replica
  # of a cluster may wait for its old ZooKeeper session to expire).
  local wait=${CH_START_WAIT:-30}
  for _ in $(seq 1 $((wait * 2))); do
    if answers; then return 0; fi
    if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
      echo "clickhouse-server exited; see $dir/log" >&2
      tail -n 20 "$dir/log/clickhouse-server.err.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.5
  done
  echo "clickhouse-server did not answer on 127.0.0.1:$tcp_port within ${wait}s" >&2
  return 1
}

stop() {
  local dir=$1 pid
  [ -f "$dir/server.pid" ] || return 0
  pid=$(cat "$dir/server.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/server.pid"; return 0; }
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/server.pid"
}

case "${1:-}" in
  start) start "${2:?usage: $0 start DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  install) install ;;
  answers) answers ;;
  *) echo "usage: $0 start DIR | stop DIR | install | answers" >&2; exit 2 ;;
esac
