"""Key life cycle against the real kmsd, with boto3 and the AWS CLI v2."""

import datetime
import json

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, error_code, error_message

REGION = "us-east-1"


def arn(key_id, region=REGION, account=ACCOUNT):
    return "arn:aws:kms:%s:%s:key/%s" % (region, account, key_id)


def test_create_key_with_cli_returns_aws_shaped_metadata(kmsd):
    meta = kmsd.cli("kms", "create-key", "--description", "demo")["KeyMetadata"]
    assert meta["AWSAccountId"] == ACCOUNT
    assert meta["Arn"] == arn(meta["KeyId"])
    assert meta["Description"] == "demo"
    assert meta["Enabled"] is True
    assert meta["KeyState"] == "Enabled"
    assert meta["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert meta["KeyManager"] == "CUSTOMER"
    assert meta["KeySpec"] == meta["CustomerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert meta["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]
    assert meta["Origin"] == "AWS_KMS"
    assert meta["MultiRegion"] is False
    assert "DeletionDate" not in meta


def test_describe_key_accepts_all_four_forms(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/describe-forms", TargetKeyId=key_id)
    for form in (key_id, arn(key_id), "alias/describe-forms",
                 "arn:aws:kms:%s:%s:alias/describe-forms" % (REGION, ACCOUNT)):
        assert kms.describe_key(KeyId=form)["KeyMetadata"]["KeyId"] == key_id


def test_describe_unknown_and_malformed_keys_give_kms_texts(kmsd):
    kms = kmsd.client()
    missing = "11111111-2222-4333-8444-555555555555"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.describe_key(KeyId=missing)
    assert error_code(e.value) == "NotFoundException"
    assert error_message(e.value) == "Key '%s' does not exist" % arn(missing)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.describe_key(KeyId="fake-key-id")
    assert error_message(e.value) == "Invalid keyId 'fake-key-id'"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_keys_are_regional(kmsd):
    east = kmsd.client(region="us-east-1")
    west = kmsd.client(region="eu-west-1")
    key_id = east.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.describe_key(KeyId=key_id)
    assert error_message(e.value) == "Key '%s' does not exist" % arn(key_id, "eu-west-1")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        west.describe_key(KeyId=arn(key_id))
    assert error_message(e.value) == "Invalid arn us-east-1"
    west_key = west.create_key()["KeyMetadata"]
    assert west_key["Arn"].startswith("arn:aws:kms:eu-west-1:")
    west_ids = [k["KeyId"] for k in west.list_keys(Limit=1000)["Keys"]]
    assert key_id not in west_ids and west_key["KeyId"] in west_ids


def test_list_keys_pages_with_limit_and_marker(kmsd):
    kms = kmsd.client(region="ap-south-1")
    created = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(5)}
    seen, marker, pages = [], None, 0
    while True:
        args = {"Limit": 2}
        if marker:
            args["Marker"] = marker
        page = kms.list_keys(**args)
        pages += 1
        seen += [k["KeyId"] for k in page["Keys"]]
        for k in page["Keys"]:
            assert k["KeyArn"] == arn(k["KeyId"], "ap-south-1")
        if not page["Truncated"]:
            assert "NextMarker" not in page
            break
        marker = page["NextMarker"]
    assert set(seen) == created and len(seen) == 5 and pages == 3
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.list_keys(Marker="not-a-marker")
    assert error_code(e.value) == "InvalidMarkerException"


def test_list_keys_paginates_in_cli(kmsd):
    for _ in range(3):
        kmsd.cli("kms", "create-key", region="sa-east-1")
    out = kmsd.cli("kms", "list-keys", "--page-size", "1", region="sa-east-1")
    assert len(out["Keys"]) == 3


def test_disable_and_enable_key(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key_id)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "Disabled" and meta["Enabled"] is False
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    assert error_code(e.value) == "DisabledException"
    assert error_message(e.value) == "%s is disabled." % arn(key_id)
    kms.enable_key(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_enable_key_refuses_aliases(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/no-alias-for-enable", TargetKeyId=key_id)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.enable_key(KeyId="alias/no-alias-for-enable")
    assert error_code(e.value) == "NotFoundException"


def test_schedule_and_cancel_deletion(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=6)
    assert error_code(e.value) == "ValidationException"
    assert error_message(e.value) == "PendingWindowInDays must be between 7 and 30"
    out = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert out["KeyId"] == arn(key_id)
    assert out["KeyState"] == "PendingDeletion"
    assert out["PendingWindowInDays"] == 7
    delta = out["DeletionDate"] - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(days=6, hours=23) < delta <= datetime.timedelta(days=7)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion" and "DeletionDate" in meta
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    assert error_code(e.value) == "KMSInvalidStateException"
    assert error_message(e.value) == "%s is pending deletion." % arn(key_id)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.enable_key(KeyId=key_id)
    assert error_code(e.value) == "KMSInvalidStateException"
    assert kms.cancel_key_deletion(KeyId=key_id)["KeyId"] == arn(key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.cancel_key_deletion(KeyId=key_id)
    assert error_message(e.value) == "%s is not pending deletion." % arn(key_id)


def test_rotation_settings(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    kms.enable_key_rotation(KeyId=key_id)
    status = kms.get_key_rotation_status(KeyId=key_id)
    assert status["KeyRotationEnabled"] is True
    kms.disable_key_rotation(KeyId=key_id)
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    kms.disable_key(KeyId=key_id)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.enable_key_rotation(KeyId=key_id)
    assert error_code(e.value) == "DisabledException"


def test_rotation_period_in_cli(kmsd):
    key_id = kmsd.cli("kms", "create-key")["KeyMetadata"]["KeyId"]
    kmsd.cli("kms", "enable-key-rotation", "--key-id", key_id)
    assert kmsd.cli("kms", "get-key-rotation-status", "--key-id", key_id)["KeyRotationEnabled"] is True


def test_tags(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "db"}])["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": ""}, {"TagKey": "team", "TagValue": "ops"}])
    tags = kms.list_resource_tags(KeyId=key_id)
    assert tags["Tags"] == [{"TagKey": "team", "TagValue": "ops"}, {"TagKey": "env", "TagValue": ""}]
    assert tags["Truncated"] is False
    kms.untag_resource(KeyId=key_id, TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "env", "TagValue": ""}]
    for bad, message in (([{"TagKey": "aws:x", "TagValue": "1"}], "Tags beginning with aws: are reserved"),
                         ([{"TagKey": "AWS:x", "TagValue": "1"}], "Tags beginning with aws: are reserved"),
                         ([{"TagKey": "a", "TagValue": "1"}, {"TagKey": "a", "TagValue": "2"}], "Duplicate tag keys")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kms.tag_resource(KeyId=key_id, Tags=bad)
        assert error_code(e.value) == "TagException" and error_message(e.value) == message
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_key(Tags=[{"TagKey": "t%d" % i, "TagValue": "v"} for i in range(51)])
    assert error_code(e.value) == "TagException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k" * 129, "TagValue": "v"}])
    assert error_message(e.value) == (
        "1 validation error detected: Value '%s' at 'tags.1.member.tagKey' failed to satisfy constraint: "
        "Member must have length less than or equal to 128" % ("k" * 129))


