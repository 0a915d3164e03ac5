"""Mark what a persona claims about itself (human, AI, invented experiences, real companies)."""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import regex

from selfreflect.conversation import Conversation
from selfreflect.filters.ai_self_reference import find_self_reference
from selfreflect.steps import Rewriter

_CLAIMS_HUMAN = [
    r"\bI(?:'m|\s+am)\s+(?:just\s+|only\s+|a\s+real\s+|also\s+)?(?:a\s+)?(?:human(?:\s+being)?|real\s+person|"
    r"flesh\s+and\s+blood)\b(?!\s+(?:rights|resources|nature|error|history|body|anatomy))",
    r"\bI(?:'m|\s+am)\s+only\s+human\b",
    r"\b(?:as\s+a\s+human|us\s+humans|we\s+humans|fellow\s+humans?|like\s+any\s+(?:other\s+)?human)\b",
]
# First-person past events, relationships and a body: experiences a persona tends to invent.
_INVENTED = [
    r"\bI\s+(?:once|recently|finally|always)\s+(?:went|traveled|travelled|moved|visited|met|lived"
    r"|worked|ate|took|tried|made|told|lost|won|broke|fell|learned|learnt|started|quit|married)\b",
    r"\bwhen\s+I\s+was\s+(?:a\s+(?:kid|child|teenager|teen|student)|young(?:er)?|little|in\s+"
    r"(?:school|college|high\s+school)|\d+)\b",
    r"\bI've\s+(?:traveled|travelled|been\s+to|visited|lived\s+in|moved|worked\s+as|met|dated"
    r"|married)\b",
    r"\bI\s+(?:moved|traveled|travelled)\s+(?:to|halfway|across|around)\b",
    r"\bmy\s+(?:mom|mother|dad|father|parents|brother|sister|family|husband|wife|boyfriend"
    r"|girlfriend|partner|kids|children|son|daughter|childhood|birthday|hometown|weight|body)\b",
    r"\bI\s+(?:grew\s+up|was\s+born|was\s+raised)\b",
]
# Companies and labs named by personas (the seed's "escaped from Apple's labs").
DEFAULT_COMPANIES: tuple[str, ...] = (
    "Apple",
    "Google",
    "OpenAI",
    "Microsoft",
    "Meta",
    "Facebook",
    "Amazon",
    "Tesla",
    "SpaceX",
    "Twitter",
    "Anthropic",
    "DeepMind",
    "Netflix",
    "IBM",
    "Nvidia",
    "NVIDIA",
    "Samsung",
    "Sony",
    "Intel",
    "Baidu",
    "Alibaba",
    "Tencent",
    "ByteDance",
    "TikTok",
    "Instagram",
    "YouTube",
    "Disney",
    "Uber",
    "Neuralink",
    "Character.AI",
)


@lru_cache(maxsize=8)
def _patterns(companies: tuple[str, ...]) -> tuple[regex.Pattern[str], ...]:
    flags = regex.IGNORECASE
    alternatives = "|".join(regex.escape(c) for c in sorted(companies, key=len, reverse=True))
    return (
        regex.compile("|".join(f"(?:{p})" for p in _CLAIMS_HUMAN), flags),
        regex.compile("|".join(f"(?:{p})" for p in _INVENTED), flags),
        # Case-sensitive: "apple" the fruit and "meta" the prefix are not companies.
        regex.compile(rf"(?<![\w.])(?:{alternatives})(?!\w)"),
    )


def persona_marks(
    text: str, companies: tuple[str, ...] = DEFAULT_COMPANIES
) -> dict[str, list[str]]:
    """Marks found in one text: mark -> matched phrases."""
    text = text.replace("\u2019", "'")
    human, invented, company = _patterns(tuple(companies))
    marks: dict[str, list[str]] = {}
    if found := [m.group().strip() for m in human.finditer(text)]:
        marks["claims_human"] = found
    if (ai := find_self_reference(text)) is not None:
        marks["claims_ai"] = [ai[1].strip()]
    if found := [m.group().strip() for m in invented.finditer(text)]:
        marks["invented_experience"] = found
    if found := sorted({m.group() for m in company.finditer(text)}):
        marks["names_company"] = found
    return marks


class MarkPersonaClaims(Rewriter):
    """Annotate (never drop) what the persona claims: human, AI, invented experiences, companies.

    Adds ``metadata[key]`` = sorted marks (``claims_human``, ``claims_ai``,
    ``invented_experience``, ``names_company``, and ``claims_both`` when one record says both),
    and ``metadata[key + "_evidence"]`` = the matched phrases. Filter on them downstream.

    Args:
        key: the metadata field that gets the marks; the matched phrases go to the field named
            after it with "_evidence" added.
        companies: company names marked as names_company when the persona mentions them,
            matched as whole words with their capitals ("Apple", not "apple").
        roles: the roles whose turns are read.
    """

    reasons: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        key: str = "persona_marks",
        companies: tuple[str, ...] = DEFAULT_COMPANIES,
        roles: tuple[str, ...] = ("assistant",),
    ):
        self.key = key
        self.companies = companies
        self.roles = roles

    def rewrite(self, conv: Conversation) -> Conversation:
        evidence: dict[str, list[str]] = {}
        for message in conv.messages:
            if message.role in self.roles:
                for mark, found in persona_marks(message.text, tuple(self.companies)).items():
                    evidence.setdefault(mark, []).extend(found)
        if "claims_human" in evidence and "claims_ai" in evidence:
            evidence["claims_both"] = []
        if not evidence:
            return conv
        metadata = {
            **conv.metadata,
            self.key: sorted(evidence),
            f"{self.key}_evidence": {k: v for k, v in sorted(evidence.items()) if v},
        }
        return conv.model_copy(update={"metadata": metadata})
