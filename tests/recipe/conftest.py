"""A registry made of the core test steps, so recipes can name them."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from selfreflect import registry  # noqa: E402

TEST_STEPS = {
    "drop_short": "core_test_steps:DropShort",
    "shout": "core_test_steps:Shout",
    "replace_phrases": "core_test_steps:ReplacePhrases",
    "keep_first_per_user": "core_test_steps:KeepFirstPerUser",
    "count_words": "core_test_steps:CountWords",
}


@pytest.fixture
def test_registry(monkeypatch):
    """The registry lists only the core test steps."""
    eps = [EntryPoint(name, value, registry.GROUP) for name, value in TEST_STEPS.items()]
    monkeypatch.setattr(
        registry, "entry_points", lambda group: eps if group == registry.GROUP else []
    )
    registry.refresh()
    yield registry
    registry.refresh()
