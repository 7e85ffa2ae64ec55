"""RSA, elliptic-curve and HMAC keys: CreateKey and DescribeKey as AWS answers
them, Sign/Verify/GetPublicKey checked against code nobody here wrote
(Python's cryptography and the openssl command line), GenerateMac/VerifyMac,
and the errors AWS gives (texts from ../shared/reference/aws-recorded)."""

import base64
import hashlib
import json
import subprocess

import botocore.exceptions
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

from kmsd_harness import ACCOUNT, error_code, error_message

MESSAGE = b"a message worth signing"

SIGNING = [
    ("RSA_2048", "RSASSA_PSS_SHA_256"),
    ("RSA_2048", "RSASSA_PSS_SHA_384"),
    ("RSA_3072", "RSASSA_PSS_SHA_512"),
    ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"),
    ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512"),
    ("ECC_NIST_P256", "ECDSA_SHA_256"),
    ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
    ("ECC_NIST_P384", "ECDSA_SHA_384"),
    ("ECC_NIST_P521", "ECDSA_SHA_512"),
]
HASHES = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}


BOB_ARN = "arn:aws:iam::%s:user/bob" % ACCOUNT


def policy_for_bob(statements):
    """A key policy: the account administers the key, bob may do what `statements`
    ({Sid: (actions, conditions)}) allow."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"}] + [
        {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": BOB_ARN}, "Action": actions,
         "Resource": "*", "Condition": {"StringEquals": conditions}}
        for sid, (actions, conditions) in statements.items()]})


def client_error(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return error_code(e.value), error_message(e.value)


@pytest.fixture(scope="module")
def kms(kmsd):
    return kmsd.client()


@pytest.fixture(scope="module")
def keys(kms):
    """One key per spec and usage, made once."""
    made = {}

    def get(spec, usage):
        if (spec, usage) not in made:
            made[(spec, usage)] = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
        return made[(spec, usage)]
    return get


def local_verify(public_der, algorithm, message, signature):
    """Verifies with Python's cryptography; raises InvalidSignature."""
    public = serialization.load_der_public_key(public_der)
    digest = HASHES[algorithm[-3:]]
    if algorithm.startswith("ECDSA"):
        public.verify(signature, message, ec.ECDSA(digest))
    elif algorithm.startswith("RSASSA_PSS"):
        public.verify(signature, message,
                      padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size), digest)
    else:
        public.verify(signature, message, padding.PKCS1v15(), digest)


