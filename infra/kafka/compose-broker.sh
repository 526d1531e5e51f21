#!/bin/sh
# The Kafka broker of infra/docker-compose.yml (the apache/kafka image runs this as its entry point): one KRaft node
# with SASL/SCRAM-SHA-512 and ACLs, the same settings as `KAFKA_SECURE=1 infra/kafka/kafka.sh start`.
# - Clients authenticate on the SASL listener (kafka:9092, on the internal `data` network only); what no ACL allows is
#   denied, and `plaza kafka-acls` (the compose file's kafka-acls step) grants each service its own topic.
# - The SCRAM users are created when the storage is formatted (the first start on an empty volume): `admin` (the
#   super user kafka-acls connects as) and plaza-proposals, plaza-voting, plaza-audit, passwords from Docker secrets.
# - The controller listener is bound to 127.0.0.1 inside the container: its ANONYMOUS principal (the broker talking
#   to itself) is a super user, so nothing else may reach it.
# Tests run it outside Docker with PLAZA_SECRETS_DIR, KAFKA_HOME, PLAZA_KAFKA_DATA, PLAZA_KAFKA_CONF, PLAZA_KAFKA_PORT,
# PLAZA_KAFKA_CONTROLLER_PORT and PLAZA_KAFKA_ADVERTISED (host:port) set.
# Rotating a service's password after the first start: README "Deploy" (kafka-configs.sh --alter as admin).
set -eu

secrets="${PLAZA_SECRETS_DIR:-/run/secrets}"
kafka_home="${KAFKA_HOME:-/opt/kafka}"
data="${PLAZA_KAFKA_DATA:-/var/lib/kafka/data}"
conf="${PLAZA_KAFKA_CONF:-/tmp/plaza-kafka}"
port="${PLAZA_KAFKA_PORT:-9092}"
controller_port="${PLAZA_KAFKA_CONTROLLER_PORT:-9093}"
advertised="${PLAZA_KAFKA_ADVERTISED:-kafka:$port}"

secret() {
  [ -s "$secrets/$1" ] || { echo "[kafka] missing Docker secret $1 (run node infra/secrets.js)" >&2; exit 1; }
  tr -d '\r\n' <"$secrets/$1"
}

admin_password="$(secret kafka_admin_password)"
mkdir -p "$data" "$conf"
chmod 700 "$conf"
umask 077
cat >"$conf/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=SASL_PLAINTEXT://:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=SASL_PLAINTEXT://$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS
log.dirs=$data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
# What the healthcheck (and an operator in the container) connects with.
cat >"$conf/admin-client.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
PROPS

if [ ! -f "$data/meta.properties" ]; then
  cluster_id="$("$kafka_home/bin/kafka-storage.sh" random-uuid)"
  echo "[kafka] formatting $data (cluster $cluster_id) with the SCRAM users admin, plaza-proposals, plaza-voting, plaza-audit" >&2
  "$kafka_home/bin/kafka-storage.sh" format -t "$cluster_id" -c "$conf/server.properties" --ignore-formatted \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$admin_password]" \
    --add-scram "SCRAM-SHA-512=[name=plaza-proposals,password=$(secret kafka_proposals_password)]" \
    --add-scram "SCRAM-SHA-512=[name=plaza-voting,password=$(secret kafka_voting_password)]" \
    --add-scram "SCRAM-SHA-512=[name=plaza-audit,password=$(secret kafka_audit_password)]" >/dev/null
fi
exec "$kafka_home/bin/kafka-server-start.sh" "$conf/server.properties"
