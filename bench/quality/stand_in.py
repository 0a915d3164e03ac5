"""A deliberately simple stand-in cleaning pipeline, only to exercise the scorer.

It is not the ``default`` recipe and its numbers mean nothing about selfreflect's steps: it
exists so that ``score.py --stand-in`` runs before the real steps are installed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

import emoji
import ftfy

from selfreflect.conversation import Conversation
from selfreflect.pipeline import Pipeline
from selfreflect.report import StepStats
from selfreflect.steps import Filter, MessageRewriter, Outcome, Step

_PUNCT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


class StandInRepair(MessageRewriter):
    """ftfy encoding repair, ASCII punctuation, 'and/or' -> 'and', emoji and spacing removed."""

    def rewrite_text(self, text: str) -> str:
        if "\ufffd" in text:
            return text
        text = ftfy.fix_encoding(text).translate(_PUNCT).replace("and/or", "and")
        text = emoji.replace_emoji(text, "")
        lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
        return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()


class StandInRules(Filter):
    """Empty turns, structure, length, garbage, AI self-reference, context-dependent openers."""

    AI = re.compile(
        r"\b(as an ai|i'?m (just |only )?a (computer )?(program|chatbot|bot)|"
        r"i am (only |just )?a (computer )?(program|chatbot|bot)|language model)\b",
        re.IGNORECASE,
    )
    CONTEXT = re.compile(
        r"^(again|continue|go on|more|understood\.|what did you mean)", re.IGNORECASE
    )

    def keep(self, conv: Conversation) -> bool | tuple[bool, str]:
        roles = [m.role for m in conv.messages]
        if "system" in roles[1:]:
            return False, "system_not_first"
        turns = [m for m in conv.messages if m.role != "system"]
        if not any(m.role == "assistant" for m in turns):
            return False, "no_assistant"
        if turns[-1].role != "assistant":
            return False, "last_turn_user"
        if any(a.role == b.role for a, b in zip(turns, turns[1:], strict=False)):
            return False, "same_role_twice"
        for m in turns:
            text = m.content
            if not text.strip() or not emoji.replace_emoji(text, "").strip():
                return False, "empty_turn"
            if re.search(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]", text):
                return False, "garbage"
            if len(text) > 20_000:
                return False, "too_long"
            if m.role == "assistant" and self.AI.search(text):
                return False, "ai_self_reference"
        if len(turns) == 2:
            if min(len(m.content.strip()) for m in turns) < 2:
                return False, "too_short"
            if self.CONTEXT.match(turns[0].content.strip()):
                return False, "context_dependent"
        return True


class StandInExactDedup(Step):
    """Drop a record whose user/assistant text, lower-cased, was seen before."""

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        seen: dict[str, str] = {}
        for conv in records:
            key = hashlib.sha1(" ".join(conv.dedup_text().lower().split()).encode()).hexdigest()
            if key in seen:
                yield self.reject(conv, "exact_duplicate", duplicate_of=seen[key])
            else:
                seen[key] = conv.id
                yield conv


def stand_in_pipeline() -> Pipeline:
    """Repair, then rule filters, then exact dedup."""
    return Pipeline([StandInRepair(), StandInRules(), StandInExactDedup()])
