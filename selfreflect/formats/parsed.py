"""A JSON value as a reader found it (where it was, what it is, its text), or its bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Parsed:
    """A JSON value read from ``line`` (or element number) of a file, with its text."""

    line: int
    value: Any
    raw: str


@dataclass(slots=True)
class Unparsed:
    """The bytes of ``line`` of a JSONL file, not decoded yet."""

    line: int
    data: bytes
