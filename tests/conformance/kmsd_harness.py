"""Runs the real kmsd binary for integration tests and talks to it with real
AWS clients: boto3, the AWS CLI v2 (/usr/bin/aws) and raw SigV4-signed HTTP."""

import base64
import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KMSD = os.environ.get("KMSD_BINARY", os.path.join(ROOT, "build", "server", "kmsd"))
CONFIG = os.path.join(ROOT, "config", "kmsd.json")
AWS_CLI = "/usr/bin/aws"

FAIL_IO_LIBRARY = os.environ.get("KMSD_FAIL_IO_LIBRARY",
                                 os.path.join(ROOT, "build", "tests", "libkmsd_fail_io.so"))

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"


def write_config(tmp_path, **changes):
    """A copy of the example config with sections updated, e.g.
    write_config(tmp_path, server={"max_connections": 4}); returns its path."""
    with open(CONFIG) as f:
        config = json.load(f)
    for section, values in changes.items():
        config.setdefault(section, {}).update(values)
    path = os.path.join(str(tmp_path), "kmsd.json")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def stored_keys(data_dir):
    """Every key record in the state environment (read beside the server)."""
    import lmdb
    env = lmdb.open(os.path.join(data_dir, "state"), readonly=True, lock=False, max_dbs=16)
    try:
        db = env.open_db(b"keys", create=False)
        with env.begin(db=db) as txn:
            return [json.loads(value) for _, value in txn.cursor()]
    finally:
        env.close()


