#!/usr/bin/env bash
# Runs a RabbitMQ CLI tool against the node started by scripts/dev-up.sh (its node name and Erlang
# cookie live under .cache/rabbitmq, so plain `rabbitmqctl` does not reach it).
# Usage: scripts/rabbitmqctl.sh status | list_queues | ...
#        RABBITMQ_TOOL=rabbitmq-diagnostics scripts/rabbitmqctl.sh ping
set -euo pipefail
# shellcheck source=dev-lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/dev-lib.sh"
rabbitmq_env
exec "$RABBITMQ_BIN/${RABBITMQ_TOOL:-rabbitmqctl}" "$@"
