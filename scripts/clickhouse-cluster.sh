#!/usr/bin/env bash
# Start or stop a throw-away ClickHouse cluster on loopback: one ZooKeeper
# and four ClickHouse servers (2 shards x 2 replicas), each a plain process
# with its own config, data and logs under one directory, every port picked
# free at start (never 9000: the single node lives there).
#
#   scripts/clickhouse-cluster.sh install     # apt-get install zookeeper (and clickhouse-server) if missing
#   scripts/clickhouse-cluster.sh start DIR   # writes DIR/env: RATESCOPE_TEST_CLUSTER and the ports
#   scripts/clickhouse-cluster.sh stop DIR
#   scripts/clickhouse-cluster.sh kill DIR N  # SIGKILL server N (1..4); `restart DIR N` starts it again
#   scripts/clickhouse-cluster.sh with CMD…   # start in a temp dir, run CMD with RATESCOPE_TEST_CLUSTER
#                                             # and RATESCOPE_TEST_CLUSTER_DIR exported, stop, remove
#
# The cluster is named `ratescope` in every server's <remote_servers>
# (internal_replication true); server N is shard (N+1)/2, replica
# r(N-1)%2+1 in its <macros>. DIR/env holds, for the tests:
#   RATESCOPE_TEST_CLUSTER=clickhouse://127.0.0.1:PORT1,...,127.0.0.1:PORT4/
#   CLUSTER_PORT_1..4, CLUSTER_NAME
# Needs Debian's zookeeper (3.8) and clickhouse-server (18.16) packages.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cluster=ratescope

install() {
  "$here/clickhouse-local.sh" install
  if [ -f /usr/share/java/zookeeper.jar ]; then return 0; fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq zookeeper >/dev/null
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints a loopback port nothing listens on and that this start
# has not handed out yet.
taken=" "
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    case "$taken" in *" $p "*) continue ;; esac
    if ! listening "$p"; then taken="$taken$p "; echo "$p"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}

start_zookeeper() {
  local dir=$1 port=$2
  mkdir -p "$dir/zk/data"
  cat > "$dir/zk/zoo.cfg" <<CFG
tickTime=2000
dataDir=$dir/zk/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok
CFG
  java -Dzookeeper.log.dir="$dir/zk" -Dzookeeper.root.logger=INFO,CONSOLE \
    -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zk/zoo.cfg" >"$dir/zk/zookeeper.log" 2>&1 &
  echo $! > "$dir/zk/pid"
  for _ in $(seq 1 120); do
    if [ "$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf ruok >&3 && head -c 4 <&3) 2>/dev/null)" = imok ]; then return 0; fi
    kill -0 "$(cat "$dir/zk/pid")" 2>/dev/null || { echo "zookeeper exited; see $dir/zk/zookeeper.log" >&2; tail -n 20 "$dir/zk/zookeeper.log" >&2; return 1; }
    sleep 0.5
  done
  echo "zookeeper did not answer on 127.0.0.1:$port within 60s" >&2
  return 1
}

# node_config writes server N's config.d/cluster.xml.
node_config() {
  local dir=$1 n=$2 shard=$(( ($2 + 1) / 2 )) replica=$(( ($2 - 1) % 2 + 1 ))
  # shellcheck disable=SC1090
  . "$dir/env"
  mkdir -p "$dir/ch$n/config.d"
  cat > "$dir/ch$n/config.d/cluster.xml" <<XML
<yandex>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <zookeeper>
        <node><host>127.0.0.1</host><port>$ZK_PORT</port></node>
        <session_timeout_ms>10000</session_timeout_ms>
    </zookeeper>
    <macros>
        <shard>0$shard</shard>
        <replica>r$replica</replica>
    </macros>
    <remote_servers>
        <$cluster>
            <shard>
                <internal_replication>true</internal_replication>
                <replica><host>127.0.0.1</host><port>$CLUSTER_PORT_1</port></replica>
                <replica><host>127.0.0.1</host><port>$CLUSTER_PORT_2</port></replica>
            </shard>
            <shard>
                <internal_replication>true</internal_replication>
                <replica><host>127.0.0.1</host><port>$CLUSTER_PORT_3</port></replica>
                <replica><host>127.0.0.1</host><port>$CLUSTER_PORT_4</port></replica>
            </shard>
        </$cluster>
    </remote_servers>
</yandex>
XML
}

