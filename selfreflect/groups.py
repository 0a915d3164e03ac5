"""Statistics per persona, source file or system prompt: the way the cleaning notes read data.

The seed's notes sum up each character's file: who the persona is, whether it knows it is an
AI (sometimes yes, sometimes no), how often it claims to be human or invents a past, empty
questions, emoji, what topics it touches. :class:`GroupedStats` counts the same per group:

- ``persona``: the character named in the system prompt ("You are X.", "Your name is X",
  "你是X", "あなたはXです"...; :data:`PERSONA_PATTERNS`, or a pattern of your own with a
  ``(?P<persona>...)`` group), else the source file;
- ``source``: the file the record was read from;
- ``system``: the whole system prompt (first line shown), else ``(no system prompt)``.

The rates reuse the cleaning steps themselves (``drop_ai_self_reference``,
``mark_persona_claims``, ``drop_empty_turns``, emoji spans), so a rate here is what the step
would do. After a clean, kept and rejected records (with top reasons) are counted per group too.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import regex

from selfreflect.conversation import Conversation
from selfreflect.stats import Distribution

GroupBy = Literal["persona", "source", "system"]
GROUP_BY: tuple[str, ...] = ("persona", "source", "system")

#: Ways a system prompt names the character (first match wins), English then CJK.
PERSONA_PATTERNS: tuple[str, ...] = (
    r"(?im)^\s*(?:you\s+are|you're)\s+(?:now\s+|playing\s+|called\s+|named\s+)?"
    r"(?P<persona>[^\n.!?,;:]{1,80}?)\s*(?:[.!?,;:\n]|$)",
    r"(?i)\b(?:your\s+name\s+is|you\s+are\s+(?:called|named)|you\s+(?:will\s+)?play(?:ing)?"
    r"|act(?:ing)?\s+as|pretend\s+(?:to\s+be|you\s+are)|role-?play\s+as|in\s+the\s+role\s+of"
    r"|you\s+are)\s+(?P<persona>[^\n.!?,;:]{1,80}?)\s*(?:[.!?,;:\n]|$)",
    r"(?:你是|你叫|你扮演|你的名字是|妳是|您是|扮演)(?P<persona>[^，。！？、,.!?\n]{1,30})",
    r"(?:あなたは|君は)(?P<persona>[^、。！？,.!?\n]{1,30}?)(?:です|だ|として|を演じ)",
    r"(?:당신은|너는)\s*(?P<persona>[^.,!?\n]{1,30}?)\s*(?:입니다|이다|야|예요|이에요)",
)
#: How many sample exchanges each group keeps.
SAMPLES = 3
NO_SYSTEM = "(no system prompt)"


@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[regex.Pattern[str], ...]:
    return tuple(regex.compile(p) for p in patterns)


def persona_of(conv: Conversation, patterns: tuple[str, ...] = PERSONA_PATTERNS) -> str | None:
    """The character the system prompt names, or None (no system prompt or no match)."""
    system = conv.system
    if not system:
        return None
    for pattern in _compiled(tuple(patterns)):
        found = pattern.search(system)
        if found:
            name = found.groupdict().get("persona") or (
                found.group(1) if found.groups() else found.group()
            )
            name = " ".join(name.split()).strip(" \"'“”「」")
            if name:
                return name
    return None


def source_of(conv: Conversation) -> str | None:
    """The file a record came from: ``metadata["source"]["file"]`` first, else where it was
    read."""
    recorded = conv.metadata.get("source") if conv.metadata else None
    if isinstance(recorded, dict) and isinstance(recorded.get("file"), str):
        return recorded["file"]
    return conv.source


def group_key(
    conv: Conversation | None,
    by: str,
    source: str | None = None,
    patterns: tuple[str, ...] = PERSONA_PATTERNS,
) -> str:
    """The group a record belongs to (``source`` for records that could not be parsed).

    The source file is the one ``--record-source`` wrote into ``metadata["source"]`` when
    there (a cleaned file remembers where each record came from), else the file read.
    """
    where = (source_of(conv) if conv is not None else None) or source
    file_key = os.path.basename(where) if where else "(unknown source)"
    if conv is None or by == "source":
        return file_key
    if by == "system":
        return " ".join((conv.system or NO_SYSTEM).split())[:200]
    return persona_of(conv, patterns) or file_key


@dataclass
class GroupStats:
    """What one group's records look like, and (after a clean) what became of them."""

    key: str
    records: int = 0
    invalid: int = 0
    turns: Distribution = field(default_factory=Distribution)
    user_chars: Distribution = field(default_factory=Distribution)
    assistant_chars: Distribution = field(default_factory=Distribution)
    marks: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    kept: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    samples: list[dict[str, str]] = field(default_factory=list)
    observed_outcome: bool = False

    def __add__(self, other: GroupStats) -> GroupStats:
        return GroupStats(
            key=self.key,
            records=self.records + other.records,
            invalid=self.invalid + other.invalid,
            turns=self.turns + other.turns,
            user_chars=self.user_chars + other.user_chars,
            assistant_chars=self.assistant_chars + other.assistant_chars,
            marks=self.marks + other.marks,
            topics=self.topics + other.topics,
            kept=self.kept + other.kept,
            rejected=self.rejected + other.rejected,
            reasons=self.reasons + other.reasons,
            conflicts=self.conflicts + other.conflicts,
            samples=(self.samples + other.samples)[:SAMPLES],
            observed_outcome=self.observed_outcome or other.observed_outcome,
        )

    @property
    def inconsistent(self) -> bool:
        """The persona says it is an AI in some answers and a human in others (or both at once)."""
        return bool(self.marks["claims_both"]) or bool(
            self.marks["claims_ai"] and self.marks["claims_human"]
        )

    def rate(self, mark: str) -> float:
        """Share of the group's records with ``mark``."""
        return round(self.marks[mark] / self.records, 4) if self.records else 0.0

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (one element of ``{"groups": [...]}``)."""
        out: dict[str, Any] = {
            "key": self.key,
            "records": self.records,
            "invalid": self.invalid,
            "turns": self.turns.total,
            "turns_per_record": self.turns.to_json(),
        }
        if self.observed_outcome:
            out.update(
                kept=self.kept,
                rejected=self.rejected,
                top_reasons=dict(self.reasons.most_common(5)),
            )
        out.update(
            rates={m: self.rate(m) for m in RATES},
            counts={m: self.marks[m] for m in RATES},
            inconsistent_persona=self.inconsistent,
            user_chars=self.user_chars.to_json(),
            assistant_chars=self.assistant_chars.to_json(),
            topics=dict(sorted(self.topics.items())),
            conflicts=self.conflicts,
            samples=self.samples,
        )
        return out


#: The per-record marks counted as rates (share of records).
RATES: tuple[str, ...] = (
    "ai_self_reference",
    "language_model_disclaimer",
    "claims_ai",
    "claims_human",
    "claims_both",
    "invented_experience",
    "names_company",
    "empty_user",
    "emoji",
    "evasive",
)


def record_marks(conv: Conversation) -> set[str]:
    """The marks of one record, decided by the cleaning steps' own code."""
    from selfreflect.filters.ai_self_reference import DropAISelfReference
    from selfreflect.filters.emojis import emoji_spans
    from selfreflect.filters.empty import DropEmptyTurns
    from selfreflect.filters.evasive import MarkEvasiveAnswers
    from selfreflect.filters.persona import MarkPersonaClaims

    marks: set[str] = set()
    verdict = DropAISelfReference().keep(conv)
    if isinstance(verdict, tuple) and not verdict[0]:
        marks.add(verdict[1])
    marked = MarkPersonaClaims().rewrite(conv)
    if marked is not conv:
        marks.update(marked.metadata.get("persona_marks", []))
    if any(m.role in ("user", "assistant") and emoji_spans(m.text) for m in conv.messages):
        marks.add("emoji")
    if MarkEvasiveAnswers().process(conv) is not conv:
        marks.add("evasive")
    empty = DropEmptyTurns(roles=("user",)).keep(conv)
    if isinstance(empty, tuple) and empty[1] == "empty_user":
        marks.add("empty_user")
    return marks


