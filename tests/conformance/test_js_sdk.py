"""Real JavaScript clients: the AWS SDK for JavaScript v3 (@aws-sdk/client-kms)
and the AWS Encryption SDK for JavaScript (@aws-crypto/client-node), pinned in
js/package-lock.json and installed with npm into a scratch folder."""

import os
import shutil
import subprocess
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
CACHE = os.environ.get("KMSD_JS_CACHE", os.path.join(tempfile.gettempdir(), "kmsd-js-sdk"))


def install():
    """npm ci once per lockfile into CACHE; returns the folder to run in."""
    os.makedirs(CACHE, exist_ok=True)
    lock = open(os.path.join(HERE, "package-lock.json")).read()
    stamp = os.path.join(CACHE, "installed.lock")
    for name in ("package.json", "package-lock.json", "kms_sdk_test.mjs", "esdk_test.mjs"):
        shutil.copy(os.path.join(HERE, name), CACHE)
    if not (os.path.exists(stamp) and open(stamp).read() == lock):
        proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CACHE,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, "npm ci failed:\n" + proc.stdout + proc.stderr
        open(stamp, "w").write(lock)
    return CACHE


def test_js_sdk_v3_against_kmsd(kmsd):
    folder = install()
    env = dict(os.environ, KMSD_ENDPOINT=kmsd.endpoint)
    for who in ("alice", "bob"):
        key, secret = kmsd.identities[who]
        env[who.upper() + "_KEY"], env[who.upper() + "_SECRET"] = key, secret
    proc = subprocess.run(["node", "kms_sdk_test.mjs"], cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "6 checks passed" in proc.stdout


def test_encryption_sdk_keyrings_against_kmsd(kmsd):
    folder = install()
    key, secret = kmsd.identities["alice"]
    env = dict(os.environ, KMSD_ENDPOINT=kmsd.endpoint, ALICE_KEY=key, ALICE_SECRET=secret)
    proc = subprocess.run(["node", "esdk_test.mjs"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "5 checks passed"
