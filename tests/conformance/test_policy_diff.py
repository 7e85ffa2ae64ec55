"""`kmsd policy diff OLD NEW`: pairs of key policies that widen (a new
principal, a dropped condition, a wildcard action), narrow, and change nothing
(statements reordered, a redundant statement), each with the groups of who
gains and who loses what; --fail-on-new-access; a file that is no key policy;
and one gain replayed against a running kmsd."""

import json
import os
import re
import subprocess

import pytest

from kmsd_harness import CONFIG, KMSD, b64, error_code

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "policy_diff")
BOB = "arn:aws:iam::111122223333:user/bob"
CAROL = "arn:aws:iam::444455556666:user/carol"
CAROL_ROOT = "arn:aws:iam::444455556666:root"
VIA_RDS = "when kms:ViaService=rds.us-east-1.amazonaws.com"


def diff(new, *args, old="base.json"):
    return subprocess.run([KMSD, "policy", "diff", os.path.join(FIXTURES, old),
                           os.path.join(FIXTURES, new), "--config", CONFIG, *args],
                          capture_output=True, text=True, timeout=120)


def groups(output):
    """{(direction, principal): {action: cases}} from the printed diff."""
    found = {}
    direction = principal = None
    for line in output.splitlines():
        if line.startswith("Newly allowed"):
            direction = "gains"
        elif line.startswith("Newly denied"):
            direction = "loses"
        elif line.startswith("    "):
            action, cases = line.strip().split(None, 1)
            found.setdefault((direction, principal), {})[action] = cases
        elif line.startswith("  "):
            principal = line.strip()
    return found


def summary(output):
    return re.search(r"^(\d+) requests newly allowed, (\d+) newly denied, of (\d+) decided", output,
                     re.M).groups()


def test_a_new_principal_gains_what_its_statement_allows():
    run = diff("new_principal.json")
    assert run.returncode == 0, run.stderr
    every = "in every case tried"
    assert groups(run.stdout) == {
        ("gains", CAROL_ROOT): {"kms:Decrypt": every, "kms:Encrypt": every},
        ("gains", CAROL): {"kms:Decrypt": every, "kms:Encrypt": every},
    }, run.stdout


def test_an_account_named_only_in_a_condition_is_tried():
    """Principal "*" narrowed by kms:CallerAccount: that account's principals gain."""
    run = diff("caller_account.json", "--fail-on-new-access")
    assert run.returncode == 1, run.stdout + run.stderr
    assert groups(run.stdout) == {
        ("gains", "arn:aws:iam::777788889999:root"): {"kms:Decrypt": "in every case tried"}}, run.stdout


def test_a_session_and_its_role_are_each_tried_once(tmp_path):
    session = "arn:aws:sts::444455556666:assumed-role/Dev/s1"
    policy = json.load(open(os.path.join(FIXTURES, "base.json")))
    policy["Statement"].append({"Sid": "Session", "Effect": "Allow", "Principal": {"AWS": session},
                                "Action": "kms:Decrypt", "Resource": "*"})
    new = tmp_path / "session.json"
    new.write_text(json.dumps(policy))
    run = diff(str(new))
    assert groups(run.stdout) == {("gains", session): {"kms:Decrypt": "in every case tried"}}, run.stdout
    assert summary(run.stdout)[:2] == ("3", "0")


def test_a_dropped_condition_lets_calls_outside_it_through():
    run = diff("dropped_condition.json")
    found = groups(run.stdout)
    assert list(found) == [("gains", BOB)], run.stdout
    cases = found[("gains", BOB)]["kms:Decrypt"]
    # Direct calls and calls via another service; via RDS was allowed before.
    assert "with no condition values" in cases
    assert "kms:ViaService=kmsd-outside.us-east-1.amazonaws.com" in cases
    assert "rds.us-east-1" not in cases


def test_a_wildcard_action_grants_every_action_on_the_key():
    run = diff("wildcard_action.json")
    found = groups(run.stdout)
    assert list(found) == [("gains", BOB)], run.stdout
    actions = found[("gains", BOB)]
    # Every key action but the Decrypt bob had, each only via RDS.
    assert "kms:Decrypt" not in actions
    assert {"kms:Encrypt", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CreateGrant",
            "kms:Sign"} <= set(actions)
    assert len(actions) == 43, actions
    assert set(actions.values()) == {VIA_RDS}
    assert summary(run.stdout)[:2] == ("43", "0")


def test_narrowing_shows_who_loses():
    run = diff("narrowed.json")
    assert groups(run.stdout) == {("loses", BOB): {"kms:Decrypt": VIA_RDS}}, run.stdout
    assert summary(run.stdout)[:2] == ("0", "1")


@pytest.mark.parametrize("same", ["reordered.json", "redundant.json", "base.json"])
def test_no_change(same):
    run = diff(same, "--fail-on-new-access")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No request's decision changes." in run.stdout
    assert groups(run.stdout) == {}
    assert summary(run.stdout)[:2] == ("0", "0")
    assert int(summary(run.stdout)[2]) > 500


def test_fail_on_new_access_only_when_something_is_newly_allowed():
    assert diff("new_principal.json", "--fail-on-new-access").returncode == 1
    assert diff("narrowed.json", "--fail-on-new-access").returncode == 0
    # The other way round, the narrowing widens.
    widened = diff("base.json", "--fail-on-new-access", old="narrowed.json")
    assert widened.returncode == 1
    assert groups(widened.stdout) == {("gains", BOB): {"kms:Decrypt": VIA_RDS}}


def test_a_file_that_is_no_key_policy_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Statement": [{"Effect": "Allow", "Action": "kms:*"}]}')
    run = diff(str(bad))
    assert run.returncode == 2
    assert run.stderr.startswith("kmsd: NEW: "), run.stderr
    assert diff(str(tmp_path / "missing.json")).returncode == 2
    usage = subprocess.run([KMSD, "policy", "diff", "only-one.json"], capture_output=True, text=True)
    assert usage.returncode == 2 and "needs two key policy files" in usage.stderr


def test_a_gain_holds_against_a_running_kmsd(server):
    """The dropped condition's gain: bob's direct Decrypt, denied under OLD, allowed under NEW."""
    alice = server.client("alice")
    key = alice.create_key(Policy=open(os.path.join(FIXTURES, "base.json")).read())["KeyMetadata"]
    blob = alice.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    bob = server.client("bob")
    with pytest.raises(Exception) as denied:
        bob.decrypt(CiphertextBlob=blob)
    assert error_code(denied.value) == "AccessDeniedException"
    assert server.via_rds("Decrypt", {"CiphertextBlob": b64(blob)},
                          who="bob").status == 200
    alice.put_key_policy(KeyId=key["KeyId"], PolicyName="default",
                         Policy=open(os.path.join(FIXTURES, "dropped_condition.json")).read())
    assert bob.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
