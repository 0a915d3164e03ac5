"""The custom LLM step on docs/llm.md runs as written against the loopback server."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

from fakellm import chat_json

from selfreflect import Conversation, Pipeline
from selfreflect.testing import check_step

PAGE = Path(__file__).resolve().parents[2] / "docs" / "llm.md"


def page_module(monkeypatch) -> types.ModuleType:
    section = PAGE.read_text(encoding="utf-8").split("## Write your own LLM step", 1)[1]
    (block,) = re.findall(r"^```python\n(.*?)^```", section.split("\n## ", 1)[0], flags=re.S | re.M)
    module = types.ModuleType("llm_page")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(block, str(PAGE), "exec"), module.__dict__)
    return module


def chat(i: int, answer: str) -> Conversation:
    return Conversation(
        id=str(i),
        messages=[
            {"role": "user", "content": f"question {i}"},
            {"role": "assistant", "content": answer},
        ],
    )


def test_the_grader_on_the_page_scores_drops_and_conforms(fake_llm, monkeypatch):
    module = page_module(monkeypatch)

    def grade(request):
        weak = "vague" in request.prompt
        return chat_json({"score": 2 if weak else 5, "reason": "vague" if weak else "clear"})

    fake_llm.handler = grade
    step = module.GradeAnswers(min_score=3, base_url=fake_llm.base_url, model="m")
    result = Pipeline([step]).run([chat(1, "A clear, complete answer."), chat(2, "vague stuff")])
    assert [c.id for c in result.kept] == ["1"]
    assert result.kept[0].metadata["grade"] == {"score": 5, "reason": "clear"}
    (reject,) = result.rejects
    assert (reject.id, reject.reason, reject.detail) == ("2", "low_score", "vague")
    assert result.report.steps[1].counters["calls"] == 2
    check_step(module.GradeAnswers(base_url=fake_llm.base_url, model="m"))
