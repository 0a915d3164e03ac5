"""Openings that need a part the record does not hold: short chats answering an unseen prompt,
first answers that speak of earlier turns, and chunk openings that edit or name a missing text."""

import pytest

from selfreflect import Conversation, Message, Pipeline, Reject
from selfreflect.filters import DropBadStructure, DropContextDependent
from selfreflect.steps import Cut

PIPE = Pipeline([DropBadStructure(), DropContextDependent()])


def chat(*texts: str, system: str | None = None) -> Conversation:
    roles = ["user", "assistant"] * len(texts)
    messages = [Message(role="system", content=system)] if system else []
    messages += [Message(role=r, content=t) for r, t in zip(roles, texts, strict=False)]
    return Conversation(id="cc-1", messages=messages)


def rejected(conv: Conversation) -> Reject | None:
    result = PIPE.run([conv])
    drops = [r for r in result.rejects if type(r) is Reject]
    return drops[0] if drops else None


@pytest.mark.parametrize(
    "opening",
    [
        "Eh. I would DEFINITELY turn them off.\nAt that point, they're too sentient",
        "Omigoodness, I would go everywhere!!!",
        "I do not know",
        "Honestly, I would probably invest the money and donate some of it",
        "Then they would have a good intellectual conversation",
        "Probably not, no. People have been talking about this for years.",
        "Je pense que oui, mais pas tout de suite.",
        "Ich würde sofort nach Hause fahren.",
        "我觉得会，但是要很久。",
    ],
)
def test_a_short_chat_opening_with_an_answer_to_an_unseen_prompt_is_dropped(opening):
    conv = chat(opening, "Haha that would just freak me out", "Right?", "Totally.")
    reject = rejected(conv)
    assert reject is not None and reject.reason == "answer_to_missing_prompt", opening


@pytest.mark.parametrize(
    "opening",
    [
        "Hi! How are you?",
        "Would you turn off a computer that said it was sentient?",
        "Yes or no: can a computer ever be sentient?",
        "No worries about the delay, I'm here now. What's the prompt?",
        "I have always wanted to have the power of telepathy.",
        "I would like to explain my derivation of back-propagation to you.",
        "I'd love a recipe for a quick weeknight curry.",
        "Maybe you could recommend a book for a long flight?",
        "Well, what do you think about remote work?",
    ],
)
def test_greetings_questions_and_statements_that_open_a_chat_are_kept(opening):
    conv = chat(opening, "Haha, tell me more", "Well, it's a long story", "I have time.")
    assert PIPE.run([conv]).kept == [conv]


def test_the_same_opening_is_kept_in_a_longer_chat_and_after_a_system_prompt():
    opening = "Eh. I would DEFINITELY turn them off."
    longer = chat(opening, "Same here", "They're too sentient", "Agreed", "Scary stuff", "Yes!")
    role_play = chat(opening, "Same here", system="You are Elif, a ceramics artist.")
    assert PIPE.run([longer, role_play]).kept == [longer, role_play]


def test_a_first_answer_that_speaks_of_earlier_turns_marks_the_chunk_as_headless():
    conv = chat(
        "codes please",
        "As I mentioned earlier, the code depends on your project. Here is a simple example:\n"
        "```python\nprint('rebalance')\n```",
        "more codes",
        "Here is another example.",
    )
    reject = rejected(conv)
    assert reject is not None and reject.reason == "headless_context"
    assert "As I mentioned earlier" in reject.detail


def test_an_answer_that_mentions_earlier_in_a_single_exchange_or_later_turns_is_kept():
    single = chat("What is 2+2?", "As I mentioned earlier in school, 4.")
    later = chat(
        "Explain closures in JavaScript.",
        "A closure is a function that keeps the variables of the scope it was made in.",
        "Show an example.",
        "As I mentioned earlier, a closure keeps its scope: `const f = () => x;`",
    )
    assert PIPE.run([single, later]).kept == [single, later]


def headless(opening: str) -> Conversation:
    return Conversation(
        id="sg-chunk_9",
        messages=[
            Message(role="assistant", content="Here's the updated script:\n```js\nrun();\n```"),
            Message(role="user", content=opening),
            Message(role="assistant", content="Sure, here it is."),
            Message(role="user", content="Can you explain how a hash map works?"),
            Message(role="assistant", content="A hash map stores values by the hash of a key."),
        ],
    )


@pytest.mark.parametrize(
    "opening",
    [
        "write it in solidity",
        "add if this then that to below",
        "That's nice but I need to add some conversation points in there",
        "Dont make order.total\\_tax and order.financial\\_status variables",
        "Wouldn't it be better to use the group ID instead of its name",
        "what would be the benefits for a health insurer to promote this app to its customers?",
        "If I wanted to create a GUI to use the python code as a desktop software, can you help",
        "add an action to the Technical leader to give a solution in the jira ticket",
        "check all disks not just /",
        "you didin't mention angular universal in the sprint backlog",
    ],
)
def test_chunk_openings_that_edit_or_name_the_missing_part_drop_the_record(opening):
    reject = rejected(headless(opening))
    assert reject is not None and reject.reason == "headless_context", opening


