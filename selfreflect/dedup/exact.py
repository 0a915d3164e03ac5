"""Exact duplicate removal; the key is shared with near-duplicate removal (system prompt masked)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import ClassVar, Literal

import numpy as np

from selfreflect.conversation import Conversation, DedupMode
from selfreflect.dedup.keep import Keep, batched, check_keep, in_keep_order
from selfreflect.dedup.shingles import tokens
from selfreflect.dedup.store import IdStore, KeyIndex
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Reject, Step

Normalize = Literal["none", "whitespace", "casefold", "tokens"]

_BATCH = 1024
_ROLES = {"conversation": ("user", "assistant"), "user": ("user",), "assistant": ("assistant",)}


def key_text(
    conv: Conversation,
    mode: DedupMode = "conversation",
    normalize: Normalize = "casefold",
    include_system: bool = False,
) -> str:
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
                f"normalize must be none, whitespace, casefold or tokens, got {normalize!r}"
            )
        out.append(f"{role}\x1f{text}")
    return "\x1e".join(out)


def exact_key(
    conv: Conversation,
    mode: DedupMode = "conversation",
    normalize: Normalize = "casefold",
    include_system: bool = False,
) -> str:
    """A 128-bit hex digest of :func:`key_text`: equal keys mean exact duplicates."""
    text = key_text(conv, mode, normalize, include_system)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class ExactDedup(Step):
    """Drop conversations whose turns (system prompt masked) equal an earlier kept one's.

    Args:
        mode: which text is compared: conversation (user and assistant turns), user, assistant
            or first_user (the opening question only).
        normalize: how texts are made comparable: none, whitespace (runs of spaces collapsed),
            casefold (also Unicode NFKC and case folded) or tokens (words only, punctuation
            and spacing ignored).
        keep: which record of a group is kept: first (streaming), longest or score (both read
            the whole input first).
        score_key: with keep=score, the metadata field holding the score (higher is kept).
        include_system: also compare the system prompt (by default a persona card repeated
            on every record does not make records differ).
    """

    name = "exact_dedup"
    reasons: ClassVar[dict[str, str]] = {
        "exact_duplicate": "same turns as a kept record (system prompt ignored)",
    }

    def __init__(
        self,
        mode: DedupMode = "conversation",
        normalize: Normalize = "casefold",
        keep: Keep = "first",
        score_key: str | None = None,
        include_system: bool = False,
    ):
        self.mode = mode
        self.normalize = normalize
        self.keep = keep
        self.score_key = score_key
        self.include_system = include_system

    # -- the banding protocol (selfreflect.dedup.banding): one "band", the digest's first 8 bytes
    @property
    def distributable(self) -> bool:
        """Keep-first runs as keys + checks; keeping by score needs the whole stream."""
        return self.keep == "first"

    def _digest(self, conv: Conversation) -> bytes:
        return bytes.fromhex(exact_key(conv, self.mode, self.normalize, self.include_system))

    def band_keys(self, convs: Sequence[Conversation]) -> tuple[np.ndarray, np.ndarray]:
        """One key per record: the first 8 bytes of its digest."""
        keys = [int.from_bytes(self._digest(c)[:8], "little") for c in convs]
        return np.array(keys, dtype=np.uint64).reshape(-1, 1), np.ones(len(convs), dtype=bool)

    def verify_pairs(
        self, convs: Mapping[int, Conversation], pairs: Sequence[tuple[int, int]]
    ) -> list[float | None]:
        """1.0 for a pair whose whole digests are equal, else None."""
        digest = {o: self._digest(c) for o, c in convs.items()}
        return [1.0 if digest[a] == digest[b] else None for a, b in pairs]

    def duplicate_reject(self, conv: Conversation, kept_id: str, score: float) -> Reject:
        """The exact_duplicate reject this step gives when it runs locally."""
        return self.reject(
            conv,
            "exact_duplicate",
            f"same {self.mode} text as {kept_id}",
            duplicate_of=kept_id,
            jaccard=1.0,
        )

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        check_keep(self.keep, self.score_key)
        index, ids = KeyIndex(), IdStore()
        try:
            if self.keep == "first":
                for batch in batched(records, _BATCH):
                    yield from self._decide(batch, index, ids)
                return
            buffered, order = in_keep_order(records, self.keep, self.mode, self.score_key)
            outcomes: list[Outcome | None] = [None] * len(buffered)
            for chunk in batched(order, _BATCH):
                decided = self._decide([buffered[i] for i in chunk], index, ids)
                for i, outcome in zip(chunk, decided, strict=True):
                    outcomes[i] = outcome
            for decided_outcome in outcomes:
                assert decided_outcome is not None
                yield decided_outcome
        finally:
            stats.counters["index_bytes"] += index.nbytes + ids.nbytes

    def _decide(self, batch: list[Conversation], index: KeyIndex, ids: IdStore) -> list[Outcome]:
        """Outcomes for a batch in order: the first record of a key is kept, later ones name it."""
        keys = np.fromiter(
            (_key64(key_text(c, self.mode, self.normalize, self.include_system)) for c in batch),
            dtype=np.uint64,
            count=len(batch),
        )
        found = index.find(keys).tolist()
        distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        first_of = first[inverse].tolist()
        outcomes: list[Outcome] = []
        new_rows: list[int] = []
        for row, conv in enumerate(batch):
            if found[row] >= 0:
                kept = ids[found[row]]
            elif first_of[row] != row:
                kept = batch[first_of[row]].id
            else:
                new_rows.append(row)
                ids.append(conv.id)
                outcomes.append(conv)
                continue
            outcomes.append(self.duplicate_reject(conv, kept, 1.0))
        if new_rows:
            index.add(keys[new_rows], len(ids) - len(new_rows) + np.arange(len(new_rows)))
        return outcomes


def _key64(text: str) -> int:
    """The index key of a compared text: 64 bits of BLAKE2b (one false match among 10M distinct
    records has a probability of ~3e-6)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
