"""Dataset statistics from a stream of conversations: counts, lengths per role, duplicates.

Every number adds up across shards: :class:`Distribution` keeps an exact count per integer
value (lengths repeat a lot, so this stays small), and :class:`DatasetStats` merges with ``+``.
Percentiles and histograms are computed from those counts, so they are exact, not sampled.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from selfreflect.conversation import ROLES, Conversation

#: Percentiles reported everywhere (terminal table, JSON, HTML).
PERCENTILES: tuple[int, ...] = (5, 25, 50, 75, 95)

#: Default histogram edges for text lengths: a 1-2-5 series, so short and long texts both show.
LENGTH_EDGES: tuple[int, ...] = (
    0,
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    20_000,
    50_000,
    100_000,
)

# A word is a run of non-space characters, except that each Chinese or Japanese character counts
# as one word (those scripts put no spaces between words: a paragraph would count as one word).
# CJK punctuation separates words like a space. Korean puts spaces between words: no special case.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_WORD = re.compile(f"[{_CJK}]|[^\\s{_CJK}{_CJK_PUNCT}]+")
_ANY_CJK = re.compile(f"[{_CJK}{_CJK_PUNCT}]")


def estimate_tokens(text: str) -> int:
    """Tokens of a text as LLM tokenizers roughly count them: UTF-8 bytes / 4, rounded up
    (about one per CJK character, four characters of English). An estimate, not a tokenizer."""
    return -(-len(text.encode("utf-8")) // 4)


#: Histogram edges for turns ((user, assistant) pairs) per record.
TURN_EDGES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 8, 11, 21, 51)


def count_words(text: str) -> int:
    """Words in ``text``: whitespace-separated runs, with every CJK character counted as one."""
    if text.isascii() or not _ANY_CJK.search(text):
        return len(text.split())
    return len(_WORD.findall(text))


@dataclass
class Distribution:
    """An exact distribution of non-negative integers (value -> how many times seen)."""

    counts: Counter[int] = field(default_factory=Counter)

    def add(self, value: int, times: int = 1) -> None:
        """Count ``value`` once (or ``times``)."""
        self.counts[value] += times

    def __add__(self, other: Distribution) -> Distribution:
        return Distribution(self.counts + other.counts)

    @property
    def n(self) -> int:
        """How many values were counted."""
        return sum(self.counts.values())

    @property
    def total(self) -> int:
        """The sum of all values."""
        return sum(v * c for v, c in self.counts.items())

    @property
    def mean(self) -> float:
        """The mean value (0 when empty)."""
        return self.total / self.n if self.n else 0.0

    @property
    def max(self) -> int:
        """The largest value (0 when empty)."""
        return max(self.counts) if self.counts else 0

    @property
    def min(self) -> int:
        """The smallest value (0 when empty)."""
        return min(self.counts) if self.counts else 0

    def percentile(self, q: float) -> int:
        """The nearest-rank ``q``-th percentile (0 <= q <= 100); 0 when empty."""
        n = self.n
        if not n:
            return 0
        rank = max(1, math.ceil(q / 100 * n))
        seen = 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if seen >= rank:
                return value
        return self.max

    def percentiles(self, qs: Sequence[int] = PERCENTILES) -> dict[str, int]:
        """``{"p5": .., "p25": .., ..., "max": ..}``."""
        out = {f"p{q}": self.percentile(q) for q in qs}
        out["max"] = self.max
        return out

    def histogram(self, edges: Sequence[int] = LENGTH_EDGES) -> list[tuple[int, int | None, int]]:
        """Counts per bin ``[lo, hi)``; the last bin ``[edges[-1], None)`` is open-ended."""
        bins = [0] * len(edges)
        for value, count in self.counts.items():
            index = _bin_index(edges, value)
            bins[index] += count
        his: list[int | None] = [*edges[1:], None]
        return [(lo, hi, c) for lo, hi, c in zip(edges, his, bins, strict=True)]

    def to_json(self) -> dict[str, Any]:
        """Summary numbers: n, mean, min, percentiles and max."""
        return {"n": self.n, "mean": round(self.mean, 2), "min": self.min, **self.percentiles()}


def _bin_index(edges: Sequence[int], value: int) -> int:
    """Index of the bin holding ``value`` (values below the first edge go to bin 0)."""
    lo, hi = 0, len(edges) - 1
    if value >= edges[hi]:
        return hi
    while lo < hi:  # largest i with edges[i] <= value
        mid = (lo + hi + 1) // 2
        if edges[mid] <= value:
            lo = mid
        else:
            hi = mid - 1
    return lo


def text_hash(text: str) -> int:
    """A 64-bit hash of a text, used to estimate exact duplicates."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass
