"""Merge single-turn records of the same persona into multi-turn conversations."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Annotated

import regex
from pydantic import Field

from selfreflect.conversation import Conversation, Message
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Reject, Step

_SPACE = regex.compile(r"\s+")


class MergePersonaTurns(Step):
    """Group single-turn records with the same system prompt into conversations of up to N turns.

    Deterministic: members keep their input order and groups are cut every ``max_turns``
    records. The merged record gets a new id made from its members' ids and
    ``metadata["merged_from"]`` lists them. Accounting: the first member *becomes* the merged
    record; every other member leaves as a reject with reason ``merged_into`` and
    ``merged_into: <new id>``, so input = kept + rejected still holds and nothing is lost.
    Records that are not single-turn, and those without a system prompt (unless
    ``merge_without_system``), pass through unchanged. Memory: at most ``max_turns - 1``
    records per open persona.

    Args:
        max_turns: the most records (one exchange each) merged into one conversation;
            1 merges nothing.
        ignore_line_pattern: a regular expression; system prompt lines it matches are left out
            when prompts are compared (a line with the date, say); null compares whole prompts.
            Spacing and capitals never count.
        merge_without_system: also merge single-turn records without a system prompt, all in
            one group.
    """

    reasons = {"merged_into": "merged into a longer conversation of its persona (see merged_into)"}

    def __init__(
        self,
        max_turns: Annotated[int, Field(ge=1, le=10_000)] = 8,
        ignore_line_pattern: str | None = None,
        merge_without_system: bool = False,
    ):
        self.max_turns = max_turns
        self.ignore_line_pattern = ignore_line_pattern
        self.merge_without_system = merge_without_system

    def persona_key(self, conv: Conversation) -> str | None:
        """The normalised system prompt that groups records, or None when it cannot merge."""
        messages = conv.messages
        roles = [m.role for m in messages]
        if roles not in (["system", "user", "assistant"], ["user", "assistant"]):
            return None
        system = conv.system
        if system is None:
            return "" if self.merge_without_system else None
        lines = system.splitlines()
        if self.ignore_line_pattern:
            pattern = regex.compile(self.ignore_line_pattern)
            lines = [line for line in lines if not pattern.search(line)]
        return _SPACE.sub(" ", "\n".join(lines)).strip().casefold()

    def merge(self, members: list[Conversation]) -> tuple[Conversation, list[Reject]]:
        """The merged conversation and the rejects of the members merged into it."""
        ids = [m.id for m in members]
        digest = hashlib.blake2b("\x1f".join(ids).encode(), digest_size=8).hexdigest()
        new_id = f"merged-{digest}"
        first = members[0]
        messages: list[Message] = [first.messages[0]] if first.system is not None else []
        for member in members:
            messages.extend(m for m in member.messages if m.role != "system")
        merged = first.model_copy(
            update={
                "id": new_id,
                "messages": messages,
                "metadata": {**first.metadata, "merged_from": ids},
            }
        )
        rejects = [
            self.reject(m, "merged_into", f"merged into {new_id}", merged_into=new_id)
            for m in members[1:]
        ]
        return merged, rejects

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        if self.max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {self.max_turns}")
        open_groups: dict[str, list[Conversation]] = {}
        for conv in records:
            key = self.persona_key(conv)
            if key is None:
                yield conv
                continue
            group = open_groups.setdefault(key, [])
            group.append(conv)
            if len(group) >= self.max_turns:
                del open_groups[key]
                yield from self._emit(group, stats)
        for group in open_groups.values():
            yield from self._emit(group, stats)

    def _emit(self, group: list[Conversation], stats: StepStats) -> Iterator[Outcome]:
        if len(group) == 1:
            yield group[0]
            return
        merged, rejects = self.merge(group)
        stats.modified += 1
        stats.counters["merged_conversations"] += 1
        yield merged
        yield from rejects
