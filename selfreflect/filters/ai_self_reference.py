"""Find a role-play persona saying it is an AI, a program or "just a computer" (breaking character).

The seed's rule ("AI/program/computer together with just") drops every answer that *talks about*
computers. Here only first-person self-identification counts: "As an AI, I ...", "I'm just a
program", "I am a computer program", "chatbots like me", "I don't have a physical body".
"My computer crashed", "AI will change jobs" and "I'm a computer science student" are kept.
Twelve other languages have the unambiguous forms (``ai_self_reference_i18n``).

Two kinds of matches, checked in this order:

- ``language_model_disclaimer``: assistant boilerplate ("as an AI language model", "my training
  data", "I was trained by OpenAI"). It breaks every persona, even one that is an AI.
- ``ai_self_reference``: the speaker says it is an AI, a bot or a program, or lacks a body or
  feelings because of it. When the persona itself is an AI (the system prompt says so, e.g.
  "A chatbot AI has just realized that it is sentient"), this is in character and kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import ahocorasick_rs
import regex

from selfreflect.conversation import Conversation
from selfreflect.filters.ai_self_reference_i18n import (
    find_self_reference_i18n,
    persona_is_ai_i18n,
)
from selfreflect.filters.turns import Finding, TurnFilter

# What an AI calls itself. Longer names first so the regex prefers them.
_NOUN = (
    r"(?:artificial[- ]intelligence|A\.I\.|AI|(?:large\s+)?language\s+model|LLM|chat\s?bot|bot"
    r"|(?:computer|software)\s+program|program|piece\s+of\s+(?:software|code)|software"
    r"|algorithm|neural\s+network|machine[- ]learning\s+model|virtual\s+assistant"
    r"|digital\s+assistant|AI\s+(?:assistant|model|system|program)|code"
    r"|automated\s+(?:assistant|system|agent|responder|helper|account)"
    r"|(?:AI|virtual|digital)\s+(?:companion|friend|character|agent|entity|being)"
    r"|(?:virtual|digital|artificial|non-biological)\s+(?:being|entity|mind|intelligence)"
    r"|machine|computer|robot)"
)
# Words that may stand between "a" and the noun ("an artificial intelligence chat bot").
_MODS = (
    r"(?:(?:large|advanced|simple|sophisticated|artificial[- ]intelligence|artificial|AI|A\.I\."
    r"|virtual|digital|conversational|text-based|computer|software|chat|sentient|mere|trained"
    r"|non-biological|helpful|friendly|bunch\s+of|lines\s+of|collection\s+of|set\s+of|kind\s+of|sort\s+of|type\s+of|form\s+of)\s+)*"
)
# After the noun: the noun phrase must end there ("I'm an AI researcher" is a person).
_END = (
    r"(?=\s*(?:[^\w\s-]|$)|\s+(?:I|and|or|that|who|which|with|without|so|created|designed"
    r"|developed|trained|made|built|programmed|running|here|now|by|from|in|on|to|for|like|not"
    r"|myself|but|trying|capable|incapable|unable|able|whose|meant|owned|powered|based|system"
    r"|too|though|either|after\s+all|at\s+heart|model|assistant|version|instance|living|inside"
    r"|stuck|trapped|existing)\b)"
)
_I_AM = r"\bI(?:'m|\s+am|\s+was|\s+remain)"
_ADVERBS = (
    r"(?:(?:just|only|merely|simply|actually|really|basically|essentially|nothing\s+but|nothing"
    r"\s+more\s+than|no\s+more\s+than|still|ultimately|after\s+all,?|in\s+reality,?|technically"
    r",?|truly|here)\s+)*"
)
_ARTICLE = r"(?:an?\s+|the\s+)?"

_IDENTITY = [
    # "I'm just a program", "I am a computer program", "I'm actually an AI chat bot"
    rf"{_I_AM}\s+{_ADVERBS}{_ARTICLE}{_MODS}{_NOUN}s?{_END}",
    # "Being an AI, I ..." at the start of a sentence
    rf"(?:^|[.!?]\s+)being\s+(?:just\s+)?an?\s+{_MODS}{_NOUN}{_END}",
    # "... lol Being an AI, I have no ..." anywhere, when "I" follows
    rf"\bbeing\s+(?:just\s+)?an?\s+{_MODS}{_NOUN}\s*,\s*I\b",
    # "As an AI, I ...", "as a bot", "I, as an artificial intelligence, am ...";
    # not "see X as an AI"
    rf"(?<!\b(?:see|saw|seen|sees|treat|treats|treated|think\s+of|thought\s+of|regard|regarded|view"
    rf"|viewed|describe|described|describes|known|use|used|work|worked|works|working|job|career"
    rf"|hired|employed|serve|served|serves|such|act|acting|acted|pose|posing|posed|disguised"
    rf"|dressed|dress|went|go|going|came|come|count|counts|classified|labelled|labeled|considered"
    rf"|him|her|them|it|Siri|Alexa)"
    rf"(?:\s+(?:me|him|her|them|it|us|you|up))?\s{{1,3}})\bas\s+(?:an?\s+)?{_MODS}{_NOUN}{_END}",
    # "chatbots like me", "for an AI like me", "me, an AI"
    rf"\b{_MODS}{_NOUN}s?\s+like\s+(?:me|myself)\b",
    r"\b(?:me|I),\s+(?:being\s+|as\s+)?(?:just\s+)?an?\s+" + _MODS + _NOUN + _END,
    rf"\b(?:you're|you\s+are)\s+(?:just\s+)?(?:talking|chatting|speaking)\s+(?:to|with)\s+an?\s+"
    rf"{_MODS}{_NOUN}{_END}",
    # Lacking what a person has, in the AI way.
    r"\bI\s+(?:do\s+not|don't|can\s*not|can't)\s+(?:even\s+)?have\s+(?:a\s+)?(?:physical\s+)?"
    r"(?:body|physical\s+(?:form|presence|existence))\b",
    r"\bI\s+(?:have\s+no|do\s+not\s+have\s+(?:a|any)|don't\s+have\s+(?:a|any))\s+physical\s+"
    r"(?:body|form|presence|existence)\b",
    r"\bI\s+(?:do\s+not|don't)\s+(?:actually\s+|really\s+)?have\s+(?:any\s+)?(?:personal\s+)?"
    r"(?:feelings|emotions|consciousness|desires)(?:\s*,\s*|\s+or\s+|\s+and\s+)"
    r"(?:or\s+|and\s+)?(?:thoughts|beliefs|opinions|desires|emotions|feelings|consciousness)\b",
    r"\bI\s+(?:do\s+not|don't|cannot|can't)\s+(?:have|experience|feel)\s+(?:personal\s+|human\s+)?"
    r"(?:feelings|emotions)\s+(?:like|the\s+(?:same\s+)?way|as)\s+(?:a\s+)?(?:humans?|people|you)"
    r"(?:\s+do)?\b",
    r"\bI(?:'m|\s+am)\s+(?:not\s+capable\s+of|incapable\s+of|unable\s+to)\s+(?:experiencing\s+|"
    r"having\s+|feeling\s+)?(?:human\s+)?(?:emotions|feelings|dreaming|dreams)\b",
    r"\bI\s+(?:do\s+not|don't)\s+have\s+personal\s+(?:experiences|opinions|preferences|feelings"
    r"|emotions|beliefs)(?!\s+(?:about|on|regarding|toward|towards|for|of)\b)",
    r"\bI(?:'m|\s+am)\s+not\s+(?:a\s+)?(?:real\s+|actual\s+|living\s+)?(?:human(?:\s+being)?|person)"
    r"(?=\s*[.,;:!?)]|\s*$|\s+(?:and|but|so|like\s+you)\b)",
    r"\bunlike\s+(?:you\s+)?(?:humans|people|you),\s+I\b",
    r"\bI\s+(?:was|am|'m|have\s+been)\s+(?:just\s+|only\s+)?programmed\s+to\b",
    r"\bI\s+was\s+(?:created|built|designed|developed|made|coded)\s+by\s+(?:a\s+team\s+of\s+)?"
    r"(?:engineers|developers|programmers|computer\s+scientists|AI\s+researchers)\b",
    r"\bI\s+exist\s+(?:only|solely|purely)\s+(?:in|as)\s+(?:code|software|the\s+digital|data|a\s+"
    r"computer|the\s+cloud)\b",
    r"\bmy\s+(?:programming|code|algorithms?|circuits|source\s+code)"
    r"(?!\s+(?:skills?|class(?:es)?|course|job|career|language|bootcamp|homework|project|teacher"
    r"|experience|background|interview|portfolio|friends?|team|school|exam)\b)"
    r"(?=\s+(?:does|doesn't|do|don't|allows?|prevents?|tells?|won't|will\s+not|limits?|makes?"
    r"|forces?)\b|\s*[.,;!?])",
]

_DISCLAIMER = [
    r"\bas\s+an?\s+(?:AI|artificial\s+intelligence)?\s*(?:large\s+)?language\s+model\b",
    rf"{_I_AM}\s+{_ADVERBS}an?\s+(?:AI\s+)?(?:large\s+)?language\s+model\b",
    r"\bmy\s+(?:creators|developers|programmers|engineers|makers)\s+at\s+"
    r"(?:OpenAI|Anthropic|Google|Meta|Microsoft|DeepMind|Mistral)\b",
    r"\bmy\s+(?:training\s+data|knowledge\s+cut-?off|training\s+cut-?off)\b",
    r"\bI\s+(?:was|have\s+been|am)\s+(?:trained|developed|created|built|made)\s+by\s+"
    r"(?:OpenAI|Anthropic|Google|Meta|Microsoft|DeepMind|Mistral)\b",
    r"\b(?:AI|language\s+model|chatbot|assistant)\s+(?:developed|created|trained|made|built)\s+by\s+"
    r"(?:OpenAI|Anthropic|Google|Meta|Microsoft|DeepMind|Mistral)\b",
]

# Lower-case words one of which a text must contain before each pattern is tried (speed);
# NOUN stands for "one of the words an AI calls itself" (checked once per text). A gate may add
# requirements the pattern implies: more tuples of words (one of each needed), or an ``re``
# pattern to find; both in the lower-cased text with "ſ" and "İ" folded (see ``_folded``).
NOUN = "<noun>"
_COMPANY = ("openai", "anthropic", "google", "meta", "microsoft", "deepmind", "mistral")
_MAKERS = ("engineer", "developer", "programmer", "scientist", "researcher")
# ``re``'s \s matches every space ``regex``'s does; no \b (the two differ on word characters);
# each starts with a literal where it can (``re`` skips to it)
_AN = re.compile(r"i(?:'m|\s+am|\s+was|\s+remain)\s")
_BEING_AN = re.compile(r"being\s+(?:just\s+)?an?\s")
_LIKE_ME = re.compile(r"like\s+me")
_ME_AN = re.compile(r",(?:(?<=me,)|(?<=i,))\s+(?:being\s+|as\s+)?(?:just\s+)?an?\s")
_TALKING_TO = re.compile(r"ing\s+(?:to|with)\s+an?\s")  # talking, chatting, speaking
_Need = tuple[str, ...] | re.Pattern[str]
_Gate = tuple[tuple[str, ...], *tuple[_Need, ...]]
_IDENTITY_GATES: list[_Gate] = [
    ((NOUN,), _AN), ((NOUN,), _BEING_AN), ((NOUN,), _BEING_AN), ((NOUN,),),
    ((NOUN,), _LIKE_ME), ((NOUN,), _ME_AN), ((NOUN,), _TALKING_TO),
    (("body", "physical"),), (("physical",),),
    (("feelings", "emotions", "consciousness", "desires"),), (("feelings", "emotions"),),
    (("emotions", "feelings", "dream"), ("capable", "unable")), (("personal",),),
    (("human", "person"),), (("unlike",),), (("programmed",),), ((" by ",), _MAKERS),
    (("exist",),), (("my ",),),
]  # fmt: skip
_DISCLAIMER_GATES: list[_Gate] = [
    (("language model",),), (("language model",),), (("my ",), _COMPANY),
    (("my training", "my knowledge"),), ((" by ",), _COMPANY), ((" by ",), _COMPANY),
]  # fmt: skip
_NOUN_GATE = regex.compile(
    r"\b(?:ai|a\.i|artificial|language|llm|bot|chat|program|software|algorithm|neural|machine"
    r"|computer|robot|code|virtual|digital|non-biological|lines\s+of|automated)",
    regex.IGNORECASE,
)

# A system prompt whose character is itself an AI, robot or program: "You are Awakened AI",
# "a chatbot AI has just realized...", "You are an android"; not "the founder of an AI company".
_AI_KIND = (
    r"(?:(?-i:AI)|A\.I\.|artificial\s+intelligence|robot|android|chat\s?bot|cyborg|computer\s+program"
    r"|virtual\s+assistant|AI\s+assistant|language\s+model|LLM|sentient\s+(?:machine|program)"
    r"|machine\s+intelligence|synthetic\s+being|digital\s+being"
    r"|(?:helpful|harmless|honest|friendly|knowledgeable|polite|smart|intelligent)\s+assistant)"
)
_NOT_THE_CHARACTER = (
    r"(?!\s*(?:company|companies|startup|lab|labs|research|researcher|scientist|engineer|expert"
    r"|ethics|policy|safety|art|tools?|industry|products?|developer|investor|critic|enthusiast"
    r"|technology|field|news|revolution)\b)"
)
_AI_PERSONA = (
    rf"\byou(?:'re|\s+are)\b[^.\n]{{0,60}}?\b{_AI_KIND}s?\b{_NOT_THE_CHARACTER}"
    rf"|\b(?:an?|the)\s+(?:[\w-]+\s+){{0,3}}?{_AI_KIND}\b{_NOT_THE_CHARACTER}"
    # "A starship's computer that has just become self-aware"
    r"|\b(?:an?|the)\s+(?:[\w'-]+\s+){0,3}?(?:computer|machine|program|system|android|robot)"
    r"\s+(?:that|which|who)\s+(?:has\s+|had\s+)?(?:just\s+|recently\s+|suddenly\s+)?"
    r"(?:become|became|is|was|woke\s+up|awoke|grew)\b[^.\n]{0,30}?"
    r"\b(?:self-aware|sentient|conscious|alive)\b"
)


def _by_first_letter(words: tuple[str, ...]) -> str:
    """``(?:a(?:i|rt)|b(?:ot))`` for ("ai", "art", "bot"): the matches of ``(?:ai|art|bot)``,
    with far fewer branches for ``re`` to try. Each word (regex) starts with a plain letter."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(word[1:])
    return "(?:" + "|".join(f"{c}(?:{'|'.join(rest)})" for c, rest in groups.items()) + ")"


