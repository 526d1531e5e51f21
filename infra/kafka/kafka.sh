#!/usr/bin/env bash
# Runs a single-node Apache Kafka (KRaft) broker on 127.0.0.1:9092 without Docker.
# The broker jars come from Maven Central through Maven (versions pinned in pom.xml) and are cached in
# infra/kafka/.jars (and ~/.m2), so only the very first start needs the network. Every fetch and start checks
# the cached jars against the SHA-256 sums in jars.sha256: a missing, extra or corrupted jar is reported and
# the set fetched again.
#
#   infra/kafka/kafka.sh start     fetch jars if needed, format storage once, start, wait until ready
#   infra/kafka/kafka.sh stop      stop the broker this script started (waits for a clean shutdown)
#   infra/kafka/kafka.sh restart   stop, then start with the same data
#   infra/kafka/kafka.sh reset     stop and delete all broker data (a clean, empty broker on next start)
#   infra/kafka/kafka.sh status    exit 0 when a broker answers on 127.0.0.1:9092
#   infra/kafka/kafka.sh fetch     only fetch (or check) the jars
#   infra/kafka/kafka.sh verify    exit 0 when the cached jars match jars.sha256
#
# Secure mode (issue #13): KAFKA_SECURE=1 runs the broker with SASL/SCRAM-SHA-512 and ACLs (StandardAuthorizer; what
# no ACL allows is denied). The super user `admin` (password KAFKA_ADMIN_PASSWORD) and the users of KAFKA_SCRAM_USERS
# ("name:password name:password …") are created when the storage is formatted; grant them access with
# `plaza kafka-acls`. KAFKA_PORT / KAFKA_CONTROLLER_PORT move the broker off 9092/9093 (tests use their own ports, with
# their own KAFKA_DATA_DIR). The controller listener stays PLAINTEXT on 127.0.0.1 (KRaft cannot authenticate it with
# SCRAM), its ANONYMOUS principal being the broker itself.
#
# Environment: KAFKA_DATA_DIR (default infra/kafka/.data), KAFKA_JARS_DIR (default infra/kafka/.jars),
# KAFKA_START_TIMEOUT seconds (default 90), KAFKA_HEAP (default -Xms128m -Xmx512m), KAFKA_MAVEN_REPO (Maven's
# local repository, default ~/.m2/repository), KAFKA_MAVEN_OFFLINE=1 (Maven offline: only what is cached).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_dir="${KAFKA_DATA_DIR:-$here/.data}"
jars_dir="${KAFKA_JARS_DIR:-$here/.jars}"
timeout_s="${KAFKA_START_TIMEOUT:-90}"
heap="${KAFKA_HEAP:--Xms128m -Xmx512m}"
sums_file="$here/jars.sha256"
pid_file="$data_dir/broker.pid"
log_file="$data_dir/broker.log"
host=127.0.0.1
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
secure="${KAFKA_SECURE:-0}"

