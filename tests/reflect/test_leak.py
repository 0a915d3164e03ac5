"""The hindsight-leak guard."""

from __future__ import annotations

import pytest

from selfreflect.reflect.leak import find_hindsight_leak


@pytest.mark.parametrize(
    "text",
    [
        "I apologize for any confusion. A 3-sided coin is hypothetical.",
        "As I mentioned earlier, the outcomes are 1, 2 and 3.",
        "As mentioned before, this is a simulation.",
        "To fix my previous answer: use #3A793A.",
        "In your follow-up question you asked about physics, so here it is.",
        "Sorry for the misunderstanding, here are light-background colours.",
        "如我之前所说，这是一个模拟。",
        "抱歉造成了混淆，这里是新的答案。",
    ],
)
def test_hindsight_phrases_are_caught(text):
    assert find_hindsight_leak(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "I can't physically flip a coin, but I can simulate a 3-sided die: you got 2.",
        "Here are darker versions of the colours for a white background: #2F6D92, #3A793A.",
        "Sorry, I can't browse the web, but here is what I know.",
        "As you can see, the sky is blue because of Rayleigh scattering.",
    ],
)
def test_first_replies_pass(text):
    assert find_hindsight_leak(text) is None


def test_quoting_a_later_user_turn_is_a_leak_but_quoting_k_is_not():
    later = ["so how did you flip one if three sided coins cannot be flipped at all"]
    k = ["please flip a three sided coin for me right now and tell me the result"]
    leaked = "You wonder: how did you flip one if three sided coins cannot be flipped at all?"
    assert "quotes a later user turn" in find_hindsight_leak(leaked, later, k)
    fine = "Sure: please flip a three sided coin for me right now and tell me the result: 2."
    assert (
        find_hindsight_leak(
            fine,
            ["please flip a three sided coin for me right now and tell me the result again"],
            k,
        )
        is None
    )
