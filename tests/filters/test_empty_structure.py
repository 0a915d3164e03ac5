import pytest

from selfreflect import Conversation, Message, Reject
from selfreflect.filters import DropBadStructure, DropEmptyTurns


def conv(*turns: tuple[str, str], cid: str = "x") -> Conversation:
    return Conversation(id=cid, messages=[Message(role=r, content=c) for r, c in turns])


SYSTEM = ("system", "You are Elon Musk.")


def test_empty_user_turn_of_the_elon_file_is_dropped_with_role_in_reason():
    # seed: chat_record_Elon.jsonl id 0 has an empty user turn
    out = DropEmptyTurns().process(
        conv(SYSTEM, ("user", ""), ("assistant", "I can destroy you with a single tweet."))
    )
    assert isinstance(out, Reject) and out.reason == "empty_user"
    assert "message 1" in out.detail


def test_whitespace_only_assistant_and_kept_records():
    out = DropEmptyTurns().process(conv(("user", "Hi"), ("assistant", " \n\t ")))
    assert out.reason == "empty_assistant"
    ok = conv(SYSTEM, ("user", "Coffee or tea?"), ("assistant", "Neither."))
    assert DropEmptyTurns().process(ok) is ok
    assert DropEmptyTurns().process(conv()).reason == "no_messages"


def test_empty_system_prompt_is_checked_only_when_asked():
    record = conv(("system", ""), ("user", "Hi"), ("assistant", "Hello"))
    assert DropEmptyTurns().process(record) is record
    assert (
        DropEmptyTurns(roles=("system", "user", "assistant")).process(record).reason
        == "empty_system"
    )


@pytest.mark.parametrize(
    ("turns", "reason"),
    [
        ([SYSTEM, ("user", "Hi")], "no_assistant"),
        ([SYSTEM], "no_assistant"),
        ([SYSTEM, ("assistant", "Hello, peasant.")], "no_user"),
        ([("user", "Hi"), SYSTEM, ("assistant", "Hello")], "system_not_first"),
        ([SYSTEM, ("user", "Hi"), ("user", "Hello?"), ("assistant", "Yes")], "repeated_role"),
        ([("user", "Hi"), ("assistant", "Yo"), ("assistant", "Yo")], "repeated_role"),
        ([("user", "Hi"), ("assistant", "Yo"), ("user", "And?")], "last_not_assistant"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_structure_reasons(turns, reason):
    out = DropBadStructure(trailing_user="drop").process(conv(*turns))
    assert isinstance(out, Reject) and out.reason == reason


def test_usable_conversations_are_kept():
    step = DropBadStructure()
    for record in [
        conv(SYSTEM, ("user", "Hi"), ("assistant", "Hello")),
        conv(("user", "Hi"), ("assistant", "Hello"), ("user", "Bye"), ("assistant", "Bye!")),
        conv(
            SYSTEM, ("assistant", "Hey, I'm Billie."), ("user", "Hi!"), ("assistant", "What's up?")
        ),
    ]:
        assert step.process(record) is record


def test_assistant_first_can_be_refused_and_last_user_allowed():
    greeting = conv(("assistant", "Hey!"), ("user", "Hi"), ("assistant", "What's up?"))
    assert (
        DropBadStructure(allow_assistant_first=False).process(greeting).reason == "assistant_first"
    )
    open_end = conv(("user", "Hi"), ("assistant", "Yo"), ("user", "And?"))
    assert DropBadStructure(require_last_assistant=False).process(open_end) is open_end


def test_tool_turns_do_not_break_alternation():
    record = Conversation(
        id="t",
        messages=[
            Message(role="user", content="Weather?"),
            Message(role="assistant", content="", tool_calls=[{"id": "1"}]),
            Message(role="tool", content="sunny"),
            Message(role="assistant", content="It's sunny."),
        ],
    )
    # two assistant turns around a tool result are one assistant turn that used a tool
    assert DropEmptyTurns().process(record) is record
