"""`kmsd audit tail` and `kmsd audit report`: the log as lines (filtered, or
followed as it grows) and as one self-contained HTML page, checked in a real
browser (headless Chromium) against `kmsd audit verify` and CloudTrail's
lookup-events."""

import datetime
import html
import os
import queue
import re
import socket
import subprocess
import threading
import time

import botocore.exceptions
import pytest

from kmsd_harness import ACCOUNT, KMSD, Kmsd, error_code

CHROMIUM = ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1280,2400"]
# Chromium's own background traffic (component updates, network time, sign-in)
# is sent whatever the page is, even with these flags; it goes around the
# test's proxy so that the proxy sees only what the page asks for.
QUIET = ["--disable-background-networking", "--disable-component-update", "--no-first-run",
         "--disable-features=NetworkTimeServiceQuerying"]
CHROMIUM_OWN_HOSTS = "update.googleapis.com;redirector.gvt1.com;accounts.google.com;clients2.google.com"
DENIED_MESSAGE = "because no identity-based policy allows the kms:Decrypt action"


@pytest.fixture(scope="module")
def log():
    """One server, one batch of calls; returns what the tools must show."""
    kmsd = Kmsd()
    alice, bob = kmsd.client(), kmsd.client("bob")
    carol_key = kmsd.client("carol").create_key()["KeyMetadata"]["KeyId"]
    k1 = alice.create_key()["KeyMetadata"]
    k2 = alice.create_key()["KeyMetadata"]["KeyId"]
    blobs = [alice.encrypt(KeyId=k1["KeyId"], Plaintext=b"p%d" % i)["CiphertextBlob"] for i in range(3)]
    alice.create_alias(AliasName="alias/app", TargetKeyId=k1["KeyId"])
    revoked = alice.create_grant(KeyId=k1["KeyId"], GranteePrincipal="arn:aws:iam::%s:user/bob" % ACCOUNT,
                                 Operations=["Decrypt"])["GrantId"]
    alice.revoke_grant(KeyId=k1["KeyId"], GrantId=revoked)
    retired = alice.create_grant(KeyId=k1["KeyId"], GranteePrincipal="arn:aws:iam::%s:user/bob" % ACCOUNT,
                                 Operations=["Decrypt"],
                                 RetiringPrincipal="arn:aws:iam::%s:user/alice" % ACCOUNT)["GrantId"]
    alice.retire_grant(KeyId=k1["KeyId"], GrantId=retired)
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        bob.decrypt(CiphertextBlob=blobs[0])
    assert error_code(denied.value) == "AccessDeniedException" and DENIED_MESSAGE in str(denied.value)
    via = kmsd.via_rds("GenerateDataKey", {"KeyId": "alias/aws/rds", "KeySpec": "AES_256"}, who="DbAdmin")
    assert via.status == 200, via.body
    alice.disable_key(KeyId=k2)
    alice.schedule_key_deletion(KeyId=k2, PendingWindowInDays=7)
    rotated = kmsd.raw("RotateKeyOnDemand", {"KeyId": k1["KeyId"]})
    assert rotated.status == 200, rotated.body
    # The newest lines now, before the CloudTrail lookup below adds a LookupEvents record.
    newest_three = kmsd.run_tool("audit", "tail", "--lines", "3")
    # The CLI pages through every result itself; no NextToken is left.
    k1_events = kmsd.cli("cloudtrail", "lookup-events", "--lookup-attributes",
                         "AttributeKey=ResourceName,AttributeValue=%s" % k1["Arn"])
    assert "NextToken" not in k1_events and k1_events["Events"]
    yield {"kmsd": kmsd, "k1": k1["KeyId"], "k2": k2, "carol_key": carol_key, "grants": (revoked, retired),
           "rds_key": via.json()["KeyId"].split("/")[-1], "k1_events": len(k1_events["Events"]),
           "newest_three": newest_three}
    kmsd.close()


def report(kmsd, name, *options):
    """Runs `kmsd audit report`; returns (path, html)."""
    path = os.path.join(kmsd.tmp, name + ".html")
    proc = kmsd.run_tool("audit", "report", "--out", path, *options)
    assert proc.returncode == 0, proc.stderr
    with open(path, encoding="utf-8") as f:
        return path, f.read()


def chromium(tmp, *args):
    """Runs headless Chromium (with a profile of its own); returns stdout."""
    profile = os.path.join(tmp, "chromium-profile")
    proc = subprocess.run([*CHROMIUM, "--user-data-dir=" + profile, *args], capture_output=True, timeout=90)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc.stdout.decode()


def cards(page):
    return {label: value for value, label in
            re.findall(r'<div class="value">([^<]*)</div><div class="label">([^<]*)</div>', page)}


def count(text):
    return int(text.replace(",", ""))


def section(page, section_id):
    """The markup of one section of the page: from its <h2> to the next."""
    start = page.index('<h2 id="%s"' % section_id)
    end = page.find("<h2", start + 1)
    return page[start:end if end >= 0 else len(page)]


