"""Exact duplicate removal; the key is shared with near-duplicate removal (system prompt masked)."""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from typing import ClassVar, Literal

from selfreflect.conversation import Conversation, DedupMode
from selfreflect.dedup.keep import batched, check_keep, in_keep_order
from selfreflect.dedup.shingles import tokens
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Step

Normalize = Literal["none", "whitespace", "casefold", "tokens"]

_ROLES = {"conversation": ("user", "assistant"), "user": ("user",), "assistant": ("assistant",)}


def key_text(conv: Conversation, mode: DedupMode = "conversation",
             normalize: Normalize = "casefold", include_system: bool = False) -> str:
    """The compared text: the turns of ``mode``, role-tagged, normalised.

    ``whitespace`` collapses runs of spaces and trims; ``casefold`` also applies NFKC and drops
    case; ``tokens`` also drops punctuation (the near-duplicate tokens); ``none`` compares the
    text byte for byte. The system prompt is left out unless ``include_system``: one persona's
    prompt variants would otherwise hide duplicates.
    """
    if mode == "first_user":
        users = conv.turns("user")
        parts = [("user", users[0].text)] if users else []
    else:
        roles = _ROLES[mode]
        parts = [(m.role, m.text) for m in conv.messages if m.role in roles]
    if include_system and conv.system is not None:
        parts.insert(0, ("system", conv.system))
    out = []
    for role, text in parts:
        if normalize == "whitespace":
            text = " ".join(text.split())
        elif normalize == "casefold":
            text = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
        elif normalize == "tokens":
            text = " ".join(tokens(text))
        elif normalize != "none":
            raise ValueError(
                f"normalize must be none, whitespace, casefold or tokens, got {normalize!r}")
        out.append(f"{role}\x1f{text}")
    return "\x1e".join(out)


def exact_key(conv: Conversation, mode: DedupMode = "conversation",
              normalize: Normalize = "casefold", include_system: bool = False) -> str:
    """A 128-bit hex digest of :func:`key_text`: equal keys mean exact duplicates."""
    text = key_text(conv, mode, normalize, include_system)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class ExactDedup(Step):
    """Drop conversations whose turns (system prompt masked) equal an earlier kept one's."""

    name = "exact_dedup"
    reasons: ClassVar[dict[str, str]] = {
        "exact_duplicate": "same turns as a kept record (system prompt ignored)",
    }

    def __init__(
        self,
        mode: DedupMode = "conversation",
        normalize: Normalize = "casefold",
        keep: str = "first",
        score_key: str | None = None,
        include_system: bool = False,
    ):
        self.mode = mode
        self.normalize = normalize
        self.keep = keep
        self.score_key = score_key
        self.include_system = include_system

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        check_keep(self.keep, self.score_key)
        seen: dict[bytes, str] = {}
        if self.keep == "first":
            for conv in records:
                yield self._decide(conv, seen)
            stats.counters["index_bytes"] += _dict_bytes(seen)
            return
        buffered, order = in_keep_order(records, self.keep, self.mode, self.score_key)
        outcomes: list[Outcome | None] = [None] * len(buffered)
        for chunk in batched(order, 4096):
            for i in chunk:
                outcomes[i] = self._decide(buffered[i], seen)
        stats.counters["index_bytes"] += _dict_bytes(seen)
        for outcome in outcomes:
            assert outcome is not None
            yield outcome

    def _decide(self, conv: Conversation, seen: dict[bytes, str]) -> Outcome:
        key = bytes.fromhex(exact_key(conv, self.mode, self.normalize, self.include_system))
        kept = seen.get(key)
        if kept is None:
            seen[key] = conv.id
            return conv
        return self.reject(
            conv, "exact_duplicate", f"same {self.mode} text as {kept}",
            duplicate_of=kept, jaccard=1.0,
        )


def _dict_bytes(seen: dict[bytes, str]) -> int:
    """Bytes of the key index: the dict, its digests and the kept ids."""
    return sys.getsizeof(seen) + sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in seen.items())
