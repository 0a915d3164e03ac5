"""SIGTERM and Ctrl-C during ``clean``: one line, the exit code, no temporary file left."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

RECORD = {
    "messages": [
        {"role": "user", "content": "a question?"},
        {"role": "assistant", "content": "an answer."},
    ]
}


@pytest.mark.parametrize(
    ("signame", "code", "word"), [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")]
)
def test_a_signal_while_clean_streams_from_stdin_leaves_nothing_behind(
    tmp_path, signame, code, word
):
    out = tmp_path / "out"
    out.mkdir()
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "selfreflect.cli",
            "clean",
            "-",
            "-o",
            str(out / "o.jsonl"),
            "--rejects",
            str(out / "r.jsonl"),
            "--report",
            str(out / "rep.json"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            for i in range(200):  # the input stays open: clean is mid-stream at the signal
                proc.stdin.write(json.dumps({"id": str(i), **RECORD}) + "\n")
            proc.stdin.flush()
            deadline = time.monotonic() + 30
            while not any(out.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.05)  # the temporary output files exist: the run has started
            time.sleep(0.5)
            proc.send_signal(getattr(signal, signame))
            proc.wait(timeout=30)  # standard input still open: only the signal ends the run
            err = proc.stderr.read()
        finally:
            proc.kill()
    assert proc.returncode == code, err
    assert err.strip() == f"selfreflect: {word}; no output file was left half-written"
    assert list(out.iterdir()) == []
