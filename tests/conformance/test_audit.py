"""The audit log: one CloudTrail record per call, durable before the answer,
queryable with `aws cloudtrail lookup-events`, tamper-evident."""

import base64
import glob
import gzip
import json
import os
import signal
import threading
import time

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, Kmsd, error_code

SECRET_PLAINTEXT = b"top-secret-plaintext-marker-4242"


def lookup_all(trail, **kwargs):
    events, token = [], None
    while True:
        page = trail.lookup_events(**kwargs, **({"NextToken": token} if token else {}))
        events += page["Events"]
        token = page.get("NextToken")
        if not token:
            return events


def records_by_request_id(events):
    out = {}
    for event in events:
        record = json.loads(event["CloudTrailEvent"])
        out.setdefault(record["requestID"], []).append((event, record))
    return out


def request_id_of(call):
    try:
        return call()["ResponseMetadata"]["RequestId"], None
    except botocore.exceptions.ClientError as e:
        return e.response["ResponseMetadata"]["RequestId"], error_code(e)


@pytest.fixture(scope="module")
def activity(kmsd):
    """A mix of calls; returns what the audit log must show."""
    alice, bob = kmsd.client(), kmsd.client("bob")
    calls = {}
    rid, _ = request_id_of(lambda: alice.create_key(Description="audited"))
    key = alice.list_keys()["Keys"][-1]["KeyId"]
    key_id = alice.describe_key(KeyId=key)["KeyMetadata"]["KeyId"]
    calls["create"] = (rid, None)
    data_key = alice.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext={"aws:rds:db-id": "db-AUDIT"})
    calls["gdk"] = (data_key["ResponseMetadata"]["RequestId"], None)
    encrypted = alice.encrypt(KeyId=key_id, Plaintext=SECRET_PLAINTEXT, EncryptionContext={"purpose": "audit"})
    calls["encrypt"] = (encrypted["ResponseMetadata"]["RequestId"], None)
    calls["decrypt"] = request_id_of(lambda: alice.decrypt(CiphertextBlob=encrypted["CiphertextBlob"],
                                                           EncryptionContext={"purpose": "audit"}))
    calls["denied"] = request_id_of(lambda: bob.encrypt(KeyId=key_id, Plaintext=b"x"))
    calls["invalid"] = request_id_of(lambda: alice.decrypt(CiphertextBlob=b"garbage-blob"))
    bad = kmsd.raw("GenerateRandom", {"NumberOfBytes": 0})
    calls["validation"] = (bad.headers["x-amzn-requestid"], bad.error_type)
    via = kmsd.via_rds("GenerateDataKey", {"KeyId": "alias/aws/rds", "NumberOfBytes": 64,
                                           "EncryptionContext": {"aws:rds:db-id": "db-VIA", "aws:ebs:id": "vol-via"}})
    assert via.status == 200
    calls["via"] = (via.headers["x-amzn-requestid"], None)
    return {"calls": calls, "key_id": key_id, "data_key": data_key["Plaintext"],
            "via_data_key": base64.b64decode(via.json()["Plaintext"])}


def test_every_call_has_exactly_one_matching_record(kmsd, activity):
    trail = kmsd.client(service="cloudtrail")
    by_id = records_by_request_id(lookup_all(trail, MaxResults=50))
    for name, (request_id, code) in activity["calls"].items():
        assert len(by_id.get(request_id, [])) == 1, name
        event, record = by_id[request_id][0]
        assert record.get("errorCode") == code, name
        assert record["eventSource"] == "kms.amazonaws.com"
        assert record["eventVersion"] == "1.11" and record["eventType"] == "AwsApiCall"
        assert record["recipientAccountId"] == ACCOUNT and record["awsRegion"] == "us-east-1"
        assert event["EventId"] == record["eventID"]


