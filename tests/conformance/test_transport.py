"""The HTTP transport: keep-alive, timeouts, limits, clean shutdown, and the
opt-in permissive auth mode."""

import signal
import socket
import threading
import time

import pytest

from kmsd_harness import Kmsd, closed_within, write_config


@pytest.fixture
def fast_timeouts(tmp_path):
    server = Kmsd(write_config(tmp_path, server={"idle_timeout_seconds": 1, "read_timeout_seconds": 1,
                                                 "max_header_bytes": 2048}))
    yield server
    server.close()


def test_idle_connections_are_closed(fast_timeouts):
    with socket.create_connection(("127.0.0.1", fast_timeouts.port)) as s:
        assert closed_within(s, 5)


def test_a_stalled_body_is_cut_off(fast_timeouts):
    with socket.create_connection(("127.0.0.1", fast_timeouts.port)) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"Key")
        assert closed_within(s, 5)
    assert fast_timeouts.raw("ListKeys", {}).status == 200


def test_header_limit(fast_timeouts):
    resp = fast_timeouts.raw("ListKeys", {}, headers={"X-Padding": "a" * 4096})
    assert resp.status == 431 and resp.error_type == "SerializationException"
    assert fast_timeouts.raw("ListKeys", {}).status == 200


def test_many_concurrent_keep_alive_clients(kmsd):
    errors = []
    clients = [kmsd.client() for _ in range(16)]  # creating boto3 clients is not thread-safe

    def worker(client):
        try:
            for _ in range(20):
                client.list_keys(Limit=1)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_shutdown_finishes_requests_in_flight(sig):
    server = Kmsd()
    try:
        key_id = server.client().create_key()["KeyMetadata"]["KeyId"]
        results, stop = [], threading.Event()
        clients = [server.client() for _ in range(4)]

        def worker(client):
            while not stop.is_set():
                try:
                    client.generate_data_key(KeyId=key_id, NumberOfBytes=16)
                    results.append("ok")
                except Exception as e:  # noqa: BLE001 - a refused connection after shutdown is expected
                    results.append(type(e).__name__)
                    return

        threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        time.sleep(0.5)
        server.proc.send_signal(sig)
        assert server.proc.wait(timeout=20) == 0
        stop.set()
        for t in threads:
            t.join()
        assert results.count("ok") > 10
        assert "kmsd: %s received, shutting down" % ("SIGTERM" if sig == signal.SIGTERM else "SIGINT") in \
            open(server.log_path).read()
        # Everything answered before the shutdown is on record.
        assert server.run_tool("audit", "verify").returncode == 0
    finally:
        server.close()


def test_permissive_mode_accepts_any_well_formed_credential(tmp_path):
    server = Kmsd(write_config(tmp_path, auth={"mode": "permissive",
                                                "permissive_access_key_id": "AKIAKMSD0ALICE000001"}))
    try:
        server.identities["anyone"] = ("AKIAANYONE0000000000", "any secret")
        kms = server.client("anyone")
        meta = kms.create_key()["KeyMetadata"]
        assert meta["AWSAccountId"] == "111122223333"
        assert server.raw("ListKeys", {}, sign=False).error_type == "MissingAuthenticationTokenException"
        # A known access key keeps its own identity (and bob has no IAM policy).
        with pytest.raises(Exception) as e:
            server.client("bob").describe_key(KeyId=meta["KeyId"])
        assert "AccessDeniedException" in str(e.value)
    finally:
        server.close()
