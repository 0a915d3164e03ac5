"""The fast paths of the text rules give what their reference implementations give.

Each rule kept its first, simple implementation as a reference; the fast one (prefilters, str
methods) must agree on arbitrary Unicode and on text shaped like real chat logs: mojibake, CJK,
code fences, emoji ZWJ sequences, curly quotes, control characters and every kind of space.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfreflect.filters import pii
from selfreflect.filters.punctuation import NormalizePunctuation
from selfreflect.filters.whitespace import NormalizeWhitespace, normalize_prose

SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None)

#: Pieces of real chat text that the rules care about.
PIECES = [
    "doesnâ€™t",
    "Ã©tÃ©",
    "été",
    "and so on",
    "a--b",
    "\u2019",
    "\u201cquoted\u201d",
    "\u2013",
    "\u2026",
    "\\u2019",
    "\\U201C",
    "and/or",
    "AND\\OR",
    "And/Or",
    "/",
    "\\",
    "你好",
    "世界。",
    "\u3000",
    "```python\nx  =  1\n\n\n\n```",
    "```",
    "👨\u200d👩\u200d👧",
    "👍🏽",
    "🇫🇷",
    "1\ufe0f\u20e3",
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
    "\u2060",
    "\u00a0",
    "\u2003",
    "\u202f",
    "\u1680",
    "\u0085",
    "\u2028",
    "\x1c",
    "\x00",
    "\x7f",
    "\r\n",
    "\r",
    "\n",
    "\n\n",
    "\n\n\n",
    "\t",
    " ",
    "  ",
    "   ",
    "word",
    "The ship sails.",
    "print('hi')",
]

real_shaped = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
arbitrary = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
mixed = st.lists(real_shaped | arbitrary, max_size=4).map("".join)
texts = real_shaped | arbitrary | mixed


@SETTINGS
@given(texts, st.integers(0, 3), st.booleans())
def test_whitespace_fast_path_equals_the_reference(text, max_blank_lines, remove_line_breaks):
    step = NormalizeWhitespace(
        max_blank_lines=max_blank_lines, remove_line_breaks=remove_line_breaks
    )
    assert step._prose(text) == normalize_prose(text, max_blank_lines, remove_line_breaks)


punctuation_steps = [
    NormalizePunctuation(),
    NormalizePunctuation(phrase_map={}),
    NormalizePunctuation(unescape_literals=False),
    # ASCII keys, long keys (one starting with a non-ASCII character), a value holding a key
    NormalizePunctuation(char_map={"\u2019": "'", "a": "b", "b": "c", "--": "-", "\u00e9t": "et"}),
    NormalizePunctuation(char_map={"\u2019": "\u2018", "\u2018": "'"}),
    # a phrase without a mark: no prefilter at all
    NormalizePunctuation(phrase_map={"and so on": "etc.", "w/o": "without"}),
]


@SETTINGS
@given(texts, st.sampled_from(range(len(punctuation_steps))))
def test_punctuation_fast_path_equals_the_reference(text, which):
    step = punctuation_steps[which]
    assert step.rewrite_text(text) == step.reference_text(text)


def test_the_prefilters_let_through_every_text_the_rules_change():
    """A text the reference changes is never skipped (checked on each piece alone and paired)."""
    steps = [NormalizeWhitespace(), NormalizeWhitespace(max_blank_lines=0), *punctuation_steps]
    for a in PIECES:
        for b in PIECES:
            for text in (
                a,
                a + b,
                "x" + a + b + "x",
                "x" + a + "x" + b + "x",
                " " + a + " x " + b + "\n",
            ):
                for step in steps:
                    if isinstance(step, NormalizeWhitespace):
                        expected = normalize_prose(text, step.max_blank_lines, False)
                        assert step._prose(text) == expected, (step, text)
                    else:
                        assert step.rewrite_text(text) == step.reference_text(text), (step, text)


# -- redact_pii: the gates as first written, and redaction with them -------------------------
_REFERENCE_API_PREFIXES = (
    *("sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "AKIA", "xox", "AIza"),
    *("hf_", "glpat-", "eyJ"),
)
_REFERENCE_IP_LIKE = re.compile(r"\d\.\d{1,3}\.\d|[0-9a-fA-F]:[0-9a-fA-F]{1,4}:")


def reference_gates(text: str) -> dict[str, bool]:
    """The gates of redact_pii before the fast paths (one regex for IPs, every prefix tried)."""
    if pii._AT_OR_DIGIT.search(text) is None:
        return pii._NO_GATE
    at = "@" in text
    runs = pii._DIGIT_RUN.search(text) is not None
    lower = text.lower()
    secret = any(w in lower for w in pii._SECRET_WORDS)
    api = any(p in text for p in _REFERENCE_API_PREFIXES)
    ip = ("." in text or ":" in text) and _REFERENCE_IP_LIKE.search(text) is not None
    return pii._gates_of(text, at, runs, secret, api, ip)


PII_PIECES = [
    *PIECES,
    "1.2.3",
    "v1.22.333.4",
    "٣.٤.٥",
    "192.168.1.1",
    "8.8.8.8",
    "2001:db8::1",
    "fe80:0:1:2:3",
    "a:b:",
    "x:ff:",
    "time 10:30:",
    "sk-",
    "sk-abcdefghijklmnopqrstuvwxyz12",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "github_pat_",
    "hf_",
    "AKIAABCDEFGHIJKLMNOP",
    "xoxb-1234567890-abc",
    "AIza",
    "eyJ",
    "glpat-",
    "key",
    "API_KEY=",
    "api-key: ",
    "ApİKey=",
    "paſſword=",
    "my key: paſſword=abc123def456",
    "PASSWORD = 'hunter2abc123'",
    "secret:",
    "access_token=",
    "Authorization: Bearer abc123def456",
    "BEARER ",
    "pwd=",
    "=",
    ":",
    "abc123def456",
    "mail me at jane.doe@gmail.com",
    "@",
    "4111 1111 1111 1111",
    "+1 415 555 2671",
    "(415) 555-2671",
    "https://user:pass1234@host.com/",
]
pii_texts = st.lists(st.sampled_from(PII_PIECES), max_size=10).map("".join) | texts


def _same_gates(text: str) -> None:
    fast, slow = pii._gates(text), reference_gates(text)
    for kind in pii.PLACEHOLDERS:
        if kind == "secret":
            # narrower only where the secret pattern cannot match
            assert fast[kind] == slow[kind] or pii._pattern("secret").search(text) is None, text
        else:
            assert fast[kind] == slow[kind], (kind, text)


@SETTINGS
@given(pii_texts)
def test_pii_gates_equal_the_reference(text):
    _same_gates(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pii, "_gates", reference_gates)
        expected = pii.redact(text)
    assert pii.redact(text) == expected


def test_pii_gates_equal_the_reference_on_every_pair_of_pieces():
    for a in PII_PIECES:
        for b in PII_PIECES:
            for text in (a + b, "x " + a + " y " + b + "1"):
                _same_gates(text)


@SETTINGS
@given(texts)
def test_emoji_share_counts_visible_characters_as_isspace_does(text):
    from selfreflect.filters.emojis import emoji_share, emoji_spans

    spans = emoji_spans(text, "©®™")
    expected = 0.0
    if spans:
        visible = len(text) - sum(1 for ch in text if ch.isspace())
        inside = sum(end - start for start, end in spans)
        expected = len(spans) / (visible - inside + len(spans))
    assert emoji_share(text) == expected


def test_split_cuts_text_at_exactly_the_isspace_characters():
    """What emoji_share's count of visible characters relies on."""
    import sys

    for c in map(chr, range(sys.maxunicode + 1)):
        assert (len(f"a{c}b".split()) == 2) == c.isspace(), hex(ord(c))
