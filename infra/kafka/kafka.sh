#!/usr/bin/env bash
# Runs Apache Kafka (KRaft) without Docker: one broker on 127.0.0.1:9092 (the default), or a three-node cluster
# on this machine when KAFKA_NODES=3 (three controller+broker processes, each with its own ports and data folder).
# The broker jars come from Maven Central through Maven (versions pinned in pom.xml) and are cached in
# infra/kafka/.jars (and ~/.m2), so only the very first start needs the network. Every fetch and start checks
# the cached jars against the SHA-256 sums in jars.sha256: a missing, extra or corrupted jar is reported and
# the set fetched again.
#
#   infra/kafka/kafka.sh start [N]    fetch jars if needed, format storage once, start, wait until ready
#   infra/kafka/kafka.sh stop [N]     stop the broker(s) this script started (waits for a clean shutdown)
#   infra/kafka/kafka.sh restart [N]  stop, then start with the same data
#   infra/kafka/kafka.sh kill N       kill -9 node N (fault tests; `start N` brings it back on its data)
#   infra/kafka/kafka.sh reset        stop and delete all broker data (a clean, empty broker on next start)
#   infra/kafka/kafka.sh status       exit 0 when every broker answers
#   infra/kafka/kafka.sh brokers      print the bootstrap list (host:port,…) for KAFKA_BROKERS
#   infra/kafka/kafka.sh ca           print the CA file clients trust (KAFKA_TLS=1; KAFKA_TLS_CA_FILE)
#   infra/kafka/kafka.sh fetch        only fetch (or check) the jars
#   infra/kafka/kafka.sh verify       exit 0 when the cached jars match jars.sha256
# N is a node number (1…KAFKA_NODES); without it the command applies to every node.
#
# Environment: KAFKA_NODES (1 or 3, default 1), KAFKA_PORT (first broker port, default 9092; node n listens on
# KAFKA_PORT+2(n-1) for clients and the port after it for the controller quorum, so one node keeps 9092/9093 and
# three use 9092…9097), KAFKA_DATA_DIR (default infra/kafka/.data; node n of a cluster keeps its data in node-n/
# under it), KAFKA_JARS_DIR (default infra/kafka/.jars), KAFKA_START_TIMEOUT seconds (default 90), KAFKA_HEAP
# (default -Xms128m -Xmx512m, per node -Xms64m -Xmx384m in a cluster), KAFKA_MAVEN_REPO (Maven's local repository,
# default ~/.m2/repository), KAFKA_MAVEN_OFFLINE=1 (Maven offline: only what is cached).
#
# Secure mode (issue #13): KAFKA_SECURE=1 runs a single broker with SASL/SCRAM-SHA-512 and ACLs (StandardAuthorizer;
# what no ACL allows is denied). The super user `admin` (password KAFKA_ADMIN_PASSWORD) and the users of
# KAFKA_SCRAM_USERS ("name:password name:password …") are created when the storage is formatted; grant them access
# with `plaza kafka-acls`. Tests move it off 9092 with KAFKA_PORT and their own KAFKA_DATA_DIR. The controller listener
# stays PLAINTEXT on 127.0.0.1 (KRaft cannot authenticate it with SCRAM), its ANONYMOUS principal being the broker
# itself. With KAFKA_NODES=3 every node gets the same users and settings, and the brokers replicate to each other
# over the SASL listener as `admin`.
#
# TLS (KAFKA_TLS=1, with or without KAFKA_SECURE=1): the client listener speaks TLS (SASL_SSL, or SSL without
# KAFKA_SECURE). On the first start a private CA and one broker certificate for 127.0.0.1/localhost are made with
# openssl and keytool into tls/ under KAFKA_DATA_DIR (git-ignored, removed by `reset`); clients trust that CA
# through the file `kafka.sh ca` prints (services: KAFKA_TLS=true KAFKA_TLS_CA_FILE=<that file>).
#
# A cluster sets replication for Kafka's own topics to 3 with min.insync.replicas 2 (so a write acknowledged with
# acks=all survives losing any one node) and never elects an out-of-sync replica; Plaza's topics get the same
# (libs/kafka ensureTopics picks them from the broker count). docs/reliability.md has the production settings.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_dir="${KAFKA_DATA_DIR:-$here/.data}"
jars_dir="${KAFKA_JARS_DIR:-$here/.jars}"
timeout_s="${KAFKA_START_TIMEOUT:-90}"
nodes="${KAFKA_NODES:-1}"
base_port="${KAFKA_PORT:-9092}"
secure="${KAFKA_SECURE:-0}"
tls="${KAFKA_TLS:-0}"
[[ "$tls" == true ]] && tls=1
if [[ "$nodes" != 1 && "$nodes" != 3 ]]; then
  echo "[kafka] KAFKA_NODES must be 1 or 3, got $nodes" >&2
  exit 2