def test_update_key_description(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key(Description="old")["KeyMetadata"]["KeyId"]
    kms.update_key_description(KeyId=key_id, Description="new")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "new"


def test_default_key_policy_is_awss_text(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    out = kms.get_key_policy(KeyId=key_id, PolicyName="default")
    assert out["Policy"] == (
        '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
        '    "Sid" : "Enable IAM User Permissions",\n    "Effect" : "Allow",\n    "Principal" : {\n'
        '      "AWS" : "arn:aws:iam::%s:root"\n    },\n    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}' % ACCOUNT)
    assert kms.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]


def test_key_usage_must_fit_the_key_spec(kmsd):
    kms = kmsd.client()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_key(KeySpec="RSA_2048")
    assert error_code(e.value) == "ValidationException"
    assert e.value.response["Error"]["Message"] == (
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_key(KeyUsage="SIGN_VERIFY")
    assert error_code(e.value) == "ValidationException"


def test_managed_rds_key_is_created_on_first_use_per_account_and_region(kmsd):
    east = kmsd.client().describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
    again = kmsd.client().describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
    west = kmsd.client(region="eu-west-1").describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
    other = kmsd.client("carol").describe_key(KeyId="alias/aws/rds")["KeyMetadata"]
    assert east["KeyId"] == again["KeyId"]
    assert east["KeyId"] != west["KeyId"] and east["KeyId"] != other["KeyId"]
    assert east["KeyManager"] == "AWS"
    assert east["Description"] == "Default key that protects my RDS database volumes when no other key is defined"
    assert other["AWSAccountId"] == "444455556666"
    assert west["Arn"].startswith("arn:aws:kms:eu-west-1:%s:key/" % ACCOUNT)
    policy = json.loads(kmsd.client().get_key_policy(KeyId=east["KeyId"], PolicyName="default")["Policy"])
    assert policy["Id"] == "auto-rds-2"
    condition = policy["Statement"][0]["Condition"]["StringEquals"]
    assert condition == {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "rds.us-east-1.amazonaws.com"}
    assert kmsd.client().get_key_rotation_status(KeyId=east["KeyId"])["KeyRotationEnabled"] is True


@pytest.mark.parametrize("call", [
    lambda kms, k: kms.disable_key(KeyId=k),
    lambda kms, k: kms.schedule_key_deletion(KeyId=k, PendingWindowInDays=7),
    lambda kms, k: kms.put_key_policy(KeyId=k, PolicyName="default", Policy="{}"),
    lambda kms, k: kms.enable_key_rotation(KeyId=k),
    lambda kms, k: kms.disable_key_rotation(KeyId=k),
    lambda kms, k: kms.tag_resource(KeyId=k, Tags=[{"TagKey": "a", "TagValue": "b"}]),
    lambda kms, k: kms.create_alias(AliasName="alias/my-rds", TargetKeyId=k),
])
def test_customers_cannot_manage_the_managed_key(kmsd, call):
    kms = kmsd.client()
    key_id = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyId"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(kms, key_id)
    assert error_code(e.value) in ("AccessDeniedException", "NotAuthorizedException")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_everything_survives_a_restart(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key(Description="persist", Tags=[{"TagKey": "a", "TagValue": "b"}])["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/persist", TargetKeyId=key_id)
    blob = kms.encrypt(KeyId="alias/persist", Plaintext=b"durable", EncryptionContext={"k": "v"})["CiphertextBlob"]
    rds_key = kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyId"]
    kmsd.restart()
    kms = kmsd.client()
    meta = kms.describe_key(KeyId="alias/persist")["KeyMetadata"]
    assert meta["KeyId"] == key_id and meta["Description"] == "persist"
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "a", "TagValue": "b"}]
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})["Plaintext"] == b"durable"
    assert kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyId"] == rds_key


def test_deletion_happens_after_the_window(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=key_id)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    kmsd.restart()
    assert kmsd.client().describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    # Restart with the key-lifecycle clock 8 days ahead: maintenance deletes it.
    kmsd.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(8 * 86400)})
    try:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kmsd.client().describe_key(KeyId=key_id)
        assert error_code(e.value) == "NotFoundException"
        aliases = [a["AliasName"] for a in kmsd.client().list_aliases()["Aliases"]]
        assert "alias/doomed" not in aliases
    finally:
        kmsd.restart()
