#!/usr/bin/env bash
# p99 of GenerateDataKey while retention prunes a large log: fills the log for
# FILL_SECONDS, then measures SECONDS of load twice on the same data: without
# retention, and with audit.max_records = 1000 (every record older than the
# last 1000 is due; the writer prunes in runs of 10,000).
#
#   bench/prune_p99.sh [FILL_SECONDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
fill=${1:-60}
seconds=${2:-20}
source bench/lib.sh
config() {  # config <max_records>
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
config = json.load(open("config/kmsd.json"))
config["audit"]["max_records"] = int(sys.argv[1])
print(json.dumps(config))
PY
}
config 0 >"$work/keep.json"
config 1000 >"$work/prune.json"
start_kmsd "$work/keep.json"
"$build_dir/bench/kms_load" --port "$port" --key-id alias/bench --connections 64 --seconds "$fill" |
  sed 's/^/fill: /'
cp -r "$work/data" "$work/filled"
kill "$pid"; wait "$pid" 2>/dev/null || true
for mode in keep prune keep prune; do
  rm -rf "$work/data"; cp -r "$work/filled" "$work/data"
  "$build_dir/server/kmsd" --config "$work/$mode.json" --data-dir "$work/data" --port 0 \
    --port-file "$work/port.$mode" 2>"$work/kmsd.log" &
  pid=$!
  for _ in $(seq 200); do [[ -s "$work/port.$mode" ]] && break; sleep 0.05; done
  port=$(cat "$work/port.$mode"); rm -f "$work/port.$mode"
  echo "retention=$mode $("$build_dir/bench/kms_load" --port "$port" --key-id alias/bench \
    --connections 64 --seconds "$seconds")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
