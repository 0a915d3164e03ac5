"""workers=N from a plain script: works under the __main__ guard, one clear hint without it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = """
from selfreflect import Conversation, Pipeline
from selfreflect.filters import DropEmptyTurns

def run():
    records = [Conversation(id=str(i), messages=[
        {"role": "user", "content": "hi there"},
        {"role": "assistant", "content": "hello friend" if i % 3 else ""}]) for i in range(600)]
    print("kept", len(Pipeline([DropEmptyTurns()]).run(records, workers=2).kept))
"""


def run_script(tmp_path, body: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "clean.py"
    path.write_text(textwrap.dedent(SCRIPT) + textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=180
    )


def test_a_script_with_the_guard_runs_with_two_workers(tmp_path):
    done = run_script(tmp_path, 'if __name__ == "__main__":\n    run()\n')
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["kept", "400"]


def test_a_script_without_the_guard_gets_one_hint_naming_it(tmp_path):
    done = run_script(tmp_path, "run()\n")
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("selfreflect.pool.WorkersFailed: ")
    assert 'if __name__ == "__main__":' in last
    assert "BrokenProcessPool" not in done.stderr and "bootstrapping phase" not in done.stderr
