"""The code base stays linted, formatted and type-checked (what CI checks on every run)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]'; CI does)")
    return found


@pytest.mark.parametrize(
    "args", [["check", "."], ["format", "--check", "."]], ids=["ruff check", "ruff format --check"]
)
def test_ruff(args):
    done = subprocess.run(
        [tool("ruff"), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


@pytest.mark.slow
def test_mypy_finds_no_issue_in_the_package():
    done = subprocess.run(
        [tool("mypy"), "selfreflect"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert "Success: no issues found" in done.stdout