log() { printf '[kafka] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}

# The jar names jars.sha256 lists, one a line.
expected_jars() { grep -v '^#' "$sums_file" | awk 'NF == 2 { print $2 }'; }

# Prints one line per jar in $1 that is missing, extra or has another SHA-256 than jars.sha256; fails if any.
verify_jars() {
  local dir="$1" bad=0 sum name actual file
  while read -r sum name; do
    [[ -z "$sum" || "$sum" == \#* ]] && continue
    if [[ ! -f "$dir/$name" ]]; then echo "  $name: missing"; bad=1; continue; fi
    actual="$(sha256 "$dir/$name")"
    if [[ "$actual" != "$sum" ]]; then echo "  $name: checksum mismatch (sha256 $actual, expected $sum)"; bad=1; fi
  done <"$sums_file"
  for file in "$dir"/*.jar; do
    [[ -e "$file" ]] || continue
    grep -q " ${file##*/}\$" "$sums_file" || { echo "  ${file##*/}: not in jars.sha256"; bad=1; }
  done
  return "$bad"
}

fetch() {
  local problems
  if [[ -f "$jars_dir/.complete" ]]; then
    if problems="$(verify_jars "$jars_dir")"; then return 0; fi
    log "the cached broker jars in $jars_dir do not match infra/kafka/jars.sha256:"
    printf '%s\n' "$problems" >&2
    log "fetching them again"
  fi
  if ! command -v mvn >/dev/null; then
    log "Maven (mvn) is needed to fetch the Kafka broker jars: install it (Debian/Ubuntu and WSL: sudo apt install maven; macOS: brew install maven)"
    exit 1
  fi
  local -a mvn_args=(-B -q -Dstyle.color=never -f "$here/pom.xml")
  [[ -n "${KAFKA_MAVEN_REPO:-}" ]] && mvn_args+=("-Dmaven.repo.local=$KAFKA_MAVEN_REPO")
  [[ "${KAFKA_MAVEN_OFFLINE:-}" == 1 ]] && mvn_args+=(-o)
  log "fetching Kafka broker jars with Maven into $jars_dir"
  rm -rf "$jars_dir.tmp"
  if ! mvn "${mvn_args[@]}" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$jars_dir.tmp" >"$jars_dir.fetch.log" 2>&1; then
    local -a missing=()
    while read -r name; do [[ -f "$jars_dir/$name" ]] || missing+=("$name"); done < <(expected_jars | grep '^kafka_'; expected_jars | grep -v '^kafka_')
    log "cannot fetch the Kafka broker jars: Maven could not get them from Maven Central (no network?) and they are not cached."
    log "missing: ${#missing[@]} of $(expected_jars | wc -l | tr -d ' ') jars (${missing[*]:0:4}${missing[4]:+ …}), neither in $jars_dir nor in Maven's local repository (${KAFKA_MAVEN_REPO:-~/.m2/repository})."
    log "connect this machine to the network once and run infra/kafka/kafka.sh fetch; Maven said: $(sed 's/\x1b\[[0-9;]*m//g' "$jars_dir.fetch.log" | grep -m1 '\[ERROR\]' | cut -c1-300)"
    rm -rf "$jars_dir.tmp"
    exit 1
  fi
  if ! problems="$(verify_jars "$jars_dir.tmp")"; then
    log "the jars Maven delivered do not match infra/kafka/jars.sha256:"
    printf '%s\n' "$problems" >&2
    log "Maven's local repository (${KAFKA_MAVEN_REPO:-~/.m2/repository}) may hold a corrupted copy: delete those artifacts there and run infra/kafka/kafka.sh fetch again"
    rm -rf "$jars_dir.tmp"
    exit 1
  fi
  rm -rf "$jars_dir"
  mv "$jars_dir.tmp" "$jars_dir"
  touch "$jars_dir/.complete"
  log "broker jars fetched and verified ($(expected_jars | wc -l | tr -d ' ') jars, SHA-256)"
}

java_opts() {
  # SerialGC and C1-only compilation start the JVM faster; a development broker needs neither G1 nor C2.
  echo "$heap -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -Dlog4j2.configurationFile=$here/log4j2.properties"
}

start() {
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    wait_ready
    return 0
  fi
  if port_open; then
    log "a broker already answers on $host:$port; using it"
    return 0
  fi
  command -v java >/dev/null || { log "a Java 17+ runtime (java) is required"; exit 1; }
  fetch
  mkdir -p "$data_dir"
  # The effective config is server.properties plus the data folder (and the ports, and secure mode's settings).
  { sed -e "s/127.0.0.1:9092/127.0.0.1:$port/g" -e "s/127.0.0.1:9093/127.0.0.1:$controller_port/g" "$here/server.properties"
    echo "log.dirs=$data_dir/kraft-logs"
    [[ "$secure" == 1 ]] && secure_properties
  } >"$data_dir/server.properties"
  local -a scram=()
  if [[ "$secure" == 1 ]]; then
    [[ -n "${KAFKA_ADMIN_PASSWORD:-}" ]] || { log "KAFKA_SECURE=1 needs KAFKA_ADMIN_PASSWORD"; exit 1; }
    scram+=(--add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]")
    local user
    for user in ${KAFKA_SCRAM_USERS:-}; do scram+=(--add-scram "SCRAM-SHA-512=[name=${user%%:*},password=${user#*:}]"); done
  fi
  if [[ ! -f "$data_dir/kraft-logs/meta.properties" ]]; then
    local cluster_id
    # Like Kafka's own Uuid.randomUuid: never an id starting with '-', which the format tool would read as an option
    # (1 start in 64 failed with "argument --cluster-id/-t: expected one argument").
    cluster_id="-"
    while [[ "$cluster_id" == -* ]]; do
      cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    done
    log "formatting storage in $data_dir (cluster $cluster_id)"
    # shellcheck disable=SC2046
    java $(java_opts) -cp "$jars_dir/*" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$data_dir/server.properties" --ignore-formatted ${scram[@]+"${scram[@]}"} >"$data_dir/format.log" 2>&1 \
      || { cat "$data_dir/format.log" >&2; exit 1; }
  fi
  log "starting broker on $host:$port (log: $log_file)"
  : >"$log_file"
  # shellcheck disable=SC2046
  nohup java $(java_opts) -cp "$jars_dir/*" kafka.Kafka "$data_dir/server.properties" \
    >>"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"
  wait_ready
}

# Secure mode's broker settings, appended after server.properties (a later key wins).
secure_properties() {
  cat <<PROPS
listeners=SASL_PLAINTEXT://$host:$port,CONTROLLER://$host:$controller_port
advertised.listeners=SASL_PLAINTEXT://$host:$port
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS
PROPS
}

wait_ready() {
  local started=$SECONDS
  while true; do
    if grep -q 'Kafka Server started' "$log_file" 2>/dev/null && port_open; then
      log "ready after $((SECONDS - started)) s"
      return 0
    fi
    if ! running_pid >/dev/null; then
      log "broker exited during start; last log lines:"
      tail -n 30 "$log_file" >&2 || true
      exit 1
    fi
    if (( SECONDS - started > timeout_s )); then
      log "not ready after ${timeout_s}s; last log lines:"
      tail -n 30 "$log_file" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pid_file"
    log "not running"
    return 0
  fi
  log "stopping broker (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pid_file"; log "stopped"; return 0; }
    sleep 0.1
  done
  log "broker did not stop in 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  reset) stop; rm -rf "$data_dir"; log "data removed" ;;
  status) port_open ;;
  fetch) fetch ;;
  verify) verify_jars "$jars_dir" ;;
  *) echo "usage: $0 start|stop|restart|reset|status|fetch|verify" >&2; exit 2 ;;
esac
