"""The docs site: a step catalogue generated from the registry; mkdocs build --strict."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar, Literal

import pytest

from selfreflect import Conversation, Filter, Step
from selfreflect.registry import builtin_names

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


class Tidy(Filter):
    """Keep tidy conversations.

    Args:
        width: the widest line allowed, in characters;
            longer lines are untidy.
        mode: how to measure.
    """

    def __init__(
        self,
        width: int = 80,
        mode: Literal["chars", "words"] = "chars",
        limits: dict[str, int] | None = None,
    ):
        self.width = width
        self.mode = mode
        self.limits = limits

    def keep(self, conv: Conversation) -> bool:
        return True


def test_catalogue_lists_docstring_params_and_reasons():
    page = load_gen_steps().catalogue_markdown({"drop_loud": DropLoud, "merge": Merge})
    assert "## drop_loud" in page and "## merge" in page
    assert "Drop conversations that shout." in page and "A turn in capitals is shouting." in page
    assert "| `min_letters` | int | `5` |" in page
    assert "| `roles` | list of str | `[user]` |" in page  # YAML, not a Python repr
    assert "| `window` |  | *required* |" in page
    assert "| `shouting` | a turn is all \\| capitals |" in page  # pipes escaped in tables
    assert "*filter*" in page and "*stream step*" in page


def test_catalogue_gives_type_yaml_default_and_meaning_of_each_parameter():
    page = load_gen_steps().catalogue_markdown({"tidy": Tidy})
    assert (
        "| `width` | int | `80` | the widest line allowed, in characters; longer lines are "
        "untidy. |"
    ) in page
    assert "| `mode` | one of 'chars', 'words' | `chars` | how to measure. |" in page
    assert "| `limits` | mapping str -> int or null | `null` |  |" in page
    assert "Args:" not in page


def test_catalogue_defaults_to_the_built_in_steps_and_says_which_are_in_default():
    page = load_gen_steps().catalogue_markdown()
    for name in builtin_names():
        assert f"## {name}" in page
    assert "| [exact_dedup](#exact_dedup) | " in page
    assert page.count("| yes |") >= 10


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
    reason="docs extra not installed (pip install -e '.[docs]'; CI does)",
)
def test_mkdocs_build_strict(tmp_path: Path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or "mkdocs"
    done = subprocess.run(
        [mkdocs, "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    catalogue = (tmp_path / "site" / "step-catalogue" / "index.html").read_text(encoding="utf-8")
    for name in builtin_names():
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
    found = re.search(
        r"```bash\nselfreflect (stats \S+ --by persona)\n```\n\n```text\n(.*?)```", page, flags=re.S
    )
    command, shown = found.group(1).split(), found.group(2)
    assert main([command[0], str(ROOT / command[1]), *command[2:], "--quiet"]) == 0
    assert capsys.readouterr().out == shown
