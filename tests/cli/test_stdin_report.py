"""A run over standard input: nothing read twice, the report says the input was a stream."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_clean_from_stdin_reports_the_stream_without_reading_it_again(tmp_path):
    data = (ROOT / "examples" / "data" / "roleplay_openai.jsonl").read_bytes()
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "selfreflect.cli",
            "clean",
            "-",
            "-o",
            str(tmp_path / "out.jsonl"),
            "--report",
            str(report),
        ],
        input=data,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    rep = json.loads(report.read_text())
    assert rep["input"] == data.count(b"\n") and rep["kept"] > 0
    assert rep["provenance"]["inputs"] == [{"path": "-", "bytes": None, "sha256": None}]
