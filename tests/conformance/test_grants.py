"""Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant,
and grants really authorizing calls."""

import base64
import json

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, error_code, error_message

BOB = "arn:aws:iam::%s:user/bob" % ACCOUNT
ALICE = "arn:aws:iam::%s:user/alice" % ACCOUNT
CAROL = "arn:aws:iam::444455556666:user/carol"
DB_CONTEXT = {"aws:rds:db-id": "db-1", "aws:ebs:id": "vol-1"}


@pytest.fixture
def key(kmsd):
    return kmsd.client().create_key(Description="grants")["KeyMetadata"]["KeyId"]


def blob_for(kmsd, key, context):
    return kmsd.client().encrypt(KeyId=key, Plaintext=b"data key", EncryptionContext=context)["CiphertextBlob"]


def expect_error(code, call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert error_code(e.value) == code, e.value.response
    return e.value


def test_subset_grant_lets_the_grantee_decrypt_only_matching_contexts(kmsd, key):
    bob = kmsd.client("bob")
    blob = blob_for(kmsd, key, DB_CONTEXT)
    # Bob has no IAM policy: the key policy alone does not let him in.
    expect_error("AccessDeniedException", lambda: bob.decrypt(CiphertextBlob=blob, EncryptionContext=DB_CONTEXT))
    grant = kmsd.client().create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"],
                                       Constraints={"EncryptionContextSubset": {"aws:ebs:id": "vol-1"}})
    assert len(grant["GrantId"]) == 64 and grant["GrantToken"]
    assert bob.decrypt(CiphertextBlob=blob, EncryptionContext=DB_CONTEXT)["Plaintext"] == b"data key"
    other = blob_for(kmsd, key, {"aws:rds:db-id": "db-1", "aws:ebs:id": "vol-2"})
    expect_error("AccessDeniedException",
                 lambda: bob.decrypt(CiphertextBlob=other, EncryptionContext={"aws:rds:db-id": "db-1", "aws:ebs:id": "vol-2"}))
    # Not a grantee, and not an operation the grant lists.
    expect_error("AccessDeniedException",
                 lambda: kmsd.client("carol").decrypt(CiphertextBlob=blob, EncryptionContext=DB_CONTEXT))
    expect_error("AccessDeniedException", lambda: bob.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext=DB_CONTEXT))


def test_equals_constraint_is_exact(kmsd, key):
    kmsd.client().create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt", "GenerateDataKey"],
                               Constraints={"EncryptionContextEquals": {"aws:ebs:id": "vol-9"}})
    bob = kmsd.client("bob")
    data_key = bob.generate_data_key(KeyId=key, KeySpec="AES_256", EncryptionContext={"aws:ebs:id": "vol-9"})
    assert bob.decrypt(CiphertextBlob=data_key["CiphertextBlob"],
                       EncryptionContext={"aws:ebs:id": "vol-9"})["Plaintext"] == data_key["Plaintext"]
    for context in ({"aws:ebs:id": "vol-9", "extra": "x"}, {}, {"aws:ebs:id": "VOL-9"}):
        expect_error("AccessDeniedException",
                     lambda: bob.generate_data_key(KeyId=key, KeySpec="AES_256", EncryptionContext=context))


def test_retire_and_revoke_take_effect_at_once(kmsd, key):
    alice, bob = kmsd.client(), kmsd.client("bob")
    blob = blob_for(kmsd, key, {})
    first = alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"], RetiringPrincipal=BOB)
    assert bob.decrypt(CiphertextBlob=blob)["Plaintext"] == b"data key"
    bob.retire_grant(GrantToken=first["GrantToken"])
    expect_error("AccessDeniedException", lambda: bob.decrypt(CiphertextBlob=blob))
    second = alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"])
    assert bob.decrypt(CiphertextBlob=blob)["Plaintext"] == b"data key"
    alice.revoke_grant(KeyId=key, GrantId=second["GrantId"])
    expect_error("AccessDeniedException", lambda: bob.decrypt(CiphertextBlob=blob))
    assert alice.list_grants(KeyId=key)["Grants"] == []
    err = expect_error("InvalidGrantIdException", lambda: alice.revoke_grant(KeyId=key, GrantId=second["GrantId"]))
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_who_may_retire(kmsd, key):
    alice = kmsd.client()
    # A grantee may retire only when the grant lists RetireGrant.
    plain = alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"])
    expect_error("AccessDeniedException", lambda: kmsd.client("bob").retire_grant(KeyId=key, GrantId=plain["GrantId"]))
    expect_error("AccessDeniedException", lambda: kmsd.client("carol").retire_grant(GrantToken=plain["GrantToken"]))
    # The issuing account may (alice's IAM policy allows kms:*).
    alice.retire_grant(KeyId=key, GrantId=plain["GrantId"])
    self_retiring = alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt", "RetireGrant"])
    kmsd.client("bob").retire_grant(GrantToken=self_retiring["GrantToken"])
    by_retiree = alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"], RetiringPrincipal=CAROL)
    kmsd.client("carol").retire_grant(GrantToken=by_retiree["GrantToken"])
    assert alice.list_grants(KeyId=key)["Grants"] == []


