"""The RDS volume client (rds-volume) against a real kmsd: RDS's key flows,
rules and refusals, the terminal inaccessible-encryption-credentials state,
key policies that allow use only via RDS, the audit trail of RDS's calls,
and volume files that hold no plaintext and no data key.

Every rds-volume command runs as its own process, so each read or write
attaches the volume afresh (the data key lives only in that process)."""

import base64
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import uuid

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, OTHER_ACCOUNT, ROOT, b64, error_code

REGION = "us-east-1"
WEST = "eu-west-1"
ALICE = "arn:aws:iam::%s:user/alice" % ACCOUNT
BOB = "arn:aws:iam::%s:user/bob" % ACCOUNT
ACCOUNT_ROOT = "arn:aws:iam::%s:root" % ACCOUNT
RDS = "rds.amazonaws.com"
CONFIG = os.path.join(ROOT, "config", "rds-volume.json")
SECTOR = 4096


def _binary():
    if os.environ.get("RDS_VOLUME_BINARY"):
        return os.environ["RDS_VOLUME_BINARY"]
    if os.environ.get("KMSD_BINARY"):  # ctest: the build tree of that kmsd
        build = os.path.dirname(os.path.dirname(os.environ["KMSD_BINARY"]))
        return os.path.join(build, "client", "rds-volume")
    return os.path.join(ROOT, "build", "client", "rds-volume")