def test_record_contents(kmsd, activity):
    by_id = records_by_request_id(lookup_all(kmsd.client(service="cloudtrail")))
    calls = activity["calls"]
    key_arn = "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, activity["key_id"])
    gdk = by_id[calls["gdk"][0]][0][1]
    assert gdk["eventName"] == "GenerateDataKey" and gdk["readOnly"] is True
    assert gdk["userIdentity"]["type"] == "IAMUser" and gdk["userIdentity"]["userName"] == "alice"
    assert gdk["userIdentity"]["accessKeyId"] == "AKIAKMSD0ALICE000001"
    assert gdk["requestParameters"] == {"keyId": activity["key_id"], "keySpec": "AES_256",
                                        "encryptionContext": {"aws:rds:db-id": "db-AUDIT"}}
    assert gdk["responseElements"] is None
    assert gdk["resources"] == [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key_arn}]
    assert len(gdk["additionalEventData"]["keyMaterialId"]) == 64
    decrypt = by_id[calls["decrypt"][0]][0][1]
    assert decrypt["requestParameters"] == {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "keyId": key_arn,
                                            "encryptionContext": {"purpose": "audit"}}
    denied = by_id[calls["denied"][0]][0][1]
    assert denied["errorCode"] == "AccessDeniedException"
    assert denied["errorMessage"].startswith("User: arn:aws:iam::%s:user/bob is not authorized" % ACCOUNT)
    assert denied["additionalEventData"]["kmsdAuthorization"]["decision"] == "Deny"
    create = by_id[calls["create"][0]][0][1]
    assert create["readOnly"] is False and create["responseElements"]["keyMetadata"]["aWSAccountId"] == ACCOUNT
    via = by_id[calls["via"][0]][0][1]
    assert via["userIdentity"]["invokedBy"] == "rds.amazonaws.com"
    assert via["sourceIPAddress"] == "rds.amazonaws.com" and via["userAgent"] == "rds.amazonaws.com"
    assert via["requestParameters"]["encryptionContext"] == {"aws:rds:db-id": "db-VIA", "aws:ebs:id": "vol-via"}


def test_no_secret_material_anywhere(kmsd, activity):
    events = lookup_all(kmsd.client(service="cloudtrail"))
    dump = json.dumps([e["CloudTrailEvent"] for e in events])
    secrets = [SECRET_PLAINTEXT, activity["data_key"], activity["via_data_key"]]
    for secret in secrets:
        for form in (secret, base64.b64encode(secret), secret.hex().encode()):
            assert form.decode("latin-1") not in dump
    raw = b"".join(open(path, "rb").read() for path in glob.glob(os.path.join(kmsd.data_dir, "audit", "*.mdb")))
    for secret in secrets:
        for form in (secret, base64.b64encode(secret)):
            assert form not in raw


@pytest.mark.parametrize("attribute", ["EventId", "EventName", "ReadOnly", "Username", "ResourceType",
                                       "ResourceName", "EventSource", "AccessKeyId"])
def test_lookup_events_with_each_attribute_in_the_cli(kmsd, activity, attribute):
    rid = activity["calls"]["denied"][0]
    record = records_by_request_id(lookup_all(kmsd.client(service="cloudtrail")))[rid][0][1]
    value = {"EventId": record["eventID"], "EventName": "Encrypt", "ReadOnly": "true", "Username": "bob",
             "ResourceType": "AWS::KMS::Key",
             "ResourceName": "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, activity["key_id"]),
             "EventSource": "kms.amazonaws.com", "AccessKeyId": "AKIAKMSD0BOB00000001"}[attribute]
    out = kmsd.cli("cloudtrail", "lookup-events", "--lookup-attributes",
                   "AttributeKey=%s,AttributeValue=%s" % (attribute, value))
    records = [json.loads(e["CloudTrailEvent"]) for e in out["Events"]]
    assert rid in [r["requestID"] for r in records]
    if attribute == "EventId":
        assert len(records) == 1
    for event in out["Events"]:
        assert event["EventSource"] in ("kms.amazonaws.com", "cloudtrail.amazonaws.com")
        if attribute == "Username":
            assert event["Username"] == "bob"


def test_lookup_paging_time_range_and_errors(kmsd, activity):
    trail = kmsd.client(service="cloudtrail")
    first = trail.lookup_events(MaxResults=2)
    assert len(first["Events"]) == 2 and first["NextToken"]
    second = trail.lookup_events(MaxResults=2, NextToken=first["NextToken"])
    assert {e["EventId"] for e in first["Events"]}.isdisjoint({e["EventId"] for e in second["Events"]})
    times = [e["EventTime"] for e in first["Events"] + second["Events"]]
    assert times == sorted(times, reverse=True)
    future = trail.lookup_events(StartTime=time.time() + 3600, EndTime=time.time() + 7200)
    assert future["Events"] == []
    for kwargs, code in (({"MaxResults": 51}, "InvalidMaxResultsException"),
                         ({"StartTime": time.time(), "EndTime": time.time() - 100}, "InvalidTimeRangeException"),
                         ({"NextToken": "bogus"}, "InvalidNextTokenException"),
                         ({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "x"}] * 2},
                          "InvalidLookupAttributesException")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            trail.lookup_events(**kwargs)
        assert error_code(e.value) == code
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kmsd.client("bob", service="cloudtrail").lookup_events()
    assert error_code(e.value) == "AccessDeniedException"
    # Another account sees only its own events.
    carol_events = lookup_all(kmsd.client("carol", service="cloudtrail"))
    assert all(json.loads(e["CloudTrailEvent"])["recipientAccountId"] == "444455556666" for e in carol_events)