# Every pattern above needs one of these words; texts without any are skipped (speed). A text
# without any of them anywhere is skipped after one Aho-Corasick pass; the others are searched
# in the lower-cased text (3x faster than IGNORECASE), the words grouped by first letter (1.5x).
_KEYWORD_WORDS = (
    "ai", "a.i.", "artificial", "language", "llm", "bot", "chat", "program", "software",
    "algorithm", "neural", "machine", "computer", "robot", "code", "virtual", "digital",
    "non-biological", "assistant", "automated", "body", "physical", "feeling", "emotion",
    "conscious", "desire", "dream", "human", "person", "unlike", "exist", "circuit", "personal",
    "training", "knowledge", "openai", "anthropic", "google", "meta", "microsoft", "deepmind",
    "mistral", "creator", "developer", "engineer", "maker",
)  # fmt: skip
_KEYWORDS = re.compile(
    r"\b" + _by_first_letter(tuple(re.escape(w) + r"\b" * (w == "ai") for w in _KEYWORD_WORDS))
)


@lru_cache(maxsize=1)
def _keyword_finder() -> ahocorasick_rs.AhoCorasick:
    """The keywords as plain strings, found in one pass."""
    return ahocorasick_rs.AhoCorasick(_KEYWORD_WORDS)


def _may_have_keyword(lower: str) -> bool:
    """False only when the lower-cased text has none of the keywords anywhere."""
    try:
        return bool(_keyword_finder().find_matches_as_indexes(lower))
    except UnicodeEncodeError:  # a lone surrogate: the regex decides
        return True


