"""Multi-Region keys: CreateKey MultiRegion, ReplicateKey, UpdatePrimaryRegion,
MultiRegionConfiguration, what the keys of a set share (key material,
rotation) and what each has of its own (description, policy, tags, state,
grants), the deletion rules (PendingReplicaDeletion), the condition keys and
the CloudTrail records, with boto3 and the AWS CLI."""

import json

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, error_code

EAST, WEST, EU = "us-east-1", "us-west-2", "eu-west-1"
DAY = 86400


def arn(key_id, region):
    return "arn:aws:kms:%s:%s:key/%s" % (region, ACCOUNT, key_id)


def failure(call, **params):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(**params)
    return error_code(e.value), e.value.response["Error"]["Message"]


def material_id(server, key, region=EAST):
    """CurrentKeyMaterialId (newer than Debian's botocore: read off the wire)."""
    out = server.raw("DescribeKey", {"KeyId": key}, region=region)
    assert out.status == 200, out.body
    return out.json()["KeyMetadata"]["CurrentKeyMaterialId"]


def new_set(server, *regions, **create):
    """A multi-Region primary in us-east-1 with replicas in `regions`."""
    key = server.client().create_key(MultiRegion=True, **create)["KeyMetadata"]["KeyId"]
    for region in regions:
        server.client().replicate_key(KeyId=key, ReplicaRegion=region)
    return key


def test_create_multi_region_key_describes_the_primary(server):
    meta = server.client().create_key(MultiRegion=True, Description="mr")["KeyMetadata"]
    key = meta["KeyId"]
    assert key.startswith("mrk-") and len(key) == 36
    assert meta["MultiRegion"] is True and meta["Arn"] == arn(key, EAST)
    assert meta["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "PRIMARY", "PrimaryKey": {"Arn": arn(key, EAST), "Region": EAST},
        "ReplicaKeys": []}
    # A single-Region key has no configuration at all (recorded against AWS).
    plain = server.client().create_key()["KeyMetadata"]
    assert plain["MultiRegion"] is False and "MultiRegionConfiguration" not in plain
    # Only in its region until replicated.
    code, message = failure(server.client(region=WEST).describe_key, KeyId=key)
    assert code == "NotFoundException" and message == "Key '%s' does not exist" % arn(key, WEST)


def test_replicate_key_answers_as_aws_and_the_replica_decrypts_the_primarys_ciphertext(server):
    east, west = server.client(), server.client(region=WEST)
    key = east.create_key(MultiRegion=True, Description="primary's own")["KeyMetadata"]["KeyId"]
    blob = east.encrypt(KeyId=key, Plaintext=b"from east", EncryptionContext={"k": "v"})["CiphertextBlob"]
    out = east.replicate_key(KeyId=key, ReplicaRegion=WEST, Tags=[{"TagKey": "t", "TagValue": "1"}])
    meta = out["ReplicaKeyMetadata"]
    # As recorded against AWS: the replica is still being made when KMS answers.
    assert meta["KeyState"] == "Creating" and meta["Enabled"] is False
    assert meta["KeyId"] == key and meta["Arn"] == arn(key, WEST) and meta["Description"] == ""
    assert meta["MultiRegionConfiguration"] == {
        "MultiRegionKeyType": "REPLICA", "PrimaryKey": {"Arn": arn(key, EAST), "Region": EAST},
        "ReplicaKeys": [{"Arn": arn(key, WEST), "Region": WEST}]}
    policy = json.loads(out["ReplicaPolicy"])
    assert policy["Id"] == "key-default-1"
    assert out["ReplicaTags"] == [{"TagKey": "t", "TagValue": "1"}]

    replica = west.describe_key(KeyId=key)["KeyMetadata"]
    primary = east.describe_key(KeyId=key)["KeyMetadata"]
    assert replica["KeyState"] == "Enabled" and replica["Enabled"] is True
    assert material_id(server, key, WEST) == material_id(server, key)
    assert primary["MultiRegionConfiguration"]["ReplicaKeys"] == [{"Arn": arn(key, WEST), "Region": WEST}]
    assert primary["Description"] == "primary's own"
    # The same key material: each region opens the other's ciphertext.
    assert west.decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})["Plaintext"] == b"from east"
    data_key = west.generate_data_key(KeyId=arn(key, WEST), KeySpec="AES_256")
    assert east.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]
    assert east.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["KeyId"] == arn(key, EAST)
    # ...but never in a region without a key of the set.
    code, _ = failure(server.client(region=EU).decrypt, CiphertextBlob=blob, EncryptionContext={"k": "v"})
    assert code == "AccessDeniedException"
    # Tags are the replica's own.
    assert west.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "t", "TagValue": "1"}]
    assert east.list_resource_tags(KeyId=key)["Tags"] == []