def rows(markup):
    """The tables' body rows as lists of cell texts."""
    return [[html.unescape(re.sub(r"<[^>]*>", "", cell)).strip()
             for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", markup, re.S) if "<td>" in row]


def tail(kmsd, *args):
    proc = kmsd.run_tool("audit", "tail", *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_report_in_a_browser_matches_verify_and_cloudtrail(log):
    kmsd = log["kmsd"]
    verify = kmsd.run_tool("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    checked = int(re.search(r"records checked: (\d+)", verify.stdout).group(1))
    path, _ = report(kmsd, "full")
    shot = os.path.join(kmsd.tmp, "report.png")
    chromium(kmsd.tmp, "--screenshot=" + shot, "file://" + path)
    with open(shot, "rb") as f:
        png = f.read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1280, 2400)
    assert len(png) > 50_000, "a %d-byte screenshot is about blank" % len(png)

    dom = chromium(kmsd.tmp, "--dump-dom", "file://" + path)
    text = html.unescape(dom)
    for expected in (log["k1"], log["k2"], log["rds_key"], *log["grants"], "rds.amazonaws.com",
                     "%s:user/bob" % ACCOUNT, "Deny: NoIdentityPolicyAllow", DENIED_MESSAGE, "verified"):
        assert expected in text, "%r is not in the rendered page" % expected
    summary = cards(dom)
    assert count(summary["calls"]) == checked, (summary, verify.stdout)
    assert summary["hash chain"] == "verified"
    assert (count(summary["denied"]), count(summary["via services"]), count(summary["grant changes"])) == (1, 1, 4)
    assert verify.stdout.strip() in html.unescape(section(dom, "chain"))

    # The key column: the key id, then the aliases records named it with.
    keys = {row[0].split()[0]: row for row in rows(section(dom, "keys"))}
    assert keys[log["k1"]][0] == log["k1"] + " alias/app"
    assert count(keys[log["k1"]][1]) == log["k1_events"], "Keys table: %r, lookup-events: %d events" % (
        keys[log["k1"]], log["k1_events"])
    assert count(keys[log["k1"]][2]) == 1, "one denied call on k1"
    assert [row[1:4] for row in rows(section(dom, "denied"))][0] == ["%s:user/bob" % ACCOUNT, "Decrypt", log["k1"]]
    assert ["rds.amazonaws.com", "GenerateDataKey", "1", "0", "0"] in rows(section(dom, "via"))
    grants = sorted((row[2], row[4]) for row in rows(section(dom, "grants")))
    revoked, retired = log["grants"]
    assert grants == sorted([("CreateGrant", revoked), ("RevokeGrant", revoked),
                             ("CreateGrant", retired), ("RetireGrant", retired)])
    changes = [(row[2], row[3], row[4]) for row in rows(section(dom, "key-changes"))]
    for change in (("DisableKey", log["k2"], ""), ("ScheduleKeyDeletion", log["k2"], "in 7 days"),
                   ("RotateKeyOnDemand", log["k1"], ""), ("CreateKey", log["k1"], "")):
        assert change in changes, changes


def test_report_makes_no_network_request(log):
    kmsd = log["kmsd"]
    path, page = report(kmsd, "offline")
    lowered = page.lower()
    for tag in ("<script", "<link", "<img", "<iframe", "@import", "url("):
        assert tag not in lowered, tag
    assert set(re.findall(r"https?://[^\s\"'<>)]*", page)) == {"http://www.w3.org/2000/svg"}

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    requests, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            conn.settimeout(2)
            try:
                requests.append(conn.recv(4096).split(b"\r\n")[0])
            except OSError as e:
                requests.append(repr(e))
            conn.close()

    thread = threading.Thread(target=accept)
    thread.start()
    proxy = ["--proxy-server=http://127.0.0.1:%d" % listener.getsockname()[1],
             "--proxy-bypass-list=<-loopback>;" + CHROMIUM_OWN_HOSTS, *QUIET]
    try:
        chromium(kmsd.tmp, *proxy, "--screenshot=" + os.path.join(kmsd.tmp, "offline.png"), "file://" + path)
        chromium(kmsd.tmp, *proxy, "--dump-dom", "file://" + path)
        time.sleep(0.5)  # connections still in the listen queue
        assert requests == [], "the report made requests: %r" % requests
        # The same browser, proxy and listener do see a page that loads an image.
        control = os.path.join(kmsd.tmp, "control.html")
        with open(control, "w") as f:
            f.write('<!DOCTYPE html><img src="http://example.invalid/pixel.png">')
        chromium(kmsd.tmp, *proxy, "--dump-dom", "file://" + control)
        time.sleep(0.5)
        assert any(b"example.invalid" in r for r in requests if isinstance(r, bytes)), requests
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_report_since_until_and_account(log):
    kmsd = log["kmsd"]
    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    _, future = report(kmsd, "future", "--since", tomorrow)
    assert cards(future)["calls"] == "0" and log["k1"] not in future
    _, past = report(kmsd, "past", "--until", "1d")
    assert cards(past)["calls"] == "0"
    _, recent = report(kmsd, "recent", "--since", "1h")
    assert log["k1"] in recent and count(cards(recent)["calls"]) > 0

    _, carol = report(kmsd, "carol", "--account", "444455556666")
    for key in (log["k1"], log["k2"], log["rds_key"]):
        assert key not in carol, key
    assert log["carol_key"] in carol and "444455556666:user/carol" in carol
    assert cards(carol)["calls"] == "1"

    for option in ("--since", "--until"):
        proc = kmsd.run_tool("audit", "report", "--out", os.path.join(kmsd.tmp, "bad.html"), option, "yesterday")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert option in proc.stderr and "yesterday" in proc.stderr, proc.stderr
        assert not os.path.exists(os.path.join(kmsd.tmp, "bad.html"))


def test_tail_lines_and_filters(log):
    kmsd = log["kmsd"]
    assert log["newest_three"].returncode == 0, log["newest_three"].stderr
    newest = log["newest_three"].stdout.splitlines()
    assert len(newest) == 3, newest
    assert [line.split()[2] for line in newest] == ["DisableKey", "ScheduleKeyDeletion", "RotateKeyOnDemand"]
    assert newest[-1].split()[1:] == ["%s:user/alice" % ACCOUNT, "RotateKeyOnDemand", log["k1"], "OK"]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  ", newest[-1]), newest[-1]

    denied = tail(kmsd, "--filter", "outcome=denied")
    assert len(denied) == 1, denied
    assert denied[0].split()[1:] == ["%s:user/bob" % ACCOUNT, "Decrypt", log["k1"], "DENIED",
                                     "AccessDeniedException"]
    via = tail(kmsd, "--filter", "principal=dbadmin", "--filter", "operation=generatedatakey")
    assert len(via) == 1 and "assumed-role/DbAdmin" in via[0] and "via rds.amazonaws.com" in via[0], via
    assert via[0].split()[-2:] == [log["rds_key"], "OK"]
    assert tail(kmsd, "--filter", "principal=dbadmin", "--filter", "outcome=denied") == []
    assert tail(kmsd, "--lines", "0") == []

    wrong = kmsd.run_tool("audit", "tail", "--filter", "colour=red")
    assert wrong.returncode == 2 and wrong.stdout == "", wrong
    assert "colour=red" in wrong.stderr, wrong.stderr


def test_tail_follow_prints_new_records_as_they_are_written(server):
    key = server.client().create_key()["KeyMetadata"]["KeyId"]  # before the tail: not shown
    proc = subprocess.Popen([KMSD, "audit", "tail", "--follow", "--lines", "0", "--config", server.config_path,
                             "--data-dir", server.data_dir], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    seen = []

    def wait_for(words, call, retry):
        """Makes `call` (again every second when `retry`, while the tail may
        still be starting) until a line with all of `words` comes; 20 s at most."""
        deadline = time.time() + 20
        call()
        last_call = time.time()
        while time.time() < deadline:
            try:
                seen.append(lines.get(timeout=0.2))
                if all(word in seen[-1] for word in words):
                    return seen[-1]
            except queue.Empty:
                assert proc.poll() is None, proc.stderr.read()
                if retry and time.time() - last_call > 1:
                    call()
                    last_call = time.time()
        pytest.fail("no line with %r in 20 s; lines: %r" % (words, seen))

    try:
        wait_for(["user/alice", "Encrypt", key, "OK"],
                 lambda: server.client().encrypt(KeyId=key, Plaintext=b"x"), retry=True)

        def bob_encrypt():
            with pytest.raises(botocore.exceptions.ClientError):
                server.client("bob").encrypt(KeyId=key, Plaintext=b"x")

        wait_for(["user/bob", "Encrypt", key, "DENIED AccessDeniedException"], bob_encrypt, retry=False)
        assert not any("CreateKey" in line for line in seen), seen
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail("kmsd audit tail --follow did not exit on SIGTERM")


def test_a_callers_control_characters_stay_inside_one_tail_line(server):
    """A KeyId a caller chose is shown escaped: it cannot add lines (a forged
    record) or terminal escapes to the tail, nor count as a key in the report."""
    forged = "x\n2026-12-07T14:00:00Z  111122223333:user/root  DisableKey  k  OK\x1b[31m\u009b\u202e"
    resp = server.raw("DescribeKey", {"KeyId": forged}, who="bob")
    assert resp.error_type == "NotFoundException", resp.body
    lines = tail(server, "--lines", "5")
    assert len(lines) == 1, lines
    assert "\x1b" not in lines[0] and "x\\x0a2026-12-07T14:00:00Z" in lines[0] and "\\x1b[31m" in lines[0]
    # A C1 control (CSI) and a right-to-left override, as their UTF-8 bytes.
    assert "\u009b" not in lines[0] and "\u202e" not in lines[0]
    assert "[31m\\xc2\\x9b\\xe2\\x80\\xae" in lines[0]
    assert lines[0].endswith("ERROR NotFoundException")
    assert tail(server, "--filter", "key=root  DisableKey") == lines
    _, page = report(server, "forged")
    assert cards(page)["keys used"] == "0" and cards(page)["other errors"] == "1"
