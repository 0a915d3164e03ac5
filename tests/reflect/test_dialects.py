"""Per-request schemas that every structured-output dialect accepts, and the fallback ladder
(strict JSON schema, plain JSON schema, none) against servers that enforce each dialect."""

from __future__ import annotations

import pytest
from dialects import conditional_problem, dialect, strict_problem
from reflectcases import run

from selfreflect import Conversation
from selfreflect.reflect import iter_examples, schema


def chats(n: int, answers: int = 3) -> list[Conversation]:
    """``n`` conversations of ``answers`` user/assistant rounds plus a closing user turn."""
    out = []
    for i in range(n):
        messages = []
        for t in range(answers):
            messages += [
                {"role": "user", "content": f"chat {i} question {t}"},
                {"role": "assistant", "content": f"chat {i} answer {t}"},
            ]
        messages.append({"role": "user", "content": f"chat {i}: that did not help"})
        out.append(Conversation(id=str(i), messages=messages))
    return out


def test_every_schema_is_in_the_portable_strict_subset():
    for s in [schema.reflection_schema(2, 6), schema.SEED_KCL, schema.JUDGEMENT]:
        assert strict_problem(s) is None and conditional_problem(s) is None
    assert schema.reflection_schema(2, 6)["properties"]["evidence_turns"]["items"]["enum"] == [
        2,
        3,
        4,
        5,
    ]
    assert schema.reflection_schema(2, 6) is schema.reflection_schema(2, 6)  # built once
    # the checks can fail: an open, conditional schema like the one used before is refused
    old = {
        "type": "object",
        "properties": {
            "verdict": {"enum": ["keep", "revise"]},
            "critique": {"type": "string", "minLength": 1},
        },
        "required": ["verdict"],
        "if": {"properties": {"verdict": {"const": "revise"}}},
        "then": {"required": ["critique"]},
    }
    assert "not permitted" in strict_problem(old)
    assert "Unsupported" in conditional_problem(old)


@pytest.mark.parametrize(
    "name,strict_sent,format_after_probe",
    [
        ("openai", True, "strict"),
        ("vllm", True, "strict"),
        ("llamacpp", True, "strict"),
        ("no-strict", False, "plain"),
        ("none", False, None),
    ],
)
def test_each_dialect_yields_every_turn_without_reasks(
    fake_llm, name, strict_sent, format_after_probe
):
    fake_llm.handler = dialect(name)
    records = chats(6)
    result, stats = run(fake_llm, records, turns="all", concurrency=1, max_reasks=0)
    examples = list(iter_examples(result.kept))
    assert len(result.kept) == 6 and not result.rejects
    assert [e.id for e in examples[:4]] == ["0#1", "0#3", "0#5", "1#1"]
    assert len(examples) == 18 and stats.counters["examples"] == 18
    for e in examples:  # the decoder's evidence is in range, so nothing was dropped
        assert all(
            t > e.metadata["reflect"]["turn"] for t in e.metadata["reflect"]["evidence_turns"]
        )
    assert "dropped_evidence_turns" not in stats.counters

    def sent(request):
        fmt = request.body.get("response_format")
        if fmt is None:
            return None
        return "strict" if fmt["json_schema"].get("strict") else "plain"

    kinds = [sent(r) for r in fake_llm.requests]
    assert kinds[0] == "strict"  # always tried first
    assert set(kinds[-10:]) == {format_after_probe}  # settled after the probe
    refused = fake_llm.calls - 18  # the probe: records already in flight may each see a 400
    rungs = {"openai": 0, "vllm": 0, "llamacpp": 0, "no-strict": 1, "none": 2}[name]
    assert rungs <= refused <= rungs * 6
    assert (stats.counters["strict_refused"] == 1) is not strict_sent


def test_a_400_for_another_cause_is_not_blamed_on_the_format(fake_llm):
    from fakellm import error

    fake_llm.handler = lambda r: error(400, message="context length exceeded")
    result, stats = run(fake_llm, chats(1))
    assert [r.reason for r in result.rejects] == ["request_rejected"]
    assert fake_llm.calls == 3  # strict, plain, none: each refused
    assert "strict_refused" not in stats.counters  # the marks were undone
