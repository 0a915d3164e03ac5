"""The three output shapes of ``reflect``: sft, preference (TRL's DPO layout), conversation."""

from __future__ import annotations

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


def sft_record(conv: Conversation, l_: int, answer: str, info: dict[str, Any]) -> Conversation:
    """Prefix + K + ``answer`` as a new conversation (the input id kept)."""
    messages = [*conv.messages[:l_], conv.messages[l_].model_copy(update={"content": answer})]
    metadata = {**conv.metadata, "reflect": info}
    return conv.model_copy(update={"messages": messages, "metadata": metadata})


def preference_record(conv: Conversation, l_: int, revised: str,
                      info: dict[str, Any]) -> PreferencePair:
    """prompt = prefix + K, chosen = the revision, rejected = the original answer."""
    prompt = list(conv.messages[:l_])
    original = conv.messages[l_]
    chosen = [original.model_copy(update={"content": revised})]
    return PreferencePair(
        id=conv.id,
        messages=prompt + chosen,
        metadata={**conv.metadata, "reflect": info},
        prompt=prompt,
        chosen=chosen,
        rejected=[original],
    ).at(conv.source, conv.line)


def conversation_record(conv: Conversation, infos: list[dict[str, Any]]) -> Conversation:
    """The original conversation with every critique and revision in ``metadata["reflect"]``."""
    return conv.model_copy(update={"metadata": {**conv.metadata, "reflect": infos}})
