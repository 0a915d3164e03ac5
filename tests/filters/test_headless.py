"""Headless ShareGPT chunks: the leading answer is trimmed; an opening that points at the missing
part drops the record with its own reason."""

import pytest

from selfreflect import Conversation, Message, Pipeline, Reject
from selfreflect.filters import DropBadStructure, DropContextDependent


def chunk(opening: str) -> Conversation:
    return Conversation(
        id="sg-chunk_7",
        messages=[
            Message(role="assistant", content="Sure, here's the calendar for the ideas above: ..."),
            Message(role="user", content=opening),
            Message(role="assistant", content="Here is a detailed answer to that."),
            Message(role="user", content="Thanks, and what about next year?"),
            Message(role="assistant", content="Next year works the same way."),
        ],
    )


PIPE = Pipeline([DropBadStructure(), DropContextDependent()])


@pytest.mark.parametrize(
    "opening",
    [
        "continue",
        "go on",
        "Convert the above code to jsp",
        "None of these links are working",
        "I fear that is not all of the code",
        "you left off after qa/test lead please continue",
        "Add tests",
        "10 more",
        "how are such indexes created?",
        "But given Section 230, we aren't liable",
        "Okay, but the batch size seems too big",
        "Can you translate this story into a Save the Cat template?",
        "you didn't mention ngrx in the backlog",
        "请把上面的代码改成Java",
        "继续",
    ],
)
def test_chunk_openings_that_need_the_missing_part_drop_the_record(opening):
    result = PIPE.run([chunk(opening)])
    (reject,) = [r for r in result.rejects if type(r) is Reject]
    assert reject.reason in ("headless_context", "continuation")
    assert result.kept == []


@pytest.mark.parametrize(
    "opening",
    [
        "Is it better for an artist to have an agency company?",
        "Help me understand ARM architecture in detail",
        "Methodologies to use if you want to pay zero income tax on a 20k/month salary in India",
        "Can you compare the business strategy of Procter and Gamble with Unilever?",
        "A Cookie is a key-value pair or a collection of key-value pairs?",
        "Create a calendar and templates for the following:\n1st-time donation\nMilestone donation",
    ],
)
def test_self_contained_openings_keep_the_rest_of_the_chunk(opening):
    result = PIPE.run([chunk(opening)])
    (kept,) = result.kept
    assert kept.messages[0].content == opening and len(kept.messages) == 4
    assert [c["reason"] for c in kept.cuts] == ["leading_assistant"]


def test_a_persona_greeting_is_not_trimmed_and_multi_turn_openings_are_not_judged_as_chunks():
    greeting = Conversation(
        id="rp",
        messages=[
            Message(role="system", content="You are Billie."),
            Message(role="assistant", content="Hey, I'm Billie. What's up?"),
            Message(role="user", content="But why are you so sad today?"),
            Message(role="assistant", content="Just tired."),
        ],
    )
    assert PIPE.run([greeting]).kept[0] is greeting
    # a multi-turn chat that opens mid-chat is not judged as a chunk: its opening only matters
    # when the chat is short (tests/filters/test_context_openings.py)
    chat = Conversation(
        id="cc",
        messages=[
            Message(role="user", content="Probably not, no. Computers won't take over."),
            Message(role="assistant", content="Right."),
            Message(role="user", content="Or Siri..."),
            Message(role="assistant", content="True."),
            Message(role="user", content="Siri can't even set a timer right."),
            Message(role="assistant", content="Ha, mine neither."),
        ],
    )
    assert PIPE.run([chat]).kept[0] is chat
