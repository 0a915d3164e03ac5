"""The code on docs/write-a-filter.md runs as written and prints what the page says."""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from selfreflect import Pipeline, registry
from selfreflect.recipe import loads

PAGE = Path(__file__).resolve().parents[2] / "docs" / "write-a-filter.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", PAGE.read_text(), flags=re.S | re.M)


@pytest.fixture
def page_module(monkeypatch):
    """Run the page's python blocks in order in one module, as a notebook would."""
    module = types.ModuleType("write_a_filter_page")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks("python"):
            exec(compile(block, str(PAGE), "exec"), module.__dict__)
    module.printed = out.getvalue()
    return module


def test_first_example_is_about_ten_lines():
    lines = [line for line in blocks("python")[0].splitlines() if line.strip()]
    assert len(lines) <= 14


def test_python_examples_print_what_the_comments_say(page_module):
    expected = [e for block in blocks("python")
                for e in re.findall(r"print\(.*\)\s+# (.*)$", block, flags=re.M)]
    assert len(expected) >= 3
    for line in expected:
        assert line in page_module.printed, f"page says {line!r}; code printed:\n" \
                                            f"{page_module.printed}"
    assert "drop_short_answers" in page_module.printed  # the report table


def test_recipe_on_the_page_loads_the_page_filter_once_registered(page_module, monkeypatch):
    ep = EntryPoint("drop_short_answers", "write_a_filter_page:DropShortAnswers", registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [ep])
    registry.refresh()
    try:
        (recipe,) = blocks("yaml")
        pipeline = loads(recipe).pipeline
        assert pipeline == Pipeline([page_module.DropShortAnswers(min_chars=40)])
    finally:
        registry.refresh()
