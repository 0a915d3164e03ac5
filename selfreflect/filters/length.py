"""Drop records with a turn that is too short or too long, per role, in characters or words."""

from __future__ import annotations

from itertools import islice
from typing import Literal

import regex

from selfreflect.conversation import Conversation
from selfreflect.filters.turns import Finding, TurnFilter
from selfreflect.params import Length

# Scripts written without spaces: each character counts as a word.
_WORDS = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"
    r"|[^\s\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]+"
)


# Per unit: (max_length, single_turn_min_length) used when those parameters are None.
_DEFAULTS: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    "words": ({"user": 8000, "assistant": 8000}, {"assistant": 2}),
    "chars": ({"user": 32000, "assistant": 32000}, {"assistant": 2}),
}


# A user turn that asks for a short or exact answer ("reply only with 'acknowledged'").
_BREVITY = regex.compile(
    r"\b(?:reply|respond|answer)\s+(?:only\s+)?(?:with|in)\b|\b(?:just|only|simply)\s+"
    r"(?:say|reply|answer|respond|type|write)\b|\bsay\s+[\"'“«]|\bin\s+(?:one|a\s+single|two)\s+words?\b"
    r"|\bone[- ]word\b|\byes\s+or\s+no\b|\b(?:acknowledge|confirm)\b",
    regex.IGNORECASE,
)
# A question: a question mark, or an opening question word (English and the main other scripts).
_QUESTION = regex.compile(
    r"[?？؟]\s*\W*$|^\W*(?:what|who|whom|whose|where|when|which|how\s+(?:many|much|old|long|far)"
    r"|name\s+(?:the|a)|qu[eé]|qui[eé]n|d[oó]nde|cu[aá]ndo|cu[aá]l|wer|wie|wo|was|welche[rs]?|qui"
    r"|o[uù]|quand|quel(?:le)?s?|chi|dove|quando|quale|quem|onde|кто|что|где|когда|какой|сколько"
    r"|apa|siapa|di\s*mana|kapan|berapa|hangi|nerede|kim)\b"
    # Persian, Arabic, Hindi question words anywhere; Chinese, Japanese, Korean ones and particles
    r"|(?:^|\s)(?:کدام|چه|چرا|کجا|چند|آیا|ماذا|أين|متى|كم|هل|كيف|कौन|क्या|कहाँ|कब|कितन\w*)(?:\s|$)"
    r"|什么|甚麼|什麼|谁|誰|哪|几|多少|どこ|いつ|なに|何|누구|어디|언제|무엇|뭐|몇"
    r"|[吗嗎呢か까요]\s*$",
    regex.IGNORECASE,
)
_GREETING = regex.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|yo|good\s+(?:morning|afternoon|evening|night)|bye|goodbye"
    r"|thanks|thank\s+you|hola|buenos\s+d[ií]as|bonjour|salut|hallo|guten\s+tag|ciao|ol[aá]|oi"
    r"|привет|здравствуй\w*|你好|您好|嗨|こんにちは|안녕\w*|apa\s+kabar|selamat\s+\w+|merhaba"
    r"|how\s+are\s+you|what'?s\s+up)\b",
    regex.IGNORECASE,
)
# One-word replies that answer nothing on their own.
_FILLER = {
    "ok",
    "okay",
    "k",
    "sure",
    "yes",
    "no",
    "yeah",
    "yep",
    "nope",
    "nah",
    "hmm",
    "hm",
    "lol",
    "haha",
    "idk",
    "maybe",
    "fine",
    "cool",
    "nice",
    "what",
    "why",
    "so",
    "and",
    "well",
    "oh",
    "ah",
    "uh",
    "um",
    "eh",
    "right",
    "true",
    "same",
}
_QUANTITY = regex.compile(
    r"\bhow\s+(?:many|much|old|long|far|tall)\b|\b(?:what|which)\s+year\b|\bnumber\s+of\b"
    r"|\bcu[aá]nt[oa]s\b|\bcombien\b|\bwie\s+viele?\b|\bсколько\b|多少|几",
    regex.IGNORECASE,
)
_PERSONAL = regex.compile(r"\b(?:you|your|yours|yourself|u|ur)\b|\bor\b", regex.IGNORECASE)
_LETTERS = regex.compile(r"[\p{L}\p{N}]")


def short_answer_fits(question: str, answer: str) -> bool:
    """True when a very short answer is right for its question: a request for brevity or an exact
    phrase, a factual question answered by a content word or number, or a greeting exchange."""
    letters = len(_LETTERS.findall(answer))
    if not letters:
        return False
    if _BREVITY.search(question):
        return True
    word = regex.sub(r"[^\p{L}\p{N}' -]", "", answer).strip().lower()
    if word.isdigit():
        return bool(_QUANTITY.search(question))
    if _GREETING.search(question) and _GREETING.search(answer):
        return True  # "你好" / "嗨": a greeting answers a greeting, one character or not
    if letters < 2:
        return False
    if _GREETING.search(question) and word not in _FILLER:
        return True
    # a factual question, not one about the assistant's own taste ("your favourite number?")
    return (
        bool(_QUESTION.search(question.strip()))
        and not _PERSONAL.search(question)
        and word not in _FILLER
    )


