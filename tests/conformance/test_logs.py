"""kmsd's own log: one structured line per request (JSON lines or text, from
the config), start-up and shutdown events, a level, and never a secret."""
import base64
import json
import os

import botocore.exceptions
import pytest

from kmsd_harness import CONFIG, Kmsd, load_identities, write_config


def json_lines(server):
    lines = [line for line in open(server.log_path).read().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is JSON


def test_json_lines_with_a_line_per_request_and_no_secret(tmp_path):
    server = Kmsd(write_config(tmp_path, server={"log_format": "json"}))
    try:
        kms = server.client()
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        plaintext = os.urandom(32)
        blob = kms.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == plaintext
        data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
        random = kms.generate_random(NumberOfBytes=32)["Plaintext"]
        with pytest.raises(botocore.exceptions.ClientError):
            server.client(who="bob").encrypt(KeyId=key_id, Plaintext=b"x")
        server.stop()

        records = json_lines(server)
        for record in records:
            assert {"time", "level", "msg"} <= set(record)
            assert record["time"].endswith("Z")
        assert records[0]["msg"].startswith("listening on http://127.0.0.1:")
        assert records[-1]["msg"] == "SIGTERM received, shutting down"
        requests = [r for r in records if r["msg"] == "request"]
        assert [r["operation"] for r in requests] == [
            "CreateKey", "Encrypt", "Decrypt", "GenerateDataKey", "GenerateRandom", "Encrypt"]
        created = requests[0]
        assert created["principal"] == "arn:aws:iam::111122223333:user/alice"
        assert created["key"].endswith(":key/" + key_id)
        assert created["outcome"] == "Success" and created["status"] == "200"
        assert float(created["latency_ms"]) > 0 and created["remote"] == "127.0.0.1"
        assert len(created["request_id"]) == 36
        denied = requests[-1]
        assert denied["outcome"] == "AccessDeniedException" and denied["status"] == "400"
        assert denied["principal"].endswith(":user/bob")

        text = open(server.log_path, "rb").read()
        identities = load_identities(CONFIG)
        secrets = [plaintext, blob, data_key["Plaintext"], data_key["CiphertextBlob"], random]
        secrets += [secret.encode() for _, secret in identities.values()]
        secrets += [open(os.path.join(server.data_dir, "root.key"), "rb").read()]
        for secret in secrets:
            for form in (secret, base64.b64encode(secret), secret.hex().encode()):
                assert form not in text
    finally:
        server.close()


def test_text_lines_and_the_level(tmp_path):
    server = Kmsd(write_config(tmp_path, server={"log_level": "warn"}))
    try:
        server.client().create_key()
        server.stop()
        log = open(server.log_path).read()
        assert "request" not in log and "listening on" not in log  # info lines left out
    finally:
        server.close()

    server = Kmsd()
    try:
        server.client().create_key()
        server.stop()
        lines = open(server.log_path).read().splitlines()
        assert lines[0].startswith("kmsd: listening on http://127.0.0.1:")
        [request] = [line for line in lines if line.startswith("kmsd: request ")]
        assert " operation=CreateKey " in request and " outcome=Success " in request
        assert " principal=arn:aws:iam::111122223333:user/alice " in request
    finally:
        server.close()


def test_the_level_flag_and_variable_override_the_config(tmp_path):
    server = Kmsd(env={"KMSD_LOG_LEVEL": "error"})
    try:
        server.client().create_key()
        server.stop()
        assert open(server.log_path).read() == ""
    finally:
        server.close()
    bad = write_config(tmp_path, server={"log_format": "xml"})
    with pytest.raises(RuntimeError, match='server.log_format must be "text" or "json"'):
        Kmsd(bad)
