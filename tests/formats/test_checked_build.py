"""Records built without validators are the records ``model_validate`` makes, or not built."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from selfreflect.conversation import Conversation, checked_conversation

texts = st.text(max_size=8)
scalars = st.none() | st.booleans() | st.integers(-3, 3) | texts
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(texts, inner, max_size=2)
)
keys = st.sampled_from(
    ["role", "content", "name", "tool_calls", "function_call", "_x", "text", "x"]
)
roles = st.sampled_from(["user", "assistant", "system", "tool", "human", 3, None])
contents = texts | st.none() | st.integers() | st.lists(texts, max_size=2)


@st.composite
def messages(draw: Any) -> Any:
    item = draw(st.dictionaries(keys, values, max_size=4))
    if draw(st.booleans()):
        item["role"] = draw(roles)
    if draw(st.booleans()):
        item["content"] = draw(contents)
    return item if draw(st.integers(0, 9)) else draw(values)


@st.composite
def records(draw: Any) -> dict[str, Any]:
    record = draw(
        st.dictionaries(st.sampled_from(["x", "_y", "source", "line", "cuts"]), values, max_size=2)
    )
    record["id"] = draw(texts | st.integers() | st.booleans() | st.none())
    record["messages"] = draw(st.lists(messages(), max_size=3) | values)
    if draw(st.booleans()):
        record["metadata"] = draw(st.dictionaries(texts, values, max_size=2) | values)
    return record


def _state(value: Any) -> Any:
    """Everything a model instance holds (nested models included), for comparison."""
    if isinstance(value, list):
        return [_state(v) for v in value]
    if not hasattr(value, "__pydantic_fields_set__"):
        return value
    return (
        type(value),
        {k: _state(v) for k, v in value.__dict__.items()},
        value.__pydantic_extra__,
        value.__pydantic_fields_set__,
        value.__pydantic_private__,
    )


@settings(max_examples=600, deadline=None)
@given(records())
def test_a_checked_record_is_the_validated_record(record: dict[str, Any]) -> None:
    built = checked_conversation(dict(record), "f.jsonl", 7)
    try:
        validated = Conversation.model_validate(record).at("f.jsonl", 7)
    except ValidationError:
        assert built is None  # never accepts what validation refuses
        return
    if built is not None:
        assert _state(built) == _state(validated)
        assert built.to_record() == validated.to_record()


@pytest.mark.parametrize(
    "record",
    [
        {"id": "a", "messages": [{"role": "user", "content": "hi"}]},
        {"id": 5, "messages": [{"role": "user", "content": "hi", "name": "bo", "w": [1]}], "k": 1},
        {"id": "a", "messages": [{"role": "assistant", "content": None, "tool_calls": [{}, 1]}]},
        {"id": "a", "messages": [{"role": "tool", "content": ""}], "metadata": {"m": {"n": 1}}},
    ],
)
def test_plain_records_are_built_without_validation(record: dict[str, Any]) -> None:
    built = checked_conversation(dict(record), None, None)
    assert built is not None
    assert _state(built) == _state(Conversation.model_validate(record))
