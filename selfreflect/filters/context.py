"""Drop single-turn records whose user message only makes sense after earlier turns.

A record with one user turn has no earlier context, so "continue", "what did you mean by that?",
"the second one" or "Understood. Here are 100 questions:" (an answer to an instruction that is
not in the record) cannot be answered well. Rules only; an LLM judge is in ``selfreflect.reflect``.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from selfreflect.conversation import Conversation
from selfreflect.steps import Filter

_TAIL = r"\s*(?:please|pls|then|now|again|for\s+me)?\s*[.!?…]*\s*$"

_RULES: dict[str, list[str]] = {
    # Asking to go on with something that is not in the record.
    "continuation": [
        rf"^\s*(?:please\s+)?(?:continue|go\s+on|keep\s+going|carry\s+on|go\s+ahead|proceed|next"
        rf"|more|and\s+then|then\s+what|what\s+else|what\s+next|and\s*\??|finish\s+it"
        rf"|tell\s+me\s+more|say\s+more|elaborate|expand\s+on\s+(?:it|that|this)|once\s+more"
        rf"|(?:do|say|try|write|explain)\s+(?:it|that|this)\s+again|again|one\s+more(?:\s+time)?"
        rf"|another\s+one|keep\s+it\s+going|don'?t\s+stop|resume){_TAIL}",
        r"^\s*(?:please\s+)?(?:continue|keep\s+going|go\s+on)\s+(?:from\s+where|where\s+you"
        r"|with\s+your\s+|with\s+the\s+(?:previous|last|rest)\b|from\s+(?:there|here)\b)",
        r"^\s*(?:can|could|would)\s+you\s+(?:please\s+)?(?:continue|go\s+on|keep\s+going"
        r"|repeat\s+(?:that|it|this)|say\s+(?:that|it)\s+again|elaborate(?:\s+on\s+(?:that|it))?"
        r"|expand\s+on\s+(?:that|it)|explain\s+(?:that|it)\s+(?:again|more|further))"
        r"\s*(?:please)?\s*[.!?]*\s*$",
    ],
    # Pointing back at something said earlier.
    "refers_back": [
        r"\bwhat\s+(?:did|do)\s+you\s+mean\s+by\s+(?:that|this|it)\b",
        r"^\s*what\s+do\s+you\s+mean\s*\??\s*$",
        r"\b(?:as|like)\s+I\s+(?:said|mentioned|told\s+you|asked|explained)\s+(?:before|earlier"
        r"|above|already|previously)\b",
        r"^\s*(?:as|like)\s+I\s+(?:said|mentioned|told\s+you)\b",
        r"\b(?:you\s+(?:just\s+)?(?:said|mentioned|told\s+me|wrote|suggested)|you've\s+(?:just\s+)?"
        r"(?:said|mentioned))\s+(?:earlier|before|above|that|previously|in\s+your\s+(?:last|previous))\b",
        r"\byour\s+(?:last|previous|earlier|first|second|above)\s+(?:answer|response|reply|message"
        r"|point|suggestion|example|list|story)\b",
        r"\b(?:the\s+)?(?:previous|last|above)\s+(?:answer|response|reply|message)\b",
        r"\b(?:that's|that\s+is|this\s+is)\s+not\s+what\s+I\s+(?:asked|meant|wanted)\b",
        r"\b(?:same|like)\s+(?:as\s+)?(?:before|last\s+time)\s*[.!?]*\s*$",
        r"\b(?:from|in)\s+(?:the\s+)?(?:list|text|story|passage|code|article)\s+above\b",
        r"\b(?:summari[sz]e|translate|rewrite|rephrase|shorten|fix)\s+(?:that|it|the\s+above"
        r"|this\s+for\s+me|your\s+answer)\s*[.!?]*\s*$",
        # A bare ordinal choice: "the second one", "I'll take the first one", "number 3"
        r"^\s*(?:(?:I'?ll\s+(?:take|go\s+with|pick|choose)|I\s+(?:choose|pick|like|prefer|want)"
        r"|let'?s\s+(?:go\s+with|do)|go\s+with)\s+)?(?:the\s+)?(?:first|second|third|fourth|fifth"
        r"|last|other|former|latter|next|previous)\s+(?:one|option|choice)?\s*(?:please)?\s*[.!?]*$",
        r"^\s*(?:option|number|#)\s*\d+\s*(?:please)?\s*[.!?]*$",
        r"^\s*why\s*\??\s*$|^\s*how\s+so\s*\??\s*$|^\s*really\s*\?+\s*$|^\s*(?:and\s+)?then\s*\?+\s*$",
    ],
    # A reply to an instruction or answer that is not in the record.
    "reply_to_missing_turn": [
        r"^\s*(?:understood|got\s+it|okay|ok|sure|alright|all\s+right|noted|will\s+do|certainly"
        r"|absolutely|great|perfect)\s*[.!,]\s*(?:here\s+(?:are|is)|below\s+(?:are|is)|I\s+will"
        r"|I'll|let\s+me|as\s+requested)\b",
        r"^\s*here\s+(?:are|is)\s+(?:the\s+)?(?:\d+|a\s+few|some|several|more|another|the\s+rest)"
        r"\b[^?]*:\s*$",
        r"^\s*(?:yes|yeah|yep|no|nope|nah|ok|okay|sure|fine|thanks|thank\s+you|thx|right|exactly"
        r"|correct|agreed|understood|got\s+it|I\s+see|makes\s+sense|that\s+makes\s+sense"
        r"|good\s+point|fair\s+enough|never\s+mind|nevermind|you're\s+right|that's\s+right"
        r"|same|me\s+too|lol|haha|hmm+|wow|cool|nice)(?:\s+(?:so\s+much|a\s+lot|please))?"
        r"\s*[.!?…]*\s*$",
    ],
}


@lru_cache(maxsize=1)
def _compiled() -> dict[str, regex.Pattern[str]]:
    """One compiled pattern per reason, built on first use."""
    flags = regex.IGNORECASE | regex.MULTILINE
    return {
        reason: regex.compile("|".join(f"(?:{p})" for p in patterns), flags)
        for reason, patterns in _RULES.items()
    }


def context_cue(text: str) -> tuple[str, str] | None:
    """The (reason, matched text) that marks a message as needing earlier context, or None."""
    text = text.replace("\u2019", "'").strip()
    for reason, pattern in _compiled().items():
        found = pattern.search(text)
        if found:
            return reason, found.group().strip()
    return None


class DropContextDependent(Filter):
    """Drop single-turn records whose user message needs earlier turns ("continue", "again")."""

    reasons = {
        "continuation": "the user asks to continue or repeat something the record does not contain",
        "refers_back": "the user points at an earlier turn ('what did you mean by that?')",
        "reply_to_missing_turn": "the user message answers a turn that is not in the record "
        "('Understood. Here are 100 ...', a bare 'yes' or 'thanks')",
    }

    def __init__(self, max_user_turns: int = 1):
        self.max_user_turns = max_user_turns

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        users = conv.turns("user")
        if not users or len(users) > self.max_user_turns:
            return True
        # Only the opening user message lacks context; an assistant greeting before it gives some.
        first = next(i for i, m in enumerate(conv.messages) if m.role == "user")
        if any(m.role == "assistant" for m in conv.messages[:first]):
            return True
        found = context_cue(users[0].content)
        if found is None:
            return True
        reason, matched = found
        return False, reason, f"user message needs earlier context: {matched[:80]!r}"
