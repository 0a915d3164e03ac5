"""Conversations and scripted answers shared by the reflect tests."""

from __future__ import annotations

import json
from typing import Any

from fakellm import Recorded, Reply, chat_json

from selfreflect import Conversation, Pipeline
from selfreflect.reflect import Reflect


def coin(i: int | str = 1, k: str = "Flip a 3-sided coin") -> Conversation:
    return Conversation(
        id=str(i),
        messages=[
            {"role": "user", "content": k},
            {"role": "assistant", "content": "The outcome is: heads."},
            {"role": "user", "content": "How can a 3 sided coin exist?"},
            {"role": "assistant", "content": "It is hypothetical."},
        ],
    )


def good(
    revised: str = "A 3-sided coin is hypothetical; I simulated one: the result is 2.", **extra: Any
) -> Reply:
    return chat_json(
        {
            "verdict": "revise",
            "critique": "The user doubted the coin exists.",
            "evidence_turns": [2],
            "revised_answer": revised,
            **extra,
        }
    )


def keep() -> Reply:
    return chat_json(
        {
            "verdict": "keep",
            "critique": "Fine as it is.",
            "evidence_turns": [],
            "revised_answer": "",
        }
    )


def k_of(request: Recorded) -> str:
    """The K text of a reflect-json-v1 request (turn 0 of the rendered array)."""
    body = request.messages[-1]["content"]
    start = body.index("\n\n[\n") + 2
    end = body.index("\n]\n\n", start) + 2
    array = json.loads(body[start:end])
    k = int(body.split("replying to turn ")[1].split(" ")[0])
    return array[k]["content"]


def run(fake, records, **params):
    params.setdefault("max_retries", 1)
    step = Reflect(base_url=fake.base_url, model="fake", **params)
    result = Pipeline([step]).run(records)
    return result, result.report.steps[1]


def reasons(result) -> dict[str, str]:
    return {r.id: r.reason for r in result.rejects}


def reflect_turns_all(base_url: str, src: Any, out: Any, mode: str, *options: str) -> None:
    """``selfreflect reflect SRC -o OUT --mode MODE --turns all [OPTIONS]`` against ``base_url``."""
    from selfreflect.cli import main

    args = ["reflect", str(src), "-o", str(out), *options, "--base-url", base_url]
    assert main([*args, "--model", "m", "--mode", mode, "--turns", "all"]) == 0
