"""Shared steps of turning a parsed JSON object into a Conversation, or a read Reject."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from selfreflect.conversation import Conversation, checked_conversation, parts_to_text
from selfreflect.formats.roles import ROLE_ALIASES, map_role
from selfreflect.steps import read_reject


class RecordError(ValueError):
    """A record that cannot become a Conversation, with its read reason code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


reject = read_reject  # a read Reject naming the file and line


def check_content(content: Any, where: str, has_tool_calls: bool = False) -> str | None:
    """Return message content as text; lists of parts are joined, anything else refused.

    Null stays null on a message that calls tools (``tool_calls`` or ``function_call``), so the
    record is written back unchanged."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        try:
            return parts_to_text(content)
        except ValueError as exc:
            raise RecordError("bad_content", f"{where}: {exc}") from None
    if content is None and has_tool_calls:
        return None
    kind = "null" if content is None else type(content).__name__
    raise RecordError(
        "bad_content", f"{where}: content is {kind}, expected text or a list of content parts"
    )


def check_role(role: Any, where: str) -> str:
    """Map an input role through the documented aliases; anything else is refused."""
    if role is None:
        raise RecordError("invalid_message", f"{where}: has no role")
    mapped = map_role(role)
    if mapped is None:
        known = ", ".join(sorted(ROLE_ALIASES))
        raise RecordError(
            "unknown_role", f"{where}: unknown role {role!r} (known roles and aliases: {known})"
        )
    return mapped


def check_messages(value: Any, key: str) -> list[Any]:
    """The list of messages under ``key``, refusing a missing, non-list or empty one."""
    if value is None:
        raise RecordError("missing_messages", f"no {key!r} list")
    if not isinstance(value, list):
        raise RecordError("invalid_messages", f"{key!r} is {type(value).__name__}, not a list")
    if not value:
        raise RecordError("empty_messages", f"{key!r} is empty")
    return value


def build(
    obj: dict[str, Any], messages: list[dict[str, Any]], source: str, line: int
) -> Conversation:
    """The Conversation of the record's other fields and normalised messages.

    The plain shape is assembled without pydantic's Python-level validators (the readers have
    checked it); anything else is validated, and a validation error is an ``invalid_record``.
    """
    fields = dict(obj)
    ident = fields.get("id")
    if ident is None:
        fields["id"] = Conversation.make_id(source, line)
    elif isinstance(ident, bool) or not isinstance(ident, str | int):
        raise RecordError(
            "invalid_id", f"id is {type(ident).__name__}, expected text or an integer"
        )
    fields["messages"] = messages
    conv = checked_conversation(fields, source, line)  # the plain shape, without validators
    if conv is not None:
        return conv
    try:
        return Conversation.model_validate(fields).at(source, line)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise RecordError("invalid_record", f"{loc}: {first['msg']}") from None
