"""context_cue's gates skip no message its patterns match: the gated function gives what the
ungated reference gives, on arbitrary Unicode and on openings built from the cues themselves."""

from __future__ import annotations

import reference_context
import regex
from hypothesis import given
from hypothesis import strategies as st
from real_shaped import sample_texts, texts
from test_properties import SETTINGS

from selfreflect.filters import context

#: Pieces of openings the rules care about, in several casings, with the text around them.
PIECES = [
    "continue",
    "Continue please",
    "go on",
    "what did you mean by that",
    "as I said before",
    "Like I mentioned,",
    "you just said that",
    "your previous answer",
    "your second point",
    "the above response",
    "that's not what I asked",
    "the second one",
    "option 2",
    "why did you say that",
    "same question as before",
    "do it again",
    "ok next question",
    "你刚才说",
    "第二个",
    "为什么",
    "why?",
    "Understood. Here are",
    "here are 10 ideas:",
    "thanks",
    "I see",
    "???",
    "It still doesn't work",
    "much better",
    "than",
    "Weiter bitte",
    "Продолжай",
    "続けてください",
    "계속해줘",
    "¿",
    "ſ",
    "\u212a",
    "\u2019",
    " ",
    "\n",
    ".",
    "?",
    ",",
    "Write a poem about the sea.",
    "x" * 1600,
]

cues = st.lists(st.sampled_from(PIECES) | texts, max_size=6).map("".join)


@SETTINGS
@given(cues | cues.map(str.upper) | cues.map(str.title))
def test_gated_context_cue_gives_what_the_reference_gives(text: str) -> None:
    assert context.context_cue(text) == reference_context.context_cue(text)


def test_gated_context_cue_agrees_on_the_real_samples() -> None:
    found = 0
    for text in [*PIECES, *sample_texts()]:
        expected = reference_context.context_cue(text)
        assert context.context_cue(text) == expected, text[:80]
        found += expected is not None
    assert found >= 30  # the samples do hold cues of every kind the gates must let through
    assert context.context_cue("Continue please") == ("continuation", "Continue please")


def test_alternatives_split_only_at_the_top_level() -> None:
    """Each rule's pieces compile alone and join back to the rule (so none hides another)."""
    assert context._alternatives(r"a|(b|c)|[|]|\||d") == ["a", "(b|c)", "[|]", r"\|", "d"]
    for patterns in context._RULES.values():
        for pattern in patterns:
            parts = context._alternatives(pattern)
            assert "|".join(parts) == pattern
            for part in parts:
                regex.compile(part)
