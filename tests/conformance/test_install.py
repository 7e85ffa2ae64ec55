"""`cmake --install` into a DESTDIR: the binaries, the config (private), the
policies, docs, a man page and a hardened systemd unit; the installed kmsd
runs with the installed config."""
import os
import re
import stat
import subprocess
import tempfile

import pytest

from kmsd_harness import KMSD, Kmsd

BUILD_DIR = os.path.dirname(os.path.dirname(os.path.abspath(KMSD)))


@pytest.fixture(scope="module")
def installed():
    root = tempfile.mkdtemp(prefix="kmsd-install-")
    subprocess.run(["cmake", "--build", BUILD_DIR, "--target", "kmsd_man_page"], check=True,
                   capture_output=True)
    subprocess.run(["cmake", "--install", BUILD_DIR], check=True, capture_output=True,
                   env=dict(os.environ, DESTDIR=root))
    cache = open(os.path.join(BUILD_DIR, "CMakeCache.txt")).read()
    prefix = re.search(r"^CMAKE_INSTALL_PREFIX:PATH=(.*)$", cache, re.M).group(1)
    return root, prefix


def test_everything_lands_in_its_place(installed):
    root, prefix = installed
    at = lambda path: os.path.join(root, path.lstrip("/"))  # noqa: E731
    for binary in ("kmsd", "rds-volume"):
        assert os.access(at(prefix + "/bin/" + binary), os.X_OK)
    for config in ("kmsd.json", "rds-volume.json"):
        mode = stat.S_IMODE(os.stat(at(prefix + "/etc/kmsd/" + config)).st_mode)
        assert mode == 0o600, oct(mode)  # they hold secret keys
    assert os.path.exists(at(prefix + "/share/kmsd/policies/default-key-policy.json"))
    assert os.path.exists(at(prefix + "/share/doc/kmsd/README.md"))
    man = open(at(prefix + "/share/man/man8/kmsd.8")).read()
    assert man.startswith(".TH KMSD 8") and "\\-\\-tls\\-port" not in man and "--tls-port" in man

    unit = open(at(prefix + "/lib/systemd/system/kmsd.service")).read()
    assert "ExecStart=%s/bin/kmsd --config ${CREDENTIALS_DIRECTORY}/kmsd.json" % prefix in unit
    assert "LoadCredential=kmsd.json:%s/etc/kmsd/kmsd.json" % prefix in unit
    for directive in ("DynamicUser=yes", "StateDirectory=kmsd", "ProtectSystem=strict",
                      "NoNewPrivileges=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n"):
        assert directive in unit, directive
    # systemd's own judgement of the sandbox (0 is the best, 10 the worst).
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                               at(prefix + "/lib/systemd/system/kmsd.service")],
                              capture_output=True, text=True)
    exposure = float(re.search(r"Overall exposure level for kmsd.service: ([0-9.]+)",
                               security.stdout).group(1))
    assert exposure <= 2.0, security.stdout[-2000:]


def test_the_installed_kmsd_runs_with_the_installed_config(installed):
    root, prefix = installed
    binary = os.path.join(root, prefix.lstrip("/"), "bin", "kmsd")
    config = os.path.join(root, prefix.lstrip("/"), "etc", "kmsd", "kmsd.json")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("kmsd 0.")
    check = subprocess.run([binary, "config", "check", config], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.startswith(config + ": OK")

    import kmsd_harness  # the harness runs $KMSD: point it at the installed binary
    saved = kmsd_harness.KMSD
    kmsd_harness.KMSD = binary
    try:
        server = Kmsd(config)
        try:
            kms = server.client()
            key_id = kms.create_key()["KeyMetadata"]["KeyId"]
            blob = kms.encrypt(KeyId=key_id, Plaintext=b"installed")["CiphertextBlob"]
            assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"installed"
        finally:
            server.close()
    finally:
        kmsd_harness.KMSD = saved
