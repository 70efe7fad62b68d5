#!/usr/bin/env bash
# Installs the Debian packages the engine, its tests and its demo need (idempotent).
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config git ca-certificates
  libcaf-dev libboost-dev libboost-system-dev libpqxx-dev postgresql postgresql-client
  rapidjson-dev libssl-dev prometheus-cpp-dev libspdlog-dev libphonenumber-dev
  libhowardhinnant-date-dev tzdata libjwt-dev libtoml11-dev libgtest-dev libgmock-dev
  libjemalloc-dev  # dialerd's allocator
  prometheus  # prometheus and promtool: the dashboards' end-to-end test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node (for the end-to-end tests and the demo driver) may come from Debian or NodeSource.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
