"""Hardening (issue 9): single requests that used to crash kmsd, stall it, fill
its disk, read another account's data or change state without a record. Each
test names the finding it guards."""

import json
import os
import resource
import socket
import subprocess
import threading
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import lmdb
import pytest

from kmsd_harness import (ACCOUNT, CONFIG, KMSD, OTHER_ACCOUNT, FixedTimeSigV4, Kmsd, closed_within, error_code,
                          read_until_closed, stored_keys, write_config)


def records_for(kmsd, request_id, event_name, who="alice"):
    """The CloudTrail records of one request (by its x-amzn-RequestId)."""
    trail = kmsd.client(who, service="cloudtrail")
    events = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": event_name}],
                                 MaxResults=50)["Events"]
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    return [r for r in records if r["requestID"] == request_id]


def new_key(kmsd, **kwargs):
    return kmsd.client().create_key(**kwargs)["KeyMetadata"]["KeyId"]


# 1. A deeply nested body overflowed the stack of the recursive parse.
@pytest.mark.parametrize("opener", ['{"a":', "["])
def test_deeply_nested_bodies_are_refused_and_recorded(kmsd, opener):
    key = new_key(kmsd)
    body = '{"KeyId":' + opener * 100000
    resp = kmsd.raw("DescribeKey", body)
    assert resp.status == 400 and resp.error_type == "SerializationException"
    assert "message" not in resp.json() and "Message" not in resp.json()
    assert kmsd.alive()
    assert kmsd.client().describe_key(KeyId=key)["KeyMetadata"]["KeyId"] == key
    records = records_for(kmsd, resp.headers["x-amzn-requestid"], "DescribeKey")
    assert len(records) == 1 and records[0]["errorCode"] == "SerializationException"
    assert records[0]["requestParameters"] is None
    # The LookupEvents codec parses its own bodies: the same refusal.
    resp = kmsd.raw("LookupEvents", '{"LookupAttributes":' + opener * 100000, service="cloudtrail",
                    target_prefix="com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.")
    assert resp.status == 400 and resp.error_type == "SerializationException"
    assert kmsd.alive()


def test_nesting_within_the_limit_is_accepted(kmsd):
    # 32 levels are allowed: an unknown member nested 30 deep is ignored, as AWS ignores it.
    key = new_key(kmsd)
    body = '{"KeyId":"%s","Extra":%s1%s}' % (key, "[" * 30, "]" * 30)
    assert kmsd.raw("DescribeKey", body).status == 200


# 2. Invalid UTF-8 got a 500 after the change was applied, with no record.
@pytest.mark.parametrize("bad", [b'"\xff"', b'"\xc0\xaf"', b'"\xed\xa0\x80"', b'"\\udc00"', b'"\\ud800x"'])
def test_invalid_utf8_changes_nothing_and_is_recorded(kmsd, bad):
    key = new_key(kmsd, Description="before")
    body = b'{"KeyId":"' + key.encode() + b'","Description":"after","x":' + bad + b"}"
    resp = kmsd.raw("UpdateKeyDescription", body)
    assert resp.status == 400 and resp.error_type == "SerializationException"
    assert kmsd.client().describe_key(KeyId=key)["KeyMetadata"]["Description"] == "before"
    records = records_for(kmsd, resp.headers["x-amzn-requestid"], "UpdateKeyDescription")
    assert len(records) == 1 and records[0]["errorCode"] == "SerializationException"


