#!/usr/bin/env bash
# Installs what is missing (with the AWS CLI, boto3 and jq for the README's
# examples), builds kmsd and rds-volume (Release, in build-release/), and runs
# kmsd in the foreground on 127.0.0.1:4599 with the example config; keys, the
# root key and the audit log live under ./data. Ctrl-C stops it. Extra
# arguments go to kmsd (kmsd --help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --use
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DKMS_BUILD_TESTS=OFF >/dev/null
ninja -C build-release -j"${JOBS:-$(nproc)}" kmsd rds-volume
echo "kmsd: build-release/server/kmsd, rds-volume: build-release/client/rds-volume;" \
  "serving in the foreground (Ctrl-C stops it)" >&2
exec build-release/server/kmsd --config config/kmsd.json --data-dir ./data "$@"
