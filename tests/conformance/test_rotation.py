"""Rotation as AWS has it: EnableKeyRotation's period, GetKeyRotationStatus,
automatic rotation by the maintenance sweep, RotateKeyOnDemand and
ListKeyRotations. Debian's botocore and AWS CLI predate the last two and
RotationPeriodInDays, so those go on the wire (Kmsd.raw)."""

import json

from kmsd_harness import ACCOUNT

DAY = 86400


def blob_version(blob):
    return int.from_bytes(blob[18:22], "big")


def rotations(server, key_id, **params):
    out = server.raw("ListKeyRotations", {"KeyId": key_id, **params})
    assert out.status == 200, out.body
    return out.json()


def test_rotation_period_and_next_rotation_date(server):
    kms = server.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert server.raw("EnableKeyRotation", {"KeyId": key, "RotationPeriodInDays": 180}).status == 200
    status = server.raw("GetKeyRotationStatus", {"KeyId": key}).json()
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 180
    assert status["KeyId"] == kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    created = kms.describe_key(KeyId=key)["KeyMetadata"]["CreationDate"].timestamp()
    assert abs(status["NextRotationDate"] - (created + 180 * DAY)) < 120
    for bad in (89, 2561):
        out = server.raw("EnableKeyRotation", {"KeyId": key, "RotationPeriodInDays": bad})
        assert out.error_type == "ValidationException", out.body
        assert "rotationPeriodInDays" in out.message
    kms.disable_key_rotation(KeyId=key)
    assert server.raw("GetKeyRotationStatus", {"KeyId": key}).json() == {
        "KeyRotationEnabled": False, "KeyId": status["KeyId"]}


