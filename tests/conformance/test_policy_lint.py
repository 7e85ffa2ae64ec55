"""`kmsd policy lint`: each mistake of the fixture found with its line, column
and fix; quiet on AWS's default key policy, the AWS managed keys' policies and
kmsd's example; a file that is no key policy refused."""

import os
import subprocess

import pytest

from kmsd_harness import CONFIG, KMSD, ROOT

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "policy_lint")


def lint(path, *args):
    return subprocess.run([KMSD, "policy", "lint", path, "--config", CONFIG, *args],
                          capture_output=True, text=True, timeout=60)


def instantiated(tmp_path, name, account="111122223333"):
    text = open(os.path.join(ROOT, "policies", name)).read()
    path = tmp_path / name
    path.write_text(text.replace("${account}", account).replace("${region}", "us-east-1"))
    return str(path)


def test_each_mistake_is_found_where_it_is():
    path = os.path.join(FIXTURES, "mistakes.json")
    run = lint(path)
    assert run.returncode == 1, run.stdout + run.stderr
    found = [line.split(": ", 2)[:2] for line in run.stdout.splitlines()]
    assert found == [
        [path + ":8:35", "unknown-action"],
        [path + ":8:55", "unknown-action"],
        [path + ":14:20", "public-principal"],
        [path + ":25:78", "via-service"],
        [path + ":25:49", "set-operator"],
        [path + ":35:68", "vacuous-for-all-values"],
        [path + ":36:86", "unknown-condition-key"],
        [path + ":3:16", "lockout"],
    ]
    text = run.stdout
    assert "'kms:DescribeKeys' matches no KMS action" in text
    assert "kms:ViaService is rds.<region>.amazonaws.com" in text
    assert "write ForAnyValue:StringEquals (one value must match) or ForAllValues:StringEquals" in text
    assert 'add "Null": {"kms:EncryptionContextKeys": "false"} to the condition' in text
    assert "'kms:CallerAcount' is not a condition key of KMS" in text
    assert "allow kms:* (or at least kms:PutKeyPolicy) to arn:aws:iam::111122223333:root" in text


@pytest.mark.parametrize("name", ["default-key-policy.json", "aws-managed-rds.json",
                                  "aws-managed-ebs.json"])
def test_quiet_on_aws_policies(tmp_path, name):
    path = instantiated(tmp_path, name)
    run = lint(path)
    assert (run.returncode, run.stdout) == (0, path + ": no findings\n"), run.stderr


def test_quiet_on_the_example_and_the_account_matters(tmp_path):
    example = os.path.join(ROOT, "policies", "examples", "decrypt-only-via-rds.json")
    assert lint(example).returncode == 0
    # The default policy of 111122223333 locks out another account's root.
    run = lint(instantiated(tmp_path, "default-key-policy.json"), "--account", "444455556666")
    assert run.returncode == 1 and ": lockout: the root user of 444455556666" in run.stdout


@pytest.mark.parametrize("text, message", [
    ("{not json", "policy.json: "),
    ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", '
     '"Resource": "*"}]}', "Policy contains a statement with no principal."),
])
def test_a_file_that_is_no_key_policy_is_refused(tmp_path, text, message):
    path = tmp_path / "policy.json"
    path.write_text(text)
    run = lint(str(path))
    assert run.returncode == 2 and run.stdout == "" and message in run.stderr, run.stderr