def test_replicate_key_errors(server):
    east = server.client()
    key = new_set(server, WEST)
    code, message = failure(server.client(region=WEST).replicate_key, KeyId=key, ReplicaRegion=EU)
    # Recorded against AWS.
    assert (code, message) == ("UnsupportedOperationException",
                               "%s is not a multi-region primary key." % arn(key, WEST))
    single = east.create_key()["KeyMetadata"]["KeyId"]
    code, message = failure(east.replicate_key, KeyId=single, ReplicaRegion=WEST)
    assert code == "UnsupportedOperationException" and message.endswith("is not a multi-region primary key.")
    for taken in (WEST, EAST):
        code, message = failure(east.replicate_key, KeyId=key, ReplicaRegion=taken)
        assert code == "AlreadyExistsException" and taken in message
    code, message = failure(east.replicate_key, KeyId=key, ReplicaRegion="mars")
    assert code == "ValidationException"
    assert "replicaRegion" in message and "^([a-z]+-){2,3}\\d+$" in message
    code, _ = failure(east.replicate_key, KeyId="alias/none", ReplicaRegion=EU)
    assert code == "NotFoundException"
    code, message = failure(east.replicate_key, KeyId=key, ReplicaRegion=EU, Policy="{not json")
    assert code == "MalformedPolicyDocumentException"
    east.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    code, message = failure(east.replicate_key, KeyId=key, ReplicaRegion=EU)
    assert code == "KMSInvalidStateException" and "pending replica deletion" in message
    # Nothing was made by any of the failures.
    code, _ = failure(server.client(region=EU).describe_key, KeyId=key)
    assert code == "NotFoundException"


def test_list_keys_pages_over_multi_region_keys(server):
    west = server.client(region=WEST)
    keys = {new_set(server, WEST) for _ in range(3)}
    seen, marker = [], None
    while True:
        page = west.list_keys(Limit=1, **({"Marker": marker} if marker else {}))
        seen += [k["KeyId"] for k in page["Keys"]]
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert sorted(seen) == sorted(keys)
    assert all(k["KeyArn"] == arn(k["KeyId"], WEST) for k in west.list_keys()["Keys"])


def test_state_description_policy_and_grants_are_each_replicas_own(server):
    east, west = server.client(), server.client(region=WEST)
    key = new_set(server, WEST)
    east.disable_key(KeyId=key)
    west.update_key_description(KeyId=key, Description="west")
    assert west.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
    assert east.describe_key(KeyId=key)["KeyMetadata"]["Description"] == ""
    blob = west.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    code, _ = failure(east.decrypt, CiphertextBlob=blob)
    assert code == "DisabledException"
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    # A grant made in one region is that replica's only.
    grant = west.create_grant(KeyId=key, GranteePrincipal="arn:aws:iam::%s:user/bob" % ACCOUNT,
                              Operations=["Decrypt"])
    assert len(west.list_grants(KeyId=key)["Grants"]) == 1
    assert east.list_grants(KeyId=key)["Grants"] == []
    west.retire_grant(GrantToken=grant["GrantToken"])
    assert west.list_grants(KeyId=key)["Grants"] == []
    # Policies are separate documents.
    assert west.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    east.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
                                                "Action": "kms:*", "Resource": "*", "Sid": "only east"}]}))
    assert "only east" not in west.get_key_policy(KeyId=key, PolicyName="default")["Policy"]