fi
if (( nodes == 1 )); then heap="${KAFKA_HEAP:--Xms128m -Xmx512m}"; else heap="${KAFKA_HEAP:--Xms64m -Xmx384m}"; fi
sums_file="$here/jars.sha256"
host=127.0.0.1

# One node keeps its files directly in the data folder (as before clusters existed); node n of a cluster in node-n/.
node_dir() { if (( nodes == 1 )); then echo "$data_dir"; else echo "$data_dir/node-$1"; fi; }
node_port() { echo $((base_port + 2 * ($1 - 1))); }
controller_port() { echo $((base_port + 2 * ($1 - 1) + 1)); }
pid_file() { echo "$(node_dir "$1")/broker.pid"; }
log_file() { echo "$(node_dir "$1")/broker.log"; }
all_nodes() { seq 1 "$nodes"; }

log() { printf '[kafka] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

# The pid of node $1 when the process this script started for it still runs.
running_pid() {
  local pid pf
  pf="$(pid_file "$1")"
  [[ -f "$pf" ]] || return 1
  pid="$(cat "$pf")"
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

# The node's effective config: server.properties, then what differs per node and for a cluster (a later line of
# a Java properties file wins over an earlier one).
write_config() {
  local n="$1" dir voters="" i
  dir="$(node_dir "$n")"
  for i in $(all_nodes); do voters+="${voters:+,}$i@$host:$(controller_port "$i")"; done
  {
    cat "$here/server.properties"
    echo ""
    echo "# written by kafka.sh for node $n of $nodes"
    echo "node.id=$n"
    echo "controller.quorum.voters=$voters"
    echo "listeners=PLAINTEXT://$host:$(node_port "$n"),CONTROLLER://$host:$(controller_port "$n")"
    echo "advertised.listeners=PLAINTEXT://$host:$(node_port "$n")"
    echo "log.dirs=$dir/kraft-logs"
    if [[ "$secure" == 1 || "$tls" == 1 ]]; then secure_properties "$(node_port "$n")" "$(controller_port "$n")"; fi
    if (( nodes == 3 )); then
      echo "default.replication.factor=3"
      echo "min.insync.replicas=2"
      echo "unclean.leader.election.enable=false"
      echo "offsets.topic.replication.factor=3"
      echo "transaction.state.log.replication.factor=3"
      echo "transaction.state.log.min.isr=2"
      echo "share.coordinator.state.topic.replication.factor=3"
      echo "share.coordinator.state.topic.min.isr=2"
    fi
  } >"$dir/server.properties"
}

# A cluster's nodes share one cluster id, made once and kept beside their folders.
cluster_id() {
  local file="$data_dir/cluster.id" id
  if [[ -f "$file" ]]; then cat "$file"; return 0; fi
  # Like Kafka's own Uuid.randomUuid: never an id starting with '-', which the format tool would read as an option
  # (1 start in 64 failed with "argument --cluster-id/-t: expected one argument").
  id="-"
  while [[ "$id" == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  mkdir -p "$data_dir"
  echo "$id" >"$file"
  echo "$id"
}

# Formats node $1's storage once (its config written first).
format_node() {
  local n="$1" dir id
  dir="$(node_dir "$n")"
  mkdir -p "$dir"
  write_config "$n"
  [[ -f "$dir/kraft-logs/meta.properties" ]] && return 0
  id="$(cluster_id)"
  log "formatting storage in $dir (cluster $id)"
  local -a scram=()
  if [[ "$secure" == 1 ]]; then
    [[ -n "${KAFKA_ADMIN_PASSWORD:-}" ]] || { log "KAFKA_SECURE=1 needs KAFKA_ADMIN_PASSWORD"; return 1; }
    scram+=(--add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]")
    local user
    for user in ${KAFKA_SCRAM_USERS:-}; do scram+=(--add-scram "SCRAM-SHA-512=[name=${user%%:*},password=${user#*:}]"); done
  fi
  # shellcheck disable=SC2046
  java $(java_opts) -cp "$jars_dir/*" kafka.tools.StorageTool format -t "$id" \
    -c "$dir/server.properties" --ignore-formatted ${scram[@]+"${scram[@]}"} >"$dir/format.log" 2>&1 \
    || { cat "$dir/format.log" >&2; return 1; }
}

# The client listener's security protocol: SASL (KAFKA_SECURE=1) and/or TLS (KAFKA_TLS=1).
client_protocol() {
  case "$secure$tls" in
    11) echo SASL_SSL ;;
    10) echo SASL_PLAINTEXT ;;
    01) echo SSL ;;
    *) echo PLAINTEXT ;;
  esac
}

