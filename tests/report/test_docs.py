"""The docs site: a step catalogue generated from the registry; mkdocs build --strict."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from selfreflect import Conversation, Filter, Step
from selfreflect.registry import available

ROOT = Path(__file__).resolve().parents[2]


def load_gen_steps():
    spec = importlib.util.spec_from_file_location("gen_steps", ROOT / "docs" / "gen_steps.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DropLoud(Filter):
    """Drop conversations that shout.

    A turn in capitals is shouting.
    """

    reasons: ClassVar[dict[str, str]] = {"shouting": "a turn is all | capitals"}

    def __init__(self, min_letters: int = 5, roles: tuple[str, ...] = ("user",)):
        self.min_letters = min_letters
        self.roles = roles

    def keep(self, conv: Conversation) -> bool:
        return True


class Merge(Step):
    """Merge single-turn records."""

    def __init__(self, window):
        self.window = window


def test_catalogue_lists_docstring_params_and_reasons():
    page = load_gen_steps().catalogue_markdown({"drop_loud": DropLoud, "merge": Merge})
    assert "## `drop_loud`" in page and "## `merge`" in page
    assert "Drop conversations that shout." in page and "A turn in capitals is shouting." in page
    assert "| `min_letters` | `5` |" in page and "| `roles` | `('user',)` |" in page
    assert "| `window` | *required* |" in page
    assert "| `shouting` | a turn is all \\| capitals |" in page  # pipes escaped in tables
    assert "*filter*" in page and "*stream step*" in page


def test_catalogue_defaults_to_every_registered_step():
    page = load_gen_steps().catalogue_markdown()
    for name in available():
        assert f"## `{name}`" in page


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None
                    or importlib.util.find_spec("mkdocstrings") is None,
                    reason="docs extra not installed (pip install -e '.[docs]'; CI does)")
def test_mkdocs_build_strict(tmp_path: Path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or "mkdocs"
    done = subprocess.run([mkdocs, "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    catalogue = (tmp_path / "site" / "step-catalogue" / "index.html").read_text(encoding="utf-8")
    for name in available():
        assert name in catalogue
    assert not list((tmp_path / "site").glob("*.py"))  # build helpers are not published


def test_stats_output_on_the_reports_page_is_what_the_command_prints(capsys):
    import re

    from selfreflect.cli import main

    page = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    command = re.search(r"```bash\nselfreflect (stats \S+)", page).group(1).split()
    shown = re.search(r"```text\n(records .*?)```", page, flags=re.S).group(1)
    assert main([*command[:1], str(ROOT / command[1])]) == 0
    assert capsys.readouterr().out == shown


def test_stats_by_persona_table_on_the_reports_page_is_what_the_command_prints(capsys):
    import re

    from selfreflect.cli import main

    page = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    found = re.search(r"```bash\nselfreflect (stats \S+ --by persona)\n```\n\n```text\n(.*?)```",
                      page, flags=re.S)
    command, shown = found.group(1).split(), found.group(2)
    assert main([command[0], str(ROOT / command[1]), *command[2:], "--quiet"]) == 0
    assert capsys.readouterr().out == shown
