"""The three output shapes of ``reflect``: sft (TRL's SFT ``messages``), preference (TRL's
conversational DPO layout), conversation; and :class:`Examples`, the examples made from one
record (one per reviewed turn, written one per line)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from selfreflect.conversation import Conversation, Message


class PreferencePair(Conversation):
    """A DPO example. Written as ``{"id", "prompt", "chosen", "rejected", "metadata"}``, the
    conversational preference layout TRL's DPOTrainer reads (no ``messages`` key: TRL refuses
    ``messages`` next to ``prompt``). ``messages`` (prompt + chosen) stays available in memory
    so later steps can still read it as a conversation."""

    prompt: list[Message]
    chosen: list[Message]
    rejected: list[Message]

    def to_record(self) -> dict[str, Any]:
        def dump(messages: list[Message]) -> list[dict[str, Any]]:
            return [m.model_dump(mode="json", exclude_none=True) for m in messages]

        record: dict[str, Any] = {
            "id": self.id,
            "prompt": dump(self.prompt),
            "chosen": dump(self.chosen),
            "rejected": dump(self.rejected),
        }
        if self.metadata:
            record["metadata"] = self.metadata
        return record


class Examples(Conversation):
    """The training examples made from one record when there are several: the record itself
    (its messages, and its reviews in ``metadata``) plus ``examples``, one per reviewed turn that
    gave one. The step keeps one record in, one record out (so the report balances); the
    command line writes the examples (:func:`iter_examples`), one per line. Written as one
    record anyway, it carries them under ``"examples"``, so nothing is lost."""

    examples: list[Conversation]

    def to_record(self) -> dict[str, Any]:
        return {**super().to_record(), "examples": [e.to_record() for e in self.examples]}


def iter_examples(records: Iterable[Conversation]) -> Iterator[Conversation]:
    """The records as they are written: each :class:`Examples` gives its examples, in order."""
    for record in records:
        if isinstance(record, Examples):
            yield from record.examples
        else:
            yield record


def example_id(conv: Conversation, l_: int) -> str:
    """The id of the example made from answer ``l_`` of ``conv``: ``<record id>#<turn>``."""
    return f"{conv.id}#{l_}"


def sft_record(conv: Conversation, l_: int, answer: str, info: dict[str, Any]) -> Conversation:
    """Prefix + K + ``answer`` as a new conversation, id ``<record id>#<turn>``."""
    messages = [*conv.messages[:l_], conv.messages[l_].model_copy(update={"content": answer})]
    metadata = {**conv.metadata, "reflect": info}
    return Conversation(id=example_id(conv, l_), messages=messages, metadata=metadata).at(
        conv.source, conv.line
    )


def preference_record(
    conv: Conversation, l_: int, revised: str, info: dict[str, Any]
) -> PreferencePair:
    """prompt = prefix + K, chosen = the revision, rejected = the original answer."""
    prompt = list(conv.messages[:l_])
    original = conv.messages[l_]
    chosen = [original.model_copy(update={"content": revised})]
    pair = PreferencePair(
        id=example_id(conv, l_),
        messages=prompt + chosen,
        metadata={**conv.metadata, "reflect": info},
        prompt=prompt,
        chosen=chosen,
        rejected=[original],
    )
    pair.at(conv.source, conv.line)
    return pair


def conversation_record(
    conv: Conversation, infos: list[dict[str, Any]], failed: list[dict[str, Any]]
) -> Conversation:
    """The original conversation with every critique and revision in ``metadata["reflect"]``
    and the turns whose review failed (turn, reason, detail) in ``metadata["reflect_failed"]``."""
    metadata = {**conv.metadata, "reflect": infos}
    if failed:
        metadata["reflect_failed"] = failed
    return conv.model_copy(update={"metadata": metadata})


def examples_record(
    conv: Conversation,
    examples: list[Conversation],
    infos: list[dict[str, Any]],
    failed: list[dict[str, Any]],
) -> Conversation:
    """The one example, or ``conv`` carrying ``examples`` with the reviews and failures in its
    metadata (a lone example notes the failed turns in its own metadata)."""
    if len(examples) == 1:
        (example,) = examples
        if failed:
            example = example.model_copy(
                update={"metadata": {**example.metadata, "reflect_failed": failed}}
            )
        return example
    metadata = {**conv.metadata, "reflect": infos}
    if failed:
        metadata["reflect_failed"] = failed
    return Examples(id=conv.id, messages=conv.messages, metadata=metadata, examples=examples).at(
        conv.source, conv.line
    )