def test_list_grants_shapes_filters_and_paging(kmsd, key):
    alice = kmsd.client()
    ids = [alice.create_grant(KeyId=key, GranteePrincipal=BOB if i % 2 else CAROL, Operations=["Decrypt", "Encrypt"],
                              RetiringPrincipal=ALICE, Name="g%d" % i,
                              Constraints={"EncryptionContextSubset": {"n": str(i)}})["GrantId"] for i in range(5)]
    listed = alice.list_grants(KeyId=key)["Grants"]
    assert [g["GrantId"] for g in listed] == sorted(ids)
    entry = next(g for g in listed if g["GrantId"] == ids[1])
    assert entry["KeyId"] == "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, key)
    assert entry["GranteePrincipal"] == BOB and entry["RetiringPrincipal"] == ALICE
    assert entry["IssuingAccount"] == "arn:aws:iam::%s:root" % ACCOUNT
    assert entry["Operations"] == ["Decrypt", "Encrypt"] and entry["Name"] == "g1"
    assert entry["Constraints"] == {"EncryptionContextSubset": {"n": "1"}}
    assert "CreationDate" in entry
    assert {g["GrantId"] for g in alice.list_grants(KeyId=key, GranteePrincipal=BOB)["Grants"]} == {ids[1], ids[3]}
    assert [g["GrantId"] for g in alice.list_grants(KeyId=key, GrantId=ids[2])["Grants"]] == [ids[2]]
    expect_error("InvalidGrantIdException", lambda: alice.list_grants(KeyId=key, GrantId="0" * 64))
    seen, marker = [], None
    while True:
        page = alice.list_grants(KeyId=key, Limit=2, **({"Marker": marker} if marker else {}))
        seen += [g["GrantId"] for g in page["Grants"]]
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert seen == sorted(ids)
    retirable = alice.list_retirable_grants(RetiringPrincipal=ALICE, Limit=100)["Grants"]
    assert set(ids) <= {g["GrantId"] for g in retirable}
    cli = kmsd.cli("kms", "list-grants", "--key-id", key, "--page-size", "2")
    assert len(cli["Grants"]) == 5


def test_name_makes_create_grant_idempotent(kmsd, key):
    alice = kmsd.client()
    args = dict(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"], Name="attach-vol-1")
    first, second = alice.create_grant(**args), alice.create_grant(**args)
    assert first["GrantId"] == second["GrantId"] and first["GrantToken"] != second["GrantToken"]
    third = alice.create_grant(**dict(args, Operations=["Decrypt", "Encrypt"]))
    assert third["GrantId"] != first["GrantId"]
    other_key = alice.create_key()["KeyMetadata"]["KeyId"]
    assert alice.create_grant(**dict(args, KeyId=other_key))["GrantId"] != first["GrantId"]
    # Every token of a grant names it.
    alice.retire_grant(GrantToken=first["GrantToken"])
    assert first["GrantId"] not in [g["GrantId"] for g in alice.list_grants(KeyId=key)["Grants"]]


def test_grant_tokens(kmsd, key):
    alice, bob = kmsd.client(), kmsd.client("bob")
    grant = alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"])
    blob = blob_for(kmsd, key, {})
    assert bob.decrypt(CiphertextBlob=blob, GrantTokens=[grant["GrantToken"]])["Plaintext"] == b"data key"
    forged = base64.b64encode(b"not a token").decode()
    err = expect_error("InvalidGrantTokenException", lambda: bob.decrypt(CiphertextBlob=blob, GrantTokens=[forged]))
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    expect_error("InvalidGrantTokenException", lambda: alice.retire_grant(GrantToken=forged))
    tampered = bytearray(base64.b64decode(grant["GrantToken"]))
    tampered[-1] ^= 1
    expect_error("InvalidGrantTokenException", lambda: alice.retire_grant(GrantToken=base64.b64encode(tampered).decode()))


def test_dry_run(kmsd, key):
    resp = kmsd.raw("CreateGrant", {"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Decrypt"], "DryRun": True})
    assert resp.error_type == "DryRunOperationException"
    assert resp.message == "The request would have succeeded, but the DryRun option is set."
    assert kmsd.client().list_grants(KeyId=key)["Grants"] == []
    resp = kmsd.raw("CreateGrant", {"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Decrypt"], "DryRun": True},
                    who="bob")
    assert resp.error_type == "AccessDeniedException"


def test_an_explicit_deny_beats_a_grant(kmsd):
    alice = kmsd.client()
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "NoBob", "Effect": "Deny", "Principal": {"AWS": BOB}, "Action": "kms:Decrypt", "Resource": "*"}]}
    key = alice.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"])
    err = expect_error("AccessDeniedException", lambda: kmsd.client("bob").decrypt(CiphertextBlob=blob_for(kmsd, key, {})))
    assert error_message(err).endswith("with an explicit deny in a resource-based policy")


