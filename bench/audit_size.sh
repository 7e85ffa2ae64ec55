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
source bench/lib.sh
start_kmsd config/kmsd.json
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