class DatasetStats:
    """Counts and length distributions of a dataset; ``a + b`` merges two shards exactly.

    - ``records``: conversations counted; ``invalid``: input lines that could not be read.
    - ``messages``: messages per record; ``pairs``: (user, assistant) pairs per record.
    - ``chars`` / ``words``: per role, one value per message.
    - ``roles``: messages seen per role; ``with_system``: records that start with a system prompt.
    - ``hashes``: hashes of ``dedup_text()``; ``duplicates`` = records - distinct hashes.
    - ``ids``: ids seen; ``duplicate_ids`` = records whose id was already used.
    - ``tokens``: estimated tokens per record (:func:`estimate_tokens` of all its messages).
    """

    records: int = 0
    invalid: int = 0
    invalid_reasons: Counter[str] = field(default_factory=Counter)
    messages: Distribution = field(default_factory=Distribution)
    pairs: Distribution = field(default_factory=Distribution)
    chars: dict[str, Distribution] = field(default_factory=dict)
    words: dict[str, Distribution] = field(default_factory=dict)
    roles: Counter[str] = field(default_factory=Counter)
    with_system: int = 0
    hashes: set[int] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    tokens: Distribution = field(default_factory=Distribution)
    #: Count words too (the slowest part); the run observer turns it off, the HTML shows chars.
    count_words: bool = True

    @classmethod
    def from_records(cls, records: Iterable[Any]) -> DatasetStats:
        """Stats of a stream of Conversations (Rejects from reading count as ``invalid``)."""
        stats = cls()
        for record in records:
            if isinstance(record, Conversation):
                stats.add(record)
            else:
                stats.add_invalid(getattr(record, "reason", "invalid"))
        return stats

    def add(self, conv: Conversation) -> None:
        """Count one conversation."""
        self.records += 1
        self.messages.add(len(conv.messages))
        self.pairs.add(len(conv.pairs()))
        if conv.system is not None:
            self.with_system += 1
        self.tokens.counts[sum(estimate_tokens(m.text) for m in conv.messages)] += 1
        for message in conv.messages:
            role, text = message.role, message.text
            self.roles[role] += 1
            chars = self.chars.get(role)
            if chars is None:
                chars = self.chars[role] = Distribution()
            chars.counts[len(text)] += 1
            if self.count_words:
                words = self.words.get(role)
                if words is None:
                    words = self.words[role] = Distribution()
                words.counts[count_words(text)] += 1
        self.hashes.add(text_hash(conv.dedup_text()))
        self.ids.add(conv.id)

    def add_invalid(self, reason: str = "invalid") -> None:
        """Count one input line that is not a conversation."""
        self.invalid += 1
        self.invalid_reasons[reason] += 1

    def __add__(self, other: DatasetStats) -> DatasetStats:
        return DatasetStats(
            records=self.records + other.records,
            invalid=self.invalid + other.invalid,
            invalid_reasons=self.invalid_reasons + other.invalid_reasons,
            messages=self.messages + other.messages,
            pairs=self.pairs + other.pairs,
            chars=_merge(self.chars, other.chars),
            words=_merge(self.words, other.words),
            roles=self.roles + other.roles,
            with_system=self.with_system + other.with_system,
            hashes=self.hashes | other.hashes,
            ids=self.ids | other.ids,
            tokens=self.tokens + other.tokens,
            count_words=self.count_words and other.count_words,
        )

    @property
    def distinct(self) -> int:
        """Records with distinct dedup text."""
        return len(self.hashes)

    @property
    def duplicates(self) -> int:
        """Estimated exact duplicates: records whose dedup text was already seen."""
        return self.records - self.distinct

    @property
    def duplicate_ids(self) -> int:
        """Records whose id was already used by an earlier record."""
        return self.records - len(self.ids)

    def roles_seen(self) -> list[str]:
        """Roles present, in the canonical order (system, user, assistant, tool)."""
        known = [r for r in ROLES if r in self.roles]
        return known + sorted(r for r in self.roles if r not in ROLES)

    def to_json(self) -> dict[str, Any]:
        """Every number as plain JSON."""
        return {
            "records": self.records,
            "invalid": self.invalid,
            "invalid_reasons": dict(sorted(self.invalid_reasons.items())),
            "exact_duplicates": self.duplicates,
            "duplicate_ids": self.duplicate_ids,
            "with_system": self.with_system,
            "roles": {r: self.roles[r] for r in self.roles_seen()},
            "messages_per_record": self.messages.to_json(),
            "pairs_per_record": self.pairs.to_json(),
            "tokens_per_record": self.tokens.to_json(),
            "chars": {r: self.chars[r].to_json() for r in self.roles_seen()},
            "words": {r: self.words[r].to_json() for r in self.roles_seen() if r in self.words},
            "histograms": {
                "edges": list(LENGTH_EDGES),
                "chars": {
                    r: [c for _, _, c in self.chars[r].histogram()] for r in self.roles_seen()
                },
                "tokens_per_record": [c for _, _, c in self.tokens.histogram()],
                "turn_edges": list(TURN_EDGES),
                "pairs_per_record": [c for _, _, c in self.pairs.histogram(TURN_EDGES)],
            },
        }

    def table(self) -> str:
        """A plain-text summary for the terminal."""
        lines = [
            f"records {self.records}  invalid {self.invalid}  "
            f"exact duplicates {self.duplicates} ({_pct(self.duplicates, self.records)})  "
            f"with system prompt {self.with_system}  repeated ids {self.duplicate_ids}",
        ]
        roles = ", ".join(f"{r}={self.roles[r]}" for r in self.roles_seen())
        lines.append(f"roles (messages): {roles or '(none)'}")
        if self.invalid_reasons:
            lines.append(
                "invalid: " + ", ".join(f"{k}={v}" for k, v in self.invalid_reasons.most_common())
            )
        qs = [f"p{q}" for q in PERCENTILES] + ["max"]
        header = ("", "n", "mean", *qs)
        rows: list[tuple[str, ...]] = [header]

        def row(label: str, dist: Distribution) -> tuple[str, ...]:
            pcts = dist.percentiles()
            return (label, str(dist.n), f"{dist.mean:.1f}", *(str(pcts[q]) for q in qs))

        rows.append(row("messages/record", self.messages))
        rows.append(row("pairs/record", self.pairs))
        rows.append(row("tokens/record (est.)", self.tokens))
        for role in self.roles_seen():
            rows.append(row(f"{role} chars", self.chars[role]))
        for role in self.roles_seen():
            if role in self.words:
                rows.append(row(f"{role} words", self.words[role]))
        lines.append("")
        lines.extend(_format_rows(rows))
        return "\n".join(lines)


def dataset_stats(paths: Iterable[str | os.PathLike[str]]) -> DatasetStats:
    """Stats of one or more input files (any format ``selfreflect.formats.read`` knows)."""
    from selfreflect.formats import read

    stats = DatasetStats()
    for path in paths:
        stats = stats + DatasetStats.from_records(read(path))
    return stats


def _merge(a: dict[str, Distribution], b: dict[str, Distribution]) -> dict[str, Distribution]:
    out = dict(a)
    for key, dist in b.items():
        out[key] = out[key] + dist if key in out else dist
    return out


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def _format_rows(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out
