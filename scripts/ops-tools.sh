#!/usr/bin/env bash
# Installs the tools that check the deployment files (deploy/test), when missing:
#   promtool   from Debian's prometheus package (its service is not started)
#   kustomize  kubectl's built-in one when kubectl is installed; otherwise a standalone kustomize,
#              built with Go from the Go module proxy into .cache/bin
# Idempotent: a tool already there is left alone. `make test` runs it before the tests, which fail
# (they never skip) when a tool is still missing.
# Env overrides: KUSTOMIZE_VERSION, SENTINEL_DEV_CACHE.
set -euo pipefail
# shellcheck source=dev-lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/dev-lib.sh"

# The kustomize that kubectl 1.32 embeds, so both renderers agree.
KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.5.0}"
KUSTOMIZE_BIN="$CACHE/bin/kustomize"
mkdir -p "$CACHE"

if ! command -v promtool >/dev/null; then
  apt_install prometheus || exit 1
  command -v promtool >/dev/null || { fail "the prometheus package installed no promtool"; exit 1; }
fi
say "promtool: $(command -v promtool)"

if command -v kubectl >/dev/null; then
  say "kustomize: kubectl kustomize ($(command -v kubectl))"
elif [ -x "$KUSTOMIZE_BIN" ]; then
  say "kustomize: $KUSTOMIZE_BIN"
else
  GO="$(command -v go || echo /usr/local/go/bin/go)"
  [ -x "$GO" ] || { fail "neither kubectl nor go is installed: cannot get kustomize"; exit 1; }
  say "kustomize: building sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION into ${KUSTOMIZE_BIN#"$ROOT"/}"
  GOBIN="$CACHE/bin" GOPATH="$CACHE/go" GOFLAGS=-modcacherw "$GO" install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi
