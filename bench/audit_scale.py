#!/usr/bin/env python3
"""How the audit log behaves as it grows: fills it with GenerateDataKey records
(kms_load, 64 connections, for --seconds), then reports bytes on disk per
record, restart time, `kmsd audit verify` time, and LookupEvents latencies
(first page of 50, unfiltered and with one attribute filter; the median of 20
calls, as the client sees them over loopback, signing excluded).

    bench/audit_scale.py --seconds 80 [--build build-release]
"""
import argparse
import datetime
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import lmdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "config", "kmsd.json")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=80)
    parser.add_argument("--build", default=os.path.join(ROOT, "build-release"))
    args = parser.parse_args()
    kmsd = os.path.join(args.build, "server", "kmsd")
    load = os.path.join(args.build, "bench", "kms_load")
    work = tempfile.mkdtemp(prefix="kmsd-scale-")
    data = os.path.join(work, "data")
    port_file = os.path.join(work, "port")
    users = [u for a in json.load(open(CONFIG))["accounts"] for u in a.get("users", [])]
    alice = next(u for u in users if u["name"] == "alice")
    creds = botocore.credentials.Credentials(alice["access_key_id"], alice["secret_access_key"])

    def start():
        if os.path.exists(port_file):
            os.unlink(port_file)
        began = time.monotonic()
        proc = subprocess.Popen([kmsd, "--config", CONFIG, "--data-dir", data, "--port", "0",
                                 "--port-file", port_file, "--log-level", "warn"],
                                stderr=open(os.path.join(work, "log"), "ab"))
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            time.sleep(0.001)
        return proc, int(open(port_file).read()), time.monotonic() - began

    def stop(proc):
        proc.terminate()
        proc.wait()

    try:
        proc, port, _ = start()
        subprocess.run([load, "--port", str(port), "--setup", "--key-id", "alias/bench", "--op",
                        "GenerateDataKey", "--connections", "4", "--seconds", "1"], check=True,
                       stdout=subprocess.DEVNULL)
        out = subprocess.run([load, "--port", str(port), "--key-id", "alias/bench", "--op", "GenerateDataKey",
                              "--connections", "64", "--seconds", str(args.seconds)], check=True,
                             capture_output=True, text=True).stdout.strip()
        print("load:", out)
        stop(proc)

        env = lmdb.open(os.path.join(data, "state"), readonly=True, lock=False, max_dbs=16)
        with env.begin() as txn:
            records = txn.stat(env.open_db(b"records", txn=txn, create=False))["entries"]
        total = (env.info()["last_pgno"] + 1) * env.stat()["psize"]
        env.close()
        print("records=%d file_bytes=%d bytes_per_record=%.0f" % (records, total, total / records))

        began = time.monotonic()
        verify = subprocess.run([kmsd, "audit", "verify", "--config", CONFIG, "--data-dir", data],
                                capture_output=True, text=True)
        print("audit_verify_seconds=%.2f ok=%s" % (time.monotonic() - began, verify.returncode == 0))

        proc, port, startup = start()
        print("restart_seconds=%.3f rss_kb_after_start=%s" % (startup, rss_kb(proc.pid)))
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def lookup(body):
            payload = json.dumps(body).encode()
            request = botocore.awsrequest.AWSRequest(
                method="POST", url="http://127.0.0.1:%d/" % port, data=payload,
                headers={"Content-Type": "application/x-amz-json-1.1",
                         "X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"})
            signer = botocore.auth.SigV4Auth(creds, "cloudtrail", "us-east-1")
            signer.add_auth(request)
            began = time.monotonic()
            conn.request("POST", "/", body=payload, headers=dict(request.headers))
            response = conn.getresponse()
            reply = json.loads(response.read())
            elapsed = time.monotonic() - began
            assert response.status == 200 and len(reply["Events"]) == 50, reply
            return elapsed * 1000

        cases = {
            "unfiltered": {"MaxResults": 50},
            "EventName=GenerateDataKey": {"MaxResults": 50, "LookupAttributes": [
                {"AttributeKey": "EventName", "AttributeValue": "GenerateDataKey"}]},
            "Username=alice": {"MaxResults": 50, "LookupAttributes": [
                {"AttributeKey": "Username", "AttributeValue": "alice"}]},
            "unfiltered, time range of the first minute": {"MaxResults": 50, "EndTime": time.time() - args.seconds + 30},
        }
        for name, body in cases.items():
            times = [lookup(body) for _ in range(20)]
            print("lookup_events[%s] median_ms=%.1f max_ms=%.1f" % (name, statistics.median(times), max(times)))
        print("rss_kb_after_lookups=%s" % rss_kb(proc.pid))
        stop(proc)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return line.split()[1]
    return "?"


if __name__ == "__main__":
    sys.exit(main())