class GroupedStats:
    """Per-group stats of a stream: ``add`` each input record, then ``kept`` / ``rejected``."""

    def __init__(
        self, by: str = "persona", patterns: tuple[str, ...] = PERSONA_PATTERNS, topics: bool = True
    ):
        if by not in GROUP_BY:
            raise ValueError(f"group by one of {', '.join(GROUP_BY)}, not {by!r}")
        self.by = by
        self.patterns = tuple(patterns)
        self.topics = topics
        self.groups: dict[str, GroupStats] = {}

    def _group(self, key: str) -> GroupStats:
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = GroupStats(key)
        return group

    def key(self, conv: Conversation | None, source: str | None = None) -> str:
        """The group of a record."""
        return group_key(conv, self.by, source, self.patterns)

    def add(self, conv: Conversation) -> None:
        """Count one input record."""
        group = self._group(self.key(conv))
        group.records += 1
        pairs = conv.pairs()
        group.turns.add(len(pairs))
        for m in conv.messages:
            if m.role == "user":
                group.user_chars.add(len(m.text))
            elif m.role == "assistant":
                group.assistant_chars.add(len(m.text))
        group.marks.update(record_marks(conv))
        if self.topics:
            from selfreflect.filters.topics import find_topics

            found: set[str] = set()
            for m in conv.messages:
                if m.role in ("user", "assistant"):
                    found.update(find_topics(m.text))
            group.topics.update(found)
        if len(group.samples) < SAMPLES and pairs:
            u, a = pairs[0]
            group.samples.append(
                {
                    "id": conv.id,
                    "user": conv.messages[u].text[:300],
                    "assistant": conv.messages[a].text[:300],
                }
            )

    def add_invalid(self, source: str | None) -> None:
        """Count one input line that is not a record (grouped by its file)."""
        self._group(self.key(None, source)).invalid += 1

    def add_records(self, records: Iterable[Any]) -> GroupedStats:
        """Count a stream of Conversations and read Rejects; returns self."""
        for record in records:
            if isinstance(record, Conversation):
                self.add(record)
            else:
                self.add_invalid(getattr(record, "source", None))
        return self

    def observe_kept(self, conv: Conversation) -> None:
        """Count a kept record in its group."""
        group = self._group(self.key(conv))
        group.kept += 1
        if isinstance(conv.metadata.get("conflicts"), dict):
            group.conflicts += 1

    def observe_reject(self, reject: Any) -> None:
        """Count a rejected record (or cut messages: those do not count as a record)."""
        if reject.extra.get("messages") is not None:  # messages cut from a record it kept
            return
        group = self._group(self.key(reject.record, reject.source))
        group.rejected += 1
        group.reasons[f"{reject.step}:{reject.reason}"] += 1

    def mark_observed(self) -> None:
        """Say that kept/rejected were counted (so they show, zeros included)."""
        for group in self.groups.values():
            group.observed_outcome = True

    def sorted_groups(self) -> list[GroupStats]:
        """Largest groups first."""
        return sorted(self.groups.values(), key=lambda g: (-(g.records + g.invalid), g.key))

    def to_json(self) -> dict[str, Any]:
        """``{"by": ..., "groups": [{"key", "records", ...}]}``."""
        return {"by": self.by, "groups": [g.to_json() for g in self.sorted_groups()]}

    def table(self) -> str:
        """A plain-text table, one line per group."""
        observed = any(g.observed_outcome for g in self.groups.values())
        header = [self.by, "records", "invalid", "turns"]
        if observed:
            header += ["kept", "rejected"]
        header += [
            "ai_self%",
            "says_ai%",
            "human%",
            "invented%",
            "empty_user%",
            "emoji%",
            "evasive%",
            "answer p50",
            "flag",
            "top topics" if self.topics else "",
        ]
        rows = [header]
        for g in self.sorted_groups():
            row = [g.key[:40], str(g.records), str(g.invalid), str(g.turns.total)]
            if observed:
                row += [str(g.kept), str(g.rejected)]
            row += [
                _pc(g.rate("ai_self_reference") + g.rate("language_model_disclaimer")),
                _pc(g.rate("claims_ai")),
                _pc(g.rate("claims_human")),
                _pc(g.rate("invented_experience")),
                _pc(g.rate("empty_user")),
                _pc(g.rate("emoji")),
                _pc(g.rate("evasive")),
                str(g.assistant_chars.percentile(50)),
                "AI+human" if g.inconsistent else "",
                ", ".join(f"{k}={v}" for k, v in g.topics.most_common(3)),
            ]
            rows.append(row)
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = []
        for n, row in enumerate(rows):
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 or i >= len(row) - 2 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _pc(rate: float) -> str:
    return f"{100 * rate:.1f}"
