#!/usr/bin/env bash
# Starts the local infrastructure of the "services over Kafka" mode, on loopback, without Docker:
#   kafka     Apache Kafka (KRaft combined broker+controller) from its Maven Central jars,
#             run with the machine's Java   -> 127.0.0.1:9092 (controller 127.0.0.1:9093)
#   redis     Debian's redis-server, a dedicated instance, no persistence -> 127.0.0.1:6379
#   rabbitmq  Debian's rabbitmq-server, a dedicated node (sentinel@localhost) -> 127.0.0.1:5672
#
# Usage: scripts/dev-up.sh [kafka] [redis] [rabbitmq]      (default: all three)
# Idempotent: a service whose port already answers is left alone. Waits until each one answers
# (Kafka: a metadata call; Redis: PING; RabbitMQ: diagnostics ping) and exits non-zero with the tail
# of the failing service's log otherwise. State lives under .cache/ (git-ignored); scripts/dev-down.sh
# stops what this started (`--purge` also deletes the data).
#
# Helpers: scripts/kafka-tool.sh topics --list (Kafka CLI classes with the cached jars),
# scripts/rabbitmqctl.sh status (RabbitMQ CLI against this node), scripts/kafka-restart.sh.
#
# Env overrides: KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_VERSION (e.g. "3.9.1"), KAFKA_HEAP,
# REDIS_PORT, RABBITMQ_PORT, RABBITMQ_NODENAME, *_START_TIMEOUT (seconds), SENTINEL_DEV_CACHE.
set -euo pipefail
# shellcheck source=dev-lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/dev-lib.sh"

parse_services "$@" || exit 2
mkdir -p "$CACHE"
T0=$SECONDS