start_node() {
  local dir=$1 n=$2
  # shellcheck disable=SC1090
  . "$dir/env"
  local tcp http inter
  tcp=$(eval echo "\$CLUSTER_PORT_$n"); http=$(eval echo "\$CLUSTER_HTTP_$n"); inter=$(eval echo "\$CLUSTER_INTER_$n")
  # A restarted replica re-registers in ZooKeeper, which may hold its
  # killed session until it times out: give it longer than a fresh start.
  CH_START_WAIT=${CH_START_WAIT:-120} CH_TCP_PORT=$tcp CH_HTTP_PORT=$http CH_INTERSERVER_PORT=$inter "$here/clickhouse-local.sh" start "$dir/ch$n"
}

start() {
  local dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local zk
  zk=$(free_port)
  {
    echo "CLUSTER_NAME=$cluster"
    echo "ZK_PORT=$zk"
    for n in 1 2 3 4; do
      echo "CLUSTER_PORT_$n=$(free_port)"
      echo "CLUSTER_HTTP_$n=$(free_port)"
      echo "CLUSTER_INTER_$n=$(free_port)"
    done
  } > "$dir/env"
  # shellcheck disable=SC1090
  . "$dir/env"
  echo "RATESCOPE_TEST_CLUSTER=clickhouse://127.0.0.1:$CLUSTER_PORT_1,127.0.0.1:$CLUSTER_PORT_2,127.0.0.1:$CLUSTER_PORT_3,127.0.0.1:$CLUSTER_PORT_4/" >> "$dir/env"
  start_zookeeper "$dir" "$zk"
  for n in 1 2 3 4; do node_config "$dir" "$n"; done
  for n in 1 2 3 4; do start_node "$dir" "$n"; done
  echo "cluster $cluster up: zookeeper 127.0.0.1:$zk, servers 127.0.0.1:$CLUSTER_PORT_1 $CLUSTER_PORT_2 (shard 1) $CLUSTER_PORT_3 $CLUSTER_PORT_4 (shard 2)"
}

stop() {
  local dir=$1
  for n in 1 2 3 4; do "$here/clickhouse-local.sh" stop "$dir/ch$n" || true; done
  if [ -f "$dir/zk/pid" ]; then
    local pid
    pid=$(cat "$dir/zk/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/zk/pid"
  fi
}

kill_node() {
  local dir=$1 n=$2
  [ -f "$dir/ch$n/server.pid" ] || { echo "server $n is not running" >&2; return 1; }
  kill -9 "$(cat "$dir/ch$n/server.pid")"
  rm -f "$dir/ch$n/server.pid"
}

with() {
  local dir rc=0
  dir=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "stop '$dir'; rm -rf '$dir'" EXIT
  start "$dir"
  # shellcheck disable=SC1091
  . "$dir/env"
  export RATESCOPE_TEST_CLUSTER RATESCOPE_TEST_CLUSTER_DIR="$dir"
  "$@" || rc=$?
  return $rc
}

case "${1:-}" in
  install) install ;;
  start) start "${2:?usage: $0 start DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  kill) kill_node "${2:?usage: $0 kill DIR N}" "${3:?usage: $0 kill DIR N}" ;;
  restart) start_node "${2:?usage: $0 restart DIR N}" "${3:?usage: $0 restart DIR N}" ;;
  with) shift; with "$@" ;;
  *) echo "usage: $0 install | start DIR | stop DIR | kill DIR N | restart DIR N | with CMD..." >&2; exit 2 ;;
esac
