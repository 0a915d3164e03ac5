"""The fast paths of drop_garbled and fix_mojibake give the results of their reference."""

from __future__ import annotations

import pytest
import reference_garbled as reference
from ftfy.badness import BADNESS_RE
from ftfy.badness import is_bad as ftfy_is_bad
from hypothesis import example, given
from hypothesis import strategies as st
from real_shaped import FRAGMENTS, sample_texts, texts
from test_properties import SETTINGS

from selfreflect.filters import FixMojibake
from selfreflect.filters.garbled import garbage_reason
from selfreflect.filters.mojibake_badness import is_bad

PARAMS = [(0.3, True), (0.6, False), (0.0, True), (1.0, True)]
# ASCII text made of the characters the ASCII fast path classifies: controls, spaces, symbols
ascii_texts = st.text(st.characters(max_codepoint=127), max_size=60)


def test_badness_patterns_are_short_and_context_free():
    """What the windowed search relies on: no repeats, anchors but ^, or lookarounds."""
    pattern = BADNESS_RE.pattern.replace("U+2000", "")
    for token in ("*", "+", "{", "(?", "$", "\\b", "\\B", "\\A", "\\Z"):
        assert token not in pattern
    assert not BADNESS_RE.flags & 8  # re.MULTILINE: "^" is the start of the text only


@SETTINGS
@given(texts | ascii_texts)
@example("Ã ")
@example("a word Ã here")  # the match starts two characters before the non-ASCII one
@example("text ГўВЂВxA text")  # ... and ends two after the non-ASCII run
@example("x" * 40 + "Ã\xa0")
@example("é" + "x" * 40 + "Ã\xa0" + "y" * 40 + "ü")
def test_windowed_is_bad_equals_ftfy(text):
    assert is_bad(text) == ftfy_is_bad(text)


def test_windowed_is_bad_on_real_texts():
    for text in sample_texts() + FRAGMENTS:
        assert is_bad(text) == ftfy_is_bad(text), text[:80]


@SETTINGS
@given(texts | ascii_texts, st.sampled_from(PARAMS))
@example("!@#$%^&*()_+" * 3, (0.3, True))
@example("_" * 30, (0.3, True))
@example("\x1c\x1d" + "." * 30, (0.3, True))
@example("\x01" + "x" * 30, (0.3, True))
def test_garbage_reason_equals_reference(text, params):
    assert garbage_reason(text, *params) == reference.garbage_reason(text, *params)


@pytest.mark.parametrize("params", PARAMS[:3])  # share 1.0 sends every text the slow way
def test_garbage_reason_on_real_texts(params):
    for text in sample_texts() + FRAGMENTS:
        assert garbage_reason(text, *params) == reference.garbage_reason(text, *params), text[:80]


CONFIGS = [FixMojibake(), FixMojibake(unescape_html=True), FixMojibake(normalization="NFKC")]
CONFIGS.append(FixMojibake(normalization=None))


@SETTINGS
@given(texts, st.sampled_from(range(len(CONFIGS))))
@example("doesnâ€™t " * 20 + "😀", 0)
@example("line one Ã©tÃ©\nline two is fine\n\nÐ¿Ñ€Ð¸Ð²ÐµÑ‚\r\n", 0)
@example("&amp; cafÃ©", 1)
@example("ﬁle Ã©", 2)
def test_fix_mojibake_equals_ftfy(text, which):
    step = CONFIGS[which]
    assert step.rewrite_text(text) == reference.fix_mojibake(text, step._config)


@pytest.mark.parametrize("which", range(len(CONFIGS)))
def test_fix_mojibake_on_real_texts(which):
    step = CONFIGS[which]
    changed = 0
    for text in sample_texts() + FRAGMENTS:
        expected = reference.fix_mojibake(text, step._config)
        assert step.rewrite_text(text) == expected, text[:80]
        changed += expected != text
    assert changed >= 10
