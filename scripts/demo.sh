#!/usr/bin/env bash
# The demo on a fresh Debian machine: installs packages, builds dialerd and the Retell
# simulator, starts a throwaway PostgreSQL (pg_virtualenv), runs one campaign to the end and
# prints a summary. Ctrl-C stops everything it started.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" dialerd retell_sim
cd /tmp
exec pg_virtualenv -- node "$root/scripts/demo.mjs"