def test_rotation_is_the_primarys_and_replicas_follow(server):
    east, west = server.client(), server.client(region=WEST)
    key = new_set(server, WEST)
    old = west.encrypt(KeyId=key, Plaintext=b"before")["CiphertextBlob"]
    for operation in ("EnableKeyRotation", "DisableKeyRotation", "RotateKeyOnDemand"):
        out = server.raw(operation, {"KeyId": key}, region=WEST)
        assert out.error_type == "UnsupportedOperationException", out.body
        assert out.message == "%s is not a multi-region primary key." % arn(key, WEST)
    assert server.raw("EnableKeyRotation", {"KeyId": key, "RotationPeriodInDays": 90}).status == 200
    status = server.raw("GetKeyRotationStatus", {"KeyId": key}, region=WEST).json()
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 90
    assert server.raw("RotateKeyOnDemand", {"KeyId": key}).status == 200
    assert material_id(server, key, WEST) == material_id(server, key)
    rotated = server.raw("ListKeyRotations", {"KeyId": key}, region=WEST).json()["Rotations"]
    assert [r["RotationType"] for r in rotated] == ["ON_DEMAND"]
    new = east.encrypt(KeyId=key, Plaintext=b"after")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=new)["Plaintext"] == b"after"
    assert east.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"
    # The sweep rotates the primary when due, and the replica with it.
    server.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(91 * DAY)})
    east, west = server.client(), server.client(region=WEST)
    assert material_id(server, key, WEST) == material_id(server, key)
    rotated = server.raw("ListKeyRotations", {"KeyId": key}, region=WEST).json()["Rotations"]
    assert [r["RotationType"] for r in rotated] == ["ON_DEMAND", "AUTOMATIC"]
    assert west.decrypt(CiphertextBlob=east.encrypt(KeyId=key, Plaintext=b"z")["CiphertextBlob"])["Plaintext"] == b"z"


def test_update_primary_region(server):
    east, west = server.client(), server.client(region=WEST)
    key = new_set(server, WEST, EU)
    code, message = failure(west.update_primary_region, KeyId=key, PrimaryRegion=EU)
    assert (code, message) == ("UnsupportedOperationException",
                               "%s is not a multi-region primary key." % arn(key, WEST))
    code, message = failure(east.update_primary_region, KeyId=key, PrimaryRegion="ap-south-1")
    assert (code, message) == ("NotFoundException", "Key '%s' does not exist" % arn(key, "ap-south-1"))
    code, _ = failure(east.update_primary_region, KeyId=key, PrimaryRegion=EAST)
    assert code == "ValidationException"
    west.disable_key(KeyId=key)
    code, message = failure(east.update_primary_region, KeyId=key, PrimaryRegion=WEST)
    assert (code, message) == ("DisabledException", "%s is disabled." % arn(key, WEST))
    west.enable_key(KeyId=key)

    east.update_primary_region(KeyId=key, PrimaryRegion=WEST)
    for client in (east, west, server.client(region=EU)):
        config = client.describe_key(KeyId=key)["KeyMetadata"]["MultiRegionConfiguration"]
        assert config["PrimaryKey"] == {"Arn": arn(key, WEST), "Region": WEST}
        assert sorted(r["Region"] for r in config["ReplicaKeys"]) == sorted([EAST, EU])
    assert east.describe_key(KeyId=key)["KeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"] == "REPLICA"
    # Now only the new primary replicates and rotates.
    code, _ = failure(east.replicate_key, KeyId=key, ReplicaRegion="ap-south-1")
    assert code == "UnsupportedOperationException"
    west.replicate_key(KeyId=key, ReplicaRegion="ap-south-1")
    assert server.raw("RotateKeyOnDemand", {"KeyId": key}, region=WEST).status == 200
    ids = {material_id(server, key, region) for region in (EAST, WEST, EU, "ap-south-1")}
    assert len(ids) == 1


