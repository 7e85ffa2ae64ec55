"""No effect without its record (DESIGN.md section 6), over the wire: a state change
is durable only with its CloudTrail record, and no record claims a change that did
not happen, whatever fails in between: kill -9, I/O errors, a full store. Each test
ends by comparing every stored key with the CreateKey records, both ways, and
running `kmsd audit verify`."""

import glob
import gzip
import json
import os
import random
import shutil
import signal
import tempfile
import threading
import time

from kmsd_harness import FAIL_IO_LIBRARY, Kmsd, stored_keys, write_config
from test_audit import lookup_all

DAY = 24 * 3600


def created_key_ids(server):
    """The key ids of the successful CreateKey records, as `kmsd audit export` writes
    them (the server is stopped: a full log would refuse LookupEvents)."""
    out_dir = tempfile.mkdtemp(prefix="export-", dir=server.tmp)
    proc = server.run_tool("audit", "export", "--out", out_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = glob.glob(os.path.join(out_dir, "AWSLogs", "*", "CloudTrail", "*", "*", "*", "*", "*.json.gz"))
    records = [r for path in files for r in json.load(gzip.open(path))["Records"]]
    return [r["responseElements"]["keyMetadata"]["keyId"] for r in records
            if r["eventName"] == "CreateKey" and "errorCode" not in r]


def assert_every_key_has_its_record_and_the_chain_verifies(server):
    """Stops the server, then compares the stored keys with the CreateKey records."""
    server.stop()
    proc = server.run_tool("audit", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    stored = {k["key_id"] for k in stored_keys(server.data_dir) if k["key_manager"] == "CUSTOMER"}
    recorded = created_key_ids(server)
    assert len(recorded) == len(set(recorded)), "a key was recorded as created twice"
    assert not stored - set(recorded), "%d keys have no CreateKey record" % len(stored - set(recorded))
    assert not set(recorded) - stored, "%d CreateKey records name no key" % len(set(recorded) - stored)
    return stored


def create_keys_concurrently(server, threads, seconds=None, until=None, description=""):
    """Creates keys from `threads` clients until `seconds` pass or `until()` holds;
    returns the ids of the answered creations."""
    answered, errors, stop = [], [], threading.Event()
    clients = [server.client() for _ in range(threads)]

    def worker(client):
        while not stop.is_set():
            try:
                answered.append(client.create_key(Description=description)["KeyMetadata"]["KeyId"])
            except Exception as e:  # killed, or refused
                errors.append(e)
                if not server.alive():
                    return

    workers = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for w in workers:
        w.start()
    deadline = time.time() + (seconds or 60)
    while time.time() < deadline and not (until and until(answered, errors)):
        time.sleep(0.01)
    return answered, errors, stop, workers


def test_kill_9_while_16_clients_create_keys_leaves_no_key_without_its_record():
    server = Kmsd()
    try:
        all_answered = []
        for _ in range(3):
            # Killed at a random moment, with at least 150 keys made.
            seconds = random.uniform(1.0, 2.5)
            started = time.time()
            answered, _, stop, workers = create_keys_concurrently(
                server, 16, seconds=60, until=lambda a, e: len(a) >= 150 and time.time() - started > seconds)
            server.stop(signal.SIGKILL)
            stop.set()
            for w in workers:
                w.join()
            assert len(answered) >= 150
            all_answered += answered
            server.start()
        server.stop()
        stored = assert_every_key_has_its_record_and_the_chain_verifies(server)
        assert set(all_answered) <= stored, "an answered CreateKey was lost"
    finally:
        server.close()


def test_io_errors_refuse_calls_change_nothing_and_serving_resumes():
    flag = None
    server = None
    try:
        flag = os.path.join(tempfile.mkdtemp(prefix="kmsd-fail-io-"), "failing")
        env = {"LD_PRELOAD": FAIL_IO_LIBRARY, "KMSD_FAIL_IO_FLAG": flag,
               # The injector is preloaded ahead of a sanitized build's runtime.
               "ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")}
        server = Kmsd(env=env)
        key = server.client().create_key(Description="before")["KeyMetadata"]["KeyId"]
        open(flag, "w").close()  # the disk fails
        for target, body in (("CreateKey", {}),
                             ("UpdateKeyDescription", {"KeyId": key, "Description": "during"}),
                             ("CreateAlias", {"AliasName": "alias/during", "TargetKeyId": key}),
                             ("GenerateDataKey", {"KeyId": key, "KeySpec": "AES_256"})):
            resp = server.raw(target, body)
            assert resp.status == 500 and resp.error_type == "KMSInternalException", (target, resp.body)
            assert "audit record" in resp.message, resp.message
        log = open(server.log_path).read()
        assert "changed nothing: its record was not stored" in log
        assert "Input/output error" in log
        os.unlink(flag)  # the disk is back: serving resumes by itself
        kms = server.client()
        assert kms.describe_key(KeyId=key)["KeyMetadata"]["Description"] == "before"
        assert not kms.list_aliases(KeyId=key)["Aliases"]
        kms.create_key(Description="after")
        kms.generate_data_key(KeyId=key, KeySpec="AES_256")
        server.restart(env)
        assert server.client().describe_key(KeyId=key)["KeyMetadata"]["Description"] == "before"
        stored = assert_every_key_has_its_record_and_the_chain_verifies(server)
        assert len(stored) == 2
    finally:
        if flag and os.path.exists(flag):
            os.unlink(flag)
        if server:
            server.close()


def test_the_store_grows_to_its_ceiling_then_refuses_changes_and_leaves_no_orphan(tmp_path):
    # The map starts at 16 + 16 MiB and may grow to 48.
    server = Kmsd(write_config(tmp_path, storage={"map_size_mb": 16, "max_map_size_mb": 48},
                               audit={"map_size_mb": 16}))
    try:
        answered, errors, stop, workers = create_keys_concurrently(
            server, 4, seconds=120, description="d" * 8192, until=lambda a, e: len(e) >= 8)
        stop.set()
        for w in workers:
            w.join()
        assert len(errors) >= 8, "the store never filled"
        assert all("KMSInternalException" in str(e) and "full" in str(e) for e in errors), errors[:3]
        assert server.alive()
        log = open(server.log_path).read()
        assert "at 90 % kmsd refuses calls" in log  # said before it happened
        grew = log.index("the state store's map grew from 32 to 48 MiB")
        # Full either at the 90 % line (the log refuses calls) or, when LMDB
        # cannot reuse pages that readers still hold, at the map's end first
        # (the call's own transaction fails): both after the warning.
        full = [log.find(text) for text in ("the audit log is full", "the store is full")]
        assert max(full) >= 0, log[-3000:]
        assert grew < log.index("% full (") < min(at for at in full if at >= 0), log[-3000:]
        assert "of 48 MiB" in log
        assert os.path.getsize(os.path.join(server.data_dir, "state", "data.mdb")) > 32 << 20
        stored = assert_every_key_has_its_record_and_the_chain_verifies(server)
        assert set(answered) <= stored and len(stored) >= 100
    finally:
        server.close()


def test_the_sweep_records_its_deletions_with_them():
    server = Kmsd()
    try:
        kms = server.client()
        doomed = kms.create_key()["KeyMetadata"]
        kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
        server.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(8 * DAY)})
        trail = server.client(service="cloudtrail")
        deadline = time.time() + 20
        records = []
        while not records and time.time() < deadline:
            events = lookup_all(trail, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "DeleteKey"}])
            records = [json.loads(e["CloudTrailEvent"]) for e in events]
            time.sleep(0.1)
        [record] = records
        assert record["eventType"] == "AwsServiceEvent"
        assert record["userIdentity"] == {"accountId": doomed["AWSAccountId"], "invokedBy": "AWS Internal"}
        assert record["sourceIPAddress"] == record["userAgent"] == "AWS Internal"
        assert record["resources"][0]["ARN"] == doomed["Arn"]
        assert record["responseElements"] == {"keyId": doomed["Arn"]}
        assert "requestID" not in record
        assert doomed["KeyId"] not in {k["key_id"] for k in stored_keys(server.data_dir)}
        server.stop()
        assert server.run_tool("audit", "verify").returncode == 0
    finally:
        server.close()


