#!/usr/bin/env bash
# Bytes on disk per audit record: runs GenerateDataKey load with the durable
# log for SECONDS, stops kmsd, then reports the state environment's pages in
# use per record, split by database (records, index, the rest).
#
#   bench/audit_size.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-64}
build_dir=${BUILD_DIR:-build-release}
if [[ ! -x "$build_dir/server/kmsd" || ! -x "$build_dir/bench/kms_load" ]]; then
  BUILD_TYPE=Release scripts/build.sh "$build_dir" -DKMS_BUILD_TESTS=OFF
fi
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build_dir/server/kmsd" --config config/kmsd.json --data-dir "$work/data" --port 0 \
  --port-file "$work/port" 2>"$work/kmsd.log" &
pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
port=$(cat "$work/port")
"$build_dir/bench/kms_load" --port "$port" --setup --key-id alias/bench --op GenerateDataKey \
  --connections 4 --seconds 1 >/dev/null
"$build_dir/bench/kms_load" --port "$port" --key-id alias/bench --op GenerateDataKey \
  --connections "$connections" --seconds "$seconds"
kill "$pid"
wait "$pid" 2>/dev/null || true
/usr/bin/python3 - "$work/data/state" <<'PY'
import lmdb, sys
env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=16)
psize = env.stat()["psize"]
info = env.info()
with env.begin() as txn:
    records = txn.stat(env.open_db(b"records", txn=txn, create=False))["entries"]
    def pages(name):
        s = txn.stat(env.open_db(name, txn=txn, create=False))
        return (s["branch_pages"] + s["leaf_pages"] + s["overflow_pages"]) * psize
    rec, idx = pages(b"records"), pages(b"index")
total = (info["last_pgno"] + 1) * psize
print("records=%d file_bytes_per_record=%.0f records_db=%.0f index_db=%.0f other=%.0f" % (
    records, total / records, rec / records, idx / records, (total - rec - idx) / records))
PY