def test_a_primary_with_replicas_waits_for_their_deletion(server):
    east, west = server.client(), server.client(region=WEST)
    key = new_set(server, WEST)
    out = east.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert out["KeyState"] == "PendingReplicaDeletion" and out["PendingWindowInDays"] == 7
    assert "DeletionDate" not in out
    meta = east.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["KeyState"] == "PendingReplicaDeletion" and "DeletionDate" not in meta
    assert meta["PendingDeletionWindowInDays"] == 7 and meta["Enabled"] is False
    code, message = failure(east.encrypt, KeyId=key, Plaintext=b"x")
    assert code == "KMSInvalidStateException" and message == "%s is pending replica deletion." % arn(key, EAST)
    assert east.cancel_key_deletion(KeyId=key)["KeyId"] == arn(key, EAST)
    assert east.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"
    east.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    west.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    # The replica goes after its 7 days; then the primary's 7 days start.
    server.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(8 * DAY)})
    east, west = server.client(), server.client(region=WEST)
    code, _ = failure(west.describe_key, KeyId=key)
    assert code == "NotFoundException"
    meta = east.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion" and meta["MultiRegionConfiguration"]["ReplicaKeys"] == []
    assert meta["DeletionDate"].timestamp() > meta["CreationDate"].timestamp() + 14 * DAY
    server.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(16 * DAY)})
    code, _ = failure(server.client().describe_key, KeyId=key)
    assert code == "NotFoundException"


def test_condition_keys(server):
    east = server.client()
    root = "arn:aws:iam::%s:root" % ACCOUNT
    admin = {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}
    policy = {"Version": "2012-10-17", "Statement": [admin, {
        "Sid": "replicas only in eu-west-1", "Effect": "Deny", "Principal": {"AWS": root},
        "Action": "kms:ReplicateKey", "Resource": "*",
        "Condition": {"StringNotEquals": {"kms:ReplicaRegion": EU}}}, {
        "Sid": "no primary moves", "Effect": "Deny", "Principal": {"AWS": root},
        "Action": "kms:UpdatePrimaryRegion", "Resource": "*",
        "Condition": {"StringEquals": {"kms:PrimaryRegion": EU}}}, {
        "Sid": "primaries do not encrypt", "Effect": "Deny", "Principal": {"AWS": root},
        "Action": "kms:Encrypt", "Resource": "*",
        "Condition": {"Bool": {"kms:MultiRegion": "true"}, "StringEquals": {"kms:MultiRegionKeyType": "PRIMARY"}}}]}
    key = east.create_key(MultiRegion=True, Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    code, message = failure(east.replicate_key, KeyId=key, ReplicaRegion=WEST)
    assert code == "AccessDeniedException" and "kms:ReplicateKey" in message and "explicit deny" in message
    out = east.replicate_key(KeyId=key, ReplicaRegion=EU, Policy=json.dumps(policy))
    assert out["ReplicaKeyMetadata"]["Arn"] == arn(key, EU)
    code, _ = failure(east.update_primary_region, KeyId=key, PrimaryRegion=EU)
    assert code == "AccessDeniedException"
    code, _ = failure(east.encrypt, KeyId=key, Plaintext=b"x")
    assert code == "AccessDeniedException"
    assert server.client(region=EU).encrypt(KeyId=key, Plaintext=b"x")["KeyId"] == arn(key, EU)
    # ReplicateKey needs kms:CreateKey in the replica's region from IAM: bob has
    # no IAM policy, so the primary's policy letting him replicate is not enough.
    bob = "arn:aws:iam::%s:user/bob" % ACCOUNT
    other = east.create_key(MultiRegion=True, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        admin, {"Sid": "bob replicates", "Effect": "Allow", "Principal": {"AWS": bob},
                "Action": ["kms:ReplicateKey", "kms:DescribeKey"], "Resource": "*"}]}))["KeyMetadata"]["KeyId"]
    code, message = failure(server.client(who="bob").replicate_key, KeyId=other, ReplicaRegion=WEST)
    assert code == "AccessDeniedException" and "kms:CreateKey" in message


