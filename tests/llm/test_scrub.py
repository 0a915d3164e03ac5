"""``scrub``: the key, and every run of 8 or more of its characters, never survives."""

from __future__ import annotations

import pytest

from selfreflect.llm.errors import scrub

KEY = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


@pytest.mark.parametrize(
    "text",
    [
        f"Bearer {KEY}",
        f"Bearer {KEY[:12]}",  # a prefix, as a cut leaves it
        f"...{KEY[-9:]} trailing",  # a suffix
        f"mid {KEY[10:18]} mid",  # exactly 8 characters from the middle
        f"{KEY[:20]}x{KEY[20:]}",  # split by one character: both halves are runs
        KEY * 3,
    ],
)
def test_no_run_of_eight_key_characters_survives(text):
    out = scrub(text, KEY)
    assert not any(KEY[i : i + 8] in out for i in range(len(KEY) - 7)), out
    assert "***" in out


def test_text_around_the_key_and_short_fragments_are_kept():
    assert scrub(f"error: {KEY}; retry later", KEY) == "error: ***; retry later"
    assert scrub(f"prefix {KEY[:7]} stays", KEY) == f"prefix {KEY[:7]} stays"  # 7 < 8
    assert scrub("nothing secret here", KEY) == "nothing secret here"


def test_a_short_key_is_replaced_whole_and_no_key_changes_nothing():
    assert scrub("token abc123 used", "abc123") == "token *** used"
    assert scrub("token abc123 used", None) == "token abc123 used"
