"""Steps used by the pipeline tests; a plain module so worker processes can import it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Literal

from selfreflect import Conversation, Filter, Message, Rewriter, Step, StepStats
from selfreflect.steps import Outcome


def make(i: int, answer: str, user: str = "hello", id: str | None = None) -> Conversation:
    """A two-turn conversation with id ``str(i)`` unless given."""
    return Conversation(
        id=id if id is not None else str(i),
        messages=[Message(role="user", content=user), Message(role="assistant", content=answer)],
        source="mem.jsonl",
        line=i + 1,
    )


class DropShort(Filter):
    """Drop conversations with an assistant answer shorter than n characters."""

    reasons = {"too_short": "an assistant answer is shorter than n characters"}

    def __init__(self, n: int = 5):
        self.n = n

    def keep(self, conv: Conversation) -> bool | tuple[bool, str]:
        if any(len(m.content) < self.n for m in conv.turns("assistant")):
            return False, "too_short"
        return True


class DropMultipleOf(Filter):
    """Drop records whose numeric id is a multiple of k."""

    reasons = {"multiple": "the id is a multiple of k"}

    def __init__(self, k: int = 7):
        self.k = k

    def keep(self, conv: Conversation) -> bool | tuple[bool, str, str]:
        if int(conv.id) % self.k == 0:
            return False, "multiple", f"id {conv.id} % {self.k} == 0"
        return True


class Shout(Rewriter):
    """Upper-case assistant answers that end with '!'; count the words shouted."""

    def rewrite(self, conv: Conversation) -> Conversation:
        messages = list(conv.messages)
        changed = False
        for i, m in enumerate(messages):
            if m.role == "assistant" and m.content.endswith("!"):
                messages[i] = m.model_copy(update={"content": m.content.upper()})
                changed = True
        return conv.with_messages(messages) if changed else conv


class CountWords(Filter):
    """Keep everything; count assistant words in the stats counters (a worker-side counter)."""

    def __init__(self) -> None:
        pass

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        for conv in records:
            stats.counters["words"] += sum(len(m.content.split()) for m in conv.turns("assistant"))
            stats.counters["pids"] = 0  # present, summed as 0: workers must not break counters
            yield conv

    def keep(self, conv: Conversation) -> bool:
        return True


class RecordPid(Rewriter):
    """Write the id of the process that handled the record into metadata."""

    def rewrite(self, conv: Conversation) -> Conversation:
        return conv.model_copy(update={"metadata": {**conv.metadata, "pid": os.getpid()}})


class KeepFirstPerUser(Step):
    """A stream step: drop a record whose user turn was seen before (state across records)."""

    reasons = {"seen_user": "the same user turn appeared earlier"}

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        seen: set[str] = set()
        for conv in records:
            key = conv.messages[0].content
            if key in seen:
                yield self.reject(conv, "seen_user")
            else:
                seen.add(key)
                yield conv


class LoseEveryTenth(Step):
    """A broken stream step: silently swallows every tenth record."""

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        for n, conv in enumerate(records, start=1):
            if n % 10:
                yield conv


class Explode(Filter):
    """A filter that raises on a given id."""

    def __init__(self, bad_id: str = "3"):
        self.bad_id = bad_id

    def keep(self, conv: Conversation) -> bool:
        if conv.id == self.bad_id:
            raise RuntimeError(f"boom on {conv.id}")
        return True


class ReplacePhrases(Rewriter):
    """Replace phrases in the given roles (a step with a required parameter)."""

    example_params = {"phrases": {"and/or": "and"}}

    def __init__(
        self,
        phrases: dict[str, str],
        roles: tuple[str, ...] = ("assistant",),
        mode: Literal["exact", "lower"] = "exact",
        limit: int | None = None,
    ):
        self.phrases = phrases
        self.roles = roles
        self.mode = mode
        self.limit = limit

    def rewrite(self, conv: Conversation) -> Conversation:
        messages = list(conv.messages)
        changed = False
        for i, m in enumerate(messages):
            if m.role not in self.roles:
                continue
            text = m.content
            for old, new in self.phrases.items():
                text = (
                    text.replace(old, new)
                    if self.mode == "exact"
                    else text.lower().replace(old.lower(), new)
                )
            if text != m.content:
                messages[i] = m.model_copy(update={"content": text})
                changed = True
        return conv.with_messages(messages) if changed else conv


class Swallow(DropShort):
    """A per-record step whose run() forgets long answers (broken on purpose)."""

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        for conv in records:
            if len(conv.messages[1].content) < 10:
                yield conv


if TYPE_CHECKING:
    from collections.abc import Sequence


class HalfTyped(Filter):
    """A step with one annotation that cannot be resolved at run time."""

    def __init__(self, n: int = 1, names: Sequence[str] = (), anything=None):
        self.n = n
        self.names = names
        self.anything = anything

    def keep(self, conv: Conversation) -> bool:
        return True
