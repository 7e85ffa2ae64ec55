"""Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases."""

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, error_code, error_message


def alias_arn(name, region="us-east-1"):
    return "arn:aws:kms:%s:%s:%s" % (region, ACCOUNT, name)


def new_key(kms):
    return kms.create_key()["KeyMetadata"]["KeyId"]


def test_create_update_delete_alias_with_cli(kmsd):
    k1 = kmsd.cli("kms", "create-key")["KeyMetadata"]["KeyId"]
    k2 = kmsd.cli("kms", "create-key")["KeyMetadata"]["KeyId"]
    kmsd.cli("kms", "create-alias", "--alias-name", "alias/cli-alias", "--target-key-id", k1)
    assert kmsd.cli("kms", "describe-key", "--key-id", "alias/cli-alias")["KeyMetadata"]["KeyId"] == k1
    kmsd.cli("kms", "update-alias", "--alias-name", "alias/cli-alias", "--target-key-id", k2)
    assert kmsd.cli("kms", "describe-key", "--key-id", "alias/cli-alias")["KeyMetadata"]["KeyId"] == k2
    listed = kmsd.cli("kms", "list-aliases", "--key-id", k2)["Aliases"]
    assert [a["AliasName"] for a in listed] == ["alias/cli-alias"]
    assert listed[0]["AliasArn"] == alias_arn("alias/cli-alias")
    assert listed[0]["TargetKeyId"] == k2
    kmsd.cli("kms", "delete-alias", "--alias-name", "alias/cli-alias")
    proc = kmsd.cli("kms", "describe-key", "--key-id", "alias/cli-alias", check=False)
    assert proc.returncode != 0
    assert "NotFoundException" in proc.stderr
    assert "Alias %s is not found." % alias_arn("alias/cli-alias") in proc.stderr


def test_alias_errors_match_kms(kmsd):
    kms = kmsd.client()
    key = new_key(kms)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="no-prefix", TargetKeyId=key)
    assert error_code(e.value) == "ValidationException"
    assert error_message(e.value) == ('Alias must start with the prefix "alias/". Please see '
                                      "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=key)
    assert error_code(e.value) == "NotAuthorizedException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="alias/bad name", TargetKeyId=key)
    assert error_code(e.value) == "ValidationException"
    assert "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$" in error_message(e.value)
    kms.create_alias(AliasName="alias/taken", TargetKeyId=key)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="alias/taken", TargetKeyId=new_key(kms))
    assert error_code(e.value) == "AlreadyExistsException"
    assert error_message(e.value) == "An alias with the name %s already exists" % alias_arn("alias/taken")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.delete_alias(AliasName="alias/never-was")
    assert error_code(e.value) == "NotFoundException"
    assert error_message(e.value) == "Alias %s is not found." % alias_arn("alias/never-was")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.update_alias(AliasName="alias/never-was", TargetKeyId=key)
    assert error_code(e.value) == "NotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="alias/to-missing", TargetKeyId="11111111-2222-4333-8444-555555555555")
    assert error_code(e.value) == "NotFoundException"


def test_alias_cannot_target_a_key_pending_deletion(kmsd):
    kms = kmsd.client()
    key = new_key(kms)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.create_alias(AliasName="alias/pending", TargetKeyId=key)
    assert error_code(e.value) == "KMSInvalidStateException"


def test_aliases_are_per_region(kmsd):
    east, west = kmsd.client(), kmsd.client(region="eu-west-1")
    east.create_alias(AliasName="alias/regional", TargetKeyId=new_key(east))
    west.create_alias(AliasName="alias/regional", TargetKeyId=new_key(west))
    assert (east.describe_key(KeyId="alias/regional")["KeyMetadata"]["Arn"].split(":")[3],
            west.describe_key(KeyId="alias/regional")["KeyMetadata"]["Arn"].split(":")[3]) == ("us-east-1", "eu-west-1")


def test_list_aliases_pages(kmsd):
    kms = kmsd.client(region="ca-central-1")
    key = new_key(kms)
    names = ["alias/page-%02d" % i for i in range(7)]
    for name in names:
        kms.create_alias(AliasName=name, TargetKeyId=key)
    seen, marker = [], None
    while True:
        page = kms.list_aliases(Limit=3, **({"Marker": marker} if marker else {}))
        seen += [a["AliasName"] for a in page["Aliases"]]
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert seen == names
    by_key = kms.list_aliases(KeyId=key, Limit=5)
    assert len(by_key["Aliases"]) == 5 and by_key["Truncated"] is True
    rest = kms.list_aliases(KeyId=key, Marker=by_key["NextMarker"])
    assert [a["AliasName"] for a in by_key["Aliases"] + rest["Aliases"]] == names
    assert kmsd.cli("kms", "list-aliases", "--page-size", "2", region="ca-central-1")["Aliases"][-1]["AliasName"] == names[-1]