def read_until_closed(sock):
    """Everything the peer sends until it closes the connection."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def closed_within(sock, seconds):
    """Whether the peer closes the connection (after whatever it sends) within `seconds`."""
    sock.settimeout(seconds)
    try:
        read_until_closed(sock)
        return True
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


def load_identities(config_path=CONFIG):
    """name -> (access key id, secret) for every identity of a config."""
    with open(config_path) as f:
        config = json.load(f)
    out = {}
    for account in config["accounts"]:
        if "root" in account:
            out["root" if account["id"] == ACCOUNT else "root-" + account["id"]] = (
                account["root"]["access_key_id"], account["root"]["secret_access_key"])
        for kind in ("users", "roles"):
            for ident in account.get(kind, []):
                out[ident["name"]] = (ident["access_key_id"], ident["secret_access_key"])
    for service in config.get("service_principals", []):
        out[service["service"]] = (service["access_key_id"], service["secret_access_key"])
    return out


class FixedTimeSigV4(botocore.auth.SigV4Auth):
    """SigV4 with a chosen timestamp, so two signatures of one request (user
    and service, DESIGN.md section 3) share X-Amz-Date."""

    def __init__(self, credentials, service, region, timestamp):
        super().__init__(credentials, service, region)
        self._timestamp = timestamp

    def add_auth(self, request):
        request.context["timestamp"] = self._timestamp
        self._modify_request_before_signing(request)
        canonical_request = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical_request)
        signature = self.signature(string_to_sign, request)
        self._inject_signature_to_request(request, signature)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else {}

    @property
    def error_type(self):
        return self.json().get("__type")

    @property
    def message(self):
        data = self.json()
        return data.get("message", data.get("Message"))


class Kmsd:
    """One kmsd process with its own data directory."""

    def __init__(self, config_path=CONFIG, env=None, preexec_fn=None):
        self.tmp = tempfile.mkdtemp(prefix="kmsd-it-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.config_path = config_path
        self.identities = load_identities(config_path)
        self.proc = None
        self.port = None
        self.preexec_fn = preexec_fn  # runs in the child before exec (resource limits)
        self.start(env)

    # --- process control -------------------------------------------------
    def start(self, env=None):
        port_file = os.path.join(self.tmp, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log_path = os.path.join(self.tmp, "kmsd.log")
        proc_env = dict(os.environ)
        proc_env.pop("KMSD_ROOT_KEY", None)
        proc_env.update(env or {})
        self.proc = subprocess.Popen(
            [KMSD, "--config", self.config_path, "--data-dir", self.data_dir, "--port", "0",
             "--port-file", port_file],
            stdout=subprocess.DEVNULL, stderr=open(self.log_path, "ab"), env=proc_env,
            preexec_fn=self.preexec_fn)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("kmsd exited: " + open(self.log_path).read())
            if time.time() > deadline:
                raise RuntimeError("kmsd did not start")
            time.sleep(0.02)
        self.port = int(open(port_file).read())
        self.endpoint = "http://127.0.0.1:%d" % self.port

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        return self.proc.returncode

    def restart(self, env=None):
        self.stop()
        self.start(env)

    def close(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def alive(self):
        return self.proc.poll() is None

    def run_tool(self, *args):
        """Runs a kmsd subcommand (audit verify, ...) against this data dir."""
        return subprocess.run([KMSD, *args, "--config", self.config_path, "--data-dir", self.data_dir],
                              capture_output=True, text=True, timeout=60)

    # --- clients ----------------------------------------------------------
    def client(self, who="alice", region="us-east-1", service="kms", **config):
        key, secret = self.identities[who]
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region, aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=botocore.config.Config(retries={"max_attempts": 1}, **config))

    def cli(self, *args, who="alice", region="us-east-1", check=True):
        """Runs the AWS CLI v2; returns parsed JSON output (or the process on error)."""
        key, secret = self.identities[who]
        env = {"PATH": "/usr/bin:/bin", "HOME": self.tmp, "AWS_ACCESS_KEY_ID": key,
               "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": region, "AWS_PAGER": "",
               "AWS_MAX_ATTEMPTS": "1"}
        proc = subprocess.run([AWS_CLI, "--endpoint-url", self.endpoint, "--region", region,
                               "--output", "json", *args],
                              capture_output=True, text=True, env=env, cwd=self.tmp, timeout=60)
        if check:
            assert proc.returncode == 0, proc.stderr
            return json.loads(proc.stdout) if proc.stdout.strip() else {}
        return proc

    # --- raw requests -----------------------------------------------------
    def raw(self, target, body, who="alice", region="us-east-1", service="kms", headers=None, sign=True,
            via_service=None, service_signer="rds.amazonaws.com", timestamp=None, target_prefix="TrentService.",
            via_principal=None):
        """Sends one signed POST with an arbitrary body; returns Response.

        A via-service call names the calling user in X-Kmsd-Via-Principal
        (`who`'s access key id unless `via_principal` says otherwise; False
        leaves the header out)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        all_headers = {"Content-Type": "application/x-amz-json-1.1", "Host": "127.0.0.1:%d" % self.port}
        if target is not None:
            all_headers["X-Amz-Target"] = target_prefix + target
        all_headers.update(headers or {})
        request = botocore.awsrequest.AWSRequest(method="POST", url=self.endpoint + "/", data=body,
                                                 headers=all_headers)
        stamp = timestamp or datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
        if via_service is not None:
            request.headers["X-Kmsd-Via-Service"] = via_service
            if via_principal is None:
                via_principal = self.identities[who][0]
            if via_principal is not False:
                request.headers["X-Kmsd-Via-Principal"] = via_principal
            if service_signer is not None:
                skey, ssecret = self.identities[service_signer]
                FixedTimeSigV4(botocore.credentials.Credentials(skey, ssecret), service, region,
                               stamp).add_auth(request)
                request.headers["X-Kmsd-Service-Authorization"] = request.headers["Authorization"]
                del request.headers["Authorization"]
        if sign:
            key, secret = self.identities[who]
            FixedTimeSigV4(botocore.credentials.Credentials(key, secret), service, region, stamp).add_auth(request)
        return self.send(request.method, "/", body, dict(request.headers.items()))

    def send(self, method, path, body, headers):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def serves_within(self, seconds):
        """Whether a signed ListKeys succeeds within `seconds` (retrying while
        kmsd refuses or cannot be reached)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if self.raw("ListKeys", {}).status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def via_rds(self, target, body, who="alice", region="us-east-1"):
        """A call made by the RDS service on `who`'s behalf."""
        return self.raw(target, body, who=who, region=region, via_service="rds.%s.amazonaws.com" % region)


def b64(data):
    return base64.b64encode(data).decode()


def error_code(exc):
    return exc.response["Error"]["Code"]


def error_message(exc):
    return exc.response["Error"]["Message"]