BINARY = _binary()


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def payload(tag, size=3 * SECTOR + 123):
    """Distinctive bytes: a marker, then pseudo-random filler."""
    marker = ("PLAINTEXT-MARKER-%s|" % tag).encode()
    filler = (uuid.uuid5(uuid.NAMESPACE_OID, tag).bytes * (size // 16 + 1))
    return (marker + filler)[:size]


class Failed(Exception):
    pass


class RdsVolume:
    """Runs the rds-volume binary against one kmsd with one state directory."""

    def __init__(self, kmsd, state_dir):
        self.kmsd = kmsd
        self.state_dir = state_dir
        self.home = tempfile.mkdtemp(prefix="rds-volume-home-")

    def run(self, *args, who="alice", region=REGION, config=CONFIG, endpoint=None):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.home, "RDS_VOLUME_STATE": self.state_dir}
        if who is not None:
            key, secret = self.kmsd.identities[who]
            env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
        if config is not None:
            env["RDS_VOLUME_CONFIG"] = config
        command = [BINARY, "--endpoint-url", endpoint or self.kmsd.endpoint, "--region", region, *args]
        return subprocess.run(command, capture_output=True, env=env, timeout=120)

    def ok(self, *args, **kwargs):
        proc = self.run(*args, **kwargs)
        assert proc.returncode == 0, (args, proc.stderr.decode())
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    def fail(self, code, *args, exit_code=254, **kwargs):
        """Runs a command that must fail with RDS error `code`; returns the message."""
        proc = self.run(*args, **kwargs)
        stderr = proc.stderr.decode()
        assert proc.returncode == exit_code, (args, proc.returncode, stderr)
        match = re.search(r"An error occurred \((\w+)\) when calling the (\w+) operation: (.*)", stderr)
        assert match, stderr
        assert match.group(1) == code, stderr
        return match.group(3)

    def write(self, identifier, offset, data, kind="instance", **kwargs):
        option = "--db-instance-identifier" if kind == "instance" else "--db-cluster-identifier"
        out = self.ok("write", option, identifier, "--offset", str(offset), "--data-base64",
                      base64.b64encode(data).decode(), **kwargs)
        assert out["BytesWritten"] == len(data)

    def read(self, identifier, offset, length, kind="instance", **kwargs):
        option = "--db-instance-identifier" if kind == "instance" else "--db-cluster-identifier"
        proc = self.run("read", option, identifier, "--offset", str(offset), "--length", str(length), **kwargs)
        if proc.returncode != 0:
            raise Failed(proc.stderr.decode())
        return proc.stdout

    def create(self, identifier, *options, **kwargs):
        return self.ok("create-db-instance", "--db-instance-identifier", identifier,
                       "--allocated-storage", "1", *options, **kwargs)["DBInstance"]

    def describe(self, identifier, **kwargs):
        return self.ok("describe-db-instances", "--db-instance-identifier", identifier, **kwargs)["DBInstances"][0]

    def snapshot(self, instance, snapshot, **kwargs):
        return self.ok("create-db-snapshot", "--db-instance-identifier", instance,
                       "--db-snapshot-identifier", snapshot, **kwargs)["DBSnapshot"]

    def restore(self, snapshot, instance, *options, **kwargs):
        return self.ok("restore-db-instance-from-db-snapshot", "--db-snapshot-identifier", snapshot,
                       "--db-instance-identifier", instance, *options, **kwargs)["DBInstance"]

    def volume_path(self, volume_id, region=REGION):
        return os.path.join(self.state_dir, region, "volumes", volume_id + ".vol")

    def snapshot_path(self, snapshot, region=REGION, folder="snapshots"):
        return os.path.join(self.state_dir, region, folder, snapshot + ".vol")


def volume_header(path):
    """The header of a volume file (format in include/kms/client/rds_volume.h)."""
    with open(path, "rb") as f:
        sector = f.read(SECTOR)
    assert sector[:8] == b"KMSDRVOL"
    version, body_length = struct.unpack_from("<II", sector, 8)
    assert version == 1
    body = sector[16:16 + body_length]
    flags, size = struct.unpack_from("<IQ", body, 0)
    pos, fields = 12, []
    for _ in range(5):
        (n,) = struct.unpack_from("<H", body, pos)
        fields.append(body[pos + 2:pos + 2 + n])
        pos += 2 + n
    resource_id, volume_id, region, key_arn, blob = fields
    return {"encrypted": bool(flags & 1), "size": size, "resource_id": resource_id.decode(),
            "volume_id": volume_id.decode(), "region": region.decode(), "key_arn": key_arn.decode(),
            "blob": blob}


def context_of(header):
    id_key = "aws:rds:dbc-id" if header["resource_id"].startswith("cluster-") else "aws:rds:db-id"
    return {id_key: header["resource_id"], "aws:ebs:id": header["volume_id"]}


def data_key_of(kmsd, header, who="alice"):
    """The plaintext data key of a volume (or snapshot), decrypted via RDS."""
    resp = kmsd.via_rds("Decrypt", {"CiphertextBlob": b64(header["blob"]), "EncryptionContext": context_of(header)},
                        who=who, region=header["region"])
    assert resp.status == 200, resp.body
    return base64.b64decode(resp.json()["Plaintext"])


def sectors_of(path):
    with open(path, "rb") as f:
        return f.read()[SECTOR:]


def key_arn(key_id, region=REGION, account=ACCOUNT):
    return "arn:aws:kms:%s:%s:key/%s" % (region, account, key_id)


def rds_grants(kmsd, key, volume_id, region=REGION):
    grants = kmsd.client(region=region).list_grants(KeyId=key)["Grants"]
    return [g for g in grants
            if g.get("Constraints", {}).get("EncryptionContextSubset", {}).get("aws:ebs:id") == volume_id]


@pytest.fixture(scope="module")
def rds(kmsd):
    # Built with kmsd: missing means a broken build, a failure rather than a skip.
    assert os.path.exists(BINARY), "rds-volume is not built (%s); build the rds-volume target" % BINARY
    state = tempfile.mkdtemp(prefix="rds-volume-state-")
    client = RdsVolume(kmsd, state)
    yield client
    shutil.rmtree(state, ignore_errors=True)
    shutil.rmtree(client.home, ignore_errors=True)


@pytest.fixture(scope="module")
def managed_key_arn(kmsd):
    return kmsd.client().describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["Arn"]


@pytest.fixture
def customer_key(kmsd):
    """A fresh customer managed key (default key policy) with an alias."""
    kms = kmsd.client()
    key_id = kms.create_key(Description="rds-volume test")["KeyMetadata"]["KeyId"]
    alias = "alias/" + unique("rds")
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return {"id": key_id, "arn": key_arn(key_id), "alias": alias}


@pytest.fixture(scope="module")
def west_key(kmsd):
    return kmsd.client(region=WEST).create_key(Description="eu-west-1 key")["KeyMetadata"]["Arn"]


# --- life cycle --------------------------------------------------------------

def test_encrypted_instance_with_the_default_key_through_its_life_cycle(kmsd, rds, managed_key_arn):
    name, data = unique("db"), payload("default-key")
    db = rds.create(name, "--storage-encrypted")
    assert re.fullmatch(r"db-[A-Z0-9]{26}", db["DbiResourceId"])
    assert re.fullmatch(r"vol-[0-9a-f]{17}", db["VolumeId"])
    assert db["StorageEncrypted"] is True and db["KmsKeyId"] == managed_key_arn
    assert db["DBInstanceStatus"] == "available"

    # Only the encrypted data key is stored, bound to the RDS context.
    header = volume_header(rds.volume_path(db["VolumeId"]))
    assert header["encrypted"] and header["key_arn"] == managed_key_arn
    assert context_of(header) == {"aws:rds:db-id": db["DbiResourceId"], "aws:ebs:id": db["VolumeId"]}
    assert len(data_key_of(kmsd, header)) == 64

    # The grant lets RDS decrypt for this volume only.
    grants = [g for g in kmsd.via_rds("ListGrants", {"KeyId": managed_key_arn}).json()["Grants"]
              if g.get("Constraints", {}).get("EncryptionContextSubset") == {"aws:ebs:id": db["VolumeId"]}]
    assert len(grants) == 1
    assert grants[0]["GranteePrincipal"] == RDS and grants[0]["RetiringPrincipal"] == RDS
    assert grants[0]["Operations"] == ["Decrypt"]

    rds.write(name, 1000, data)                       # one process: attach, write, detach
    assert rds.read(name, 1000, len(data)) == data    # another: attach, read
    assert rds.read(name, 0, 1000) == bytes(1000)     # never written: zeros

    assert rds.ok("stop-db-instance", "--db-instance-identifier", name)["DBInstance"]["DBInstanceStatus"] == "stopped"
    with pytest.raises(Failed, match="InvalidDBInstanceState"):
        rds.read(name, 1000, 10)
    assert rds.ok("start-db-instance", "--db-instance-identifier", name)["DBInstance"]["DBInstanceStatus"] == "available"
    assert rds.read(name, 1000, len(data)) == data

    snap = rds.snapshot(name, unique("snap"))
    assert snap["Encrypted"] and snap["KmsKeyId"] == managed_key_arn and snap["DbiResourceId"] == db["DbiResourceId"]
    restored = rds.restore(snap["DBSnapshotIdentifier"], unique("restored"))
    assert restored["KmsKeyId"] == managed_key_arn and restored["DbiResourceId"] != db["DbiResourceId"]
    assert rds.read(restored["DBInstanceIdentifier"], 1000, len(data)) == data

    deleted = rds.ok("delete-db-instance", "--db-instance-identifier", name, "--skip-final-snapshot")
    assert deleted["DBInstance"]["DBInstanceStatus"] == "deleting"
    rds.fail("DBInstanceNotFound", "describe-db-instances", "--db-instance-identifier", name)
    assert not os.path.exists(rds.volume_path(db["VolumeId"]))
    # Deleting retired the grant.
    remaining = [g for g in kmsd.via_rds("ListGrants", {"KeyId": managed_key_arn}).json()["Grants"]
                 if g.get("Constraints", {}).get("EncryptionContextSubset") == {"aws:ebs:id": db["VolumeId"]}]
    assert remaining == []


@pytest.mark.parametrize("form", ["id", "alias", "arn", "alias_arn"])
def test_customer_key_given_as_id_alias_or_arn(rds, customer_key, form):
    given = {"id": customer_key["id"], "alias": customer_key["alias"], "arn": customer_key["arn"],
             "alias_arn": "arn:aws:kms:%s:%s:%s" % (REGION, ACCOUNT, customer_key["alias"])}[form]
    name, data = unique("cust-" + form.replace("_", "")), payload("customer-" + form)
    db = rds.create(name, "--kms-key-id", given)   # a key id implies --storage-encrypted
    assert db["StorageEncrypted"] is True and db["KmsKeyId"] == customer_key["arn"]
    rds.write(name, SECTOR - 7, data)
    assert rds.read(name, SECTOR - 7, len(data)) == data


def test_unencrypted_instance_makes_no_kms_calls_and_stores_plaintext(rds):
    name, data = unique("plain"), payload("plain")
    db = rds.create(name, who=None, config=None)    # no credentials needed at all
    assert db["StorageEncrypted"] is False and "KmsKeyId" not in db
    rds.write(name, 0, data, who=None, config=None)
    assert rds.read(name, 0, len(data), who=None, config=None) == data
    with open(rds.volume_path(db["VolumeId"]), "rb") as f:
        assert data[:40] in f.read()


def test_cluster_life_cycle_uses_the_cluster_context(kmsd, rds, customer_key):
    name, data = unique("cluster"), payload("cluster")
    cluster = rds.ok("create-db-cluster", "--db-cluster-identifier", name, "--storage-encrypted",
                     "--kms-key-id", customer_key["alias"], "--allocated-storage", "1")["DBCluster"]
    assert re.fullmatch(r"cluster-[A-Z0-9]{26}", cluster["DbClusterResourceId"])
    assert cluster["Status"] == "available" and cluster["KmsKeyId"] == customer_key["arn"]
    header = volume_header(rds.volume_path(cluster["VolumeId"]))
    assert context_of(header) == {"aws:rds:dbc-id": cluster["DbClusterResourceId"], "aws:ebs:id": cluster["VolumeId"]}
    rds.write(name, 5, data, kind="cluster")
    assert rds.read(name, 5, len(data), kind="cluster") == data

    snap = rds.ok("create-db-cluster-snapshot", "--db-cluster-identifier", name,
                  "--db-cluster-snapshot-identifier", unique("csnap"))["DBClusterSnapshot"]
    assert snap["StorageEncrypted"] and snap["KmsKeyId"] == customer_key["arn"]
    restored = rds.ok("restore-db-cluster-from-snapshot", "--db-cluster-identifier", unique("crestored"),
                      "--snapshot-identifier", snap["DBClusterSnapshotIdentifier"])["DBCluster"]
    assert restored["KmsKeyId"] == customer_key["arn"]
    assert rds.read(restored["DBClusterIdentifier"], 5, len(data), kind="cluster") == data
    listed = rds.ok("describe-db-clusters")["DBClusters"]
    assert {name, restored["DBClusterIdentifier"]} <= {c["DBClusterIdentifier"] for c in listed}
    rds.ok("delete-db-cluster", "--db-cluster-identifier", name, "--skip-final-snapshot")


def test_unencrypted_cluster_snapshot_restores_to_an_encrypted_cluster(kmsd, rds, customer_key):
    name, data = unique("pcluster"), payload("plain-cluster")
    rds.ok("create-db-cluster", "--db-cluster-identifier", name, "--allocated-storage", "1")
    rds.write(name, 0, data, kind="cluster")
    snap = unique("pcsnap")
    rds.ok("create-db-cluster-snapshot", "--db-cluster-identifier", name, "--db-cluster-snapshot-identifier", snap)
    # Aurora: an encrypted snapshot can't be made of an unencrypted cluster...
    message = rds.fail("InvalidParameterCombination", "copy-db-cluster-snapshot",
                       "--source-db-cluster-snapshot-identifier", snap,
                       "--target-db-cluster-snapshot-identifier", unique("x"), "--kms-key-id", customer_key["id"])
    assert "unencrypted DB cluster snapshot" in message
    # ...but the snapshot restores to an encrypted cluster when a key is given.
    restored = rds.ok("restore-db-cluster-from-snapshot", "--db-cluster-identifier", unique("encrypted"),
                      "--snapshot-identifier", snap, "--kms-key-id", customer_key["arn"])["DBCluster"]
    assert restored["StorageEncrypted"] is True and restored["KmsKeyId"] == customer_key["arn"]
    assert rds.read(restored["DBClusterIdentifier"], 0, len(data), kind="cluster") == data
    with open(rds.volume_path(restored["VolumeId"]), "rb") as f:
        assert data[:30] not in f.read()


# --- snapshots across regions -------------------------------------------------

def test_cross_region_snapshot_copy_rewraps_only_the_data_key(kmsd, rds, customer_key, west_key):
    name, data = unique("xr"), payload("cross-region")
    rds.create(name, "--kms-key-id", customer_key["id"])
    rds.write(name, 77, data)
    snap = rds.snapshot(name, unique("xrsnap"))["DBSnapshotIdentifier"]
    target = unique("xrcopy")

    message = rds.fail("InvalidParameterValue", "copy-db-snapshot", "--source-db-snapshot-identifier", snap,
                       "--target-db-snapshot-identifier", target, "--source-region", REGION, region=WEST)
    assert message == "Must specify new KMS key for cross region encrypted snapshot copy."
    # Keys are regional: a us-east-1 key is no key in eu-west-1.
    rds.fail("KMSKeyNotAccessibleFault", "copy-db-snapshot", "--source-db-snapshot-identifier", snap,
             "--target-db-snapshot-identifier", target, "--source-region", REGION,
             "--kms-key-id", customer_key["arn"], region=WEST)

    copy = rds.ok("copy-db-snapshot", "--source-db-snapshot-identifier", snap, "--target-db-snapshot-identifier",
                  target, "--source-region", REGION, "--kms-key-id", west_key, region=WEST)["DBSnapshot"]
    assert copy["KmsKeyId"] == west_key and copy["SourceRegion"] == REGION and copy["Encrypted"]
    source_path, copy_path = rds.snapshot_path(snap), rds.snapshot_path(target, WEST)
    # The data stayed encrypted throughout: the sectors are copied untouched.
    assert sectors_of(copy_path) == sectors_of(source_path)
    copy_header = volume_header(copy_path)
    assert copy_header["key_arn"] == west_key and copy_header["region"] == WEST
    assert data_key_of(kmsd, copy_header) == data_key_of(kmsd, volume_header(source_path))

    restored = rds.restore(target, unique("west"), region=WEST)
    assert restored["KmsKeyId"] == west_key
    assert rds.read(restored["DBInstanceIdentifier"], 77, len(data), region=WEST) == data


def test_cross_region_snapshot_copy_with_a_multi_region_key(kmsd, rds):
    """RDS treats a multi-Region key as a key of each Region: the copy still
    names the replica in its own Region, and only the data key is re-wrapped."""
    kms = kmsd.client()
    key = kms.create_key(MultiRegion=True, Description="rds multi-Region")["KeyMetadata"]["KeyId"]
    kms.replicate_key(KeyId=key, ReplicaRegion=WEST)
    name, data = unique("mrk"), payload("multi-region")
    rds.create(name, "--kms-key-id", key)
    rds.write(name, 5, data)
    snap = rds.snapshot(name, unique("mrksnap"))["DBSnapshotIdentifier"]
    target = unique("mrkcopy")
    message = rds.fail("InvalidParameterValue", "copy-db-snapshot", "--source-db-snapshot-identifier", snap,
                       "--target-db-snapshot-identifier", target, "--source-region", REGION, region=WEST)
    assert message == "Must specify new KMS key for cross region encrypted snapshot copy."
    copy = rds.ok("copy-db-snapshot", "--source-db-snapshot-identifier", snap, "--target-db-snapshot-identifier",
                  target, "--source-region", REGION, "--kms-key-id", key, region=WEST)["DBSnapshot"]
    assert copy["KmsKeyId"] == key_arn(key, WEST)
    source_header = volume_header(rds.snapshot_path(snap))
    copy_header = volume_header(rds.snapshot_path(target, WEST))
    assert copy_header["key_arn"] == key_arn(key, WEST)
    assert data_key_of(kmsd, copy_header) == data_key_of(kmsd, source_header)
    restored = rds.restore(target, unique("mrkwest"), region=WEST)
    assert rds.read(restored["DBInstanceIdentifier"], 5, len(data), region=WEST) == data
    # Each key of the set has its own state: the replica disabled, the
    # instance in the primary's Region still reads its data.
    kmsd.client(region=WEST).disable_key(KeyId=key)
    assert rds.read(name, 5, len(data)) == data
    kmsd.client(region=WEST).enable_key(KeyId=key)
    # A primary waiting for its replicas' deletion (PendingReplicaDeletion) is
    # lost to RDS in its Region; the replica's instance is not affected.
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(Failed) as lost:
        rds.read(name, 5, len(data))
    assert "KMSKeyNotAccessibleFault" in str(lost.value) and "pending replica deletion" in str(lost.value)
    assert rds.describe(name)["DBInstanceStatus"] == "inaccessible-encryption-credentials"
    assert rds.read(restored["DBInstanceIdentifier"], 5, len(data), region=WEST) == data


def test_copy_by_snapshot_arn_and_same_region_copy_with_another_key(kmsd, rds, customer_key, managed_key_arn):
    name, data = unique("rk"), payload("rekey")
    rds.create(name, "--storage-encrypted")
    rds.write(name, 0, data)
    snap = rds.snapshot(name, unique("rksnap"))["DBSnapshotIdentifier"]
    arn = "arn:aws:rds:%s:%s:snapshot:%s" % (REGION, ACCOUNT, snap)
    same = rds.ok("copy-db-snapshot", "--source-db-snapshot-identifier", arn,
                  "--target-db-snapshot-identifier", unique("same"))["DBSnapshot"]
    assert same["KmsKeyId"] == managed_key_arn
    rekeyed = rds.ok("copy-db-snapshot", "--source-db-snapshot-identifier", snap,
                     "--target-db-snapshot-identifier", unique("rekeyed"),
                     "--kms-key-id", customer_key["alias"])["DBSnapshot"]
    assert rekeyed["KmsKeyId"] == customer_key["arn"]
    restored = rds.restore(rekeyed["DBSnapshotIdentifier"], unique("rkrestored"))
    assert restored["KmsKeyId"] == customer_key["arn"]
    assert rds.read(restored["DBInstanceIdentifier"], 0, len(data)) == data


# --- read replicas ------------------------------------------------------------

def test_read_replicas_in_the_same_and_another_region(rds, customer_key, west_key):
    source, data = unique("primary"), payload("replica")
    rds.create(source, "--kms-key-id", customer_key["id"])
    rds.write(source, 3, data)

    same = rds.ok("create-db-instance-read-replica", "--db-instance-identifier", unique("replica"),
                  "--source-db-instance-identifier", source)["DBInstance"]
    assert same["KmsKeyId"] == customer_key["arn"]                  # the source's key
    assert same["ReadReplicaSourceDBInstanceIdentifier"] == source
    assert rds.read(same["DBInstanceIdentifier"], 3, len(data)) == data
    rds.fail("InvalidDBInstanceState", "write", "--db-instance-identifier", same["DBInstanceIdentifier"],
             "--data", "x")

    message = rds.fail("InvalidParameterCombination", "create-db-instance-read-replica", "--db-instance-identifier",
                       unique("r"), "--source-db-instance-identifier", source, "--source-region", REGION, region=WEST)
    assert message == "Cannot create a cross region unencrypted read replica from encrypted source."
    source_arn = "arn:aws:rds:%s:%s:db:%s" % (REGION, ACCOUNT, source)
    cross = rds.ok("create-db-instance-read-replica", "--db-instance-identifier", unique("west-replica"),
                   "--source-db-instance-identifier", source_arn, "--kms-key-id", west_key, region=WEST)["DBInstance"]
    assert cross["KmsKeyId"] == west_key
    assert rds.read(cross["DBInstanceIdentifier"], 3, len(data), region=WEST) == data

    replicas = rds.describe(source)["ReadReplicaDBInstanceIdentifiers"]
    assert same["DBInstanceIdentifier"] in replicas and "%s/%s" % (WEST, cross["DBInstanceIdentifier"]) in replicas

    # Deleting the source promotes its replicas: they become writable instances.
    rds.ok("delete-db-instance", "--db-instance-identifier", source, "--skip-final-snapshot")
    promoted = rds.describe(cross["DBInstanceIdentifier"], region=WEST)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    rds.write(same["DBInstanceIdentifier"], 0, b"promoted")
    assert rds.read(same["DBInstanceIdentifier"], 0, 8) == b"promoted"


def test_read_replica_encryption_mismatches_are_refused(kmsd, rds, customer_key):
    plain, encrypted = unique("plainsrc"), unique("encsrc")
    rds.create(plain)
    rds.create(encrypted, "--kms-key-id", customer_key["id"])
    other = kmsd.client().create_key()["KeyMetadata"]["KeyId"]
    cases = [
        ((plain, "--storage-encrypted"), "Cannot create an encrypted read replica from an unencrypted DB instance."),
        ((plain, "--kms-key-id", customer_key["id"]),
         "Cannot create an encrypted read replica from an unencrypted DB instance."),
        ((encrypted, "--no-storage-encrypted"),
         "Cannot create an unencrypted read replica from an encrypted DB instance."),
        ((encrypted, "--kms-key-id", other), "A read replica in the same region uses the KMS key of its source"),
    ]
    for (source, *options), expected in cases:
        message = rds.fail("InvalidParameterCombination", "create-db-instance-read-replica",
                           "--db-instance-identifier", unique("bad"), "--source-db-instance-identifier", source,
                           *options)
        assert message.startswith(expected), message
    # Naming the source's own key is fine.
    rds.ok("create-db-instance-read-replica", "--db-instance-identifier", unique("ok"),
           "--source-db-instance-identifier", encrypted, "--kms-key-id", customer_key["alias"])


# --- RDS's refusals ------------------------------------------------------------

def test_encryption_is_never_removed_and_the_key_never_changes(kmsd, rds, customer_key):
    name = unique("fixed")
    rds.create(name, "--kms-key-id", customer_key["id"])
    other = kmsd.client().create_key()["KeyMetadata"]["KeyId"]
    assert "can't be disabled" in rds.fail("InvalidParameterCombination", "modify-db-instance",
                                           "--db-instance-identifier", name, "--no-storage-encrypted")
    assert "can't change the KMS key" in rds.fail("InvalidParameterCombination", "modify-db-instance",
                                                 "--db-instance-identifier", name, "--kms-key-id", other)
    same = rds.ok("modify-db-instance", "--db-instance-identifier", name, "--kms-key-id", customer_key["alias"])
    assert same["DBInstance"]["KmsKeyId"] == customer_key["arn"]

    plain = unique("unenc")
    rds.create(plain)
    assert "only when a DB instance is created" in rds.fail(
        "InvalidParameterCombination", "modify-db-instance", "--db-instance-identifier", plain, "--storage-encrypted")
    rds.fail("InvalidParameterCombination", "create-db-instance", "--db-instance-identifier", unique("x"),
             "--no-storage-encrypted", "--kms-key-id", customer_key["id"])

    snap = rds.snapshot(name, unique("encsnap"))["DBSnapshotIdentifier"]
    assert "Encryption can't be disabled" in rds.fail(
        "InvalidParameterCombination", "restore-db-instance-from-db-snapshot", "--db-snapshot-identifier", snap,
        "--db-instance-identifier", unique("x"), "--no-storage-encrypted")
    assert "uses the snapshot's KMS key" in rds.fail(
        "InvalidParameterCombination", "restore-db-instance-from-db-snapshot", "--db-snapshot-identifier", snap,
        "--db-instance-identifier", unique("x"), "--kms-key-id", other)


def test_unencrypted_instance_snapshot_is_encrypted_by_copying_it_first(rds, customer_key):
    name, data = unique("tobeenc"), payload("encrypt-by-copy")
    rds.create(name)
    rds.write(name, 10, data)
    snap = rds.snapshot(name, unique("plainsnap"))["DBSnapshotIdentifier"]
    message = rds.fail("InvalidParameterCombination", "restore-db-instance-from-db-snapshot",
                       "--db-snapshot-identifier", snap, "--db-instance-identifier", unique("x"),
                       "--kms-key-id", customer_key["id"])
    assert "Copy the snapshot with a KMS key" in message
    copy = rds.ok("copy-db-snapshot", "--source-db-snapshot-identifier", snap,
                  "--target-db-snapshot-identifier", unique("enccopy"), "--kms-key-id", customer_key["id"])["DBSnapshot"]
    assert copy["Encrypted"] and copy["KmsKeyId"] == customer_key["arn"]
    with open(rds.snapshot_path(copy["DBSnapshotIdentifier"]), "rb") as f:
        assert data[:30] not in f.read()
    restored = rds.restore(copy["DBSnapshotIdentifier"], unique("nowenc"))
    assert restored["StorageEncrypted"] and restored["KmsKeyId"] == customer_key["arn"]
    assert rds.read(restored["DBInstanceIdentifier"], 10, len(data)) == data


def test_snapshots_with_the_default_key_cannot_be_shared(rds, customer_key):
    default, custom = unique("dflt"), unique("cust")
    rds.create(default, "--storage-encrypted")
    rds.create(custom, "--kms-key-id", customer_key["id"])
    default_snap = rds.snapshot(default, unique("dsnap"))["DBSnapshotIdentifier"]
    custom_snap = rds.snapshot(custom, unique("csnap"))["DBSnapshotIdentifier"]
    message = rds.fail("InvalidParameterValue", "modify-db-snapshot-attribute", "--db-snapshot-identifier",
                       default_snap, "--attribute-name", "restore", "--values-to-add", OTHER_ACCOUNT)
    assert "default KMS key" in message and "aws/rds" in message
    shared = rds.ok("modify-db-snapshot-attribute", "--db-snapshot-identifier", custom_snap,
                    "--attribute-name", "restore", "--values-to-add", OTHER_ACCOUNT)
    attributes = shared["DBSnapshotAttributesResult"]["DBSnapshotAttributes"]
    assert attributes == [{"AttributeName": "restore", "AttributeValues": [OTHER_ACCOUNT]}]
    rds.fail("InvalidParameterValue", "modify-db-snapshot-attribute", "--db-snapshot-identifier", custom_snap,
             "--attribute-name", "restore", "--values-to-add", "all")
    described = rds.ok("describe-db-snapshot-attributes", "--db-snapshot-identifier", custom_snap)
    assert described["DBSnapshotAttributesResult"]["DBSnapshotAttributes"][0]["AttributeValues"] == [OTHER_ACCOUNT]


def test_names_and_lookups_give_rds_errors(rds):
    name = unique("named")
    rds.create(name)
    rds.fail("DBInstanceAlreadyExists", "create-db-instance", "--db-instance-identifier", name)
    rds.fail("DBInstanceNotFound", "describe-db-instances", "--db-instance-identifier", unique("missing"))
    rds.fail("DBClusterNotFoundFault", "describe-db-clusters", "--db-cluster-identifier", unique("missing"))
    assert "not a valid identifier" in rds.fail("InvalidParameterValue", "create-db-instance",
                                                "--db-instance-identifier", "1-bad--name")
    rds.fail("InvalidParameterValue", "create-db-instance", "--db-instance-identifier", "../escape")
    rds.fail("DBSnapshotNotFound", "restore-db-instance-from-db-snapshot", "--db-snapshot-identifier",
             unique("nosnap"), "--db-instance-identifier", unique("x"))
    snap = rds.snapshot(name, unique("once"))["DBSnapshotIdentifier"]
    rds.fail("DBSnapshotAlreadyExists", "create-db-snapshot", "--db-instance-identifier", name,
             "--db-snapshot-identifier", snap)
    rds.fail("InvalidParameterValue", "write", "--db-instance-identifier", name, "--offset", str(1 << 30),
             "--data", "past the end")
    assert "FinalDBSnapshotIdentifier is required" in rds.fail(
        "InvalidParameterCombination", "delete-db-instance", "--db-instance-identifier", name)
    final = unique("final")
    rds.ok("delete-db-instance", "--db-instance-identifier", name, "--final-db-snapshot-identifier", final)
    assert rds.ok("describe-db-snapshots", "--db-snapshot-identifier", final)["DBSnapshots"][0]["DBInstanceIdentifier"] == name


def test_cli_exit_codes_follow_the_aws_cli(kmsd, rds):
    assert rds.run("create-db-instance").returncode == 252
    assert rds.run("no-such-command").returncode == 252
    assert rds.run("describe-db-instances", region="../escape").returncode == 252
    # Encryption needs credentials: 253, and nothing is created.
    name = unique("nocreds")
    proc = rds.run("create-db-instance", "--db-instance-identifier", name, "--storage-encrypted", who=None)
    assert proc.returncode == 253 and b"Unable to locate credentials" in proc.stderr
    rds.fail("DBInstanceNotFound", "describe-db-instances", "--db-instance-identifier", name)


def test_an_unreachable_kmsd_is_not_key_loss(rds):
    name, data = unique("offline"), payload("offline")
    rds.create(name, "--storage-encrypted")
    rds.write(name, 0, data)
    proc = rds.run("read", "--db-instance-identifier", name, "--length", "10", endpoint="http://127.0.0.1:9")
    assert proc.returncode == 255 and b"Could not connect to the endpoint URL" in proc.stderr
    assert rds.describe(name)["DBInstanceStatus"] == "available"
    assert rds.read(name, 0, len(data)) == data


# --- key loss: the terminal state -------------------------------------------------

def _lose_key(kmsd, key, volume_id, cause):
    """Takes RDS's access to `key` away; returns a function that gives it back."""
    kms = kmsd.client()
    if cause == "disabled":
        kms.disable_key(KeyId=key)
        return lambda: kms.enable_key(KeyId=key)
    if cause == "pending-deletion":
        kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)

        def back():
            kms.cancel_key_deletion(KeyId=key)
            kms.enable_key(KeyId=key)
        return back
    if cause == "grant-revoked":
        (grant,) = rds_grants(kmsd, key, volume_id)
        kms.revoke_grant(KeyId=key, GrantId=grant["GrantId"])
        return lambda: None  # the key itself is fine; new volumes get new grants
    if cause == "policy-deny":
        policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
        document = json.loads(policy)
        document["Statement"].append({"Sid": "DenyRds", "Effect": "Deny", "Principal": {"Service": RDS},
                                      "Action": "kms:Decrypt", "Resource": "*"})
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(document))
        return lambda: kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy)
    raise AssertionError(cause)