def test_automatic_rotation_happens_when_due_and_old_ciphertexts_decrypt(server):
    kms = server.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    server.raw("EnableKeyRotation", {"KeyId": key, "RotationPeriodInDays": 90})
    old = kms.encrypt(KeyId=key, Plaintext=b"before")["CiphertextBlob"]
    assert rotations(server, key)["Rotations"] == []
    server.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(91 * DAY)})
    kms = server.client()
    listed = rotations(server, key)["Rotations"]
    assert [r["RotationType"] for r in listed] == ["AUTOMATIC"]
    assert listed[0]["KeyId"] == key and listed[0]["KeyMaterialState"] == "CURRENT"
    new = kms.encrypt(KeyId=key, Plaintext=b"after")["CiphertextBlob"]
    assert (blob_version(old), blob_version(new)) == (1, 2)
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"
    # The next rotation is a period after this one.
    status = server.raw("GetKeyRotationStatus", {"KeyId": key}).json()
    assert abs(status["NextRotationDate"] - listed[0]["RotationDate"] - 90 * DAY) < 120
    # CloudTrail has the RotateKey service event with the new material's id.
    events = server.client(service="cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "RotateKey"}])["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["eventType"] == "AwsServiceEvent"
    assert record["additionalEventData"] == {"keyMaterialId": listed[0]["KeyMaterialId"],
                                             "rotationType": "AUTOMATIC"}


def test_rotate_key_on_demand(server):
    kms = server.client()
    meta = kms.create_key()["KeyMetadata"]
    key, arn = meta["KeyId"], meta["Arn"]
    old = kms.encrypt(KeyId=key, Plaintext=b"v1")["CiphertextBlob"]
    out = server.raw("RotateKeyOnDemand", {"KeyId": key})
    assert out.status == 200 and out.json() == {"KeyId": arn}
    # Automatic rotation stays off; the new material is current.
    assert server.raw("GetKeyRotationStatus", {"KeyId": key}).json()["KeyRotationEnabled"] is False
    new = kms.encrypt(KeyId=key, Plaintext=b"v2")["CiphertextBlob"]
    assert (blob_version(old), blob_version(new)) == (1, 2)
    assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"v1"
    listed = rotations(server, arn)["Rotations"]
    assert [(r["RotationType"], r["KeyMaterialState"]) for r in listed] == [("ON_DEMAND", "CURRENT")]
    # ALL_KEY_MATERIAL adds the first material, which no rotation made.
    everything = rotations(server, key, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    assert [r.get("RotationType") for r in everything] == [None, "ON_DEMAND"]
    assert everything[0]["KeyMaterialState"] == "NON_CURRENT"
    # The call's record names the key and the new material.
    events = server.client(service="cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "RotateKeyOnDemand"}])
    record = json.loads(events["Events"][0]["CloudTrailEvent"])
    assert record["requestParameters"] == {"keyId": key}
    assert record["responseElements"] == {"keyId": arn}
    assert record["additionalEventData"]["keyMaterialId"] == listed[0]["KeyMaterialId"]


def test_rotate_key_on_demand_keeps_the_automatic_schedule(server):
    key = server.client().create_key()["KeyMetadata"]["KeyId"]
    server.raw("EnableKeyRotation", {"KeyId": key, "RotationPeriodInDays": 365})
    before = server.raw("GetKeyRotationStatus", {"KeyId": key}).json()["NextRotationDate"]
    server.raw("RotateKeyOnDemand", {"KeyId": key})
    assert server.raw("GetKeyRotationStatus", {"KeyId": key}).json()["NextRotationDate"] == before


def test_rotate_key_on_demand_errors_as_aws_answers_them(server):
    kms = server.client()
    meta = kms.create_key()["KeyMetadata"]
    arn = meta["Arn"]
    kms.disable_key(KeyId=arn)
    out = server.raw("RotateKeyOnDemand", {"KeyId": arn})
    assert (out.error_type, out.message) == ("DisabledException", arn + " is disabled.")
    kms.enable_key(KeyId=arn)
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    out = server.raw("RotateKeyOnDemand", {"KeyId": arn})
    assert (out.error_type, out.message) == ("KMSInvalidStateException", arn + " is pending deletion.")
    missing = arn[:-36] + "00000000-0000-0000-0000-000000000000"
    out = server.raw("RotateKeyOnDemand", {"KeyId": missing})
    assert (out.error_type, out.message) == ("NotFoundException", "Key '%s' does not exist" % missing)
    rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    out = server.raw("RotateKeyOnDemand", {"KeyId": rsa})
    assert out.error_type == "UnsupportedOperationException" and out.json().get("message", "") == ""
    out = server.raw("ListKeyRotations", {"KeyId": rsa})
    assert out.error_type == "UnsupportedOperationException"
    kms.create_alias(AliasName="alias/rot", TargetKeyId=rsa)
    out = server.raw("RotateKeyOnDemand", {"KeyId": "alias/rot"})
    assert out.error_type == "NotFoundException"
    # Another account's key cannot be rotated (cross-account use: no).
    carol = server.raw("RotateKeyOnDemand", {"KeyId": arn}, who="carol")
    assert carol.error_type == "NotFoundException"


def test_on_demand_rotations_stop_at_the_limit(server):
    key = server.client().create_key()["KeyMetadata"]
    for _ in range(25):
        assert server.raw("RotateKeyOnDemand", {"KeyId": key["KeyId"]}).status == 200
    out = server.raw("RotateKeyOnDemand", {"KeyId": key["KeyId"]})
    assert out.error_type == "LimitExceededException"
    assert out.message == ("The on-demand rotations limit has been reached for the given keyId. "
                           "No more on-demand rotations can be performed for this key: " + key["Arn"])
    # ListKeyRotations pages through all 25.
    first = rotations(server, key["KeyId"], Limit=10)
    assert len(first["Rotations"]) == 10 and first["Truncated"] is True
    rest = rotations(server, key["KeyId"], Marker=first["NextMarker"])
    assert len(rest["Rotations"]) == 15 and rest["Truncated"] is False
    out = server.raw("ListKeyRotations", {"KeyId": key["KeyId"], "Marker": "bogus"})
    assert (out.error_type, out.message) == ("InvalidMarkerException", "Invalid marker: bogus")


def test_rotate_key_on_demand_needs_its_permission(server):
    kms = server.client()
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "all but rotation", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "no rotation", "Effect": "Deny",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": ["kms:RotateKeyOnDemand", "kms:ListKeyRotations"], "Resource": "*"}]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    for operation in ("RotateKeyOnDemand", "ListKeyRotations"):
        out = server.raw(operation, {"KeyId": key})
        assert out.error_type == "AccessDeniedException", out.body
        assert "kms:" + operation in out.message
