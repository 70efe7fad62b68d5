#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs packages, builds, then runs every
# test (unit, database and end-to-end) against a throwaway PostgreSQL from pg_virtualenv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
# npm and node trust only their own CA list unless told otherwise; behind an intercepting proxy
# the system store is the one that is right.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
if [ ! -d "$root/tests/e2e/node_modules/retell-sdk" ]; then
  (cd "$root/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
fi
# pg_virtualenv refuses to keep PostgreSQL's files in a root-owned cwd it cannot enter as postgres.
cd /tmp
pg_virtualenv -- ctest --test-dir "$build" --output-on-failure --timeout 600 --parallel 2 "$@"
