"""GET /metrics in Prometheus's text format, parsed with prometheus_client's
own parser: the counters move with the calls made, and who may read it is the
config's choice (loopback clients by default)."""
import os
import urllib.error
import urllib.request

import botocore.exceptions
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kmsd_harness import Kmsd, write_config


def scrape(server):
    with urllib.request.urlopen(server.endpoint + "/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def test_counters_move_with_the_calls():
    server = Kmsd()
    try:
        kms = server.client()
        before = scrape(server)
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/metrics", TargetKeyId=key_id)
        for _ in range(5):
            kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
        with pytest.raises(botocore.exceptions.ClientError):
            kms.describe_key(KeyId="alias/none")
        server.raw("MadeUpOperation", {})
        after = scrape(server)

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        assert moved("kmsd_requests_total", operation="GenerateDataKey", outcome="Success") == 5
        assert moved("kmsd_requests_total", operation="CreateKey", outcome="Success") == 1
        assert moved("kmsd_requests_total", operation="DescribeKey",
                     outcome="NotFoundException") == 1
        # A client's made-up operation does not become a label of its own.
        assert moved("kmsd_requests_total", operation="unknown",
                     outcome="UnknownOperationException") == 1
        assert not any("MadeUpOperation" in str(labels) for _, labels in after)
        assert moved("kmsd_request_duration_seconds_count", operation="GenerateDataKey") == 5
        assert moved("kmsd_request_duration_seconds_bucket", operation="GenerateDataKey",
                     le="+Inf") == 5
        assert value(after, "kmsd_requests_in_flight") == 0
        assert value(after, "kmsd_keys") == value(before, "kmsd_keys") + 1
        assert value(after, "kmsd_aliases") == value(before, "kmsd_aliases") + 1
        assert value(after, "kmsd_connections") >= 1
        # GenerateDataKey records go through the group commit.
        assert moved("kmsd_audit_commit_batch_size_sum") >= 5
        assert moved("kmsd_audit_commit_duration_seconds_count") >= 1
        assert value(after, "kmsd_audit_queue_depth") == 0
        # Then the journal's records move into LMDB; a lookup waits for them.
        server.client(service="cloudtrail").lookup_events(MaxResults=1)
        moved_in = scrape(server)
        # (but the lookup's own record, made after it looked)
        assert value(moved_in, "kmsd_audit_journal_records") <= 1
        assert value(moved_in, "kmsd_audit_apply_batch_size_sum") - value(
            before, "kmsd_audit_apply_batch_size_sum") >= 5
        assert 0 < value(after, "kmsd_state_store_used_bytes") <= value(
            after, "kmsd_state_store_map_bytes") <= value(after, "kmsd_state_store_ceiling_bytes")
        # The process's own figures, as /proc has them (CPU time counts in
        # clock ticks: a short test may have used less than one).
        fields = open("/proc/%d/stat" % server.proc.pid).read().rsplit(")", 1)[1].split()
        cpu_seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        assert ("process_cpu_seconds_total", ()) in after
        assert 0 <= value(after, "process_cpu_seconds_total") <= cpu_seconds
        assert value(after, "process_resident_memory_bytes") > 1 << 20
        # Scrapes are not KMS calls: nothing counts them.
        assert not any(labels and ("operation", "metrics") in labels for _, labels in after)
    finally:
        server.close()


def test_who_may_read_the_metrics_is_configured(tmp_path):
    off = Kmsd(write_config(tmp_path, server={"metrics": "off"}))
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(off.endpoint + "/metrics", timeout=10)
        assert e.value.code == 400  # a KMS request without credentials
    finally:
        off.close()
    bad = write_config(tmp_path, server={"metrics": "public"})
    with pytest.raises(RuntimeError, match='server.metrics must be "loopback", "open" or "off"'):
        Kmsd(bad)