def test_describe_key_of_each_spec_lists_what_aws_lists(kmsd, keys):
    hmac = keys("HMAC_256", "GENERATE_VERIFY_MAC")
    assert hmac["KeySpec"] == hmac["CustomerMasterKeySpec"] == "HMAC_256"
    assert hmac["KeyUsage"] == "GENERATE_VERIFY_MAC"
    assert hmac["MacAlgorithms"] == ["HMAC_SHA_256"]
    assert "EncryptionAlgorithms" not in hmac and "SigningAlgorithms" not in hmac
    rsa = keys("RSA_2048", "SIGN_VERIFY")
    assert rsa["SigningAlgorithms"] == [
        "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"]
    assert "EncryptionAlgorithms" not in rsa
    assert keys("RSA_3072", "ENCRYPT_DECRYPT")["EncryptionAlgorithms"] == [
        "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert keys("ECC_NIST_P521", "SIGN_VERIFY")["SigningAlgorithms"] == ["ECDSA_SHA_512"]
    # Debian's botocore predates key agreement and drops the member: read the wire.
    agreement = keys("ECC_NIST_P384", "KEY_AGREEMENT")
    metadata = kmsd.raw("DescribeKey", {"KeyId": agreement["KeyId"]}).json()["KeyMetadata"]
    assert metadata["KeyAgreementAlgorithms"] == ["ECDH"]
    assert "SigningAlgorithms" not in metadata and "EncryptionAlgorithms" not in metadata


def test_create_key_refuses_what_aws_refuses(kms):
    assert client_error(kms.create_key, KeySpec="HMAC_256") == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
    assert client_error(kms.create_key, KeySpec="RSA_2048", KeyUsage="KEY_AGREEMENT") == (
        "ValidationException", "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048")
    assert client_error(kms.create_key, KeySpec="HMAC_random", KeyUsage="GENERATE_VERIFY_MAC")[1] == (
        "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy "
        "constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, "
        "ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, "
        "HMAC_224, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519, "
        "ML_KEM_512, ML_KEM_768, ML_KEM_1024]")
    # Specs AWS has and kmsd cannot make: SM2 (China Regions only), ML-DSA and
    # ML-KEM (not in OpenSSL 3.0). AWS's answer where a spec is not offered, as
    # reported from us-east-1.
    for spec, usage in (("SM2", "SIGN_VERIFY"), ("ML_DSA_44", "SIGN_VERIFY"),
                        ("ML_DSA_87", "SIGN_VERIFY"), ("ML_KEM_768", "KEY_AGREEMENT")):
        assert client_error(kms.create_key, KeySpec=spec, KeyUsage=usage) == (
            "UnsupportedOperationException", "KeySpec %s is not supported in this Region" % spec)


@pytest.mark.parametrize("spec,algorithm", SIGNING)
def test_signatures_verify_with_the_public_key_elsewhere(kms, keys, spec, algorithm):
    key = keys(spec, "SIGN_VERIFY")
    public = kms.get_public_key(KeyId=key["KeyId"])
    assert public["KeySpec"] == spec and public["KeyUsage"] == "SIGN_VERIFY"
    assert algorithm in public["SigningAlgorithms"]
    signed = kms.sign(KeyId=key["KeyId"], Message=MESSAGE, SigningAlgorithm=algorithm)
    assert signed["KeyId"] == key["Arn"] and signed["SigningAlgorithm"] == algorithm
    local_verify(public["PublicKey"], algorithm, MESSAGE, signed["Signature"])
    with pytest.raises(InvalidSignature):
        local_verify(public["PublicKey"], algorithm, MESSAGE + b"!", signed["Signature"])
    # kmsd verifies its own signature, RAW and as a DIGEST, and refuses a tampered one.
    verified = kms.verify(KeyId=key["KeyId"], Message=MESSAGE, Signature=signed["Signature"],
                          SigningAlgorithm=algorithm)
    assert verified["SignatureValid"] is True
    digest = hashlib.new("sha" + algorithm[-3:], MESSAGE).digest()
    assert kms.verify(KeyId=key["KeyId"], Message=digest, MessageType="DIGEST",
                      Signature=signed["Signature"], SigningAlgorithm=algorithm)["SignatureValid"]
    by_digest = kms.sign(KeyId=key["KeyId"], Message=digest, MessageType="DIGEST",
                         SigningAlgorithm=algorithm)["Signature"]
    local_verify(public["PublicKey"], algorithm, MESSAGE, by_digest)
    assert client_error(kms.verify, KeyId=key["KeyId"], Message=MESSAGE + b"!",
                        Signature=signed["Signature"], SigningAlgorithm=algorithm) == (
        "KMSInvalidSignatureException", "")
    assert client_error(kms.sign, KeyId=key["KeyId"], Message=digest[:-1], MessageType="DIGEST",
                        SigningAlgorithm=algorithm) == (
        "ValidationException", "Digest is invalid length for algorithm %s." % algorithm)


def test_a_signature_made_elsewhere_is_checked_and_openssl_verifies_kmsds(kms, keys, tmp_path):
    key = keys("ECC_NIST_P256", "SIGN_VERIFY")
    public_der = kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    (tmp_path / "public.der").write_bytes(public_der)
    (tmp_path / "message").write_bytes(MESSAGE)
    signature = kms.sign(KeyId=key["KeyId"], Message=MESSAGE,
                         SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    (tmp_path / "signature").write_bytes(signature)
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-keyform", "DER", "-verify", str(tmp_path / "public.der"),
         "-signature", str(tmp_path / "signature"), str(tmp_path / "message")],
        capture_output=True, text=True)
    assert result.returncode == 0 and "Verified OK" in result.stdout, result
    # A signature by another key (made locally) is not valid for this one.
    other = ec.generate_private_key(ec.SECP256R1())
    foreign = other.sign(MESSAGE, ec.ECDSA(hashes.SHA256()))
    assert client_error(kms.verify, KeyId=key["KeyId"], Message=MESSAGE, Signature=foreign,
                        SigningAlgorithm="ECDSA_SHA_256")[0] == "KMSInvalidSignatureException"
    # Nor is something that is not a DER signature at all.
    assert client_error(kms.verify, KeyId=key["KeyId"], Message=MESSAGE, Signature=b"\x30\x01junk",
                        SigningAlgorithm="ECDSA_SHA_256")[0] == "KMSInvalidSignatureException"
    # And PSS signatures check with openssl's own PSS verification.
    rsa = keys("RSA_2048", "SIGN_VERIFY")
    (tmp_path / "rsa.der").write_bytes(kms.get_public_key(KeyId=rsa["KeyId"])["PublicKey"])
    (tmp_path / "pss").write_bytes(kms.sign(KeyId=rsa["KeyId"], Message=MESSAGE,
                                            SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"])
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-keyform", "DER", "-verify", str(tmp_path / "rsa.der"),
         "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
         "-signature", str(tmp_path / "pss"), str(tmp_path / "message")],
        capture_output=True, text=True)
    assert result.returncode == 0 and "Verified OK" in result.stdout, result


@pytest.mark.parametrize("bits", ["224", "256", "384", "512"])
def test_macs_generate_and_verify(kms, keys, bits):
    key = keys("HMAC_" + bits, "GENERATE_VERIFY_MAC")
    algorithm = "HMAC_SHA_" + bits
    made = kms.generate_mac(KeyId=key["KeyId"], Message=MESSAGE, MacAlgorithm=algorithm)
    assert made["KeyId"] == key["Arn"] and made["MacAlgorithm"] == algorithm
    assert len(made["Mac"]) == int(bits) // 8
    # The same message and key give the same MAC (HMAC is deterministic).
    assert kms.generate_mac(KeyId=key["KeyId"], Message=MESSAGE,
                            MacAlgorithm=algorithm)["Mac"] == made["Mac"]
    checked = kms.verify_mac(KeyId=key["KeyId"], Message=MESSAGE, Mac=made["Mac"],
                             MacAlgorithm=algorithm)
    assert checked["MacValid"] is True and checked["MacAlgorithm"] == algorithm
    assert client_error(kms.verify_mac, KeyId=key["KeyId"], Message=MESSAGE + b"!",
                        Mac=made["Mac"], MacAlgorithm=algorithm) == ("KMSInvalidMacException", "")


def test_mac_errors_are_awss(kms, keys):
    key = keys("HMAC_224", "GENERATE_VERIFY_MAC")
    assert client_error(kms.generate_mac, KeyId=key["KeyId"], Message=MESSAGE,
                        MacAlgorithm="HMAC_SHA_256") == (
        "InvalidKeyUsageException", "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.")
    assert client_error(kms.generate_mac, KeyId=key["KeyId"], Message=MESSAGE,
                        MacAlgorithm="INVALID")[1] == (
        "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy "
        "constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, "
        "HMAC_SHA_512]")
    assert client_error(kms.generate_mac, KeyId="key_id", Message=MESSAGE,
                        MacAlgorithm="HMAC_SHA_256") == ("NotFoundException", "Invalid keyId 'key_id'")