# Secure mode's broker settings for a broker on port $1 with its controller on $2 (a later key wins).
secure_properties() {
  local proto
  proto="$(client_protocol)"
  cat <<PROPS
listeners=$proto://$host:$1,CONTROLLER://$host:$2
advertised.listeners=$proto://$host:$1
inter.broker.listener.name=$proto
listener.security.protocol.map=CONTROLLER:PLAINTEXT,$proto:$proto
PROPS
  if [[ "$secure" == 1 ]]; then
    cat <<PROPS
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.${proto,,}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS
PROPS
  fi
  if [[ "$tls" == 1 ]]; then
    local t="$data_dir/tls"
    cat <<PROPS
ssl.keystore.type=PKCS12
ssl.keystore.location=$t/broker.p12
ssl.keystore.password=$(cat "$t/store-password")
ssl.key.password=$(cat "$t/store-password")
ssl.truststore.type=PKCS12
ssl.truststore.location=$t/truststore.p12
ssl.truststore.password=$(cat "$t/store-password")
ssl.endpoint.identification.algorithm=https
PROPS
  fi
}

# The private CA and the brokers' certificate for KAFKA_TLS=1, made once into $data_dir/tls (kept with the data):
# ca.pem is what clients trust (`kafka.sh ca`); broker.p12 and truststore.p12 are the brokers' key and trust stores.
tls_material() {
  local t="$data_dir/tls"
  [[ -f "$t/.complete" ]] && return 0
  command -v openssl >/dev/null || { log "KAFKA_TLS=1 needs openssl to make the broker's certificate"; return 1; }
  command -v keytool >/dev/null || { log "KAFKA_TLS=1 needs keytool (part of the JDK) for the broker's trust store"; return 1; }
  rm -rf "$t"
  mkdir -p "$t"
  chmod 700 "$t"
  log "making a private CA and the broker certificate for 127.0.0.1/localhost in $t"
  head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$t/store-password"
  local pw
  pw="$(cat "$t/store-password")"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=Plaza development Kafka CA" \
      -keyout "$t/ca.key" -out "$t/ca.pem" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$t/broker.key" -out "$t/broker.csr"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' >"$t/broker.ext"
    openssl x509 -req -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 825 \
      -extfile "$t/broker.ext" -out "$t/broker.pem"
    openssl pkcs12 -export -name broker -inkey "$t/broker.key" -in "$t/broker.pem" -certfile "$t/ca.pem" \
      -out "$t/broker.p12" -passout "pass:$pw"
    keytool -importcert -noprompt -alias plaza-ca -file "$t/ca.pem" -keystore "$t/truststore.p12" \
      -storetype PKCS12 -storepass "$pw"
  } >"$t/make.log" 2>&1 || { cat "$t/make.log" >&2; log "could not make the TLS material"; return 1; }
  rm -f "$t/broker.csr" "$t/broker.ext" "$t/ca.key"
  touch "$t/.complete"
}

# Starts node $1 in the background (no wait).
launch() {
  local n="$1" dir
  dir="$(node_dir "$n")"
  log "starting node $n on $host:$(node_port "$n") (log: $(log_file "$n"))"
  : >"$(log_file "$n")"
  # shellcheck disable=SC2046
  nohup java $(java_opts) -cp "$jars_dir/*" kafka.Kafka "$dir/server.properties" \
    >>"$(log_file "$n")" 2>&1 </dev/null &
  echo $! >"$(pid_file "$n")"
}

