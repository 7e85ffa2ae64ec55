"""HTTPS beside plain HTTP: the AWS CLI and boto3 over TLS with kmsd's
self-signed certificate or a configured one, aws:SecureTransport true only
over TLS, and TLS 1.2+ only."""
import json
import os
import socket
import ssl
import stat
import subprocess
import tempfile

import boto3
import botocore.config
import botocore.exceptions
import pytest

from kmsd_harness import AWS_CLI, CONFIG, KMSD, Kmsd, error_code, load_identities, write_config


class TlsKmsd(Kmsd):
    """A Kmsd that also serves HTTPS (--tls-port 0)."""

    def start(self, env=None):
        self.tls_port_file = os.path.join(self.tmp, "tls-port")
        env = dict(env or {}, KMSD_TLS_PORT="0", KMSD_TLS_PORT_FILE=self.tls_port_file)
        super().start(env)
        self.tls_endpoint = "https://127.0.0.1:%s" % open(self.tls_port_file).read().strip()

    def tls_client(self, verify, who="alice"):
        key, secret = self.identities[who]
        return boto3.client("kms", endpoint_url=self.tls_endpoint, region_name="us-east-1",
                            aws_access_key_id=key, aws_secret_access_key=secret, verify=verify,
                            config=botocore.config.Config(retries={"max_attempts": 1}))


def test_self_signed_https_with_the_aws_cli_and_boto3():
    server = TlsKmsd()
    try:
        cert = os.path.join(server.data_dir, "tls", "cert.pem")
        key = os.path.join(server.data_dir, "tls", "key.pem")
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
        assert "made a self-signed TLS certificate" in open(server.log_path).read()

        access, secret = server.identities["alice"]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
        env.pop("AWS_PROFILE", None)
        created = subprocess.run(
            [AWS_CLI, "--endpoint-url", server.tls_endpoint, "--ca-bundle", cert, "kms",
             "create-key", "--output", "json"], capture_output=True, text=True, env=env, timeout=60)
        assert created.returncode == 0, created.stderr
        key_id = json.loads(created.stdout)["KeyMetadata"]["KeyId"]

        kms = server.tls_client(verify=cert)
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"over tls",
                           EncryptionContext={"a": "b"})["CiphertextBlob"]
        # Plain HTTP on its own port at the same time, same keys.
        assert server.client().decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"})[
            "Plaintext"] == b"over tls"
        # Without trusting the certificate, the client refuses the server.
        with pytest.raises(botocore.exceptions.SSLError):
            server.tls_client(verify=True).list_keys()

        # A restart keeps the certificate.
        before = open(cert).read()
        server.restart()
        assert open(cert).read() == before
        assert server.tls_client(verify=cert).describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"]
    finally:
        server.close()


def test_secure_transport_is_true_only_over_tls():
    server = TlsKmsd()
    try:
        cert = os.path.join(server.data_dir, "tls", "cert.pem")
        kms = server.client()
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        account = kms.describe_key(KeyId=key_id)["KeyMetadata"]["AWSAccountId"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
                 "Action": "kms:*", "Resource": "*"},
                {"Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            ],
        }
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))
        with pytest.raises(botocore.exceptions.ClientError) as denied:
            kms.encrypt(KeyId=key_id, Plaintext=b"x")
        assert error_code(denied.value) == "AccessDeniedException"
        assert "explicit deny" in denied.value.response["Error"]["Message"]
        assert server.tls_client(verify=cert).encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"]
    finally:
        server.close()


def handshake(port, version):
    """Whether a client offering only `version` completes a handshake."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.minimum_version = version
    context.maximum_version = version
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw) as tls:
                return tls.version()
    except (ssl.SSLError, ConnectionResetError):
        return None


def test_only_tls_1_2_and_1_3():
    server = TlsKmsd()
    try:
        port = int(server.tls_endpoint.rsplit(":", 1)[1])
        assert handshake(port, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
        assert handshake(port, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
        assert handshake(port, ssl.TLSVersion.TLSv1_1) is None
        assert handshake(port, ssl.TLSVersion.TLSv1) is None
        assert server.alive()
    finally:
        server.close()


def test_a_configured_certificate(tmp_path):
    cert, key = str(tmp_path / "server.crt"), str(tmp_path / "server.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    config = write_config(tmp_path, server={"tls": {"port": 0, "certificate": cert, "private_key": key}})
    server = TlsKmsd(config)
    try:
        assert not os.path.exists(os.path.join(server.data_dir, "tls"))
        assert server.tls_client(verify=cert).list_keys()["Keys"] is not None
    finally:
        server.close()


def test_tls_configuration_errors(tmp_path):
    half = write_config(tmp_path, server={"tls": {"port": 0, "certificate": "/nonexistent.pem"}})
    result = subprocess.run([KMSD, "config", "check", half], capture_output=True, text=True)
    assert result.returncode == 1
    assert "server.tls needs both certificate and private_key, or neither" in result.stderr
    missing = write_config(tmp_path, server={"tls": {"port": 0, "certificate": "/nonexistent.pem",
                                                     "private_key": "/nonexistent.key"}})
    data = tempfile.mkdtemp(prefix="kmsd-tls-")
    result = subprocess.run([KMSD, "--config", missing, "--data-dir", data, "--port", "0"],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert result.stderr.startswith("kmsd: TLS: cannot use the certificate /nonexistent.pem")