def test_cloudtrail_records_both_regions(server):
    east = server.client()
    key = new_set(server, WEST)
    east.update_primary_region(KeyId=key, PrimaryRegion=WEST)

    def records(region, name):
        events = server.client(service="cloudtrail", region=region).lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": name}])["Events"]
        return [json.loads(e["CloudTrailEvent"]) for e in events]

    [replicate] = records(EAST, "ReplicateKey")
    assert replicate["requestParameters"] == {"keyId": key, "replicaRegion": WEST}
    assert replicate["responseElements"]["replicaKeyMetadata"]["keyState"] == "Creating"
    assert json.loads(replicate["responseElements"]["replicaPolicy"])["Id"] == "key-default-1"
    assert replicate["resources"][0]["ARN"] == arn(key, EAST)
    created = [r for r in records(WEST, "CreateKey")]
    assert len(created) == 1 and created[0]["userIdentity"]["invokedBy"] == "kms.amazonaws.com"
    assert created[0]["resources"][0]["ARN"] == arn(key, WEST)
    assert created[0]["responseElements"]["keyMetadata"]["multiRegionConfiguration"]["multiRegionKeyType"] == "REPLICA"
    [moved_from] = records(EAST, "UpdatePrimaryRegion")
    assert moved_from["requestParameters"] == {"keyId": key, "primaryRegion": WEST}
    [moved_to] = records(WEST, "UpdatePrimaryRegion")
    assert moved_to["requestParameters"] == {"keyId": arn(key, WEST), "primaryRegion": WEST}
    assert moved_to["userIdentity"]["invokedBy"] == "kms.amazonaws.com"


def test_aws_cli_replicates_and_moves_the_primary(server):
    key = server.cli("kms", "create-key", "--multi-region")["KeyMetadata"]["KeyId"]
    out = server.cli("kms", "replicate-key", "--key-id", key, "--replica-region", WEST,
                     "--description", "cli replica")
    assert out["ReplicaKeyMetadata"]["Description"] == "cli replica"
    server.cli("kms", "update-primary-region", "--key-id", key, "--primary-region", WEST)
    meta = server.cli("kms", "describe-key", "--key-id", key, region=WEST)["KeyMetadata"]
    assert meta["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"
    failed = server.cli("kms", "replicate-key", "--key-id", key, "--replica-region", WEST, check=False)
    assert failed.returncode != 0 and "UnsupportedOperationException" in failed.stderr


def test_imported_material_replicas_take_the_same_material_only(server, tmp_path):
    from test_import import import_material
    east, west = server.client(), server.client(region=WEST)
    key = east.create_key(MultiRegion=True, Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = bytes(range(32))
    import_material(east, tmp_path, key, material)
    out = east.replicate_key(KeyId=key, ReplicaRegion=WEST)
    assert out["ReplicaKeyMetadata"]["Origin"] == "EXTERNAL"
    assert west.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingImport"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        import_material(west, tmp_path, key, bytes(32))
    assert error_code(e.value) == "IncorrectKeyMaterialException"
    # Each key of the set takes only its own import token.
    params = east.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                            WrappingKeySpec="RSA_2048")
    code, message = failure(west.import_key_material, KeyId=key, ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=b"x" * 256)
    assert (code, message) == ("InvalidImportTokenException", "Import token is invalid.")
    import_material(west, tmp_path, key, material)
    blob = east.encrypt(KeyId=key, Plaintext=b"imported")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"
