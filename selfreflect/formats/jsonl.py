"""Compatibility module: ``read`` and ``write_jsonl`` now live in the formats package."""

from selfreflect.formats.reader import read
from selfreflect.formats.writers import write_jsonl

__all__ = ["read", "write_jsonl"]
