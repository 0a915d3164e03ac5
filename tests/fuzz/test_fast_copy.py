"""copy_with gives what pydantic's ``model_copy(update=...)`` gives, for messages and records."""

from __future__ import annotations

from selfreflect.conversation import Conversation, Message, copy_with


def _state(model: Message | Conversation) -> tuple[object, ...]:
    """Everything a copy carries: fields, extra fields, fields set, private attributes."""
    return (
        model.__dict__,
        model.__pydantic_extra__,
        model.__pydantic_fields_set__,
        model.__pydantic_private__,
    )


def test_copy_with_matches_model_copy_and_shares_nothing_it_changes() -> None:
    message = Message.model_validate({"role": "user", "content": "hi", "lang": "en"})
    extra = {"source_id": "x"}
    conv = Conversation(id="a", messages=[message, message], metadata={"k": 1}, **extra)
    conv = conv.at("f", 3).cut([1], "step", "reason")
    new_messages = [Message(role="user", content="bye")]
    for model, name, value in [(message, "content", "bye"), (conv, "messages", new_messages)]:
        fast = copy_with(model, name, value)
        slow = model.model_copy(update={name: value})
        assert _state(fast) == _state(slow)
        assert fast == slow and fast is not model
        assert getattr(model, name) != value  # the original is untouched
        assert fast.__pydantic_fields_set__ is not model.__pydantic_fields_set__
    copied = copy_with(conv, "messages", new_messages)
    assert (copied.source, copied.line, len(copied.cuts)) == ("f", 3, 1)
    assert copied.__pydantic_private__ is not conv.__pydantic_private__
    assert len(copied.cut([0], "step", "reason").cuts) == 2 and len(copied.cuts) == 1
