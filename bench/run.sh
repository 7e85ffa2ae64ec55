#!/usr/bin/env bash
# Measures GenerateDataKey and Decrypt over HTTP with SigV4 and keep-alive
# connections, with the audit log on (durable before every answer) and off.
# Builds a Release tree in build-release unless BUILD_DIR points elsewhere.
#
#   bench/run.sh [SECONDS] [CONNECTIONS]
#   OPS="GenerateDataKey" AUDIT="on" bench/run.sh ...   # fewer runs
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
source bench/lib.sh

cpu_ticks() {  # utime + stime of a process, in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}

run() {  # run <label> <audit enabled: true|false>
  local label=$1 audit=$2
  /usr/bin/python3 - "$audit" "${THREADS:-0}" >"$work/config.json" <<'PY'
import json, sys
config = json.load(open("config/kmsd.json"))
config["audit"]["enabled"] = sys.argv[1] == "true"
config["server"]["threads"] = int(sys.argv[2])
print(json.dumps(config))
PY
  start_kmsd "$work/config.json"
  for op in ${OPS:-GenerateDataKey Decrypt}; do
    local before after result requests
    before=$(cpu_ticks "$pid")
    result=$("$build_dir/bench/kms_load" --port "$port" --key-id alias/bench --op "$op" \
      --connections "$connections" --seconds "$seconds")
    after=$(cpu_ticks "$pid")
    requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")
    # kmsd's CPU time (user + system, all threads) per request, in microseconds.
    echo "audit=$label $result kmsd_cpu_us_per_request=$(( (after - before) * 1000000 / $(getconf CLK_TCK) / requests ))"
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, ${seconds}s per run, $connections connections"
for mode in ${AUDIT:-on off}; do
  if [[ $mode == on ]]; then run on true; else run off false; fi
done
