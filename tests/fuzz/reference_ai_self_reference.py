"""drop_ai_self_reference's text function as it was (its gates, with the same patterns), kept as
the reference the fast gates in ``selfreflect.filters.ai_self_reference`` are tested against."""

from __future__ import annotations

import re

from selfreflect.filters import ai_self_reference as en
from selfreflect.filters import ai_self_reference_i18n as i18n

NOUN = ("<noun>",)
IDENTITY_GATES: list[tuple[str, ...]] = [
    NOUN, NOUN, NOUN, NOUN, NOUN, NOUN, NOUN,
    ("body", "physical"), ("physical",),
    ("feelings", "emotions", "consciousness", "desires"), ("feelings", "emotions"),
    ("emotions", "feelings", "dream"), ("personal",), ("human", "person"), ("unlike",),
    ("programmed",), (" by ",), ("exist",), ("my ",),
]  # fmt: skip
DISCLAIMER_GATES: list[tuple[str, ...]] = [
    ("language model",), ("language model",), ("my ",), ("my training", "my knowledge"),
    (" by ",), (" by ",),
]  # fmt: skip
KEYWORDS = re.compile(
    r"\b(?:ai\b|a\.i\.|artificial|language|llm|bot|chat|program|software|algorithm|neural|machine"
    r"|computer|robot|code|virtual|digital|non-biological|assistant|automated|body|physical|feeling|emotion"
    r"|conscious|desire|dream|human|person|unlike|exist|circuit|personal|training|knowledge"
    r"|openai|anthropic|google|meta|microsoft|deepmind|mistral|creator|developer|engineer|maker)",
)


def find_self_reference(text: str) -> tuple[str, str] | None:
    """find_self_reference as it was: English rules first, then the other languages'."""
    found = find_english(text)
    return found if found is not None else find_i18n(text)


def find_english(text: str) -> tuple[str, str] | None:
    lower = text.lower()
    if not KEYWORDS.search(lower):
        return None
    identity, disclaimer, _ = en._patterns()
    text = en._plain(text)
    lower = en._plain(lower)
    has_noun = en._NOUN_GATE.search(text) is not None
    kinds = (
        (
            "language_model_disclaimer",
            zip(DISCLAIMER_GATES, [p for _, p in disclaimer], strict=True),
        ),
        ("ai_self_reference", zip(IDENTITY_GATES, [p for _, p in identity], strict=True)),
    )
    for kind, patterns in kinds:
        for gate, pattern in patterns:
            if gate is NOUN:
                if not has_noun:
                    continue
            elif not any(word in lower for word in gate):
                continue
            found = pattern.search(text)
            if found:
                return kind, found.group()
    return None


def find_i18n(text: str) -> tuple[str, str] | None:
    # _gate_key, not lower(): the gate matches "ſoy" and "İch" ignoring case, and lower() made
    # them no key (a KeyError, fixed in both)
    gate, rules, _ = i18n._compiled()
    languages: dict[str, None] = {}
    for hit in gate.finditer(text):
        languages.update(dict.fromkeys(i18n._GATE_WORDS[i18n._gate_key(hit.group())]))
    if not languages:
        return None
    for kind, which in (("language_model_disclaimer", 0), ("ai_self_reference", 1)):
        for lang in languages:
            found = rules[lang][which].search(text)
            if found:
                return kind, found.group()
    return None
