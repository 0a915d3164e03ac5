"""Drop single-turn records whose user message only makes sense after earlier turns.

A record with one user turn has no earlier context, so "continue", "what did you mean by that?",
"the second one" or "Understood. Here are 100 questions:" (an answer to an instruction that is
not in the record) cannot be answered well. Rules only; an LLM judge is in ``selfreflect.reflect``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import regex
from pydantic import Field

from selfreflect.conversation import Conversation
from selfreflect.steps import Filter

_TAIL = r"\s*(?:please|pls|then|now|again|for\s+me)?\s*[.!?…]*\s*$"

# "Go on" / "again" / "more" as a whole message, in other languages.
_MORE_I18N = (
    r"contin[uú]a(?:r)?|sigue|siga|prosigue|otra\s+vez|de\s+nuevo|m[aá]s|y\s+luego|y\s+despu[eé]s"
    r"|continue|continuez|la\s+suite|encore|et\s+apr[eè]s|vas-y|allez-y"
    r"|weiter(?:machen)?|mach\s+weiter|fahre?\s+fort|nochmal|noch\s+einmal|und\s+dann"
    r"|vai\s+avanti|ancora|di\s+nuovo|e\s+poi|prossegue|mais|de\s+novo|outra\s+vez|e\s+depois"
    r"|продолжа[йи]|продолжи(?:те)?|дальше|ещ[её](?:\s+раз)?|и\s+что\s+дальше|продовжуй|далі"
    r"|ще\s+раз"
    r"|続けて|続き(?:を)?|もっと|もう一度|それで"
    r"|계속(?:해|해서|하세요)?|더|다시|그래서"
)
_PLEASE_I18N = (
    r"por\s+favor|s'il\s+(?:te|vous)\s+pla[iî]t|bitte|per\s+favore|пожалуйста|будь\s+ласка"
    r"|(?:して)?(?:ください|下さい|くれ|お願いします)|줘|주세요|해\s*줘"
)

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
        r"^\s*(?:请)?(?:继续|接着说|接着写|继续写|然后呢|还有呢|再来一次|再说一遍|再来|下一个|更多)"
        r"\s*(?:吧|啊|呀)?\s*[。！!？?…\s]*$",
        # The same whole-message requests in other languages ("Continúa", "Weiter bitte",
        # "Продолжай", "続けてください", "계속해줘"), with their "please".
        rf"^\s*[¿¡]?\s*(?:{_PLEASE_I18N})?[,、]?\s*(?:{_MORE_I18N})\s*[,、]?\s*"
        rf"(?:{_PLEASE_I18N})?\s*[.!?¡¿。！？…\s]*$",
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
        r"^\s*(?:as|like)\s+I\s+(?:said|mentioned|told\s+you)\s*,",
        r"\b(?:you\s+(?:just\s+)?(?:said|mentioned|told\s+me|wrote|suggested)|you've\s+(?:just\s+)?"
        r"(?:said|mentioned))\s+(?:earlier|before|above|that|previously|in\s+your\s+(?:last|previous))\b",
        r"\byour\s+(?:last|previous|earlier|above)\s+(?:answer|response|reply|message|point"
        r"|suggestion|example|list)\b",
        r"\byour\s+(?:first|second|third)\s+(?:point|suggestion|option)\b",
        r"\bthe\s+(?:previous|above)\s+(?:answer|response|reply)\b",
        r"\b(?:that's|that\s+is|this\s+is)\s+not\s+what\s+I\s+(?:asked|meant|wanted)\b",
        r"^\s*(?:the\s+)?same\s+(?:as\s+)?(?:before|last\s+time)\s*(?:please)?\s*[.!?]*\s*$",
        # A whole message that is a command on a text it does not contain.
        r"^\s*(?:please\s+)?(?:summari[sz]e|translate|rewrite|rephrase|shorten|fix|explain)\s+"
        r"(?:that|it|the\s+above|this|your\s+answer|the\s+(?:list|text|story|code)\s+above)"
        r"(?:\s+(?:for\s+me|please|again|into\s+\w+|to\s+\w+|in\s+\w+))*\s*[.!?]*\s*$",
        # A bare ordinal choice: "the second one", "I'll take the first one", "number 3"
        r"^\s*(?:(?:I'?ll\s+(?:take|go\s+with|pick|choose)|I\s+(?:choose|pick|like|prefer|want)"
        r"|let'?s\s+(?:go\s+with|do)|go\s+with)\s+)?(?:the\s+)?(?:first|second|third|fourth|fifth"
        r"|last|other|former|latter|next|previous)\s+(?:one|option|choice)?\s*(?:please)?\s*[.!?]*$",
        r"^\s*(?:option|number|#)\s*\d+\s*(?:please)?\s*[.!?]*$",
        # "What about the second one?", "And the other one?"
        r"^\s*(?:and\s+)?(?:(?:what|how)\s+about\s+)?(?:the\s+)?(?:first|second|third|fourth|fifth"
        r"|last|other|previous|next|former|latter)\s+(?:one|option|choice|part|point)"
        r"\s*(?:then|please)?\s*[?.!]*\s*$",
        # "And then what happened?" at the start of a record
        r"^\s*(?:and\s+)?then\s+what(?:\s+happened)?\s*[?.!]*\s*$"
        r"|^\s*and\s+then\s+what(?:\s+happened)?\b",
        # "Why did you say that (earlier)?"
        r"\bwhy\s+(?:did|would)\s+you\s+(?:say|write|answer|suggest)\s+(?:that|this|it)\b",
        # "Same question as before, but ..."
        r"\bsame\s+(?:question|thing|answer|request|story)\s+as\s+(?:before|earlier|last\s+time"
        r"|above|previously)\b",
        r"^\s*(?:the\s+)?same\s+as\s+(?:above|before|earlier|last\s+time)\b",
        # "Do it again but funnier", "ok next question"
        r"^\s*(?:please\s+)?(?:do|say|write|try|tell)\s+(?:it|that|this)\s+again\b",
        r"^\s*(?:ok(?:ay)?|alright|fine|sure)?[,.]?\s*next\s+(?:question|one|topic|please)"
        r"\s*[.!?]*\s*$",
        r"(?:你|您)(?:刚才|之前|上面)(?:说|提到|讲)|^\s*(?:第[一二三四五1-5]个|上一个|最后一个)(?:吧)?\s*[。!！?？]*$"
        r"|^\s*为什么\s*[?？]?\s*$",
        r"^\s*why\s*\??\s*$|^\s*how\s+so\s*\??\s*$|^\s*really\s*\?+\s*$|^\s*(?:and\s+)?then\s*\?+\s*$",
    ],
    # A reply to an instruction or answer that is not in the record.
    "reply_to_missing_turn": [
        r"^\s*(?:understood|got\s+it|okay|ok|sure|alright|all\s+right|noted|will\s+do|certainly"
        r"|absolutely|great|perfect)\s*[.!,]\s*(?:here\s+(?:are|is)|below\s+(?:are|is)"
        r"|as\s+requested)\b",
        r"^\s*here\s+(?:are|is)\s+(?:the\s+)?(?:\d+|a\s+few|some|several|more|another|the\s+rest)"
        r"\b[^?]*:\s*$",
        r"^\s*(?:yes|yeah|yep|no|nope|nah|ok|okay|sure|fine|thanks|thank\s+you|thx|right|exactly"
        r"|correct|agreed|understood|got\s+it|I\s+see|makes\s+sense|that\s+makes\s+sense"
        r"|good\s+point|fair\s+enough|never\s+mind|nevermind|you're\s+right|that's\s+right"
        r"|same|me\s+too|lol|haha|hmm+|wow|cool|nice)(?:\s+(?:so\s+much|a\s+lot|please))?"
        r"\s*[.!?…]*\s*$",
        r"^\s*[?？!！.。…]+\s*$",
    ],
}


# The opening of a chunk cut from a longer chat (its leading answer was trimmed): words that
# point at the missing part. Only used on such openings, where context is known to be missing.
_CHUNK_RULES = [
    r"^\W*(?:but|and|also|so|then|now|okay|ok|alright|great|good|nice|perfect|thanks|thank\s+you"
    r"|yes|yeah|yep|no|nope|hmm+|wait|actually|instead|still|again|for\s+example|same)\b",
    r"\b(?:the|this|that|these|those)\s+(?:above|previous|last|same|earlier|first|second|third"
    r"|other)\b|\babove\b|\b(?:before|earlier|previously)\s*[.?!]?\s*$",
    r"\b(?:you|u)\s+(?:just\s+)?(?:left\s+off|stopped|gave|generated|wrote|mentioned|showed|forgot"
    r"|missed|didn'?t\s+(?:mention|include|finish|answer)"
    r"|provided|suggested|listed|described)\b",
    r"\bI\s+(?:just\s+)?(?:gave|shared|provided|sent|showed|pasted|asked)\s+(?:you|for)\b",
    r"\b(?:these|those|such)\s+\w+|\bnot\s+all\s+of\s+the\b|\b\d+\s+more\b"
    r"|\bmore\s+(?:detail|detailed|examples?|info|information|ideas|options)\b",
    r"^\W*(?:what|which|any|some)\s+(?:other|else)\b",
    r"\b(?:this|that|the)\s+(?:code|story|table|list|text|scene|chapter|essay|formula|function"
    r"|script|email|query|error|links?|transcript|video|song|plan|answer|response|prompt"
    r"|document|article|paragraph|poem|quiz|class|program|project|character|characters)\b",
    r"\b(?:with\s+that\s+in\s+mind|rewrite|revise|redo)\b",
    r"上面|以上|刚才|之前|前面|这个(?:代码|表格|故事)|anterior(?:es)?\b|arriba\b|lo\s+mismo"
    r"|ci-dessus|pr[ée]c[ée]dent|\boben\b|vorherige",
]


@lru_cache(maxsize=2)
def _chunk_pattern(tail: bool = False) -> regex.Pattern[str]:
    """All chunk cues, or (``tail``) only those not anchored at the start of the message."""
    rules = [p for p in _CHUNK_RULES if not (tail and p.startswith("^"))]
    return regex.compile("|".join(f"(?:{p})" for p in rules), regex.IGNORECASE)


def chunk_cue(text: str) -> str | None:
    """What marks the opening of a cut-out chunk as pointing at the missing part, or None.

    Very short openings ("Add tests", "10 more") and the ordinary context cues count too.
    """
    text = text.replace("\u2019", "'").strip()
    found = context_cue(text)
    if found is not None:
        return found[1]
    if len(text.split()) <= 3 and "```" not in text:
        return text
    hit = _chunk_pattern().search(text[:400]) or _chunk_pattern(tail=True).search(text[-200:])
    return hit.group().strip() if hit else None


@lru_cache(maxsize=1)
def _compiled() -> dict[str, regex.Pattern[str]]:
    """One compiled pattern per reason, built on first use."""
    flags = regex.IGNORECASE  # ^ and $ are the whole message, not a line inside it
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
    """Drop records whose opening user message needs earlier turns ("continue", "again").

    - A record with at most ``max_user_turns`` user turns: every cue (continuation, refers_back,
      reply_to_missing_turn).
    - A chunk whose leading answer was trimmed (``drop_bad_structure`` cut an assistant message
      before the first user turn): the cues above plus words that point at the missing part
      ("the code above", "you left off", "these links", "10 more", a bare "Add tests"): reason
      ``headless_context``.
    - Any other longer record: only an opening that asks to go on (``continuation``).

    Args:
        max_user_turns: records with at most this many user turns are checked for every cue;
            longer records only for an opening that asks to go on ("continue", "keep going").
    """

    reasons = {
        "headless_context": "the record is a chunk of a longer chat (its leading answer was cut) "
        "and the first user turn points at the missing part",
        "continuation": "the user asks to continue or repeat something the record does not contain",
        "refers_back": "the user points at an earlier turn ('what did you mean by that?')",
        "reply_to_missing_turn": "the user message answers a turn that is not in the record "
        "('Understood. Here are 100 ...', a bare 'yes' or 'thanks')",
    }

    def __init__(self, max_user_turns: Annotated[int, Field(ge=1, le=10_000)] = 1):
        self.max_user_turns = max_user_turns

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        users = conv.turns("user")
        if not users:
            return True
        # Only the opening user message lacks context; an assistant greeting before it gives some.
        first = next(i for i, m in enumerate(conv.messages) if m.role == "user")
        if any(m.role == "assistant" for m in conv.messages[:first]):
            return True
        opening = users[0].text
        if any(
            c["reason"] == "leading_assistant" and c["indices"] and c["indices"][0] <= first
            for c in conv.cuts
        ):
            matched = chunk_cue(opening)
            if matched is None:
                return True
            return (
                False,
                "headless_context",
                f"the chunk's first user turn points at the missing part: {matched[:80]!r}",
            )
        if len(users) > self.max_user_turns:
            # every continuation cue is anchored at the start (match, not search), and only the
            # "continue from where you stopped" forms run past 80 characters
            head = opening.lstrip()[:12].lower()
            if len(opening) > 80 and not head.startswith(("please", "continue", "keep", "go on")):
                return True
            hit = _compiled()["continuation"].match(opening.replace("\u2019", "'").strip())
            if hit is None:
                return True
            return (
                False,
                "continuation",
                f"user message needs earlier context: {hit.group().strip()[:80]!r}",
            )
        found = context_cue(opening)
        if found is None:
            return True
        reason, matched = found
        return False, reason, f"user message needs earlier context: {matched[:80]!r}"
