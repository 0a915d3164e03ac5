"""Put conversation text into a prompt so that no message can break the prompt's structure.

Two ways: each message as a JSON-encoded string inside a JSON array (the default; quotes,
brackets and newlines are escaped, so nothing a message says can close its slot), or the seed's
labelled blocks fenced by a nonce that occurs in no message (for the compatibility prompt).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from selfreflect.conversation import Message


def render_json(messages: Sequence[Message]) -> str:
    """The messages as a JSON array of ``{"turn", "role", "content"}``, one element per line."""
    lines = [
        json.dumps({"turn": i, "role": m.role, "content": m.content}, ensure_ascii=False)
        for i, m in enumerate(messages)
    ]
    return "[\n" + ",\n".join(lines) + "\n]"


def make_nonce(texts: Sequence[str], length: int = 12) -> str:
    """A hex nonce derived from ``texts`` (stable, so prompts cache) that occurs in none of them."""
    salt = 0
    while True:
        digest = hashlib.sha256(f"{salt}\x00".encode() + "\x00".join(texts).encode()).hexdigest()
        nonce = digest[:length]
        if not any(nonce in t for t in texts):
            return nonce
        salt += 1


def render_fenced(blocks: Sequence[tuple[str, str]], nonce: str) -> str:
    """``LABEL:`` then the text between ``<<<nonce`` and ``nonce>>>`` lines, for each block."""
    return "\n".join(f"{label}:\n<<<{nonce}\n{text}\n{nonce}>>>" for label, text in blocks)
