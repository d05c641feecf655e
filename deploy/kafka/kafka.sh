#!/usr/bin/env bash
# deploy/kafka/kafka.sh - a real single-node Apache Kafka broker (KRaft) for tests and development.
# The broker comes from Maven Central (deploy/kafka/pom.xml); it is never a mock. See docs/kafka.md.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly POM="$SCRIPT_DIR/pom.xml"
readonly KAFKA_VERSION="${EDGEWATCH_KAFKA_VERSION:-3.9.1}"
readonly KAFKA_HOME="${EDGEWATCH_KAFKA_HOME:-${HOME:-/tmp}/.cache/edgewatch/kafka/$KAFKA_VERSION}"
readonly LIBS="$KAFKA_HOME/libs"
readonly STAMP="$LIBS/.edgewatch-fetch-complete"
readonly DEFAULT_DIR="${EDGEWATCH_KAFKA_DIR:-${TMPDIR:-/tmp}/edgewatch-kafka}"
readonly READY_TIMEOUT="${EDGEWATCH_KAFKA_READY_TIMEOUT:-60}"
readonly STOP_TIMEOUT="${EDGEWATCH_KAFKA_STOP_TIMEOUT:-30}"
readonly HEAP_OPTS="${EDGEWATCH_KAFKA_HEAP_OPTS:--Xmx512m}"
readonly READY_CHECK="${EDGEWATCH_KAFKA_READY_CHECK:-auto}"   # auto | kcat | java | log

# Exit codes (documented in --help and docs/kafka.md).
readonly E_OK=0 E_FAIL=1 E_USAGE=2 E_PREREQ=3 E_FETCH=4 E_START=5 E_NOTRUNNING=6 E_STOP=7

usage() {
  cat <<EOF
Usage: kafka.sh <command> [options]

A real single-node Apache Kafka $KAFKA_VERSION broker (KRaft, broker+controller) on 127.0.0.1.

Commands:
  fetch                      Download the broker jars from Maven Central into
                             $LIBS
                             (skipped when already complete; installs Debian packages maven and
                             default-jre-headless via apt-get if mvn/java are missing and we are root).
  start [--port P] [--dir D] Format D (first time only) and start the broker in the background; wait
                             until a client can list metadata; print the bootstrap address (127.0.0.1:P)
                             on stdout. P defaults to the port D used last time if free, else a free
                             port. Starting an already running D prints its address and succeeds.
  stop [--dir D]             SIGTERM the broker of D, wait up to ${STOP_TIMEOUT}s, then SIGKILL. Succeeds if
                             it was not running.
  status [--dir D]           Print the bootstrap address if the broker of D is running.
  topics [--dir D] ARGS...   Run Kafka's topic command (kafka-topics.sh equivalent) against the
                             broker of D, e.g.  topics --create --topic t --partitions 3
                             (--bootstrap-server is added unless given).
  help                       This text.

D defaults to $DEFAULT_DIR. It holds server.properties, data/ (the log dirs), broker.log,
kafka.pid and bootstrap.

Environment: EDGEWATCH_KAFKA_VERSION (3.9.1), EDGEWATCH_KAFKA_HOME (jar cache root),
EDGEWATCH_KAFKA_DIR (default D), EDGEWATCH_KAFKA_READY_TIMEOUT (60 s), EDGEWATCH_KAFKA_STOP_TIMEOUT
(30 s), EDGEWATCH_KAFKA_HEAP_OPTS (-Xmx512m), EDGEWATCH_KAFKA_READY_CHECK (auto|kcat|java|log),
EDGEWATCH_MAVEN_REPO (Maven local repository; default ~/.m2/repository).

Exit codes: 0 ok, 1 other failure, 2 usage error, 3 missing prerequisite (java/mvn),
4 fetch from Maven Central failed, 5 broker did not start or not ready in time,
6 broker not running, 7 broker could not be stopped.
EOF
}

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { local code=$1; shift; printf 'kafka.sh: error: %s\n' "$*" >&2; exit "$code"; }

now_ms() { date +%s%3N; }
secs_since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10)); }

# ---------------------------------------------------------------------------------------------------
# prerequisites and fetch

apt_install() {
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die $E_PREREQ "missing $*: install them (Debian: apt-get install -y $*) and retry"
  fi
  log "installing Debian packages: $*"
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } >&2 ||
    die $E_PREREQ "apt-get install $* failed; install them by hand and retry"
}

need_java() {
  command -v java >/dev/null 2>&1 || apt_install default-jre-headless
  command -v java >/dev/null 2>&1 || die $E_PREREQ "java not found on PATH after install"
}

