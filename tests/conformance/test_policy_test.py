"""`kmsd policy test`: key-policy test cases run offline (policies/examples/
policy-test.yaml, 68 cases over the aws/rds managed key, a key shared with
another account and that account's own key), the table, the JUnit XML, the
exit statuses, the errors of a wrong file, and every case replayed as a real
call against a running kmsd with the same outcome."""

import base64
import json
import os
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest
import yaml

from kmsd_harness import CONFIG, KMSD, ROOT, Kmsd

EXAMPLE = os.path.join(ROOT, "policies", "examples", "policy-test.yaml")
# The config's principals, by ARN, as the harness names them.
WHO = {
    "arn:aws:iam::111122223333:user/alice": "alice",
    "arn:aws:iam::111122223333:user/bob": "bob",
    "arn:aws:iam::111122223333:role/DbAdmin": "DbAdmin",
    "arn:aws:iam::111122223333:root": "root",
    "arn:aws:iam::444455556666:user/carol": "carol",
}


def policy_test(*args):
    return subprocess.run([KMSD, "policy", "test", *args, "--config", CONFIG],
                          capture_output=True, text=True, timeout=120)


def test_the_example_passes_with_a_table_and_junit(tmp_path):
    junit = tmp_path / "report.xml"
    run = policy_test(EXAMPLE, "--junit", str(junit))
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "68 cases: 68 passed, 0 failed (%s)" % EXAMPLE
    assert "PASS  app alice encrypts without a context" in lines
    # Each case says why: the deciding statement, or the first failing condition.
    assert ('      expected explicit-deny, got explicit-deny: DENY: explicit deny in key policy '
            'statement "Every use names its application"') in lines
    assert any("no key policy statement allows" in line and "kms:ViaService" in line for line in lines)
    suite = ElementTree.parse(junit).getroot()
    assert (suite.tag, suite.get("tests"), suite.get("failures")) == ("testsuite", "68", "0")
    assert len(suite.findall("testcase")) == 68


def test_a_case_that_does_not_hold_fails_the_run(tmp_path):
    spec = yaml.safe_load(open(EXAMPLE))
    case = next(c for c in spec["cases"] if c["name"] == "rds alice decrypts directly")
    case["expect"] = "allow"
    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(spec))
    junit = tmp_path / "report.xml"
    run = policy_test(str(path), "--junit", str(junit))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL  rds alice decrypts directly" in run.stdout
    assert "67 passed, 1 failed" in run.stdout.splitlines()[-1]
    failures = ElementTree.parse(junit).getroot().findall("testcase/failure")
    assert [f.get("message") for f in failures] == ["expected allow, got deny"]
    assert "kms:ViaService" in failures[0].text


@pytest.mark.parametrize("text, message", [
    ("keys: {k: {}}\ncases:\n  - {principal: x, action: kms:Decrypt, expcet: allow}\n",
     "case.yaml:3:41: cases[0].expcet: unknown field"),
    ("keys: {k: {}}\ncases:\n  - {principal: x, action: Decrypt, expect: allow}\n",
     "case.yaml:3:28: cases[0].action: must be a KMS action like kms:Decrypt"),
    ("keys: {k: {}}\ncases:\n  - {principal: x, action: kms:Decrypt, expect: maybe}\n",
     "cases[0].expect: must be one of allow, deny, explicit-deny, not 'maybe'"),
    ("keys: {k: {spec: RSA_2048, usage: GENERATE_VERIFY_MAC}}\ncases: []\n",
     "keys.k.usage: is not a usage of a RSA_2048 key"),
    ("keys: {k: {policy: '{not json'}}\ncases:\n  - {principal: x, action: kms:Decrypt, expect: allow}\n",
     "keys.k.policy: "),
    ("keys: {a: {}, b: {}}\ncases:\n  - {principal: x, action: kms:Decrypt, expect: allow}\n",
     "cases[0]: needs key: one of the file's keys"),
    ("keys: {k: {}}\nidentity_policies: {'arn:aws:iam::111122223333:user/nobody': {}}\ncases: []\n",
     "identity_policies.arn:aws:iam::111122223333:user/nobody: is not a principal of the config"),
    ("keys: {k: {}}\ncases:\n  - {principal: 'arn:aws:iam::111122223333:user/nobody', action: kms:Decrypt, expect: allow}\n",
     "No configured principal arn:aws:iam::111122223333:user/nobody"),
    ("keys: [\n", "case.yaml:2:1: not valid YAML"),
])
def test_a_wrong_file_is_refused_with_where_and_why(tmp_path, text, message):
    path = tmp_path / "case.yaml"
    path.write_text(text)
    run = policy_test(str(path))
    assert run.returncode == 2 and run.stdout == ""
    assert message in run.stderr, run.stderr


