"""Envelope encryption: GenerateDataKey*, Encrypt, Decrypt, ReEncrypt, GenerateRandom."""

import base64
import os

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, error_code, error_message

CONTEXT = {"aws:rds:db-id": "db-ABC", "aws:ebs:id": "vol-1"}


@pytest.fixture(scope="module")
def key(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key(Description="crypto")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/crypto", TargetKeyId=key_id)
    return key_id


def key_arn(key_id, region="us-east-1"):
    return "arn:aws:kms:%s:%s:key/%s" % (region, ACCOUNT, key_id)


def test_generate_data_key_then_decrypt_with_cli(kmsd, key, tmp_path):
    out = kmsd.cli("kms", "generate-data-key", "--key-id", "alias/crypto", "--key-spec", "AES_256",
                   "--encryption-context", "aws:rds:db-id=db-ABC")
    plaintext = base64.b64decode(out["Plaintext"])
    assert len(plaintext) == 32
    assert out["KeyId"] == key_arn(key)
    blob = tmp_path / "blob"
    blob.write_bytes(base64.b64decode(out["CiphertextBlob"]))
    dec = kmsd.cli("kms", "decrypt", "--ciphertext-blob", "fileb://%s" % blob,
                   "--encryption-context", "aws:rds:db-id=db-ABC")
    assert base64.b64decode(dec["Plaintext"]) == plaintext
    assert dec["KeyId"] == key_arn(key)
    assert dec["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    proc = kmsd.cli("kms", "decrypt", "--ciphertext-blob", "fileb://%s" % blob,
                    "--encryption-context", "aws:rds:db-id=db-XYZ", check=False)
    assert proc.returncode != 0 and "InvalidCiphertextException" in proc.stderr


@pytest.mark.parametrize("form", ["id", "arn", "alias", "alias_arn"])
def test_every_key_id_form_encrypts(kmsd, key, form):
    kms = kmsd.client()
    key_id = {"id": key, "arn": key_arn(key), "alias": "alias/crypto",
              "alias_arn": "arn:aws:kms:us-east-1:%s:alias/crypto" % ACCOUNT}[form]
    out = kms.encrypt(KeyId=key_id, Plaintext=b"hello", EncryptionContext=CONTEXT)
    assert out["KeyId"] == key_arn(key) and out["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext=CONTEXT)["Plaintext"] == b"hello"


def test_context_pair_order_does_not_matter(kmsd, key):
    kms = kmsd.client()
    blob = kms.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"a": "1", "b": "2"})["CiphertextBlob"]
    raw = kmsd.raw("Decrypt", '{"CiphertextBlob": "%s", "EncryptionContext": {"b": "2", "a": "1"}}'
                   % base64.b64encode(blob).decode())
    assert raw.status == 200 and base64.b64decode(raw.json()["Plaintext"]) == b"x"


@pytest.mark.parametrize("context", [
    {},                                                   # missing pairs
    {"aws:rds:db-id": "db-ABC"},                          # one missing
    dict(CONTEXT, extra="x"),                             # an extra pair
    dict(CONTEXT, **{"aws:ebs:id": "vol-2"}),             # a changed value
    {"aws:rds:db-id": "db-abc", "aws:ebs:id": "vol-1"},   # case differs
    {"AWS:RDS:DB-ID": "db-ABC", "aws:ebs:id": "vol-1"},   # key case differs
])
def test_decrypt_with_another_context_fails(kmsd, key, context):
    kms = kmsd.client()
    blob = kms.generate_data_key(KeyId=key, KeySpec="AES_128", EncryptionContext=CONTEXT)["CiphertextBlob"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    assert error_code(e.value) == "InvalidCiphertextException"
    assert error_message(e.value) == ""
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_tampered_and_garbage_blobs_fail_the_same_way(kmsd, key):
    kms = kmsd.client()
    blob = bytearray(kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"])
    for index in (len(blob) - 1, len(blob) - 20, 30, 50):
        tampered = bytearray(blob)
        tampered[index] ^= 1
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kms.decrypt(CiphertextBlob=bytes(tampered))
        assert error_code(e.value) == "InvalidCiphertextException"
    for garbage in (b"x", os.urandom(100), bytes(blob[:40])):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kms.decrypt(CiphertextBlob=garbage)
        assert error_code(e.value) == "InvalidCiphertextException"


def test_decrypt_with_the_wrong_key_id_is_incorrect_key(kmsd, key):
    kms = kmsd.client()
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=blob, KeyId=other)
    assert error_code(e.value) == "IncorrectKeyException"
    assert error_message(e.value) == "The key ID in the request does not identify a CMK that can perform this operation."
    assert kms.decrypt(CiphertextBlob=blob, KeyId="alias/crypto")["Plaintext"] == b"x"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=other, DestinationKeyId=key)
    assert error_code(e.value) == "IncorrectKeyException"