libs_complete() {
  [[ -f $STAMP ]] || return 1
  local want_pom; want_pom=$(sha256sum "$POM" | cut -d' ' -f1)
  grep -qx "version=$KAFKA_VERSION" "$STAMP" && grep -qx "pom_sha256=$want_pom" "$STAMP" || return 1
  local jar
  while IFS= read -r jar; do
    [[ -s $LIBS/$jar ]] || return 1
  done < <(sed -n 's/^jar=//p' "$STAMP")
  [[ -s $LIBS/kafka_2.13-$KAFKA_VERSION.jar ]]
}

cmd_fetch() {
  [[ $# -eq 0 ]] || die $E_USAGE "fetch takes no arguments (see --help)"
  if libs_complete; then
    log "Kafka $KAFKA_VERSION jars already present in $LIBS"
    return 0
  fi
  mkdir -p "$KAFKA_HOME"
  exec 9>"$KAFKA_HOME/.fetch.lock"
  flock -w 900 9 || die $E_FETCH "another fetch holds $KAFKA_HOME/.fetch.lock for 15 min; remove it if stale"
  if libs_complete; then   # a concurrent fetch finished while we waited
    log "Kafka $KAFKA_VERSION jars already present in $LIBS"
    return 0
  fi
  need_java
  command -v mvn >/dev/null 2>&1 || apt_install maven
  command -v mvn >/dev/null 2>&1 || die $E_PREREQ "mvn not found on PATH after install"

  local tmp="$KAFKA_HOME/libs.tmp.$$" mlog="$KAFKA_HOME/fetch.log" t0
  t0=$(now_ms)
  rm -rf "$tmp"
  log "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION and dependencies from Maven Central..."
  local repo_opt=()
  [[ -n ${EDGEWATCH_MAVEN_REPO:-} ]] && repo_opt=("-Dmaven.repo.local=$EDGEWATCH_MAVEN_REPO")
  if ! mvn -q -B -Dstyle.color=never "${repo_opt[@]}" -f "$POM" \
        -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies -DoutputDirectory="$tmp" >"$mlog" 2>&1; then
    rm -rf "$tmp"
    sed 's/\x1b\[[0-9;]*m//g' "$mlog" | grep -E 'ERROR\] Failed|Could not' | head -5 >&2 ||
      tail -20 "$mlog" >&2
    die $E_FETCH "Maven could not fetch Kafka $KAFKA_VERSION (full log: $mlog). Check that Maven Central is reachable and that the version exists (EDGEWATCH_KAFKA_VERSION; pom.xml targets 3.x: 4.x needs the log4j2 binding, see docs/kafka.md)."
  fi
  [[ -s $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] ||
    die $E_FETCH "Maven succeeded but kafka_2.13-$KAFKA_VERSION.jar is not in $tmp (log: $mlog)"
  {
    echo "version=$KAFKA_VERSION"
    echo "pom_sha256=$(sha256sum "$POM" | cut -d' ' -f1)"
    (cd "$tmp" && ls -1 -- *.jar) | sed 's/^/jar=/'
  } >"$tmp/.edgewatch-fetch-complete.new"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  mv "$LIBS/.edgewatch-fetch-complete.new" "$STAMP"   # written last: marks the copy complete
  log "fetched $(grep -c '^jar=' "$STAMP") jars ($(du -sh "$LIBS" | cut -f1)) in $(secs_since "$t0") s into $LIBS"
}

ensure_libs() { libs_complete || cmd_fetch; }

# ---------------------------------------------------------------------------------------------------
# helpers for the broker directory

is_alive() {   # pid alive and not a zombie
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ $(sed -n 's/^State:\s*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null) != Z ]]
}

broker_pid() {   # print the pid of D's broker if it is running; else fail
  local dir=$1 pid
  [[ -f $dir/kafka.pid ]] || return 1
  pid=$(<"$dir/kafka.pid")
  [[ $pid =~ ^[0-9]+$ ]] && is_alive "$pid" || return 1
  # guard against pid reuse: must be our kafka.Kafka with this dir's config
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $dir/server.properties" || return 1
  echo "$pid"
}

port_in_use() {
  local p=$1
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Htln "sport = :$p" 2>/dev/null) ]] && return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
}

pick_free_port() {   # below the usual ephemeral range (32768+) to avoid clashing with client sockets
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 12000))
    [[ $p == "${1:-}" ]] && continue
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die $E_START "no free TCP port found on 127.0.0.1; pass --port"
}

prop() { [[ -f $1 ]] || return 0; sed -n "s/^$2=//p" "$1" | tail -n 1; }

write_tools_log4j() {
  local f="$KAFKA_HOME/tools-log4j.properties"
  [[ -f $f ]] || cat >"$f" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  echo "$f"
}

