#!/usr/bin/env bash
# `kmsd audit report` and `kmsd audit tail` over a large log: fills the log
# with GenerateDataKey records (kms_load, 64 connections, SECONDS_OF_LOAD,
# default 90: about a million records), then times the report (wall, CPU, peak
# RSS, page size) and `audit tail --lines 10`, with the server still running.
#
#   BUILD_DIR=build bench/audit_report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
config=config/kmsd.json
start_kmsd "$config"
"$build_dir/bench/kms_load" --port "$port" --key-id alias/bench --op GenerateDataKey \
  --connections 64 --seconds "${SECONDS_OF_LOAD:-90}" | tail -1
tool() { "$build_dir/server/kmsd" "$@" --config "$config" --data-dir "$work/data"; }
records=$(tool audit verify | sed -n 's/^records checked: //p')
echo "records: $records"
/usr/bin/time -f "report: %e s wall, %U s user, %S s system, %M KB peak RSS" \
  "$build_dir/server/kmsd" audit report --out "$work/report.html" --config "$config" \
  --data-dir "$work/data"
/usr/bin/time -f "tail --lines 10: %e s wall, %M KB peak RSS" \
  "$build_dir/server/kmsd" audit tail --lines 10 --config "$config" --data-dir "$work/data" | tail -1
grep -o '<div class="value">[^<]*</div><div class="label">calls' "$work/report.html"