def test_verify_and_export(kmsd, activity):
    proc = kmsd.run_tool("audit", "verify")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out_dir = os.path.join(kmsd.tmp, "export")
    proc = kmsd.run_tool("audit", "export", "--out", out_dir)
    assert proc.returncode == 0, proc.stderr
    files = glob.glob(os.path.join(out_dir, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1", "*", "*", "*", "*.json.gz"))
    assert files
    assert os.path.basename(files[0]).startswith("%s_CloudTrail_us-east-1_" % ACCOUNT)
    records = [r for path in files for r in json.load(gzip.open(path))["Records"]]
    assert activity["calls"]["gdk"][0] in {r["requestID"] for r in records}


def test_kill_9_loses_no_answered_call_and_the_chain_verifies():
    server = Kmsd()
    try:
        kms = server.client()
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        answered, stop = [], threading.Event()
        clients = [server.client() for _ in range(6)]  # creating boto3 clients is not thread-safe

        def worker(client):
            while not stop.is_set():
                try:
                    out = client.generate_data_key(KeyId=key_id, NumberOfBytes=16)
                    answered.append(out["ResponseMetadata"]["RequestId"])
                except Exception:  # the server is being killed
                    return

        threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        deadline = time.time() + 20
        while len(answered) < 300 and time.time() < deadline:
            time.sleep(0.01)
        server.stop(signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join()
        assert len(answered) >= 300
        server.start()
        trail = server.client(service="cloudtrail")
        recorded = {json.loads(e["CloudTrailEvent"])["requestID"]
                    for e in lookup_all(trail, LookupAttributes=[{"AttributeKey": "EventName",
                                                                  "AttributeValue": "GenerateDataKey"}])}
        missing = [rid for rid in answered if rid not in recorded]
        assert not missing, "%d answered calls have no record" % len(missing)
        proc = server.run_tool("audit", "verify")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    finally:
        server.close()


def tamper(data_dir, mutate):
    import lmdb
    env = lmdb.open(os.path.join(data_dir, "state"), max_dbs=16, map_size=1 << 34)
    records = env.open_db(b"records")
    with env.begin(write=True, db=records) as txn:
        keys = [k for k, _ in txn.cursor()]
        mutate(txn, keys)
    env.close()


@pytest.mark.parametrize("how", ["edit_middle", "delete_middle", "edit_last"])
def test_tampering_is_found_by_audit_verify(how):
    server = Kmsd()
    try:
        kms = server.client()
        for _ in range(10):
            kms.generate_random(NumberOfBytes=8)
        server.stop()
        assert server.run_tool("audit", "verify").returncode == 0

        def mutate(txn, keys):
            target = keys[len(keys) // 2] if how != "edit_last" else keys[-1]
            if how == "delete_middle":
                txn.delete(target)
                return
            value = bytearray(txn.get(target))
            value[len(value) // 2] ^= 0x20  # one bit of the (compressed) record
            txn.put(target, bytes(value))

        tamper(server.data_dir, mutate)
        proc = server.run_tool("audit", "verify")
        assert proc.returncode != 0, proc.stdout
        assert proc.stdout.strip(), proc.stderr
    finally:
        server.close()


def test_lookup_events_calls_are_recorded_as_cloudtrail_events(kmsd, activity):
    trail = kmsd.client(service="cloudtrail")
    rid = trail.lookup_events(MaxResults=1)["ResponseMetadata"]["RequestId"]
    events = lookup_all(trail, LookupAttributes=[{"AttributeKey": "EventSource",
                                                  "AttributeValue": "cloudtrail.amazonaws.com"}])
    record = records_by_request_id(events)[rid][0][1]
    assert record["eventName"] == "LookupEvents" and record["readOnly"] is True
    assert record["requestParameters"] == {"maxResults": 1}


def test_cross_account_calls_are_recorded_for_both_accounts(kmsd):
    key = kmsd.client().create_key()["KeyMetadata"]
    kmsd.client().create_grant(KeyId=key["KeyId"], GranteePrincipal="arn:aws:iam::444455556666:user/carol",
                               Operations=["Encrypt"])
    rid = kmsd.client("carol").encrypt(KeyId=key["Arn"], Plaintext=b"x")["ResponseMetadata"]["RequestId"]
    for who, account in (("alice", ACCOUNT), ("carol", "444455556666")):
        events = lookup_all(kmsd.client(who, service="cloudtrail"),
                            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "Encrypt"}])
        records = records_by_request_id(events)[rid]
        assert len(records) == 1 and records[0][1]["recipientAccountId"] == account
        assert records[0][1]["userIdentity"]["arn"] == "arn:aws:iam::444455556666:user/carol"
