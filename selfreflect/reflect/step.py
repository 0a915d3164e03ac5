"""``reflect``: critique each answer in the light of the later turns and rewrite it (seed 002).

Decisions (one record in, one record or one reject out, so the report always balances):

- The answers reviewed are assistant turns that directly answer a user turn (K, L) and have more
  conversation after them; ``turns`` picks the first, the last N, or all of them.
- ``sft`` and ``preference`` make one example per record, so they review one turn (``first`` or
  ``last:1``); ``conversation`` reviews any number and keeps every result in metadata.
- ``sft`` with verdict ``keep`` outputs prefix + K + the original answer (it was judged good);
  ``preference`` with ``keep`` has no pair and is rejected as ``verdict_keep``.
- A record with no answer followed by later turns is passed through unchanged in
  ``conversation`` mode and rejected as ``no_later_turns`` in the other two.
- Any failure on any reviewed turn rejects the whole record with that failure's reason code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from selfreflect.conversation import Conversation
from selfreflect.llm import LLMError, ask_json
from selfreflect.reflect.base import LLMStep
from selfreflect.reflect.leak import find_hindsight_leak
from selfreflect.reflect.output import conversation_record, preference_record, sft_record
from selfreflect.reflect.prompts import Reflection, get_prompt
from selfreflect.steps import Outcome

MODES = ("sft", "preference", "conversation")
_TURNS = re.compile(r"^(first|all|last:[1-9]\d*)$")


def candidate_turns(conv: Conversation) -> list[tuple[int, int]]:
    """(K, L) indices of every assistant answer to a user turn that has later turns."""
    last = len(conv.messages) - 1
    return [(k, l_) for k, l_ in conv.pairs() if l_ < last]


def select_turns(pairs: list[tuple[int, int]], turns: str) -> list[tuple[int, int]]:
    """The pairs chosen by ``turns``: "first", "last:N" or "all"."""
    if turns == "first":
        return pairs[:1]
    if turns == "all":
        return pairs
    return pairs[-int(turns.split(":", 1)[1]):]


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
    """Critique each assistant answer using the turns after it, and rewrite it (seed 002)."""

    name = "reflect"
    reasons: ClassVar[dict[str, str]] = {
        **LLMStep.reasons,
        "k_mismatch": "the model echoed a K that differs from the user turn asked about",
        "hindsight_leak": "the revision refers to turns its reader has not seen",
        "no_later_turns": "no assistant answer is followed by more conversation (sft/preference)",
        "verdict_keep": "the model kept the answer, so there is no preference pair",
    }

    mode: str = "sft"
    turns: str = "first"
    prompt: str = "reflect-json-v1"
    leak_guard: bool = True

    def check_params(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if not _TURNS.match(self.turns):
            raise ValueError(f"turns must be 'first', 'last:N' or 'all', not {self.turns!r}")
        if self.mode != "conversation" and self.turns not in ("first", "last:1"):
            raise ValueError(
                f"mode {self.mode!r} makes one example per record: use turns='first' or "
                "'last:1' (or mode='conversation' to review several turns)"
            )
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
        for k, l_ in chosen:
            try:
                reflection = await self.reflect_turn(conv, k, l_)
            except LLMError as exc:
                return self.reject(conv, exc.reason, f"turn {l_}: {exc}")
            infos.append(self.info(conv, l_, reflection))
        if self.mode == "conversation":
            return conversation_record(conv, infos)
        info = infos[0]
        l_ = chosen[0][1]
        if self.mode == "sft":
            answer = info["revised"] if info["verdict"] == "revise" else info["original"]
            return sft_record(conv, l_, answer, info)
        if info["verdict"] != "revise":
            return self.reject(conv, "verdict_keep", f"turn {l_}: {info['critique'][:200]}")
        return preference_record(conv, l_, info["revised"], info)

    async def reflect_turn(self, conv: Conversation, k: int, l_: int) -> Reflection:
        """Ask about answer ``l_`` to user turn ``k``; check K and the hindsight guard."""
        prompt = get_prompt(self.prompt)
        n = len(conv.messages)
        answer = await ask_json(
            self.client,
            prompt.build(conv.messages, k, l_),
            prompt.schema,
            name="reflection",
            prompt_version=prompt.version,
            params=self.sampling(),
            max_reasks=self.max_reasks,
            use_response_format=self.response_format,
            check=lambda value: prompt.check(value, k, l_, n),
        )
        original = conv.messages[l_].content
        reflection = prompt.read(answer.value, original)
        expected = conv.messages[k].content
        if reflection.k_echo is not None and not _same_text(reflection.k_echo, expected):
            raise KMismatch(f"model echoed K as {reflection.k_echo[:80]!r}, "
                            f"expected {expected[:80]!r}")
        if self.leak_guard and reflection.revised is not None:
            later_users = [m.content for m in conv.messages[l_ + 1:] if m.role == "user"]
            earlier = [m.content for m in conv.messages[: k + 1]]
            leak = find_hindsight_leak(reflection.revised, later_users, earlier)
            if leak:
                raise HindsightLeak(leak)
        return reflection

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
