"""The README's Python example runs as printed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    shutil.copytree(ROOT / "examples" / "data", tmp_path / "examples" / "data")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    kept = (tmp_path / "kept.jsonl").read_text(encoding="utf-8")
    table = capsys.readouterr().out
    assert "stays_in_character" in table and "breaks_character" in table
    assert "As an AI" not in kept and kept.count("\n") > 100


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1)
    assert "selfreflect clean examples/data/*.jsonl -o out.jsonl" in block
    assert "python -m pytest" in block
    assert list((ROOT / "examples" / "data").glob("*.jsonl"))
