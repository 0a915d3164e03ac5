"""Evasive answers: a personal question answered with generic advice (a cheap rule prefilter).

The seed's notes: "What's a friendship you regret losing?" -> "Losing a valued friendship can
be a difficult and painful experience. It might be helpful to..." — "neither question was
answered directly". The rule marks an answer when the user asks the speaker about itself ("you",
"your", "你", "tu"...) and the answer (a) uses at least ``min_markers`` generic-advice phrases
("it's important to", "it might be helpful", "remember that", "seek support", "重要的是",
"es importante") and (b) says nothing about the speaker (no "I"/"my"/"我" sentence), or denies
having an experience ("I don't personally have experience with ...") before the advice.

A rule finds candidates cheaply; the ``evasive`` question of ``llm_judge`` decides ("does the
answer address the question?"). Run the rule first, and the judge on what it marks.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

import regex
from pydantic import Field

from selfreflect.conversation import Conversation
from selfreflect.steps import Outcome, RecordStep

_PERSONAL = (
    r"\b(?:you|your|yours|yourself)\b",
    r"你|您|妳",
    r"\b(?:tu|tú|te|ti|tus|usted)\b",
    r"\b(?:du|dich|dir|dein\w*)\b",
    r"\b(?:toi|ton|ta|tes|vous|votre)\b",
    r"\b(?:ты|тебя|тебе|твой|твоя|вы|вас)\b",
    r"あなた|君",
)
_ADVICE = (
    r"\bit(?:'s|\s+is)\s+(?:also\s+)?(?:important|essential|crucial|helpful|okay|ok|normal"
    r"|natural|common)\s+to\b",
    r"\bit\s+(?:might|may|can|could)\s+(?:also\s+)?(?:be\s+)?(?:help(?:ful)?|useful)\b",
    r"\b(?:remember|keep\s+in\s+mind)\s+that\b",
    r"\bseek(?:ing)?\s+(?:support|help)\b",
    r"\b(?:talk|speak)\s+(?:to|with)\s+a\s+(?:trusted|professional|therapist|friend)",
    r"\b(?:therapist|counsel(?:or|ling|ing)|mental\s+health\s+professional)\b",
    r"\bpractice\s+(?:self-care|forgiveness|acceptance|mindfulness)\b",
    r"\b(?:can|may)\s+be\s+(?:a\s+)?(?:difficult|challenging|painful|tough)\b",
    r"\bconsider\s+\w+ing\b",
    r"\btry\s+to\s+(?:focus|remember|be|maintain)\b",
    r"\beveryone\s+(?:is\s+different|has)\b",
    r"\bthere\s+is\s+no\s+(?:right|wrong|one)\b",
    r"重要的是",
    r"建议你",
    r"可以尝试",
    r"不妨",
    r"寻求(?:帮助|支持)",
    r"每个人都",
    r"\bes\s+importante\b",
    r"\bbusca(?:r)?\s+apoyo\b",
    r"\bes\s+normal\b",
    r"\bes\s+ist\s+wichtig\b",
    r"\bil\s+est\s+important\b",
    r"\bважно\b",
)
_SELF = (
    r"(?:^|[.!?\n]\s*|,\s*)[Ii](?:'m|'ve|'d|'ll)?\b(?!\s+(?:think|believe|hope|suggest"
    r"|recommend|would\s+(?:suggest|recommend)|understand|can\s+imagine))",
    r"\bmy\b",
    r"(?:^|[。！？，\n])我(?!(?:觉得|认为|建议|理解|希望))",
)
_DENIAL = (
    r"\bI\s+(?:don't|do\s+not)\s+(?:personally\s+)?(?:have|experience)\s+(?:any\s+)?"
    r"(?:a\s+)?(?:personal\s+)?(?:experience|experiences|feelings|regrets|dreams|memories)\b",
    r"\bI\s+(?:haven't|have\s+not)\s+(?:personally\s+)?experienced\b",
    r"\bas\s+an?\s+(?:AI|bot|program|machine)\b",
    r"我(?:没有|沒有)(?:个人|個人)?(?:的)?(?:经历|經歷|经验|經驗|感受)",
)


@lru_cache(maxsize=1)
def _compiled() -> tuple[regex.Pattern[str], ...]:
    flags = regex.IGNORECASE | regex.MULTILINE
    return tuple(
        regex.compile("|".join(f"(?:{p})" for p in group), flags)
        for group in (_PERSONAL, _ADVICE, _DENIAL)
    ) + (regex.compile("|".join(f"(?:{p})" for p in _SELF), regex.MULTILINE),)


def evasive_evidence(question: str, answer: str, min_markers: int = 2) -> list[str] | None:
    """The advice phrases when ``answer`` dodges a personal ``question``, else None."""
    personal, advice, denial, self_talk = _compiled()
    if not personal.search(question):
        return None
    answer = answer.replace("\u2019", "'")
    markers = [m.group() for m in advice.finditer(answer)]
    if len(markers) < min_markers:
        return None
    denied = denial.search(answer)
    if denied is None and self_talk.search(answer):
        return None  # the speaker talks about itself: it answered
    return ([denied.group()] if denied else []) + markers


class MarkEvasiveAnswers(RecordStep):
    """Mark (or with ``drop=True`` drop) answers that meet a personal question with generic
    advice; ``metadata[key]`` holds the turn and the phrases found.

    Args:
        drop: reject a record with an evasive answer instead of marking it in its metadata.
        min_markers: how many generic-advice phrases ("it's important to", "seek support") an
            answer must use before it counts as evasive.
        key: the metadata field that gets the evasive turns and the phrases found.
    """

    name = "mark_evasive_answers"
    reasons = {
        "evasive_answer": "a personal question answered with generic advice, not about the speaker"
    }

    def __init__(
        self,
        drop: bool = False,
        min_markers: Annotated[int, Field(ge=1, le=100)] = 2,
        key: str = "evasive",
    ):
        self.drop = drop
        self.min_markers = min_markers
        self.key = key

    def check(self) -> None:
        if self.min_markers < 1:
            raise ValueError(f"min_markers must be 1 or more, got {self.min_markers}")

    def process(self, conv: Conversation) -> Outcome:
        found: list[dict[str, Any]] = []
        for u, a in conv.pairs():
            evidence = evasive_evidence(
                conv.messages[u].text, conv.messages[a].text, self.min_markers
            )
            if evidence:
                found.append({"turn": a, "evidence": evidence})
        if not found:
            return conv
        if self.drop:
            return self.reject(
                conv,
                "evasive_answer",
                f"message {found[0]['turn']}: {', '.join(found[0]['evidence'])}",
            )
        return conv.model_copy(update={"metadata": {**conv.metadata, self.key: found}})
