"""A loopback "small local model": valid JSON most of the time, the usual faults otherwise.

The fault mix of a first ask (each drawn from a hash of the request, so a run is reproducible):

- 25%: evidence turn numbers out of range (an earlier turn or one past the end), on top of
  whatever else is drawn;
- one format fault or none: 10% prose around the JSON, 8% invalid JSON (half of them
  repairable: trailing commas or single quotes; half hopeless: cut before the closing brace
  with ``finish_reason: stop``), 8% enum values in another case ("Revise", "KEEP"), 5% cut at
  the token limit (``finish_reason: length``), 3% an empty reply, 5% a revision with a
  hindsight phrase ("Sorry for the confusion"); the remaining 61% are clean.

A re-ask (a request with more than the two prompt messages) is answered correctly 75% of the
time and with a fresh format fault otherwise. The verdict is "revise" for 70% of answers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from fakellm import Recorded, Reply, chat

FORMAT_FAULTS = [
    ("prose", 0.10),
    ("invalid", 0.08),
    ("enum_case", 0.08),
    ("length", 0.05),
    ("empty", 0.03),
    ("hindsight", 0.05),
]
OUT_OF_RANGE = 0.25
REASK_CORRECT = 0.75
HINDSIGHT = "Sorry for the confusion earlier, "


def _draws(request: Recorded) -> list[float]:
    """Uniform numbers in [0, 1) fixed by the request's content."""
    digest = hashlib.sha256(json.dumps(request.body, sort_keys=True).encode()).digest()
    return [int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 32, 4)]


def _pick(u: float, faults: list[tuple[str, float]]) -> str | None:
    for name, p in faults:
        if u < p:
            return name
        u -= p
    return None


def _conversation(request: Recorded) -> tuple[list[dict], int]:
    """The messages of the conversation in the prompt and the turn under review."""
    prompt = request.messages[1]["content"] if len(request.messages) > 1 else request.prompt
    start = prompt.index("\n\n[\n") + 2
    end = prompt.index("\n]\n\n", start) + 2
    turn = int(re.search(r"The answer under review is turn (\d+)", prompt).group(1))
    return json.loads(prompt[start:end]), turn


def small_model(stats: dict[str, int] | None = None) -> Callable[[Recorded], Reply]:
    """The handler; ``stats`` (if given) counts the faults served, by name."""
    seen = stats if stats is not None else {}

    def handle(request: Recorded) -> Reply:
        u = _draws(request)
        messages, turn = _conversation(request)
        n = len(messages)
        reask = len(request.messages) > 2
        if reask:
            fault = None if u[0] < REASK_CORRECT else _pick(u[1] * 0.39, FORMAT_FAULTS)
        else:
            fault = _pick(u[0], FORMAT_FAULTS)
        revise = u[2] < 0.7
        evidence = [turn + 1 + int(u[3] * (n - turn - 1))]
        if not reask and u[4] < OUT_OF_RANGE:
            evidence += [turn, n + 2]
            seen["out_of_range"] = seen.get("out_of_range", 0) + 1
        revised = (
            (
                f"A better first reply to turn {turn - 1}: here is what you need, "
                f"explained plainly ({int(u[5] * 1000)})."
            )
            if revise
            else ""
        )
        if fault == "hindsight" and revise:
            revised = HINDSIGHT + revised
        answer = {
            "verdict": "revise" if revise else "keep",
            "critique": f"The later turns show what turn {turn} missed.",
            "evidence_turns": evidence,
            "revised_answer": revised,
        }
        text = json.dumps(answer)
        seen[fault or "clean"] = seen.get(fault or "clean", 0) + 1
        if fault == "prose":
            return chat(
                f"Sure! Here is my review:\n```json\n{text}\n```\nLet me know if "
                "you need anything else."
            )
        if fault == "invalid":
            if u[6] < 0.5:
                return chat(text.replace('"', "'").replace("]", ",]").replace("}", ",}"))
            return chat(text[: len(text) * 2 // 3])
        if fault == "enum_case":
            return chat(text.replace('"revise"', '"Revise"').replace('"keep"', '"KEEP"'))
        if fault == "length":
            return chat(text[: len(text) // 2], finish_reason="length")
        if fault == "empty":
            return chat("")
        return chat(text)

    return handle
