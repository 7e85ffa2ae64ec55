#!/usr/bin/env bash
# Installs what is missing, builds kmsd, and runs it on 127.0.0.1:4599 with
# the example config; keys, root key and audit log live under ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_TYPE=Release scripts/build.sh build-release -DKMS_BUILD_TESTS=OFF
exec build-release/server/kmsd --config config/kmsd.json --data-dir ./data "$@"
