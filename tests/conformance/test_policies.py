"""Key policies and IAM policies decide every call, as AWS would."""

import json

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, OTHER_ACCOUNT, error_code, error_message

BOB = "arn:aws:iam::%s:user/bob" % ACCOUNT
ROOT = "arn:aws:iam::%s:root" % ACCOUNT
DB = {"aws:rds:db-id": "db-EXAMPLE"}


def key_arn(key_id):
    return "arn:aws:kms:us-east-1:%s:key/%s" % (ACCOUNT, key_id)


def expect_denied(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    assert error_code(e.value) == "AccessDeniedException", e.value.response
    return error_message(e.value)


@pytest.fixture(scope="module")
def rds_only_key(kmsd):
    """Bob may Decrypt/GenerateDataKey only via RDS and only for db-EXAMPLE;
    carol's account may do the same via RDS."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "UseViaRdsForOneDatabase", "Effect": "Allow",
         "Principal": {"AWS": [BOB, "arn:aws:iam::%s:root" % OTHER_ACCOUNT]},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "rds.us-east-1.amazonaws.com",
                                        "kms:EncryptionContext:aws:rds:db-id": "db-EXAMPLE"}}}]}
    return kmsd.client().create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]


def test_rds_only_key_is_denied_directly(kmsd, rds_only_key):
    bob = kmsd.client("bob")
    message = expect_denied(lambda: bob.generate_data_key(KeyId=rds_only_key, KeySpec="AES_256", EncryptionContext=DB))
    # The key policy delegates to the account, and bob has no IAM policy.
    assert message == ("User: %s is not authorized to perform: kms:GenerateDataKey on resource: %s because no "
                       "identity-based policy allows the kms:GenerateDataKey action" % (BOB, key_arn(rds_only_key)))
    proc = kmsd.cli("kms", "generate-data-key", "--key-id", rds_only_key, "--key-spec", "AES_256",
                    "--encryption-context", "aws:rds:db-id=db-EXAMPLE", who="bob", check=False)
    assert proc.returncode != 0 and "AccessDeniedException" in proc.stderr


def test_rds_only_key_is_allowed_via_rds_for_that_database(kmsd, rds_only_key):
    resp = kmsd.via_rds("GenerateDataKey", {"KeyId": rds_only_key, "KeySpec": "AES_256", "EncryptionContext": DB}, who="bob")
    assert resp.status == 200, resp.body
    dec = kmsd.via_rds("Decrypt", {"CiphertextBlob": resp.json()["CiphertextBlob"], "EncryptionContext": DB}, who="bob")
    assert dec.status == 200 and dec.json()["Plaintext"] == resp.json()["Plaintext"]
    # Directly, the same ciphertext is refused.
    direct = kmsd.raw("Decrypt", {"CiphertextBlob": resp.json()["CiphertextBlob"], "EncryptionContext": DB}, who="bob")
    assert direct.error_type == "AccessDeniedException"


def test_rds_only_key_refuses_another_database(kmsd, rds_only_key):
    resp = kmsd.via_rds("GenerateDataKey", {"KeyId": rds_only_key, "KeySpec": "AES_256",
                                            "EncryptionContext": {"aws:rds:db-id": "db-OTHER"}}, who="bob")
    assert resp.error_type == "AccessDeniedException"


def test_rds_only_key_from_another_account(kmsd, rds_only_key):
    # Carol's account is named in the key policy, but carol also needs an IAM
    # allow (she has kms:*) and the RDS path.
    arn = key_arn(rds_only_key)
    resp = kmsd.via_rds("GenerateDataKey", {"KeyId": arn, "KeySpec": "AES_256", "EncryptionContext": DB}, who="carol")
    assert resp.status == 200, resp.body
    direct = kmsd.raw("GenerateDataKey", {"KeyId": arn, "KeySpec": "AES_256", "EncryptionContext": DB}, who="carol")
    assert direct.error_type == "AccessDeniedException"


def test_forged_via_service_never_counts(kmsd, rds_only_key):
    body = {"KeyId": rds_only_key, "KeySpec": "AES_256", "EncryptionContext": DB}
    # The header without the service's signature.
    resp = kmsd.raw("GenerateDataKey", body, who="bob", via_service="rds.us-east-1.amazonaws.com", service_signer=None)
    assert resp.error_type == "AccessDeniedException"
    # Countersigned by a user instead of the service principal.
    resp = kmsd.raw("GenerateDataKey", body, who="bob", via_service="rds.us-east-1.amazonaws.com", service_signer="alice")
    assert resp.error_type == "AccessDeniedException"


def test_managed_rds_key_policy(kmsd):
    alice = kmsd.client()
    rds_key = alice.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["KeyId"]
    message = expect_denied(lambda: alice.generate_data_key(KeyId="alias/aws/rds", KeySpec="AES_256", EncryptionContext=DB))
    assert message.endswith("because no resource-based policy allows the kms:GenerateDataKey action")
    resp = kmsd.via_rds("GenerateDataKey", {"KeyId": "alias/aws/rds", "KeySpec": "AES_256", "EncryptionContext": DB})
    assert resp.status == 200, resp.body
    dec = kmsd.via_rds("Decrypt", {"CiphertextBlob": resp.json()["CiphertextBlob"], "EncryptionContext": DB})
    assert dec.status == 200
    expect_denied(lambda: alice.decrypt(CiphertextBlob=__import__("base64").b64decode(resp.json()["CiphertextBlob"]),
                                        EncryptionContext=DB))
    # Through RDS from another account: kms:CallerAccount does not match.
    other = kmsd.via_rds("GenerateDataKey", {"KeyId": key_arn(rds_key), "KeySpec": "AES_256", "EncryptionContext": DB},
                         who="carol")
    assert other.error_type == "AccessDeniedException"
    # Another region's RDS is not this key's service.
    wrong_region = kmsd.raw("GenerateDataKey", {"KeyId": "alias/aws/rds", "KeySpec": "AES_256"},
                            via_service="rds.eu-west-1.amazonaws.com")
    assert wrong_region.error_type == "AccessDeniedException"
    # Directly, the account may read its metadata.
    assert alice.describe_key(KeyId=rds_key)["KeyMetadata"]["KeyManager"] == "AWS"
    assert alice.get_key_policy(KeyId=rds_key, PolicyName="default")["Policy"]


def test_put_key_policy_lockout_check(kmsd):
    alice = kmsd.client()
    key_id = alice.create_key()["KeyMetadata"]["KeyId"]
    lockout = {"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyBobDecrypts", "Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "kms:Decrypt", "Resource": "*"}]}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        alice.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(lockout))
    assert error_code(e.value) == "MalformedPolicyDocumentException"
    assert error_message(e.value) == "The new key policy will not allow you to update the key policy in the future."
    with pytest.raises(botocore.exceptions.ClientError) as e:
        alice.create_key(Policy=json.dumps(lockout))
    assert error_code(e.value) == "MalformedPolicyDocumentException"
    # With the bypass flag the change goes through, and locks alice out.
    alice.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(lockout), BypassPolicyLockoutSafetyCheck=True)
    expect_denied(lambda: alice.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(lockout)))
    expect_denied(lambda: alice.describe_key(KeyId=key_id))


def test_malformed_policies(kmsd):
    alice = kmsd.client()
    key_id = alice.create_key()["KeyMetadata"]["KeyId"]
    ok_statement = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
    cases = [
        ("{not json", "MalformedPolicyDocumentException"),
        (json.dumps({"Version": "2012-10-17", "Statement": [dict(ok_statement, Effect="Perhaps")]}), "MalformedPolicyDocumentException"),
        (json.dumps({"Version": "2012-10-17", "Statement": [{k: v for k, v in ok_statement.items() if k != "Principal"}]}),
         "MalformedPolicyDocumentException"),
        (json.dumps({"Version": "2012-10-17", "Statement": [dict(ok_statement, Principal={"AWS": "arn:aws:iam::%s:user/nobody" % ACCOUNT})]}),
         "MalformedPolicyDocumentException"),
        (json.dumps({"Version": "2012-10-17", "Statement": [dict(ok_statement, Condition={"StringSortOf": {"a": "b"}})]}),
         "MalformedPolicyDocumentException"),
        (json.dumps({"Version": "2012-10-17", "Statement": [ok_statement], "Pad": "x" * 33000}), "LimitExceededException"),
    ]
    for document, code in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            alice.put_key_policy(KeyId=key_id, PolicyName="default", Policy=document)
        assert error_code(e.value) == code, document[:80]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        alice.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(
            {"Version": "2012-10-17", "Statement": [dict(ok_statement, Principal={"AWS": "arn:aws:iam::%s:user/nobody" % ACCOUNT})]}))
    assert error_message(e.value) == "Policy contains a statement with one or more invalid principals."


def test_iam_policies_decide_when_the_key_policy_delegates(kmsd):
    key_id = kmsd.client().create_key()["KeyMetadata"]["KeyId"]
    # Default key policy delegates to the account: alice (IAM kms:*) may, bob (no IAM policy) may not.
    assert kmsd.client().encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"] == key_arn(key_id)
    message = expect_denied(lambda: kmsd.client("bob").encrypt(KeyId=key_id, Plaintext=b"x"))
    assert message.endswith("because no identity-based policy allows the kms:Encrypt action")
    # The account root is a principal too.
    assert kmsd.client("root").encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"] == key_arn(key_id)


def test_iam_only_actions(kmsd):
    message = expect_denied(lambda: kmsd.client("bob").create_key())
    assert message == ("User: %s is not authorized to perform: kms:CreateKey on resource: * because no "
                       "identity-based policy allows the kms:CreateKey action" % BOB)
    expect_denied(lambda: kmsd.client("bob").list_keys())
    assert kmsd.client("root").list_keys()["Keys"] is not None


def test_conditions_on_encryption_context_keys_and_tags(kmsd):
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "TeamContexts", "Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "kms:Encrypt", "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["team", "app"]},
                       "Null": {"kms:EncryptionContextKeys": "false"}}},
        {"Sid": "NoProd", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
         "Condition": {"StringEqualsIgnoreCase": {"kms:EncryptionContext:env": "PROD"}}}]}
    key_id = kmsd.client().create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    bob = kmsd.client("bob")
    assert bob.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"team": "db"})["KeyId"]
    expect_denied(lambda: bob.encrypt(KeyId=key_id, Plaintext=b"x"))  # Null: keys must be present
    expect_denied(lambda: bob.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"team": "db", "other": "1"}))
    message = expect_denied(lambda: kmsd.client().encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"env": "prod"}))
    assert message.endswith("with an explicit deny in a resource-based policy")


def test_decisions_are_explained_in_the_audit_record(kmsd, rds_only_key):
    resp = kmsd.raw("GenerateDataKey", {"KeyId": rds_only_key, "KeySpec": "AES_256", "EncryptionContext": DB}, who="bob")
    assert resp.error_type == "AccessDeniedException"
    request_id = resp.headers["x-amzn-requestid"]
    trail = kmsd.client("alice", service="cloudtrail")
    events = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GenerateDataKey"}],
                                 MaxResults=50)["Events"]
    record = next(json.loads(e["CloudTrailEvent"]) for e in events if json.loads(e["CloudTrailEvent"])["requestID"] == request_id)
    explanation = record["additionalEventData"]["kmsdAuthorization"]
    assert explanation["decision"] == "Deny"
    assert explanation["statement"] == "UseViaRdsForOneDatabase"
    assert "kms:ViaService" in explanation["failedCondition"]
    assert record["errorCode"] == "AccessDeniedException"


def test_explain_says_why_without_performing(kmsd, rds_only_key):
    import os
    import subprocess
    direct = kmsd.raw("KmsdAdmin.ExplainAuthorization", {"Action": "kms:Decrypt", "KeyId": rds_only_key,
                                                        "Principal": BOB, "EncryptionContext": DB}, target_prefix="")
    assert direct.status == 200, direct.body
    out = direct.json()
    assert out["Decision"] == "Deny" and out["Statement"] == "UseViaRdsForOneDatabase"
    assert "kms:ViaService" in out["FailedCondition"]
    assert out["AccessDeniedMessage"].startswith("User: %s is not authorized to perform: kms:Decrypt" % BOB)
    via = kmsd.raw("KmsdAdmin.ExplainAuthorization", {"Action": "kms:Decrypt", "KeyId": rds_only_key, "Principal": BOB,
                                                     "EncryptionContext": DB, "ViaService": "rds.us-east-1.amazonaws.com"},
                   target_prefix="").json()
    assert via["Decision"] == "Allow" and via["Reason"] == "AllowedByKeyPolicy"
    assert via["Statement"] == "UseViaRdsForOneDatabase"
    # Only admin principals may ask.
    refused = kmsd.raw("KmsdAdmin.ExplainAuthorization", {"Action": "kms:Decrypt"}, who="bob", target_prefix="")
    assert refused.error_type == "AccessDeniedException"
    # The command-line wrapper.
    key, secret = kmsd.identities["alice"]
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, HOME=kmsd.tmp)
    proc = subprocess.run([os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "kmsd-explain"),
                           "--endpoint-url", kmsd.endpoint, "--action", "kms:GenerateDataKey", "--key-id", "alias/aws/rds",
                           "--via-service", "rds.us-east-1.amazonaws.com"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["Decision"] == "Allow"


def test_resource_aliases_condition(kmsd):
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "ByAlias", "Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "kms:Encrypt", "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/team-db"}}}]}
    key_id = kmsd.client().create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    bob = kmsd.client("bob")
    expect_denied(lambda: bob.encrypt(KeyId=key_id, Plaintext=b"x"))
    kmsd.client().create_alias(AliasName="alias/team-db", TargetKeyId=key_id)
    assert bob.encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"] == key_arn(key_id)
    kmsd.client().delete_alias(AliasName="alias/team-db")
    expect_denied(lambda: bob.encrypt(KeyId=key_id, Plaintext=b"x"))
