"""Runs the shell examples of the README and the docs against a live server, so they cannot drift.

Run by .ci/doc-examples:

    python run_examples.py BASE_URL WORKDIR FILE...

The server runs on the demo world with its database at WORKDIR/rolehub.db; the examples run in
WORKDIR with the built `rolehub` on the PATH and `127.0.0.1:8080` replaced by the server's
address. Each file's ```sh blocks run in order, in one shell whose variables carry over (an
example that sets TOKEN serves the next); the tokens the docs name (TOKEN, READ_TOKEN,
READONLY_TOKEN, PARTNER_TOKEN) are set up first.

An example passes when it exits 0 and, where the docs show its answer right after it, the answer
agrees: the status line of an ```http block, and an error body (`"message"`) exactly where the docs
show one. Blocks that start the server or the whole test suite, and blocks the docs mark with
`<!-- example: not run (why) -->` on the line before, are skipped.
"""

import json
import os
import re
import subprocess
import sys

SKIP_MARK = "<!-- example: not run"
SKIP_WORDS = ("cargo run", "bash .ci/run", "cargo install")
STARTS_SERVER = re.compile(r"\bserve\b")


def blocks(path):
    """(line, code, skip, shown answer kind, shown answer) for each ```sh block."""
    text = open(path, encoding="utf-8").read()
    out = []
    for m in re.finditer(r"```sh\n(.*?)```", text, re.S):
        code = m.group(1)
        before = text[: m.start()].rstrip()
        last_line = before.splitlines()[-1] if before else ""
        skip = (last_line.startswith(SKIP_MARK) or any(w in code for w in SKIP_WORDS)
                or STARTS_SERVER.search(code) is not None)
        after = text[m.end():].lstrip("\n")
        shown = re.match(r"```(http|json)\n(.*?)```", after, re.S)
        out.append((text[: m.start()].count("\n") + 1, code, skip,
                    shown.group(1) if shown else None, shown.group(2) if shown else None))
    return out


def agrees(kind, shown, output):
    """Whether an example's output agrees with the answer the docs show for it."""
    if kind == "http":
        want = re.match(r"HTTP/1\.1 (\d{3})", shown)
        got = re.search(r"^HTTP/1\.1 (\d{3})", output, re.M)
        if want and got and want.group(1) != got.group(1):
            return f"the docs show status {want.group(1)}, the server answered {got.group(1)}"
    if kind == "json":
        body = output.strip()
        if not body.startswith(("{", "[")):
            return None
        try:
            value = json.loads(body)
        except ValueError:
            return None
        shown_error = shown.lstrip().startswith('{"message"')
        got_error = isinstance(value, dict) and "message" in value and "errors" in value
        if shown_error != got_error:
            return f"the docs show {'an error' if shown_error else 'a result'}, the server answered {body[:300]}"
    return None


def main(base, workdir, files):
    state = os.path.join(workdir, "examples.env")
    failures = 0
    ran = 0
    for path in files:
        with open(state, "w") as f:
            f.write("")
        for line, code, skip, kind, shown in blocks(path):
            where = f"{os.path.basename(path)}:{line}"
            if skip:
                print(f"skip {where}")
                continue
            code = code.replace("http://127.0.0.1:8080", base)
            # Every variable an example sets is exported, so that the next example has it.
            script = (
                f"set -a; . {state}\n"
                "set -eo pipefail\n"
                f"{code}\n"
                f"export -p > {state}.new\n"
            )
            run = subprocess.run(["bash", "-c", script], cwd=workdir, capture_output=True, text=True, timeout=120)
            ran += 1
            problem = None
            if run.returncode != 0:
                problem = f"exit {run.returncode}: {run.stderr.strip()[:500]}"
            elif kind:
                problem = agrees(kind, shown, run.stdout)
            if problem:
                failures += 1
                print(f"FAIL {where}\n  {code.strip()[:300]}\n  {problem}")
            else:
                print(f"ok   {where}")
                if os.path.exists(state + ".new"):
                    os.replace(state + ".new", state)
    print(f"{ran - failures} examples passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