want() { local s; for s in "${SERVICES[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

# ================================== Kafka ========================================================
kafka_libs_ok() {
  [ -s "$KAFKA_LIBS/.version" ] || return 1
  local v; v="$(cat "$KAFKA_LIBS/.version")"
  [ -f "$KAFKA_LIBS/kafka_2.13-$v.jar" ] && [ -f "$KAFKA_LIBS/kafka-tools-$v.jar" ] \
    && [ -f "$KAFKA_LIBS/slf4j-reload4j-1.7.36.jar" ] || return 1
  # A KAFKA_VERSION override that differs from what is cached forces a re-resolve.
  if [ -n "${KAFKA_VERSION:-}" ] && [ "$KAFKA_VERSION" != "$v" ]; then return 1; fi
  KAFKA_VER="$v"
}

kafka_fetch_libs() {
  if kafka_libs_ok; then return 0; fi
  command -v java >/dev/null || { fail "java not found (need JDK 11+; 17 recommended)"; return 1; }
  command -v mvn >/dev/null || { fail "mvn not found (need Maven 3.x to fetch the Kafka jars)"; return 1; }
  local v tmp pomdir="$KAFKA_DIR/pom"
  mkdir -p "$pomdir"
  for v in $KAFKA_VERSIONS; do
    say "kafka: resolving org.apache.kafka:kafka_2.13:$v from Maven Central (mvn)"
    cat >"$pomdir/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Throwaway POM written by scripts/dev-up.sh: only used to collect Kafka's runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.sentinel.dev</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$v</version></dependency>
    <!-- the CLI classes (org.apache.kafka.tools.TopicCommand, ConsumerGroupCommand, ...) -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$v</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
  </dependencies>
</project>
EOF
    tmp="$KAFKA_DIR/libs.tmp"
    rm -rf "$tmp"
    if (cd "$pomdir" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime \
          -DoutputDirectory="$tmp" >"$KAFKA_DIR/mvn.log" 2>&1) \
       && [ -f "$tmp/kafka_2.13-$v.jar" ]; then
      echo "$v" >"$tmp/.version"
      rm -rf "$KAFKA_LIBS"
      mv "$tmp" "$KAFKA_LIBS"
      KAFKA_VER="$v"
      say "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in ${KAFKA_LIBS#"$ROOT"/}"
      return 0
    fi
    warn "kafka $v did not resolve (see ${KAFKA_DIR#"$ROOT"/}/mvn.log)"
  done
  rm -rf "$KAFKA_DIR/libs.tmp"
  fail "kafka: none of [$KAFKA_VERSIONS] could be fetched with Maven"
  show_log_tail "$KAFKA_DIR/mvn.log" 20
  return 1
}

kafka_write_config() {
  mkdir -p "$KAFKA_DATA" "$KAFKA_DIR/logs"
  cat >"$KAFKA_PROPS" <<EOF
# Written by scripts/dev-up.sh on each start; edit the script, not this file.
# Single-node KRaft, combined broker + controller, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
# The apps create their topics explicitly; auto-creation stays on for convenience (kcat, tests).
auto.create.topics.enable=true
num.partitions=12
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=12
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
EOF
  cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
  cat >"$KAFKA_DIR/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# kafka_tool CLASS ARGS...: run one of Kafka's command-line classes with the cached classpath.
# (scripts/kafka-tool.sh does the same from the command line.)
kafka_tool() {
  java -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

kafka_format() {
  if [ -f "$KAFKA_DATA/meta.properties" ]; then return 0; fi
  local id
  if [ -s "$KAFKA_DIR/cluster.id" ]; then
    id="$(cat "$KAFKA_DIR/cluster.id")"
  else
    id="$(kafka_tool kafka.tools.StorageTool random-uuid | tail -n 1 | tr -d '[:space:]')"
    [ -n "$id" ] || { fail "kafka: StorageTool random-uuid printed nothing"; return 1; }
    echo "$id" >"$KAFKA_DIR/cluster.id"
  fi
  say "kafka: formatting ${KAFKA_DATA#"$ROOT"/} (cluster id $id)"
  if ! kafka_tool kafka.tools.StorageTool format -t "$id" -c "$KAFKA_PROPS" --ignore-formatted \
       >"$KAFKA_DIR/format.log" 2>&1; then
    fail "kafka: storage format failed"; show_log_tail "$KAFKA_DIR/format.log" 20; return 1
  fi
}

# Metadata round trip: kcat when installed (fast), else Kafka's own TopicCommand (a JVM start).
kafka_metadata_ok() {
  if command -v kcat >/dev/null; then
    kcat -L -b "$KAFKA_HOST:$KAFKA_PORT" -m 5 2>/dev/null | grep -q ' 1 brokers:'
  else
    printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=8000\n' >"$KAFKA_DIR/tools-client.properties"
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" \
      --command-config "$KAFKA_DIR/tools-client.properties" --list >/dev/null 2>&1
  fi
}

KAFKA_STARTED=0
kafka_start() {
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    if pid_alive "$KAFKA_PID" kafka.Kafka; then
      say "kafka: already running (pid $(pid_of "$KAFKA_PID")), leaving it"; return 0
    fi
    if kafka_metadata_ok; then
      say "kafka: a broker not started by dev-up already answers on $KAFKA_HOST:$KAFKA_PORT, leaving it"; return 0
    fi
    # The port accepts but no broker answers: typically a broker that was just killed (kill -9) and
    # whose sockets the kernel has not torn down yet. Wait for the port to close, then start afresh.
    say "kafka: $KAFKA_HOST:$KAFKA_PORT accepts connections but no broker answers; waiting up to 30 s for it to close"
    local j
    for ((j = 0; j < 60; j++)); do port_open "$KAFKA_HOST" "$KAFKA_PORT" || break; sleep 0.5; done
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      fail "kafka: $KAFKA_HOST:$KAFKA_PORT is held by something that is not a working Kafka broker"
      ss -ltnp 2>/dev/null | grep ":$KAFKA_PORT " >&2 || true
      return 1
    fi
  fi
  if pid_alive "$KAFKA_PID" kafka.Kafka; then
    # Still booting (a previous dev-up was interrupted) or dying (just killed): give it 10 s to decide.
    local i
    for ((i = 0; i < 40; i++)); do
      port_open "$KAFKA_HOST" "$KAFKA_PORT" && break
      pid_alive "$KAFKA_PID" kafka.Kafka || break
      sleep 0.25
    done
    if pid_alive "$KAFKA_PID" kafka.Kafka; then
      say "kafka: pid $(pid_of "$KAFKA_PID") is already running (starting up), waiting for it"
      KAFKA_STARTED=1; return 0
    fi
  fi
  rm -f "$KAFKA_PID"
  kafka_fetch_libs || return 1
  kafka_write_config || return 1
  kafka_format || return 1
  [ -f "$KAFKA_LOG" ] && mv -f "$KAFKA_LOG" "$KAFKA_LOG.1"
  say "kafka: starting $KAFKA_VER on $KAFKA_HOST:$KAFKA_PORT (log ${KAFKA_LOG#"$ROOT"/})"
  # setsid: own session, so it outlives this shell; bash writes its pid then becomes the JVM.
  # shellcheck disable=SC2086,SC2016
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PID" \
    java $KAFKA_HEAP -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KAFKA_DIR/logs" \
      -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" \
    >>"$KAFKA_LOG" 2>&1 </dev/null &
  await_pidfile "$KAFKA_PID" || { fail "kafka: the launcher did not write $KAFKA_PID"; return 1; }
  KAFKA_STARTED=1
}

kafka_wait() {
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) t=$SECONDS
  while :; do
    if port_open "$KAFKA_HOST" "$KAFKA_PORT" && kafka_metadata_ok; then
      say "kafka: ready on $KAFKA_HOST:$KAFKA_PORT ($((SECONDS - t)) s)"; return 0
    fi
    if [ "$KAFKA_STARTED" = 1 ] && ! pid_alive "$KAFKA_PID" kafka.Kafka; then
      fail "kafka: the broker process exited during start-up"; show_log_tail "$KAFKA_LOG"; return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "kafka: no metadata answer from $KAFKA_HOST:$KAFKA_PORT within ${KAFKA_START_TIMEOUT}s"
      show_log_tail "$KAFKA_LOG"; return 1
    fi
    sleep 1
  done
}

# ================================== Redis ========================================================
redis_ping() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

redis_start() {
  apt_install redis-server || return 1
  if port_open "$REDIS_HOST" "$REDIS_PORT"; then
    if pid_alive "$REDIS_PID" redis-server; then say "redis: already running (pid $(pid_of "$REDIS_PID")), leaving it"
    else say "redis: something already listens on $REDIS_HOST:$REDIS_PORT (not started by dev-up), leaving it"; fi
    return 0
  fi
  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_PID"
  [ -f "$REDIS_LOG" ] && mv -f "$REDIS_LOG" "$REDIS_LOG.1"
  say "redis: starting on $REDIS_HOST:$REDIS_PORT (log ${REDIS_LOG#"$ROOT"/})"
  if ! redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes \
        --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" \
        --save '' --appendonly no >>"$REDIS_LOG" 2>&1; then
    fail "redis: redis-server refused to start"; show_log_tail "$REDIS_LOG"; return 1
  fi
}

redis_wait() {
  local deadline=$((SECONDS + REDIS_START_TIMEOUT)) t=$SECONDS
  while :; do
    if redis_ping; then say "redis: ready on $REDIS_HOST:$REDIS_PORT ($((SECONDS - t)) s)"; return 0; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "redis: no PONG from $REDIS_HOST:$REDIS_PORT within ${REDIS_START_TIMEOUT}s"
      show_log_tail "$REDIS_LOG"; return 1
    fi
    sleep 0.3
  done
}

# ================================== RabbitMQ =====================================================
RABBITMQ_STARTED=0
# Another checkout's node (its Erlang cookie is not ours, so diagnostics cannot reach it): the open port is all we can check.
RABBITMQ_FOREIGN=0
rabbitmq_ping() { (rabbitmq_env; "$RABBITMQ_BIN/rabbitmq-diagnostics" -q ping >/dev/null 2>&1); }

rabbitmq_start() {
  apt_install rabbitmq-server || return 1
  if port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; then
    if rabbitmq_ping; then say "rabbitmq: already running (node ${RABBITMQ_NODENAME:-sentinel@localhost}), leaving it"
    else say "rabbitmq: something already listens on $RABBITMQ_HOST:$RABBITMQ_PORT (not our node), leaving it"; RABBITMQ_FOREIGN=1; fi
    return 0
  fi
  if pid_alive "$RABBITMQ_PID.launcher" rabbit; then
    say "rabbitmq: pid $(pid_of "$RABBITMQ_PID.launcher") is running but the port is not open yet; waiting for it"
    RABBITMQ_STARTED=1; return 0
  fi
  mkdir -p "$RABBITMQ_DIR/mnesia" "$RABBITMQ_DIR/log"
  : >"$RABBITMQ_DIR/rabbitmq-env.conf"
  echo '[].' >"$RABBITMQ_DIR/enabled_plugins"
  cat >"$RABBITMQ_DIR/rabbitmq.conf" <<EOF
# Written by scripts/dev-up.sh on each start.
listeners.tcp.default = 127.0.0.1:$RABBITMQ_PORT
loopback_users.guest = true
log.console = false
log.file.level = info
EOF
  rm -f "$RABBITMQ_PID" "$RABBITMQ_PID.launcher"
  local f
  for f in "$RABBITMQ_LOG" "$RABBITMQ_DIR"/log/*.log; do [ -f "$f" ] && mv -f "$f" "$f.1"; done
  say "rabbitmq: starting node ${RABBITMQ_NODENAME:-sentinel@localhost} on $RABBITMQ_HOST:$RABBITMQ_PORT (log ${RABBITMQ_DIR#"$ROOT"/}/log/)"
  (
    rabbitmq_env
    # shellcheck disable=SC2016
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RABBITMQ_PID.launcher" \
      "$RABBITMQ_BIN/rabbitmq-server" >>"$RABBITMQ_LOG" 2>&1 </dev/null &
  )
  await_pidfile "$RABBITMQ_PID.launcher" || { fail "rabbitmq: the launcher did not write its pid file"; return 1; }
  RABBITMQ_STARTED=1
}

rabbitmq_wait() {
  local deadline=$((SECONDS + RABBITMQ_START_TIMEOUT)) t=$SECONDS
  while :; do
    if port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT" && { [ "$RABBITMQ_FOREIGN" = 1 ] || rabbitmq_ping; }; then
      say "rabbitmq: ready on $RABBITMQ_HOST:$RABBITMQ_PORT ($((SECONDS - t)) s)"; return 0
    fi
    if [ "$RABBITMQ_STARTED" = 1 ] && ! pid_alive "$RABBITMQ_PID.launcher" rabbit; then
      fail "rabbitmq: the node exited during start-up"
      show_log_tail "$RABBITMQ_LOG" 30
      local f; for f in "$RABBITMQ_DIR"/log/*.log; do [ -s "$f" ] && show_log_tail "$f" 30; done
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "rabbitmq: no answer from $RABBITMQ_HOST:$RABBITMQ_PORT within ${RABBITMQ_START_TIMEOUT}s"
      show_log_tail "$RABBITMQ_LOG" 30
      local f; for f in "$RABBITMQ_DIR"/log/*.log; do [ -s "$f" ] && show_log_tail "$f" 30; done
      return 1
    fi
    sleep 1
  done
}

# ================================== main =========================================================
# kcat (optional) speeds up the readiness check and is used by later tests.
if want kafka && ! command -v kcat >/dev/null; then
  apt_install kcat 2>/dev/null || true
  command -v kcat >/dev/null || warn "kcat is not installed and could not be (apt-get install kcat); using Kafka's TopicCommand instead, and tests that need kcat will skip"
fi

# Start everything first, then wait: Kafka's JVM and RabbitMQ's Erlang VM boot in parallel.
failed=()
for s in "${SERVICES[@]}"; do
  "${s}_start" || failed+=("$s")
done
for s in "${SERVICES[@]}"; do
  case " ${failed[*]:-} " in *" $s "*) continue ;; esac
  "${s}_wait" || failed+=("$s")
done

if [ "${#failed[@]}" -gt 0 ]; then
  fail "failed: ${failed[*]} (after $((SECONDS - T0)) s); a half-started service is stopped by: scripts/dev-down.sh ${failed[*]}"
  exit 1
fi
say "up: ${SERVICES[*]} ($((SECONDS - T0)) s)"
for s in "${SERVICES[@]}"; do
  case "$s" in
    kafka)    say "  KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT" ;;
    redis)    say "  REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT" ;;
    rabbitmq) say "  RABBITMQ_URL=amqp://guest:guest@$RABBITMQ_HOST:$RABBITMQ_PORT" ;;
  esac
done
