"""Imported key material (Origin EXTERNAL): GetParametersForImport,
ImportKeyMaterial and DeleteImportedKeyMaterial, with key material wrapped by
the openssl command line exactly as the AWS developer guide shows, and
expiry by the maintenance sweep."""

import base64
import datetime
import hashlib
import hmac
import json
import os
import subprocess

import botocore.exceptions
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kmsd_harness import error_code, error_message
from test_seed import open_blob

DAY = 86400


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, input=stdin).stdout


def wrap(tmp_path, public_key_der, material, algorithm):
    """EncryptedKeyMaterial as the AWS guide makes it with openssl."""
    pub = tmp_path / "WrappingPublicKey.der"
    pub.write_bytes(public_key_der)
    md = "sha256" if algorithm.endswith("SHA_256") else "sha1"
    oaep = ["-keyform", "DER", "-pubin", "-inkey", str(pub), "-pkeyopt", "rsa_padding_mode:oaep",
            "-pkeyopt", "rsa_oaep_md:" + md, "-pkeyopt", "rsa_mgf1_md:" + md]
    plain = tmp_path / "PlaintextKeyMaterial.bin"
    plain.write_bytes(material)
    if algorithm.startswith("RSAES_OAEP"):
        return openssl("pkeyutl", "-encrypt", "-in", str(plain), *oaep)
    aes = os.urandom(32)
    (tmp_path / "aes-key.bin").write_bytes(aes)
    wrapped_material = openssl("enc", "-id-aes256-wrap-pad", "-K", aes.hex(), "-iv", "A65959A6",
                               "-in", str(plain))
    wrapped_aes = openssl("pkeyutl", "-encrypt", "-in", str(tmp_path / "aes-key.bin"), *oaep)
    return wrapped_aes + wrapped_material


def import_material(kms, tmp_path, key_id, material, algorithm="RSAES_OAEP_SHA_256",
                    spec="RSA_2048", **extra):
    params = kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm,
                                           WrappingKeySpec=spec)
    encrypted = wrap(tmp_path, params["PublicKey"], material, algorithm)
    return kms.import_key_material(KeyId=key_id, ImportToken=params["ImportToken"],
                                   EncryptedKeyMaterial=encrypted, **extra)


def failure(call, *args, **params):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **params)
    return error_code(e.value), error_message(e.value)


def test_symmetric_material_imported_deleted_and_imported_again(server, tmp_path):
    kms = server.client()
    meta = kms.create_key(Origin="EXTERNAL", Description="imported")["KeyMetadata"]
    key, arn = meta["KeyId"], meta["Arn"]
    assert (meta["KeyState"], meta["Enabled"], meta["Origin"]) == ("PendingImport", False,
                                                                   "EXTERNAL")
    assert "CurrentKeyMaterialId" not in meta
    assert failure(kms.encrypt, KeyId=key, Plaintext=b"x") == ("KMSInvalidStateException",
                                                                arn + " is pending import.")
    material = os.urandom(32)
    params = kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                           WrappingKeySpec="RSA_2048")
    assert params["KeyId"] == arn
    valid_to = params["ParametersValidTo"].timestamp() - datetime.datetime.now().timestamp()
    assert 24 * 3600 - 120 < valid_to <= 24 * 3600
    public = serialization.load_der_public_key(params["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    out = server.raw("ImportKeyMaterial", {
        "KeyId": key, "ImportToken": base64.b64encode(params["ImportToken"]).decode(),
        "EncryptedKeyMaterial": base64.b64encode(
            wrap(tmp_path, params["PublicKey"], material, "RSAES_OAEP_SHA_256")).decode()})
    assert out.status == 200 and out.json()["KeyId"] == arn, out.body
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert (meta["KeyState"], meta["Enabled"]) == ("Enabled", True)
    assert meta["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert out.json()["KeyMaterialId"] == server.raw("DescribeKey", {"KeyId": key}).json()[
        "KeyMetadata"]["CurrentKeyMaterialId"]
    # kmsd encrypts with exactly the imported material.
    blob = kms.encrypt(KeyId=key, Plaintext=b"under imported material")["CiphertextBlob"]
    assert open_blob(blob, material.hex()) == b"under imported material"

    kms.delete_imported_key_material(KeyId=key)
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert (meta["KeyState"], meta["Enabled"]) == ("PendingImport", False)
    assert "ExpirationModel" not in meta
    assert failure(kms.decrypt, CiphertextBlob=blob)[0] == "KMSInvalidStateException"
    # Only the same material goes back in; then old ciphertexts decrypt again.
    code, message = failure(import_material, kms, tmp_path, key, os.urandom(32))
    assert code == "IncorrectKeyMaterialException", message
    import_material(kms, tmp_path, key, material, algorithm="RSAES_OAEP_SHA_1", spec="RSA_3072")
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"under imported material"
    # kmsd cannot make new material for an imported key: no rotation.
    for call in (kms.enable_key_rotation, kms.disable_key_rotation):
        assert failure(call, KeyId=key) == (
            "UnsupportedOperationException",
            arn + " origin is EXTERNAL which is not valid for this operation.")
    out = server.raw("RotateKeyOnDemand", {"KeyId": key})
    assert (out.error_type, out.message) == (
        "UnsupportedOperationException", arn + " origin is EXTERNAL which is not valid for this "
        "operation.")
    # The AWS CLI sees the same key.
    assert server.cli("kms", "describe-key", "--key-id", key)["KeyMetadata"]["KeyState"] == "Enabled"


