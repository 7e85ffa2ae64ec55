"""A fifth real client: the AWS SDK for Go v2 (Debian's
golang-github-aws-aws-sdk-go-v2-dev, built in GOPATH mode), running the common
flow in go/common_flow.go against kmsd."""
import os
import subprocess
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "go")


def test_go_sdk_v2_against_kmsd(kmsd, tmp_path):
    binary = str(tmp_path / "common_flow")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
               GOCACHE=os.path.join(tempfile.gettempdir(), "kmsd-go-cache"))
    built = subprocess.run(["go", "build", "-o", binary, os.path.join(HERE, "common_flow.go")],
                           env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    key, secret = kmsd.identities["alice"]
    run_env = dict(os.environ, KMSD_ENDPOINT=kmsd.endpoint, ALICE_KEY=key, ALICE_SECRET=secret)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS", "AWS_PROFILE"):
        run_env.pop(name, None)
    proc = subprocess.run([binary], env=run_env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "11 checks passed"