# 3. A 600-character region reached the audit index keys and failed whole batches.
def test_a_long_region_is_refused_and_fails_nobody_else(kmsd):
    key = new_key(kmsd)
    failures = []
    stop = threading.Event()

    def honest_traffic():
        kms = kmsd.client()
        while not stop.is_set():
            try:
                kms.generate_data_key(KeyId=key, KeySpec="AES_256")
            except Exception as e:  # noqa: BLE001 - any failure is a finding
                failures.append(e)

    threads = [threading.Thread(target=honest_traffic) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for length in (600, 64, 5000):
            region = "ab-" + "c" * length + "-1"
            resp = kmsd.raw("ListKeys", {}, region=region)
            assert resp.status == 400 and resp.error_type == "InvalidSignatureException"
            assert resp.message == "Credential should be scoped to a valid region. "
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    # A region of 63 characters (one DNS label) is served.
    long_ok = "ab-" + "c" * 58 + "-1"
    assert kmsd.raw("ListKeys", {}, region=long_ok).status == 200


def test_overlong_access_key_ids_are_unrecognized(kmsd):
    kmsd.identities["long"] = ("A" * 129, "secret")
    resp = kmsd.raw("ListKeys", {}, who="long")
    assert resp.status == 400 and resp.error_type == "UnrecognizedClientException"


# 4. Half-sent headers held a connection forever; connections were unbounded.
@pytest.fixture
def tight_transport(tmp_path):
    server = Kmsd(write_config(tmp_path, server={"idle_timeout_seconds": 30, "header_timeout_seconds": 1,
                                                 "read_timeout_seconds": 30, "max_connections": 4}))
    yield server
    server.close()


def test_half_sent_headers_are_timed_out(tight_transport):
    with socket.create_connection(("127.0.0.1", tight_transport.port)) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Tar")
        # Well before the 30 s idle and read timeouts.
        assert closed_within(s, 10)
    # Trickling header bytes does not extend the deadline either.
    with socket.create_connection(("127.0.0.1", tight_transport.port)) as s:
        s.sendall(b"POST / HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 10:
            try:
                s.sendall(b"X-A: b\r\n")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.2)
        assert closed
    assert tight_transport.raw("ListKeys", {}).status == 200


def test_connections_beyond_the_cap_are_refused_then_served_again(tight_transport):
    held = [socket.create_connection(("127.0.0.1", tight_transport.port)) for _ in range(4)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", tight_transport.port)) as extra:
            extra.settimeout(10)
            head, _, body = read_until_closed(extra).partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 503")
            assert json.loads(body)["__type"] == "ThrottlingException"
            assert b"Too many connections" in body
    finally:
        for s in held:
            s.close()
    assert tight_transport.serves_within(10)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_running_out_of_descriptors_pauses_accepts_instead_of_spinning(tmp_path):
    config = write_config(tmp_path, server={"max_connections": 100000})

    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    server = Kmsd(config, preexec_fn=low_fd_limit)
    try:
        held = []
        for _ in range(100):
            try:
                held.append(socket.create_connection(("127.0.0.1", server.port), timeout=2))
            except OSError:
                break
        time.sleep(0.5)
        before = cpu_seconds(server.proc.pid)
        time.sleep(2)
        used = cpu_seconds(server.proc.pid) - before
        # A loop re-arming accept at once on EMFILE burns a whole core (2 s here).
        assert used < 0.5, used
        for s in held:
            s.close()
        assert server.serves_within(10)
        assert server.alive()
    finally:
        server.close()


# 5. A signature that did not sign `host` was accepted.
class SigV4WithoutHost(FixedTimeSigV4):
    def headers_to_sign(self, request):
        headers = super().headers_to_sign(request)
        del headers["host"]
        return headers


class SigV4WithoutDate(FixedTimeSigV4):
    def headers_to_sign(self, request):
        headers = super().headers_to_sign(request)
        del headers["x-amz-date"]
        return headers


@pytest.mark.parametrize("signer,message", [
    (SigV4WithoutHost, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
    (SigV4WithoutDate, "'x-amz-date' must be a 'SignedHeader' in the AWS Authorization."),
])
def test_host_and_date_must_be_signed(kmsd, signer, message):
    key, secret = kmsd.identities["alice"]
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=kmsd.endpoint + "/", data=b"{}",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"})
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    signer(botocore.credentials.Credentials(key, secret), "kms", "us-east-1", stamp).add_auth(request)
    headers = dict(request.headers.items())
    assert "host" not in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";") or \
        signer is SigV4WithoutDate
    resp = kmsd.send("POST", "/", b"{}", headers)
    assert resp.status == 400 and resp.error_type == "InvalidSignatureException"
    assert resp.message == message


# 6. requestParameters was the whole body, recorded even for denied calls.
def test_records_hold_what_cloudtrail_records_bounded(kmsd):
    key = new_key(kmsd)
    junk = "j" * (900 << 10)
    body = {"KeyId": key, "Plaintext": "aGk=", "Junk": junk, "EncryptionContext": {"k": "v"},
            "GrantTokens": ["token-not-recorded"]}
    resp = kmsd.raw("Encrypt", body, who="bob")  # bob has no permissions (and the token is made up)
    assert resp.error_type == "InvalidGrantTokenException"
    [record] = records_for(kmsd, resp.headers["x-amzn-requestid"], "Encrypt")
    assert record["requestParameters"] == {"keyId": key, "encryptionContext": {"k": "v"}}
    assert len(json.dumps(record)) < 4096
    # Long values are cut, not stored whole.
    resp = kmsd.raw("UpdateKeyDescription", {"KeyId": key, "Description": "d" * 200000}, who="bob",
                    headers={"User-Agent": "u" * 10000})
    assert resp.error_type == "ValidationException"  # whose message echoes the value, as AWS's does
    [record] = records_for(kmsd, resp.headers["x-amzn-requestid"], "UpdateKeyDescription")
    assert record["requestParameters"]["description"] == "d" * 8192 + "..."
    assert record["errorMessage"].endswith("...") and len(record["errorMessage"]) == 1024 + 3
    assert record["userAgent"] == "u" * 1024 + "..."
    assert len(json.dumps(record)) < 16384


def test_a_full_audit_log_refuses_calls_cleanly_and_changes_nothing(tmp_path):
    server = Kmsd(write_config(tmp_path, storage={"map_size_mb": 16, "max_map_size_mb": 32},
                               audit={"map_size_mb": 16}))
    try:
        kms = server.client()
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        refused = None
        for _ in range(20000):
            # Random text: records are stored compressed.
            bob_body = {"KeyId": key, "Description": os.urandom(3000).hex()[:6000]}
            resp = server.raw("UpdateKeyDescription", bob_body, who="bob")
            if resp.error_type != "AccessDeniedException":
                refused = resp
                break
        assert refused is not None, "the log never filled"
        assert refused.status == 500 and refused.error_type == "KMSInternalException"
        assert "The audit log is full" in refused.message
        # Now every call is refused up front, and none has an effect.
        keys_before = len(stored_keys(server.data_dir))
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kms.create_key()
        assert error_code(e.value) == "KMSInternalException"
        assert "The audit log is full" in e.value.response["Error"]["Message"]
        assert len(stored_keys(server.data_dir)) == keys_before
        assert server.alive()
        log = open(server.log_path).read()
        assert "the audit log is full" in log
        # The log's chain still verifies.
        server.stop()
        assert server.run_tool("audit", "verify").returncode == 0
    finally:
        server.close()


# 7. Resolving alias/aws/* created managed keys for any account, before authorization.
def test_managed_keys_are_never_created_for_other_or_unknown_accounts(kmsd):
    for account in (OTHER_ACCOUNT, "999999999999"):
        arn = "arn:aws:kms:us-east-1:%s:alias/aws/rds" % account
        for who in ("alice", "bob"):
            resp = kmsd.raw("DescribeKey", {"KeyId": arn}, who=who)
            assert resp.error_type == "NotFoundException"
            assert resp.message == "Alias %s is not found." % arn
        resp = kmsd.raw("GenerateDataKey", {"KeyId": "arn:aws:kms:ab-cdef-9:%s:alias/aws/ebs" % account,
                                            "KeySpec": "AES_256"}, region="ab-cdef-9")
        assert resp.error_type == "NotFoundException"
    accounts = {k["account"] for k in stored_keys(kmsd.data_dir) if k["key_manager"] == "AWS"}
    assert OTHER_ACCOUNT not in accounts and "999999999999" not in accounts
    # The account's own principals still get their managed key.
    assert kmsd.client().describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyManager"] == "AWS"


# 8. Quadratic work from many encryption-context pairs.
def test_encryption_contexts_are_bounded(kmsd):
    wide = {"k%05d" % i: "V" for i in range(60000)}
    resp = kmsd.raw("GenerateDataKey", {"KeyId": "alias/aws/rds", "KeySpec": "AES_256", "EncryptionContext": wide},
                    who="bob")
    assert resp.status == 400 and resp.error_type == "SerializationException"
    big = {"k%03d" % i: "v" * 100 for i in range(90)}  # 9 KB of keys and values
    resp = kmsd.raw("GenerateDataKey", {"KeyId": "alias/aws/rds", "KeySpec": "AES_256", "EncryptionContext": big},
                    who="bob")
    assert resp.status == 400 and resp.error_type == "ValidationException"
    assert resp.message.startswith("Invalid EncryptionContext")
    key = new_key(kmsd)
    fits = {"k%03d" % i: "v" * 75 for i in range(100)}  # 7.8 KB
    blob = kmsd.client().encrypt(KeyId=key, Plaintext=b"x", EncryptionContext=fits)["CiphertextBlob"]
    assert kmsd.client().decrypt(CiphertextBlob=blob, EncryptionContext=fits)["Plaintext"] == b"x"


# 9. Another account's grants and aliases could be listed.
def test_other_accounts_grants_and_aliases_stay_hidden(kmsd):
    alice, carol = kmsd.client(), kmsd.client("carol")
    key = new_key(kmsd)
    alice.create_alias(AliasName="alias/hidden-%d" % time.time_ns(), TargetKeyId=key)
    carol_arn = "arn:aws:iam::%s:user/carol" % OTHER_ACCOUNT
    alice_arn = "arn:aws:iam::%s:user/alice" % ACCOUNT
    alice.create_grant(KeyId=key, GranteePrincipal=carol_arn, RetiringPrincipal=carol_arn, Operations=["Decrypt"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        carol.list_retirable_grants(RetiringPrincipal=alice_arn)
    assert error_code(e.value) == "AccessDeniedException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        alice.list_retirable_grants(RetiringPrincipal=carol_arn)
    assert error_code(e.value) == "AccessDeniedException"
    # Carol's own principal: the grants any account gave her to retire, alice's
    # included (AWS: "can include grants on KMS keys owned by other accounts").
    listed = carol.list_retirable_grants(RetiringPrincipal=carol_arn)["Grants"]
    assert [g["RetiringPrincipal"] for g in listed] == [carol_arn]
    # Alice's own retiring principal still works.
    alice.create_grant(KeyId=key, GranteePrincipal=carol_arn, RetiringPrincipal=alice_arn, Operations=["Decrypt"])
    assert [g["KeyId"] for g in alice.list_retirable_grants(RetiringPrincipal=alice_arn)["Grants"]] != []
    key_arn = alice.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        carol.list_aliases(KeyId=key_arn)
    assert error_code(e.value) == "NotFoundException"


# 10. A stored policy that did not parse fell back to the no-policy rules.
def test_an_unreadable_stored_policy_denies_every_request(tmp_path):
    server = Kmsd()
    try:
        key = server.client().create_key()["KeyMetadata"]["KeyId"]
        server.stop()
        env = lmdb.open(os.path.join(server.data_dir, "state"), max_dbs=16, map_size=1 << 34)
        db = env.open_db(b"keys", create=False)
        with env.begin(db=db, write=True) as txn:
            record = json.loads(txn.get(key.encode()))
            record["policy"] = "{this is not a policy"
            txn.put(key.encode(), json.dumps(record).encode())
        env.close()
        server.start()
        resp = server.raw("DescribeKey", {"KeyId": key})
        assert resp.error_type == "AccessDeniedException"
        [record] = records_for(server, resp.headers["x-amzn-requestid"], "DescribeKey")
        assert record["additionalEventData"]["kmsdAuthorization"]["reason"] == "KeyPolicyUnreadable"
        assert "does not parse" in open(server.log_path).read()
    finally:
        server.close()


# 11. Permissive mode trusted a known access key id without its signature.
def test_permissive_mode_still_checks_known_keys_and_service_signatures(tmp_path):
    server = Kmsd(write_config(tmp_path, auth={"mode": "permissive",
                                                "permissive_access_key_id": "AKIAKMSD0ALICE000001"}))
    try:
        alice_key, _ = server.identities["alice"]
        server.identities["forged-alice"] = (alice_key, "not alice's secret")
        resp = server.raw("ListKeys", {}, who="forged-alice")
        assert resp.error_type == "InvalidSignatureException"
        rds_key, _ = server.identities["rds.amazonaws.com"]
        server.identities["forged-rds"] = (rds_key, "not the service's secret")
        resp = server.raw("ListKeys", {}, via_service="rds.us-east-1.amazonaws.com", service_signer="forged-rds")
        assert resp.error_type == "AccessDeniedException"
        server.identities["stranger"] = ("test", "test")
        assert server.raw("ListKeys", {}, who="stranger").status == 200
    finally:
        server.close()


# 12. A countersignature could be reused by another user within the skew window.
def test_a_countersignature_is_bound_to_its_user(kmsd):
    alice_key, _ = kmsd.identities["alice"]
    body = {"KeyId": "alias/aws/rds", "KeySpec": "AES_256"}
    # The service signed for alice; bob presents it.
    resp = kmsd.raw("GenerateDataKey", body, who="bob", via_service="rds.us-east-1.amazonaws.com",
                    via_principal=alice_key)
    assert resp.error_type == "AccessDeniedException"
    assert "made for another caller" in resp.message
    resp = kmsd.raw("GenerateDataKey", body, who="bob", via_service="rds.us-east-1.amazonaws.com",
                    via_principal=False)
    assert resp.error_type == "AccessDeniedException"
    assert "X-Kmsd-Via-Principal" in resp.message
    assert kmsd.via_rds("GenerateDataKey", body, who="bob").status == 200


# 13. Context keys differing only in case satisfied a condition one of them fails.
def test_case_variants_of_a_context_key_cannot_satisfy_a_condition(kmsd):
    alice = kmsd.client()
    key = new_key(kmsd)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/alice" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "TenantA", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/bob" % ACCOUNT},
         "Action": "kms:Encrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "A"}}}]}
    alice.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(policy))
    bob = kmsd.client("bob")
    bob.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"tenant": "A"})
    for context in ({"Tenant": "B", "tenant": "A"}, {"tenant": "A", "TENANT": "B"}):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            bob.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext=context)
        assert error_code(e.value) == "AccessDeniedException"