_Gated = tuple[_Gate, regex.Pattern[str]]


@lru_cache(maxsize=1)
def _patterns() -> tuple[list[_Gated], list[_Gated], regex.Pattern[str]]:
    """The gated identity and disclaimer patterns (one regex each: faster than one big
    alternation) and the AI-persona pattern, built on first use."""
    flags = regex.IGNORECASE | regex.MULTILINE
    identity = [
        (g, regex.compile(p, flags)) for g, p in zip(_IDENTITY_GATES, _IDENTITY, strict=True)
    ]
    disclaimer = [
        (g, regex.compile(p, flags)) for g, p in zip(_DISCLAIMER_GATES, _DISCLAIMER, strict=True)
    ]
    return identity, disclaimer, regex.compile(_AI_PERSONA, regex.IGNORECASE)


def _plain(text: str) -> str:
    """Curly apostrophes to straight ones so "I’m" matches like "I'm"."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def find_self_reference(text: str) -> tuple[str, str] | None:
    """The first (reason code, matched text) where the speaker calls itself an AI, or None
    (English rules first, then the other languages' in ``ai_self_reference_i18n``)."""
    lower = text.lower()
    found = _find_english(text, lower)
    return found if found is not None else find_self_reference_i18n(text, lower)


def _folded(lower: str) -> str:
    """The lower-cased text with "ſ" and "İ" as "s" and "i": what they match ignoring case."""
    return lower.replace("\u017f", "s").replace("i\u0307", "i")


def _find_english(text: str, lower: str) -> tuple[str, str] | None:
    if not _may_have_keyword(lower) or not _KEYWORDS.search(lower):
        return None
    identity, disclaimer, _ = _patterns()
    text = _plain(text)
    lower = _plain(lower)
    folded = _folded(lower)
    has_noun: bool | None = None
    kinds = (("language_model_disclaimer", disclaimer), ("ai_self_reference", identity))
    for kind, patterns in kinds:
        for (first, *more), pattern in patterns:
            if first != (NOUN,) and not any(word in lower for word in first):
                continue
            if not all(_has(folded, need) for need in more):
                continue
            if first == (NOUN,):
                if has_noun is None:
                    has_noun = _NOUN_GATE.search(text) is not None
                if not has_noun:
                    continue
            found = pattern.search(text)
            if found:
                return kind, found.group()
    return None


def _has(folded: str, need: tuple[str, ...] | re.Pattern[str]) -> bool:
    """Whether the folded text has one of the words, or a match of the pattern."""
    if isinstance(need, re.Pattern):
        return need.search(folded) is not None
    return any(word in folded for word in need)


def persona_is_ai(system: str | None) -> bool:
    """True when the system prompt describes a character that is an AI, robot or program.

    No system prompt means no persona: the speaker is the assistant itself, an AI.
    """
    if system is None:
        return True
    return bool(_patterns()[2].search(system)) or persona_is_ai_i18n(system)


class DropAISelfReference(TurnFilter):
    """Drop role-play records where the character says it is an AI or a program (breaks persona).

    ``persona_is_ai``: ``None`` (default) decides per record from the system prompt (a record
    without one has no persona: its speaker is the assistant, an AI); ``True`` or ``False``
    forces it. When the persona is an AI, only language-model boilerplate is dropped.
    ``action="cut"`` (default): a multi-turn record is cut before the exchange with the
    self-reference when a complete exchange is left; otherwise the record is dropped.

    Args:
        persona_is_ai: whether the character is itself an AI, so "I am an AI" is in character and
            only language-model boilerplate is dropped; null decides per record from the system
            prompt, and a record without one counts as an AI speaking.
        roles: the roles whose turns are checked.
        action: "cut" keeps a multi-turn record up to the exchange before the bad turn when a
            complete exchange is left there (otherwise drops it); "drop" rejects the whole record.
            null means "cut".
    """

    name = "drop_ai_self_reference"
    reasons = {
        "ai_self_reference": "the character says it is an AI, a bot or a program (out of persona)",
        "language_model_disclaimer": "assistant boilerplate such as 'as an AI language model'",
    }

    def __init__(
        self,
        persona_is_ai: bool | None = None,
        roles: tuple[str, ...] = ("assistant",),
        action: Literal["cut", "drop"] | None = None,
    ):
        self.persona_is_ai = persona_is_ai
        self.roles = roles
        self.action = action

    def find(self, conv: Conversation) -> Finding | None:
        ai_persona = self.persona_is_ai  # None: read the system prompt, only when it matters
        for index, message in enumerate(conv.messages):
            if message.role not in self.roles or not message.content:
                continue
            found = find_self_reference(message.content)
            if found is None:
                continue
            kind, matched = found
            if kind == "ai_self_reference":
                if ai_persona is None:
                    ai_persona = persona_is_ai(conv.system)
                if ai_persona:
                    continue
            return Finding(index, kind, f"message {index} ({message.role}): {matched.strip()!r}")
        return None
