"""A conversation as one JSON text in a Ray Data row (its source file and line included)."""

from __future__ import annotations

import json

from selfreflect.conversation import Conversation

_SOURCE, _LINE = "\x00source", "\x00line"


def encode(conv: Conversation) -> str:
    """A conversation as the JSON text carried in the ``conv`` column (provenance included)."""
    data = conv.model_dump(mode="json")
    data[_SOURCE], data[_LINE] = conv.source, conv.line
    return json.dumps(data, ensure_ascii=False)


def decode(text: str) -> Conversation:
    """The conversation back from the ``conv`` column."""
    data = json.loads(text)
    source, line = data.pop(_SOURCE, None), data.pop(_LINE, None)
    return Conversation.model_validate(data).at(source, line)
