"""Tell a file's format (openai, sharegpt, alpaca) from its first records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from selfreflect.formats import alpaca, openai, sharegpt

#: Format name -> module with ``matches(obj)`` and ``to_conversation(obj, source, line)``.
#: The order breaks ties in detection.
FORMATS: dict[str, ModuleType] = {m.NAME: m for m in (openai, sharegpt, alpaca)}

#: How many JSON objects at the start of a file are looked at to detect its format.
DETECT_RECORDS = 32

EXPECTED = "'messages' (openai), 'conversations' (sharegpt) or 'instruction' and 'output' (alpaca)"


class UnknownFormatError(ValueError):
    """A format name that selfreflect does not read."""


def get_format(name: str) -> ModuleType:
    """The reader module of a format name; UnknownFormatError lists the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormatError(
            f"unknown format {name!r}; known formats: {', '.join(FORMATS)}"
        ) from None


def format_of(obj: Any) -> str | None:
    """The first format whose shape the object has, or None."""
    if not isinstance(obj, dict):
        return None
    for name, module in FORMATS.items():
        if module.matches(obj):
            return name
    return None


def detect(objects: Iterable[Any]) -> str | None:
    """The format most of the objects have (ties go to the earlier format), or None."""
    votes = Counter(f for f in map(format_of, objects) if f is not None)
    if not votes:
        return None
    order = list(FORMATS)
    return max(votes, key=lambda f: (votes[f], -order.index(f)))
