import pytest

from selfreflect import Conversation, Message, Pipeline
from selfreflect.filters import MergePersonaTurns

ELON = "You are Elon Musk.\nHere is the intro of your character: You are Elon Musk"
BILLIE = "You are Billie Eilish.\nHere is the intro of your character: You are Billie Eilish"


def single(cid: str, system: str | None, n: int) -> Conversation:
    messages = [Message(role="system", content=system)] if system else []
    messages += [
        Message(role="user", content=f"question {n}"),
        Message(role="assistant", content=f"answer {n}"),
    ]
    return Conversation(id=cid, messages=messages, metadata={"n": n})


def records() -> list[Conversation]:
    out = []
    for i in range(5):
        out.append(single(f"e{i}", ELON, i))
        out.append(single(f"b{i}", BILLIE, i))
    two_turn = single("long", ELON, 99)
    two_turn = two_turn.with_messages(two_turn.messages + two_turn.messages[1:])
    out.append(two_turn)
    out.append(single("nosys", None, 7))
    return out


def test_merges_same_persona_up_to_n_turns_and_accounts_for_everyone():
    result = Pipeline([MergePersonaTurns(max_turns=3)]).run(records())
    report = result.report.to_json()
    assert report["input"] == 12 == report["kept"] + report["rejected"]
    merged = [c for c in result.kept if "merged_from" in c.metadata]
    assert [c.metadata["merged_from"] for c in merged] == [
        ["e0", "e1", "e2"],
        ["b0", "b1", "b2"],
        ["e3", "e4"],
        ["b3", "b4"],
    ]
    first = merged[0]
    assert first.id.startswith("merged-") and first.system == ELON
    assert [m.content for m in first.messages[1:]] == [
        "question 0",
        "answer 0",
        "question 1",
        "answer 1",
        "question 2",
        "answer 2",
    ]
    # merged-away members are rejects pointing at their new record
    rejected = {r.id: r for r in result.rejects}
    assert set(rejected) == {"e1", "e2", "b1", "b2", "e4", "b4"}
    assert rejected["e1"].reason == "merged_into"
    assert rejected["e1"].to_json()["merged_into"] == first.id
    # multi-turn records and records without a system prompt pass through unchanged
    kept_ids = {c.id for c in result.kept}
    assert {"long", "nosys"} <= kept_ids
    assert result.report.steps[1].counters["merged_conversations"] == 4


def test_deterministic_ids():
    one = Pipeline([MergePersonaTurns(max_turns=4)]).run(records())
    two = Pipeline([MergePersonaTurns(max_turns=4)]).run(records())
    assert [c.id for c in one.kept] == [c.id for c in two.kept]
    assert [c.to_record() for c in one.kept] == [c.to_record() for c in two.kept]


def test_seed_prompt_variants_group_with_ignore_line_pattern():
    variants = [
        "Assume a role-playing stance throughout our exchange.\n" + ELON,
        "Keep a role-playing posture throughout the discussion.\n" + ELON,
    ]
    recs = [single(f"v{i}", variants[i], i) for i in range(2)]
    assert len(Pipeline([MergePersonaTurns()]).run(recs).kept) == 2
    merged = Pipeline([MergePersonaTurns(ignore_line_pattern="(?i)role-?play")]).run(recs)
    assert [c.metadata["merged_from"] for c in merged.kept] == [["v0", "v1"]]


def test_without_system_option_and_bad_max_turns():
    recs = [single("a", None, 1), single("b", None, 2)]
    assert len(Pipeline([MergePersonaTurns(merge_without_system=True)]).run(recs).kept) == 1
    with pytest.raises(ValueError, match="max_turns"):
        Pipeline([MergePersonaTurns(max_turns=0)]).run(recs)