def test_asymmetric_and_hmac_material_with_aes_key_wrap(server, tmp_path):
    kms = server.client()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    der = lambda k: k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    signer = kms.create_key(Origin="EXTERNAL", KeySpec="ECC_NIST_P256",
                            KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    import_material(kms, tmp_path, signer, der(ec_key), algorithm="RSA_AES_KEY_WRAP_SHA_256",
                    spec="RSA_4096")
    signature = kms.sign(KeyId=signer, Message=b"m", MessageType="RAW",
                         SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    ec_key.public_key().verify(signature, b"m", ec.ECDSA(hashes.SHA256()))

    decrypter = kms.create_key(Origin="EXTERNAL", KeySpec="RSA_4096",
                               KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    import_material(kms, tmp_path, decrypter, der(rsa_key), algorithm="RSA_AES_KEY_WRAP_SHA_1")
    ciphertext = rsa_key.public_key().encrypt(
        b"secret", padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                                label=None))
    assert kms.decrypt(KeyId=decrypter, CiphertextBlob=ciphertext,
                       EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"] == b"secret"
    # A P-256 key is not material for an RSA key.
    other = kms.create_key(Origin="EXTERNAL", KeySpec="RSA_2048",
                           KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    code, message = failure(import_material, kms, tmp_path, other, der(ec_key),
                            algorithm="RSA_AES_KEY_WRAP_SHA_256")
    assert code == "IncorrectKeyMaterialException" and "ECC_NIST_P256" in message

    mac_key = os.urandom(32)
    macer = kms.create_key(Origin="EXTERNAL", KeySpec="HMAC_256",
                           KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    import_material(kms, tmp_path, macer, mac_key, algorithm="RSAES_OAEP_SHA_1")
    mac = kms.generate_mac(KeyId=macer, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac == hmac.new(mac_key, b"m", hashlib.sha256).digest()


def test_import_errors_as_aws_answers_them(server, tmp_path):
    kms = server.client()
    own = kms.create_key()["KeyMetadata"]["Arn"]
    assert failure(kms.get_parameters_for_import, KeyId=own, WrappingAlgorithm="RSAES_OAEP_SHA_1",
                   WrappingKeySpec="RSA_2048") == (
        "UnsupportedOperationException", own + " origin is AWS_KMS which is not valid for this "
        "operation.")
    first = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    second = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    params = kms.get_parameters_for_import(KeyId=first, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                           WrappingKeySpec="RSA_2048")
    wrapped = wrap(tmp_path, params["PublicKey"], os.urandom(32), "RSAES_OAEP_SHA_256")
    # A token for another key, a forged token, material that does not unwrap.
    assert failure(kms.import_key_material, KeyId=second, ImportToken=params["ImportToken"],
                   EncryptedKeyMaterial=wrapped)[0] == "InvalidImportTokenException"
    assert failure(kms.import_key_material, KeyId=first, ImportToken=b"x" * 100,
                   EncryptedKeyMaterial=wrapped)[0] == "InvalidImportTokenException"
    assert failure(kms.import_key_material, KeyId=first, ImportToken=params["ImportToken"],
                   EncryptedKeyMaterial=os.urandom(256)) == ("InvalidCiphertextException", "")
    # Material of the wrong size.
    short = wrap(tmp_path, params["PublicKey"], os.urandom(16), "RSAES_OAEP_SHA_256")
    assert failure(kms.import_key_material, KeyId=first, ImportToken=params["ImportToken"],
                   EncryptedKeyMaterial=short)[0] == "IncorrectKeyMaterialException"
    # The expiration rules (the first text is AWS's).
    assert failure(kms.import_key_material, KeyId=first, ImportToken=params["ImportToken"],
                   EncryptedKeyMaterial=wrapped, ExpirationModel="KEY_MATERIAL_EXPIRES") == (
        "ValidationException",
        "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
    late = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=400)
    assert failure(kms.import_key_material, KeyId=first, ImportToken=params["ImportToken"],
                   EncryptedKeyMaterial=wrapped, ValidTo=late)[0] == "ValidationException"
    # Nothing was imported by any of these.
    assert kms.describe_key(KeyId=first)["KeyMetadata"]["KeyState"] == "PendingImport"
    # The token expires after 24 hours.
    server.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(DAY + 60)})
    kms = server.client()
    assert failure(kms.import_key_material, KeyId=first, ImportToken=params["ImportToken"],
                   EncryptedKeyMaterial=wrapped)[0] == "ExpiredImportTokenException"


def test_expiring_material_is_deleted_when_valid_to_passes(server, tmp_path):
    kms = server.client()
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    valid_to = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    import_material(kms, tmp_path, key, os.urandom(32), ValidTo=valid_to,
                    ExpirationModel="KEY_MATERIAL_EXPIRES")
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert abs(meta["ValidTo"].timestamp() - valid_to.timestamp()) < 1
    server.restart(env={"KMSD_TEST_CLOCK_OFFSET_SECONDS": str(3 * DAY)})
    kms = server.client()
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport" and "ValidTo" not in meta
    events = server.client(service="cloudtrail").lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "DeleteExpiredKeyMaterial"}])["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["eventType"] == "AwsServiceEvent" and key in record["resources"][0]["ARN"]


def test_records_hold_neither_token_nor_material(server, tmp_path):
    kms = server.client()
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    params = kms.get_parameters_for_import(KeyId=key, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                           WrappingKeySpec="RSA_2048")
    encrypted = wrap(tmp_path, params["PublicKey"], material, "RSAES_OAEP_SHA_256")
    kms.import_key_material(KeyId=key, ImportToken=params["ImportToken"],
                            EncryptedKeyMaterial=encrypted)
    pages = server.client(service="cloudtrail").get_paginator("lookup_events").paginate()
    records = [e["CloudTrailEvent"] for page in pages for e in page["Events"]]
    names = [json.loads(r)["eventName"] for r in records]
    assert "GetParametersForImport" in names and "ImportKeyMaterial" in names
    text = "\n".join(records)
    for secret in (params["ImportToken"], encrypted, material):
        assert base64.b64encode(secret).decode()[:40] not in text
    assert material.hex() not in text
    imported = [json.loads(r) for r in records if json.loads(r)["eventName"] == "ImportKeyMaterial"]
    assert imported[0]["requestParameters"] == {"keyId": key}