def test_each_key_refuses_the_operations_of_other_usages(kms, keys):
    symmetric = kms.create_key()["KeyMetadata"]
    hmac = keys("HMAC_256", "GENERATE_VERIFY_MAC")
    signing = keys("ECC_NIST_P256", "SIGN_VERIFY")
    assert client_error(kms.generate_mac, KeyId=symmetric["KeyId"], Message=MESSAGE,
                        MacAlgorithm="HMAC_SHA_256") == (
        "InvalidKeyUsageException",
        "%s key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac." % symmetric["Arn"])
    assert client_error(kms.sign, KeyId=hmac["KeyId"], Message=MESSAGE,
                        SigningAlgorithm="ECDSA_SHA_256") == (
        "InvalidKeyUsageException",
        "%s key usage is GENERATE_VERIFY_MAC which is not valid for Sign." % hmac["Arn"])
    assert client_error(kms.verify, KeyId=symmetric["KeyId"], Message=MESSAGE, Signature=b"x",
                        SigningAlgorithm="ECDSA_SHA_256") == (
        "InvalidKeyUsageException",
        "%s key usage is ENCRYPT_DECRYPT which is not valid for Verify." % symmetric["Arn"])
    assert client_error(kms.encrypt, KeyId=signing["KeyId"], Plaintext=b"x") == (
        "InvalidKeyUsageException",
        "%s key usage is SIGN_VERIFY which is not valid for Encrypt." % signing["Arn"])
    assert client_error(kms.generate_data_key, KeyId=hmac["KeyId"], KeySpec="AES_256")[0] == (
        "InvalidKeyUsageException")
    assert client_error(kms.sign, KeyId=signing["KeyId"], Message=MESSAGE,
                        SigningAlgorithm="ECDSA_SHA_384") == (
        "InvalidKeyUsageException", "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.")
    blob = kms.encrypt(KeyId=symmetric["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert client_error(kms.decrypt, CiphertextBlob=blob, KeyId=hmac["KeyId"])[0] == (
        "IncorrectKeyException")
    assert client_error(kms.enable_key_rotation, KeyId=signing["KeyId"]) == (
        "UnsupportedOperationException",
        "You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT "
        "key usage.")
    assert kms.get_key_rotation_status(KeyId=signing["KeyId"])["KeyRotationEnabled"] is False
    assert client_error(kms.get_public_key, KeyId=hmac["KeyId"])[0] == "UnsupportedOperationException"


def test_grants_fit_the_key_and_allow_signing(kmsd, kms, keys):
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    bob = kmsd.client("bob")
    assert client_error(bob.sign, KeyId=signing["Arn"], Message=MESSAGE,
                        SigningAlgorithm="ECDSA_SHA_256")[0] == "AccessDeniedException"
    code, message = client_error(kms.create_grant, KeyId=signing["KeyId"], GranteePrincipal=BOB_ARN,
                                 Operations=["Sign", "Decrypt"])
    assert code == "ValidationException" and "Decrypt" in message
    symmetric = kms.create_key()["KeyMetadata"]
    assert client_error(kms.create_grant, KeyId=symmetric["KeyId"], GranteePrincipal=BOB_ARN,
                        Operations=["Sign"])[0] == "ValidationException"
    # Authorization comes first: the refusal names the key's type, which a
    # caller without kms:CreateGrant must not learn.
    assert client_error(bob.create_grant, KeyId=symmetric["Arn"], GranteePrincipal=BOB_ARN,
                        Operations=["Sign"])[0] == "AccessDeniedException"
    kms.create_grant(KeyId=signing["KeyId"], GranteePrincipal=BOB_ARN,
                     Operations=["Sign", "GetPublicKey"])
    signature = bob.sign(KeyId=signing["Arn"], Message=MESSAGE,
                         SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    public = bob.get_public_key(KeyId=signing["Arn"])["PublicKey"]
    local_verify(public, "ECDSA_SHA_256", MESSAGE, signature)
    assert client_error(bob.verify, KeyId=signing["Arn"], Message=MESSAGE, Signature=signature,
                        SigningAlgorithm="ECDSA_SHA_256")[0] == "AccessDeniedException"
    kms.create_grant(KeyId=signing["KeyId"], GranteePrincipal=BOB_ARN, Operations=["Verify"])
    assert bob.verify(KeyId=signing["Arn"], Message=MESSAGE, Signature=signature,
                      SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
    # HMAC keys: GenerateMac and VerifyMac by grant.
    hmac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    assert client_error(bob.generate_mac, KeyId=hmac["Arn"], Message=MESSAGE,
                        MacAlgorithm="HMAC_SHA_256")[0] == "AccessDeniedException"
    kms.create_grant(KeyId=hmac["KeyId"], GranteePrincipal=BOB_ARN,
                     Operations=["GenerateMac", "VerifyMac"])
    mac = bob.generate_mac(KeyId=hmac["Arn"], Message=MESSAGE, MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert bob.verify_mac(KeyId=hmac["Arn"], Message=MESSAGE, Mac=mac,
                          MacAlgorithm="HMAC_SHA_256")["MacValid"]


def test_policies_see_the_signing_and_mac_algorithms(kmsd, kms):
    policy = policy_for_bob({
        "BobPssOnly": ("kms:Sign", {"kms:SigningAlgorithm": "RSASSA_PSS_SHA_256",
                                    "kms:MessageType": "RAW"}),
        "BobMac512": ("kms:GenerateMac", {"kms:MacAlgorithm": "HMAC_SHA_512"}),
        "BobEcdh": ("kms:DeriveSharedSecret", {"kms:KeyAgreementAlgorithm": "ECDH"}),
        "BobDataKeysSymmetricOnly": (["kms:GenerateDataKey", "kms:Encrypt"],
                                     {"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})})
    rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY",
                         Policy=policy)["KeyMetadata"]
    hmac = kms.create_key(KeySpec="HMAC_512", KeyUsage="GENERATE_VERIFY_MAC",
                          Policy=policy)["KeyMetadata"]
    bob = kmsd.client("bob")
    bob.sign(KeyId=rsa["Arn"], Message=MESSAGE, SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert client_error(bob.sign, KeyId=rsa["Arn"], Message=MESSAGE,
                        SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")[0] == "AccessDeniedException"
    digest = hashlib.sha256(MESSAGE).digest()
    assert client_error(bob.sign, KeyId=rsa["Arn"], Message=digest, MessageType="DIGEST",
                        SigningAlgorithm="RSASSA_PSS_SHA_256")[0] == "AccessDeniedException"
    bob.generate_mac(KeyId=hmac["Arn"], Message=MESSAGE, MacAlgorithm="HMAC_SHA_512")
    # A public pattern: data keys only with SYMMETRIC_DEFAULT, which
    # GenerateDataKey carries as its kms:EncryptionAlgorithm.
    symmetric = kms.create_key(Policy=policy)["KeyMetadata"]
    bob.generate_data_key(KeyId=symmetric["Arn"], KeySpec="AES_256")
    bob.encrypt(KeyId=symmetric["Arn"], Plaintext=b"x")
    agreement = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT",
                               Policy=policy)["KeyMetadata"]
    peer = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    resp = kmsd.raw("DeriveSharedSecret", {"KeyId": agreement["Arn"], "KeyAgreementAlgorithm": "ECDH",
                                           "PublicKey": base64.b64encode(peer).decode()}, who="bob")
    assert resp.status == 200, resp.body
    assert client_error(bob.sign, KeyId=agreement["Arn"], Message=MESSAGE,
                        SigningAlgorithm="ECDSA_SHA_256")[0] == "AccessDeniedException"


def test_records_name_the_algorithms_and_hold_no_message(kmsd, kms, keys):
    key = keys("ECC_NIST_P256", "SIGN_VERIFY")
    secret = b"signed-message-marker-9931"
    kms.sign(KeyId=key["KeyId"], Message=secret, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")
    hmac = keys("HMAC_256", "GENERATE_VERIFY_MAC")
    mac = kms.generate_mac(KeyId=hmac["KeyId"], Message=secret, MacAlgorithm="HMAC_SHA_256")["Mac"]
    trail = kmsd.client(service="cloudtrail")
    records = {}
    for name in ("Sign", "GenerateMac"):
        events = trail.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}])["Events"]
        records[name] = json.loads(events[0]["CloudTrailEvent"])
    assert records["Sign"]["requestParameters"] == {
        "keyId": key["KeyId"], "messageType": "RAW", "signingAlgorithm": "ECDSA_SHA_256"}
    assert records["GenerateMac"]["requestParameters"] == {
        "keyId": hmac["KeyId"], "macAlgorithm": "HMAC_SHA_256"}
    for record in records.values():
        text = json.dumps(record)
        for forbidden in (secret, base64.b64encode(secret), base64.b64encode(mac)):
            assert forbidden.decode() not in text
        assert record["readOnly"] is True


@pytest.mark.parametrize("spec,algorithm,most", [
    ("RSA_2048", "RSAES_OAEP_SHA_1", 214), ("RSA_2048", "RSAES_OAEP_SHA_256", 190),
    ("RSA_3072", "RSAES_OAEP_SHA_1", 342), ("RSA_3072", "RSAES_OAEP_SHA_256", 318),
    ("RSA_4096", "RSAES_OAEP_SHA_1", 470), ("RSA_4096", "RSAES_OAEP_SHA_256", 446)])
def test_rsa_keys_encrypt_up_to_awss_limits(kms, keys, spec, algorithm, most):
    key = keys(spec, "ENCRYPT_DECRYPT")
    plaintext = b"p" * most
    out = kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext, EncryptionAlgorithm=algorithm)
    assert out["EncryptionAlgorithm"] == algorithm and out["KeyId"] == key["Arn"]
    assert len(out["CiphertextBlob"]) == int(spec[4:]) // 8  # the raw RSA output
    back = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], KeyId=key["KeyId"],
                       EncryptionAlgorithm=algorithm)
    assert back["Plaintext"] == plaintext and back["EncryptionAlgorithm"] == algorithm
    assert client_error(kms.encrypt, KeyId=key["KeyId"], Plaintext=plaintext + b"!",
                        EncryptionAlgorithm=algorithm) == (
        "ValidationException",
        "Algorithm %s and key spec %s cannot encrypt data larger than %d bytes." % (
            algorithm, spec, most))


def test_data_encrypted_elsewhere_with_the_public_key_decrypts(kms, keys, tmp_path):
    key = keys("RSA_2048", "ENCRYPT_DECRYPT")
    public_der = kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    public = serialization.load_der_public_key(public_der)
    for algorithm, digest in (("RSAES_OAEP_SHA_1", hashes.SHA1()),
                              ("RSAES_OAEP_SHA_256", hashes.SHA256())):
        ciphertext = public.encrypt(b"made by cryptography", padding.OAEP(
            mgf=padding.MGF1(digest), algorithm=digest, label=None))
        assert kms.decrypt(CiphertextBlob=ciphertext, KeyId=key["Arn"],
                           EncryptionAlgorithm=algorithm)["Plaintext"] == b"made by cryptography"
    # openssl pkeyutl, as AWS's guide shows for client-side encryption.
    (tmp_path / "public.der").write_bytes(public_der)
    (tmp_path / "plain").write_bytes(b"made by openssl")
    subprocess.run(["openssl", "pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey",
                    str(tmp_path / "public.der"), "-in", str(tmp_path / "plain"), "-out",
                    str(tmp_path / "cipher"), "-pkeyopt", "rsa_padding_mode:oaep",
                    "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"],
                   check=True)
    assert kms.decrypt(CiphertextBlob=(tmp_path / "cipher").read_bytes(), KeyId=key["KeyId"],
                       EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"] == b"made by openssl"
    # The other algorithm does not decrypt it; nor does a tampered ciphertext.
    ciphertext = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x",
                             EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    assert client_error(kms.decrypt, CiphertextBlob=ciphertext, KeyId=key["KeyId"],
                        EncryptionAlgorithm="RSAES_OAEP_SHA_1") == ("InvalidCiphertextException", "")
    tampered = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    assert client_error(kms.decrypt, CiphertextBlob=tampered, KeyId=key["KeyId"],
                        EncryptionAlgorithm="RSAES_OAEP_SHA_256")[0] == "InvalidCiphertextException"


def test_rsa_encryption_refuses_what_aws_refuses(kms, keys):
    key = keys("RSA_2048", "ENCRYPT_DECRYPT")
    assert client_error(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x") == (
        "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
    assert client_error(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x",
                        EncryptionAlgorithm="RSAES_OAEP_SHA_1",
                        EncryptionContext={"k": "v"})[0] == "ValidationException"
    assert client_error(kms.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_256") == (
        "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
    symmetric = kms.create_key()["KeyMetadata"]
    assert client_error(kms.encrypt, KeyId=symmetric["KeyId"], Plaintext=b"x",
                        EncryptionAlgorithm="RSAES_OAEP_SHA_1") == (
        "InvalidKeyUsageException",
        "Algorithm RSAES_OAEP_SHA_1 is incompatible with key spec SYMMETRIC_DEFAULT.")


def test_re_encrypt_moves_data_between_rsa_and_symmetric_keys(kms, keys):
    rsa = keys("RSA_2048", "ENCRYPT_DECRYPT")
    other_rsa = keys("RSA_3072", "ENCRYPT_DECRYPT")
    symmetric = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=rsa["KeyId"], Plaintext=b"moving",
                       EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    out = kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=rsa["KeyId"],
                         SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
                         DestinationKeyId=other_rsa["KeyId"],
                         DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert out["SourceEncryptionAlgorithm"] == out["DestinationEncryptionAlgorithm"] == (
        "RSAES_OAEP_SHA_256")
    assert out["SourceKeyId"] == rsa["Arn"] and out["KeyId"] == other_rsa["Arn"]
    to_symmetric = kms.re_encrypt(CiphertextBlob=out["CiphertextBlob"],
                                  SourceKeyId=other_rsa["KeyId"],
                                  SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
                                  DestinationKeyId=symmetric["KeyId"],
                                  DestinationEncryptionContext={"k": "v"})
    assert to_symmetric["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert kms.decrypt(CiphertextBlob=to_symmetric["CiphertextBlob"],
                       EncryptionContext={"k": "v"})["Plaintext"] == b"moving"
    back = kms.re_encrypt(CiphertextBlob=to_symmetric["CiphertextBlob"],
                          SourceEncryptionContext={"k": "v"}, DestinationKeyId=rsa["KeyId"],
                          DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_1")
    assert kms.decrypt(CiphertextBlob=back["CiphertextBlob"], KeyId=rsa["KeyId"],
                       EncryptionAlgorithm="RSAES_OAEP_SHA_1")["Plaintext"] == b"moving"


@pytest.mark.parametrize("pair_spec", ["RSA_2048", "ECC_NIST_P256", "ECC_SECG_P256K1",
                                       "ECC_NIST_EDWARDS25519"])
def test_data_key_pairs_sign_and_their_private_key_decrypts_with_the_context(kms, pair_spec):
    key = kms.create_key()["KeyMetadata"]
    context = {"purpose": "offline-signing"}
    pair = kms.generate_data_key_pair(KeyId=key["KeyId"], KeyPairSpec=pair_spec,
                                      EncryptionContext=context)
    assert pair["KeyId"] == key["Arn"] and pair["KeyPairSpec"] == pair_spec
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
    assert private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == pair["PublicKey"]
    public = serialization.load_der_public_key(pair["PublicKey"])
    if pair_spec == "ECC_NIST_EDWARDS25519":
        public.verify(private.sign(MESSAGE), MESSAGE)
    elif pair_spec.startswith("RSA"):
        signature = private.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
        public.verify(signature, MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    else:
        public.verify(private.sign(MESSAGE, ec.ECDSA(hashes.SHA256())), MESSAGE, ec.ECDSA(hashes.SHA256()))
    assert kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"],
                       EncryptionContext=context)["Plaintext"] == pair["PrivateKeyPlaintext"]
    assert client_error(kms.decrypt, CiphertextBlob=pair["PrivateKeyCiphertextBlob"])[0] == (
        "InvalidCiphertextException")
    bare = kms.generate_data_key_pair_without_plaintext(KeyId=key["KeyId"], KeyPairSpec=pair_spec)
    assert "PrivateKeyPlaintext" not in bare and bare["KeyPairSpec"] == pair_spec
    private = serialization.load_der_private_key(
        kms.decrypt(CiphertextBlob=bare["PrivateKeyCiphertextBlob"])["Plaintext"], password=None)
    assert private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == bare["PublicKey"]


def test_data_key_pairs_refuse_what_aws_refuses(kmsd, kms, keys):
    rsa = keys("RSA_2048", "ENCRYPT_DECRYPT")
    assert client_error(kms.generate_data_key_pair, KeyId=rsa["KeyId"], KeyPairSpec="RSA_2048") == (
        "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
    key = kms.create_key()["KeyMetadata"]
    for operation in ("GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"):
        resp = kmsd.raw(operation, {"KeyId": key["KeyId"], "KeyPairSpec": "ECC_NIST_P384",
                                    "DryRun": True})
        assert resp.error_type == "DryRunOperationException"
        assert resp.message == "The request would have succeeded, but the DryRun option is set."
    policy = policy_for_bob({"BobEccPairs": ("kms:GenerateDataKeyPair", {
        "kms:DataKeyPairSpec": "ECC_NIST_P256", "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})})
    restricted = kms.create_key(Policy=policy)["KeyMetadata"]
    bob = kmsd.client("bob")
    bob.generate_data_key_pair(KeyId=restricted["Arn"], KeyPairSpec="ECC_NIST_P256")
    assert client_error(bob.generate_data_key_pair, KeyId=restricted["Arn"],
                        KeyPairSpec="RSA_2048")[0] == "AccessDeniedException"
    # ML-KEM key pairs: in AWS's list, not in OpenSSL 3.0.
    assert client_error(kms.generate_data_key_pair, KeyId=key["KeyId"], KeyPairSpec="ML_KEM_512") == (
        "UnsupportedOperationException", "KeyPairSpec ML_KEM_512 is not supported in this Region")


def test_derive_shared_secret_matches_ecdh_computed_locally(kmsd, kms, keys):
    # Debian's botocore predates DeriveSharedSecret: these calls go on the wire.
    key = keys("ECC_NIST_P256", "KEY_AGREEMENT")
    kms_public = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    local = ec.generate_private_key(ec.SECP256R1())
    local_public = local.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    resp = kmsd.raw("DeriveSharedSecret", {"KeyId": key["KeyId"], "KeyAgreementAlgorithm": "ECDH",
                                           "PublicKey": base64.b64encode(local_public).decode()})
    assert resp.status == 200, resp.body
    out = resp.json()
    assert base64.b64decode(out["SharedSecret"]) == local.exchange(ec.ECDH(), kms_public)
    assert out["KeyAgreementAlgorithm"] == "ECDH" and out["KeyOrigin"] == "AWS_KMS"
    assert out["KeyId"] == key["Arn"]

    def derive(key_id, public_key, algorithm="ECDH"):
        return kmsd.raw("DeriveSharedSecret", {"KeyId": key_id, "KeyAgreementAlgorithm": algorithm,
                                               "PublicKey": base64.b64encode(public_key).decode()})
    bad = derive(key["KeyId"], b"not a public key")
    assert (bad.error_type, bad.message) == ("ValidationException", None)  # no message, as AWS
    other_curve = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert derive(key["KeyId"], other_curve).error_type == "ValidationException"
    signing = keys("ECC_NIST_P256", "SIGN_VERIFY")
    wrong = derive(signing["KeyId"], local_public)
    assert (wrong.error_type, wrong.message) == (
        "InvalidKeyUsageException",
        "%s key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret." % signing["Arn"])
    invalid = derive(key["KeyId"], local_public, "INVALID")
    assert invalid.message == (
        "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ECDH]")
    # The record names the key and the algorithm, never the secret.
    trail = kmsd.client(service="cloudtrail")
    event = trail.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "DeriveSharedSecret"}])["Events"][-1]
    record = json.loads(event["CloudTrailEvent"])
    assert out["SharedSecret"] not in event["CloudTrailEvent"]
    assert record["requestParameters"]["keyAgreementAlgorithm"] == "ECDH"


def test_attested_requests_are_refused_not_answered_in_plaintext(kmsd, kms):
    # A caller that sends a Nitro attestation document expects the answer
    # encrypted to its enclave; kmsd cannot verify the document.
    key = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"for the enclave only")["CiphertextBlob"]
    recipient = {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                 "AttestationDocument": base64.b64encode(b"not a COSE document").decode()}
    for operation, body in (
            ("Decrypt", {"CiphertextBlob": base64.b64encode(blob).decode()}),
            ("GenerateDataKey", {"KeyId": key["KeyId"], "KeySpec": "AES_256"}),
            ("GenerateDataKeyPair", {"KeyId": key["KeyId"], "KeyPairSpec": "ECC_NIST_P256"}),
            ("GenerateRandom", {"NumberOfBytes": 16})):
        resp = kmsd.raw(operation, dict(body, Recipient=recipient))
        assert resp.error_type == "ValidationException", (operation, resp.body)
        assert "Recipient" in resp.message and b"for the enclave only" not in resp.body


def test_ed25519_keys_sign_raw_messages(kms, keys):
    from cryptography.hazmat.primitives.asymmetric import ed25519
    key = keys("ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    assert key["SigningAlgorithms"] == ["ED25519_SHA_512", "ED25519_PH_SHA_512"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    assert isinstance(public, ed25519.Ed25519PublicKey)
    signature = kms.sign(KeyId=key["KeyId"], Message=MESSAGE, SigningAlgorithm="ED25519_SHA_512",
                         MessageType="RAW")["Signature"]
    assert len(signature) == 64
    public.verify(signature, MESSAGE)
    assert kms.verify(KeyId=key["KeyId"], Message=MESSAGE, Signature=signature,
                      SigningAlgorithm="ED25519_SHA_512")["SignatureValid"]
    assert client_error(kms.verify, KeyId=key["KeyId"], Message=MESSAGE + b"!", Signature=signature,
                        SigningAlgorithm="ED25519_SHA_512")[0] == "KMSInvalidSignatureException"
    # Real KMS's texts, as floci-io/floci#2930 measured them.
    assert client_error(kms.sign, KeyId=key["KeyId"], Message=b"d" * 64, MessageType="DIGEST",
                        SigningAlgorithm="ED25519_SHA_512") == (
        "ValidationException", "Message type DIGEST is incompatible with algorithm ED25519_SHA_512.")
    assert client_error(kms.sign, KeyId=key["KeyId"], Message=MESSAGE, MessageType="RAW",
                        SigningAlgorithm="ED25519_PH_SHA_512") == (
        "ValidationException", "Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.")
    assert client_error(kms.sign, KeyId=key["KeyId"], Message=MESSAGE,
                        SigningAlgorithm="ECDSA_SHA_512") == (
        "InvalidKeyUsageException", "Algorithm ECDSA_SHA_512 is incompatible with key spec ECC_NIST_EDWARDS25519.")
    assert client_error(kms.sign, KeyId=key["KeyId"], Message=MESSAGE,
                        SigningAlgorithm="ECDSA_SHA_256")[0] == "InvalidKeyUsageException"


def test_ed25519ph_signatures_of_digests_verify_with_libsodium(kms, keys):
    # ED25519_PH_SHA_512 is RFC 8032's Ed25519ph of a SHA-512 DIGEST; PyNaCl
    # (libsodium) checks it against the message.
    from nacl import bindings, exceptions
    key = keys("ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    public = kms.get_public_key(KeyId=key["KeyId"])
    assert public["SigningAlgorithms"] == ["ED25519_SHA_512", "ED25519_PH_SHA_512"]
    raw_public = serialization.load_der_public_key(public["PublicKey"]).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def libsodium_verifies(signature, message):
        state = bindings.crypto_sign_ed25519ph_state()
        bindings.crypto_sign_ed25519ph_update(state, message)
        try:
            return bindings.crypto_sign_ed25519ph_final_verify(state, signature, raw_public)
        except exceptions.BadSignatureError:
            return False

    def verify(signature):
        return kms.verify(KeyId=key["KeyId"], Message=digest, MessageType="DIGEST",
                          Signature=signature, SigningAlgorithm="ED25519_PH_SHA_512")

    digest = hashlib.sha512(MESSAGE).digest()
    signature = kms.sign(KeyId=key["KeyId"], Message=digest, MessageType="DIGEST",
                         SigningAlgorithm="ED25519_PH_SHA_512")["Signature"]
    assert len(signature) == 64
    assert libsodium_verifies(signature, MESSAGE)
    assert not libsodium_verifies(signature, MESSAGE + b"!")
    assert verify(signature)["SignatureValid"]
    # A signature libsodium made with a key of its own, and pure Ed25519's
    # signature of the message, are not this key's Ed25519ph signature.
    _, other_secret = bindings.crypto_sign_keypair()
    state = bindings.crypto_sign_ed25519ph_state()
    bindings.crypto_sign_ed25519ph_update(state, MESSAGE)
    forged = bindings.crypto_sign_ed25519ph_final_create(state, other_secret)
    pure = kms.sign(KeyId=key["KeyId"], Message=MESSAGE, SigningAlgorithm="ED25519_SHA_512")["Signature"]
    for wrong in (forged, pure):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            verify(wrong)
        assert error_code(e.value) == "KMSInvalidSignatureException"
    for call in (kms.sign, kms.verify):
        extra = {"Signature": signature} if call == kms.verify else {}
        assert client_error(call, KeyId=key["KeyId"], Message=digest[:32], MessageType="DIGEST",
                            SigningAlgorithm="ED25519_PH_SHA_512", **extra) == (
            "ValidationException", "Digest is invalid length for algorithm ED25519_PH_SHA_512.")


def openssl(*args, data=None):
    proc = subprocess.run(["openssl", *args], input=data, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def public_pem(path, der):
    """Writes a DER public key (GetPublicKey's) as PEM at `path`; returns the path."""
    path.write_bytes(openssl("pkey", "-pubin", "-inform", "DER", data=der))
    return path


def test_sm2_keys_exist_only_in_the_china_regions_and_do_what_aws_lists(kmsd, kms):
    china = kmsd.client(region="cn-north-1")
    algorithms = {"SIGN_VERIFY": ("SigningAlgorithms", ["SM2DSA"]),
                  "ENCRYPT_DECRYPT": ("EncryptionAlgorithms", ["SM2PKE"])}
    for usage, (member, listed) in algorithms.items():
        key = china.create_key(KeySpec="SM2", KeyUsage=usage)["KeyMetadata"]
        assert (key["KeySpec"], key["CustomerMasterKeySpec"], key[member]) == ("SM2", "SM2", listed)
    agreeing = kmsd.raw("CreateKey", {"KeySpec": "SM2", "KeyUsage": "KEY_AGREEMENT"}, region="cn-northwest-1")
    assert agreeing.json()["KeyMetadata"]["KeyAgreementAlgorithms"] == ["ECDH"], agreeing.body
    # Elsewhere, what AWS answers where a spec is not offered.
    assert client_error(kms.create_key, KeySpec="SM2", KeyUsage="SIGN_VERIFY") == (
        "UnsupportedOperationException", "KeySpec SM2 is not supported in this Region")
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    assert client_error(kms.generate_data_key_pair, KeyId=symmetric, KeyPairSpec="SM2") == (
        "UnsupportedOperationException", "KeyPairSpec SM2 is not supported in this Region")


def test_sm2_signatures_verify_with_openssl_and_digests_are_z_hashes(kmsd, tmp_path):
    china = kmsd.client(region="cn-north-1")
    key = china.create_key(KeySpec="SM2", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    public = public_pem(tmp_path / "public.pem", china.get_public_key(KeyId=key)["PublicKey"])
    signature = china.sign(KeyId=key, Message=MESSAGE, SigningAlgorithm="SM2DSA")["Signature"]
    (tmp_path / "signature").write_bytes(signature)
    (tmp_path / "message").write_bytes(MESSAGE)
    # OpenSSL's SM2 with SM3 and GM/T 0009's default distinguishing ID.
    assert b"Verified OK" in openssl("dgst", "-sm3", "-verify", str(public), "-sigopt",
                                     "distid:1234567812345678", "-signature",
                                     str(tmp_path / "signature"), str(tmp_path / "message"))
    (tmp_path / "message").write_bytes(MESSAGE + b"!")
    tampered = subprocess.run(["openssl", "dgst", "-sm3", "-verify", str(public), "-sigopt",
                               "distid:1234567812345678", "-signature", str(tmp_path / "signature"),
                               str(tmp_path / "message")], capture_output=True)
    assert tampered.returncode != 0
    # A signature made by OpenSSL with a key of its own does not verify.
    (tmp_path / "other.pem").write_bytes(openssl("genpkey", "-algorithm", "SM2"))
    foreign = openssl("dgst", "-sm3", "-sign", str(tmp_path / "other.pem"), "-sigopt",
                      "distid:1234567812345678", data=MESSAGE)
    assert client_error(china.verify, KeyId=key, Message=MESSAGE, Signature=foreign,
                        SigningAlgorithm="SM2DSA")[0] == "KMSInvalidSignatureException"
    # DIGEST is SM3 over Z and the message, not SM3 of the message alone.
    plain = hashlib.new("sm3", MESSAGE).digest() if "sm3" in hashlib.algorithms_available else \
        bytes.fromhex(openssl("dgst", "-sm3", "-r", data=MESSAGE).split()[0].decode())
    assert client_error(china.verify, KeyId=key, Message=plain, MessageType="DIGEST",
                        Signature=signature, SigningAlgorithm="SM2DSA")[0] == "KMSInvalidSignatureException"
    digest_signature = china.sign(KeyId=key, Message=plain, MessageType="DIGEST",
                                  SigningAlgorithm="SM2DSA")["Signature"]
    assert china.verify(KeyId=key, Message=plain, MessageType="DIGEST", Signature=digest_signature,
                        SigningAlgorithm="SM2DSA")["SignatureValid"]
    assert client_error(china.sign, KeyId=key, Message=b"d" * 31, MessageType="DIGEST",
                        SigningAlgorithm="SM2DSA")[0] == "ValidationException"
    assert client_error(china.sign, KeyId=key, Message=MESSAGE,
                        SigningAlgorithm="ECDSA_SHA_256")[0] == "InvalidKeyUsageException"


def test_sm2_encryption_round_trips_with_openssl(kmsd, tmp_path):
    china = kmsd.client(region="cn-north-1")
    key = china.create_key(KeySpec="SM2", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    public = public_pem(tmp_path / "public.pem", china.get_public_key(KeyId=key)["PublicKey"])
    ciphertext = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", str(public), data=b"from openssl")
    assert china.decrypt(KeyId=key, CiphertextBlob=ciphertext,
                         EncryptionAlgorithm="SM2PKE")["Plaintext"] == b"from openssl"
    blob = china.encrypt(KeyId=key, Plaintext=b"x" * 1024, EncryptionAlgorithm="SM2PKE")["CiphertextBlob"]
    assert china.decrypt(KeyId=key, CiphertextBlob=blob,
                         EncryptionAlgorithm="SM2PKE")["Plaintext"] == b"x" * 1024
    assert client_error(china.encrypt, KeyId=key, Plaintext=b"x" * 1025,
                        EncryptionAlgorithm="SM2PKE") == (
        "ValidationException",
        "Algorithm SM2PKE and key spec SM2 cannot encrypt data larger than 1024 bytes.")
    assert client_error(china.decrypt, KeyId=key, CiphertextBlob=blob[:-1] + bytes([blob[-1] ^ 1]),
                        EncryptionAlgorithm="SM2PKE")[0] == "InvalidCiphertextException"
    assert client_error(china.encrypt, KeyId=key, Plaintext=b"x",
                        EncryptionAlgorithm="RSAES_OAEP_SHA_256")[0] == "InvalidKeyUsageException"


def test_sm2_key_agreement_and_data_key_pairs(kmsd, tmp_path):
    china = kmsd.client(region="cn-north-1")
    ours, theirs = (china.create_key(KeySpec="SM2", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]["KeyId"]
                    for _ in range(2))
    public = {key: china.get_public_key(KeyId=key)["PublicKey"] for key in (ours, theirs)}

    def derive(key, peer):
        resp = kmsd.raw("DeriveSharedSecret", {"KeyId": key, "KeyAgreementAlgorithm": "ECDH",
                                               "PublicKey": base64.b64encode(peer).decode()},
                        region="cn-north-1")
        assert resp.status == 200, resp.body
        return base64.b64decode(resp.json()["SharedSecret"])

    secret = derive(ours, public[theirs])
    assert len(secret) == 32 and secret == derive(theirs, public[ours])
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    resp = kmsd.raw("DeriveSharedSecret", {"KeyId": ours, "KeyAgreementAlgorithm": "ECDH",
                                           "PublicKey": base64.b64encode(p256).decode()},
                    region="cn-north-1")
    assert resp.error_type == "ValidationException"
    # An SM2 data key pair: its private key signs with OpenSSL, its public key verifies.
    wrapping = china.create_key()["KeyMetadata"]["KeyId"]
    pair = china.generate_data_key_pair(KeyId=wrapping, KeyPairSpec="SM2")
    (tmp_path / "private.pem").write_bytes(
        openssl("pkey", "-inform", "DER", data=pair["PrivateKeyPlaintext"]))
    public_pem(tmp_path / "public.pem", pair["PublicKey"])
    (tmp_path / "message").write_bytes(MESSAGE)
    (tmp_path / "signature").write_bytes(openssl(
        "dgst", "-sm3", "-sign", str(tmp_path / "private.pem"), "-sigopt",
        "distid:1234567812345678", str(tmp_path / "message")))
    assert b"Verified OK" in openssl("dgst", "-sm3", "-verify", str(tmp_path / "public.pem"),
                                     "-sigopt", "distid:1234567812345678", "-signature",
                                     str(tmp_path / "signature"), str(tmp_path / "message"))
    assert china.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"] == \
        pair["PrivateKeyPlaintext"]


def test_an_sm2_key_stays_in_the_china_regions(kmsd):
    china = kmsd.client(region="cn-north-1")
    key = china.create_key(KeySpec="SM2", KeyUsage="SIGN_VERIFY", MultiRegion=True)["KeyMetadata"]
    assert china.replicate_key(KeyId=key["KeyId"], ReplicaRegion="cn-northwest-1")[
        "ReplicaKeyMetadata"]["KeySpec"] == "SM2"
    assert client_error(china.replicate_key, KeyId=key["KeyId"], ReplicaRegion="us-east-1") == (
        "UnsupportedOperationException", "KeySpec SM2 is not supported in this Region")
