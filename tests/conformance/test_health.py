"""GET /healthz and /readyz on kmsd's port: unauthenticated, small JSON bodies,
never recorded as KMS calls, and /readyz saying 503 (and why) when calls could
have no effect, with a warning before that."""
import json
import os
import urllib.error
import urllib.request

from kmsd_harness import Kmsd, write_config


def get(server, path):
    try:
        with urllib.request.urlopen(server.endpoint + path, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def all_events(server):
    trail = server.client(service="cloudtrail")
    events, token = [], None
    while True:
        page = trail.lookup_events(**({"NextToken": token} if token else {}))
        events += page["Events"]
        token = page.get("NextToken")
        if not token:
            return events


def test_alive_and_ready_without_credentials_and_off_the_record():
    server = Kmsd()
    try:
        server.client().create_key()
        before = len(all_events(server))
        status, headers, body = get(server, "/healthz")
        assert (status, body) == (200, {"status": "ok"})
        assert headers["Content-Type"] == "application/json"
        status, _, body = get(server, "/readyz?verbose=1")
        assert status == 200
        assert body["status"] == "ready" and body["audit_log"] == "ok"
        store = body["state_store"]
        assert 0 < store["used_bytes"] < store["ceiling_bytes"] == 65536 << 20
        assert store["used_percent"] == 0 and "warning" not in store
        # Only the LookupEvents calls themselves are on record.
        assert len(all_events(server)) == before + 1
        # Other paths and methods are KMS requests, which need credentials.
        for path in ("/health", "/healthz/x"):
            status, _, body = get(server, path)
            assert status == 400 and body["__type"] == "MissingAuthenticationTokenException"
        post = urllib.request.Request(server.endpoint + "/healthz", data=b"{}", method="POST")
        try:
            urllib.request.urlopen(post, timeout=10)
            assert False, "a POST to /healthz was answered"
        except urllib.error.HTTPError as e:
            assert json.loads(e.read())["__type"] == "MissingAuthenticationTokenException"
    finally:
        server.close()


def test_readiness_warns_then_says_why_calls_are_refused(tmp_path):
    server = Kmsd(write_config(tmp_path, storage={"map_size_mb": 16, "max_map_size_mb": 32},
                               audit={"map_size_mb": 16}))
    try:
        kms = server.client()
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        warned = None
        refused = None
        for _ in range(20000):
            # Random text: records are stored compressed.
            resp = server.raw("UpdateKeyDescription",
                              {"KeyId": key, "Description": os.urandom(3000).hex()[:6000]})
            status, _, body = get(server, "/readyz")
            if warned is None and "warning" in body.get("state_store", {}):
                warned = body
            if status == 503:
                refused = (resp, body)
                break
        assert warned is not None, "readiness never warned"
        assert warned["status"] == "ready" and warned["state_store"]["used_percent"] >= 75
        assert "at 90 % kmsd refuses calls" in warned["state_store"]["warning"]
        assert refused is not None, "the store never filled"
        body = refused[1]
        assert body["status"] == "not ready"
        assert body["audit_log"].startswith("The audit log is full")
        assert body["state_store"]["used_percent"] >= 85
        assert get(server, "/healthz")[0] == 200  # alive all the same
    finally:
        server.close()
