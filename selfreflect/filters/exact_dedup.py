"""Drop exact duplicates by a hash of the normalised text (the first occurrence is kept)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator

import regex

from selfreflect.conversation import Conversation, DedupMode
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Step

_SPACE = regex.compile(r"\s+")
_PUNCT = regex.compile(r"[\p{P}\p{S}]+")


def normalise(text: str, ignore_punctuation: bool = False) -> str:
    """NFKC, case-folded, whitespace collapsed; optionally without punctuation and symbols."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if ignore_punctuation:
        text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


class DropExactDuplicates(Step):
    """Drop records whose normalised text was already seen; ``duplicate_of`` names the kept one.

    ``mode`` picks the text (see ``Conversation.dedup_text``): the whole conversation without
    the system prompt by default, so one persona's prompt variants do not hide duplicates.
    Memory: one 16-byte digest and the kept id per distinct record.
    """

    reasons = {"exact_duplicate": "same normalised text as an earlier record (see duplicate_of)"}

    def __init__(
        self,
        mode: DedupMode = "conversation",
        include_system: bool = False,
        ignore_punctuation: bool = False,
    ):
        self.mode = mode
        self.include_system = include_system
        self.ignore_punctuation = ignore_punctuation

    def key(self, conv: Conversation) -> bytes:
        """The digest two records share when they are duplicates."""
        text = conv.dedup_text(self.mode)
        if self.include_system:
            text = f"{conv.system or ''}\x00{text}"
        return hashlib.blake2b(
            normalise(text, self.ignore_punctuation).encode(), digest_size=16
        ).digest()

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        seen: dict[bytes, str] = {}
        for conv in records:
            digest = self.key(conv)
            first = seen.get(digest)
            if first is None:
                seen[digest] = conv.id
                yield conv
            else:
                yield self.reject(
                    conv, "exact_duplicate", f"same text as record {first}", duplicate_of=first
                )
        stats.counters["distinct"] += len(seen)
