#!/usr/bin/env bash
# Compares two kmsd builds in one run: ROUNDS interleaved rounds, each running
# GenerateDataKey with the durable log on and off against each build in turn
# (on a noisy machine, only figures from the same run compare).
#
#   bench/compare.sh BASE_BUILD_DIR NEW_BUILD_DIR [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 new=$2 rounds=${3:-3} seconds=${4:-10} connections=${5:-64}
for round in $(seq "$rounds"); do
  for build in "$base" "$new"; do
    BUILD_DIR=$build OPS=GenerateDataKey bench/run.sh "$seconds" "$connections" |
      grep -v '^#' | sed "s|^|round=$round build=$build |"
  done
done