def test_create_grant_validation(kmsd, key):
    alice = kmsd.client()
    expect_error("ValidationException", lambda: alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Sign"]))
    expect_error("InvalidArnException", lambda: alice.create_grant(KeyId=key, GranteePrincipal="bob", Operations=["Decrypt"]))
    # Aliases: AWS's InvalidArnException, by name and by ARN.
    for alias in ("alias/aws/rds", "arn:aws:kms:us-east-1:111122223333:alias/aws/rds"):
        err = expect_error("InvalidArnException", lambda: alice.create_grant(
            KeyId=alias, GranteePrincipal=BOB, Operations=["Decrypt"]))
        assert error_message(err) == "Key Aliases are not supported for this operation."
    resp = kmsd.raw("CreateGrant", {"KeyId": key, "GranteePrincipal": BOB, "Operations": ["Fly"]})
    assert resp.error_type == "ValidationException" and "enum value set" in resp.message
    alice.disable_key(KeyId=key)
    expect_error("DisabledException", lambda: alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"]))


def test_grantee_with_create_grant_can_only_narrow(kmsd, key):
    alice, bob = kmsd.client(), kmsd.client("bob")
    alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt", "CreateGrant"],
                       Constraints={"EncryptionContextSubset": {"aws:ebs:id": "vol-1"}})
    child = bob.create_grant(KeyId=key, GranteePrincipal=CAROL, Operations=["Decrypt"],
                             Constraints={"EncryptionContextSubset": {"aws:ebs:id": "vol-1", "more": "x"}})
    assert child["GrantId"]
    expect_error("AccessDeniedException", lambda: bob.create_grant(KeyId=key, GranteePrincipal=CAROL,
                                                                   Operations=["Decrypt", "Encrypt"],
                                                                   Constraints={"EncryptionContextSubset": {"aws:ebs:id": "vol-1"}}))
    expect_error("AccessDeniedException", lambda: bob.create_grant(KeyId=key, GranteePrincipal=CAROL, Operations=["Decrypt"]))


def test_grants_disappear_with_the_key(kmsd):
    alice = kmsd.client()
    key = alice.create_key()["KeyMetadata"]["KeyId"]
    alice.create_grant(KeyId=key, GranteePrincipal=BOB, Operations=["Decrypt"], RetiringPrincipal="arn:aws:iam::%s:user/alice" % ACCOUNT)
    alice.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    kmsd.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(8 * 86400)})
    try:
        retirable = kmsd.client().list_retirable_grants(RetiringPrincipal=ALICE, Limit=100)["Grants"]
        assert not [g for g in retirable if g["KeyId"].endswith(key)]
    finally:
        kmsd.restart()


def test_grants_on_the_rds_managed_key_made_via_rds(kmsd):
    alice = kmsd.client()
    rds_key = alice.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyId"]
    # Directly, the managed key policy does not allow CreateGrant.
    expect_error("AccessDeniedException", lambda: alice.create_grant(KeyId=rds_key, GranteePrincipal=BOB,
                                                                     Operations=["Decrypt"]))
    resp = kmsd.via_rds("CreateGrant", {"KeyId": rds_key, "GranteePrincipal": "rds.amazonaws.com", "Operations": ["Decrypt"],
                                        "Constraints": {"EncryptionContextSubset": {"aws:ebs:id": "vol-rds"}}})
    assert resp.status == 200, resp.body
    grant_id = resp.json()["GrantId"]
    listed = kmsd.via_rds("ListGrants", {"KeyId": rds_key}).json()["Grants"]
    assert grant_id in [g["GrantId"] for g in listed]
    data_key = kmsd.via_rds("GenerateDataKey", {"KeyId": "alias/aws/rds", "NumberOfBytes": 64,
                                                "EncryptionContext": {"aws:rds:db-id": "db-X", "aws:ebs:id": "vol-rds"}})
    assert data_key.status == 200, data_key.body
    # The RDS service principal, calling as itself, decrypts through the grant.
    resp = kmsd.raw("Decrypt", {"CiphertextBlob": data_key.json()["CiphertextBlob"],
                                "EncryptionContext": {"aws:rds:db-id": "db-X", "aws:ebs:id": "vol-rds"}},
                    who="rds.amazonaws.com")
    assert resp.status == 200, resp.body
    assert resp.json()["Plaintext"] == data_key.json()["Plaintext"]
    # The account may revoke grants on its managed key (kms:RevokeGrant in the managed policy).
    alice.revoke_grant(KeyId=rds_key, GrantId=grant_id)
    resp = kmsd.raw("Decrypt", {"CiphertextBlob": data_key.json()["CiphertextBlob"],
                                "EncryptionContext": {"aws:rds:db-id": "db-X", "aws:ebs:id": "vol-rds"}},
                    who="rds.amazonaws.com")
    assert resp.error_type == "AccessDeniedException"


def test_cross_account_grantee(kmsd, key):
    kmsd.client().create_grant(KeyId=key, GranteePrincipal=CAROL, Operations=["Encrypt", "Decrypt"])
    carol = kmsd.client("carol")
    arn = "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, key)
    blob = carol.encrypt(KeyId=arn, Plaintext=b"shared")["CiphertextBlob"]
    assert carol.decrypt(CiphertextBlob=blob)["Plaintext"] == b"shared"