# --- every case again, as a real call against a running kmsd ------------------

def replay_config(tmp_path, spec):
    """The config with the file's identity policies in place of the configured ones."""
    config = json.load(open(CONFIG))
    for account in config["accounts"]:
        for kind in ("users", "roles"):
            for identity in account.get(kind, []):
                arn = "arn:aws:iam::%s:%s/%s" % (account["id"], kind[:-1], identity["name"])
                if arn in spec.get("identity_policies", {}):
                    identity["policies"] = spec["identity_policies"][arn]
    path = tmp_path / "kmsd.json"
    path.write_text(json.dumps(config))
    return str(path)


def ok(response):
    assert response.status == 200, response.body
    return response.json()


def create_keys(server, spec):
    """The file's keys made for real: name -> (key ARN, a ciphertext of the key)."""
    keys = {}
    for name, key in spec["keys"].items():
        if key.get("managed"):
            arn = ok(server.raw("DescribeKey", {"KeyId": key["managed"]}))["KeyMetadata"]["Arn"]
            blob = ok(server.via_rds("Encrypt", {"KeyId": arn, "Plaintext": "eA=="}))["CiphertextBlob"]
            keys[name] = (arn, blob)
            continue
        owner = "carol" if key.get("account") == "444455556666" else "alice"
        params = {"Description": key.get("description", "")}
        if "policy" in key:
            params["Policy"] = json.dumps(key["policy"])
        if "tags" in key:
            params["Tags"] = [{"TagKey": k, "TagValue": v} for k, v in key["tags"].items()]
        arn = ok(server.raw("CreateKey", params, who=owner))["KeyMetadata"]["Arn"]
        for alias in key.get("aliases", []):
            ok(server.raw("CreateAlias", {"AliasName": alias, "TargetKeyId": arn}, who=owner))
        for grant in key.get("grants", []):
            constraints = {"EncryptionContextSubset": grant["constraints"]["encryption_context_subset"]}
            ok(server.raw("CreateGrant", {"KeyId": arn, "GranteePrincipal": grant["grantee"],
                                          "Operations": grant["operations"], "Constraints": constraints},
                          who=owner))
        blob = ok(server.raw("Encrypt", {"KeyId": arn, "Plaintext": "eA==",
                                         "EncryptionContext": {"app": "x"}}, who=owner))["CiphertextBlob"]
        keys[name] = (arn, blob)
    return keys


def real_call(server, case, key_arn, blob):
    """The call a case describes; its outcome: allow or deny."""
    context = case.get("encryption_context", {})
    action = case["action"][len("kms:"):]
    body = {"KeyId": key_arn}
    if action == "Encrypt":
        body.update(Plaintext=base64.b64encode(b"data").decode(), EncryptionContext=context)
    elif action == "Decrypt":
        body.update(CiphertextBlob=blob, EncryptionContext=context)
    elif action.startswith("GenerateDataKey"):
        body.update(KeySpec="AES_256", EncryptionContext=context)
    elif action == "GetKeyPolicy":
        body.update(PolicyName="default")
    elif action == "CreateGrant":
        conditions = case["conditions"]
        body.update(GranteePrincipal=conditions["kms:GranteePrincipal"],
                    Operations=conditions["kms:GrantOperations"], DryRun=True)
    via = case.get("via_service")
    response = server.raw(action, body, who=WHO[case["principal"]],
                          via_service=via if via else None)
    if response.status == 200:
        return "allow"
    kind = response.json()["__type"]
    # Authorized, then refused for what the replay sent: the ciphertext was
    # made under another context, or the grant was only a dry run.
    if kind in ("InvalidCiphertextException", "DryRunOperationException"):
        return "allow"
    # An operation other accounts may not use: the key is not found for them.
    if kind == "NotFoundException" and case["principal"].split(":")[4] != key_arn.split(":")[4]:
        return "deny"
    assert kind == "AccessDeniedException", response.body
    return "explicit-deny" if "explicit deny" in response.message else "deny"


def test_every_case_has_the_same_outcome_against_a_running_kmsd(tmp_path):
    spec = yaml.safe_load(open(EXAMPLE))
    server = Kmsd(config_path=replay_config(tmp_path, spec))
    try:
        keys = create_keys(server, spec)
        replayed = 0
        for case in spec["cases"]:
            # Only the RDS service principal is configured to call via a service.
            if case.get("via_service", "rds.us-east-1.amazonaws.com") != "rds.us-east-1.amazonaws.com":
                continue
            arn, blob = keys[case["key"]]
            outcome = real_call(server, case, arn, blob)
            expected = case["expect"]
            assert outcome == expected or (expected == "deny" and outcome == "explicit-deny"), case["name"]
            replayed += 1
        assert replayed >= 60
    finally:
        server.close()
