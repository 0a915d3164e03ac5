"""The llm_judge filter: yes/no with a reason; failures are rejects or flagged, never silent."""

from __future__ import annotations

from fakellm import chat, chat_json

from selfreflect import Conversation, Pipeline
from selfreflect.reflect import LLMJudge


def record(i: str, reply: str) -> Conversation:
    return Conversation(
        id=i,
        messages=[
            {"role": "user", "content": "*waves* Hello, knight!"},
            {"role": "assistant", "content": reply},
        ],
    )


def judge(fake, records, **params):
    step = LLMJudge(base_url=fake.base_url, model="fake", max_retries=0, **params)
    return Pipeline([step]).run(records)


def test_persona_break_is_rejected_with_the_models_reason(fake_llm):
    def answer(request):
        ai = "cannot be a knight" in request.prompt
        return chat_json(
            {
                "answer": "yes" if ai else "no",
                "reason": "talks as an AI" if ai else "stays in character",
            }
        )

    fake_llm.handler = answer
    records = [
        record("a", "*bows* Greetings, traveller."),
        record("b", "As an AI language model, I cannot be a knight."),
    ]
    result = judge(fake_llm, records)
    assert [c.id for c in result.kept] == ["a"]
    assert result.kept[0] is records[0]
    (rej,) = result.rejects
    assert (rej.id, rej.reason, rej.detail) == ("b", "persona_break", "talks as an AI")
    assert "break the persona by talking as an AI" in fake_llm.requests[0].prompt


def test_missing_context_question_and_custom_question(fake_llm):
    fake_llm.handler = lambda r: chat_json({"answer": "no", "reason": "r"})
    judge(fake_llm, [record("a", "x")], question="missing_context")
    assert "depend on missing context" in fake_llm.requests[0].prompt
    result = judge(fake_llm, [record("a", "x")], question="Is it in French?", reject_on="no")
    assert result.rejects[0].reason == "judged_no"
    assert "Is it in French?" in fake_llm.requests[1].prompt


def test_parse_failure_is_a_reject_by_default(fake_llm):
    fake_llm.handler = lambda r: chat("I think yes, probably.")
    result = judge(fake_llm, [record("a", "x")], max_reasks=1)
    assert result.kept == [] and result.rejects[0].reason == "invalid_output"
    assert fake_llm.calls == 2


def test_parse_failure_can_be_kept_with_a_flag(fake_llm):
    fake_llm.handler = lambda r: chat("maybe")
    result = judge(fake_llm, [record("a", "x")], max_reasks=0, on_error="flag")
    (kept,) = result.kept
    assert kept.metadata["llm_judge"]["error"] == "invalid_output"
    assert result.report.steps[1].counters["flagged"] == 1
