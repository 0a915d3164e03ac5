"""drop_ai_self_reference's fast gates give the results of the reference (its old gates)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import reference_ai_self_reference as reference
import regex
from hypothesis import example, given
from real_shaped import FRAGMENTS, sample_texts, texts
from test_properties import SETTINGS

from selfreflect.filters import ai_self_reference as en
from selfreflect.filters import ai_self_reference_i18n as i18n
from selfreflect.filters.ai_self_reference import _KEYWORDS, find_self_reference

FIXTURES = Path(__file__).parents[1] / "filters" / "fixtures"


def fixture_texts() -> list[str]:
    """The labelled texts of the rule's own tests (English, fresh, holdout, other languages)."""
    out = []
    for path in sorted(FIXTURES.glob("ai_self_reference*.tsv")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            out += [part.replace("\\n", "\n") for part in line.split("\t") if len(part) > 3]
    return out


@SETTINGS
@given(texts)
@example("I'm just a program.")
@example("Soy una IA, como tú.")
@example("ſoy un programa")
@example("İch bin ein Programm.")
@example("As an AI language model, I am not able to. My creators at OpenAI")
@example("I was created by a team of engineers")
@example("chatbots like me")
@example("I'm not a real person.")
@example("I am incapable of feeling emotions")
@example("Me,  being just an AI program")
@example("you're just talking to a\tbot here")
@example("chatbots LİKE ME")
@example("I was built by Miſtral engineers. My creators at MİSTRAL")
def test_find_self_reference_equals_reference(text):
    assert find_self_reference(text) == reference.find_self_reference(text)


def test_keyword_gate_equals_reference():
    for text in sample_texts() + FRAGMENTS + fixture_texts():
        lower = text.lower()
        assert bool(_KEYWORDS.search(lower)) == bool(reference.KEYWORDS.search(lower))


def test_find_self_reference_on_real_and_labelled_texts():
    found = 0
    for text in sample_texts() + FRAGMENTS + fixture_texts():
        expected = reference.find_self_reference(text)
        assert find_self_reference(text) == expected, text[:80]
        found += expected is not None
    assert found > 100  # the texts do exercise the patterns


def test_gate_prefilter_never_skips_a_gate_word():
    """Exhaustive over Unicode: every character that matches a gate word's letter when case is
    ignored lower-cases to that letter, except "ſ" and "İ" (which the prefilter sends on)."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    letters = set("".join(i18n._GATE_WORDS_LOWER))
    for letter in sorted(letters):
        for char in regex.findall(regex.escape(letter), everything, flags=regex.IGNORECASE):
            assert char.lower() == letter or char in "\u017f\u0130", (letter, char)


def test_extra_gate_words_are_in_the_folded_text():
    """Exhaustive over Unicode: a character matching a Latin letter ignoring case is that letter
    in the folded lower-cased text (so the added gates never skip a match)."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for char in regex.findall(regex.escape(letter), everything, flags=regex.IGNORECASE):
            assert en._folded(char.lower()) == letter, (letter, char)


def test_every_space_of_the_patterns_is_a_space_of_the_gates():
    """The gates' ``re`` \\s matches every character the patterns' ``regex`` \\s does."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for char in regex.findall(r"\s", everything):
        assert re.fullmatch(r"\s", char.lower()), hex(ord(char))


@SETTINGS
@given(texts)
@example("это я")
@example("которая")
@example("İch bin")
def test_gate_prefilter_is_exact(text):
    """The prefilter is False only where the other languages' gate finds nothing."""
    if not i18n._may_have_gate_word(text, text.lower()):
        assert i18n._compiled()[0].search(text) is None


def test_gate_prefilter_on_real_texts():
    passed = 0
    for text in sample_texts() + FRAGMENTS + fixture_texts():
        gate = i18n._compiled()[0].search(text) is not None
        may = i18n._may_have_gate_word(text, text.lower())
        assert may or not gate, text[:80]
        passed += may
    assert passed > 50


@pytest.mark.parametrize(
    "text", ["Como IA, no puedo", "SOY UN PROGRAMA", "Je suis une IA", "ICH BIN EINE KI", "Я — бот"]
)
def test_prefilter_passes_gate_words(text):
    assert i18n._may_have_gate_word(text, text.lower())