# 14. A second kmsd shared the port (SO_REUSEPORT) or the data directory.
def test_a_second_server_on_a_taken_port_or_data_directory_fails(kmsd, tmp_path):
    other_dir = str(tmp_path / "other")
    proc = subprocess.run([KMSD, "--config", CONFIG, "--data-dir", other_dir, "--port", str(kmsd.port)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "Address already in use" in proc.stderr
    proc = subprocess.run([KMSD, "--config", CONFIG, "--data-dir", kmsd.data_dir, "--port", "0"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "is in use by kmsd process %d" % kmsd.proc.pid in proc.stderr
    assert kmsd.raw("ListKeys", {}).status == 200


# 15. KMSD_ROOT_KEY stayed in the process environment.
def test_the_root_key_leaves_the_environment(tmp_path):
    root_key = "ab" * 32
    server = Kmsd(env={"KMSD_ROOT_KEY": root_key})
    try:
        with open("/proc/%d/environ" % server.proc.pid, "rb") as f:
            environ = f.read()
        assert root_key.encode() not in environ
        assert server.client().create_key()["KeyMetadata"]["Enabled"]
    finally:
        server.close()


def test_a_session_token_must_match(tmp_path):
    config = json.load(open(CONFIG))
    config["accounts"][0]["roles"][0]["session_token"] = "the-session-token"
    path = tmp_path / "kmsd.json"
    path.write_text(json.dumps(config))
    server = Kmsd(str(path))
    try:
        # Role sessions need their exact token (compared in constant time).
        for token in ("wrong-token", "the-session-toke", "the-session-token-"):
            resp = server.raw("ListKeys", {}, who="DbAdmin", headers={"X-Amz-Security-Token": token})
            assert resp.error_type == "UnrecognizedClientException", token
        resp = server.raw("ListKeys", {}, who="DbAdmin", headers={"X-Amz-Security-Token": "the-session-token"})
        assert resp.status == 200
    finally:
        server.close()
