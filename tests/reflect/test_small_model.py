"""The done-when of issue 12: against a small-model server with the documented fault mix, at
least 95% of multi-turn conversations give output and no output revision leaks hindsight."""

from __future__ import annotations

from smallmodel import HINDSIGHT, small_model
from test_dialects import chats

from selfreflect import Pipeline
from selfreflect.reflect import Reflect, find_hindsight_leak, iter_examples


def test_yield_against_a_small_model(fake_llm):
    served: dict[str, int] = {}
    fake_llm.handler = small_model(served)
    records = [c for answers in (1, 2, 3, 4) for c in chats(30, answers=answers)]
    records = [r.model_copy(update={"id": f"{i}"}) for i, r in enumerate(records)]
    step = Reflect(base_url=fake_llm.base_url, model="small", turns="all", max_retries=1)
    result = Pipeline([step]).run(records)
    stats = result.report.steps[1]
    examples = list(iter_examples(result.kept))
    assert len(result.kept) / len(records) >= 0.95, result.report.table()
    assert result.report.input == len(result.kept) + len(result.rejects)
    for e in examples:
        assert HINDSIGHT not in e.messages[-1].content
        assert find_hindsight_leak(e.messages[-1].content) is None
    # the faults were really served (the server can fail us)
    assert served["out_of_range"] > 40 and served["length"] > 5 and served["hindsight"] > 5
    assert stats.counters["dropped_evidence_turns"] >= served["out_of_range"]
    assert stats.counters["reasks"] > 20
    assert stats.counters["examples"] == len(examples) > 0.9 * stats.counters["turns_reviewed"]