@pytest.mark.parametrize(
    "opening",
    [
        "Is it better for an artist to have an agency company",
        "Java print elements of arraylist",
        "Define the DevOps model with a complete and brief explanation?",
        "move statements into functions refactoring method",
        'how to convert "hello world" to "Hello WorlD" using string operations in python',
        "请用Python写一个快速排序",
    ],
)
def test_chunk_openings_that_stand_alone_are_kept(opening):
    (kept,) = PIPE.run([headless(opening)]).kept
    assert kept.messages[0].content == opening


def test_min_exchanges_left_cuts_the_dependent_head_and_the_rejects_file_holds_it():
    pipe = Pipeline([DropBadStructure(), DropContextDependent(min_exchanges_left=1)])
    result = pipe.run([headless("write it in solidity")])
    (kept,) = result.kept
    assert [m.content for m in kept.messages][0] == "Can you explain how a hash map works?"
    cuts = [r for r in result.rejects if isinstance(r, Cut)]
    assert [c.reason for c in cuts] == ["leading_assistant", "headless_context"]
    removed = [m["content"] for m in cuts[1].messages]
    assert removed == ["write it in solidity", "Sure, here it is."]
    assert result.report.kept == 1 and result.report.rejected == 0


def test_min_exchanges_left_drops_when_no_turn_stands_alone():
    pipe = Pipeline([DropBadStructure(), DropContextDependent(min_exchanges_left=1)])
    conv = headless("write it in solidity")
    conv = conv.with_messages([*conv.messages[:3]])
    (reject,) = [r for r in pipe.run([conv]).rejects if type(r) is Reject]
    assert reject.reason == "headless_context"


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ("Lets go", "continuation"),
        ("Let's begin!", "continuation"),
        ("I'm back.", "continuation"),
        ("Hello again!", "continuation"),
        (
            "alot more results, is this right? results: abi, address_soundex",
            "reply_to_missing_turn",
        ),
        ("Much better now, but shorter please.", "reply_to_missing_turn"),
        ("That doesn't work", "reply_to_missing_turn"),
        (
            "This isn't something to configure in node.js at all, it is the OS's job.",
            "reply_to_missing_turn",
        ),
    ],
)
def test_single_exchange_openings_without_their_setup_are_dropped(user, reason):
    reject = rejected(chat(user, "Sure, let's do it."))
    assert reject is not None and reject.reason == reason


@pytest.mark.parametrize(
    "user",
    [
        "Let's go to the beach: plan a day trip for four people.",
        "It doesn't matter which language I pick for a first project, does it?",
        "Much more than a hobby: how do I turn woodworking into a business?",
        "Far more people live in Asia than in Europe. Why is that?",
    ],
)
def test_single_exchange_openings_that_carry_their_setup_are_kept(user):
    conv = chat(user, "Sure, here is a plan.")
    assert PIPE.run([conv]).kept == [conv]


def test_a_go_on_opening_of_a_longer_chat_is_cut_when_the_next_request_stands_alone():
    # sg-NUHiH1x_0: "go on" + the end of a missing answer, then self-contained requests
    conv = chat(
        "go on",
        "* Thank you to the audience for their time and attention.",
        "Write a table of the Silent Generation, Baby Boomers and Gen X with their strengths.",
        "| generation | strengths |\n|---|---|\n| Silent | loyalty |",
    )
    result = PIPE.run([conv])
    (kept,) = result.kept
    assert kept.messages[0].content.startswith("Write a table")
    (cut,) = [r for r in result.rejects if isinstance(r, Cut)]
    assert cut.reason == "continuation" and cut.indices == [0, 1]


def test_a_go_on_opening_followed_by_more_dependent_turns_drops_the_record():
    conv = chat("Lets go", "**Prompt:** LinkedIn Summary Interview", "yes", "Great, let's start!")
    reject = rejected(conv)
    assert reject is not None and reject.reason == "continuation"


def test_words_inside_pasted_material_do_not_mark_a_chunk_opening():
    pasted = (
        'Web search results:\n\n[1] "Analytical geometry combines algebra and geometry."\n'
        + "\n".join(f"[{i}] result text number {i}" for i in range(2, 8))
        + "\n\nIf the results refer to several subjects with the same name, write separate "
        "answers for each subject.\nQuery: Illustrate analytic geometry in 250-500 words."
    )
    (kept,) = PIPE.run([headless(pasted)]).kept
    assert kept.messages[0].content == pasted


def test_a_long_opening_is_judged_by_its_request_not_by_words_deep_in_the_pasted_text():
    essay = "The committee met in March. " * 80  # pasted material, 2,240 characters
    pasted = f"Summarise this essay in three bullet points:\n\n{essay}As I said before, it ends."
    deep = (
        f"Summarise this essay in three bullet points:\n\n{essay[:1200]}As I said before, " + essay
    )
    assert rejected(chat(pasted, "- The committee met in March.")) is not None  # at the end
    conv = chat(deep, "- The committee met in March.")
    assert PIPE.run([conv]).kept == [conv]


def test_a_greeting_after_an_opening_word_is_not_an_answer_to_an_unseen_prompt() -> None:
    from selfreflect.filters.context import answer_opening

    assert answer_opening("Well hello there") is None
    assert answer_opening("Oh hi! How is your day?") is None
    assert answer_opening("Well, I would freak out a little") == "Well"
