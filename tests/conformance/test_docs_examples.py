"""The README's and docs' examples, run literally against a fresh kmsd on
127.0.0.1:4599 (HTTPS on 4600), the way scripts/run-server.sh starts it (see
doc_examples.py for what counts as an example and how it is checked)."""

import glob
import os
import subprocess
import time

import doc_examples
from kmsd_harness import KMSD, ROOT

RDS_VOLUME = os.environ.get("RDS_VOLUME_BINARY", os.path.join(ROOT, "build", "client", "rds-volume"))
DOCUMENTS = ["README.md"] + sorted(
    os.path.relpath(path, ROOT) for path in glob.glob(os.path.join(ROOT, "docs", "*.md")))


def reader_environment(home):
    """A reader's shell: the system's tools, a home of its own (the AWS CLI's
    config and rds-volume's state go there), no AWS settings."""
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"}


def checkout_like_directory(tmp_path):
    """A working directory laid out like the repository after scripts/run-server.sh:
    config/, scripts/, policies/ and the binaries in build-release/."""
    work = tmp_path / "checkout"
    work.mkdir()
    for name in ("config", "scripts", "policies"):
        (work / name).symlink_to(os.path.join(ROOT, name))
    for program, binary in (("server/kmsd", KMSD), ("client/rds-volume", RDS_VOLUME)):
        target = work / "build-release" / program
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(binary)
    return work


def test_the_runner_catches_a_wrong_example(tmp_path):
    document = tmp_path / "wrong.md"
    document.write_text(
        "```sh\n"
        "true\n"
        "false\n"
        "true  # NotFoundException\n"
        "echo NotFoundException; false  # NotFoundException\n"
        "```\n\n"
        "```sh\n"
        "$ X=1; echo one \\\n"
        "    two $X\n"
        "one two 1\n"
        "$ echo one two\n"
        "one three\n"
        "$ echo An error occurred here; false\n"
        "An error occurred ...\n"
        "```\n\n"
        "<!-- docs-test: skip (never run) -->\n"
        "```sh\nfalse\n```\n\n"
        "```python\nraise SystemExit(2)\n```\n")
    failures = doc_examples.run(doc_examples.commands(str(document)), str(tmp_path),
                                reader_environment(str(tmp_path)))
    assert [failure.split(":")[1] for failure in failures] == ["3", "4", "12", "24"], failures


def test_every_example_in_the_readme_and_docs_works(tmp_path):
    work = checkout_like_directory(tmp_path)
    log_path = tmp_path / "kmsd.log"
    server = subprocess.Popen(
        ["build-release/server/kmsd", "--config", "config/kmsd.json", "--data-dir", "./data",
         "--tls-port", "4600", "--port-file", str(tmp_path / "port")],
        cwd=work, stdout=subprocess.DEVNULL, stderr=open(log_path, "wb"))
    try:
        deadline = time.time() + 20
        while not (tmp_path / "port").exists():
            assert server.poll() is None, "kmsd did not start: " + log_path.read_text()
            assert time.time() < deadline, "kmsd did not start within 20 s"
            time.sleep(0.05)
        assert (tmp_path / "port").read_text().strip() == "4599"
        all_commands = []
        for document in DOCUMENTS:
            all_commands += doc_examples.commands(os.path.join(ROOT, document), document)
        assert len(all_commands) > 40  # the examples were found
        failures = doc_examples.run(all_commands, str(work), reader_environment(str(tmp_path)))
        assert not failures, "\n\n".join(failures)
        assert server.poll() is None, log_path.read_text()
    finally:
        server.terminate()
        server.wait(timeout=20)
