"""The hindsight-leak guard: a revised answer must read as a first reply to K.

A revision that says "as I said", apologises for confusion that only the later turns revealed, or
quotes the user's later messages was written with knowledge its reader will not have.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import regex

_PHRASES = [
    r"\bas (?:i|we) (?:said|mentioned|noted|explained|stated|suggested|described)\b",
    r"\bas (?:mentioned|noted|discussed|stated|explained|said) (?:earlier|before|above|"
    r"previously|already)\b",
    r"\b(?:i|we) (?:already|previously) (?:said|mentioned|explained|told you)\b",
    r"\bmy (?:previous|earlier|last|prior|original|first) (?:answer|response|reply|message|"
    r"explanation)\b",
    r"\b(?:earlier|previously|before) in (?:this|our) (?:conversation|chat|discussion)\b",
    r"\b(?:apologi[sz]e|sorry|apologies)\b[^.!?\n]{0,40}\b(?:confusion|misunderstanding|"
    r"mistake|error|oversight|misunderstood)\b",
    r"\bin your (?:follow-up|follow up|next|later|subsequent|last) (?:question|message|reply)\b",
    r"\byou (?:later|then|subsequently) (?:asked|said|mentioned|pointed out)\b",
    r"\blet me (?:correct|clarify) (?:myself|my|that|what i)\b",
    r"\bi (?:was|am) (?:wrong|mistaken|incorrect) (?:earlier|before)\b",
    r"(?:如|正如)我(?:之前|刚才|前面|上面)(?:所说|提到|说过|讲过)",
    r"(?:抱歉|对不起|不好意思).{0,12}(?:混淆|困惑|误解|错误|失误)",
    r"我(?:之前|刚才|上次)的(?:回答|回复)",
]
_LEAK = re.compile("|".join(f"(?:{p})" for p in _PHRASES), re.IGNORECASE)
_WORD = regex.compile(r"[\p{L}\p{N}]+")

#: A run of this many words copied from a later user turn (and absent before) is a leak.
QUOTE_WORDS = 8


def _grams(text: str, n: int) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def find_hindsight_leak(
    revised: str, later_user_turns: Sequence[str] = (), earlier: Sequence[str] = ()
) -> str | None:
    """Why ``revised`` leaks hindsight (a readable detail), or None when it reads as a first reply.

    ``later_user_turns`` are the user's messages after the answer; ``earlier`` is the text the
    reader has seen (prefix and K), which may be quoted freely.
    """
    match = _LEAK.search(revised)
    if match:
        return f"refers to the later conversation: {match.group(0)!r}"
    if later_user_turns:
        seen = set().union(*(_grams(t, QUOTE_WORDS) for t in earlier)) if earlier else set()
        mine = _grams(revised, QUOTE_WORDS)
        for turn in later_user_turns:
            copied = (mine & _grams(turn, QUOTE_WORDS)) - seen
            if copied:
                return f"quotes a later user turn: {' '.join(sorted(copied)[0])!r}"
    return None