def test_decrypt_in_another_region_is_refused(kmsd, key):
    blob = kmsd.client().encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kmsd.client(region="eu-west-1").decrypt(CiphertextBlob=blob)
    assert error_code(e.value) == "AccessDeniedException"
    assert "does not exist in this region" in error_message(e.value)


def test_disabled_and_pending_deletion_keys_refuse_use(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    kms.disable_key(KeyId=key_id)
    for call in (lambda: kms.decrypt(CiphertextBlob=blob), lambda: kms.generate_data_key(KeyId=key_id, NumberOfBytes=8),
                 lambda: kms.generate_data_key_without_plaintext(KeyId=key_id, KeySpec="AES_256")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert error_code(e.value) == "DisabledException"
        assert error_message(e.value) == "%s is disabled." % key_arn(key_id)
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.decrypt(CiphertextBlob=blob)
    assert error_code(e.value) == "KMSInvalidStateException"


def test_generate_data_key_sizes_and_without_plaintext(kmsd, key):
    kms = kmsd.client()
    assert len(kms.generate_data_key(KeyId=key, KeySpec="AES_128")["Plaintext"]) == 16
    assert len(kms.generate_data_key(KeyId=key, NumberOfBytes=64)["Plaintext"]) == 64
    assert len(kms.generate_data_key(KeyId=key, NumberOfBytes=1024)["Plaintext"]) == 1024
    out = kms.generate_data_key_without_plaintext(KeyId=key, KeySpec="AES_256", EncryptionContext=CONTEXT)
    assert "Plaintext" not in out
    assert len(kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext=CONTEXT)["Plaintext"]) == 32


def test_generate_data_key_needs_exactly_one_size(kmsd, key):
    for body in ({"KeyId": key}, {"KeyId": key, "KeySpec": "AES_256", "NumberOfBytes": 32}):
        resp = kmsd.raw("GenerateDataKey", body)
        assert resp.status == 400 and resp.error_type == "ValidationException"


def test_reencrypt_moves_a_ciphertext_to_another_key_and_context(kmsd, key):
    kms = kmsd.client()
    dest = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"move me", EncryptionContext={"a": "1"})["CiphertextBlob"]
    out = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"a": "1"}, DestinationKeyId=dest,
                         DestinationEncryptionContext={"b": "2"})
    assert out["SourceKeyId"] == key_arn(key) and out["KeyId"] == key_arn(dest)
    assert out["SourceEncryptionAlgorithm"] == out["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"b": "2"})["Plaintext"] == b"move me"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dest)
    assert error_code(e.value) == "InvalidCiphertextException"


def test_rotation_keeps_old_ciphertexts_working(kmsd):
    kms = kmsd.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key_id)  # every 365 days
    old = kms.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"]
    kmsd.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(400 * 86400)})
    try:
        kms = kmsd.client()
        new = kms.encrypt(KeyId=key_id, Plaintext=b"after")["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"before"
        assert kms.decrypt(CiphertextBlob=new)["Plaintext"] == b"after"
        # The rotated key encrypts under a new backing version.
        assert kmsd.raw("Decrypt", {"CiphertextBlob": base64.b64encode(old).decode()}).json()["KeyMaterialId"] != \
            kmsd.raw("Decrypt", {"CiphertextBlob": base64.b64encode(new).decode()}).json()["KeyMaterialId"]
    finally:
        kmsd.restart()


def test_generate_random(kmsd):
    kms = kmsd.client()
    assert len(kms.generate_random(NumberOfBytes=1)["Plaintext"]) == 1
    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024
    out = kmsd.cli("kms", "generate-random", "--number-of-bytes", "32")
    assert len(base64.b64decode(out["Plaintext"])) == 32
    resp = kmsd.raw("GenerateRandom", {})
    assert resp.error_type == "ValidationException" and resp.message == "NumberOfBytes is required."
    for n, text in ((0, "greater than or equal to 1"), (1025, "less than or equal to 1024")):
        resp = kmsd.raw("GenerateRandom", {"NumberOfBytes": n})
        assert resp.message == ("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy "
                                "constraint: Member must have value %s" % (n, text))


def test_plaintext_limit(kmsd, key):
    resp = kmsd.raw("Encrypt", {"KeyId": key, "Plaintext": base64.b64encode(b"x" * 4097).decode()})
    assert resp.status == 400
    assert resp.message == ("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
                            "Member must have length less than or equal to 4096")
    assert kmsd.client().encrypt(KeyId=key, Plaintext=b"x" * 4096)["KeyId"] == key_arn(key)
