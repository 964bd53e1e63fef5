#!/usr/bin/env bash
# The broker-outage drill for the local RabbitMQ node of scripts/dev-up.sh: stops and/or starts only
# the RabbitMQ *application* (`rabbitmqctl stop_app` / `start_app`) and keeps the Erlang node running,
# so each way takes about a second instead of a full node boot (~5 s). Clients see what they would
# see if a real broker went away: open connections are closed (320 CONNECTION_FORCED) and new ones
# are refused until `start`. Durable exchanges and queues survive; transient queues do not.
#
# Usage: scripts/rabbitmq-restart.sh [stop|start]      (default: stop, then start)
#   stop   stop the app; a no-op when the node is not running at all
#   start  start the app when the node runs (idempotent), else boot the node with
#          `scripts/dev-up.sh rabbitmq`; returns once 127.0.0.1:$RABBITMQ_PORT accepts connections
set -euo pipefail
# shellcheck source=dev-lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/dev-lib.sh"
here="$(dirname "$0")"

ctl()     { (rabbitmq_env; "$RABBITMQ_BIN/rabbitmqctl" -q "$@" >/dev/null); }
now_ms()  { local t="${EPOCHREALTIME/./}"; echo $((t / 1000)); }
took()    { local ms=$(($(now_ms) - $1)); printf '%d.%03d s' $((ms / 1000)) $((ms % 1000)); }

# wait_port open|closed SECONDS
wait_port() {
  local want="$1" deadline=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; then [ "$want" = open ] && return 0
    else [ "$want" = closed ] && return 0; fi
    sleep 0.1
  done
  return 1
}

do_stop() {
  local t0; t0="$(now_ms)"
  # Each CLI call boots an Erlang VM (~0.5 s): try the stop first, diagnose only when it fails.
  if ! ctl stop_app 2>/dev/null; then
    if port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; then
      # Another checkout's node (different Erlang cookie): not ours to stop.
      fail "rabbitmq: $RABBITMQ_HOST:$RABBITMQ_PORT answers but not as our node ${RABBITMQ_NODENAME:-sentinel@localhost}; not stopping it"
      return 1
    fi
    say "rabbitmq: node not running, nothing to stop"; return 0
  fi
  wait_port closed 10 || { fail "rabbitmq: port $RABBITMQ_PORT still open after stop_app"; return 1; }
  say "rabbitmq: app stopped, node kept ($(took "$t0"))"
}

do_start() {
  local t0; t0="$(now_ms)"
  if ! ctl start_app 2>/dev/null && ! port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; then
    # No node at all (never started, or dev-down ran): dev-up boots one. It must not be asked while
    # the node runs with its app stopped: it would wait for the port instead of starting the app.
    bash "$here/dev-up.sh" rabbitmq
  fi
  wait_port open "$RABBITMQ_START_TIMEOUT" || { fail "rabbitmq: port $RABBITMQ_PORT not open after start"; return 1; }
  say "rabbitmq: app running on $RABBITMQ_HOST:$RABBITMQ_PORT ($(took "$t0"))"
}

case "${1:-restart}" in
  stop) do_stop ;;
  start) do_start ;;
  restart) do_stop && do_start ;;
  -h|--help) sed -n '2,11p' "$0" ;;
  *) fail "unknown action '$1' (stop|start|restart)"; exit 2 ;;
esac
