"""Seed files: local-kms's seed.yaml read unchanged, and kmsd's richer form.
Keys come with the ids, backing keys and private keys the file gives, so a
ciphertext made by one kmsd decrypts in another seeded from the same file."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile

import botocore.exceptions
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kmsd_harness import ACCOUNT, OTHER_ACCOUNT, Kmsd, error_code, stored_keys

AES_ID = "bc436485-5092-42b8-92a3-0aa8b93536dc"
AES_KEYS = ["34743777217A25432A46294A404E635266556A586E3272357538782F413F4428",
            "614E645267556B58703273357638792F423F4528472B4B6250655368566D5971"]
AES2_ID = "49c5492b-b1bc-42a8-9a5c-b2015e810c1c"
AES2_KEY = "5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9"
RSA_ID = "ff275b92-0def-4dfc-b0f6-87c96b26c6c7"
ECC_ID = "800d5768-3fd7-4edd-a4b8-4c81c3e4c147"
HMAC_ID = "f1234567-89ab-cdef-0123-456789abcdef"
HMAC_KEY = "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef"
ROTATED_ID = "f2f4f1aa-31db-41f4-a1f0-53b4c00d7212"


def openssl_key(*args):
    """A private key PEM made by the openssl command line, as local-kms's README shows."""
    return subprocess.run(["openssl", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pems():
    return {
        # openssl genpkey writes PKCS#8; ecparam -genkey writes SEC1 (local-kms's two forms).
        "rsa": openssl_key("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"),
        "ecc": openssl_key("ecparam", "-name", "prime256v1", "-genkey", "-noout"),
    }


def indent(text, spaces):
    return "".join(" " * spaces + line + "\n" for line in text.strip().splitlines())


def local_kms_seed(pems):
    """A seed file as local-kms users write it (its README's examples)."""
    return f"""Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: {AES_ID}
        BackingKeys:
          - {AES_KEYS[0]}
          - {AES_KEYS[1]}

      - Metadata:
          KeyId: {AES2_ID}
          Description: "Your key description"
        BackingKeys:
          - {AES2_KEY}
      - Metadata:
          KeyId: {ROTATED_ID}
        NextKeyRotation: "2019-09-12T15:19:21+00:00"
        BackingKeys:
          - {AES2_KEY}
    Hmac:
      - Metadata:
          KeyId: {HMAC_ID}
          KeyUsage: GENERATE_VERIFY_MAC
          KeySpec: HMAC_256
          Description: Test HMAC-256 key for message authentication
        BackingKeys:
          - {HMAC_KEY}
  Asymmetric:
    Rsa:
      - Metadata:
          KeyId: {RSA_ID}
          KeyUsage: SIGN_VERIFY # or ENCRYPT_DECRYPT
          Description: RSA key with 2048 bits
        PrivateKeyPem: |
{indent(pems["rsa"], 10)}    Ecc:
      - Metadata:
          KeyId: {ECC_ID}
          KeyUsage: SIGN_VERIFY
          Description: ECC key with curve secp256r1
        PrivateKeyPem: |
{indent(pems["ecc"], 10)}
Aliases:
  - AliasName: alias/dev
    TargetKeyId: {AES_ID}

  - AliasName: alias/test
    TargetKeyId: {AES2_ID}
"""


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


@pytest.fixture(scope="module")
def seed_path(pems):
    tmp = tempfile.mkdtemp(prefix="kmsd-seed-")
    return write(tmp, "seed.yaml", local_kms_seed(pems))


@pytest.fixture(scope="module")
def seeded(seed_path):
    server = Kmsd(env={"KMSD_SEED": seed_path})
    yield server
    server.close()


def open_blob(blob, backing_key_hex, context=b"\0\0\0\0"):
    """Decrypts a kmsd ciphertext blob (kms/server/crypto/ciphertext_blob.h) here,
    with a backing key from the seed file: proof that kmsd used that key."""
    header, body = blob[:50], blob[50:]
    salt, nonce = header[22:38], header[38:50]
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"kmsd blob v1").derive(
        bytes.fromhex(backing_key_hex))
    return AESGCM(key).decrypt(nonce, body, header + context)


def seal_blob(key_id, version, backing_key_hex, plaintext):
    """A ciphertext blob made here under a seeded backing key (for Decrypt)."""
    salt, nonce = os.urandom(16), os.urandom(12)
    header = (b"k\x01" + bytes.fromhex(key_id.replace("-", "")) + version.to_bytes(4, "big") +
              salt + nonce)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"kmsd blob v1").derive(
        bytes.fromhex(backing_key_hex))
    return header + AESGCM(key).encrypt(nonce, plaintext, header + b"\0\0\0\0")


