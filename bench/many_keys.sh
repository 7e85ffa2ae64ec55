#!/usr/bin/env bash
# GenerateDataKey throughput with many keys and with many grants, against the
# one-key figure, in one run (durable log on). One kmsd; ROUNDS rounds of
#   one key | a random key of EXTRA_KEYS + 1 per call | (after round 1's two
#   runs, GRANTS grants are added to the one key) one key with its grants.
#
#   bench/many_keys.sh [EXTRA_KEYS] [GRANTS] [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
extra_keys=${1:-10000}
grants=${2:-10000}
seconds=${3:-10}
rounds=${4:-2}
source bench/lib.sh
start_kmsd config/kmsd.json
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
load() {  # load <label> [kms_load options]
  local label=$1 before after result requests
  shift
  before=$(cpu_ticks)
  result=$("$build_dir/bench/kms_load" --port "$port" --key-id alias/bench --connections 64 \
    --seconds "$seconds" "$@" | tail -1)
  after=$(cpu_ticks)
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")
  echo "$label $result kmsd_cpu_us_per_request=$(( (after - before) * 1000000 / $(getconf CLK_TCK) / requests ))"
}
started=$SECONDS
"$build_dir/bench/kms_load" --port "$port" --key-id alias/bench --connections 1 --seconds 0 \
  --extra-keys "$extra_keys" --key-file "$work/keys" >/dev/null
echo "# created $extra_keys keys in $((SECONDS - started)) s"
for round in $(seq "$rounds"); do
  load "round=$round keys=1 grants=$(( round > 1 ? grants : 0 ))"
  load "round=$round keys=$((extra_keys + 1))" --extra-keys "$extra_keys" --key-file "$work/keys"
  if ((round == 1)); then
    started=$SECONDS
    "$build_dir/bench/kms_load" --port "$port" --key-id alias/bench --connections 1 --seconds 0 \
      --grants "$grants" >/dev/null
    echo "# created $grants grants in $((SECONDS - started)) s"
    load "round=$round keys=1 grants=$grants"
  fi
done
