"""Progress: a bar with percentage, rate and ETA on a terminal (tested through a real pty), a
log line every 30 s otherwise, nothing with --quiet."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from selfreflect import Conversation
from selfreflect.progress import Progress, line_count


def write_records(path: Path, n: int) -> Path:
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"r{i}",
                    "messages": [
                        {"role": "user", "content": f"Question number {i} about the weather?"},
                        {
                            "role": "assistant",
                            "content": f"Answer {i}: it is sunny and warm today.",
                        },
                    ],
                }
            )
            + "\n"
            for i in range(n)
        ),
        encoding="utf-8",
    )
    return path


def run_in_pty(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run the CLI with stderr (and stdout) on a pseudo-terminal; return (exit code, output)."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 120 columns
    env = {**os.environ, "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "selfreflect.cli", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=child,
        env=env,
    )
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_a_terminal_gets_a_bar_with_percentage_rate_and_eta(tmp_path: Path):
    data = write_records(tmp_path / "in.jsonl", 20_000)
    recipe = tmp_path / "r.yaml"
    recipe.write_text("steps:\n  - step: drop_empty_turns\n  - step: drop_ai_self_reference\n")
    code, shown = run_in_pty(
        ["clean", str(data), "-o", str(tmp_path / "out.jsonl"), "--recipe", str(recipe)], tmp_path
    )
    assert code == 0, shown[-2000:]
    assert "100%|" in shown  # the bar reaches the end of the input
    assert "records," in shown and "/s" in shown  # records and their rate
    assert "<" in shown and "kept" in shown  # elapsed<remaining (the ETA), and counts
    code, shown = run_in_pty(
        ["clean", str(data), "-o", str(tmp_path / "out.jsonl"), "--recipe", str(recipe), "--quiet"],
        tmp_path,
    )
    assert code == 0 and "%|" not in shown and "records/s" not in shown


class Clock:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def convs(path: Path, n: int) -> list[Conversation]:
    return [
        Conversation.model_validate(
            {
                "id": f"r{i}",
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a"},
                ],
            }
        ).at(str(path), i + 1)
        for i in range(n)
    ]


def test_a_log_gets_one_line_every_30_seconds(tmp_path: Path):
    data = write_records(tmp_path / "in.jsonl", 640)
    log = io.StringIO()
    read = [0]
    progress = Progress(
        [str(data)], stream=log, tty=False, clock=lambda: 0.1 * read[0]
    )  # 10 records a second

    def counted(records):
        for record in records:
            read[0] += 1
            yield record

    seen = list(progress.output(progress.input(counted(convs(data, 640)))))
    assert len(seen) == 640
    lines = log.getvalue().splitlines()
    # 64 seconds of reading: a line at 30 s (record 320) and one at 60 s (record 640)
    assert len(lines) == 2, lines
    assert lines[0].startswith("selfreflect: 320 records read (50% of input), 10 records/s")
    assert lines[0].startswith("selfreflect: ") and "records read" in lines[0]
    assert "% of input" in lines[0] and "records/s" in lines[0]
    assert "kept" in lines[0] and "rejected" in lines[0]
    quiet = io.StringIO()
    progress = Progress([str(data)], stream=quiet, tty=False, quiet=True, clock=Clock(100.0))
    assert len(list(progress.input(convs(data, 640)))) == 640 and quiet.getvalue() == ""


def test_position_is_bytes_of_finished_files_plus_the_line_share_of_this_one(tmp_path: Path):
    a = write_records(tmp_path / "a.jsonl", 10)
    b = write_records(tmp_path / "b.jsonl", 20)
    progress = Progress([str(a), str(b)], tty=False)
    progress._measure()
    assert progress.total == a.stat().st_size + b.stat().st_size
    assert line_count(a) == 10
    assert progress.position(str(a), 5) == a.stat().st_size * 5 // 10
    assert progress.position(str(b), 10) == a.stat().st_size + b.stat().st_size // 2
    gz = tmp_path / "c.jsonl.gz"
    import gzip

    gz.write_bytes(gzip.compress(a.read_bytes()))
    assert line_count(gz) is None  # no positions inside a gzip file: counted when it ends
