"""Message and Conversation: the records every step reads and returns."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

Role = Literal["system", "user", "assistant", "tool"]
ROLES: tuple[str, ...] = ("system", "user", "assistant", "tool")

DedupMode = Literal["conversation", "user", "assistant", "first_user"]


def parts_to_text(parts: list[Any]) -> str:
    """Join the text of OpenAI content parts; non-text parts (images, audio) become nothing.

    Raises ValueError for a part that is not a dict with a ``type``.
    """
    texts: list[str] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict) or "type" not in part:
            raise ValueError(f"content part must be an object with a 'type', got {part!r:.60}")
        if part["type"] == "text":
            text = part.get("text")
            if not isinstance(text, str):
                raise ValueError("text content part has no string 'text'")
            texts.append(text)
    return "\n".join(texts)


class Message(BaseModel):
    """One turn: a role and its text. Unknown fields are kept so a round trip loses nothing."""

    model_config = ConfigDict(extra="allow", validate_assignment=False)

    role: Role
    content: str
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise_content(cls, data: Any) -> Any:
        """Turn list-of-parts content into text; null content only with tool calls."""
        if not isinstance(data, dict):
            return data
        content = data.get("content")
        if isinstance(content, list):
            data = {**data, "content": parts_to_text(content)}
        elif content is None and "content" in data and data.get("tool_calls"):
            data = {**data, "content": ""}
        return data

    @field_validator("content", mode="before")
    @classmethod
    def _content_is_text(cls, value: Any) -> Any:
        """Refuse numbers, dicts and null instead of coercing them to text."""
        if not isinstance(value, str):
            raise ValueError(f"content must be text or a list of parts, got {type(value).__name__}")
        return value


class Conversation(BaseModel):
    """A record: an id, its messages and free-form metadata.

    Treat it as immutable: a rewriter returns ``conv.model_copy(update=...)``.
    Where it was read from (``source``, ``line``) is kept out of the data, so a record may have
    fields of those names of its own: set it with :meth:`at`, read it with the properties.
    """

    model_config = ConfigDict(extra="allow")

    id: str
    messages: list[Message]
    metadata: dict[str, Any] = Field(default_factory=dict)
    _source: str | None = PrivateAttr(default=None)
    _line: int | None = PrivateAttr(default=None)

    def at(self, source: str | None, line: int | None) -> Conversation:
        """Record where this conversation was read from (file, line); returns self."""
        self._source, self._line = source, line
        return self

    @property
    def source(self) -> str | None:
        """The file this record was read from, if any (never written out)."""
        return self._source

    @property
    def line(self) -> int | None:
        """The line (or array position) it was read from, if any (never written out)."""
        return self._line

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        """Accept integer ids (common in exports) and keep them as text."""
        if isinstance(value, bool):
            raise ValueError("id must be a string or an integer")
        if isinstance(value, int):
            return str(value)
        return value

    @staticmethod
    def make_id(source: str, line: int) -> str:
        """A stable id for a record that has none, from its file name and line."""
        digest = hashlib.blake2b(f"{source}:{line}".encode(), digest_size=8).hexdigest()
        return f"{digest}"

    @property
    def system(self) -> str | None:
        """The system prompt, if the first message is one."""
        if self.messages and self.messages[0].role == "system":
            return self.messages[0].content
        return None

    def turns(self, role: str) -> list[Message]:
        """The messages of one role, in order."""
        return [m for m in self.messages if m.role == role]

    def pairs(self) -> list[tuple[int, int]]:
        """Indices (user, assistant) of every assistant turn that directly answers a user turn."""
        return [
            (i - 1, i)
            for i, m in enumerate(self.messages)
            if m.role == "assistant" and i > 0 and self.messages[i - 1].role == "user"
        ]

    def dedup_text(self, mode: DedupMode = "conversation") -> str:
        """The text compared by dedup; the system prompt is always left out."""
        if mode == "first_user":
            users = self.turns("user")
            return users[0].content if users else ""
        roles = {"conversation": ("user", "assistant"), "user": ("user",),
                 "assistant": ("assistant",)}[mode]
        return "\n".join([m.content for m in self.messages if m.role in roles])

    def with_messages(self, messages: list[Message]) -> Conversation:
        """A copy with other messages, provenance kept."""
        return self.model_copy(update={"messages": messages})

    def to_record(self) -> dict[str, Any]:
        """The JSON object written to output files (OpenAI messages form)."""
        record = self.model_dump(mode="json", exclude_none=False)
        for message in record["messages"]:
            if message.get("name") is None:
                message.pop("name", None)
        if not record.get("metadata"):
            record.pop("metadata", None)
        return record
