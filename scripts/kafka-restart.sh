#!/usr/bin/env bash
# Stops and starts only the local Kafka broker (data kept): the broker-restart drill.
# Same as `scripts/dev-down.sh kafka && scripts/dev-up.sh kafka`.
set -euo pipefail
here="$(dirname "$0")"
bash "$here/dev-down.sh" kafka
bash "$here/dev-up.sh" kafka
