#!/usr/bin/env bash
# Runs every test and ends with one plain summary line ("tests: N passed, N failed, N skipped").
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/vitest
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest/results.json "$@" || status=$?
if [ -f .cache/vitest/results.json ]; then
  node -e '
    const r = require("./.cache/vitest/results.json");
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  '
fi
exit "$status"