def count_words(text: str) -> int:
    """Whitespace-separated words; in Chinese, Japanese, Thai and similar, one per character."""
    return len(_WORDS.findall(text))


def measure(text: str, unit: str, at_most: int | None = None) -> int:
    """The length of a text in ``unit`` ("chars" or "words"); surrounding space is not counted.

    With ``at_most``, counting words stops there: the answer is exact below it, and is
    ``at_most`` for anything at least that long.
    """
    text = text.strip()
    if unit == "chars":
        return len(text)
    if at_most is None:
        return count_words(text)
    return sum(1 for _ in islice(_WORDS.finditer(text), at_most))


class DropByLength(TurnFilter):
    """Drop records with a turn shorter or longer than the limits of its role.

    ``min_length`` applies to every turn; ``single_turn_min_length`` only to records with a
    single user/assistant exchange, where a one-word answer ("Sure!") teaches nothing.
    Short replies inside multi-turn dialogs ("Sure!", "好") are natural and kept by default.
    With ``judge_with_question`` a short answer is fine when its question calls for one (a request
    for brevity or an exact phrase, a factual question, a greeting): "Philadelphia",
    "Acknowledged.". ``action="cut"`` (default) cuts a multi-turn record before the exchange with
    the bad turn when a complete exchange is left before it; otherwise the record is dropped.

    Args:
        unit: how length is counted: "words" (default; a Chinese, Japanese or Thai character counts
            as a word) or "chars" (characters). Space around a turn is not counted.
        min_length: the shortest turn per role in every record, e.g. {user: 1, assistant: 3};
            null means no minimum.
        max_length: the longest turn per role; null means {user: 8000, assistant: 8000} in words or
            {user: 32000, assistant: 32000} in chars; {} means no maximum.
        single_turn_min_length: the shortest turn per role in a record with a single exchange; null
            means {assistant: 2}; {} turns it off.
        judge_with_question: accept a too-short assistant answer when its question calls for one
            (a request for a short or exact reply, a factual question, a greeting), as
            "Philadelphia" answers "Which city hosted the 1876 World's Fair?".
        action: "cut" keeps a multi-turn record up to the exchange before the bad turn when a
            complete exchange is left there (otherwise drops it); "drop" rejects the whole record.
            null means "cut".
    """

    reasons = {
        "too_short_user": "a user turn is shorter than the minimum for its role",
        "too_short_assistant": "an assistant turn is shorter than the minimum for its role",
        "too_short_system": "the system prompt is shorter than the minimum",
        "too_long_user": "a user turn is longer than the maximum for its role",
        "too_long_assistant": "an assistant turn is longer than the maximum for its role",
        "too_long_system": "the system prompt is longer than the maximum",
        "too_short_tool": "a tool result is shorter than the minimum (only when configured)",
        "too_long_tool": "a tool result is longer than the maximum (only when configured)",
    }

    def __init__(
        self,
        unit: Literal["chars", "words"] = "words",
        min_length: dict[str, Length] | None = None,
        max_length: dict[str, Length] | None = None,
        single_turn_min_length: dict[str, Length] | None = None,
        judge_with_question: bool = True,
        action: Literal["cut", "drop"] | None = None,
    ):
        self.unit = unit
        self.min_length = min_length
        self.max_length = max_length
        self.single_turn_min_length = single_turn_min_length
        self.judge_with_question = judge_with_question
        self.action = action

    def _limits(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        if self.unit not in ("chars", "words"):
            raise ValueError(f"unit must be 'chars' or 'words', got {self.unit!r}")
        default_max, default_single = _DEFAULTS[self.unit]
        return (
            self.min_length or {},
            default_max if self.max_length is None else self.max_length,
            default_single if self.single_turn_min_length is None else self.single_turn_min_length,
        )

    def check(self) -> None:
        super().check()
        self._limits()

    def find(self, conv: Conversation) -> Finding | None:
        min_all, max_all, min_single = self._limits()
        single = len(conv.turns("user")) <= 1 and len(conv.turns("assistant")) <= 1
        for index, message in enumerate(conv.messages):
            role = message.role
            lower = max(min_all.get(role, 0), min_single.get(role, 0) if single else 0)
            upper = max_all.get(role)
            if not lower and upper is None:
                continue
            text = message.text
            # a word has at least one character: a text no longer than the maximum in
            # characters is within it in words too, and only needs counting up to the minimum
            if upper is not None and len(text) > upper:
                size = measure(text, self.unit)
            else:
                size = measure(text, self.unit, at_most=lower) if lower else 0
            if size < lower:
                if role == "assistant" and message.calls_tools:
                    continue
                if self.judge_with_question and role == "assistant" and self._fits(conv, index):
                    continue
                return Finding(
                    index,
                    f"too_short_{role}",
                    f"message {index} ({role}) has {size} {self.unit}, minimum {lower}",
                )
            if upper is not None and size > upper:
                return Finding(
                    index,
                    f"too_long_{role}",
                    f"message {index} ({role}) has {size} {self.unit}, maximum {upper}",
                )
        return None

    @staticmethod
    def _fits(conv: Conversation, index: int) -> bool:
        """Whether the short answer at ``index`` fits the user turn it answers."""
        for previous in reversed(conv.messages[:index]):
            if previous.role == "user":
                return short_answer_fits(previous.text, conv.messages[index].text)
        return False
