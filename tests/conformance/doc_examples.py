"""Runs the examples in README.md and docs/*.md literally, as a reader would.

What counts as an example, and how it is checked:
- A fenced block tagged `sh` runs in bash; one tagged `python` runs in
  /usr/bin/python3. Blocks tagged otherwise (`json`, untagged synopses) are not
  code and are not run.
- `<!-- docs-test: skip (why) -->` on the line before a fence leaves that block
  out; the reason is required.
- A `sh` block with lines starting `$ ` is a transcript: those lines (and their
  `\\` continuation lines) are commands, the other lines the output expected
  from the command above them. Output is compared with runs of whitespace made
  one space (so docs may wrap long lines) and `...` standing for any text. A
  command must succeed unless its expected output starts with
  `An error occurred`.
- In any other `sh` block every line is a command. It must succeed, unless it
  ends with a comment naming an error (`# InvalidCiphertextException`): then it
  must fail and its output must name that error.
- Every file's blocks run in order, in one bash session shared by all files
  (README.md first, then docs/*.md by name), so a later example can use what an
  earlier one set up, as a reader's terminal would.
"""

import dataclasses
import os
import re
import subprocess

FENCE = re.compile(r"^```(\w*)\s*$")
SKIP = re.compile(r"^<!--\s*docs-test:\s*skip\s*\((.+)\)\s*-->\s*$")
EXPECTED_ERROR = re.compile(r"#.*?\b(\w+(?:Exception|Fault))\b")


@dataclasses.dataclass
class Command:
    source: str  # file:line
    text: str  # the command as bash runs it (continuation lines included)
    language: str = "sh"  # "sh" or "python"
    expected_output: list = None  # transcript lines; None: output not compared
    expected_error: str = None  # an error name the command must fail with


def blocks(path):
    """(language, first line number, lines) of every runnable fenced block in a file."""
    with open(path) as f:
        lines = f.read().split("\n")
    found, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        language, start = match.group(1), i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if end == len(lines):
            raise ValueError("%s:%d: a code block is not closed" % (path, i + 1))
        skipped = i > 0 and SKIP.match(lines[i - 1])
        if "docs-test" in (lines[i - 1] if i > 0 else "") and not skipped:
            raise ValueError("%s:%d: write a skip as <!-- docs-test: skip (why) -->" % (path, i))
        if language in ("sh", "python") and not skipped:
            found.append((language, start + 1, lines[start:end]))
        i = end + 1
    return found


def commands(path, display_name=None):
    """The commands of a file's examples, in order."""
    name = display_name or os.path.basename(path)
    result = []
    for language, first_line, lines in blocks(path):
        if language == "python":
            result.append(Command("%s:%d" % (name, first_line), "\n".join(lines), "python"))
            continue
        transcript = any(line.startswith("$ ") for line in lines)
        current = None
        continued = False
        for offset, line in enumerate(lines):
            source = "%s:%d" % (name, first_line + offset)
            if continued:
                current.text += "\n" + line
            elif transcript and line.startswith("$ "):
                current = Command(source, line[2:], expected_output=[])
                result.append(current)
            elif transcript:
                if current is None:
                    if line.strip():
                        raise ValueError("%s: output before the first command" % source)
                    continue
                current.expected_output.append(line)
            elif line.strip() and not line.lstrip().startswith("#"):
                current = Command(source, line)
                result.append(current)
            else:
                continue
            continued = line.endswith("\\")
    for command in result:
        if command.language == "sh" and command.expected_output is None:
            last_line = command.text.split("\n")[-1]
            match = EXPECTED_ERROR.search(last_line)
            if match:
                command.expected_error = match.group(1)
    return result


def output_matches(expected_lines, actual):
    """Whether the output matches the expected lines: whitespace runs compare as one
    space and `...` matches any text."""
    expected = " ".join(" ".join(expected_lines).split())
    actual = " ".join(actual.split())
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def run(all_commands, cwd, env, timeout=600):
    """Runs the commands in one bash session; returns a list of failures (strings)."""
    out_dir = os.path.join(cwd, ".doc-example-output")
    os.makedirs(out_dir, exist_ok=True)
    script = ["exec </dev/null"]
    for n, command in enumerate(all_commands):
        out = os.path.join(out_dir, str(n))
        if command.language == "python":
            body = "/usr/bin/python3 - <<'DOC_EXAMPLE_PYTHON'\n%s\nDOC_EXAMPLE_PYTHON" % command.text
        else:
            body = command.text
        # A brace group keeps variables and exports in this shell; the newline
        # before } ends a trailing comment.
        script.append("{ %s\n} >%s 2>&1; echo $? >%s.rc" % (body, out, out))
    subprocess.run(["/bin/bash", "-c", "\n".join(script)], cwd=cwd, env=env, timeout=timeout,
                   check=False)
    failures = []
    for n, command in enumerate(all_commands):
        out = os.path.join(out_dir, str(n))
        if not os.path.exists(out + ".rc"):
            failures.append("%s: did not run (the session ended before it)" % command.source)
            continue
        with open(out, errors="replace") as f:
            output = f.read()
        with open(out + ".rc") as f:
            status = int(f.read())
        problem = None
        if command.expected_output is not None:
            may_fail = " ".join(command.expected_output).lstrip().startswith("An error occurred")
            if not output_matches(command.expected_output, output):
                problem = "printed something else than the example shows:\n  expected: %s" % (
                    " ".join(" ".join(command.expected_output).split()))
            elif status != 0 and not may_fail:
                problem = "failed (exit %d)" % status
        elif command.expected_error:
            if status == 0:
                problem = "succeeded; the example says it fails with %s" % command.expected_error
            elif command.expected_error not in output:
                problem = "failed without %s" % command.expected_error
        elif status != 0:
            problem = "failed (exit %d)" % status
        if problem:
            failures.append("%s: `%s` %s\n  output: %s" % (
                command.source, command.text.split("\n")[0], problem, output.strip()[:2000]))
    return failures
