import pytest
from pydantic import ValidationError

from selfreflect import Conversation, Message


def test_list_of_parts_content_becomes_text_and_images_are_dropped():
    m = Message.model_validate(
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look at"},
                {"type": "image_url", "image_url": {"url": "http://x/y.png"}},
                {"type": "text", "text": "this"},
            ],
        }
    )
    assert m.content == "look at\nthis"


@pytest.mark.parametrize("content", [42, None, {"text": "hi"}, 1.5, True])
def test_non_text_content_is_refused_not_coerced(content):
    with pytest.raises(ValidationError):
        Message.model_validate({"role": "user", "content": content})


def test_null_content_allowed_only_with_tool_calls():
    m = Message.model_validate(
        {"role": "assistant", "content": None, "tool_calls": [{"id": "1", "type": "function"}]}
    )
    # kept as null (written back unchanged); rules read ``text``
    assert m.content is None and m.text == "" and m.tool_calls == [{"id": "1", "type": "function"}]
    assert m.model_dump()["content"] is None


@pytest.mark.parametrize("role", ["robot", "assistnat", "Human", ""])
def test_unknown_roles_are_refused(role):
    with pytest.raises(ValidationError):
        Message(role=role, content="x")


def test_unknown_fields_survive_a_round_trip():
    rec = {
        "id": "a",
        "messages": [{"role": "user", "content": "hi", "weight": 0.5}],
        "persona": "Emma",
        "metadata": {"k": 1},
    }
    conv = Conversation.model_validate(rec)
    assert conv.to_record() == rec


def test_provenance_is_not_written():
    conv = Conversation(id="a", messages=[]).at("f.jsonl", 3)
    assert "source" not in conv.to_record() and "line" not in conv.to_record()
    assert (conv.source, conv.line) == ("f.jsonl", 3)
    assert conv.model_copy(update={"id": "b"}).source == "f.jsonl"


def test_fields_named_like_provenance_are_data():
    rec = {"id": "a", "messages": [], "source": "sharegpt", "line": 12}
    conv = Conversation.model_validate(rec).at("in.jsonl", 7)
    assert conv.to_record() == rec
    assert (conv.source, conv.line) == ("in.jsonl", 7)


def test_integer_ids_become_text_and_stable_ids_are_stable():
    assert Conversation.model_validate({"id": 8, "messages": []}).id == "8"
    assert Conversation.make_id("a.jsonl", 3) == Conversation.make_id("a.jsonl", 3)
    assert Conversation.make_id("a.jsonl", 3) != Conversation.make_id("a.jsonl", 4)


def _conv():
    return Conversation(
        id="c",
        messages=[
            Message(role="system", content="You are Emma."),
            Message(role="user", content="hi"),
            Message(role="assistant", content="hello"),
            Message(role="user", content="bye"),
            Message(role="assistant", content="see you"),
        ],
    )


def test_helpers_for_turns_pairs_and_dedup_text():
    conv = _conv()
    assert conv.system == "You are Emma."
    assert [m.content for m in conv.turns("user")] == ["hi", "bye"]
    assert conv.pairs() == [(1, 2), (3, 4)]
    assert "Emma" not in conv.dedup_text()
    assert conv.dedup_text("user") == "hi\nbye"
    assert conv.dedup_text("assistant") == "hello\nsee you"
    assert conv.dedup_text("first_user") == "hi"


def test_with_content_is_model_copy_with_new_content():
    from selfreflect.steps import with_content

    calls = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    for message in (
        Message(role="user", content="hi"),
        Message(role="assistant", content="old", name="Aria", tool_calls=calls, weight=0.5),
    ):
        new, expected = with_content(message, "new"), message.model_copy(update={"content": "new"})
        assert new == expected and type(new) is type(expected)
        assert new.model_dump() == expected.model_dump()
        assert new.model_fields_set == expected.model_fields_set
        assert message.content in ("hi", "old")  # the original is untouched
        if message.model_extra:
            new.model_extra["weight"] = 1.0  # the copy's extra fields are its own
            assert message.model_extra["weight"] == 0.5