def split_into_separate_environments(data_dir):
    """Rewrites data/state as the layout before it: the key store's databases in
    data/keys, the audit log's in data/audit."""
    import lmdb
    state = lmdb.open(os.path.join(data_dir, "state"), readonly=True, lock=False, max_dbs=16)
    audit_dbs = {b"records", b"index", b"meta"}
    with state.begin() as txn:
        names = [name for name, _ in txn.cursor()]
    for name in names:
        target_dir = os.path.join(data_dir, "audit" if name in audit_dbs else "keys")
        target = lmdb.open(target_dir, max_dbs=16, map_size=1 << 30)
        source_db = state.open_db(name, create=False)
        dupsort = name in (b"index", b"keys_by_scope", b"aliases_by_key", b"grants_by_retiring")
        target_db = target.open_db(name, dupsort=dupsort, dupfixed=name == b"index")
        with state.begin(db=source_db) as read, target.begin(db=target_db, write=True) as write:
            for key, value in read.cursor().iternext():
                write.put(key, value, dupdata=dupsort)
        target.close()
    state.close()
    shutil.rmtree(os.path.join(data_dir, "state"))


def test_a_data_directory_of_two_environments_is_moved_into_one_at_start():
    server = Kmsd()
    try:
        kms = server.client()
        key = kms.create_key(Description="kept")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/kept", TargetKeyId=key)
        blob = kms.encrypt(KeyId="alias/kept", Plaintext=b"secret")["CiphertextBlob"]
        server.stop()
        split_into_separate_environments(server.data_dir)
        # The audit tools read the old layout before the server has moved it.
        assert server.run_tool("audit", "verify").returncode == 0
        server.start()
        kms = server.client()
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
        assert kms.describe_key(KeyId="alias/kept")["KeyMetadata"]["Description"] == "kept"
        assert os.path.isdir(os.path.join(server.data_dir, "keys.migrated"))
        assert os.path.isdir(os.path.join(server.data_dir, "audit.migrated"))
        kms.create_key()  # and the chain goes on
        stored = assert_every_key_has_its_record_and_the_chain_verifies(server)
        assert key in stored and len(stored) == 2
    finally:
        server.close()
