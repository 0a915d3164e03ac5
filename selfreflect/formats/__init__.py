"""Readers and writers for chat datasets: OpenAI messages, ShareGPT, Alpaca.

``read(path)`` yields, for every line (or array element) of a file, either a
:class:`~selfreflect.conversation.Conversation` or a :class:`~selfreflect.steps.Reject`
from the ``read`` step naming the file and line. One bad line is one reject, never a dead run.
"""

from selfreflect.formats.jsonl import read, write_jsonl

__all__ = ["read", "write_jsonl"]
