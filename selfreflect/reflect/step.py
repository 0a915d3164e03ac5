"""``reflect``: critique each answer in the light of the later turns and rewrite it.

Decisions (one record in, one record or one reject out, so the report always balances):

- The answers reviewed are assistant turns that directly answer a user turn (K, L) with text
  rather than a tool call, and have more conversation after them; ``turns`` picks the first,
  the last N, or all of them.
- Every reviewed turn is reviewed on its own: a turn whose review fails is noted in
  ``metadata["reflect_failed"]`` (turn, reason, detail) and the other turns are kept. A record
  is rejected only when no reviewed turn succeeded, with the first failure's reason.
- ``sft`` and ``preference`` make one example per reviewed turn (id ``<record id>#<turn>``,
  prompt = the conversation up to and including K); the step outputs a record's one example,
  or one :class:`~selfreflect.reflect.output.Examples` carrying several, which the command line
  writes one per line (:func:`~selfreflect.reflect.output.iter_examples`).
  ``sft`` with verdict ``keep`` gives prefix + K + the original answer (it was judged good);
  ``preference`` with ``keep`` gives no pair (a record whose turns were all kept is rejected as
  ``verdict_keep``). ``conversation`` keeps the original with every review in metadata.
- A record with no answer followed by later turns is passed through unchanged in
  ``conversation`` mode and rejected as ``no_later_turns`` in the other two.
- Re-asks only for what matters: no revised answer when revising, a revision that leans on the
  later turns (re-asked once, then ``hindsight_leak``), an echoed K that does not match; an
  evidence turn out of range is dropped and counted, never a reason to ask again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from selfreflect.conversation import Conversation
from selfreflect.llm import LLMError, ask_json
from selfreflect.llm.structured import Problem
from selfreflect.reflect.base import LLMStep
from selfreflect.reflect.leak import find_hindsight_leak
from selfreflect.reflect.output import (
    conversation_record,
    examples_record,
    preference_record,
    sft_record,
)
from selfreflect.reflect.prompts import Reflection, get_prompt
from selfreflect.steps import Outcome

MODES = ("sft", "preference", "conversation")
Mode = Literal["sft", "preference", "conversation"]
_TURNS = re.compile(r"^(first|all|last:[1-9]\d*)$")


def candidate_turns(conv: Conversation) -> list[tuple[int, int]]:
    """(K, L) indices of every assistant answer to a user turn that has later turns.

    An answer that calls tools is not one: there is no text to critique, and a rewrite in
    its place would lose the call.
    """
    last = len(conv.messages) - 1
    return [(k, l_) for k, l_ in conv.pairs() if l_ < last and not conv.messages[l_].calls_tools]


def select_turns(pairs: list[tuple[int, int]], turns: str) -> list[tuple[int, int]]:
    """The pairs chosen by ``turns``: "first", "last:N" or "all"."""
    if turns == "first":
        return pairs[:1]
    if turns == "all":
        return pairs
    return pairs[-int(turns.split(":", 1)[1]) :]


def _same_text(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(s.split()).strip("'\"` ")

    return norm(a) == norm(b)


class KMismatch(LLMError):
    """The model echoed a K that is not the user turn we asked about."""

    reason = "k_mismatch"


class HindsightLeak(LLMError):
    """The revision does not read as a first reply to K."""

    reason = "hindsight_leak"


@dataclass(eq=False, repr=False)
class Reflect(LLMStep):
    """Critique each assistant answer using the turns after it, and rewrite it.

    Args:
        mode: what is written: "sft" (default) one training example per reviewed answer, the
            revision in place of a bad answer; "preference" a chosen (revised) / rejected (original)
            pair per revised answer; "conversation" the record as it was, every review in metadata.
        turns: which answers are reviewed (only answers with later turns can be): "first" (default),
            "last:N" (the last N) or "all".
        prompt: the prompt version: "reflect-json-v1" (default, also "default"; a JSON verdict,
            critique and revision), or the original SelfReflectionGPT prompt, which echoes the
            question, then a criticism, then the new answer (`selfreflect reflect --help` names it).
        leak_guard: send a revision back to the model once when it refers to turns after the
            answer (its reader has not seen them); if it still does, the review of that answer
            fails as hindsight_leak. false never checks.
    """

    name = "reflect"
    reasons: ClassVar[dict[str, str]] = {
        **LLMStep.reasons,
        "k_mismatch": "the model echoed a K that differs from the user turn asked about",
        "hindsight_leak": "the revision refers to turns its reader has not seen",
        "no_later_turns": "no assistant answer is followed by more conversation (sft/preference)",
        "verdict_keep": "the model kept the answer, so there is no preference pair",
    }

    mode: Mode = "sft"
    turns: str = "first"
    prompt: str = "reflect-json-v1"
    leak_guard: bool = True

    def check_params(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if not _TURNS.match(self.turns):
            raise ValueError(f"turns must be 'first', 'last:N' or 'all', not {self.turns!r}")
        get_prompt(self.prompt)
        self.resolved_endpoint()

    # -- one record -------------------------------------------------------------------------
    async def handle(self, conv: Conversation) -> Outcome:
        chosen = select_turns(candidate_turns(conv), self.turns)
        if not chosen:
            if self.mode == "conversation":
                return conv
            return self.reject(conv, "no_later_turns")
        infos: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        count = self.client.usage.count
        for k, l_ in chosen:
            count("turns_reviewed")
            try:
                reflection = await self.reflect_turn(conv, k, l_)
            except LLMError as exc:
                count("turns_failed")
                count(f"turns_failed_{exc.reason}")
                failed.append({"turn": l_, "reason": exc.reason, "detail": str(exc)[:300]})
                continue
            infos.append(self.info(conv, l_, reflection))
        if not infos:
            first = failed[0]
            return self.reject(conv, first["reason"], f"turn {first['turn']}: {first['detail']}")
        if self.mode == "conversation":
            return conversation_record(conv, infos, failed)
        examples: list[Conversation] = []
        for info in infos:
            l_ = info["turn"]
            if self.mode == "sft":
                answer = info["revised"] if info["verdict"] == "revise" else info["original"]
                examples.append(sft_record(conv, l_, answer, info))
            elif info["verdict"] == "revise":
                examples.append(preference_record(conv, l_, info["revised"], info))
            else:
                count("turns_keep")  # judged good: no preference pair
        if not examples:
            return self.reject(
                conv, "verdict_keep", f"turn {infos[0]['turn']}: {infos[0]['critique'][:200]}"
            )
        count("examples", len(examples))
        return examples_record(conv, examples, infos, failed)

    async def reflect_turn(self, conv: Conversation, k: int, l_: int) -> Reflection:
        """Ask about answer ``l_`` to user turn ``k``; K echo and hindsight are re-asked."""
        prompt = get_prompt(self.prompt)
        n = len(conv.messages)
        original = conv.messages[l_].text

        def check(value: dict[str, Any]) -> Problem | None:
            return prompt.check(value, k, l_, n) or self.problem(
                conv, k, l_, prompt.read(value, original)
            )

        answer = await ask_json(
            self.client,
            prompt.build(conv.messages, k, l_),
            prompt.schema_for(k, l_, n),
            name="reflection",
            prompt_version=prompt.version,
            params=self.sampling(),
            max_reasks=self.max_reasks,
            use_response_format=self.response_format,
            check=check,
        )
        return prompt.read(answer.value, original)

    def problem(self, conv: Conversation, k: int, l_: int, r: Reflection) -> Problem | None:
        """Why reflection ``r`` of answer ``l_`` cannot be used as it is (a re-ask), or None."""
        expected = conv.messages[k].text
        if r.k_echo is not None and not _same_text(r.k_echo, expected):
            return Problem(
                f"K must be the user turn unchanged: you wrote {r.k_echo[:80]!r}, "
                f"it is {expected[:80]!r}",
                KMismatch,
            )
        if self.leak_guard and r.revised is not None:
            later_users = [m.text for m in conv.messages[l_ + 1 :] if m.role == "user"]
            earlier = [m.text for m in conv.messages[: k + 1]]
            leak = find_hindsight_leak(r.revised, later_users, earlier)
            if leak:
                return Problem(
                    f"the revised answer {leak}; its reader has seen only the "
                    f"conversation up to turn {k}: write it as the first and only "
                    "reply, without referring to the later turns",
                    HindsightLeak,
                    max_reasks=1,
                )
        return None

    def info(self, conv: Conversation, l_: int, r: Reflection) -> dict[str, Any]:
        """The reflection as stored in output metadata."""
        return {
            "turn": l_,
            "verdict": r.verdict,
            "critique": r.critique,
            "evidence_turns": r.evidence_turns,
            "original": conv.messages[l_].content,
            "revised": r.revised,
            "prompt_version": get_prompt(self.prompt).version,
            "model": self.client.model,
        }
