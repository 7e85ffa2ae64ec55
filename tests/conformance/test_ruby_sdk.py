"""A fourth real client: the AWS SDK for Ruby (Debian's ruby-aws-sdk-kms),
running the common flow in ruby/common_flow.rb against kmsd."""
import os
import subprocess

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ruby")


def test_ruby_sdk_against_kmsd(kmsd):
    key, secret = kmsd.identities["alice"]
    env = dict(os.environ, KMSD_ENDPOINT=kmsd.endpoint, ALICE_KEY=key, ALICE_SECRET=secret)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS", "AWS_PROFILE"):
        env.pop(name, None)
    proc = subprocess.run(["ruby", os.path.join(HERE, "common_flow.rb")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "7 checks passed"