@pytest.mark.parametrize("cause", ["disabled", "pending-deletion", "grant-revoked", "policy-deny"])
def test_losing_the_key_is_terminal_until_a_restore(kmsd, rds, customer_key, cause):
    name, data = unique("doomed"), payload("terminal-" + cause)
    db = rds.create(name, "--kms-key-id", customer_key["id"])
    rds.write(name, 2 * SECTOR + 1, data)
    snap = rds.snapshot(name, unique("lifeboat"))["DBSnapshotIdentifier"]

    give_back = _lose_key(kmsd, customer_key["id"], db["VolumeId"], cause)
    with pytest.raises(Failed) as attach:
        rds.read(name, 2 * SECTOR + 1, len(data))          # the next attach fails
    assert "KMSKeyNotAccessibleFault" in str(attach.value)
    assert "inaccessible-encryption-credentials" in str(attach.value)
    described = rds.describe(name)
    assert described["DBInstanceStatus"] == "inaccessible-encryption-credentials"
    assert described["StatusReason"].startswith("KMS Decrypt as rds.amazonaws.com: ")

    give_back()
    # Access is back, the instance stays inaccessible.
    with pytest.raises(Failed, match="InvalidDBInstanceState"):
        rds.read(name, 2 * SECTOR + 1, len(data))
    rds.fail("InvalidDBInstanceState", "start-db-instance", "--db-instance-identifier", name)
    rds.fail("InvalidDBInstanceState", "create-db-snapshot", "--db-instance-identifier", name,
             "--db-snapshot-identifier", unique("late"))
    assert rds.describe(name)["DBInstanceStatus"] == "inaccessible-encryption-credentials"

    # Recovery: restore from a snapshot (new instance, new volume, new grant).
    restored = rds.restore(snap, unique("recovered"))
    assert restored["DBInstanceStatus"] == "available" and restored["VolumeId"] != db["VolumeId"]
    assert rds.read(restored["DBInstanceIdentifier"], 2 * SECTOR + 1, len(data)) == data
    rds.ok("delete-db-instance", "--db-instance-identifier", name, "--skip-final-snapshot")