start() {
  local n pid foreign=() need=() pids=()
  for n in "$@"; do
    if running_pid "$n" >/dev/null; then continue; fi
    if port_open "$(node_port "$n")"; then
      log "a broker already answers on $host:$(node_port "$n"); using it"
      foreign+=("$n")
    else
      need+=("$n")
    fi
  done
  if (( ${#need[@]} > 0 )); then
    command -v java >/dev/null || { log "a Java 17+ runtime (java) is required"; exit 1; }
    fetch
    cluster_id >/dev/null
    if [[ "$tls" == 1 ]]; then tls_material || exit 1; fi
    # Formatting starts a JVM per node: the nodes format side by side.
    for n in "${need[@]}"; do format_node "$n" & pids+=($!); done
    for pid in "${pids[@]}"; do wait "$pid" || exit 1; done
    # The nodes of a cluster start together: each waits for a controller quorum, a majority of them.
    for n in "${need[@]}"; do launch "$n"; done
  fi
  for n in "$@"; do
    [[ " ${foreign[*]} " == *" $n "* ]] && continue
    wait_ready "$n"
  done
}

wait_ready() {
  local n="$1" started=$SECONDS lf
  lf="$(log_file "$n")"
  while true; do
    if grep -q 'Kafka Server started' "$lf" 2>/dev/null && port_open "$(node_port "$n")"; then
      log "node $n ready after $((SECONDS - started)) s"
      return 0
    fi
    if ! running_pid "$n" >/dev/null; then
      log "node $n exited during start; last log lines:"
      tail -n 30 "$lf" >&2 || true
      exit 1
    fi
    if (( SECONDS - started > timeout_s )); then
      log "node $n not ready after ${timeout_s}s; last log lines:"
      tail -n 30 "$lf" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

stop_node() {
  local n="$1" pid
  if ! pid="$(running_pid "$n")"; then
    rm -f "$(pid_file "$n")"
    log "node $n not running"
    return 0
  fi
  log "stopping node $n (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$(pid_file "$n")"; log "node $n stopped"; return 0; }
    sleep 0.1
  done
  log "node $n did not stop in 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$(pid_file "$n")"
}

stop() {
  local n pids=()
  # The last broker of a cluster to stop waits for a controller that is already gone: stop them in parallel.
  for n in "$@"; do stop_node "$n" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid"; done
}

kill_node() {
  local n="$1" pid
  if ! pid="$(running_pid "$n")"; then log "node $n not running"; return 0; fi
  log "kill -9 node $n (pid $pid)"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$(pid_file "$n")"
}

status() {
  local n
  for n in $(all_nodes); do port_open "$(node_port "$n")" || return 1; done
}

brokers() {
  local n list=""
  for n in $(all_nodes); do list+="${list:+,}$host:$(node_port "$n")"; done
  echo "$list"
}

# The node numbers a command applies to: the one named, or all.
targets() {
  if [[ -n "${1:-}" ]]; then
    [[ "$1" =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= nodes )) || { echo "[kafka] no node $1 (KAFKA_NODES=$nodes)" >&2; exit 2; }
    echo "$1"
  else
    all_nodes
  fi
}

case "${1:-}" in
  start) mapfile -t ns < <(targets "${2:-}"); start "${ns[@]}" ;;
  stop) mapfile -t ns < <(targets "${2:-}"); stop "${ns[@]}" ;;
  restart) mapfile -t ns < <(targets "${2:-}"); stop "${ns[@]}"; start "${ns[@]}" ;;
  kill) [[ -n "${2:-}" ]] || { echo "usage: $0 kill N" >&2; exit 2; }; mapfile -t ns < <(targets "$2"); kill_node "${ns[0]}" ;;
  reset) mapfile -t ns < <(all_nodes); stop "${ns[@]}"; rm -rf "$data_dir"; log "data removed" ;;
  status) status ;;
  brokers) brokers ;;
  ca) [[ -f "$data_dir/tls/ca.pem" ]] || { log "no CA yet: start with KAFKA_TLS=1 first"; exit 1; }; echo "$data_dir/tls/ca.pem" ;;
  fetch) fetch ;;
  verify) verify_jars "$jars_dir" ;;
  *) echo "usage: $0 start|stop|restart [N] | kill N | reset|status|brokers|ca|fetch|verify" >&2; exit 2 ;;
esac
