"""docs/write-a-filter.md: the filter it tells you to save is the one shipped, and its recipe loads.

Every block of the page also runs as a standalone file in tests/docs/test_code_blocks.py.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from selfreflect import Pipeline, registry
from selfreflect.recipe import loads

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "write-a-filter.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", PAGE.read_text(), flags=re.S | re.M)


@pytest.fixture
def my_filters(monkeypatch):
    """``examples/my_filters.py``, importable as the page's later blocks import it."""
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    monkeypatch.delitem(sys.modules, "my_filters", raising=False)
    import my_filters

    return my_filters


def test_first_example_is_about_ten_lines():
    lines = [line for line in blocks("python")[0].splitlines() if line.strip()]
    assert len(lines) <= 14


def test_the_file_the_page_says_to_save_is_the_one_shipped():
    assert blocks("python")[0] == (ROOT / "examples" / "my_filters.py").read_text()


def test_later_blocks_import_the_saved_file():
    later = blocks("python")[1:]
    assert later and all("from my_filters import DropShortAnswers" in b for b in later)


def test_recipe_on_the_page_loads_the_page_filter_once_registered(my_filters, monkeypatch):
    ep = EntryPoint("drop_short_answers", "my_filters:DropShortAnswers", registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [ep])
    registry.refresh()
    try:
        (recipe,) = blocks("yaml")
        pipeline = loads(recipe).pipeline
        assert pipeline == Pipeline([my_filters.DropShortAnswers(min_chars=40)])
    finally:
        registry.refresh()
