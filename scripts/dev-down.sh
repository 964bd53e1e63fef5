#!/usr/bin/env bash
# Stops what scripts/dev-up.sh started. Idempotent, and quiet when nothing of ours is running.
# Usage: scripts/dev-down.sh [--purge] [kafka] [redis] [rabbitmq]     (default: all three)
#   --purge   also delete the services' data under .cache/ (Kafka log dirs, RabbitMQ mnesia, Redis
#             dir, logs); the downloaded Kafka jars and the Kafka cluster id are kept.
# A service listening on the port that dev-up did not start is left alone (with a note).
set -euo pipefail
# shellcheck source=dev-lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/dev-lib.sh"

PURGE=0
args=()
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
parse_services "${args[@]+"${args[@]}"}" || exit 2

# stop_pid PIDFILE NAME TIMEOUT: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pidfile="$1" name="$2" timeout="$3" pid i
  pid="$(pid_of "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 4; i++)); do
    proc_running "$pid" || { rm -f "$pidfile"; return 0; }
    sleep 0.25
  done
  warn "$name: pid $pid still running after ${timeout}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
  rm -f "$pidfile"
}

kafka_stop() {
  if pid_alive "$KAFKA_PID" kafka.Kafka; then
    local t=$SECONDS
    say "kafka: stopping pid $(pid_of "$KAFKA_PID")"
    stop_pid "$KAFKA_PID" kafka 60
    say "kafka: stopped ($((SECONDS - t)) s)"
  else
    rm -f "$KAFKA_PID"
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      say "kafka: $KAFKA_HOST:$KAFKA_PORT answers but was not started by dev-up; leaving it"
    fi
  fi
  if [ "$PURGE" = 1 ] && [ -d "$KAFKA_DIR" ]; then
    rm -rf "$KAFKA_DATA" "$KAFKA_DIR/logs" "$KAFKA_DIR"/*.log "$KAFKA_DIR"/*.log.1
    say "kafka: data purged (jars and cluster id kept)"
  fi
}

redis_stop() {
  if pid_alive "$REDIS_PID" redis-server; then
    local pid; pid="$(pid_of "$REDIS_PID")"
    say "redis: stopping pid $pid"
    redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 40; i++)); do proc_running "$pid" || break; sleep 0.25; done
    if proc_running "$pid"; then stop_pid "$REDIS_PID" redis 10; fi
    rm -f "$REDIS_PID"
    say "redis: stopped"
  else
    rm -f "$REDIS_PID"
    if port_open "$REDIS_HOST" "$REDIS_PORT"; then
      say "redis: $REDIS_HOST:$REDIS_PORT answers but was not started by dev-up; leaving it"
    fi
  fi
  if [ "$PURGE" = 1 ] && [ -d "$REDIS_DIR" ]; then
    rm -rf "$REDIS_DIR"
    say "redis: data purged"
  fi
}

rabbitmq_stop() {
  local ours=0
  if pid_alive "$RABBITMQ_PID.launcher" rabbit || pid_alive "$RABBITMQ_PID" beam; then ours=1; fi
  if [ "$ours" = 1 ]; then
    local t=$SECONDS
    say "rabbitmq: stopping node ${RABBITMQ_NODENAME:-sentinel@localhost}"
    # `rabbitmqctl stop <pidfile>` returns once the OS process is gone.
    if ! (rabbitmq_env; "$RABBITMQ_BIN/rabbitmqctl" -q stop "$RABBITMQ_PID" >/dev/null 2>&1); then
      warn "rabbitmq: rabbitmqctl stop failed; signalling the processes"
    fi
    pid_alive "$RABBITMQ_PID" beam && stop_pid "$RABBITMQ_PID" rabbitmq 30
    pid_alive "$RABBITMQ_PID.launcher" rabbit && stop_pid "$RABBITMQ_PID.launcher" rabbitmq 10
    rm -f "$RABBITMQ_PID" "$RABBITMQ_PID.launcher"
    # The Erlang port mapper (epmd) was started with the node: stop it if no node is left on it.
    if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then
      epmd -kill >/dev/null 2>&1 || true
    fi
    say "rabbitmq: stopped ($((SECONDS - t)) s)"
  else
    rm -f "$RABBITMQ_PID" "$RABBITMQ_PID.launcher"
    if port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; then
      say "rabbitmq: $RABBITMQ_HOST:$RABBITMQ_PORT answers but was not started by dev-up; leaving it"
    fi
  fi
  if [ "$PURGE" = 1 ] && [ -d "$RABBITMQ_DIR" ]; then
    rm -rf "$RABBITMQ_DIR/mnesia" "$RABBITMQ_DIR/log" "$RABBITMQ_DIR"/*.log "$RABBITMQ_DIR"/*.log.1
    say "rabbitmq: data purged"
  fi
}

# Reverse order of start-up: consumers of the bus are gone before it goes.
for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
  "${SERVICES[$i]}_stop"
done
