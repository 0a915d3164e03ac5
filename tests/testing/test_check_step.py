"""check_step passes good steps and names each rule a bad step breaks."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))
from core_test_steps import (  # noqa: E402
    DropMultipleOf,
    DropShort,
    KeepFirstPerUser,
    LoseEveryTenth,
    ReplacePhrases,
    Shout,
)

from selfreflect import Conversation, Filter, Rewriter  # noqa: E402
from selfreflect.testing import check_step, example_step, sample_conversations  # noqa: E402


@pytest.mark.parametrize(
    "step", [DropShort(10), Shout(), KeepFirstPerUser(), example_step(ReplacePhrases)], ids=repr
)
def test_good_steps_pass(step):
    check_step(step)


class ConvertsParams(Filter):
    """Keep everything."""

    def __init__(self, words: list[str] = ("a",)):  # type: ignore[assignment]
        self.words = tuple(w.lower() for w in words)
        self.pattern = "|".join(words)

    def keep(self, conv):
        return True


class Undocumented(Filter):
    def keep(self, conv):
        return len(conv.messages) < 3


class Mutates(Rewriter):
    """Upper-case in place (wrong)."""

    def rewrite(self, conv):
        for m in conv.messages:
            m.content = m.content.upper()
        return conv


class HoldsALock(Filter):
    """Keep everything but hold something that cannot be pickled."""

    def __init__(self, lock=None):
        self.lock = lock

    def keep(self, conv):
        return True


class ReturnsText(Rewriter):
    """Return the text instead of a conversation."""

    def rewrite(self, conv):
        return conv.messages[-1].content


class NotSnake(Filter):
    """Keep everything."""

    name = "Keep-All"

    def keep(self, conv):
        return True


@pytest.mark.parametrize(
    ("step", "messages"),
    [
        (
            ConvertsParams(["A", "b"]),
            ["init_stores_params: __init__ changed parameter 'words'", "not parameters: pattern"],
        ),
        (Undocumented(), ["docstring_summary: the class has no docstring"]),
        (DropMultipleOf(2), ["invalid literal for int()"]),  # ids like 'sample-1'
        (Mutates(), ["does_not_mutate: mutated its input (sample-1"]),
        (HoldsALock(threading.Lock()), ["picklable: cannot be pickled", "cannot write lock value"]),
        (ReturnsText(), ["returned str, not a Conversation or a Reject"]),
        (NotSnake(), ["name 'Keep-All' is not snake_case"]),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, list) else "",
)
def test_bad_steps_are_named_with_the_rules_they_break(step, messages):
    with pytest.raises(AssertionError) as info:
        check_step(step)
    text = str(info.value)
    for message in messages:
        assert message in text


def test_lose_every_tenth_with_enough_records():
    records = sample_conversations() * 2
    records = [c.model_copy(update={"id": f"{c.id}-{n}"}) for n, c in enumerate(records)]
    with pytest.raises(AssertionError, match="14 records in, 13 outcomes out"):
        check_step(LoseEveryTenth(), records)


def test_sample_conversations_are_valid_and_varied():
    convs = sample_conversations()
    assert len({c.id for c in convs}) == len(convs)
    assert {m.role for c in convs for m in c.messages} == {"system", "user", "assistant", "tool"}
    assert all(isinstance(c, Conversation) for c in convs)
