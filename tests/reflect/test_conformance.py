"""Both LLM steps pass the step conformance kit against the loopback server."""

from __future__ import annotations

import pytest
from fakellm import chat_json

from selfreflect.reflect import LLMJudge, Reflect
from selfreflect.testing import check_step

REVISE = {
    "verdict": "revise",
    "critique": "could be clearer",
    "evidence_turns": [],
    "revised_answer": "A clearer first answer.",
}


@pytest.mark.parametrize("mode", ["sft", "preference", "conversation"])
def test_reflect_conforms(fake_llm, mode):
    fake_llm.handler = lambda r: chat_json(REVISE)
    check_step(Reflect(base_url=fake_llm.base_url, model="m", mode=mode, concurrency=4))


def test_judge_conforms(fake_llm):
    fake_llm.handler = lambda r: chat_json({"answer": "no", "reason": "in character"})
    check_step(LLMJudge(base_url=fake_llm.base_url, model="m"))