run_tool() {   # run a Kafka CLI main class with a small heap and quiet logging
  local cls=$1; shift
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$(write_tools_log4j)" -cp "$LIBS/*" "$cls" "$@"
}

parse_dir_port() {   # sets DIR, PORT, REST
  DIR="$DEFAULT_DIR" PORT="" REST=()
  while [[ $# -gt 0 ]]; do
    case $1 in
      --dir) [[ $# -ge 2 ]] || die $E_USAGE "--dir needs a value"; DIR=$2; shift 2 ;;
      --dir=*) DIR=${1#--dir=}; shift ;;
      --port) [[ $# -ge 2 ]] || die $E_USAGE "--port needs a value"; PORT=$2; shift 2 ;;
      --port=*) PORT=${1#--port=}; shift ;;
      *) REST+=("$1"); shift ;;
    esac
  done
  [[ -n $DIR ]] || die $E_USAGE "--dir is empty"
  mkdir -p "$DIR" 2>/dev/null || die $E_USAGE "cannot create directory $DIR"
  DIR=$(cd "$DIR" && pwd -P)
  if [[ -n $PORT ]] && ! [[ $PORT =~ ^[0-9]+$ && $PORT -ge 1 && $PORT -le 65535 ]]; then
    die $E_USAGE "--port must be a TCP port number (1-65535), got '$PORT'"
  fi
}

# ---------------------------------------------------------------------------------------------------
# start / stop / status / topics

write_server_properties() {
  local dir=$1 port=$2 cport=$3
  cat >"$dir/server.properties" <<EOF
# Written by deploy/kafka/kafka.sh start; rewritten at every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
EOF
}

write_broker_log4j() {
  local dir=$1
  cat >"$dir/log4j.properties" <<EOF
# Quiet: WARN and above to $dir/broker.log, plus the INFO line "Kafka Server started".
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$dir/broker.log
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
}

new_cluster_id() {   # random 16-byte Kafka Uuid, base64url without padding, not starting with '-'
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ ${#id} -eq 22 && $id != -* ]] && { echo "$id"; return; }
  done
}

client_ready() {   # a real client round trip: list cluster metadata
  local bootstrap=$1 how=$READY_CHECK
  [[ $how == auto ]] && { command -v kcat >/dev/null 2>&1 && how=kcat || how=java; }
  case $how in
    kcat) kcat -b "$bootstrap" -L -m 3 >/dev/null 2>&1 ;;
    java) run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --list >/dev/null 2>&1 ;;
    log) return 0 ;;
    *) die $E_USAGE "EDGEWATCH_KAFKA_READY_CHECK must be auto, kcat, java or log" ;;
  esac
}

fail_start() {   # print the log tail, stop a half-started broker, exit
  local dir=$1 pid=$2 msg=$3
  for f in "$dir/broker.log" "$dir/kafka.out"; do
    [[ -s $f ]] && { echo "--- last lines of $f:" >&2; tail -n 15 "$f" >&2; }
  done
  if [[ -n $pid ]] && is_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do is_alive "$pid" || break; sleep 0.2; done
    is_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/kafka.pid"
  die $E_START "$msg"
}

cmd_start() {
  parse_dir_port "$@"
  [[ ${#REST[@]} -eq 0 ]] || die $E_USAGE "start: unknown argument '${REST[0]}' (see --help)"
  local dir=$DIR port=$PORT pid cport old
  if pid=$(broker_pid "$dir"); then
    old=$(<"$dir/bootstrap")
    if [[ -n $port && $old != "127.0.0.1:$port" ]]; then
      die $E_USAGE "broker of $dir already runs on $old (pid $pid); run 'kafka.sh stop --dir $dir' first"
    fi
    log "broker of $dir already running (pid $pid)"
    echo "$old"
    return 0
  fi
  rm -f "$dir/kafka.pid"
  ensure_libs
  need_java

  # ports: explicit, else the ones this dir used last time (if free), else free ones
  if [[ -z $port ]]; then
    old=$(prop "$dir/server.properties" advertised.listeners); old=${old##*:}
    if [[ -n $old ]] && ! port_in_use "$old"; then port=$old; else port=$(pick_free_port); fi
  elif port_in_use "$port"; then
    die $E_START "port $port on 127.0.0.1 is in use; choose another --port or omit it to pick a free one"
  fi
  old=$(prop "$dir/server.properties" controller.quorum.voters); old=${old##*:}
  if [[ -n $old && $old != "$port" ]] && ! port_in_use "$old"; then cport=$old; else cport=$(pick_free_port "$port"); fi

  write_server_properties "$dir" "$port" "$cport"
  write_broker_log4j "$dir"
  local t0; t0=$(now_ms)
  if [[ ! -f $dir/data/meta.properties ]]; then
    local cid; cid=$(new_cluster_id)
    run_tool kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" >"$dir/format.log" 2>&1 || {
      cat "$dir/format.log" >&2
      die $E_START "formatting $dir/data failed (see above); if $dir holds an old broker, remove it or use another --dir"
    }
    log "formatted $dir/data (cluster id $cid)"
  fi

  # keep the previous run's logs aside so the readiness grep only sees this run
  [[ -f $dir/broker.log ]] && mv -f "$dir/broker.log" "$dir/broker.prev.log"
  rm -f "$dir"/broker.log.[0-9]*
  : >"$dir/kafka.out"
  # setsid: the broker outlives this shell and is not hit by the caller's Ctrl-C.
  setsid java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$dir/log4j.properties" -Dkafka.logs.dir="$dir" \
    -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" >>"$dir/kafka.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/kafka.pid"
  echo "127.0.0.1:$port" >"$dir/bootstrap"

  local deadline=$((SECONDS + READY_TIMEOUT)) logged=0
  while :; do
    is_alive "$pid" || { wait "$pid" 2>/dev/null && rc=0 || rc=$?
      fail_start "$dir" "" "broker exited during startup (exit code $rc); see $dir/broker.log"; }
    if [[ $logged -eq 0 ]] && grep -q "Kafka Server started" "$dir/broker.log" 2>/dev/null; then
      logged=1
    fi
    if [[ $logged -eq 1 ]] && client_ready "127.0.0.1:$port"; then break; fi
    ((SECONDS < deadline)) ||
      fail_start "$dir" "$pid" "broker not ready after ${READY_TIMEOUT}s (stopped it); see $dir/broker.log, or raise EDGEWATCH_KAFKA_READY_TIMEOUT"
    sleep 0.2
  done
  log "Kafka $KAFKA_VERSION ready on 127.0.0.1:$port (pid $pid, dir $dir) in $(secs_since "$t0") s"
  echo "127.0.0.1:$port"
}

cmd_stop() {
  parse_dir_port "$@"
  [[ ${#REST[@]} -eq 0 && -z $PORT ]] || die $E_USAGE "stop takes only --dir (see --help)"
  local dir=$DIR pid t0
  if ! pid=$(broker_pid "$dir"); then
    rm -f "$dir/kafka.pid"
    log "no broker running for $dir"
    return 0
  fi
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || die $E_STOP "cannot signal pid $pid (permissions?)"
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while is_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if is_alive "$pid"; then
    log "broker pid $pid still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do is_alive "$pid" || break; sleep 0.1; done
    is_alive "$pid" && die $E_STOP "pid $pid survived SIGKILL; check 'ps -p $pid'"
  fi
  rm -f "$dir/kafka.pid"
  log "stopped broker pid $pid in $(secs_since "$t0") s"
}

cmd_status() {
  parse_dir_port "$@"
  local pid
  pid=$(broker_pid "$DIR") || die $E_NOTRUNNING "no broker running for $DIR; run 'kafka.sh start --dir $DIR'"
  log "running: pid $pid, dir $DIR"
  cat "$DIR/bootstrap"
}

cmd_topics() {
  local dir="$DEFAULT_DIR" args=() has_bs=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      --dir) [[ $# -ge 2 ]] || die $E_USAGE "--dir needs a value"; dir=$2; shift 2 ;;
      --dir=*) dir=${1#--dir=}; shift ;;
      --bootstrap-server|--bootstrap-server=*) has_bs=1; args+=("$1"); shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  libs_complete || die $E_PREREQ "Kafka jars missing; run 'kafka.sh fetch' first"
  need_java
  if [[ $has_bs -eq 0 ]]; then
    [[ -d $dir ]] && dir=$(cd "$dir" && pwd -P)
    broker_pid "$dir" >/dev/null ||
      die $E_NOTRUNNING "no broker running for $dir; run 'kafka.sh start --dir $dir' (or pass --bootstrap-server)"
    args=(--bootstrap-server "$(<"$dir/bootstrap")" "${args[@]}")
  fi
  run_tool org.apache.kafka.tools.TopicCommand "${args[@]}"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    fetch) cmd_fetch "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    topics) cmd_topics "$@" ;;
    help|-h|--help) usage ;;
    "") usage >&2; exit $E_USAGE ;;
    *) printf 'kafka.sh: error: unknown command %s\n\n' "$cmd" >&2; usage >&2; exit $E_USAGE ;;
  esac
}

main "$@"
