"""Shared fixtures. The ``fake_llm`` part belongs to the llm area (tests/fakellm.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# -- llm: a loopback OpenAI-compatible server; tests import helpers with `from fakellm import ...`
sys.path.insert(0, str(Path(__file__).parent))
from fakellm import FakeLLM  # noqa: E402


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A started FakeLLM with nothing scripted (script it, or set ``.handler``)."""
    with FakeLLM() as server:
        yield server
