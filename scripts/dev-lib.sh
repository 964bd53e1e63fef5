# shellcheck shell=bash disable=SC2034
# Shared by scripts/dev-up.sh and scripts/dev-down.sh: paths, ports, and small helpers for the
# local Kafka (KRaft, from Maven Central jars), Redis and RabbitMQ (Debian packages). No Docker.
# Everything lives under <repo>/.cache/ (git-ignored). Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SENTINEL_DEV_CACHE:-$ROOT/.cache}"

ALL_SERVICES=(kafka redis rabbitmq)

# --- Kafka ---------------------------------------------------------------------------------------
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
# Newest first; the first one Maven resolves is used (3.9.2 is the newest 3.9.x on Central).
KAFKA_VERSIONS="${KAFKA_VERSION:-3.9.2 3.9.1 3.9.0}"
KAFKA_HEAP="${KAFKA_HEAP:--Xmx512m -Xms512m}"
KAFKA_DIR="$CACHE/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOG="$KAFKA_DIR/kafka.log"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

# --- Redis ---------------------------------------------------------------------------------------
REDIS_HOST=127.0.0.1
REDIS_PORT="${REDIS_PORT:-6379}"
REDIS_DIR="$CACHE/redis"
REDIS_LOG="$REDIS_DIR/redis.log"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-20}"

# --- RabbitMQ ------------------------------------------------------------------------------------
RABBITMQ_HOST=127.0.0.1
RABBITMQ_PORT="${RABBITMQ_PORT:-5672}"
RABBITMQ_DIR="$CACHE/rabbitmq"
RABBITMQ_BIN=/usr/lib/rabbitmq/bin   # the real scripts; /usr/sbin/* wrappers `su rabbitmq` and drop our env
RABBITMQ_LOG="$RABBITMQ_DIR/rabbitmq.log"
RABBITMQ_PID="$RABBITMQ_DIR/rabbitmq.pid"
RABBITMQ_START_TIMEOUT="${RABBITMQ_START_TIMEOUT:-90}"

# Environment for our dedicated RabbitMQ node (server and CLI tools must agree on node + cookie).
rabbitmq_env() {
  export RABBITMQ_NODENAME="${RABBITMQ_NODENAME:-sentinel@localhost}"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$RABBITMQ_PORT"
  export RABBITMQ_DIST_PORT="${RABBITMQ_DIST_PORT:-$((RABBITMQ_PORT + 20000))}"
  export RABBITMQ_CONF_ENV_FILE="$RABBITMQ_DIR/rabbitmq-env.conf"   # keep /etc/rabbitmq out of it
  export RABBITMQ_CONFIG_FILE="$RABBITMQ_DIR/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBITMQ_DIR/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$RABBITMQ_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$RABBITMQ_DIR/log"
  export RABBITMQ_PID_FILE="$RABBITMQ_PID"
  export ERL_EPMD_ADDRESS=127.0.0.1
  # Erlang distribution (node-to-CLI) port on loopback too, not 0.0.0.0.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export HOME="$RABBITMQ_DIR"      # Erlang cookie: $RABBITMQ_DIR/.erlang.cookie, shared with the CLI
}

# --- helpers -------------------------------------------------------------------------------------
say()  { printf '[dev] %s\n' "$*"; }
warn() { printf '[dev] WARN: %s\n' "$*" >&2; }
fail() { printf '[dev] ERROR: %s\n' "$*" >&2; }

# port_open HOST PORT: true if something accepts a TCP connection.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# proc_running PID: true if the process exists and is not a zombie / being torn down.
proc_running() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  st="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)"
  case "$st" in Z|X|x|"") return 1 ;; *) return 0 ;; esac
}

# pid_alive PIDFILE [WORD]: true if the file names a running process (whose command line contains
# WORD, when given: guards against a recycled pid).
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(tr -dc '0-9' <"$1")"
  [ -n "$pid" ] && proc_running "$pid" || return 1
  if [ -n "${2:-}" ] && [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  fi
}

pid_of() { tr -dc '0-9' <"$1"; }

# await_pidfile PIDFILE: a background launcher writes its pid asynchronously; give it up to 10 s.
await_pidfile() {
  local i
  for ((i = 0; i < 100; i++)); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}

# parse_services ARGS...: fills SERVICES (default: all); rejects unknown names.
parse_services() {
  SERVICES=()
  local a s ok
  for a in "$@"; do
    ok=0
    for s in "${ALL_SERVICES[@]}"; do [ "$a" = "$s" ] && ok=1; done
    if [ "$ok" = 1 ]; then SERVICES+=("$a"); else fail "unknown service '$a' (known: ${ALL_SERVICES[*]})"; return 2; fi
  done
  [ "${#SERVICES[@]}" -gt 0 ] || SERVICES=("${ALL_SERVICES[@]}")
}

show_log_tail() {
  local f="$1" n="${2:-40}"
  if [ -f "$f" ]; then
    printf '[dev] ---- last %s lines of %s ----\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2 || true
    printf '[dev] ---- end of %s ----\n' "$f" >&2
  else
    printf '[dev] (no log at %s)\n' "$f" >&2
  fi
}

# apt_install PKG...: install missing Debian packages without starting their services.
APT_UPDATED=0
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ]; then
    fail "need packages ${missing[*]} (apt-get install ${missing[*]}); not root, cannot install"
    return 1
  fi
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # Packages must not start their system-wide service (it would take the port, bound to 0.0.0.0):
  # without a policy-rc.d, add a "deny all starts" one for the duration of the install.
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from sentinel scripts/dev-up.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local rc=0
  apt_install_run "${missing[@]}" || rc=$?
  [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return "$rc"
}

apt_install_run() {
  local missing=("$@")
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$CACHE/apt.log" 2>&1; then
    if [ "$APT_UPDATED" = 0 ]; then
      say "apt-get install failed; running apt-get update once and retrying"
      apt-get update -q >>"$CACHE/apt.log" 2>&1 || true
      APT_UPDATED=1
      apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$CACHE/apt.log" 2>&1 || {
        fail "apt-get install ${missing[*]} failed"; show_log_tail "$CACHE/apt.log" 20; return 1; }
    else
      fail "apt-get install ${missing[*]} failed"; show_log_tail "$CACHE/apt.log" 20; return 1
    fi
  fi
}
