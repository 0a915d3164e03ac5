"""Message and Conversation: the records every step reads and returns."""

from __future__ import annotations

import hashlib
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

M = TypeVar("M", bound=BaseModel)


def copy_with(model: M, name: str, value: Any) -> M:
    """A copy of ``model`` with field ``name`` set: ``model_copy(update=...)`` in half the time."""
    # what pydantic's own copy does (fields, extra fields, fields set, private attributes),
    # without its generic steps
    fields = model.__dict__.copy()
    fields[name] = value
    extra = model.__pydantic_extra__
    private = model.__pydantic_private__
    return assemble(
        type(model),
        fields,
        None if extra is None else extra.copy(),
        model.__pydantic_fields_set__ | {name},
        None if private is None else private.copy(),
    )


Role = Literal["system", "user", "assistant", "tool"]
ROLES: tuple[str, ...] = ("system", "user", "assistant", "tool")

DedupMode = Literal["conversation", "user", "assistant", "first_user"]
_DEDUP_ROLES = {
    "conversation": frozenset({"user", "assistant"}),
    "user": frozenset({"user"}),
    "assistant": frozenset({"assistant"}),
}


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


#: Message fields that carry a call instead of text: with one of them, ``content`` may be null.
CALL_FIELDS: tuple[str, ...] = ("tool_calls", "function_call")


class Message(BaseModel):
    """One turn: a role and its text. Unknown fields are kept so a round trip loses nothing.

    ``content`` is None only for an assistant message that calls tools (OpenAI ``tool_calls`` or
    the legacy ``function_call``) without text; it is written back as null. Rules read
    :attr:`text`, which is "" then.
    """

    model_config = ConfigDict(extra="allow", validate_assignment=False)

    role: Role
    content: str | None
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
        elif content is None and "content" in data and not any(data.get(k) for k in CALL_FIELDS):
            raise ValueError(
                "content must be text or a list of parts, got NoneType "
                "(null content only with tool_calls)"
            )
        return data

    @field_validator("content", mode="before")
    @classmethod
    def _content_is_text(cls, value: Any) -> Any:
        """Refuse numbers and dicts instead of coercing them to text."""
        if value is not None and not isinstance(value, str):
            raise ValueError(f"content must be text or a list of parts, got {type(value).__name__}")
        return value

    @property
    def text(self) -> str:
        """The content as text: "" for a tool-calling message without any."""
        return self.content if self.content is not None else ""

    @property
    def calls_tools(self) -> bool:
        """True for an assistant message that calls tools or a function."""
        extra = self.__pydantic_extra__
        return extra is not None and any(extra.get(k) for k in CALL_FIELDS)


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
    _cuts: tuple[dict[str, Any], ...] = PrivateAttr(default=())

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

    @property
    def cuts(self) -> tuple[dict[str, Any], ...]:
        """The parts steps cut from this record so far (step, reason, detail, indices, messages)."""
        # read from the instance's private-attribute dict: the attribute lookup through
        # pydantic's __getattr__ costs ~5 us, and every step of every record asks
        private = self.__pydantic_private__
        return private.get("_cuts", ()) if private else ()

    def cut(self, indices: list[int], step: str, reason: str, detail: str = "") -> Conversation:
        """A copy without the messages at ``indices``; what was cut is kept in :attr:`cuts`.

        Indices are positions in this conversation (as the cutting step saw it).
        """
        drop = set(indices)
        kept = [m for i, m in enumerate(self.messages) if i not in drop]
        removed = [_message_record(m) for i, m in enumerate(self.messages) if i in drop]
        new = self.with_messages(kept)
        new._cuts = (
            *self._cuts,
            {
                "step": step,
                "reason": reason,
                "detail": detail,
                "indices": sorted(drop),
                "messages": removed,
            },
        )
        return new

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
            return users[0].text if users else ""
        roles = _DEDUP_ROLES[mode]
        # m.content, not the m.text property: this runs for every message of every record
        return "\n".join([m.content or "" for m in self.messages if m.role in roles])

    def with_messages(self, messages: list[Message]) -> Conversation:
        """A copy with other messages, provenance kept."""
        return copy_with(self, "messages", messages)

    def to_record(self) -> dict[str, Any]:
        """The JSON object written to output files (OpenAI messages form)."""
        record = self.model_dump(mode="json", exclude_none=False)
        for message in record["messages"]:
            if message.get("name") is None:
                message.pop("name", None)
        if not record.get("metadata"):
            record.pop("metadata", None)
        return record


# -- building records without pydantic's Python-level validators --------------------------
# Readers check a record's shape themselves; for the plain shape (known role, text content,
# text or no name, a metadata object) the models are assembled directly, exactly as
# ``model_validate`` would leave them (same field values, extra fields and fields set).
# Anything else goes through ``model_validate``, which gives the error messages.
_set = object.__setattr__
_MESSAGE_FIELDS = frozenset(("role", "content", "name"))
_RECORD_FIELDS = frozenset(("id", "messages", "metadata"))
_ROLE_SET = frozenset(ROLES)


def assemble(cls: Any, values: dict[str, Any], extra: Any, fields_set: Any, private: Any) -> Any:
    """A model instance from its field values, extra fields, fields set and private values."""
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_extra__", extra)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_private__", private)
    return obj


def checked_message(item: dict[str, Any]) -> Message | None:
    """The Message of a plain message dict (as ``model_validate`` makes it), else None."""
    role, content, name = item.get("role"), item.get("content"), item.get("name")
    if type(role) is not str or role not in _ROLE_SET:
        return None
    if name is not None and type(name) is not str:
        return None
    if type(content) is not str and not (
        content is None and "content" in item and any(item.get(k) for k in CALL_FIELDS)
    ):
        return None
    if len(item) == 2 and "content" in item:  # the common case: role and content only
        return assemble(
            Message, {"role": role, "content": content, "name": None}, {}, {"role", "content"}, None
        )
    extra = {k: v for k, v in item.items() if k not in _MESSAGE_FIELDS}
    return assemble(
        Message, {"role": role, "content": content, "name": name}, extra, set(item), None
    )


def checked_conversation(
    fields: dict[str, Any], source: str | None, line: int | None
) -> Conversation | None:
    """The Conversation of a plain record dict (``id`` text, ``messages`` dicts), else None."""
    ident, metadata = fields.get("id"), fields.get("metadata", _MISSING)
    if type(ident) is int:
        ident = str(ident)
    elif type(ident) is not str:
        return None
    if metadata is _MISSING:
        metadata = {}
    elif type(metadata) is not dict or not all(type(k) is str for k in metadata):
        return None
    else:
        metadata = dict(metadata)
    items = fields.get("messages")
    if type(items) is not list:
        return None
    messages = []
    for item in items:
        message = checked_message(item) if type(item) is dict else None
        if message is None:
            return None
        messages.append(message)
    extra = {k: v for k, v in fields.items() if k not in _RECORD_FIELDS}
    private = {"_source": source, "_line": line, "_cuts": ()}
    values = {"id": ident, "messages": messages, "metadata": metadata}
    return assemble(Conversation, values, extra, set(fields), private)


_MISSING: Any = object()


def _message_record(message: Message) -> dict[str, Any]:
    """A message as written to output files (no ``name`` when it has none)."""
    data = message.model_dump(mode="json")
    if data.get("name") is None:
        data.pop("name", None)
    return data
