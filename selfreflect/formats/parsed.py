"""A JSON value as a reader found it: where it was, what it is, and its text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Parsed:
    """A JSON value read from ``line`` (or element number) of a file, with its text."""

    line: int
    value: Any
    raw: str
