"""kmsd's command line as a new user meets it: help, version, the errors for a
wrong option, port, config or root key (one plain line, non-zero exit), the
KMSD_* variables, and `kmsd config check`."""
import json
import os
import socket
import stat
import subprocess
import time

import boto3
import botocore.config

from kmsd_harness import CONFIG, KMSD, Kmsd, load_identities


def run(*args, env=None, cwd=None, timeout=20):
    proc_env = dict(os.environ)
    proc_env.pop("KMSD_ROOT_KEY", None)
    proc_env.update(env or {})
    return subprocess.run([KMSD, *args], capture_output=True, text=True, timeout=timeout,
                          env=proc_env, cwd=cwd)


def refused(result, message):
    """A one-line error naming the problem, no AWS error type, exit != 0."""
    assert result.returncode != 0, result
    first = result.stderr.splitlines()[0]
    assert first.startswith("kmsd: "), result.stderr
    assert message in first, result.stderr
    for aws_type in ("ValidationException", "KMSInternalException", "Exception:"):
        assert aws_type not in result.stderr
    return first


def test_help_lists_every_command_and_option():
    for flag in ("--help", "-h"):
        result = run(flag)
        assert result.returncode == 0 and result.stderr == ""
        for word in ("--config", "--data-dir", "--port", "--port-file", "--out", "--version",
                     "audit verify", "audit export", "config check", "KMSD_PORT", "KMSD_DATA_DIR"):
            assert word in result.stdout, word
    audit = run("audit", "--help")
    assert audit.returncode == 0 and "audit export --out DIR" in audit.stdout
    assert "--port-file" not in audit.stdout


def test_version_names_the_libraries():
    result = run("--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("kmsd 0.")
    assert any(line.startswith("OpenSSL 3.") for line in lines)
    assert any(line.startswith("LMDB 0.9.") for line in lines)
    assert any(line.startswith("Boost 1.") for line in lines)


def test_unknown_options_and_bad_ports_are_named():
    assert "unknown option '--bogus'" in refused(run("--bogus"), "--bogus")
    assert run("--bogus").returncode == 2
    for port in ("99999", "abc", "4599x", "-1"):
        refused(run("--port", port), "--port must be a number from 0 to 65535, not '%s'" % port)
    refused(run("audit"), "'kmsd audit' needs a command")
    refused(run("audit", "export"), "needs --out DIR")
    refused(run("audit", "verify", "--port", "1"), "--port is an option of kmsd (serve)")
    refused(run(env={"KMSD_PORT": "http"}), "KMSD_PORT must be a number from 0 to 65535, not 'http'")


def test_config_errors_name_the_file_line_and_field(tmp_path):
    config = json.load(open(CONFIG))
    config["server"]["prot"] = 4599
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps(config, indent=2))
    line = refused(run("--config", str(typo)), "server.prot is not a known field")
    assert "did you mean server.port?" in line and str(typo) + ": line " in line
    assert refused(run("config", "check", str(typo)), "server.prot").startswith(
        "kmsd: %s: line " % typo)

    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "server": {\n    "port": 1\n    "threads": 2\n  }\n}\n')
    refused(run("config", "check", str(broken)),
            "%s: line 4, column 5: invalid JSON: Missing a comma" % broken)
    refused(run("--config", str(tmp_path)), "%s: is a directory, not a config file" % tmp_path)
    refused(run("--config", str(tmp_path / "none.json")),
            "cannot open the config file: No such file or directory")

    good = run("config", "check", CONFIG)
    assert good.returncode == 0 and good.stdout.startswith(CONFIG + ": OK")
    # The default path is relative to where kmsd runs; KMSD_CONFIG points elsewhere.
    assert run("config", "check", cwd=str(tmp_path)).returncode == 1
    assert run("config", "check", cwd=str(tmp_path), env={"KMSD_CONFIG": CONFIG}).returncode == 0


def test_a_port_in_use_is_said_plainly(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--config", CONFIG, "--data-dir", str(tmp_path / "data"), "--port", str(port))
    refused(result, "cannot listen on 127.0.0.1:%d: Address already in use" % port)


def test_a_root_key_open_to_others_is_refused():
    server = Kmsd()
    try:
        server.stop()
        key_file = os.path.join(server.data_dir, "root.key")
        os.chmod(key_file, 0o644)
        result = run("--config", CONFIG, "--data-dir", server.data_dir, "--port", "0")
        refused(result, "root key: %s is open to other users (mode 0644)" % key_file)
        assert "chmod 600 " + key_file in result.stderr
        os.chmod(key_file, 0o600)
        server.start()
        assert server.alive()
    finally:
        server.close()


def test_another_root_key_is_named_as_such():
    server = Kmsd()
    try:
        server.client().create_key()
        server.stop()
        other = {"KMSD_ROOT_KEY": os.urandom(32).hex()}
        message = "the root key is not this data directory's"
        refused(run("--config", CONFIG, "--data-dir", server.data_dir, "--port", "0", env=other),
                message)
        refused(run("audit", "verify", "--config", CONFIG, "--data-dir", server.data_dir, env=other),
                message)
        # With its own key the directory serves and verifies as before.
        server.start()
        assert server.run_tool("audit", "verify").returncode == 0
    finally:
        server.close()


def test_without_a_config_option_kmsd_finds_the_checkouts_or_says_what_to_do(tmp_path):
    server = Kmsd()
    try:
        server.client().create_key()
        server.stop()
        # Outside a checkout (and with no installed config): what to do, plainly.
        result = run("audit", "verify", "--data-dir", server.data_dir, cwd=str(tmp_path))
        refused(result, "no config file: neither config/kmsd.json (here) nor /")
        assert "/etc/kmsd/kmsd.json exists" in result.stderr  # the installed config's place
        assert "give one with --config FILE or KMSD_CONFIG" in result.stderr
        # In a checkout's root: its config/kmsd.json.
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "kmsd.json").symlink_to(CONFIG)
        result = run("audit", "verify", "--data-dir", server.data_dir, cwd=str(tmp_path))
        assert result.returncode == 0, result.stderr
    finally:
        server.close()


def test_kmsd_serves_from_environment_variables_alone(tmp_path):
    port_file = tmp_path / "port"
    env = dict(os.environ, KMSD_CONFIG=CONFIG, KMSD_DATA_DIR=str(tmp_path / "data"),
               KMSD_PORT="0", KMSD_PORT_FILE=str(port_file))
    env.pop("KMSD_ROOT_KEY", None)
    proc = subprocess.Popen([KMSD], env=env, cwd="/", stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        while not port_file.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        port = int(port_file.read_text())
        key, secret = load_identities()["alice"]
        kms = boto3.client("kms", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                           aws_access_key_id=key, aws_secret_access_key=secret,
                           config=botocore.config.Config(retries={"max_attempts": 1}))
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        assert os.path.exists(tmp_path / "data" / "state")
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "root.key").st_mode) == 0o600


def test_kmsd_explain_says_plainly_when_kmsd_is_down():
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "kmsd-explain")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    key, secret = load_identities()["alice"]
    result = subprocess.run([script, "--endpoint-url", "http://127.0.0.1:%d" % port, "--action",
                             "kms:Decrypt"], capture_output=True, text=True, timeout=30,
                            env=dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "kmsd-explain: cannot reach kmsd at http://127.0.0.1:%d: [Errno 111] Connection refused" % port)