def test_local_kms_seed_gives_its_key_ids_and_aliases(seeded):
    kms = seeded.client()
    ids = {k["KeyId"] for k in kms.list_keys()["Keys"]}
    assert {AES_ID, AES2_ID, RSA_ID, ECC_ID, HMAC_ID, ROTATED_ID} <= ids
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/dev"] == AES_ID and aliases["alias/test"] == AES2_ID
    meta = {i: kms.describe_key(KeyId=i)["KeyMetadata"] for i in (AES2_ID, RSA_ID, ECC_ID, HMAC_ID)}
    assert meta[AES2_ID]["Description"] == "Your key description"
    assert meta[AES2_ID]["Arn"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{AES2_ID}"
    assert (meta[RSA_ID]["KeySpec"], meta[RSA_ID]["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    assert (meta[ECC_ID]["KeySpec"], meta[ECC_ID]["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert (meta[HMAC_ID]["KeySpec"], meta[HMAC_ID]["KeyUsage"]) == ("HMAC_256",
                                                                     "GENERATE_VERIFY_MAC")
    assert all(m["KeyState"] == "Enabled" and m["KeyManager"] == "CUSTOMER" for m in meta.values())


def test_encrypt_uses_the_last_backing_key_and_decrypt_the_earlier_ones(seeded):
    kms = seeded.client()
    blob = kms.encrypt(KeyId="alias/dev", Plaintext=b"seeded secret")["CiphertextBlob"]
    assert int.from_bytes(blob[18:22], "big") == 2  # the second backing key: version 2
    assert open_blob(blob, AES_KEYS[1]) == b"seeded secret"
    # A ciphertext made under the first backing key (a past rotation) decrypts.
    old = seal_blob(AES_ID, 1, AES_KEYS[0], b"from before the rotation")
    out = kms.decrypt(CiphertextBlob=old)
    assert out["Plaintext"] == b"from before the rotation" and out["KeyId"].endswith(AES_ID)
    # The AWS CLI, through the alias.
    cli = seeded.cli("kms", "generate-data-key", "--key-id", "alias/test", "--key-spec", "AES_256")
    data_key = base64.b64decode(cli["CiphertextBlob"])
    assert open_blob(data_key, AES2_KEY) == base64.b64decode(cli["Plaintext"])


def test_signatures_verify_with_the_seeded_private_keys(seeded, pems):
    kms = seeded.client()
    for key_id, name, algorithm in ((RSA_ID, "rsa", "RSASSA_PSS_SHA_256"),
                                    (ECC_ID, "ecc", "ECDSA_SHA_256")):
        private = serialization.load_pem_private_key(pems[name].encode(), password=None)
        public_der = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert kms.get_public_key(KeyId=key_id)["PublicKey"] == public_der
        signature = kms.sign(KeyId=key_id, Message=b"signed by the seed", MessageType="RAW",
                             SigningAlgorithm=algorithm)["Signature"]
        if name == "rsa":
            private.public_key().verify(
                signature, b"signed by the seed",
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
        else:
            private.public_key().verify(signature, b"signed by the seed",
                                        ec.ECDSA(hashes.SHA256()))
    mac = kms.generate_mac(KeyId=HMAC_ID, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert mac == hmac.new(bytes.fromhex(HMAC_KEY), b"m", hashlib.sha256).digest()


def test_a_ciphertext_decrypts_in_another_kmsd_seeded_from_the_same_file(seeded, seed_path):
    blob = seeded.client().encrypt(KeyId=AES_ID, Plaintext=b"portable",
                                   EncryptionContext={"app": "x"})["CiphertextBlob"]
    other = Kmsd(env={"KMSD_SEED": seed_path})  # a new data directory and root key
    try:
        assert other.client().decrypt(CiphertextBlob=blob,
                                      EncryptionContext={"app": "x"})["Plaintext"] == b"portable"
    finally:
        other.close()


def test_seeding_again_leaves_everything_as_it_is(seeded, seed_path):
    kms = seeded.client()
    before = kms.describe_key(KeyId=AES_ID)["KeyMetadata"]
    kms.update_key_description(KeyId=AES_ID, Description="changed after seeding")
    kms.update_alias(AliasName="alias/test", TargetKeyId=AES_ID)
    events_before = seeded.client(service="cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}])["Events"]
    seeded.restart(env={"KMSD_SEED": seed_path})
    kms = seeded.client()  # the new port
    after = kms.describe_key(KeyId=AES_ID)["KeyMetadata"]
    assert after["CreationDate"] == before["CreationDate"]
    assert after["Description"] == "changed after seeding"
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/test"] == AES_ID
    log = open(seeded.log_path).read()
    assert "0 keys, 0 aliases and 0 grants created; 6 keys and 2 aliases were there already" in log
    assert "alias/test exists and points at " + AES_ID in log
    events_after = seeded.client(service="cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}])["Events"]
    assert len(events_after) == len(events_before)
    kms.update_alias(AliasName="alias/test", TargetKeyId=AES2_ID)


def test_each_seeded_key_has_its_record_and_no_record_holds_key_material(seeded, pems):
    pages = seeded.client(service="cloudtrail").get_paginator("lookup_events").paginate()
    records = [json.loads(e["CloudTrailEvent"]) for page in pages for e in page["Events"]]
    created = {r["requestParameters"]["keyId"] for r in records
               if r["eventName"] == "CreateKey" and "seedFile" in r.get("additionalEventData", {})}
    assert {AES_ID, AES2_ID, RSA_ID, ECC_ID, HMAC_ID, ROTATED_ID} <= created
    assert {r["requestParameters"]["aliasName"] for r in records
            if r["eventName"] == "CreateAlias"} >= {"alias/dev", "alias/test"}
    for r in records:
        if "seedFile" in r.get("additionalEventData", {}):
            assert r["eventType"] == "AwsServiceEvent"
    text = json.dumps(records).lower()
    for secret in AES_KEYS + [AES2_KEY, HMAC_KEY]:
        assert secret.lower() not in text
    for pem in pems.values():
        assert pem.splitlines()[1].lower() not in text
    verify = seeded.run_tool("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_key_with_a_past_next_key_rotation_rotates_at_start(seeded):
    kms = seeded.client()
    status = kms.get_key_rotation_status(KeyId=ROTATED_ID)
    assert status["KeyRotationEnabled"] is True
    events = seeded.client(service="cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "RotateKey"}])["Events"]
    assert any(ROTATED_ID in json.loads(e["CloudTrailEvent"])["resources"][0]["ARN"]
               for e in events)
    # New ciphertexts use the new material (version 2); the seeded one still decrypts.
    blob = kms.encrypt(KeyId=ROTATED_ID, Plaintext=b"x")["CiphertextBlob"]
    assert int.from_bytes(blob[18:22], "big") == 2
    assert kms.decrypt(CiphertextBlob=seal_blob(ROTATED_ID, 1, AES2_KEY, b"y"))["Plaintext"] == b"y"


KMSD_FORM = f"""
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: 11111111-2222-4333-8444-555555555555
          Account: "{OTHER_ACCOUNT}"
          Region: eu-west-1
          Description: carol's key
          Tags:
            - TagKey: team
              TagValue: payments
          EnableKeyRotation: true
          RotationPeriodInDays: 90
          Policy:
            Version: "2012-10-17"
            Statement:
              - Sid: Enable IAM policies
                Effect: Allow
                Principal:
                  AWS: arn:aws:iam::{OTHER_ACCOUNT}:root
                Action: kms:*
                Resource: "*"
        BackingKeys:
          - {AES2_KEY}
      - Metadata:
          KeyId: 22222222-2222-4333-8444-555555555555
          KeyState: Disabled
        BackingKeys:
          - {AES2_KEY}
      - Metadata:
          KeyId: 33333333-2222-4333-8444-555555555555
          KeyState: PendingDeletion
          PendingWindowInDays: 7
        BackingKeys:
          - {AES2_KEY}
Aliases:
  - AliasName: alias/carol
    TargetKeyId: arn:aws:kms:eu-west-1:{OTHER_ACCOUNT}:key/11111111-2222-4333-8444-555555555555
Grants:
  - KeyId: 22222222-2222-4333-8444-555555555555
    GranteePrincipal: arn:aws:iam::{ACCOUNT}:user/bob
    Operations: [Encrypt, Decrypt]
    Name: seeded-grant
    Constraints:
      EncryptionContextSubset:
        app: billing
"""


def test_kmsd_form_places_keys_and_sets_state_policy_tags_rotation_and_grants(tmp_path):
    server = Kmsd(env={"KMSD_SEED": write(str(tmp_path), "seed.yaml", KMSD_FORM)})
    try:
        carol = server.client(who="carol", region="eu-west-1")
        key = "11111111-2222-4333-8444-555555555555"
        meta = carol.describe_key(KeyId="alias/carol")["KeyMetadata"]
        assert meta["Arn"] == f"arn:aws:kms:eu-west-1:{OTHER_ACCOUNT}:key/{key}"
        assert meta["Description"] == "carol's key"
        assert carol.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "team",
                                                               "TagValue": "payments"}]
        # Debian's botocore predates RotationPeriodInDays: read it on the wire.
        status = server.raw("GetKeyRotationStatus", {"KeyId": key}, who="carol",
                            region="eu-west-1").json()
        assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 90
        policy = json.loads(carol.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        assert policy["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{OTHER_ACCOUNT}:root"
        # Not in alice's account or region.
        with pytest.raises(botocore.exceptions.ClientError) as e:
            server.client().describe_key(KeyId=key)
        assert error_code(e.value) == "NotFoundException"

        alice = server.client()
        assert alice.describe_key(KeyId="22222222-2222-4333-8444-555555555555")[
            "KeyMetadata"]["KeyState"] == "Disabled"
        pending = alice.describe_key(KeyId="33333333-2222-4333-8444-555555555555")["KeyMetadata"]
        assert pending["KeyState"] == "PendingDeletion" and "DeletionDate" in pending
        grants = alice.list_grants(KeyId="22222222-2222-4333-8444-555555555555")["Grants"]
        assert [(g["Name"], sorted(g["Operations"]), g["Constraints"]) for g in grants] == [
            ("seeded-grant", ["Decrypt", "Encrypt"], {"EncryptionContextSubset": {"app": "billing"}})]
    finally:
        server.close()


@pytest.mark.parametrize("mistake, message", [
    (("          KeyId: " + AES_ID, "          KeyID: " + AES_ID),
     "seed.yaml:5:11: Keys.Symmetric.Aes[0].Metadata.KeyID: unknown field (did you mean KeyId?)"),
    ((AES_KEYS[0], AES_KEYS[0][:-2]),
     "seed.yaml:7:13: Keys.Symmetric.Aes[0].BackingKeys[0]: must be 32 bytes (64 hex digits); "
     "31 bytes found"),
    (("KeyUsage: SIGN_VERIFY # or", "KeyUsage: SIGN_VERIFYY # or"),
     "Keys.Asymmetric.Rsa[0].Metadata.KeyUsage: a RSA_2048 key's KeyUsage must be one of "
     "ENCRYPT_DECRYPT, SIGN_VERIFY, not 'SIGN_VERIFYY'"),
    (("KeyId: " + AES2_ID, "KeyId: " + AES_ID),
     "Keys.Symmetric.Aes[1].Metadata.KeyId: key " + AES_ID + " is seeded twice"),
    (("    TargetKeyId: " + AES2_ID, "    TargetKeyId: 99999999-5092-42b8-92a3-0aa8b93536dc"),
     "alias/test: no customer managed key 99999999-5092-42b8-92a3-0aa8b93536dc in account "
     + ACCOUNT + " region us-east-1"),
    (("Keys:", "Keys:\n  - [unclosed"), "not valid YAML"),
])
def test_a_malformed_seed_file_stops_start_up_and_changes_nothing(tmp_path, pems, mistake, message):
    text = local_kms_seed(pems)
    assert mistake[0] in text
    path = write(str(tmp_path), "seed.yaml", text.replace(mistake[0], mistake[1], 1))
    with pytest.raises(RuntimeError) as e:
        Kmsd(env={"KMSD_SEED": path})
    assert message in str(e.value)
    assert path in str(e.value)
    for secret in AES_KEYS + [AES2_KEY, HMAC_KEY]:
        assert secret not in str(e.value)


def test_an_alias_error_after_valid_keys_stores_none_of_them(tmp_path, pems):
    """One transaction: the keys before the bad alias are not kept."""
    server = Kmsd()
    data_dir = server.data_dir
    server.stop()
    bad = local_kms_seed(pems).replace("    TargetKeyId: " + AES2_ID,
                                       "    TargetKeyId: 99999999-5092-42b8-92a3-0aa8b93536dc")
    try:
        with pytest.raises(RuntimeError):
            server.start(env={"KMSD_SEED": write(str(tmp_path), "seed.yaml", bad)})
        assert stored_keys(data_dir) == []
    finally:
        server.close()


def test_a_seed_key_in_an_account_the_config_does_not_have_is_refused(tmp_path):
    path = write(str(tmp_path), "seed.yaml", f"""Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: {AES_ID}
        BackingKeys: [{AES2_KEY}]
""")
    with pytest.raises(RuntimeError) as e:
        Kmsd(env={"KMSD_SEED": path, "KMSD_SEED_ACCOUNT": "999999999999"})
    assert ("key " + AES_ID + " is in account 999999999999, which is not one of the config's "
            "accounts") in str(e.value)


def test_external_keys_from_local_kms_seed(tmp_path):
    """local-kms's README: an EXTERNAL key with one backing key, and one
    without, which waits for its material to be imported."""
    from test_import import import_material
    with_material, pending = "5ef77041-d1e6-4af1-9a41-e49a4b45efb6", \
        "5d05267f-bb87-4d0b-8594-295a4371d414"
    path = write(str(tmp_path), "seed.yaml", f"""Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: {with_material}
          Origin: EXTERNAL
        BackingKeys:
          - {AES2_KEY}
      - Metadata:
          KeyId: {pending}
          Origin: EXTERNAL
""")
    server = Kmsd(env={"KMSD_SEED": path})
    try:
        kms = server.client()
        meta = kms.describe_key(KeyId=with_material)["KeyMetadata"]
        assert (meta["Origin"], meta["KeyState"]) == ("EXTERNAL", "Enabled")
        blob = kms.encrypt(KeyId=with_material, Plaintext=b"x")["CiphertextBlob"]
        assert open_blob(blob, AES2_KEY) == b"x"
        # Only the seeded material may be imported again.
        with pytest.raises(botocore.exceptions.ClientError) as e:
            import_material(kms, tmp_path, with_material, os.urandom(32))
        assert error_code(e.value) == "IncorrectKeyMaterialException"
        assert kms.describe_key(KeyId=pending)["KeyMetadata"]["KeyState"] == "PendingImport"
        import_material(kms, tmp_path, pending, bytes.fromhex(AES_KEYS[0]))
        blob = kms.encrypt(KeyId=pending, Plaintext=b"y")["CiphertextBlob"]
        assert open_blob(blob, AES_KEYS[0]) == b"y"
    finally:
        server.close()


def test_a_seeded_multi_region_key_has_its_replicas_with_the_same_material(tmp_path):
    key = "mrk-0123456789abcdef0123456789abcdef"
    path = write(str(tmp_path), "seed.yaml", f"""Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: {key}
          MultiRegion: true
          ReplicaRegions: [us-west-2]
        BackingKeys:
          - {AES_KEYS[0]}
          - {AES2_KEY}
Aliases:
  - AliasName: alias/west-mr
    TargetKeyId: {key}
    Region: us-west-2
Grants:
  - KeyId: {key}
    Region: us-west-2
    GranteePrincipal: arn:aws:iam::{ACCOUNT}:user/bob
    Operations: [Decrypt]
""")
    server = Kmsd(env={"KMSD_SEED": path})
    try:
        east, west = server.client(), server.client(region="us-west-2")
        config = west.describe_key(KeyId="alias/west-mr")["KeyMetadata"]["MultiRegionConfiguration"]
        assert config["MultiRegionKeyType"] == "REPLICA"
        assert config["PrimaryKey"]["Region"] == "us-east-1"
        # The seeded material, in both regions: the first backing key opens
        # in the replica, the current one in the primary.
        blob = west.encrypt(KeyId=key, Plaintext=b"w")["CiphertextBlob"]
        assert blob[1] == 2 and open_blob(blob, AES2_KEY) == b"w"
        assert east.decrypt(CiphertextBlob=blob)["Plaintext"] == b"w"
        assert [g["GranteePrincipal"] for g in west.list_grants(KeyId=key)["Grants"]] == [
            f"arn:aws:iam::{ACCOUNT}:user/bob"]
        assert east.list_grants(KeyId=key)["Grants"] == []
        events = server.client(service="cloudtrail", region="us-west-2").lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}])["Events"]
        assert [json.loads(e["CloudTrailEvent"])["resources"][0]["ARN"] for e in events] == [
            f"arn:aws:kms:us-west-2:{ACCOUNT}:key/{key}"]
    finally:
        server.close()
