"""Killing a run (kill -9) leaves no worker processes behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

RUN = """
    import sys, time
    sys.path.insert(0, {tests!r})
    from core_test_steps import RecordPid, make
    from selfreflect import Pipeline

    def forever():
        i = 0
        while True:
            i += 1
            yield make(i, "an answer")

    if __name__ == "__main__":
        stream = Pipeline([RecordPid()]).stream(forever(), lambda r: None, workers=2, chunk_size=4)
        pids = set()
        for conv in stream:
            pids.add(conv.metadata["pid"])
            if len(pids) == 2 or conv.id == "400":
                break
        print(" ".join(map(str, sorted(pids))), flush=True)
        time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def test_workers_exit_when_the_run_is_killed(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(RUN.format(tests=str(TESTS))))
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as proc:
        try:
            pids = [int(p) for p in proc.stdout.readline().split()]
            assert pids and all(alive(p) for p in pids)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in pids)