# --- policies, audit, files ---------------------------------------------------------

@pytest.fixture(scope="module")
def rds_only_key(kmsd):
    """Bob may use the key only via RDS; the account may only administer it."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Administer", "Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT},
         "Action": ["kms:Describe*", "kms:List*", "kms:Get*", "kms:Put*", "kms:Enable*", "kms:Disable*",
                    "kms:Revoke*", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:CreateAlias"],
         "Resource": "*"},
        {"Sid": "UseOnlyViaRds", "Effect": "Allow", "Principal": {"AWS": BOB},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
                    "kms:ListGrants", "kms:DescribeKey"],
         "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "rds.%s.amazonaws.com" % REGION,
                                        "kms:CallerAccount": ACCOUNT}}}]}
    return kmsd.client().create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]


def test_a_key_usable_only_via_rds_works_through_the_client_not_directly(kmsd, rds, rds_only_key):
    name, data = unique("viaonly"), payload("via-only")
    db = rds.create(name, "--kms-key-id", rds_only_key, who="bob")
    assert db["KmsKeyId"] == key_arn(rds_only_key)
    rds.write(name, 0, data, who="bob")
    assert rds.read(name, 0, len(data), who="bob") == data
    snap = rds.snapshot(name, unique("viasnap"), who="bob")["DBSnapshotIdentifier"]
    restored = rds.restore(snap, unique("viarestored"), who="bob")
    assert rds.read(restored["DBInstanceIdentifier"], 0, len(data), who="bob") == data

    bob = kmsd.client("bob")
    header = volume_header(rds.volume_path(db["VolumeId"]))
    for call in (lambda: bob.generate_data_key(KeyId=rds_only_key, NumberOfBytes=64, EncryptionContext=context_of(header)),
                 lambda: bob.decrypt(CiphertextBlob=header["blob"], EncryptionContext=context_of(header)),
                 lambda: bob.describe_key(KeyId=rds_only_key)):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert error_code(e.value) == "AccessDeniedException"
    # Alice's IAM kms:* does not help either: the key policy does not delegate use to the account.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kmsd.client().decrypt(CiphertextBlob=header["blob"], EncryptionContext=context_of(header))
    assert error_code(e.value) == "AccessDeniedException"
    # Nor may anyone but RDS's countersigned calls create volumes with it.
    rds.fail("KMSKeyNotAccessibleFault", "create-db-instance", "--db-instance-identifier", unique("alice"),
             "--kms-key-id", rds_only_key, who="alice")


def test_a_key_of_another_account_is_named_by_arn_only(kmsd, rds):
    carol = kmsd.client("carol")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER_ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "AccountViaRds", "Effect": "Allow", "Principal": {"AWS": ACCOUNT_ROOT},
         "Action": ["kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
         "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "rds.%s.amazonaws.com" % REGION}}}]}
    key_id = carol.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    arn = key_arn(key_id, account=OTHER_ACCOUNT)
    rds.fail("KMSKeyNotAccessibleFault", "create-db-instance", "--db-instance-identifier", unique("byid"),
             "--kms-key-id", key_id)
    name, data = unique("byarn"), payload("cross-account")
    db = rds.create(name, "--kms-key-id", arn)
    assert db["KmsKeyId"] == arn
    rds.write(name, 0, data)
    assert rds.read(name, 0, len(data)) == data


def _lookup(trail, event_name):
    events, token = [], None
    while True:
        kwargs = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": event_name}]}
        if token:
            kwargs["NextToken"] = token
        page = trail.lookup_events(**kwargs)
        events += [json.loads(e["CloudTrailEvent"]) for e in page["Events"]]
        token = page.get("NextToken")
        if not token:
            return events


@pytest.fixture(scope="module")
def audited(kmsd, rds):
    """An instance created and written through the client, and the audit trail."""
    key_id = kmsd.client().create_key(Description="audited")["KeyMetadata"]["KeyId"]
    name = unique("audited")
    db = rds.create(name, "--kms-key-id", key_id)
    rds.write(name, 0, b"audited data")
    trail = kmsd.client(service="cloudtrail")
    return {"db": db, "trail": trail,
            "context": {"aws:rds:db-id": db["DbiResourceId"], "aws:ebs:id": db["VolumeId"]}}


def test_the_audit_log_shows_rds_calls_with_the_rds_context(audited):
    db, trail, context = audited["db"], audited["trail"], audited["context"]
    generated = [e for e in _lookup(trail, "GenerateDataKey")
                 if e["requestParameters"].get("encryptionContext") == context]
    assert len(generated) == 1, generated
    event = generated[0]
    assert event["userIdentity"]["arn"] == ALICE
    assert event["userIdentity"]["invokedBy"] == RDS
    assert event["sourceIPAddress"] == RDS
    assert event["requestParameters"]["numberOfBytes"] == 64

    grants = [e for e in _lookup(trail, "CreateGrant")
              if e["requestParameters"].get("constraints", {}).get("encryptionContextSubset")
              == {"aws:ebs:id": db["VolumeId"]}]
    assert len(grants) == 1, grants
    assert grants[0]["userIdentity"]["arn"] == ALICE and grants[0]["userIdentity"]["invokedBy"] == RDS
    assert grants[0]["sourceIPAddress"] == RDS
    assert grants[0]["requestParameters"]["granteePrincipal"] == RDS
    assert grants[0]["requestParameters"]["operations"] == ["Decrypt"]

    described = [e for e in _lookup(trail, "DescribeKey")
                 if e.get("resources") and e["resources"][0]["ARN"] == db["KmsKeyId"]]
    assert described and all(e["userIdentity"]["invokedBy"] == RDS for e in described)


def test_the_audit_log_shows_rds_attaching_volumes_to_the_key_owner(audited):
    attaches = [e for e in _lookup(audited["trail"], "Decrypt")
                if e["requestParameters"].get("encryptionContext") == audited["context"]]
    assert attaches, "the attach Decrypt calls are not visible to the key's account"
    for event in attaches:
        assert event["userIdentity"]["type"] == "AWSService" and event["userIdentity"]["invokedBy"] == RDS
        assert event["sourceIPAddress"] == RDS and event["recipientAccountId"] == ACCOUNT


def test_files_hold_no_plaintext_and_no_data_key(kmsd, rds, customer_key, west_key):
    name, data = unique("secret"), payload("never-on-disk")
    db = rds.create(name, "--kms-key-id", customer_key["id"])
    rds.write(name, 0, data)
    snap = rds.snapshot(name, unique("ssnap"))["DBSnapshotIdentifier"]
    rds.ok("copy-db-snapshot", "--source-db-snapshot-identifier", snap, "--target-db-snapshot-identifier",
           unique("scopy"), "--source-region", REGION, "--kms-key-id", west_key, region=WEST)
    restored = rds.restore(snap, unique("srestored"))
    assert rds.read(restored["DBInstanceIdentifier"], 0, len(data)) == data
    data_key = data_key_of(kmsd, volume_header(rds.volume_path(db["VolumeId"])))

    plain = unique("control")
    rds.write(rds.create(plain)["DBInstanceIdentifier"], 0, data)   # the scan's control: plaintext on disk
    found = {}
    for directory, _, files in os.walk(rds.state_dir):
        for file_name in files:
            with open(os.path.join(directory, file_name), "rb") as f:
                contents = f.read()
            found[file_name] = (data[:24] in contents, data_key in contents, data_key[:16] in contents,
                                data_key[32:48] in contents)
    plaintext_files = {f for f, (text, *_) in found.items() if text}
    assert plaintext_files == {rds.describe(plain)["VolumeId"] + ".vol"}
    assert not [f for f, (_, *key_parts) in found.items() if any(key_parts)]


def test_deleted_imported_key_material_is_key_loss(kmsd, rds, tmp_path):
    """A key whose imported material is deleted (or expires: the sweep does the
    same deletion) answers KMSInvalidStateException "is pending import.", which
    RDS treats as losing the key; re-importing the same material brings
    snapshots back."""
    from test_import import import_material
    kms = kmsd.client()
    key = kms.create_key(Origin="EXTERNAL", Description="rds imported")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    import_material(kms, tmp_path, key, material)
    name, data = unique("imported"), payload("imported-material")
    rds.create(name, "--kms-key-id", key)
    rds.write(name, SECTOR, data)
    snap = rds.snapshot(name, unique("imported-snap"))["DBSnapshotIdentifier"]

    kms.delete_imported_key_material(KeyId=key)
    with pytest.raises(Failed) as attach:
        rds.read(name, SECTOR, len(data))
    assert "KMSKeyNotAccessibleFault" in str(attach.value)
    assert "is pending import." in str(attach.value)
    assert rds.describe(name)["DBInstanceStatus"] == "inaccessible-encryption-credentials"

    import_material(kms, tmp_path, key, material)
    restored = rds.restore(snap, unique("imported-back"))
    assert rds.read(restored["DBInstanceIdentifier"], SECTOR, len(data)) == data
